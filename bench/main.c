/* clconv-bench: command-line front end of clconv.
 *   run      one Conv / ConvTranspose / DepthToSpace / SpaceToDepth
 *   suite    a table of layers with one or every algorithm
 *   devices  the OpenCL devices and how --device names them
 *   tune     the autotuner over a suite; writes the tuning database
 *   problem  oneDNN benchdnn problem descriptors, run like a suite
 *   plot     a bar chart (PNG, gnuplot) of a suite or problem CSV
 * Exit codes and message conventions: bench.h. */
#include "bench.h"

#include <stdio.h>
#include <string.h>

static const char usage[] =
    "usage:\n"
    "  clconv-bench run --input X.npy --weights W.npy [--bias B.npy|random] --output Y.npy\n"
    "      [--transposed] [--strides 2,2] [--pads top,left,bottom,right] [--dilations 1,1]\n"
    "      [--group G] [--output-padding 1,1] [--output-shape H,W]\n"
    "      [--auto-pad NOTSET|SAME_UPPER|SAME_LOWER|VALID]\n"
    "      [--activation none|relu|relu6|clip:MIN:MAX|leaky_relu[:ALPHA]]\n"
    "      [--algo auto|NAME] [--device SPEC] [--time N] [--check]\n"
    "      [--random --input-shape N,C,D... --weight-shape K,C/group,k... [--seed S]]\n"
    "  clconv-bench run --op depth_to_space|space_to_depth --blocksize B [--mode DCR|CRD]\n"
    "      --input X.npy --output Y.npy   (also --time, --check, --random --input-shape)\n"
    "  clconv-bench run --op deform_conv --input X.npy --weights W.npy --offset O.npy\n"
    "      [--mask M.npy] [--offset-group OG] [conv options] --output Y.npy\n"
    "      (also --random --input-shape N,C,H,W --weight-shape K,C/G,kH,kW [--offset-range R])\n"
    "  clconv-bench devices\n"
    "  clconv-bench suite [--suite smoke|standard|NETWORK|PATH.tsv] [--algo auto|all|NAME[,..]]\n"
    "      [--runs N] [--device SPEC] [--check|--no-check] [--layers NAME,PREFIX*,..]\n"
    "      [--peers onednn,clblast|all|none] [--format table|csv|json] [--out FILE] [--seed S]\n"
    "  clconv-bench problem 'BENCHDNN_DESC' [DESC..] | --batch FILE|NAME\n"
    "      [--deconv] [--mb N] [and the options of suite]   (NAME: resnet50, mobilenet_v2, ..)\n"
    "  clconv-bench plot RESULTS.csv --out FILE.png [--title T]   (needs gnuplot)\n"
    "  clconv-bench suite --print NAME   (the embedded suite text; NETWORK: resnet50,\n"
    "      mobilenet_v2, resnext50_32x4d, vgg16, densenet121, efficientnet_b0,\n"
    "      deeplabv3_resnet50, unet, r3d_18: every distinct layer with its count;\n"
    "      dcn: deformable layers of DCNv2 / DCNv1 ResNets and a CenterNet head)\n"
    "  clconv-bench tune [--suite standard|smoke|PATH.tsv] [--layers NAME,PREFIX*,..]\n"
    "      [--algo all|NAME[,NAME..]] [--budget SECONDS] [--runs N] [--db PATH]\n"
    "      [--device SPEC] [--verbose] [--format table|csv|json] [--out FILE]\n"
    "      (budget per layer and algorithm, default 60)\n"
    "\n"
    "Lists are in ONNX order; pads are all begins then all ends.  Rank and kernel\n"
    "shape come from the weights: Conv [K, C/group, k...], ConvTranspose\n"
    "[C, K/group, k...].  Tensors are float32 .npy in C order.\n"
    "--device SPEC: \"P:D\" from `clconv-bench devices` or a substring of the\n"
    "device or platform name (default: $CLCONV_DEVICE, else first GPU, else\n"
    "first device).  Algorithms: auto, direct, gemm, winograd_f2x2,\n"
    "winograd_f4x4, depthwise, dilated_s2b, deconv_d2s, igemm.\n"
    "\n"
    "exit codes: 0 ok, 1 device/OpenCL/I/O failure (or a result far from the\n"
    "reference), 2 invalid problem, option or file, 3 the requested --algo\n"
    "cannot do the problem.\n";

int main(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        fputs(usage, argc < 2 ? stderr : stdout);
        return argc < 2 ? BENCH_INVALID : BENCH_OK;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("clconv-bench %s\n", clconv_version());
        return BENCH_OK;
    }
    for (int i = 2; i < argc; i++)
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(usage, stdout);
            return BENCH_OK;
        }
    if (strcmp(argv[1], "run") == 0)
        return cmd_run(argc - 2, argv + 2);
    if (strcmp(argv[1], "suite") == 0)
        return cmd_suite(argc - 2, argv + 2);
    if (strcmp(argv[1], "devices") == 0)
        return cmd_devices(argc - 2, argv + 2);
    if (strcmp(argv[1], "tune") == 0)
        return cmd_tune(argc - 2, argv + 2);
    if (strcmp(argv[1], "problem") == 0)
        return cmd_problem(argc - 2, argv + 2);
    if (strcmp(argv[1], "plot") == 0)
        return cmd_plot(argc - 2, argv + 2);
    bench_msg("unknown command '%s' (run, suite, problem, plot, devices, tune; --help for usage)",
              argv[1]);
    return BENCH_INVALID;
}
