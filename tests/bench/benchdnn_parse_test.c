/* Unit test of bench/benchdnn.c: oneDNN benchdnn convolution descriptors
 * and batch files -> clconv suites.  No OpenCL device is needed (the
 * descriptors are validated with clconv_conv_output_shape only).
 *
 * The descriptors below are copied from oneDNN's shipped files
 * (tests/benchdnn/inputs/conv/shapes_resnet_50, shapes_googlenet_v1,
 * shapes_ssd_300_voc0712, shapes_mobilenet_dw, shapes_3d, shapes_3d_i3d,
 * shapes_1d, shapes_dilated*, inputs/deconv/shapes_1d, shapes_2d); the
 * expected ONNX fields were derived by hand from benchdnn's rules (see the
 * header of bench/benchdnn.c) and cross-checked against a literal port of
 * benchdnn's str2desc over every shipped shapes file.
 *
 * Batch files are written to a temporary directory; stderr is captured to
 * check the messages (option lines reported once, errors with FILE:LINE). */
#define _POSIX_C_SOURCE 200809L /* mkdtemp, dup, dup2, fileno */
#include "bench.h"
#include "benchdnn.h"
#include "suite.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* suite.c refers to the embedded suites; this test loads none. */
const bench_embedded_file bench_suite_files[] = {{NULL, NULL, 0}};

static int failures;

