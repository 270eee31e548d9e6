/* depthwise (groups == C, K = m * C) against the float64 reference.
 *
 *   test_algo_depthwise [--seed S] [--count N] [--case I] [--named 0|1]
 *
 *  - named cases around the run lengths (T = 8 for the run-time-shape
 *    kernel on CPUs, 16 x 8 rows for the compiled-in 3x3 one): widths 1,
 *    T-1, T, T+1, 2T+3, channels 1, 3, 7, 70, multipliers 1, 2, 3,
 *    strides 1-3 (2 has its own load path), dilations, asymmetric and
 *    oversized pads, batch, bias with every activation, rank 1 and 3, the
 *    compiled-in shapes (3x3, 5x5, 7x7 with stride 1 or 2) and the rest,
 *    and stride-1 depthwise ConvTranspose (run as the forward equivalent);
 *  - a seeded random sweep (--count cases, default 80) over everything the
 *    algorithm claims, half of the 2D/3D ones in the compiled-in shapes;
 *    `--seed S --case I` replays case I alone (the driver is
 *    tests/support/algo_sweep.c);
 *  - descriptors it must refuse give CLCONV_UNSUPPORTED naming depthwise;
 *  - the launch trace shows the depthwise_ kernel. */
#include "algo_sweep.h"
#include "internal.h"
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ALGO CLCONV_ALGO_DEPTHWISE

/* Spatial arrays hold `rank` entries; zero strides/dilations mean 1. */
typedef struct {
    const char *name;
    int rank, n, c, m;
    int in[3], k[3], s[3], d[3], pb[3], pe[3];
    int bias;
    clconv_activation act;
    float alpha, beta;
} dcase;

static clconv_conv_desc to_desc(const void *v)
{
    const dcase *c = v;
    clconv_conv_desc d;
    clconv_conv_desc_init(&d, c->rank);
    d.batch = c->n;
    d.in_channels = c->c;
    d.out_channels = c->c * c->m;
    d.groups = c->c;
    for (int i = 0; i < c->rank; i++) {
        d.in_size[i] = c->in[i];
        d.kernel_size[i] = c->k[i];
        d.strides[i] = c->s[i] ? c->s[i] : 1;
        d.dilations[i] = c->d[i] ? c->d[i] : 1;
        d.pads_begin[i] = c->pb[i];
        d.pads_end[i] = c->pe[i];
    }
    d.has_bias = c->bias;
    d.activation = c->act;
    d.activation_alpha = c->alpha;
    d.activation_beta = c->beta;
    return d;
}

