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
    {"w1", 2, 1, 3, 1, R2(5, 1), R2(3, 3), {0}, {0}, R2(1, 1), R2(1, 1), 0, 0, 0, 0},
    {"w7", 2, 1, 3, 1, R2(5, 7), R2(3, 3), {0}, {0}, R2(1, 1), R2(1, 1), 0, 0, 0, 0},
    {"w8", 2, 1, 3, 1, R2(8, 8), R2(3, 3), {0}, {0}, R2(1, 1), R2(1, 1), 0, 0, 0, 0},
    {"w9", 2, 1, 7, 1, R2(9, 9), R2(3, 3), {0}, {0}, R2(1, 1), R2(1, 1), 0, 0, 0, 0},
    {"w19", 2, 1, 7, 1, R2(19, 19), R2(3, 3), {0}, {0}, R2(1, 1), R2(1, 1), 0, 0, 0, 0},
    /* the compiled-in 3x3 kernel's run: 16 wide on CPUs, 8 rows (4 at stride 2) */
    {"w15_h7", 2, 1, 3, 1, R2(7, 15), R2(3, 3), {0}, {0}, R2(1, 1), R2(1, 1), 0, 0, 0, 0},
    {"w16_h8", 2, 1, 3, 1, R2(8, 16), R2(3, 3), {0}, {0}, R2(1, 1), R2(1, 1), 0, 0, 0, 0},
    {"w17_h9", 2, 1, 3, 2, R2(9, 17), R2(3, 3), {0}, {0}, R2(1, 1), R2(1, 1), 0, 0, 0, 0},
    {"w35_h19", 2, 2, 3, 1, R2(19, 35), R2(3, 3), {0}, {0}, R2(1, 1), R2(1, 1), 0, 0, 0, 0},
    {"w35_h19_s2", 2, 1, 3, 1, R2(19, 35), R2(3, 3), R2(2, 2), {0}, R2(1, 0), R2(0, 1), 0, 0, 0,
     0},
    {"w33_s2", 2, 1, 3, 1, R2(17, 33), R2(3, 3), R2(2, 2), {0}, R2(1, 1), R2(1, 1), 0, 0, 0, 0},
    {"w19_nopad", 2, 1, 7, 1, R2(19, 19), R2(3, 3), {0}, {0}, {0}, {0}, 0, 0, 0, 0},
    {"h1_w19", 2, 1, 3, 1, R2(1, 19), R2(1, 3), {0}, {0}, R2(0, 1), R2(0, 1), 0, 0, 0, 0},
    /* channels */
    {"c1", 2, 1, 1, 1, R2(9, 9), R2(3, 3), {0}, {0}, R2(1, 1), R2(1, 1), 0, 0, 0, 0},
    {"c70", 2, 1, 70, 1, R2(9, 19), R2(3, 3), {0}, {0}, R2(1, 1), R2(1, 1), 0, 0, 0, 0},
    /* multipliers */
    {"m2", 2, 1, 7, 2, R2(9, 17), R2(3, 3), {0}, {0}, R2(1, 1), R2(1, 1), 0, 0, 0, 0},
    {"m3", 2, 1, 3, 3, R2(8, 19), R2(3, 3), {0}, {0}, R2(1, 1), R2(1, 1), 0, 0, 0, 0},
    {"c1_m3", 2, 1, 1, 3, R2(7, 9), R2(3, 3), {0}, {0}, R2(1, 1), R2(1, 1), 0, 0, 0, 0},
    /* strides: 2 has the double-width load path, 3 gathers */
    {"s2_w19", 2, 1, 7, 1, R2(19, 19), R2(3, 3), R2(2, 2), {0}, R2(1, 1), R2(1, 1), 0, 0, 0, 0},
    {"s2_w40", 2, 1, 3, 1, R2(9, 40), R2(3, 3), R2(2, 2), {0}, R2(1, 1), R2(1, 1), 0, 0, 0, 0},
    {"s2_w41_k5", 2, 1, 3, 2, R2(9, 41), R2(5, 5), R2(2, 2), {0}, R2(2, 2), R2(2, 2), 0, 0, 0, 0},
    {"s3", 2, 1, 3, 1, R2(19, 19), R2(3, 3), R2(3, 3), {0}, R2(1, 1), R2(1, 1), 0, 0, 0, 0},
    {"s21", 2, 1, 3, 1, R2(17, 19), R2(3, 3), R2(2, 1), {0}, R2(1, 1), R2(1, 1), 0, 0, 0, 0},
    /* dilations, kernels */
    {"d2", 2, 1, 3, 1, R2(19, 19), R2(3, 3), {0}, R2(2, 2), R2(2, 2), R2(2, 2), 0, 0, 0, 0},
    {"d3_s2", 2, 1, 3, 1, R2(19, 33), R2(3, 3), R2(2, 2), R2(3, 3), R2(3, 3), R2(3, 3), 0, 0, 0, 0},
    {"k5", 2, 1, 7, 1, R2(19, 19), R2(5, 5), {0}, {0}, R2(2, 2), R2(2, 2), 0, 0, 0, 0},
    {"k7x1", 2, 1, 3, 1, R2(19, 9), R2(7, 1), {0}, {0}, R2(3, 0), R2(3, 0), 0, 0, 0, 0},
    {"k7", 2, 1, 3, 1, R2(19, 21), R2(7, 7), {0}, {0}, R2(3, 3), R2(3, 3), 0, 0, 0, 0},
    {"k7_s2", 2, 1, 3, 2, R2(19, 21), R2(7, 7), R2(2, 2), {0}, R2(3, 1), R2(2, 3), 0, 0, 0, 0},
    {"k5_s1_nopad", 2, 2, 3, 1, R2(9, 12), R2(5, 5), {0}, {0}, {0}, {0}, 1, 0, 0, 0},
    {"k1", 2, 1, 3, 2, R2(9, 19), R2(1, 1), {0}, {0}, {0}, {0}, 0, 0, 0, 0},
    /* asymmetric and oversized pads */
    {"pads_asym", 2, 1, 3, 1, R2(9, 19), R2(3, 3), {0}, {0}, R2(0, 2), R2(2, 0), 0, 0, 0, 0},
    {"pads_big", 2, 1, 3, 1, R2(7, 9), R2(3, 3), {0}, {0}, R2(4, 5), R2(3, 6), 0, 0, 0, 0},
    /* batch, bias, activations */
    {"batch3", 2, 3, 7, 2, R2(9, 9), R2(3, 3), {0}, {0}, R2(1, 1), R2(1, 1), 1, 0, 0, 0},
    {"relu", 2, 1, 7, 1, R2(9, 19), R2(3, 3), {0}, {0}, R2(1, 1), R2(1, 1), 1,
     CLCONV_ACTIVATION_RELU, 0, 0},
    {"relu6", 2, 1, 7, 1, R2(9, 19), R2(3, 3), {0}, {0}, R2(1, 1), R2(1, 1), 1,
     CLCONV_ACTIVATION_CLIP, 0.0f, 0.5f},
    {"leaky", 2, 2, 7, 1, R2(9, 19), R2(3, 3), R2(2, 2), {0}, R2(1, 1), R2(1, 1), 1,
     CLCONV_ACTIVATION_LEAKY_RELU, 0.1f, 0},
    /* rank 1 and 3 */
    {"rank1", 1, 2, 3, 2, {19}, {3}, {0}, {0}, {1}, {1}, 1, 0, 0, 0},
    {"rank3", 3, 1, 3, 1, {5, 7, 9}, {3, 3, 3}, {0}, {0}, {1, 1, 1}, {1, 1, 1}, 1, 0, 0, 0},
    {"rank3_s2_m2", 3, 2, 3, 2, {6, 9, 17}, {3, 3, 3}, {2, 2, 2}, {0}, {1, 0, 1}, {0, 1, 1}, 0, 0,
     0, 0},
    /* the MobileNet-v2 shape, smaller */
    {"mv2_like", 2, 1, 32, 1, R2(28, 28), R2(3, 3), {0}, {0}, R2(1, 1), R2(1, 1), 1,
     CLCONV_ACTIVATION_CLIP, 0.0f, 6.0f},
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
        {"groups1", 4, 4, 1, 0},
        {"groups2", 4, 8, 2, 0},
        {"transposed_groups2", 4, 4, 2, 2},
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
    {"T_k3", 2, 1, 7, 1, R2(9, 19), R2(3, 3), {0}, {0}, R2(1, 1), R2(1, 1), 0, 0, 0, 0},
    {"T_k3_m2_asym", 2, 2, 3, 2, R2(8, 17), R2(3, 3), {0}, {0}, R2(0, 2), R2(1, 0), 1,
     CLCONV_ACTIVATION_RELU, 0, 0},
    {"T_k5_nopad", 2, 1, 3, 1, R2(7, 9), R2(5, 5), {0}, {0}, {0}, {0}, 1, 0, 0, 0},
    {"T_d2", 2, 1, 3, 1, R2(9, 12), R2(3, 3), {0}, R2(2, 2), R2(1, 2), R2(2, 1), 0, 0, 0, 0},
    {"T_rank1", 1, 2, 3, 2, {19}, {3}, {0}, {0}, {1}, {1}, 1, 0, 0, 0},
    {"T_rank3", 3, 1, 3, 1, {5, 7, 9}, {3, 3, 3}, {0}, {0}, {1, 1, 1}, {1, 1, 1}, 1, 0, 0, 0},
    {"T_s2_k3", 2, 1, 7, 1, R2(9, 10), R2(3, 3), R2(2, 2), {0}, R2(1, 1), R2(1, 1), 1, 0, 0, 0},
    {"T_s3_k4_m2", 2, 2, 3, 2, R2(5, 7), R2(4, 4), R2(3, 3), {0}, R2(0, 2), R2(1, 0), 1,
     CLCONV_ACTIVATION_RELU, 0, 0},
    {"T_s2x1_d2", 2, 1, 3, 1, R2(6, 9), R2(3, 3), R2(2, 1), R2(2, 2), R2(1, 0), R2(0, 1), 0, 0, 0,
     0},
    {"T_s2_rank3", 3, 1, 3, 1, {4, 5, 6}, {3, 3, 3}, {2, 2, 2}, {0}, {1, 1, 1}, {1, 1, 1}, 1, 0, 0,
     0},
    {"T_s2_rank1_c70", 1, 2, 70, 1, {13}, {4}, {2}, {0}, {1}, {2}, 1, CLCONV_ACTIVATION_LEAKY_RELU,
     0.1f, 0},
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
