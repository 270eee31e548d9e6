/* deconv_d2s (transposed convolution, stride >= 2, via depth_to_space)
 * against the float64 reference.
 *
 *   test_algo_deconv_d2s [--seed S] [--count N] [--case I] [--named 0|1]
 *
 *  - named cases: strides 2, 3, 4 (and per axis different, one axis 1),
 *    kernels 1..5 divisible and not divisible by the stride, pads (also
 *    >= stride, which trims the phase convolution), output_padding,
 *    output_shape below and above the natural size (negative pads: output
 *    no input reaches gets act(bias)), auto_pad SAME_UPPER / SAME_LOWER /
 *    VALID, input sizes 1, T-1, T, T+1, 2T+3 around T = 8, channels 1, 3,
 *    7, 70, batch, groups, bias with every activation, rank 1 and 3;
 *  - a seeded random sweep (--count cases, default 60) over everything the
 *    algorithm claims; `--seed S --case I` replays case I alone (the
 *    driver is tests/support/algo_sweep.c);
 *  - descriptors it must refuse give CLCONV_UNSUPPORTED naming deconv_d2s;
 *  - the launch trace shows the inner convolution and then d2s_scatter,
 *    the description states the zero taps, and a caller workspace poisoned
 *    with NaN still gives the right answer. */
#include "algo_sweep.h"
#include "internal.h"
#include "testutil.h"

#include <stdio.h>
#include <string.h>

#define ALGO CLCONV_ALGO_DECONV_D2S

/* Spatial arrays hold `rank` entries.  os: output_shape (all or none). */
typedef struct {
    const char *name;
    int rank, n, c, k, g;
    int in[3], ks[3], s[3], pb[3], pe[3], op[3], os[3];
    clconv_auto_pad auto_pad;
    int bias;
    clconv_activation act;
    float alpha, beta;
} tcase;

static clconv_conv_desc to_desc(const void *v)
{
    const tcase *c = v;
    clconv_conv_desc d;
    clconv_conv_desc_init(&d, c->rank);
    d.transposed = 1;
    d.batch = c->n;
    d.in_channels = c->c;
    d.out_channels = c->k;
    d.groups = c->g ? c->g : 1;
    d.auto_pad = c->auto_pad;
    for (int i = 0; i < c->rank; i++) {
        d.in_size[i] = c->in[i];
        d.kernel_size[i] = c->ks[i];
        d.strides[i] = c->s[i];
        d.pads_begin[i] = c->pb[i];
        d.pads_end[i] = c->pe[i];
        d.output_padding[i] = c->op[i];
        d.output_shape[i] = c->os[i];
    }
    d.has_bias = c->bias;
    d.activation = c->act;
    d.activation_alpha = c->alpha;
    d.activation_beta = c->beta;
    return d;
}

