/* Fails when a plan runs a different algorithm than it reports.
 *
 * For every algorithm (and AUTO) over a set of descriptors, a supported
 * plan is enqueued with the launch trace on (host/internal.h), and
 *   (a) a named plan reports the algorithm asked for, AUTO a concrete one;
 *   (b) the trace shows that algorithm's kernels (kernel names start with
 *       their family: direct_, gemm_ or a CLBlast note, winograd_ built
 *       with -DWINO_M=2 or 4, depthwise_, s2b_, d2s_, igemm_), and a non-composite
 *       algorithm launches no kernel of another family (the composites
 *       dilated_s2b and deconv_d2s run inner plans of other families);
 *   (c) the result matches the reference within the algorithm's tolerance;
 *   (d) clconv_algorithm_supports agrees with clconv_plan_create.
 * A named algorithm that cannot do a descriptor (CLCONV_UNSUPPORTED with a
 * reason) is skipped. */
#include "conv_tester.h"
#include "internal.h"
#include "testutil.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

static int failures, runs, unsupported, verbose;

/* The fields left 0 take ONNX's defaults (conv_tester_desc). */
static const struct {
    const char *name;
    clconv_conv_desc d;
} descs[] = {
    /* 3x3 stride 1, channels >= 8 so that AUTO may pick Winograd */
    {"3x3 s1", {.in_channels = 8, .out_channels = 12, .in_size = {13, 11}, .kernel_size = {3, 3},
                .pads_begin = {1, 1}, .pads_end = {1, 1}, .has_bias = 1,
                .activation = CLCONV_ACTIVATION_RELU}},
    /* depthwise, channel multiplier 2 */
    {"depthwise", {.in_channels = 8, .out_channels = 16, .groups = 8, .in_size = {10, 9},
                   .kernel_size = {3, 3}, .pads_begin = {1, 1}, .pads_end = {1, 1}}},
    /* dilated, stride 1, enough channels for AUTO to consider s2b */
    {"dilated", {.in_channels = 8, .out_channels = 8, .in_size = {14, 12}, .kernel_size = {3, 3},
                 .dilations = {2, 2}, .pads_begin = {2, 2}, .pads_end = {2, 2}, .has_bias = 1}},
    {"transposed s2", {.transposed = 1, .in_channels = 6, .out_channels = 4, .in_size = {5, 7},
                       .kernel_size = {3, 3}, .strides = {2, 2}, .pads_begin = {1, 1},
                       .pads_end = {1, 1}, .output_padding = {1, 1}, .has_bias = 1}},
    {"1x1", {.in_channels = 16, .out_channels = 24, .in_size = {8, 9}, .kernel_size = {1, 1}}},
    {"3D", {.rank = 3, .in_channels = 4, .out_channels = 6, .in_size = {4, 5, 6},
            .kernel_size = {3, 3, 3}, .pads_begin = {1, 1, 1}, .pads_end = {1, 1, 1}}},
    {"3D transposed s2", {.rank = 3, .transposed = 1, .in_channels = 4, .out_channels = 4,
                          .in_size = {3, 4, 5}, .kernel_size = {2, 2, 2}, .strides = {2, 2, 2}}},
};

static const char *family_prefix(clconv_algorithm a)
{
    switch (a) {
    case CLCONV_ALGO_DIRECT: return "direct_";
    case CLCONV_ALGO_GEMM: return "gemm_";
    case CLCONV_ALGO_WINOGRAD_F2X2:
    case CLCONV_ALGO_WINOGRAD_F4X4: return "winograd_";
    case CLCONV_ALGO_DEPTHWISE: return "depthwise_";
    case CLCONV_ALGO_DILATED_S2B: return "s2b_";
    case CLCONV_ALGO_DECONV_D2S: return "d2s_";
    case CLCONV_ALGO_IGEMM: return "igemm_";
    case CLCONV_ALGO_AUTO:
    case CLCONV_ALGO_COUNT: break;
    }
    return "?";
}

static int composite(clconv_algorithm a)
{
    return a == CLCONV_ALGO_DILATED_S2B || a == CLCONV_ALGO_DECONV_D2S;
}

