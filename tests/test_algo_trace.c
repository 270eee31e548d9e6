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
 * Placeholder algorithms ("not built in this version") are skipped with a
 * printed note. */
#include "algo_check.h"
#include "internal.h"
#include "testutil.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures, runs, skipped_placeholder, verbose, quiet;

#define FAIL_UNLESS_QUIET(...)                                                                                 \
    do {                                                                                           \
        if (!quiet) {                                                                              \
            printf("FAIL ");                                                                       \
            printf(__VA_ARGS__);                                                                   \
            printf("\n");                                                                          \
        }                                                                                          \
        failures++;                                                                                \
    } while (0)

typedef struct {
    const char *name;
    clconv_conv_desc d;
} named_desc;

static void make_descs(named_desc *v, int *n)
{
    clconv_conv_desc d;
    int k = 0;
    /* 3x3 stride 1, channels >= 8 so that AUTO may pick Winograd */
    clconv_conv_desc_init(&d, 2);
    d.in_channels = 8; d.out_channels = 12;
    d.in_size[0] = 13; d.in_size[1] = 11;
    d.kernel_size[0] = d.kernel_size[1] = 3;
    d.pads_begin[0] = d.pads_begin[1] = d.pads_end[0] = d.pads_end[1] = 1;
    d.has_bias = 1; d.activation = CLCONV_ACTIVATION_RELU;
    v[k++] = (named_desc){"3x3 s1", d};
    /* depthwise, channel multiplier 2 */
    clconv_conv_desc_init(&d, 2);
    d.in_channels = 8; d.out_channels = 16; d.groups = 8;
    d.in_size[0] = 10; d.in_size[1] = 9;
    d.kernel_size[0] = d.kernel_size[1] = 3;
    d.pads_begin[0] = d.pads_begin[1] = d.pads_end[0] = d.pads_end[1] = 1;
    v[k++] = (named_desc){"depthwise", d};
    /* dilated, stride 1, enough channels for AUTO to consider s2b */
    clconv_conv_desc_init(&d, 2);
    d.in_channels = 8; d.out_channels = 8;
    d.in_size[0] = 14; d.in_size[1] = 12;
    d.kernel_size[0] = d.kernel_size[1] = 3;
    d.dilations[0] = d.dilations[1] = 2;
    d.pads_begin[0] = d.pads_begin[1] = d.pads_end[0] = d.pads_end[1] = 2;
    d.has_bias = 1;
    v[k++] = (named_desc){"dilated", d};
    /* transposed stride 2 */
    clconv_conv_desc_init(&d, 2);
    d.transposed = 1;
    d.in_channels = 6; d.out_channels = 4;
    d.in_size[0] = 5; d.in_size[1] = 7;
    d.kernel_size[0] = d.kernel_size[1] = 3;
    d.strides[0] = d.strides[1] = 2;
    d.pads_begin[0] = d.pads_begin[1] = d.pads_end[0] = d.pads_end[1] = 1;
    d.output_padding[0] = d.output_padding[1] = 1;
    d.has_bias = 1;
    v[k++] = (named_desc){"transposed s2", d};
    /* 1x1 */
    clconv_conv_desc_init(&d, 2);
    d.in_channels = 16; d.out_channels = 24;
    d.in_size[0] = 8; d.in_size[1] = 9;
    d.kernel_size[0] = d.kernel_size[1] = 1;
    v[k++] = (named_desc){"1x1", d};
    /* 3D */
    clconv_conv_desc_init(&d, 3);
    d.in_channels = 4; d.out_channels = 6;
    d.in_size[0] = 4; d.in_size[1] = 5; d.in_size[2] = 6;
    d.kernel_size[0] = d.kernel_size[1] = d.kernel_size[2] = 3;
    for (int i = 0; i < 3; i++)
        d.pads_begin[i] = d.pads_end[i] = 1;
    v[k++] = (named_desc){"3D", d};
    /* 3D transposed stride 2 */
    clconv_conv_desc_init(&d, 3);
    d.transposed = 1;
    d.in_channels = 4; d.out_channels = 4;
    d.in_size[0] = 3; d.in_size[1] = 4; d.in_size[2] = 5;
    d.kernel_size[0] = d.kernel_size[1] = d.kernel_size[2] = 2;
    d.strides[0] = d.strides[1] = d.strides[2] = 2;
    v[k++] = (named_desc){"3D transposed s2", d};
    *n = k;
}

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