#define R2(a, b) {a, b}
static const tcase named[] = {
    /* input sizes around T = 8, the DCGAN shape k4 s2 p1 */
    {.name = "in1", .rank = 2, .n = 1, .c = 3, .k = 3, .g = 1, .in = R2(1, 1), .ks = R2(4, 4),
     .s = R2(2, 2), .pb = R2(1, 1), .pe = R2(1, 1)},
    {.name = "in7", .rank = 2, .n = 1, .c = 3, .k = 7, .g = 1, .in = R2(7, 7), .ks = R2(4, 4),
     .s = R2(2, 2), .pb = R2(1, 1), .pe = R2(1, 1)},
    {.name = "in8", .rank = 2, .n = 1, .c = 7, .k = 3, .g = 1, .in = R2(8, 8), .ks = R2(4, 4),
     .s = R2(2, 2), .pb = R2(1, 1), .pe = R2(1, 1)},
    {.name = "in9", .rank = 2, .n = 1, .c = 7, .k = 7, .g = 1, .in = R2(9, 9), .ks = R2(4, 4),
     .s = R2(2, 2), .pb = R2(1, 1), .pe = R2(1, 1)},
    {.name = "in19", .rank = 2, .n = 1, .c = 7, .k = 7, .g = 1, .in = R2(19, 8), .ks = R2(4, 4),
     .s = R2(2, 2), .pb = R2(1, 1), .pe = R2(1, 1)},
    /* kernels 1..5 at stride 2, divisible and not */
    {.name = "k1s2", .rank = 2, .n = 1, .c = 3, .k = 7, .g = 1, .in = R2(9, 8), .ks = R2(1, 1),
     .s = R2(2, 2)},
    {.name = "k2s2", .rank = 2, .n = 1, .c = 3, .k = 7, .g = 1, .in = R2(9, 8), .ks = R2(2, 2),
     .s = R2(2, 2)},
    {.name = "k3s2", .rank = 2, .n = 1, .c = 7, .k = 3, .g = 1, .in = R2(9, 8), .ks = R2(3, 3),
     .s = R2(2, 2), .pb = R2(1, 1), .pe = R2(1, 1), .op = R2(1, 1)},
    {.name = "k5s2", .rank = 2, .n = 1, .c = 3, .k = 3, .g = 1, .in = R2(9, 7), .ks = R2(5, 5),
     .s = R2(2, 2), .pb = R2(2, 2), .pe = R2(2, 2), .op = R2(1, 1)},
    /* strides 3, 4 and per-axis */
    {.name = "k3s3", .rank = 2, .n = 1, .c = 3, .k = 7, .g = 1, .in = R2(7, 9), .ks = R2(3, 3),
     .s = R2(3, 3)},
    {.name = "k4s3", .rank = 2, .n = 1, .c = 3, .k = 3, .g = 1, .in = R2(8, 9), .ks = R2(4, 4),
     .s = R2(3, 3), .pb = R2(1, 0), .pe = R2(0, 2), .op = R2(2, 1)},
    {.name = "k5s4", .rank = 2, .n = 1, .c = 3, .k = 3, .g = 1, .in = R2(7, 8), .ks = R2(5, 5),
     .s = R2(4, 4), .pb = R2(2, 1), .pe = R2(1, 2), .op = R2(3, 0)},
    {.name = "k4s4", .rank = 2, .n = 1, .c = 7, .k = 3, .g = 1, .in = R2(8, 9), .ks = R2(4, 4),
     .s = R2(4, 4)},
    {.name = "s2x1", .rank = 2, .n = 1, .c = 3, .k = 7, .g = 1, .in = R2(9, 8), .ks = R2(3, 3),
     .s = R2(2, 1), .pb = R2(1, 1), .pe = R2(1, 1)},
    {.name = "s1x3_k2x5", .rank = 2, .n = 1, .c = 3, .k = 3, .g = 1, .in = R2(7, 9), .ks = R2(2, 5),
     .s = R2(1, 3), .pb = R2(0, 2), .pe = R2(1, 1), .op = R2(0, 2)},
    {.name = "k2s4", .rank = 2, .n = 1, .c = 3, .k = 3, .g = 1, .in = R2(7, 9), .ks = R2(2, 2),
     .s = R2(4, 4), .pb = R2(0, 1), .pe = R2(1, 0), .op = R2(3, 2)},
    /* pads >= stride (trimmed phases), asymmetric */
    {.name = "pads_big", .rank = 2, .n = 1, .c = 3, .k = 3, .g = 1, .in = R2(8, 9), .ks = R2(5, 5),
     .s = R2(2, 2), .pb = R2(4, 3), .pe = R2(2, 4)},
    {.name = "pads_asym", .rank = 2, .n = 1, .c = 3, .k = 3, .g = 1, .in = R2(8, 9), .ks = R2(4, 3),
     .s = R2(2, 3), .pb = R2(0, 2), .pe = R2(3, 0), .op = R2(1, 2)},
    /* output_shape below and above the natural size (negative pads) */
    {.name = "oshape_small", .rank = 2, .n = 1, .c = 3, .k = 3, .g = 1, .in = R2(8, 9),
     .ks = R2(3, 3), .s = R2(2, 2), .os = R2(13, 15), .bias = 1},
    {.name = "oshape_big", .rank = 2, .n = 1, .c = 3, .k = 3, .g = 1, .in = R2(7, 8),
     .ks = R2(3, 3), .s = R2(2, 2), .op = R2(1, 0), .os = R2(19, 22), .bias = 1,
     .act = CLCONV_ACTIVATION_RELU},
    {.name = "oshape_upper", .rank = 2, .n = 1, .c = 3, .k = 3, .g = 1, .in = R2(7, 8),
     .ks = R2(4, 4), .s = R2(3, 2), .os = R2(24, 20), .auto_pad = CLCONV_AUTO_PAD_SAME_UPPER,
     .bias = 1},
    /* auto_pad */
    {.name = "same_upper", .rank = 2, .n = 1, .c = 3, .k = 7, .g = 1, .in = R2(8, 9),
     .ks = R2(3, 3), .s = R2(2, 2), .auto_pad = CLCONV_AUTO_PAD_SAME_UPPER},
    {.name = "same_lower", .rank = 2, .n = 1, .c = 3, .k = 7, .g = 1, .in = R2(8, 9),
     .ks = R2(3, 3), .s = R2(2, 2), .auto_pad = CLCONV_AUTO_PAD_SAME_LOWER},
    {.name = "same_upper_s3k2", .rank = 2, .n = 1, .c = 3, .k = 3, .g = 1, .in = R2(7, 9),
     .ks = R2(2, 2), .s = R2(3, 3), .auto_pad = CLCONV_AUTO_PAD_SAME_UPPER, .bias = 1},
    {.name = "valid", .rank = 2, .n = 1, .c = 3, .k = 3, .g = 1, .in = R2(7, 9), .ks = R2(3, 5),
     .s = R2(2, 3), .auto_pad = CLCONV_AUTO_PAD_VALID},
    /* channels */
    {.name = "c1", .rank = 2, .n = 1, .c = 1, .k = 1, .g = 1, .in = R2(9, 8), .ks = R2(4, 4),
     .s = R2(2, 2), .pb = R2(1, 1), .pe = R2(1, 1), .bias = 1},
    {.name = "c70", .rank = 2, .n = 1, .c = 70, .k = 70, .g = 1, .in = R2(8, 9), .ks = R2(3, 3),
     .s = R2(2, 2), .pb = R2(1, 1), .pe = R2(1, 1), .op = R2(1, 1)},
    {.name = "c70_k3", .rank = 2, .n = 1, .c = 70, .k = 3, .g = 1, .in = R2(9, 8), .ks = R2(4, 4),
     .s = R2(2, 2), .pb = R2(1, 1), .pe = R2(1, 1)},
    /* batch, groups, bias, activations */
    {.name = "batch3", .rank = 2, .n = 3, .c = 3, .k = 7, .g = 1, .in = R2(7, 8), .ks = R2(4, 4),
     .s = R2(2, 2), .pb = R2(1, 1), .pe = R2(1, 1), .bias = 1},
    {.name = "groups2", .rank = 2, .n = 2, .c = 6, .k = 4, .g = 2, .in = R2(7, 9), .ks = R2(3, 3),
     .s = R2(2, 2), .pb = R2(1, 1), .pe = R2(1, 1), .op = R2(1, 1), .bias = 1},
    {.name = "groups3_s3", .rank = 2, .n = 1, .c = 9, .k = 6, .g = 3, .in = R2(7, 8),
     .ks = R2(5, 4), .s = R2(3, 3), .pb = R2(1, 2), .pe = R2(2, 1), .op = R2(1, 2), .bias = 1},
    {.name = "depthwise", .rank = 2, .n = 1, .c = 7, .k = 7, .g = 7, .in = R2(8, 9), .ks = R2(4, 4),
     .s = R2(2, 2), .pb = R2(1, 1), .pe = R2(1, 1), .bias = 1},
    {.name = "relu", .rank = 2, .n = 1, .c = 7, .k = 7, .g = 1, .in = R2(8, 9), .ks = R2(4, 4),
     .s = R2(2, 2), .pb = R2(1, 1), .pe = R2(1, 1), .bias = 1, .act = CLCONV_ACTIVATION_RELU},
    {.name = "clip", .rank = 2, .n = 1, .c = 7, .k = 7, .g = 1, .in = R2(8, 9), .ks = R2(3, 3),
     .s = R2(2, 2), .pb = R2(1, 1), .pe = R2(1, 1), .op = R2(1, 1), .bias = 1,
     .act = CLCONV_ACTIVATION_CLIP, .alpha = -0.5f, .beta = 0.5f},
    {.name = "leaky", .rank = 2, .n = 2, .c = 7, .k = 7, .g = 1, .in = R2(8, 9), .ks = R2(4, 4),
     .s = R2(2, 2), .pb = R2(1, 1), .pe = R2(1, 1), .bias = 1, .act = CLCONV_ACTIVATION_LEAKY_RELU,
     .alpha = 0.1f},
    /* rank 1 and 3 */
    {.name = "rank1", .rank = 1, .n = 2, .c = 3, .k = 5, .g = 1, .in = {9}, .ks = {5}, .s = {3},
     .pb = {1}, .pe = {2}, .op = {1}, .bias = 1},
    {.name = "rank3_k3s2", .rank = 3, .n = 1, .c = 3, .k = 4, .g = 1, .in = {4, 5, 6},
     .ks = {3, 3, 3}, .s = {2, 2, 2}, .pb = {1, 1, 1}, .pe = {1, 1, 1}, .op = {1, 0, 1}, .bias = 1},
    {.name = "rank3_mixed", .rank = 3, .n = 2, .c = 4, .k = 4, .g = 2, .in = {3, 5, 4},
     .ks = {2, 4, 3}, .s = {1, 2, 3}, .pb = {0, 1, 1}, .pe = {1, 1, 0}, .op = {0, 1, 2}, .bias = 1,
     .act = CLCONV_ACTIVATION_RELU},
    /* k5 s2: 3x3 sub-kernels, so AUTO's inner convolution is Winograd */
    {.name = "inner_winograd", .rank = 2, .n = 1, .c = 16, .k = 16, .g = 1, .in = R2(9, 10),
     .ks = R2(5, 5), .s = R2(2, 2), .pb = R2(2, 2), .pe = R2(2, 2), .op = R2(1, 1), .bias = 1},
    /* the benchmark's shapes, smaller */
    {.name = "dcgan_like", .rank = 2, .n = 1, .c = 64, .k = 32, .g = 1, .in = R2(8, 8),
     .ks = R2(4, 4), .s = R2(2, 2), .pb = R2(1, 1), .pe = R2(1, 1), .bias = 1,
     .act = CLCONV_ACTIVATION_RELU},
    {.name = "up_k3s2_like", .rank = 2, .n = 1, .c = 16, .k = 16, .g = 1, .in = R2(14, 14),
     .ks = R2(3, 3), .s = R2(2, 2), .pb = R2(1, 1), .pe = R2(1, 1), .op = R2(1, 1), .bias = 1},
};

