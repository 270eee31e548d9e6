/* Winograd F(2x2,3x3) and F(4x4,3x3) against the float64 reference.
 *
 *   test_algo_winograd [--algo winograd_f2x2|winograd_f4x4] [--seed S]
 *                      [--count N] [--case I] [--named 0|1] [--verbose 1]
 *
 * For each variant (both unless --algo names one):
 *  - named cases around the output tile size T = m: spatial sizes 1, T-1,
 *    T, T+1, 2T+3 in H and W independently, channels 1, 3, 7, 70,
 *    asymmetric and oversized pads, batch, groups, bias with every
 *    activation, stride-1 ConvTranspose (also cropped and enlarged by
 *    output_shape, whose equivalent pads are negative), and long channel
 *    sums (C = 256) that set the accuracy figure;
 *  - a seeded random sweep (--count cases, default 60) over everything the
 *    algorithm claims; `--seed S --case I` replays case I alone (the
 *    driver is tests/support/algo_sweep.c);
 *  - descriptors it must refuse (5x5, stride 2, dilation 2, 3D, 1D) give
 *    CLCONV_UNSUPPORTED from clconv_plan_create;
 *  - the launch trace shows winograd_ kernels built with -DWINO_M=m.
 * The worst relative L2 error per variant is printed at the end (it is the
 * figure quoted next to the tolerance in tests/support/algo_check.c). */
#include "algo_sweep.h"
#include "internal.h"
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    const char *name;
    int n, c, k, g, h, w;
    int pb_h, pb_w, pe_h, pe_w;
    int transposed;
    int os_h, os_w; /* transposed output_shape, 0 for none */
    int bias;
    clconv_activation act;
    float alpha, beta;
} wcase;

static clconv_conv_desc to_desc(const wcase *c)
{
    clconv_conv_desc d;
    clconv_conv_desc_init(&d, 2);
    d.batch = c->n;
    d.in_channels = c->c;
    d.out_channels = c->k;
    d.groups = c->g;
    d.in_size[0] = c->h;
    d.in_size[1] = c->w;
    d.kernel_size[0] = d.kernel_size[1] = 3;
    d.pads_begin[0] = c->pb_h;
    d.pads_begin[1] = c->pb_w;
    d.pads_end[0] = c->pe_h;
    d.pads_end[1] = c->pe_w;
    d.transposed = c->transposed;
    if (c->os_h) {
        d.output_shape[0] = c->os_h;
        d.output_shape[1] = c->os_w;
    }
    d.has_bias = c->bias;
    d.activation = c->act;
    d.activation_alpha = c->alpha;
    d.activation_beta = c->beta;
    return d;
}

/* ---- named cases ---------------------------------------------------------- */

#define MAX_NAMED 128

