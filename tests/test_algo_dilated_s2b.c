/* dilated_s2b (stride 1, dilation > 1, via space_to_batch) against the
 * float64 reference.
 *
 *   test_algo_dilated_s2b [--seed S] [--count N] [--case I] [--named 0|1]
 *
 *  - named cases: dilations 2, 3, 6 and different per axis (one axis
 *    undilated too), spatial sizes 1, T-1, T, T+1, 2T+3 around T = 8 (the
 *    inner kernels' run length) that are and are not multiples of d,
 *    channels 1, 3, 7, 70, asymmetric and oversized pads, batch, groups,
 *    bias with every activation, 1x1 / 1xk / 5x5 kernels, rank 1 and 3,
 *    and stride-1 dilated ConvTranspose (run as the forward equivalent);
 *  - a seeded random sweep (--count cases, default 50) over the forward
 *    convolutions it claims; `--seed S --case I` replays case I alone
 *    (the driver is tests/support/algo_sweep.c);
 *  - descriptors it must refuse give CLCONV_UNSUPPORTED naming dilated_s2b;
 *  - the launch trace shows s2b_space_to_batch, the inner convolution and
 *    s2b_batch_to_space; a caller workspace poisoned with NaN still gives
 *    the right answer (nothing reads workspace it did not write). */
#include "algo_sweep.h"
#include "internal.h"
#include "testutil.h"

#include <stdio.h>
#include <string.h>

#define ALGO CLCONV_ALGO_DILATED_S2B

/* Spatial arrays hold `rank` entries; zero dilations mean 1; g 0 means 1. */
typedef struct {
    const char *name;
    int rank, n, c, k, g;
    int in[3], ks[3], d[3], pb[3], pe[3];
    int bias;
    clconv_activation act;
    float alpha, beta;
} scase;