static int contains_nocase(const char *hay, const char *needle)
{
    size_t n = strlen(needle);
    for (; *hay; hay++) {
        size_t i = 0;
        while (i < n && hay[i] && tolower((unsigned char)hay[i]) == tolower((unsigned char)needle[i]))
            i++;
        if (i == n)
            return 1;
    }
    return 0;
}

/* Whether one trace line belongs to algorithm a's own family. */
static int line_is_family(const char *line, clconv_algorithm a)
{
    const char *pre = family_prefix(a);
    if (a == CLCONV_ALGO_GEMM && contains_nocase(line, "clblast"))
        return 1;
    if (strncmp(line, pre, strlen(pre)))
        return 0;
    if (a == CLCONV_ALGO_WINOGRAD_F2X2 || a == CLCONV_ALGO_WINOGRAD_F4X4) {
        const char *want = a == CLCONV_ALGO_WINOGRAD_F2X2 ? "WINO_M=2" : "WINO_M=4";
        const char *other = a == CLCONV_ALGO_WINOGRAD_F2X2 ? "WINO_M=4" : "WINO_M=2";
        return strstr(line, want) && !strstr(line, other);
    }
    return 1;
}

/* Checks the trace of one run of a plan that reports `ran`: 1 when right,
 * else 0 after printing why (unless quiet). */
static int check_trace(const char *trace, clconv_algorithm ran, const char *tag, int quiet)
{
    if (!trace || !*trace) {
        if (!quiet)
            printf("FAIL %s: no launch was traced\n", tag);
        return 0;
    }
    int own = 0, foreign = 0;
    char first_foreign[256] = "";
    const char *p = trace;
    while (*p) {
        const char *e = strchr(p, '\n');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        char line[1400];
        snprintf(line, sizeof line, "%.*s", (int)(len < sizeof line - 1 ? len : sizeof line - 1), p);
        if (len) {
            if (line_is_family(line, ran))
                own++;
            else {
                foreign++;
                if (!first_foreign[0])
                    snprintf(first_foreign, sizeof first_foreign, "%.200s", line);
            }
        }
        p = e ? e + 1 : p + len;
    }
    if (!own && !quiet)
        printf("FAIL %s: the trace shows no %s kernel%s:\n%s\n", tag, family_prefix(ran),
               ran == CLCONV_ALGO_WINOGRAD_F2X2   ? " with WINO_M=2"
               : ran == CLCONV_ALGO_WINOGRAD_F4X4 ? " with WINO_M=4"
                                                  : "",
               trace);
    if (foreign && !composite(ran) && !quiet)
        printf("FAIL %s: %s launched another family's kernel: \"%s\"\n%s\n", tag,
               clconv_algorithm_name(ran), first_foreign, trace);
    return own && (!foreign || composite(ran));
}

/* The checker itself must be able to fail: feed it wrong traces. */
static void self_test(void)
{
    static const struct {
        const char *trace;
        clconv_algorithm ran;
        int rejected;
    } t[] = {
        {.trace = "direct_conv [-DOCB=8]\n", .ran = CLCONV_ALGO_DIRECT},
        {.trace = "direct_conv [-DOCB=8]\n", .ran = CLCONV_ALGO_WINOGRAD_F2X2, .rejected = 1},
        {.trace = "winograd_input [-DWINO_M=4]\nwinograd_gemm [-DWINO_M=4]\n",
         .ran = CLCONV_ALGO_WINOGRAD_F2X2, .rejected = 1},
        {.trace = "winograd_input [-DWINO_M=2]\nwinograd_output [-DWINO_M=2]\n",
         .ran = CLCONV_ALGO_WINOGRAD_F2X2},
        {.trace = "winograd_input [-DWINO_M=2]\ndirect_conv []\n",
         .ran = CLCONV_ALGO_WINOGRAD_F2X2, .rejected = 1},
        {.trace = "gemm_im2col []\nCLBlast sgemm M1 N2 K3\n", .ran = CLCONV_ALGO_GEMM},
        {.trace = "clblast sgemm\n", .ran = CLCONV_ALGO_GEMM},
        {.trace = "direct_conv []\n", .ran = CLCONV_ALGO_GEMM, .rejected = 1},
        {.trace = "s2b_space_to_batch []\nwinograd_x [-DWINO_M=2]\ns2b_batch_to_space []\n",
         .ran = CLCONV_ALGO_DILATED_S2B},
        {.trace = "direct_conv []\n", .ran = CLCONV_ALGO_DILATED_S2B, .rejected = 1},
        {.trace = "d2s_scatter []\ndirect_conv []\n", .ran = CLCONV_ALGO_DECONV_D2S},
        {.trace = "depthwise_conv []\ndirect_conv []\n", .ran = CLCONV_ALGO_DEPTHWISE,
         .rejected = 1},
        {.trace = "", .ran = CLCONV_ALGO_DIRECT, .rejected = 1},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        const int rejected = !check_trace(t[i].trace, t[i].ran, "self-test", 1);
        if (rejected != t[i].rejected) {
            printf("FAIL self-test %zu: the trace checker %s \"%s\" for %s\n", i,
                   rejected ? "rejected" : "accepted", t[i].trace, clconv_algorithm_name(t[i].ran));
            failures++;
        }
    }
}