/* Checks the trace of one run of a plan that reports `ran`. */
static void check_trace(const char *trace, clconv_algorithm ran, const char *tag)
{
    if (!trace || !*trace) {
        FAIL_UNLESS_QUIET("%s: no launch was traced", tag);
        return;
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
    if (!own)
        FAIL_UNLESS_QUIET("%s: the trace shows no %s kernel%s:\n%s", tag, family_prefix(ran),
              ran == CLCONV_ALGO_WINOGRAD_F2X2   ? " with WINO_M=2"
              : ran == CLCONV_ALGO_WINOGRAD_F4X4 ? " with WINO_M=4"
                                                 : "",
              trace);
    if (foreign && !composite(ran))
        FAIL_UNLESS_QUIET("%s: %s launched another family's kernel: \"%s\"\n%s", tag,
              clconv_algorithm_name(ran), first_foreign, trace);
}

/* The checker itself must be able to fail: feed it wrong traces. */
static void self_test(void)
{
    static const struct {
        const char *trace;
        clconv_algorithm ran;
        int bad;
    } t[] = {
        {"direct_conv [-DOCB=8]\n", CLCONV_ALGO_DIRECT, 0},
        {"direct_conv [-DOCB=8]\n", CLCONV_ALGO_WINOGRAD_F2X2, 1},
        {"winograd_input [-DWINO_M=4]\nwinograd_gemm [-DWINO_M=4]\n", CLCONV_ALGO_WINOGRAD_F2X2, 1},
        {"winograd_input [-DWINO_M=2]\nwinograd_output [-DWINO_M=2]\n", CLCONV_ALGO_WINOGRAD_F2X2, 0},
        {"winograd_input [-DWINO_M=2]\ndirect_conv []\n", CLCONV_ALGO_WINOGRAD_F2X2, 1},
        {"gemm_im2col []\nCLBlast sgemm M1 N2 K3\n", CLCONV_ALGO_GEMM, 0},
        {"clblast sgemm\n", CLCONV_ALGO_GEMM, 0},
        {"direct_conv []\n", CLCONV_ALGO_GEMM, 1},
        {"s2b_space_to_batch []\nwinograd_x [-DWINO_M=2]\ns2b_batch_to_space []\n", CLCONV_ALGO_DILATED_S2B, 0},
        {"direct_conv []\n", CLCONV_ALGO_DILATED_S2B, 1},
        {"d2s_scatter []\ndirect_conv []\n", CLCONV_ALGO_DECONV_D2S, 0},
        {"depthwise_conv []\ndirect_conv []\n", CLCONV_ALGO_DEPTHWISE, 1},
        {"", CLCONV_ALGO_DIRECT, 1},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        int before = failures;
        quiet = 1;
        check_trace(t[i].trace, t[i].ran, "self-test");
        quiet = 0;
        int flagged = failures > before;
        failures = before;
        if (flagged != t[i].bad) {
            printf("FAIL self-test %zu: the trace checker %s \"%s\" for %s\n", i,
                   flagged ? "rejected" : "accepted", t[i].trace, clconv_algorithm_name(t[i].ran));
            failures++;
        }
    }
}

static cl_mem upload(clconv_context *ctx, const float *h, size_t n)
{
    cl_int err;
    cl_mem m = clCreateBuffer(clconv_context_cl_context(ctx), CL_MEM_READ_WRITE | CL_MEM_COPY_HOST_PTR,
                              n * sizeof(float), (void *)h, &err);
    if (!m)
        FAIL_UNLESS_QUIET("clCreateBuffer: %d", err);
    return m;
}

static void run_one(clconv_context *ctx, const named_desc *nd, clconv_algorithm algo, uint64_t seed)
{
    const clconv_conv_desc *d = &nd->d;
    const char *an = clconv_algorithm_name(algo);
    char tag[160];
    snprintf(tag, sizeof tag, "algo=%s case=\"%s\"", an, nd->name);

    clconv_plan *plan = NULL;
    clconv_status st = clconv_plan_create(ctx, d, algo, &plan);
    char why[512];
    snprintf(why, sizeof why, "%s", clconv_last_error());
    clconv_status sup = clconv_algorithm_supports(ctx, d, algo);
    if ((st == CLCONV_UNSUPPORTED) != (sup == CLCONV_UNSUPPORTED))
        FAIL_UNLESS_QUIET("%s: plan_create says %s but algorithm_supports says %s (%s)", tag,
              clconv_status_string(st), clconv_status_string(sup), clconv_last_error());
    if (st == CLCONV_UNSUPPORTED && algo != CLCONV_ALGO_AUTO) {
        if (strstr(why, "not built in this version")) {
            skipped_placeholder++;
        } else if (!why[0]) {
            FAIL_UNLESS_QUIET("%s: CLCONV_UNSUPPORTED without a reason", tag);
        }
        return;
    }
    if (st) {
        FAIL_UNLESS_QUIET("%s: plan_create: %s: %s", tag, clconv_status_string(st), why);
        return;
    }
    clconv_algorithm ran = clconv_plan_algorithm(plan);
    if (ran == CLCONV_ALGO_AUTO || !clconv_algorithm_name(ran)) {
        FAIL_UNLESS_QUIET("%s: the plan reports no concrete algorithm (%d)", tag, (int)ran);
        clconv_plan_destroy(plan);
        return;
    }
    if (algo != CLCONV_ALGO_AUTO && ran != algo)
        FAIL_UNLESS_QUIET("%s: the plan reports %s", tag, clconv_algorithm_name(ran));

    size_t nx = clconv_conv_input_elems(d), nw = clconv_conv_weight_elems(d);
    size_t ny = clconv_conv_output_elems(d), nb = d->has_bias ? (size_t)d->out_channels : 0;
    float *x = malloc(nx * 4), *w = malloc(nw * 4), *b = nb ? malloc(nb * 4) : NULL;
    float *y = malloc(ny * 4);
    double *ref = malloc(ny * sizeof *ref);
    test_rng r;
    rng_seed(&r, seed);
    rng_fill(&r, x, nx, -1, 1);
    rng_fill(&r, w, nw, -1, 1);
    if (b)
        rng_fill(&r, b, nb, -1, 1);
    poison_nan(y, ny);
    cl_mem bx = upload(ctx, x, nx), by = upload(ctx, y, ny);
    st = clconv_plan_set_weights_host(plan, w, b);
    if (st) {
        FAIL_UNLESS_QUIET("%s: set_weights: %s", tag, clconv_last_error());
        goto done;
    }
    clconv_trace_enable(1);
    cl_event ev = NULL;
    st = clconv_plan_enqueue(plan, bx, by, NULL, 0, NULL, &ev);
    char trace[16384];
    snprintf(trace, sizeof trace, "%s", clconv_trace_text());
    clconv_trace_enable(0);
    if (st) {
        FAIL_UNLESS_QUIET("%s: enqueue: %s", tag, clconv_last_error());
        goto done;
    }
    if (ev) {
        clWaitForEvents(1, &ev);
        clReleaseEvent(ev);
    }
    runs++;
    if (verbose)
        printf("trace %s:\n%s", tag, trace);
    char rtag[200];
    snprintf(rtag, sizeof rtag, "%s ran=%s", tag, clconv_algorithm_name(ran));
    check_trace(trace, ran, rtag);
    if (clEnqueueReadBuffer(clconv_context_queue(ctx), by, CL_TRUE, 0, ny * 4, y, 0, NULL, NULL)) {
        FAIL_UNLESS_QUIET("%s: read back failed", tag);
        goto done;
    }
    clconv_reference_conv(d, x, w, b, ref);
    double e = rel_l2(y, ref, ny);
    if (!(e <= algo_tolerance(ran)))
        FAIL_UNLESS_QUIET("%s: err %.3g > tol %.1g (seed %llu)", rtag, e, algo_tolerance(ran),
              (unsigned long long)seed);
    printf("ok   %-14s %-18s ran %-14s err %.2g  %s\n", an, nd->name, clconv_algorithm_name(ran),
           e, clconv_plan_describe(plan));
done:
    if (bx) clReleaseMemObject(bx);
    if (by) clReleaseMemObject(by);
    clconv_plan_destroy(plan);
    free(x); free(w); free(b); free(y); free(ref);
}

int main(int argc, char **argv)
{
    uint64_t seed = test_seed(argc, argv, 4242);
    clconv_context *ctx = test_context();
    named_desc descs[16];
    int nd = 0;
    make_descs(descs, &nd);

    verbose = test_arg_long(argc, argv, "verbose", 0) != 0;
    self_test();
    /* The trace is off unless enabled, and only on the enabling thread. */
    clconv_trace_enable(0);
    if (clconv_trace_text()[0])
        FAIL_UNLESS_QUIET("the trace is not empty after clconv_trace_enable(0)");

    for (int a = 1; a < CLCONV_ALGO_COUNT; a++) {
        int before = skipped_placeholder;
        for (int i = 0; i < nd; i++) {
            /* gemm on a grouped layer is CLBlast's strided-batched GEMM,
             * which costs PoCL ~10 s to compile on a cold cache; the
             * family check gains nothing from it (test_algo_gemm runs it) */
            if (a == CLCONV_ALGO_GEMM && descs[i].d.groups > 1)
                continue;
            run_one(ctx, &descs[i], (clconv_algorithm)a, seed + (uint64_t)i);
        }
        if (skipped_placeholder > before)
            printf("note: %s is a placeholder (\"not built in this version\"): skipped %d cases\n",
                   clconv_algorithm_name((clconv_algorithm)a), skipped_placeholder - before);
    }
    for (int i = 0; i < nd; i++)
        run_one(ctx, &descs[i], CLCONV_ALGO_AUTO, seed + (uint64_t)i);

    test_context_release();
    printf("test_algo_trace: %d runs traced, %d placeholder skips, %d failures (seed %llu)\n", runs,
           skipped_placeholder, failures, (unsigned long long)seed);
    return failures ? 1 : 0;
}