static int named_cases(int T, wcase *out, char names[][64])
{
    int n = 0;
    const int sizes[5] = {1, T - 1, T, T + 1, 2 * T + 3};
    /* every H x W combination of the sizes around the tile; pads 1 */
    for (int i = 0; i < 5; i++)
        for (int j = 0; j < 5; j++) {
            if (sizes[i] < 1 || sizes[j] < 1)
                continue;
            snprintf(names[n], 64, "hw_%dx%d", sizes[i], sizes[j]);
            out[n] = (wcase){.name = names[n], .n = 1, .c = 3, .k = 7, .g = 1, .h = sizes[i],
                             .w = sizes[j], .pb_h = 1, .pb_w = 1, .pe_h = 1, .pe_w = 1,
                             .act = CLCONV_ACTIVATION_NONE};
            n++;
        }
    /* channels */
    const int ch[4] = {1, 3, 7, 70};
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 4; j++) {
            snprintf(names[n], 64, "ch_C%d_K%d", ch[i], ch[j]);
            out[n] = (wcase){.name = names[n], .n = 1, .c = ch[i], .k = ch[j], .g = 1,
                             .h = 2 * T + 3, .w = T + 1, .pb_h = 1, .pb_w = 1, .pe_h = 1,
                             .pe_w = 1, .act = CLCONV_ACTIVATION_NONE};
            n++;
        }
    /* the rest are fixed; names are string literals */
    static const wcase fixed[] = {
        {.name = "pads_0000", .n = 1, .c = 3, .k = 5, .g = 1, .h = 11, .w = 9},
        {.name = "pads_2222", .n = 1, .c = 3, .k = 5, .g = 1, .h = 7, .w = 6, .pb_h = 2, .pb_w = 2,
         .pe_h = 2, .pe_w = 2},
        {.name = "pads_asym_0210", .n = 1, .c = 4, .k = 6, .g = 1, .h = 10, .w = 13, .pb_w = 2,
         .pe_h = 1},
        {.name = "pads_asym_2001", .n = 1, .c = 4, .k = 6, .g = 1, .h = 13, .w = 10, .pb_h = 2,
         .pe_w = 1},
        {.name = "pads_asym_1021", .n = 1, .c = 5, .k = 3, .g = 1, .h = 9, .w = 9, .pb_h = 1,
         .pe_h = 2, .pe_w = 1},
        {.name = "pads_big_5_4", .n = 1, .c = 3, .k = 4, .g = 1, .h = 6, .w = 5, .pb_h = 5,
         .pb_w = 4, .pe_h = 3, .pe_w = 5},
        {.name = "batch3", .n = 3, .c = 7, .k = 9, .g = 1, .h = 10, .w = 11, .pb_h = 1, .pb_w = 1,
         .pe_h = 1, .pe_w = 1, .bias = 1},
        {.name = "batch2_1x1_image", .n = 2, .c = 3, .k = 3, .g = 1, .h = 1, .w = 1, .pb_h = 1,
         .pb_w = 1, .pe_h = 1, .pe_w = 1},
        {.name = "groups2", .n = 1, .c = 6, .k = 4, .g = 2, .h = 9, .w = 9, .pb_h = 1, .pb_w = 1,
         .pe_h = 1, .pe_w = 1, .bias = 1},
        {.name = "groups5_odd", .n = 2, .c = 10, .k = 15, .g = 5, .h = 7, .w = 8, .pb_h = 1,
         .pe_h = 1, .pe_w = 2},
        {.name = "groups4_kg3", .n = 1, .c = 8, .k = 12, .g = 4, .h = 11, .w = 6, .pb_h = 1,
         .pb_w = 1, .pe_h = 1, .pe_w = 1, .bias = 1},
        {.name = "groups_depthwise7", .n = 1, .c = 7, .k = 7, .g = 7, .h = 9, .w = 10, .pb_h = 1,
         .pb_w = 1, .pe_h = 1, .pe_w = 1},
        {.name = "groups_depthwise_mult2", .n = 1, .c = 5, .k = 10, .g = 5, .h = 9, .w = 10,
         .pb_h = 1, .pb_w = 1, .pe_h = 1, .pe_w = 1, .bias = 1},
        {.name = "groups32_resnext", .n = 1, .c = 128, .k = 128, .g = 32, .h = 14, .w = 14,
         .pb_h = 1, .pb_w = 1, .pe_h = 1, .pe_w = 1, .bias = 1},
        {.name = "bias_none", .n = 1, .c = 7, .k = 9, .g = 1, .h = 10, .w = 10, .pb_h = 1,
         .pb_w = 1, .pe_h = 1, .pe_w = 1, .bias = 1, .act = CLCONV_ACTIVATION_NONE},
        {.name = "bias_relu", .n = 1, .c = 7, .k = 9, .g = 1, .h = 10, .w = 10, .pb_h = 1,
         .pb_w = 1, .pe_h = 1, .pe_w = 1, .bias = 1, .act = CLCONV_ACTIVATION_RELU},
        {.name = "relu_nobias", .n = 1, .c = 7, .k = 9, .g = 1, .h = 10, .w = 10, .pb_h = 1,
         .pb_w = 1, .pe_h = 1, .pe_w = 1, .act = CLCONV_ACTIVATION_RELU},
        {.name = "bias_relu6", .n = 1, .c = 7, .k = 9, .g = 1, .h = 10, .w = 10, .pb_h = 1,
         .pb_w = 1, .pe_h = 1, .pe_w = 1, .bias = 1, .act = CLCONV_ACTIVATION_CLIP, .beta = 6},
        {.name = "bias_clip_narrow", .n = 1, .c = 7, .k = 9, .g = 1, .h = 10, .w = 10, .pb_h = 1,
         .pb_w = 1, .pe_h = 1, .pe_w = 1, .bias = 1, .act = CLCONV_ACTIVATION_CLIP, .alpha = -0.5f,
         .beta = 0.4f},
        {.name = "bias_leaky", .n = 1, .c = 7, .k = 9, .g = 1, .h = 10, .w = 10, .pb_h = 1,
         .pb_w = 1, .pe_h = 1, .pe_w = 1, .bias = 1, .act = CLCONV_ACTIVATION_LEAKY_RELU,
         .alpha = 0.1f},
        {.name = "T_pads1", .n = 1, .c = 5, .k = 6, .g = 1, .h = 9, .w = 11, .pb_h = 1, .pb_w = 1,
         .pe_h = 1, .pe_w = 1, .transposed = 1, .bias = 1},
        {.name = "T_pads0", .n = 1, .c = 3, .k = 4, .g = 1, .h = 7, .w = 5, .transposed = 1},
        {.name = "T_pads_asym", .n = 2, .c = 4, .k = 3, .g = 1, .h = 8, .w = 10, .pb_h = 2,
         .pe_h = 1, .pe_w = 2, .transposed = 1, .bias = 1, .act = CLCONV_ACTIVATION_RELU},
        {.name = "T_groups3", .n = 1, .c = 6, .k = 9, .g = 3, .h = 7, .w = 7, .pb_h = 1, .pb_w = 1,
         .pe_h = 1, .pe_w = 1, .transposed = 1, .bias = 1},
        {.name = "T_1x1_image", .n = 1, .c = 3, .k = 2, .g = 1, .h = 1, .w = 1, .transposed = 1},
        /* output_shape larger than natural (11): pads -1,-2 -> equivalent 3,4 */
        {.name = "T_output_shape_grow", .n = 1, .c = 3, .k = 4, .g = 1, .h = 9, .w = 9,
         .transposed = 1, .os_h = 14, .os_w = 12, .bias = 1},
        /* output_shape smaller: crops, equivalent pads below 0 */
        {.name = "T_output_shape_crop", .n = 1, .c = 3, .k = 4, .g = 1, .h = 9, .w = 9,
         .transposed = 1, .os_h = 5, .os_w = 6},
        /* long channel sums: the accuracy figure of the tolerance table */
        {.name = "accuracy_C256", .n = 1, .c = 256, .k = 16, .g = 1, .h = 14, .w = 14, .pb_h = 1,
         .pb_w = 1, .pe_h = 1, .pe_w = 1},
        {.name = "accuracy_C256_T", .n = 1, .c = 256, .k = 8, .g = 1, .h = 9, .w = 13, .pb_h = 1,
         .pb_w = 1, .pe_h = 1, .pe_w = 1, .transposed = 1, .bias = 1},
        {.name = "resnet_like_C64", .n = 1, .c = 64, .k = 64, .g = 1, .h = 28, .w = 28, .pb_h = 1,
         .pb_w = 1, .pe_h = 1, .pe_w = 1, .bias = 1, .act = CLCONV_ACTIVATION_RELU},
    };
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0] && n < MAX_NAMED; i++)
        out[n++] = fixed[i];
    return n;
}