#define R2(a, b) {a, b}
static const dcase named[] = {
    /* widths around T = 8 with the common 3x3 s1 p1 layer */
    {.name = "w1", .rank = 2, .n = 1, .c = 3, .m = 1, .in = R2(5, 1), .k = R2(3, 3), .pb = R2(1, 1),
     .pe = R2(1, 1)},
    {.name = "w7", .rank = 2, .n = 1, .c = 3, .m = 1, .in = R2(5, 7), .k = R2(3, 3), .pb = R2(1, 1),
     .pe = R2(1, 1)},
    {.name = "w8", .rank = 2, .n = 1, .c = 3, .m = 1, .in = R2(8, 8), .k = R2(3, 3), .pb = R2(1, 1),
     .pe = R2(1, 1)},
    {.name = "w9", .rank = 2, .n = 1, .c = 7, .m = 1, .in = R2(9, 9), .k = R2(3, 3), .pb = R2(1, 1),
     .pe = R2(1, 1)},
    {.name = "w19", .rank = 2, .n = 1, .c = 7, .m = 1, .in = R2(19, 19), .k = R2(3, 3),
     .pb = R2(1, 1), .pe = R2(1, 1)},
    /* the compiled-in 3x3 kernel's run: 16 wide on CPUs, 8 rows (4 at stride 2) */
    {.name = "w15_h7", .rank = 2, .n = 1, .c = 3, .m = 1, .in = R2(7, 15), .k = R2(3, 3),
     .pb = R2(1, 1), .pe = R2(1, 1)},
    {.name = "w16_h8", .rank = 2, .n = 1, .c = 3, .m = 1, .in = R2(8, 16), .k = R2(3, 3),
     .pb = R2(1, 1), .pe = R2(1, 1)},
    {.name = "w17_h9", .rank = 2, .n = 1, .c = 3, .m = 2, .in = R2(9, 17), .k = R2(3, 3),
     .pb = R2(1, 1), .pe = R2(1, 1)},
    {.name = "w35_h19", .rank = 2, .n = 2, .c = 3, .m = 1, .in = R2(19, 35), .k = R2(3, 3),
     .pb = R2(1, 1), .pe = R2(1, 1)},
    {.name = "w35_h19_s2", .rank = 2, .n = 1, .c = 3, .m = 1, .in = R2(19, 35), .k = R2(3, 3),
     .s = R2(2, 2), .pb = R2(1, 0), .pe = R2(0, 1)},
    {.name = "w33_s2", .rank = 2, .n = 1, .c = 3, .m = 1, .in = R2(17, 33), .k = R2(3, 3),
     .s = R2(2, 2), .pb = R2(1, 1), .pe = R2(1, 1)},
    {.name = "w19_nopad", .rank = 2, .n = 1, .c = 7, .m = 1, .in = R2(19, 19), .k = R2(3, 3)},
    {.name = "h1_w19", .rank = 2, .n = 1, .c = 3, .m = 1, .in = R2(1, 19), .k = R2(1, 3),
     .pb = R2(0, 1), .pe = R2(0, 1)},
    /* channels */
    {.name = "c1", .rank = 2, .n = 1, .c = 1, .m = 1, .in = R2(9, 9), .k = R2(3, 3), .pb = R2(1, 1),
     .pe = R2(1, 1)},
    {.name = "c70", .rank = 2, .n = 1, .c = 70, .m = 1, .in = R2(9, 19), .k = R2(3, 3),
     .pb = R2(1, 1), .pe = R2(1, 1)},
    /* multipliers */
    {.name = "m2", .rank = 2, .n = 1, .c = 7, .m = 2, .in = R2(9, 17), .k = R2(3, 3),
     .pb = R2(1, 1), .pe = R2(1, 1)},
    {.name = "m3", .rank = 2, .n = 1, .c = 3, .m = 3, .in = R2(8, 19), .k = R2(3, 3),
     .pb = R2(1, 1), .pe = R2(1, 1)},
    {.name = "c1_m3", .rank = 2, .n = 1, .c = 1, .m = 3, .in = R2(7, 9), .k = R2(3, 3),
     .pb = R2(1, 1), .pe = R2(1, 1)},
    /* strides: 2 has the double-width load path, 3 gathers */
    {.name = "s2_w19", .rank = 2, .n = 1, .c = 7, .m = 1, .in = R2(19, 19), .k = R2(3, 3),
     .s = R2(2, 2), .pb = R2(1, 1), .pe = R2(1, 1)},
    {.name = "s2_w40", .rank = 2, .n = 1, .c = 3, .m = 1, .in = R2(9, 40), .k = R2(3, 3),
     .s = R2(2, 2), .pb = R2(1, 1), .pe = R2(1, 1)},
    {.name = "s2_w41_k5", .rank = 2, .n = 1, .c = 3, .m = 2, .in = R2(9, 41), .k = R2(5, 5),
     .s = R2(2, 2), .pb = R2(2, 2), .pe = R2(2, 2)},
    {.name = "s3", .rank = 2, .n = 1, .c = 3, .m = 1, .in = R2(19, 19), .k = R2(3, 3),
     .s = R2(3, 3), .pb = R2(1, 1), .pe = R2(1, 1)},
    {.name = "s21", .rank = 2, .n = 1, .c = 3, .m = 1, .in = R2(17, 19), .k = R2(3, 3),
     .s = R2(2, 1), .pb = R2(1, 1), .pe = R2(1, 1)},
    /* dilations, kernels */
    {.name = "d2", .rank = 2, .n = 1, .c = 3, .m = 1, .in = R2(19, 19), .k = R2(3, 3),
     .d = R2(2, 2), .pb = R2(2, 2), .pe = R2(2, 2)},
    {.name = "d3_s2", .rank = 2, .n = 1, .c = 3, .m = 1, .in = R2(19, 33), .k = R2(3, 3),
     .s = R2(2, 2), .d = R2(3, 3), .pb = R2(3, 3), .pe = R2(3, 3)},
    {.name = "k5", .rank = 2, .n = 1, .c = 7, .m = 1, .in = R2(19, 19), .k = R2(5, 5),
     .pb = R2(2, 2), .pe = R2(2, 2)},
    {.name = "k7x1", .rank = 2, .n = 1, .c = 3, .m = 1, .in = R2(19, 9), .k = R2(7, 1),
     .pb = R2(3, 0), .pe = R2(3, 0)},
    {.name = "k7", .rank = 2, .n = 1, .c = 3, .m = 1, .in = R2(19, 21), .k = R2(7, 7),
     .pb = R2(3, 3), .pe = R2(3, 3)},
    {.name = "k7_s2", .rank = 2, .n = 1, .c = 3, .m = 2, .in = R2(19, 21), .k = R2(7, 7),
     .s = R2(2, 2), .pb = R2(3, 1), .pe = R2(2, 3)},
    {.name = "k5_s1_nopad", .rank = 2, .n = 2, .c = 3, .m = 1, .in = R2(9, 12), .k = R2(5, 5),
     .bias = 1},
    {.name = "k1", .rank = 2, .n = 1, .c = 3, .m = 2, .in = R2(9, 19), .k = R2(1, 1)},
    /* asymmetric and oversized pads */
    {.name = "pads_asym", .rank = 2, .n = 1, .c = 3, .m = 1, .in = R2(9, 19), .k = R2(3, 3),
     .pb = R2(0, 2), .pe = R2(2, 0)},
    {.name = "pads_big", .rank = 2, .n = 1, .c = 3, .m = 1, .in = R2(7, 9), .k = R2(3, 3),
     .pb = R2(4, 5), .pe = R2(3, 6)},
    /* batch, bias, activations */
    {.name = "batch3", .rank = 2, .n = 3, .c = 7, .m = 2, .in = R2(9, 9), .k = R2(3, 3),
     .pb = R2(1, 1), .pe = R2(1, 1), .bias = 1},
    {.name = "relu", .rank = 2, .n = 1, .c = 7, .m = 1, .in = R2(9, 19), .k = R2(3, 3),
     .pb = R2(1, 1), .pe = R2(1, 1), .bias = 1, .act = CLCONV_ACTIVATION_RELU},
    {.name = "relu6", .rank = 2, .n = 1, .c = 7, .m = 1, .in = R2(9, 19), .k = R2(3, 3),
     .pb = R2(1, 1), .pe = R2(1, 1), .bias = 1, .act = CLCONV_ACTIVATION_CLIP, .beta = 0.5f},
    {.name = "leaky", .rank = 2, .n = 2, .c = 7, .m = 1, .in = R2(9, 19), .k = R2(3, 3),
     .s = R2(2, 2), .pb = R2(1, 1), .pe = R2(1, 1), .bias = 1, .act = CLCONV_ACTIVATION_LEAKY_RELU,
     .alpha = 0.1f},
    /* rank 1 and 3 */
    {.name = "rank1", .rank = 1, .n = 2, .c = 3, .m = 2, .in = {19}, .k = {3}, .pb = {1}, .pe = {1},
     .bias = 1},
    {.name = "rank3", .rank = 3, .n = 1, .c = 3, .m = 1, .in = {5, 7, 9}, .k = {3, 3, 3},
     .pb = {1, 1, 1}, .pe = {1, 1, 1}, .bias = 1},
    {.name = "rank3_s2_m2", .rank = 3, .n = 2, .c = 3, .m = 2, .in = {6, 9, 17}, .k = {3, 3, 3},
     .s = {2, 2, 2}, .pb = {1, 0, 1}, .pe = {0, 1, 1}},
    /* the MobileNet-v2 shape, smaller */
    {.name = "mv2_like", .rank = 2, .n = 1, .c = 32, .m = 1, .in = R2(28, 28), .k = R2(3, 3),
     .pb = R2(1, 1), .pe = R2(1, 1), .bias = 1, .act = CLCONV_ACTIVATION_CLIP, .beta = 6.0f},
};