/* (b): the trace of the run, for the algorithm the plan reports. */
static int trace_matches(const conv_tester *t, const char *trace, const char *describe)
{
    (void)describe;
    char tag[200];
    snprintf(tag, sizeof tag, "algo=%s case=\"%s\" ran=%s seed=%llu",
             clconv_algorithm_name(t->algo), t->label, clconv_algorithm_name(t->ran),
             (unsigned long long)t->seed);
    if (verbose)
        printf("trace %s:\n%s", tag, trace);
    return check_trace(trace, t->ran, tag, 0);
}

/* (a), (b), (c) and (d) for one descriptor and algorithm. */
static void run_one(clconv_context *ctx, size_t i, clconv_algorithm algo, uint64_t seed)
{
    const clconv_conv_desc d = conv_tester_desc(descs[i].d);
    conv_tester t = {.desc = &d, .algo = algo, .seed = seed, .label = descs[i].name,
                     .weights_on_host = 1, .check_supports = 1, .trace = 1,
                     .check = trace_matches};
    const int rc = conv_tester_run(ctx, &t);
    unsupported += rc == CONV_TESTER_UNSUPPORTED;
    failures += rc == CONV_TESTER_FAIL;
    if (rc != CONV_TESTER_PASS)
        return;
    runs++;
    printf("ok   %-14s %-18s ran %-14s err %.2g  %s\n", clconv_algorithm_name(algo),
           descs[i].name, clconv_algorithm_name(t.ran), t.err, t.describe);
}

int main(int argc, char **argv)
{
    uint64_t seed = test_seed(argc, argv, 4242);
    clconv_context *ctx = test_context();
    const size_t nd = sizeof descs / sizeof descs[0];

    verbose = test_arg_long(argc, argv, "verbose", 0) != 0;
    self_test();
    /* The trace is off unless enabled, and only on the enabling thread. */
    clconv_trace_enable(0);
    if (clconv_trace_text()[0]) {
        printf("FAIL the trace is not empty after clconv_trace_enable(0)\n");
        failures++;
    }

    for (int a = 1; a < CLCONV_ALGO_COUNT; a++)
        for (size_t i = 0; i < nd; i++) {
            /* gemm on a grouped layer is CLBlast's strided-batched GEMM,
             * which costs PoCL ~10 s to compile on a cold cache; the
             * family check gains nothing from it (test_algo_gemm runs it) */
            if (a == CLCONV_ALGO_GEMM && descs[i].d.groups > 1)
                continue;
            run_one(ctx, i, (clconv_algorithm)a, seed + (uint64_t)i);
        }
    for (size_t i = 0; i < nd; i++)
        run_one(ctx, i, CLCONV_ALGO_AUTO, seed + (uint64_t)i);

    test_context_release();
    printf("test_algo_trace: %d runs traced, %d unsupported skipped, %d failures (seed %llu)\n",
           runs, unsupported, failures, (unsigned long long)seed);
    return failures ? 1 : 0;
}