/* ---- random sweep ------------------------------------------------------------ */

static uint64_t mix(uint64_t z)
{
    z += 0x9E3779B97F4A7C15ull;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* Case i depends on (seed, i, T) only, so --case replays it. */
static clconv_conv_desc random_case(uint64_t seed, long i, int T, uint64_t *data_seed)
{
    test_rng r;
    rng_seed(&r, mix(seed ^ mix((uint64_t)i * 8 + (uint64_t)T)));
    static const int chans[] = {1, 2, 3, 4, 5, 7, 8, 9, 16, 17, 32, 70};
    const int nch = (int)(sizeof chans / sizeof chans[0]);
    wcase c;
    memset(&c, 0, sizeof c);
    c.name = "random";
    c.n = rng_int(&r, 0, 3) ? 1 : rng_int(&r, 2, 3);
    int gm = rng_int(&r, 0, 9);
    if (gm < 6) {
        c.g = 1;
        c.c = chans[rng_int(&r, 0, nch - 1)];
        c.k = chans[rng_int(&r, 0, nch - 1)];
    } else if (gm < 8) {
        c.g = rng_int(&r, 2, 5);
        c.c = c.g * rng_int(&r, 1, 6);
        c.k = c.g * rng_int(&r, 1, 6);
    } else { /* depthwise, multiplier 1..2 */
        c.g = c.c = rng_int(&r, 1, 12);
        c.k = c.c * rng_int(&r, 1, 2);
    }
    const int maxs = 3 * T + 5;
    c.h = rng_int(&r, 1, maxs);
    c.w = rng_int(&r, 1, maxs);
    c.transposed = rng_int(&r, 0, 3) == 0;
    c.pb_h = rng_int(&r, 0, 2);
    c.pb_w = rng_int(&r, 0, 2);
    c.pe_h = rng_int(&r, 0, 2);
    c.pe_w = rng_int(&r, 0, 2);
    if (!c.transposed && rng_int(&r, 0, 9) == 0) { /* pads past the kernel */
        c.pb_h += rng_int(&r, 0, 3);
        c.pe_w += rng_int(&r, 0, 3);
    }
    if (c.transposed && rng_int(&r, 0, 4) == 0) {
        /* natural size + [-5, +3]: negative equivalent pads either way */
        c.os_h = c.h + 2 + rng_int(&r, -5, 3);
        c.os_w = c.w + 2 + rng_int(&r, -5, 3);
        if (c.os_h < 1) c.os_h = 1;
        if (c.os_w < 1) c.os_w = 1;
        c.pb_h = c.pb_w = c.pe_h = c.pe_w = 0;
    }
    /* the padded input must cover the kernel: redraw pads that do not */
    if (!c.transposed) {
        if (c.h + c.pb_h + c.pe_h < 3) c.pe_h = 3 - c.h - c.pb_h;
        if (c.w + c.pb_w + c.pe_w < 3) c.pe_w = 3 - c.w - c.pb_w;
    } else if (!c.os_h) {
        /* out = in + 2 - pb - pe must be >= 1 */
        while (c.h + 2 - c.pb_h - c.pe_h < 1) c.pe_h--;
        while (c.w + 2 - c.pb_w - c.pe_w < 1) c.pe_w--;
    }
    c.bias = rng_int(&r, 0, 1);
    int a = rng_int(&r, 0, 7);
    c.act = a < 3 ? CLCONV_ACTIVATION_NONE
            : a < 5 ? CLCONV_ACTIVATION_RELU
            : a < 6 ? CLCONV_ACTIVATION_CLIP
                    : CLCONV_ACTIVATION_LEAKY_RELU;
    if (c.act == CLCONV_ACTIVATION_CLIP) {
        c.alpha = rng_float(&r, -0.6f, 0.0f);
        c.beta = rng_float(&r, 0.05f, 0.8f);
    } else if (c.act == CLCONV_ACTIVATION_LEAKY_RELU) {
        c.alpha = rng_float(&r, 0.01f, 0.3f);
    }
    *data_seed = rng_u32(&r) | ((uint64_t)rng_u32(&r) << 32);
    clconv_conv_desc d = to_desc(&c);
    if (rng_int(&r, 0, 9) == 0 && !c.os_h) { /* auto_pad modes */
        d.auto_pad = rng_int(&r, 0, 1) ? CLCONV_AUTO_PAD_SAME_UPPER : CLCONV_AUTO_PAD_SAME_LOWER;
        for (int ax = 0; ax < 2; ax++)
            d.pads_begin[ax] = d.pads_end[ax] = 0;
    }
    return d;
}

/* ---- refusals and trace ------------------------------------------------------ */

static int check_refusals(clconv_context *ctx, clconv_algorithm algo)
{
    int bad = 0;
    for (int i = 0; i < 6; i++) {
        clconv_conv_desc d;
        const char *what;
        int rank = i == 3 ? 3 : i == 4 ? 1 : 2;
        clconv_conv_desc_init(&d, rank);
        d.in_channels = 4;
        d.out_channels = 4;
        for (int a = 0; a < rank; a++) {
            d.in_size[a] = 9;
            d.kernel_size[a] = 3;
            d.pads_begin[a] = d.pads_end[a] = 1;
        }
        switch (i) {
        case 0: what = "kernel 5x5"; d.kernel_size[0] = d.kernel_size[1] = 5; break;
        case 1: what = "stride 2"; d.strides[0] = d.strides[1] = 2; break;
        case 2: what = "dilation 2"; d.dilations[0] = d.dilations[1] = 2; break;
        case 3: what = "3D"; break;
        case 4: what = "1D"; break;
        default: what = "transposed stride 2"; d.transposed = 1; d.strides[0] = d.strides[1] = 2;
            break;
        }
        bad += algo_sweep_refused(ctx, algo, &d, what, 1);
    }
    return bad;
}

static int check_trace(clconv_context *ctx, clconv_algorithm algo, int m, uint64_t seed)
{
    wcase c = {.name = "trace", .n = 1, .c = 4, .k = 4, .g = 1, .h = 9, .w = 9, .pb_h = 1,
               .pb_w = 1, .pe_h = 1, .pe_w = 1, .bias = 1};
    clconv_conv_desc d = to_desc(&c);
    clconv_trace_enable(1);
    check_result r = check_conv(ctx, &d, algo, seed, "trace", NULL);
    char text[4096];
    snprintf(text, sizeof text, "%s", clconv_trace_text());
    clconv_trace_enable(0);
    if (r != CHECK_PASS)
        return 1;
    char want[32];
    snprintf(want, sizeof want, "-DWINO_M=%d", m);
    const char *kernels[3] = {"winograd_input_transform", "winograd_gemm",
                              "winograd_output_transform"};
    int bad = 0;
    for (int i = 0; i < 3; i++) {
        const char *line = strstr(text, kernels[i]);
        const char *eol = line ? strchr(line, '\n') : NULL;
        const char *opt = line ? strstr(line, want) : NULL;
        if (!line || !opt || (eol && opt > eol)) {
            printf("FAIL trace algo=%s: no \"%s [... %s ...]\" line in:\n%s\n",
                   clconv_algorithm_name(algo), kernels[i], want, text);
            bad++;
        }
    }
    return bad;
}

/* ---- main -------------------------------------------------------------------- */

static int tile(clconv_algorithm algo)
{
    return algo == CLCONV_ALGO_WINOGRAD_F2X2 ? 2 : 4;
}

/* The named cases for the variant's tile size, built on first use. */
static const char *named_case(const algo_sweep *s, size_t i, uint64_t seed, clconv_conv_desc *d,
                              uint64_t *data_seed)
{
    (void)seed, (void)data_seed;
    static wcase cases[MAX_NAMED];
    static char names[MAX_NAMED][64];
    static int built_T, n;
    if (built_T != tile(s->algo)) {
        built_T = tile(s->algo);
        n = named_cases(built_T, cases, names);
    }
    if (i >= (size_t)n)
        return NULL;
    *d = to_desc(&cases[i]);
    return cases[i].name;
}

static clconv_conv_desc random_at(const algo_sweep *s, uint64_t seed, long i, uint64_t *data_seed)
{
    return random_case(seed, i, tile(s->algo), data_seed);
}

static int extra(clconv_context *ctx, const algo_sweep *s, const sweep_opts *o, sweep_tally *t)
{
    (void)t;
    return check_refusals(ctx, s->algo) + check_trace(ctx, s->algo, tile(s->algo), o->seed);
}

int main(int argc, char **argv)
{
    const char *algo_name = NULL;
    for (int i = 1; i + 1 < argc; i++)
        if (!strcmp(argv[i], "--algo"))
            algo_name = argv[i + 1];
    clconv_algorithm algos[2] = {CLCONV_ALGO_WINOGRAD_F2X2, CLCONV_ALGO_WINOGRAD_F4X4};
    int nalgo = 2;
    if (algo_name) {
        if (clconv_algorithm_from_name(algo_name, &algos[0]) ||
            (algos[0] != CLCONV_ALGO_WINOGRAD_F2X2 && algos[0] != CLCONV_ALGO_WINOGRAD_F4X4)) {
            printf("FAIL: --algo %s: want winograd_f2x2 or winograd_f4x4\n", algo_name);
            return 1;
        }
        nalgo = 1;
    }
    clconv_context *ctx = test_context();
    int failed = 0;
    for (int ai = 0; ai < nalgo; ai++) {
        /* the replay line names the variant: case i depends on its tile */
        char replay[64];
        snprintf(replay, sizeof replay, "test_algo_winograd --algo %s",
                 clconv_algorithm_name(algos[ai]));
        const algo_sweep sweep = {
            .algo = algos[ai],
            .replay = replay,
            .default_seed = 20240611,
            .default_count = 60,
            .named = named_case,
            .random_case = random_at,
            .extra = extra,
        };
        const sweep_opts o = algo_sweep_opts(&sweep, argc, argv);
        sweep_tally t;
        algo_sweep_tally_init(&t);
        algo_sweep_run(ctx, &sweep, &o, &t);
        algo_sweep_summary(&sweep, &o, &t);
        failed += t.failed;
    }
    test_context_release();
    return failed ? 1 : 0;
}