/* A random descriptor the algorithm claims: any rank, stride, dilation,
 * pads, multiplier, batch, bias and activation; sometimes auto_pad. */
static clconv_conv_desc random_desc(test_rng *r)
{
    dcase c;
    memset(&c, 0, sizeof c);
    c.rank = rng_int(r, 1, 3);
    c.n = rng_int(r, 1, 3);
    c.c = rng_int(r, 1, 12);
    c.m = rng_int(r, 1, 3);
    for (int i = 0; i < c.rank; i++) {
        const int big = c.rank == 3 ? 9 : i == c.rank - 1 ? 40 : 20;
        c.in[i] = rng_int(r, 1, big);
        c.k[i] = rng_int(r, 1, 5);
        c.s[i] = rng_int(r, 1, 3);
        c.d[i] = rng_int(r, 1, 3);
        c.pb[i] = rng_int(r, 0, 3);
        c.pe[i] = rng_int(r, 0, 3);
        const int ek = (c.k[i] - 1) * c.d[i] + 1;
        if (c.in[i] + c.pb[i] + c.pe[i] < ek) /* grow the end pad until the kernel fits */
            c.pe[i] = ek - c.in[i] - c.pb[i];
    }
    if (c.rank >= 2 && rng_int(r, 0, 1)) {
        /* half the 2D/3D cases: the compiled-in shapes (KxK, K = 3, 5, 7,
         * stride 1 or 2 in H and W, dilation 1) */
        const int k = 3 + 2 * rng_int(r, 0, 2), s = rng_int(r, 1, 2);
        for (int i = c.rank - 2; i < c.rank; i++) {
            c.k[i] = k;
            c.s[i] = s;
            c.d[i] = 1;
            c.in[i] = rng_int(r, 1, c.rank == 3 ? 12 : 40);
            if (c.in[i] + c.pb[i] + c.pe[i] < k)
                c.pe[i] = k - c.in[i] - c.pb[i];
        }
    }
    c.bias = rng_int(r, 0, 1);
    c.act = (clconv_activation)rng_int(r, 0, 3);
    c.alpha = c.act == CLCONV_ACTIVATION_CLIP ? -0.5f : 0.2f;
    c.beta = 0.5f;
    clconv_conv_desc d = to_desc(&c);
    const int ap = rng_int(r, 0, 5);
    if (ap >= 1 && ap <= 3) {
        d.auto_pad = (clconv_auto_pad)ap; /* SAME_UPPER, SAME_LOWER, VALID */
        for (int i = 0; i < c.rank; i++) {
            d.pads_begin[i] = d.pads_end[i] = 0;
            const int ek = (c.k[i] - 1) * c.d[i] + 1;
            if (ap == CLCONV_AUTO_PAD_VALID && d.in_size[i] < ek)
                d.in_size[i] = ek;
        }
    }
    return d;
}