#define CHECK(cond)                                                                    \
    do {                                                                               \
        if (!(cond)) {                                                                 \
            fprintf(stdout, "FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond);            \
            failures++;                                                                \
        }                                                                              \
    } while (0)

/* ---- descriptors ------------------------------------------------------------- */

/* Expected ONNX fields of one descriptor; spatial arrays in ONNX order. */
typedef struct expect {
    int rank, batch, ic, oc, groups, transposed;
    int in[3], k[3], s[3], dil[3], pb[3], pe[3], op[3], out[3];
    const char *name;
} expect;

static void check_parse(const char *text, int deconv, long mb, const expect *e, int line)
{
    clconv_conv_desc d;
    char name[128], why[512];
    int rc = benchdnn_parse(text, deconv, mb, &d, name, sizeof name, why, sizeof why);
    if (rc != 0) {
        printf("FAIL line %d: '%s' refused: %s\n", line, text, why);
        failures++;
        return;
    }
    int out[CLCONV_MAX_RANK] = {0};
    int ok = clconv_conv_output_shape(&d, out) == CLCONV_SUCCESS && d.rank == e->rank &&
             d.batch == e->batch && d.in_channels == e->ic && d.out_channels == e->oc &&
             d.groups == e->groups && d.transposed == e->transposed && d.has_bias == 1 &&
             d.auto_pad == CLCONV_AUTO_PAD_NOTSET && strcmp(name, e->name) == 0;
    for (int j = 0; ok && j < e->rank; j++)
        ok = d.in_size[j] == e->in[j] && d.kernel_size[j] == e->k[j] &&
             d.strides[j] == e->s[j] && d.dilations[j] == e->dil[j] &&
             d.pads_begin[j] == e->pb[j] && d.pads_end[j] == e->pe[j] &&
             d.output_padding[j] == e->op[j] && out[j] == e->out[j] && d.output_shape[j] == 0;
    if (!ok) {
        printf("FAIL line %d: '%s': got rank %d n%d c%d k%d g%d t%d name '%s'", line, text, d.rank,
               d.batch, d.in_channels, d.out_channels, d.groups, d.transposed, name);
        for (int j = 0; j < d.rank && j < 3; j++)
            printf(" [in %d k %d s %d d %d p %d,%d op %d out %d]", d.in_size[j], d.kernel_size[j],
                   d.strides[j], d.dilations[j], d.pads_begin[j], d.pads_end[j],
                   d.output_padding[j], out[j]);
        printf("\n");
        failures++;
    }
}
#define PARSE_OK(text, deconv, mb, ...)                                                \
    do {                                                                               \
        const expect e_ = __VA_ARGS__;                                                 \
        check_parse(text, deconv, mb, &e_, __LINE__);                                  \
    } while (0)

static void check_refused(const char *text, int deconv, long mb, const char *reason, int line)
{
    clconv_conv_desc d;
    char name[64], why[512];
    int rc = benchdnn_parse(text, deconv, mb, &d, name, sizeof name, why, sizeof why);
    if (rc != -1 || !strstr(why, reason)) {
        printf("FAIL line %d: '%s': rc %d, reason '%s', expected one containing '%s'\n", line,
               text, rc, rc ? why : "", reason);
        failures++;
    }
}
#define REFUSED(text, deconv, mb, reason) check_refused(text, deconv, mb, reason, __LINE__)

/* Descriptors exactly as oneDNN's shapes files hold them. */
static void test_shipped_examples(void)
{
    /* shapes_resnet_50: explicit oh and ow; benchdnn's end pad is
     * (112-1)*2 - 224 + 7 - 3 = 2, the same output as pads 3,3. */
    PARSE_OK("g1mb50ic3ih224iw224oc64oh112ow112kh7kw7sh2sw2ph3pw3n\"resnet_50:conv1\"", 0, 0,
             {2, 50, 3, 64, 1, 0, {224, 224}, {7, 7}, {2, 2}, {1, 1}, {3, 3}, {2, 2}, {0, 0},
              {112, 112}, "resnet_50:conv1"});
    /* --mb 1 overrides mb50 */
    PARSE_OK("g1mb50ic3ih224iw224oc64oh112ow112kh7kw7sh2sw2ph3pw3n\"resnet_50:conv1\"", 0, 1,
             {2, 1, 3, 64, 1, 0, {224, 224}, {7, 7}, {2, 2}, {1, 1}, {3, 3}, {2, 2}, {0, 0},
              {112, 112}, "resnet_50:conv1"});
    /* 1x1 stride 2: benchdnn's end pad is -1 (the last row is never read),
     * ONNX's 0. */
    PARSE_OK("g1mb50ic256ih56iw56oc512oh28ow28kh1kw1sh2sw2ph0pw0n\"resnet_50:res3a_branch1\"", 0,
             1,
             {2, 1, 256, 512, 1, 0, {56, 56}, {1, 1}, {2, 2}, {1, 1}, {0, 0}, {0, 0}, {0, 0},
              {28, 28}, "resnet_50:res3a_branch1"});
    /* square: w copies h; the "*3" is part of the name */
    PARSE_OK("mb50ic64ih56oc64oh56kh3ph1n\"resnet_50:res2a_branch2b*3\"", 0, 0,
             {2, 50, 64, 64, 1, 0, {56, 56}, {3, 3}, {1, 1}, {1, 1}, {1, 1}, {1, 1}, {0, 0},
              {56, 56}, "resnet_50:res2a_branch2b*3"});
    /* shapes_googlenet_v1 */
    PARSE_OK("mb96ic64ih56oc192oh56kh3ph1n\"googlenet_v1:conv2/3x3\"", 0, 1,
             {2, 1, 64, 192, 1, 0, {56, 56}, {3, 3}, {1, 1}, {1, 1}, {1, 1}, {1, 1}, {0, 0},
              {56, 56}, "googlenet_v1:conv2/3x3"});
    /* shapes_ssd_300_voc0712: dh5 is ONNX dilation 6; '_' separators */
    PARSE_OK("mb32_ic512oc1024_ih19kh3oh19ph6dh5n\"ssd_300_voc0712:fc6\"", 0, 0,
             {2, 32, 512, 1024, 1, 0, {19, 19}, {3, 3}, {1, 1}, {6, 6}, {6, 6}, {6, 6}, {0, 0},
              {19, 19}, "ssd_300_voc0712:fc6"});
    /* ... and a '_' before the name */
    PARSE_OK("mb32_ic256oc512_ih19kh3oh10sh2ph1_n\"ssd_300_voc0712:conv6_2\"", 0, 1,
             {2, 1, 256, 512, 1, 0, {19, 19}, {3, 3}, {2, 2}, {1, 1}, {1, 1}, {1, 1}, {0, 0},
              {10, 10}, "ssd_300_voc0712:conv6_2"});
    /* shapes_mobilenet_dw: depthwise g32 */
    PARSE_OK("g32mb1ic32ih112iw112oc32oh112ow112kh3kw3sh1sw1ph1pw1n\"mobilenet:conv2_1/dw\"", 0, 0,
             {2, 1, 32, 32, 32, 0, {112, 112}, {3, 3}, {1, 1}, {1, 1}, {1, 1}, {1, 1}, {0, 0},
              {112, 112}, "mobilenet:conv2_1/dw"});
    PARSE_OK("g64mb1ic64ih112iw112oc64oh56ow56kh3kw3sh2sw2ph1pw1n\"mobilenet:conv2_2/dw\"", 0, 0,
             {2, 1, 64, 64, 64, 0, {112, 112}, {3, 3}, {2, 2}, {1, 1}, {1, 1}, {0, 0}, {0, 0},
              {56, 56}, "mobilenet:conv2_2/dw"});
    /* shapes_3d: no mb (benchdnn's default 2), no outputs */
    PARSE_OK("ic16oc16_ih13kh3ph1_iw50kw3pw1_id10kd3pd1_n\"3d_conv_pad:1\"", 0, 0,
             {3, 2, 16, 16, 1, 0, {10, 13, 50}, {3, 3, 3}, {1, 1, 1}, {1, 1, 1}, {1, 1, 1},
              {1, 1, 1}, {0, 0, 0}, {10, 13, 50}, "3d_conv_pad:1"});
    /* shapes_3d_i3d: no name; end pads 3 */
    PARSE_OK("ic3oc64_id64od32kd7sd2dd0pd2_ih224oh112kh7sh2dh0ph2_iw224ow112kw7sw2dw0pw2", 0, 1,
             {3, 1, 3, 64, 1, 0, {64, 224, 224}, {7, 7, 7}, {2, 2, 2}, {1, 1, 1}, {2, 2, 2},
              {3, 3, 3}, {0, 0, 0}, {32, 112, 112}, ""});
    /* shapes_1d */
    PARSE_OK("g2_ic32oc32_iw27kw2_n\"1d_gconv_channel-block-16\"", 0, 0,
             {1, 2, 32, 32, 2, 0, {27}, {2}, {1}, {1}, {0}, {0}, {0}, {26},
              "1d_gconv_channel-block-16"});
    PARSE_OK("g128ic128iw16oc128ow16kw3sw1pw1n\"conv_dw\"", 0, 1,
             {1, 1, 128, 128, 128, 0, {16}, {3}, {1}, {1}, {1}, {1}, {0}, {16}, "conv_dw"});
    /* shapes_dilated_*: ih1 puts h in use, so this "1d" problem is 2D */
    PARSE_OK("mb20ic16ih1iw8oc6oh1kh1kw3sh1pw0ph0sw1dh0dw2n\"dilated_conv1d:15\"", 0, 0,
             {2, 20, 16, 6, 1, 0, {1, 8}, {1, 3}, {1, 1}, {1, 3}, {0, 0}, {0, 0}, {0, 0}, {1, 2},
              "dilated_conv1d:15"});
    PARSE_OK("mb20ic4ih8iw8oc6oh8ow2kh3kw3sh1sw3ph1pw1dh0dw2n\"dilated_conv:12\"", 0, 0,
             {2, 20, 4, 6, 1, 0, {8, 8}, {3, 3}, {1, 3}, {1, 3}, {1, 1}, {1, 1}, {0, 0}, {8, 2},
              "dilated_conv:12"});
    /* deconv/shapes_1d: explicit output, asymmetric end pad:
     * pr = (5-1)*1 - 2 + ((3-1)*3+1) - 3 = 6 */
    PARSE_OK("ic8iw5oc8ow2kw3pw3dw2n\"deconv1d:1\"", 1, 1,
             {1, 1, 8, 8, 1, 1, {5}, {3}, {1}, {3}, {3}, {6}, {0}, {2}, "deconv1d:1"});
    /* negative end pad -1: ONNX output_padding 1 */
    PARSE_OK("mb1_g1oc3ic64_ow1030iw512kw7sw2dw0pw0_n\"masknet_p1:deconv1\"", 1, 0,
             {1, 1, 64, 3, 1, 1, {512}, {7}, {2}, {1}, {0}, {0}, {1}, {1030},
              "masknet_p1:deconv1"});
    /* deconv/shapes_2d: pads 3,2 */
    PARSE_OK("g1mb96ic64ih112iw112oc3oh224ow224kh7kw7sh2sw2ph3pw3n\"googlenet_v1:conv1/7x7_s2\"", 1,
             1,
             {2, 1, 64, 3, 1, 1, {112, 112}, {7, 7}, {2, 2}, {1, 1}, {3, 3}, {2, 2}, {0, 0},
              {224, 224}, "googlenet_v1:conv1/7x7_s2"});
    PARSE_OK("g2mb256oc96oh27ic256ih27kh5ph2n\"alexnet:deconv2\"", 1, 1,
             {2, 1, 256, 96, 2, 1, {27, 27}, {5, 5}, {1, 1}, {1, 1}, {2, 2}, {2, 2}, {0, 0},
              {27, 27}, "alexnet:deconv2"});
}

/* benchdnn's rules for what a descriptor leaves out. */
static void test_missing_values(void)
{
    /* no output: computed, pads 0, mb 2, g 1 */
    PARSE_OK("ic3ih10oc4kh3", 0, 0,
             {2, 2, 3, 4, 1, 0, {10, 10}, {3, 3}, {1, 1}, {1, 1}, {0, 0}, {0, 0}, {0, 0}, {8, 8},
              ""});
    /* no output, pad and stride given: (10 + 2 - 3) / 2 + 1 = 5, end pad 0 */
    PARSE_OK("ic3ih10oc4kh3ph1sh2", 0, 0,
             {2, 2, 3, 4, 1, 0, {10, 10}, {3, 3}, {2, 2}, {1, 1}, {1, 1}, {0, 0}, {0, 0}, {5, 5},
              ""});
    /* output given, pad missing: ((10-1) - 10 + 3) / 2 = 1 */
    PARSE_OK("ic3ih10oc4oh10kh3", 0, 0,
             {2, 2, 3, 4, 1, 0, {10, 10}, {3, 3}, {1, 1}, {1, 1}, {1, 1}, {1, 1}, {0, 0},
              {10, 10}, ""});
    /* C's truncating division: (27*2 - 56 + 1) / 2 = 0, not -1 */
    PARSE_OK("ic1ih56oc1oh28kh1sh2", 0, 1,
             {2, 1, 1, 1, 1, 0, {56, 56}, {1, 1}, {2, 2}, {1, 1}, {0, 0}, {0, 0}, {0, 0},
              {28, 28}, ""});
    /* kernel wider than the input: (2 - 3) / 2 + 1 = 1, end pad 1 */
    PARSE_OK("ic1ih2oc1kh3sh2", 0, 1,
             {2, 1, 1, 1, 1, 0, {2, 2}, {3, 3}, {2, 2}, {1, 1}, {0, 0}, {1, 1}, {0, 0}, {1, 1},
              ""});
    /* cubic: h and w copy d */
    PARSE_OK("ic2id4oc2kd3", 0, 1,
             {3, 1, 2, 2, 1, 0, {4, 4, 4}, {3, 3, 3}, {1, 1, 1}, {1, 1, 1}, {0, 0, 0}, {0, 0, 0},
              {0, 0, 0}, {2, 2, 2}, ""});
    /* w given apart from h */
    PARSE_OK("ic1ih5iw7oc1kh3kw1", 0, 1,
             {2, 1, 1, 1, 1, 0, {5, 7}, {3, 1}, {1, 1}, {1, 1}, {0, 0}, {0, 0}, {0, 0}, {3, 7},
              ""});
    /* ph0 and dh0 alone leave h unused: 1D */
    PARSE_OK("ic1iw5kw3oc1ph0dh0", 0, 1,
             {1, 1, 1, 1, 1, 0, {5}, {3}, {1}, {1}, {0}, {0}, {0}, {3}, ""});
    /* a quoted or bare name; single quotes too */
    PARSE_OK("ic1iw5kw3oc1nbare:name", 0, 1,
             {1, 1, 1, 1, 1, 0, {5}, {3}, {1}, {1}, {0}, {0}, {0}, {3}, "bare:name"});
    PARSE_OK("ic1iw5kw3oc1n'q'", 0, 1,
             {1, 1, 1, 1, 1, 0, {5}, {3}, {1}, {1}, {0}, {0}, {0}, {3}, "q"});
    /* deconv, output computed: (7-1)*2 + 3 - 2 = 13 */
    PARSE_OK("ic4ih7oc2kh3sh2ph1", 1, 1,
             {2, 1, 4, 2, 1, 1, {7, 7}, {3, 3}, {2, 2}, {1, 1}, {1, 1}, {1, 1}, {0, 0}, {13, 13},
              ""});
    /* deconv, pad from the output: ((14-1)*2 - 28 + 3) / 2 = 0, end pad 1 */
    PARSE_OK("mb1ic32ih14oc32oh28kh3sh2", 1, 0,
             {2, 1, 32, 32, 1, 1, {14, 14}, {3, 3}, {2, 2}, {1, 1}, {0, 0}, {1, 1}, {0, 0},
              {28, 28}, ""});
    /* deconv, output past the natural size: end pad -1 is output_padding 1 */
    PARSE_OK("ic2ih7oc2oh15kh3sh2ph1", 1, 1,
             {2, 1, 2, 2, 1, 1, {7, 7}, {3, 3}, {2, 2}, {1, 1}, {1, 1}, {0, 0}, {1, 1}, {15, 15},
              ""});
    /* benchdnn_parse truncates the name to the buffer */
    clconv_conv_desc d;
    char name[4], why[256];
    CHECK(benchdnn_parse("ic1iw5kw3oc1n\"abcdef\"", 0, 0, &d, name, sizeof name, why,
                         sizeof why) == 0 &&
          strcmp(name, "abc") == 0);
    CHECK(benchdnn_parse("ic1iw5kw3oc1", 0, 0, &d, NULL, 0, NULL, 0) == 0);
}

static void test_errors(void)
{
    REFUSED("", 0, 0, "empty descriptor");
    REFUSED("ic3ih5oc3kh3x1", 0, 0, "unknown field at 'x1'");
    REFUSED("_ic3ih5oc3kh3", 0, 0, "unknown field at '_ic3");
    REFUSED("ic3__oc3ih5kh3", 0, 0, "unknown field at '_oc3");
    REFUSED("ih5oc3kh3", 0, 0, "ic: missing input channels");
    REFUSED("ic3ih5kh3", 0, 0, "oc: missing output channels");
    REFUSED("ic3ih5oc3", 0, 0, "kh: missing kernel size");
    REFUSED("ic3oc3kh3sh2", 0, 0, "ih: missing input size");
    REFUSED("ic3oc3sw2iw5", 0, 0, "kw: missing kernel size");
    REFUSED("ic3oc3", 0, 0, "no spatial size");
    REFUSED("ic1id4ih4oc1kd3kh3", 0, 0, "a 3D problem needs both its h and its w fields");
    REFUSED("ic3ic4ih5oc3kh3", 0, 0, "ic: given twice");
    REFUSED("ic3ihoc3kh3", 0, 0, "ih: no value (found 'oc3kh3')");
    REFUSED("ic3ih-5oc3kh3", 0, 0, "ih: no value (found '-5oc3kh3')");
    REFUSED("ic3ih+5oc3kh3", 0, 0, "ih: no value");
    REFUSED("ic0ih5oc3kh3", 0, 0, "ic: 0 is not a size");
    REFUSED("ic3ih5oc3kh3sh0", 0, 0, "sh: 0 is not a size");
    REFUSED("ic3ih5oc3oh0kh3", 0, 0, "oh: 0 is not a size");
    REFUSED("g0ic3ih5oc3kh3", 0, 0, "g: 0 is not a size");
    REFUSED("ic3ih99999999999oc3kh3", 0, 0, "ih: 99999999999 is larger than 16777216");
    REFUSED("ic3ih16777217oc3kh3", 0, 0, "ih: 16777217 is larger than 16777216");
    REFUSED("ic3ih5oc3kh3n\"abc", 0, 0, "n: unterminated name \"abc");
    REFUSED("ic3ih5oc3kh3n\"abc\"x", 0, 0, "n: 'x' after the name's closing quote");
    REFUSED("ic3ih5oc3kh3na\"b", 0, 0, "n: stray quote");
    REFUSED("ic3ih5oc3kh3n\"a\tb\"", 0, 0, "control character");
    /* an explicit output no padding fits (oneDNN needs end pad > -stride) */
    REFUSED("ic3ih56oc3oh27kh3ph1", 0, 0,
            "oh=27 does not match ih=56 kh=3 sh=1 ph=1 dh=0 (expected >= 55)");
    REFUSED("ic3ih7oc3oh17kh3sh2ph1", 1, 0,
            "oh=17 does not match ih=7 kh=3 sh=2 ph=1 dh=0 (expected <= 15)");
    /* a begin pad derived from the output must be >= 0 */
    REFUSED("ic1ih10oc1oh3kh1", 0, 0, "ph: oh=3 with ih=10 kh=1 sh=1 ph=-3 dh=0 needs a negative");
    /* computed outputs */
    REFUSED("ic1ih2oc1kh5", 0, 0, "oh: ih=2 kh=5 sh=1 ph=0 dh=0 gives an output of -2");
    REFUSED("ic1ih1oc1kh1ph1", 1, 0, "oh: ih=1 kh=1 sh=1 ph=1 dh=0 gives an output of -1");
    REFUSED("g3ic4oc6ih5kh3", 0, 0, "g=3 does not divide ic=4");
    REFUSED("g2ic4oc5ih5kh3", 0, 0, "g=2 does not divide oc=5");
    /* benchdnn accepts it, clconv does not (kernel at most 2^16) */
    REFUSED("ic1iw100000kw70000oc1", 0, 0, "clconv refuses it: ");
    REFUSED("ic1iw5kw3oc1", 0, BENCHDNN_MAX_VALUE + 1, "mb: 16777217 is larger");
}

/* ---- batch files ---------------------------------------------------------------- */

static char tmpdir[256];

static void write_file(const char *rel, const char *text)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", tmpdir, rel);
    FILE *f = fopen(path, "w");
    if (!f || fputs(text, f) < 0 || fclose(f) != 0) {
        printf("FAIL: cannot write %s\n", path);
        exit(1);
    }
}

static const char *tmp_path(const char *rel)
{
    static char path[4][512];
    static int i;
    i = (i + 1) % 4;
    snprintf(path[i], sizeof path[i], "%s/%s", tmpdir, rel);
    return path[i];
}

/* stderr into a buffer around one call */
static int saved_fd = -1;
static FILE *cap;

static void capture_begin(void)
{
    fflush(stderr);
    cap = tmpfile();
    saved_fd = dup(fileno(stderr));
    if (!cap || saved_fd < 0 || dup2(fileno(cap), fileno(stderr)) < 0) {
        printf("FAIL: cannot capture stderr\n");
        exit(1);
    }
}

/* The captured text (static, until the next call); also echoed to stdout. */
static const char *capture_end(void)
{
    static char buf[1 << 16];
    fflush(stderr);
    dup2(saved_fd, fileno(stderr));
    close(saved_fd);
    rewind(cap);
    size_t n = fread(buf, 1, sizeof buf - 1, cap);
    buf[n] = '\0';
    fclose(cap);
    fputs(buf, stdout);
    return buf;
}

static int count(const char *hay, const char *needle)
{
    int n = 0;
    for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
        n++;
    return n;
}

static const suite_layer *find_layer(const suite *s, const char *name)
{
    for (int i = 0; i < s->n; i++)
        if (strcmp(s->layers[i].name, name) == 0)
            return &s->layers[i];
    return NULL;
}

/* Options, comments, --mb=, --reset, names, repeats, continuation. */
static void test_file_options(void)
{
    write_file("opts.benchdnn", "# a comment line --dir=ignored\n"
                                "\n"
                                "--reset --dir=FWD_B --cfg=f32\n"
                                "ic3ih8oc4kh3n\"a\"   # trailing comment ic9\n"
                                "--dir=BWD_D --attr-post-ops=relu\n"
                                "--mb=4\n"
                                "ic3ih8oc4kh3n\"b\" ic3ih8oc4kh3\n"
                                "--mb=1,3 ic3ih6oc4kh3n\"c\"\n"
                                "--reset\n"
                                "mb5ic3ih8oc4kh3n\"a\"\n"       /* same name, other shape */
                                "ic3ih8oc4kh3n\"a\"\n"          /* exact repeat of line 4 */
                                "ic3ih9oc4\\\n"                 /* continued token */
                                "kh3n\"joined\"\n"
                                "ic3ih9oc4 \\ kh1n\"lone\"\n"); /* a lone '\' joins too */
    suite s;
    capture_begin();
    int rc = benchdnn_load(tmp_path("opts.benchdnn"), 1, 0, 0, &s);
    const char *err = capture_end();
    CHECK(rc == 0);
    CHECK(s.check_default == 1);
    CHECK(strcmp(s.label, tmp_path("opts.benchdnn")) == 0);
    /* each option name once, with its file and line */
    char want[700];
    snprintf(want, sizeof want,
             "clconv-bench: %s:3: ignoring '--dir=FWD_B' (clconv-bench runs forward f32)\n",
             tmp_path("opts.benchdnn"));
    CHECK(strstr(err, want) != NULL);
    CHECK(count(err, "ignoring '--dir=") == 1);
    CHECK(count(err, "ignoring '--cfg=f32'") == 1);
    CHECK(count(err, "opts.benchdnn:5: ignoring '--attr-post-ops=relu'") == 1);
    CHECK(count(err, "1 problem repeats an earlier one") == 1);
    CHECK(s.n == 8);
    const suite_layer *a = find_layer(&s, "a"), *a2 = find_layer(&s, "a#2");
    CHECK(a && a->line == 4 && a->desc.batch == 2 && strcmp(a->type, "conv2d") == 0);
    CHECK(a2 && a2->line == 10 && a2->desc.batch == 5);
    const suite_layer *b = find_layer(&s, "b"), *p3 = find_layer(&s, "p3");
    CHECK(b && b->line == 7 && b->desc.batch == 4);
    CHECK(p3 && p3->line == 7 && p3->desc.batch == 4 && p3->desc.in_size[0] == 8);
    const suite_layer *c1 = find_layer(&s, "c@mb1"), *c3 = find_layer(&s, "c@mb3");
    CHECK(c1 && c1->desc.batch == 1 && c1->line == 8);
    CHECK(c3 && c3->desc.batch == 3);
    const suite_layer *j = find_layer(&s, "joined"), *l = find_layer(&s, "lone");
    CHECK(j && j->line == 12 && j->desc.in_size[0] == 9 && j->desc.kernel_size[0] == 3);
    CHECK(l && l->line == 14 && l->desc.kernel_size[0] == 1);
    suite_free(&s);
    CHECK(s.n == 0 && s.layers == NULL);

    /* the caller's mb wins over the descriptor's and the file's */
    capture_begin();
    rc = benchdnn_load(tmp_path("opts.benchdnn"), 1, 0, 7, &s);
    capture_end();
    CHECK(rc == 0);
    for (int i = 0; i < s.n; i++)
        CHECK(s.layers[i].desc.batch == 7);
    CHECK(find_layer(&s, "c") != NULL); /* one minibatch: no "@mb" */
    CHECK(find_layer(&s, "a#2") == NULL); /* a at mb 7 twice: a repeat */
    suite_free(&s);
}

/* A bad token: FILE:LINE: 'TOKEN': REASON, exit code 2, empty suite. */
static void test_file_errors(void)
{
    suite s;
    write_file("bad.benchdnn", "# fine so far\nic3ih8oc4kh3\n  ic3ih8oc4kh3 ic3ih8oc4kq3\n");
    capture_begin();
    int rc = benchdnn_load(tmp_path("bad.benchdnn"), 1, 0, 1, &s);
    const char *err = capture_end();
    char want[700];
    snprintf(want, sizeof want,
             "clconv-bench: %s:3: 'ic3ih8oc4kq3': unknown field at 'kq3'",
             tmp_path("bad.benchdnn"));
    CHECK(rc == BENCH_INVALID && strstr(err, want) && s.n == 0 && s.layers == NULL);

    write_file("dash.benchdnn", "ic3ih8oc4kh3\n-mb=2\n");
    capture_begin();
    rc = benchdnn_load(tmp_path("dash.benchdnn"), 1, 0, 0, &s);
    err = capture_end();
    CHECK(rc == BENCH_INVALID && strstr(err, "dash.benchdnn:2: '-mb=2': options start with '--'"));

    write_file("mb.benchdnn", "--mb=2,x\nic3ih8oc4kh3\n");
    capture_begin();
    rc = benchdnn_load(tmp_path("mb.benchdnn"), 1, 0, 0, &s);
    err = capture_end();
    CHECK(rc == BENCH_INVALID && strstr(err, "mb.benchdnn:1: '--mb=2,x': expected"));

    write_file("mb2.benchdnn", "--mb 2\nic3ih8oc4kh3\n");
    capture_begin();
    rc = benchdnn_load(tmp_path("mb2.benchdnn"), 1, 0, 0, &s);
    err = capture_end();
    CHECK(rc == BENCH_INVALID && strstr(err, "mb2.benchdnn:1: '--mb': expected --mb=VALUE"));

    write_file("empty.benchdnn", "# nothing\n--dir=FWD_D\n");
    capture_begin();
    rc = benchdnn_load(tmp_path("empty.benchdnn"), 1, 0, 0, &s);
    err = capture_end();
    CHECK(rc == BENCH_INVALID && strstr(err, "empty.benchdnn: no problems"));

    write_file("cont.benchdnn", "\\ ic3ih8oc4kh3\n");
    capture_begin();
    rc = benchdnn_load(tmp_path("cont.benchdnn"), 1, 0, 0, &s);
    err = capture_end();
    CHECK(rc == BENCH_INVALID &&
          strstr(err, "cont.benchdnn:1: a line continuation '\\' with nothing before it"));

    capture_begin();
    rc = benchdnn_load(tmp_path("missing.benchdnn"), 1, 0, 0, &s);
    err = capture_end();
    CHECK(rc == BENCH_INVALID && strstr(err, "cannot open '") && strstr(err, "missing.benchdnn"));

    write_file("nul.benchdnn", "");
    FILE *f = fopen(tmp_path("nul.benchdnn"), "wb");
    CHECK(f && fwrite("ic3\0", 1, 4, f) == 4 && fclose(f) == 0);
    capture_begin();
    rc = benchdnn_load(tmp_path("nul.benchdnn"), 1, 0, 0, &s);
    err = capture_end();
    CHECK(rc == BENCH_INVALID && strstr(err, "not a text file"));

    capture_begin();
    rc = benchdnn_load(tmpdir, 1, 0, 0, &s);
    err = capture_end();
    CHECK(rc == BENCH_INVALID && strstr(err, "is a directory"));
}

/* --batch= includes: relative to the including file, cycles, depth. */
static void test_includes(void)
{
    char sub[300];
    snprintf(sub, sizeof sub, "%s/sub", tmpdir);
    CHECK(mkdir(sub, 0700) == 0);
    write_file("main.benchdnn", "--mb=3\nic1iw5kw3oc1n\"top\"\n--batch=sub/inc.benchdnn\n"
                                "ic1iw6kw3oc1n\"after\"\n");
    write_file("sub/inc.benchdnn", "ic1iw7kw3oc1n\"inc\"\n--mb=6 --batch=leaf.benchdnn\n");
    write_file("sub/leaf.benchdnn", "--deconv ic1iw8kw3oc1n\"leaf\" --conv\n");
    suite s;
    capture_begin();
    int rc = benchdnn_load(tmp_path("main.benchdnn"), 1, 0, 0, &s);
    capture_end();
    CHECK(rc == 0 && s.n == 4);
    if (rc == 0 && s.n == 4) {
        CHECK(strcmp(s.layers[0].name, "top") == 0 && s.layers[0].desc.batch == 3);
        CHECK(strcmp(s.layers[1].name, "inc") == 0 && s.layers[1].desc.batch == 3);
        CHECK(strcmp(s.layers[2].name, "leaf") == 0 && s.layers[2].desc.batch == 6 &&
              strcmp(s.layers[2].type, "deconv1d") == 0 && s.layers[2].desc.transposed == 1);
        /* settings are shared across includes, as in benchdnn */
        CHECK(strcmp(s.layers[3].name, "after") == 0 && s.layers[3].desc.batch == 6 &&
              s.layers[3].desc.transposed == 0 && s.layers[3].line == 4);
    }
    suite_free(&s);

    /* an error inside an include names the included file and its line */
    write_file("sub/broken.benchdnn", "ic1iw7kw3oc1\nic1iw7oc1\n");
    write_file("inc_bad.benchdnn", "--batch=sub/broken.benchdnn\n");
    capture_begin();
    rc = benchdnn_load(tmp_path("inc_bad.benchdnn"), 1, 0, 0, &s);
    const char *err = capture_end();
    char want[700];
    snprintf(want, sizeof want, "%s/sub/broken.benchdnn:2: 'ic1iw7oc1': kw: missing kernel size",
             tmpdir);
    CHECK(rc == BENCH_INVALID && strstr(err, want));

    write_file("cyc_a.benchdnn", "ic1iw5kw3oc1\n--batch=cyc_b.benchdnn\n");
    write_file("cyc_b.benchdnn", "ic1iw6kw3oc1\n\n--batch=cyc_a.benchdnn\n");
    capture_begin();
    rc = benchdnn_load(tmp_path("cyc_a.benchdnn"), 1, 0, 0, &s);
    err = capture_end();
    CHECK(rc == BENCH_INVALID && strstr(err, "cyc_b.benchdnn:3: '--batch=") &&
          strstr(err, "includes itself (a cycle)"));

    write_file("self.benchdnn", "--batch=./self.benchdnn\n");
    capture_begin();
    rc = benchdnn_load(tmp_path("self.benchdnn"), 1, 0, 0, &s);
    err = capture_end();
    CHECK(rc == BENCH_INVALID && strstr(err, "a cycle"));

    /* chain0 -> chain1 -> ... -> chain9: deeper than 8 */
    for (int i = 0; i < 10; i++) {
        char name[64], text[128];
        snprintf(name, sizeof name, "chain%d.benchdnn", i);
        snprintf(text, sizeof text, "ic1iw5kw3oc1\n--batch=chain%d.benchdnn\n", i + 1);
        write_file(name, text);
    }
    capture_begin();
    rc = benchdnn_load(tmp_path("chain0.benchdnn"), 1, 0, 0, &s);
    err = capture_end();
    CHECK(rc == BENCH_INVALID && strstr(err, "chain7.benchdnn:2: '--batch=chain8.benchdnn': "
                                             "includes nest deeper than 8"));

    write_file("noinc.benchdnn", "--batch=nowhere.benchdnn\n");
    capture_begin();
    rc = benchdnn_load(tmp_path("noinc.benchdnn"), 1, 0, 0, &s);
    err = capture_end();
    CHECK(rc == BENCH_INVALID && strstr(err, "noinc.benchdnn:1: cannot open '") &&
          strstr(err, "/nowhere.benchdnn'"));
}

/* Inline text (the command line) and text with a label (embedded). */
static void test_inline(void)
{
    suite s;
    capture_begin();
    int rc = benchdnn_load("ic3ih5oc3kh3 --dt=f16 ic3ih7oc3kh3n\"x\" ic3ih9oc3kh3", 0, 1, 1, &s);
    const char *err = capture_end();
    CHECK(rc == 0 && s.n == 3);
    CHECK(strstr(err, "clconv-bench: ignoring '--dt=f16' (clconv-bench runs forward f32)\n"));
    if (rc == 0 && s.n == 3) {
        CHECK(strcmp(s.layers[0].name, "p1") == 0 && s.layers[0].desc.transposed == 1);
        CHECK(strcmp(s.layers[1].name, "x") == 0);
        CHECK(strcmp(s.layers[2].name, "p3") == 0 && strcmp(s.layers[2].type, "deconv2d") == 0);
    }
    suite_free(&s);

    capture_begin();
    rc = benchdnn_load("ic3ih5oc3kh3 ic3ih5oc3", 0, 0, 0, &s);
    err = capture_end();
    CHECK(rc == BENCH_INVALID && strstr(err, "clconv-bench: 'ic3ih5oc3': kh: missing kernel size"));

    capture_begin();
    rc = benchdnn_load_text("mysuite", "# c\nic3ih5oc3kh3\n\nic3ih5oc3kh3z\n", 0, 0, &s);
    err = capture_end();
    CHECK(rc == BENCH_INVALID && strstr(err, "clconv-bench: mysuite:4: 'ic3ih5oc3kh3z': unknown"));

    CHECK(benchdnn_load_text("ok", "ic3ih5oc3kh3\n", 0, 0, &s) == 0 && s.n == 1 &&
          strcmp(s.label, "ok") == 0);
    suite_free(&s);
}

/* Names: truncated to 63 characters, made unique within that limit. */
static void test_names(void)
{
    char text[400], longname[101];
    memset(longname, 'n', 100);
    longname[100] = '\0';
    snprintf(text, sizeof text, "ic1iw5kw3oc1n\"%s\" ic1iw6kw3oc1n\"%s\" ic1iw7kw3oc1n\"p2\" "
                                "ic1iw8kw3oc1",
             longname, longname);
    suite s;
    capture_begin();
    int rc = benchdnn_load(text, 0, 0, 0, &s);
    capture_end();
    CHECK(rc == 0 && s.n == 4);
    if (rc == 0 && s.n == 4) {
        CHECK(strlen(s.layers[0].name) == 63 && strncmp(s.layers[0].name, longname, 63) == 0);
        CHECK(strlen(s.layers[1].name) == 63 && strcmp(s.layers[1].name + 61, "#2") == 0);
        CHECK(strcmp(s.layers[2].name, "p2") == 0);
        CHECK(strcmp(s.layers[3].name, "p4") == 0);
    }
    suite_free(&s);
    /* an unnamed problem whose pN is taken by a named one */
    capture_begin();
    rc = benchdnn_load("ic1iw5kw3oc1n\"p2\" ic1iw6kw3oc1", 0, 0, 0, &s);
    capture_end();
    CHECK(rc == 0 && s.n == 2 && strcmp(s.layers[1].name, "p2#2") == 0);
    suite_free(&s);
}

/* Our own shipped files (bench/suites/NAME.benchdnn) load, each < 25 problems. */
static void test_shipped_suites(void)
{
    static const struct {
        const char *file;
        int n;
        const char *type;
    } files[] = {
        {"resnet50.benchdnn", 23, "conv2d"},
        {"mobilenet_v2.benchdnn", 24, "conv2d"},
        {"deconv.benchdnn", 12, "deconv"},
    };
    for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
        char path[1024];
        snprintf(path, sizeof path, "%s/bench/suites/%s", CLCONV_SOURCE_DIR, files[i].file);
        suite s;
        capture_begin();
        int rc = benchdnn_load(path, 1, 0, 0, &s);
        const char *err = capture_end();
        CHECK(rc == 0 && s.n == files[i].n && s.n < 25 && err[0] == '\0');
        for (int j = 0; j < s.n; j++)
            CHECK(strncmp(s.layers[j].type, files[i].type, strlen(files[i].type)) == 0 &&
                  s.layers[j].desc.batch == 1 && strchr(s.layers[j].name, '#') == NULL);
        suite_free(&s);
    }
}

int main(void)
{
    snprintf(tmpdir, sizeof tmpdir, "%s/clconv_benchdnn_XXXXXX",
             getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (!mkdtemp(tmpdir)) {
        printf("FAIL: mkdtemp\n");
        return 1;
    }
    test_shipped_examples();
    test_missing_values();
    test_errors();
    test_file_options();
    test_file_errors();
    test_includes();
    test_inline();
    test_names();
    test_shipped_suites();
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    if (system(cmd) != 0)
        printf("note: could not remove %s\n", tmpdir);
    printf("%s: %d failure%s\n", failures ? "FAILED" : "ok", failures, failures == 1 ? "" : "s");
    return failures != 0;
}