/* A random descriptor the algorithm claims: dilation 1, some stride >= 2,
 * explicit pads, output_shape, or auto_pad. */
static clconv_conv_desc random_desc(test_rng *r)
{
    tcase c;
    memset(&c, 0, sizeof c);
    c.rank = rng_int(r, 1, 3);
    c.n = rng_int(r, 1, 2);
    c.g = rng_int(r, 1, 3);
    c.c = c.g * rng_int(r, 1, 5);
    c.k = c.g * rng_int(r, 1, 5);
    int strided = 0;
    for (int i = 0; i < c.rank; i++) {
        c.in[i] = rng_int(r, 1, c.rank == 3 ? 6 : 14);
        c.ks[i] = rng_int(r, 1, 5);
        c.s[i] = rng_int(r, 1, 4);
        strided |= c.s[i] > 1;
    }
    if (!strided)
        c.s[rng_int(r, 0, c.rank - 1)] = rng_int(r, 2, 4);
    const int mode = rng_int(r, 0, 9); /* 0-4 pads, 5-6 output_shape, 7-9 auto_pad */
    for (int i = 0; i < c.rank; i++) {
        c.op[i] = rng_int(r, 0, c.s[i] - 1);
        const int natural = c.s[i] * (c.in[i] - 1) + c.op[i] + c.ks[i];
        if (mode <= 4) {
            c.pb[i] = rng_int(r, 0, c.ks[i]);
            c.pe[i] = rng_int(r, 0, c.ks[i]);
            while (natural - c.pb[i] - c.pe[i] < 1) /* keep the output non-empty */
                c.pb[i] > 0 ? c.pb[i]-- : c.pe[i]--;
        } else if (mode <= 6) {
            c.os[i] = natural + rng_int(r, -3, 3);
            if (c.os[i] < 1)
                c.os[i] = 1;
        }
    }
    if (mode >= 7)
        c.auto_pad = (clconv_auto_pad)(mode - 6); /* SAME_UPPER, SAME_LOWER, VALID */
    c.bias = rng_int(r, 0, 1);
    c.act = (clconv_activation)rng_int(r, 0, 3);
    c.alpha = c.act == CLCONV_ACTIVATION_CLIP ? -0.5f : 0.2f;
    c.beta = 0.5f;
    return to_desc(&c);
}