/* Descriptors depthwise must refuse, each with its reason. */
static int check_refusals(clconv_context *ctx)
{
    int failed = 0;
    struct {
        const char *name;
        int c, k, g, transposed; /* transposed: its stride, 0 for a convolution */
    } bad[] = {
        {.name = "groups1", .c = 4, .k = 4, .g = 1, .transposed = 0},
        {.name = "groups2", .c = 4, .k = 8, .g = 2, .transposed = 0},
        {.name = "transposed_groups2", .c = 4, .k = 4, .g = 2, .transposed = 2},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        clconv_conv_desc d;
        clconv_conv_desc_init(&d, 2);
        d.in_channels = bad[i].c;
        d.out_channels = bad[i].k;
        d.groups = bad[i].g;
        d.transposed = bad[i].transposed > 0;
        d.strides[0] = d.strides[1] = bad[i].transposed ? bad[i].transposed : 1;
        d.in_size[0] = d.in_size[1] = 8;
        d.kernel_size[0] = d.kernel_size[1] = 3;
        failed += algo_sweep_refused(ctx, ALGO, &d, bad[i].name, 1);
    }
    return failed;
}

/* The plan runs what it reports: a depthwise_ kernel and nothing else. */
static int check_trace(clconv_context *ctx)
{
    dcase c = named[2];
    clconv_conv_desc d = to_desc(&c);
    size_t nx = clconv_conv_input_elems(&d), nw = clconv_conv_weight_elems(&d),
           ny = clconv_conv_output_elems(&d);
    float *x = calloc(nx, 4), *w = calloc(nw, 4), *y = calloc(ny, 4);
    int failed = 0;
    clconv_trace_enable(1);
    clconv_status st = x && w && y ? clconv_conv_host(ctx, &d, ALGO, x, w, NULL, y, NULL)
                                   : CLCONV_OUT_OF_MEMORY;
    const char *t = clconv_trace_text();
    if (st || !strstr(t, "depthwise_conv") || strstr(t, "direct_")) {
        printf("FAIL trace: status %s, trace:\n%s\n", clconv_status_string(st), t);
        failed = 1;
    }
    clconv_trace_enable(0);
    free(x);
    free(w);
    free(y);
    return failed;
}