static clconv_conv_desc to_desc(const void *v)
{
    const scase *c = v;
    clconv_conv_desc d;
    clconv_conv_desc_init(&d, c->rank);
    d.batch = c->n;
    d.in_channels = c->c;
    d.out_channels = c->k;
    d.groups = c->g ? c->g : 1;
    for (int i = 0; i < c->rank; i++) {
        d.in_size[i] = c->in[i];
        d.kernel_size[i] = c->ks[i];
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
static const scase named[] = {
    /* sizes around T = 8 with the DeepLab shape (3x3, pad = dilation) */
    {.name = "d2_s1", .rank = 2, .n = 1, .c = 3, .k = 3, .g = 1, .in = R2(1, 1), .ks = R2(3, 3),
     .d = R2(2, 2), .pb = R2(2, 2), .pe = R2(2, 2)},
    {.name = "d2_s7", .rank = 2, .n = 1, .c = 3, .k = 7, .g = 1, .in = R2(7, 7), .ks = R2(3, 3),
     .d = R2(2, 2), .pb = R2(2, 2), .pe = R2(2, 2)},
    {.name = "d2_s8", .rank = 2, .n = 1, .c = 7, .k = 3, .g = 1, .in = R2(8, 8), .ks = R2(3, 3),
     .d = R2(2, 2), .pb = R2(2, 2), .pe = R2(2, 2)},
    {.name = "d2_s9", .rank = 2, .n = 1, .c = 7, .k = 7, .g = 1, .in = R2(9, 9), .ks = R2(3, 3),
     .d = R2(2, 2), .pb = R2(2, 2), .pe = R2(2, 2)},
    {.name = "d2_s19", .rank = 2, .n = 1, .c = 7, .k = 7, .g = 1, .in = R2(19, 19), .ks = R2(3, 3),
     .d = R2(2, 2), .pb = R2(2, 2), .pe = R2(2, 2)},
    {.name = "d2_nopad", .rank = 2, .n = 1, .c = 3, .k = 3, .g = 1, .in = R2(19, 17),
     .ks = R2(3, 3), .d = R2(2, 2)},
    {.name = "d3", .rank = 2, .n = 1, .c = 3, .k = 7, .g = 1, .in = R2(19, 19), .ks = R2(3, 3),
     .d = R2(3, 3), .pb = R2(3, 3), .pe = R2(3, 3)},
    {.name = "d6", .rank = 2, .n = 1, .c = 7, .k = 3, .g = 1, .in = R2(19, 19), .ks = R2(3, 3),
     .d = R2(6, 6), .pb = R2(6, 6), .pe = R2(6, 6)},
    {.name = "d6_s8", .rank = 2, .n = 1, .c = 3, .k = 3, .g = 1, .in = R2(8, 8), .ks = R2(3, 3),
     .d = R2(6, 6), .pb = R2(6, 6), .pe = R2(6, 6)},
    /* per-axis dilations, one axis undilated */
    {.name = "d2x3", .rank = 2, .n = 1, .c = 3, .k = 7, .g = 1, .in = R2(17, 19), .ks = R2(3, 3),
     .d = R2(2, 3), .pb = R2(2, 3), .pe = R2(2, 3)},
    {.name = "d6x2", .rank = 2, .n = 1, .c = 7, .k = 3, .g = 1, .in = R2(19, 9), .ks = R2(3, 3),
     .d = R2(6, 2), .pb = R2(6, 2), .pe = R2(6, 2)},
    {.name = "d1x2", .rank = 2, .n = 1, .c = 3, .k = 3, .g = 1, .in = R2(9, 19), .ks = R2(3, 3),
     .d = R2(1, 2), .pb = R2(1, 2), .pe = R2(1, 2)},
    {.name = "d3x1", .rank = 2, .n = 1, .c = 3, .k = 3, .g = 1, .in = R2(19, 9), .ks = R2(3, 3),
     .d = R2(3, 1), .pb = R2(3, 1), .pe = R2(3, 1)},
    /* channels */
    {.name = "c1", .rank = 2, .n = 1, .c = 1, .k = 1, .g = 1, .in = R2(9, 19), .ks = R2(3, 3),
     .d = R2(2, 2), .pb = R2(2, 2), .pe = R2(2, 2)},
    {.name = "c70", .rank = 2, .n = 1, .c = 70, .k = 70, .g = 1, .in = R2(9, 19), .ks = R2(3, 3),
     .d = R2(2, 3), .pb = R2(2, 3), .pe = R2(2, 3)},
    {.name = "c70_k3", .rank = 2, .n = 1, .c = 70, .k = 3, .g = 1, .in = R2(19, 9), .ks = R2(3, 3),
     .d = R2(6, 2), .pb = R2(6, 2), .pe = R2(6, 2)},
    /* pads: asymmetric, none, oversized */
    {.name = "pads_asym", .rank = 2, .n = 1, .c = 3, .k = 7, .g = 1, .in = R2(17, 19),
     .ks = R2(3, 3), .d = R2(2, 3), .pb = R2(0, 5), .pe = R2(3, 1)},
    {.name = "pads_big", .rank = 2, .n = 1, .c = 3, .k = 3, .g = 1, .in = R2(7, 9), .ks = R2(3, 3),
     .d = R2(3, 2), .pb = R2(8, 5), .pe = R2(9, 4)},
    /* kernels */
    {.name = "k1x1", .rank = 2, .n = 1, .c = 3, .k = 7, .g = 1, .in = R2(9, 9), .ks = R2(1, 1),
     .d = R2(2, 2)},
    {.name = "k1x5", .rank = 2, .n = 1, .c = 3, .k = 3, .g = 1, .in = R2(9, 19), .ks = R2(1, 5),
     .d = R2(2, 2), .pb = R2(0, 4), .pe = R2(0, 4)},
    {.name = "k5x5", .rank = 2, .n = 1, .c = 3, .k = 3, .g = 1, .in = R2(19, 19), .ks = R2(5, 5),
     .d = R2(2, 3), .pb = R2(4, 6), .pe = R2(4, 6)},
    /* batch, groups, bias, activations */
    {.name = "batch3", .rank = 2, .n = 3, .c = 3, .k = 7, .g = 1, .in = R2(9, 9), .ks = R2(3, 3),
     .d = R2(2, 2), .pb = R2(2, 2), .pe = R2(2, 2), .bias = 1},
    {.name = "groups2", .rank = 2, .n = 2, .c = 6, .k = 4, .g = 2, .in = R2(9, 17), .ks = R2(3, 3),
     .d = R2(2, 3), .pb = R2(2, 3), .pe = R2(2, 3), .bias = 1},
    {.name = "depthwise", .rank = 2, .n = 1, .c = 7, .k = 7, .g = 7, .in = R2(19, 19),
     .ks = R2(3, 3), .d = R2(2, 2), .pb = R2(2, 2), .pe = R2(2, 2), .bias = 1},
    {.name = "relu", .rank = 2, .n = 1, .c = 7, .k = 7, .g = 1, .in = R2(9, 19), .ks = R2(3, 3),
     .d = R2(2, 2), .pb = R2(2, 2), .pe = R2(2, 2), .bias = 1, .act = CLCONV_ACTIVATION_RELU},
    {.name = "clip", .rank = 2, .n = 1, .c = 7, .k = 7, .g = 1, .in = R2(9, 19), .ks = R2(3, 3),
     .d = R2(2, 2), .pb = R2(2, 2), .pe = R2(2, 2), .bias = 1, .act = CLCONV_ACTIVATION_CLIP,
     .alpha = -0.5f, .beta = 0.5f},
    {.name = "leaky", .rank = 2, .n = 2, .c = 7, .k = 7, .g = 1, .in = R2(9, 19), .ks = R2(3, 3),
     .d = R2(3, 2), .pb = R2(3, 2), .pe = R2(3, 2), .bias = 1, .act = CLCONV_ACTIVATION_LEAKY_RELU,
     .alpha = 0.1f},
    /* rank 1 and 3 */
    {.name = "rank1", .rank = 1, .n = 2, .c = 3, .k = 5, .g = 1, .in = {19}, .ks = {3}, .d = {3},
     .pb = {3}, .pe = {2}, .bias = 1},
    {.name = "rank3_d2", .rank = 3, .n = 1, .c = 3, .k = 5, .g = 1, .in = {6, 7, 9},
     .ks = {3, 3, 3}, .d = {2, 2, 2}, .pb = {2, 2, 2}, .pe = {2, 2, 2}, .bias = 1},
    {.name = "rank3_d123", .rank = 3, .n = 2, .c = 4, .k = 4, .g = 2, .in = {7, 8, 9},
     .ks = {3, 3, 3}, .d = {1, 2, 3}, .pb = {1, 1, 3}, .pe = {1, 3, 3}},
    /* sub-images large enough for AUTO's inner Winograd F(4x4) */
    {.name = "inner_f4x4", .rank = 2, .n = 1, .c = 16, .k = 16, .g = 1, .in = R2(20, 21),
     .ks = R2(3, 3), .d = R2(2, 2), .pb = R2(2, 2), .pe = R2(2, 2), .bias = 1},
    /* the DeepLab layer, smaller */
    {.name = "dl_like", .rank = 2, .n = 1, .c = 32, .k = 32, .g = 1, .in = R2(33, 33),
     .ks = R2(3, 3), .d = R2(6, 6), .pb = R2(6, 6), .pe = R2(6, 6), .bias = 1,
     .act = CLCONV_ACTIVATION_RELU},
};

/* A random descriptor the algorithm claims: stride 1, some dilation > 1. */
static clconv_conv_desc random_desc(test_rng *r)
{
    scase c;
    memset(&c, 0, sizeof c);
    c.rank = rng_int(r, 1, 3);
    c.n = rng_int(r, 1, 2);
    c.g = rng_int(r, 1, 3);
    c.c = c.g * rng_int(r, 1, 5);
    c.k = c.g * rng_int(r, 1, 5);
    int dilated = 0;
    for (int i = 0; i < c.rank; i++) {
        const int big = c.rank == 3 ? 9 : 24;
        c.in[i] = rng_int(r, 1, big);
        c.ks[i] = rng_int(r, 1, 4);
        c.d[i] = rng_int(r, 1, 6);
        dilated |= c.d[i] > 1;
        c.pb[i] = rng_int(r, 0, 6);
        c.pe[i] = rng_int(r, 0, 6);
        const int ek = (c.ks[i] - 1) * c.d[i] + 1;
        if (c.in[i] + c.pb[i] + c.pe[i] < ek)
            c.pe[i] = ek - c.in[i] - c.pb[i];
    }
    if (!dilated) {
        const int i = rng_int(r, 0, c.rank - 1);
        c.d[i] = rng_int(r, 2, 4);
        const int ek = (c.ks[i] - 1) * c.d[i] + 1;
        if (c.in[i] + c.pb[i] + c.pe[i] < ek)
            c.pe[i] = ek - c.in[i] - c.pb[i];
    }
    c.bias = rng_int(r, 0, 1);
    c.act = (clconv_activation)rng_int(r, 0, 3);
    c.alpha = c.act == CLCONV_ACTIVATION_CLIP ? -0.5f : 0.2f;
    c.beta = 0.5f;
    clconv_conv_desc d = to_desc(&c);
    const int ap = rng_int(r, 0, 5);
    if (ap == 1 || ap == 2) { /* SAME_UPPER / SAME_LOWER: pads from the dilated kernel */
        d.auto_pad = (clconv_auto_pad)ap;
        for (int i = 0; i < c.rank; i++)
            d.pads_begin[i] = d.pads_end[i] = 0;
    }
    return d;
}

static int check_refusals(clconv_context *ctx)
{
    int failed = 0;
    struct {
        const char *name;
        int stride, dilation, transposed;
    } bad[] = {
        {.name = "dilation1", .stride = 1, .dilation = 1, .transposed = 0},
        {.name = "stride2", .stride = 2, .dilation = 2, .transposed = 0},
        {.name = "transposed_stride2", .stride = 2, .dilation = 2, .transposed = 1},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        clconv_conv_desc d;
        clconv_conv_desc_init(&d, 2);
        d.in_channels = d.out_channels = 4;
        d.in_size[0] = d.in_size[1] = 12;
        d.kernel_size[0] = d.kernel_size[1] = 3;
        d.strides[1] = bad[i].stride;
        d.dilations[0] = bad[i].dilation;
        d.transposed = bad[i].transposed;
        failed += algo_sweep_refused(ctx, ALGO, &d, bad[i].name, 1);
    }
    /* Valid, but 30000^2 sub-images of 2x2 would not fit in a tensor. */
    clconv_conv_desc d;
    clconv_conv_desc_init(&d, 2);
    d.in_channels = d.out_channels = 1;
    d.in_size[0] = d.in_size[1] = 1;
    d.kernel_size[0] = d.kernel_size[1] = 2;
    d.dilations[0] = d.dilations[1] = 30000;
    d.pads_begin[0] = d.pads_begin[1] = d.pads_end[0] = d.pads_end[1] = 15000;
    failed += algo_sweep_refused(ctx, ALGO, &d, "huge_dilation", 0);
    return failed;
}

/* The trace shows s2b_space_to_batch, then something else (the inner
 * convolution), then s2b_batch_to_space; the description names the inner
 * plan. */
static int trace_and_describe_ok(const char *t, const char *desc, const void *unused)
{
    (void)unused;
    const char *s2b = strstr(t, "s2b_space_to_batch"), *b2s = strstr(t, "s2b_batch_to_space");
    const char *a = strstr(t, "\n");
    const int trace_ok =
        s2b && b2s && s2b < b2s && a && strncmp(a + 1, "s2b_batch_to_space", 18) != 0;
    if (!trace_ok)
        printf("FAIL trace: expected s2b_space_to_batch, inner, s2b_batch_to_space:\n%s\n", t);
    const int desc_ok = strstr(desc, "dilated_s2b") && strstr(desc, "inner: ");
    if (!desc_ok)
        printf("FAIL describe: \"%s\"\n", desc);
    return trace_ok && desc_ok;
}

/* Stride-1 dilated ConvTranspose, which runs as the equivalent forward
 * convolution: out = in - 1 + (k - 1) * d + 1 - pads. */
static const scase named_transposed[] = {
    {.name = "T_d2", .rank = 2, .n = 1, .c = 3, .k = 5, .g = 1, .in = R2(9, 11), .ks = R2(3, 3),
     .d = R2(2, 2), .pb = R2(2, 2), .pe = R2(2, 2)},
    {.name = "T_d3x2_asym", .rank = 2, .n = 1, .c = 4, .k = 3, .g = 1, .in = R2(8, 10),
     .ks = R2(3, 3), .d = R2(3, 2), .pb = R2(1, 0), .pe = R2(4, 2)},
    {.name = "T_groups2_relu", .rank = 2, .n = 2, .c = 6, .k = 4, .g = 2, .in = R2(7, 9),
     .ks = R2(2, 3), .d = R2(3, 2), .bias = 1, .act = CLCONV_ACTIVATION_RELU},
    {.name = "T_rank1", .rank = 1, .n = 1, .c = 3, .k = 2, .g = 1, .in = {13}, .ks = {3}, .d = {4},
     .pb = {1}, .pe = {3}, .bias = 1},
    {.name = "T_rank3", .rank = 3, .n = 1, .c = 3, .k = 4, .g = 1, .in = {4, 5, 6}, .ks = {3, 3, 3},
     .d = {2, 1, 2}, .pb = {1, 1, 1}, .pe = {1, 1, 1}},
};

static int extra(clconv_context *ctx, const algo_sweep *s, const sweep_opts *o, sweep_tally *t)
{
    (void)s, (void)t;
    clconv_conv_desc d = to_desc(&named[9]);
    d.has_bias = 1;
    return check_refusals(ctx) +
           algo_sweep_poisoned_workspace(ctx, ALGO, &d, o->seed, trace_and_describe_ok, NULL);
}

int main(int argc, char **argv)
{
    static const algo_sweep sweep = {
        .algo = ALGO,
        .replay = "test_algo_dilated_s2b",
        .default_seed = 20240612,
        .default_count = 50,
        .tables = {SWEEP_TABLE(named, 0), SWEEP_TABLE(named_transposed, 1)},
        .to_desc = to_desc,
        .random_desc = random_desc,
        .extra = extra,
    };
    return algo_sweep_main(&sweep, argc, argv);
}