static int check_refusals(clconv_context *ctx)
{
    int failed = 0;
    struct {
        const char *name;
        int stride, dilation, transposed;
    } bad[] = {
        {.name = "not_transposed", .stride = 2, .dilation = 1, .transposed = 0},
        {.name = "stride1", .stride = 1, .dilation = 1, .transposed = 1},
        {.name = "dilation2", .stride = 2, .dilation = 2, .transposed = 1},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        clconv_conv_desc d;
        clconv_conv_desc_init(&d, 2);
        d.in_channels = d.out_channels = 4;
        d.in_size[0] = d.in_size[1] = 8;
        d.kernel_size[0] = d.kernel_size[1] = 3;
        d.strides[0] = d.strides[1] = bad[i].stride;
        d.dilations[1] = bad[i].dilation;
        d.transposed = bad[i].transposed;
        failed += algo_sweep_refused(ctx, ALGO, &d, bad[i].name, 1);
    }
    /* Valid, but 60000^2 phases would not fit in a tensor's channels. */
    clconv_conv_desc d;
    clconv_conv_desc_init(&d, 2);
    d.transposed = 1;
    d.in_channels = d.out_channels = 1;
    d.in_size[0] = d.in_size[1] = 1;
    d.kernel_size[0] = d.kernel_size[1] = 2;
    d.strides[0] = d.strides[1] = 60000;
    failed += algo_sweep_refused(ctx, ALGO, &d, "huge_stride", 0);
    return failed;
}