/* Depthwise ConvTranspose: stride 1 runs as the equivalent forward
 * convolution (out = in - 1 + (k - 1) * d + 1 - pads), other strides in
 * gather form. */
static const dcase named_transposed[] = {
    {.name = "T_k3", .rank = 2, .n = 1, .c = 7, .m = 1, .in = R2(9, 19), .k = R2(3, 3),
     .pb = R2(1, 1), .pe = R2(1, 1)},
    {.name = "T_k3_m2_asym", .rank = 2, .n = 2, .c = 3, .m = 2, .in = R2(8, 17), .k = R2(3, 3),
     .pb = R2(0, 2), .pe = R2(1, 0), .bias = 1, .act = CLCONV_ACTIVATION_RELU},
    {.name = "T_k5_nopad", .rank = 2, .n = 1, .c = 3, .m = 1, .in = R2(7, 9), .k = R2(5, 5),
     .bias = 1},
    {.name = "T_d2", .rank = 2, .n = 1, .c = 3, .m = 1, .in = R2(9, 12), .k = R2(3, 3),
     .d = R2(2, 2), .pb = R2(1, 2), .pe = R2(2, 1)},
    {.name = "T_rank1", .rank = 1, .n = 2, .c = 3, .m = 2, .in = {19}, .k = {3}, .pb = {1},
     .pe = {1}, .bias = 1},
    {.name = "T_rank3", .rank = 3, .n = 1, .c = 3, .m = 1, .in = {5, 7, 9}, .k = {3, 3, 3},
     .pb = {1, 1, 1}, .pe = {1, 1, 1}, .bias = 1},
    {.name = "T_s2_k3", .rank = 2, .n = 1, .c = 7, .m = 1, .in = R2(9, 10), .k = R2(3, 3),
     .s = R2(2, 2), .pb = R2(1, 1), .pe = R2(1, 1), .bias = 1},
    {.name = "T_s3_k4_m2", .rank = 2, .n = 2, .c = 3, .m = 2, .in = R2(5, 7), .k = R2(4, 4),
     .s = R2(3, 3), .pb = R2(0, 2), .pe = R2(1, 0), .bias = 1, .act = CLCONV_ACTIVATION_RELU},
    {.name = "T_s2x1_d2", .rank = 2, .n = 1, .c = 3, .m = 1, .in = R2(6, 9), .k = R2(3, 3),
     .s = R2(2, 1), .d = R2(2, 2), .pb = R2(1, 0), .pe = R2(0, 1)},
    {.name = "T_s2_rank3", .rank = 3, .n = 1, .c = 3, .m = 1, .in = {4, 5, 6}, .k = {3, 3, 3},
     .s = {2, 2, 2}, .pb = {1, 1, 1}, .pe = {1, 1, 1}, .bias = 1},
    {.name = "T_s2_rank1_c70", .rank = 1, .n = 2, .c = 70, .m = 1, .in = {13}, .k = {4}, .s = {2},
     .pb = {1}, .pe = {2}, .bias = 1, .act = CLCONV_ACTIVATION_LEAKY_RELU, .alpha = 0.1f},
};

static int extra(clconv_context *ctx, const algo_sweep *s, const sweep_opts *o, sweep_tally *t)
{
    (void)s, (void)o, (void)t;
    return check_refusals(ctx) + check_trace(ctx);
}

int main(int argc, char **argv)
{
    static const algo_sweep sweep = {
        .algo = ALGO,
        .replay = "test_algo_depthwise",
        .default_seed = 20240611,
        .default_count = 80,
        .tables = {SWEEP_TABLE(named, 0), SWEEP_TABLE(named_transposed, 1)},
        .to_desc = to_desc,
        .random_desc = random_desc,
        .extra = extra,
    };
    return algo_sweep_main(&sweep, argc, argv);
}