/* The inner convolution ran first, d2s_scatter last; the description
 * names the inner plan and states the zero taps. */
static int trace_and_describe_ok(const char *t, const char *desc, const void *zero_taps)
{
    const char *sc = strstr(t, "d2s_scatter");
    const int trace_ok = sc && sc != t && strchr(sc, '\n') && !strchr(sc, '\n')[1];
    if (!trace_ok)
        printf("FAIL trace: expected the inner convolution, then d2s_scatter:\n%s\n", t);
    const int desc_ok =
        strstr(desc, "deconv_d2s") && strstr(desc, "inner: ") && strstr(desc, zero_taps);
    if (!desc_ok)
        printf("FAIL describe: \"%s\" (expected \"%s\")\n", desc, (const char *)zero_taps);
    return trace_ok && desc_ok;
}

static int extra(clconv_context *ctx, const algo_sweep *s, const sweep_opts *o, sweep_tally *t)
{
    (void)s, (void)t;
    /* k3 s2 in 2D: 9 of 16 taps real, "zero taps 44%" */
    clconv_conv_desc d = to_desc(&named[7]);
    d.has_bias = 1;
    return check_refusals(ctx) + algo_sweep_poisoned_workspace(ctx, ALGO, &d, o->seed,
                                                               trace_and_describe_ok,
                                                               "zero taps 44%");
}

int main(int argc, char **argv)
{
    static const algo_sweep sweep = {
        .algo = ALGO,
        .replay = "test_algo_deconv_d2s",
        .default_seed = 20240613,
        .default_count = 60,
        .tables = {SWEEP_TABLE(named, 0)},
        .to_desc = to_desc,
        .random_desc = random_desc,
        .extra = extra,
    };
    return algo_sweep_main(&sweep, argc, argv);
}
