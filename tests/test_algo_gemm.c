/* The gemm algorithm (im2col / vol2col / col2im + CLBlast SGEMM) against
 * the float64 reference.
 *
 *   test_algo_gemm [--seed S] [--count N] [--case I] [--named 0|1]
 *
 *  - named cases: the 1x1 stride-1 single-GEMM path (batch 1 and > 1,
 *    grouped), channels 1, 3, 7, 70, groups (odd, depthwise, multiplier,
 *    ResNeXt-like g=32) with batch 1 and > 1 (the two column layouts),
 *    rank 1, 2, 3, strides, asymmetric pads, dilation, ConvTranspose
 *    (output_padding, output_shape, groups, dilation, rank 1 and 3), 1x1
 *    images, bias with every activation on every epilogue;
 *  - every case checks the launch trace: exactly one CLBlast call (groups
 *    and batch never loop), gemm_ kernels only, im2col only off the 1x1
 *    path, col2im for ConvTranspose;
 *  - a seeded random sweep (--count cases, default 40); `--seed S --case I`
 *    replays case I alone (the driver is tests/support/algo_sweep.c);
 *  - CLBlast's indirect GEMM (temporary buffer in the workspace), forced on
 *    small cases by lowering its XGEMM_MIN_INDIRECT_SIZE;
 *  - on an out-of-order queue, with a caller's wait list that holds back
 *    the input upload and an explicit NaN-filled workspace: CLBlast has no
 *    wait list of its own, so this is where a missing barrier shows.
 * The worst relative L2 error is printed at the end. */
#define _POSIX_C_SOURCE 200809L /* nanosleep */
#include "algo_sweep.h"
#include "internal.h"
#include "testutil.h"

#include <clblast_c.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct {
    const char *name;
    int rank, n, c, k, g;
    int in[3], ks[3], s[3], d[3], pb[3], pe[3]; /* 0 in ks, s, d means 1 */
    int transposed, op[3], os[3];
    clconv_auto_pad auto_pad;
    int bias;
    clconv_activation act;
    float alpha, beta;
} gcase;

static clconv_conv_desc to_desc(const gcase *c)
{
    clconv_conv_desc d;
    clconv_conv_desc_init(&d, c->rank);
    d.batch = c->n;
    d.in_channels = c->c;
    d.out_channels = c->k;
    d.groups = c->g ? c->g : 1;
    for (int i = 0; i < c->rank; i++) {
        d.in_size[i] = c->in[i];
        d.kernel_size[i] = c->ks[i] ? c->ks[i] : 1;
        d.strides[i] = c->s[i] ? c->s[i] : 1;
        d.dilations[i] = c->d[i] ? c->d[i] : 1;
        d.pads_begin[i] = c->pb[i];
        d.pads_end[i] = c->pe[i];
        d.output_padding[i] = c->op[i];
        d.output_shape[i] = c->os[i];
    }
    d.auto_pad = c->auto_pad;
    d.transposed = c->transposed;
    d.has_bias = c->bias;
    d.activation = c->act;
    d.activation_alpha = c->alpha;
    d.activation_beta = c->beta;
    return d;
}

static int count_lines(const char *text, const char *prefix)
{
    int n = 0;
    size_t len = strlen(prefix);
    for (const char *l = text; l && *l;) {
        if (!strncmp(l, prefix, len))
            n++;
        const char *nl = strchr(l, '\n');
        l = nl ? nl + 1 : NULL;
    }
    return n;
}

/* The trace of one run must show the path the descriptor implies. */
static int check_trace(const clconv_conv_desc *d, const char *label)
{
    const char *t = clconv_trace_text();
    int one_by_one = !d->transposed && (d->groups == 1 || d->batch == 1);
    int pads[CLCONV_MAX_RANK], pe[CLCONV_MAX_RANK];
    if (clconv_conv_resolved_pads(d, pads, pe) != CLCONV_SUCCESS)
        return 0;
    for (int i = 0; i < d->rank; i++)
        one_by_one &= d->kernel_size[i] == 1 && d->strides[i] == 1 && pads[i] == 0 && pe[i] == 0;
    const int gemms = count_lines(t, "clblast_sgemm");
    const int batched = count_lines(t, "clblast_sgemm_strided_batched");
    const int im2col = count_lines(t, "gemm_im2col"), col2im = count_lines(t, "gemm_col2im");
    int lines = count_lines(t, ""), ours = count_lines(t, "gemm_");
    const char *bad = NULL;
    if (gemms != 1)
        bad = "not exactly one CLBlast call";
    else if (batched != (d->groups * d->batch > 1))
        bad = "groups/batch not in one strided-batched call (or batched without need)";
    else if (ours + gemms != lines)
        bad = "a kernel that is not gemm_";
    else if (!d->transposed && im2col != !one_by_one)
        bad = one_by_one ? "im2col on the 1x1 path" : "no im2col";
    else if (d->transposed && col2im != 1)
        bad = "transposed without col2im";
    else if (!d->transposed && col2im)
        bad = "col2im in a convolution";
    if (bad) {
        printf("FAIL %s: trace: %s:\n%s", label, bad, t);
        return 0;
    }
    return 1;
}

/* ---- named cases ---------------------------------------------------------- */

#define A_RELU CLCONV_ACTIVATION_RELU
#define A_CLIP CLCONV_ACTIVATION_CLIP
#define A_LEAKY CLCONV_ACTIVATION_LEAKY_RELU

static const gcase fixed[] = {
    /* 1x1 stride 1 unpadded: B is the input, no im2col */
    {.name = "1x1_n1", .rank = 2, .n = 1, .c = 64, .k = 32, .g = 1, .in = {9, 11}, .ks = {1, 1, 1}},
    {.name = "1x1_n3_batched", .rank = 2, .n = 3, .c = 16, .k = 24, .g = 1, .in = {7, 5},
     .ks = {1, 1, 1}},
    {.name = "1x1_groups4_n1", .rank = 2, .n = 1, .c = 16, .k = 12, .g = 4, .in = {6, 7},
     .ks = {1, 1, 1}},
    {.name = "1x1_groups4_n2_wide", .rank = 2, .n = 2, .c = 16, .k = 12, .g = 4, .in = {6, 7},
     .ks = {1, 1, 1}},
    {.name = "1x1_rank1", .rank = 1, .n = 2, .c = 7, .k = 5, .g = 1, .in = {13}, .ks = {1, 1, 1}},
    {.name = "1x1_rank3", .rank = 3, .n = 1, .c = 7, .k = 3, .g = 1, .in = {3, 4, 5},
     .ks = {1, 1, 1}},
    {.name = "1x1_stride2_im2col", .rank = 2, .n = 2, .c = 8, .k = 6, .g = 1, .in = {9, 10},
     .s = {2, 2}},
    {.name = "1x1_padded_im2col", .rank = 2, .n = 1, .c = 3, .k = 5, .g = 1, .in = {4, 5},
     .pb = {1, 0}, .pe = {0, 2}},
    {.name = "1x1_c70_k70_n2", .rank = 2, .n = 2, .c = 70, .k = 70, .g = 1, .in = {13, 11},
     .ks = {1, 1}},
    /* strides, pads, dilation */
    {.name = "k3_s2_p1", .rank = 2, .n = 1, .c = 5, .k = 6, .g = 1, .in = {11, 12}, .ks = {3, 3},
     .s = {2, 2}, .pb = {1, 1}, .pe = {1, 1}},
    {.name = "k5x3_s3x1_asym", .rank = 2, .n = 2, .c = 4, .k = 5, .g = 1, .in = {13, 8},
     .ks = {5, 3}, .s = {3, 1}, .pb = {2, 0}, .pe = {0, 2}},
    {.name = "k3_dil2", .rank = 2, .n = 1, .c = 6, .k = 4, .g = 1, .in = {12, 10}, .ks = {3, 3},
     .d = {2, 2}, .pb = {2, 2}, .pe = {2, 2}},
    {.name = "k3_s2_dil3_asym", .rank = 2, .n = 2, .c = 3, .k = 4, .g = 1, .in = {15, 14},
     .ks = {3, 2}, .s = {2, 3}, .d = {3, 2}, .pb = {1, 0}, .pe = {3, 2}, .transposed = 0},
    {.name = "same_lower", .rank = 2, .n = 1, .c = 3, .k = 4, .g = 1, .in = {8, 7}, .ks = {4, 4},
     .s = {2, 2}, .auto_pad = CLCONV_AUTO_PAD_SAME_LOWER},
    {.name = "rank1_k5_s2_d2", .rank = 1, .n = 2, .c = 5, .k = 7, .g = 1, .in = {31}, .ks = {5},
     .s = {2}, .d = {2}, .pb = {3}, .pe = {1}, .transposed = 0},
    {.name = "rank3_k3_s122", .rank = 3, .n = 1, .c = 4, .k = 5, .g = 1, .in = {5, 9, 8},
     .ks = {3, 3, 3}, .s = {1, 2, 2}, .pb = {1, 1, 1}, .pe = {1, 1, 0}},
    {.name = "rank3_dil_n2", .rank = 3, .n = 2, .c = 3, .k = 2, .g = 1, .in = {6, 5, 7},
     .ks = {2, 3, 2}, .d = {2, 1, 3}, .pb = {0, 1, 1}},
    /* groups: batch 1 (one layout) and batch > 1 (the wide layout) */
    {.name = "groups2", .rank = 2, .n = 1, .c = 6, .k = 4, .g = 2, .in = {9, 9}, .ks = {3, 3},
     .pb = {1, 1}, .pe = {1, 1}, .bias = 1},
    {.name = "groups5_odd_n2", .rank = 2, .n = 2, .c = 10, .k = 15, .g = 5, .in = {7, 8},
     .ks = {3, 3}, .pb = {1, 0}, .pe = {1, 2}},
    {.name = "depthwise7", .rank = 2, .n = 1, .c = 7, .k = 7, .g = 7, .in = {9, 10}, .ks = {3, 3},
     .pb = {1, 1}, .pe = {1, 1}},
    {.name = "depthwise7_n3_s2", .rank = 2, .n = 3, .c = 7, .k = 7, .g = 7, .in = {9, 10},
     .ks = {3, 3}, .s = {2, 2}, .pb = {1, 1}, .pe = {1, 1}},
    {.name = "depthwise_mult2", .rank = 2, .n = 1, .c = 5, .k = 10, .g = 5, .in = {9, 10},
     .ks = {3, 3}, .pb = {1, 1}, .pe = {1, 1}, .bias = 1},
    {.name = "groups32_resnext_n2", .rank = 2, .n = 2, .c = 128, .k = 128, .g = 32, .in = {8, 8},
     .ks = {3, 3}, .pb = {1, 1}, .pe = {1, 1}, .bias = 1, .act = A_RELU},
    {.name = "groups3_rank1_n2", .rank = 1, .n = 2, .c = 6, .k = 9, .g = 3, .in = {17}, .ks = {4},
     .s = {2}, .pb = {1}, .pe = {2}},
    {.name = "groups2_rank3_n2", .rank = 3, .n = 2, .c = 4, .k = 6, .g = 2, .in = {4, 5, 6},
     .ks = {2, 2, 3}, .pb = {0, 1, 1}, .pe = {1, 0, 1}},
    /* 1x1 images */
    {.name = "image_1x1_k3_p1", .rank = 2, .n = 2, .c = 3, .k = 4, .g = 1, .in = {1, 1},
     .ks = {3, 3}, .pb = {1, 1}, .pe = {1, 1}},
    {.name = "image_1x1_1x1", .rank = 2, .n = 1, .c = 5, .k = 3, .g = 1, .in = {1, 1},
     .ks = {1, 1, 1}},
    /* bias and activations on every epilogue: in place, wide re-lay */
    {.name = "bias_only", .rank = 2, .n = 1, .c = 7, .k = 9, .g = 1, .in = {10, 10}, .ks = {3, 3},
     .pb = {1, 1}, .pe = {1, 1}, .bias = 1},
    {.name = "relu_nobias", .rank = 2, .n = 1, .c = 7, .k = 9, .g = 1, .in = {10, 10}, .ks = {3, 3},
     .act = A_RELU},
    {.name = "bias_relu6", .rank = 2, .n = 1, .c = 7, .k = 9, .g = 1, .in = {10, 10}, .ks = {3, 3},
     .bias = 1, .act = A_CLIP, .beta = 6},
    {.name = "bias_clip_narrow", .rank = 2, .n = 1, .c = 7, .k = 9, .g = 1, .in = {10, 10},
     .ks = {1, 1}, .bias = 1, .act = A_CLIP, .alpha = -0.5f, .beta = 0.4f},
    {.name = "bias_leaky_wide", .rank = 2, .n = 2, .c = 6, .k = 9, .g = 3, .in = {10, 10},
     .ks = {3, 3}, .bias = 1, .act = A_LEAKY, .alpha = 0.1f},
    {.name = "leaky_1x1_batched", .rank = 2, .n = 2, .c = 6, .k = 9, .g = 1, .in = {5, 6},
     .act = A_LEAKY, .alpha = 0.2f},
    /* ConvTranspose: GEMM then col2im gather */
    {.name = "T_dcgan_k4_s2_p1", .rank = 2, .n = 1, .c = 8, .k = 4, .g = 1, .in = {5, 6},
     .ks = {4, 4}, .s = {2, 2}, .pb = {1, 1}, .pe = {1, 1}, .transposed = 1, .bias = 1,
     .act = A_RELU},
    {.name = "T_k3_s2_op1", .rank = 2, .n = 2, .c = 5, .k = 3, .g = 1, .in = {4, 5}, .ks = {3, 3},
     .s = {2, 2}, .pb = {1, 1}, .pe = {1, 1}, .transposed = 1, .op = {1, 1}},
    {.name = "T_output_shape_grow", .rank = 2, .n = 1, .c = 3, .k = 4, .g = 1, .in = {5, 4},
     .ks = {3, 3}, .s = {2, 2}, .transposed = 1, .os = {13, 11}},
    {.name = "T_output_shape_crop", .rank = 2, .n = 1, .c = 3, .k = 4, .g = 1, .in = {5, 4},
     .ks = {3, 3}, .s = {2, 1}, .transposed = 1, .os = {9, 4}},
    {.name = "T_groups3_n1", .rank = 2, .n = 1, .c = 6, .k = 9, .g = 3, .in = {5, 6}, .ks = {3, 3},
     .s = {2, 2}, .pb = {1, 0}, .pe = {0, 1}, .transposed = 1, .bias = 1},
    {.name = "T_groups3_n2_wide", .rank = 2, .n = 2, .c = 6, .k = 9, .g = 3, .in = {5, 6},
     .ks = {3, 3}, .s = {2, 2}, .pb = {1, 0}, .pe = {0, 1}, .transposed = 1, .bias = 1,
     .act = A_LEAKY, .alpha = 0.1f},
    {.name = "T_depthwise_n2", .rank = 2, .n = 2, .c = 4, .k = 4, .g = 4, .in = {5, 5},
     .ks = {3, 3}, .s = {2, 2}, .transposed = 1},
    {.name = "T_dil2_s1", .rank = 2, .n = 1, .c = 3, .k = 5, .g = 1, .in = {6, 7}, .ks = {3, 3},
     .d = {2, 2}, .pb = {1, 2}, .pe = {2, 1}, .transposed = 1},
    {.name = "T_s3_d2_op2", .rank = 2, .n = 1, .c = 2, .k = 3, .g = 1, .in = {4, 3}, .ks = {3, 2},
     .s = {3, 3}, .d = {2, 2}, .op = {2, 1}, .transposed = 1},
    {.name = "T_rank1_s4", .rank = 1, .n = 2, .c = 3, .k = 5, .g = 1, .in = {9}, .ks = {5},
     .s = {4}, .pb = {2}, .pe = {1}, .transposed = 1},
    {.name = "T_rank3_s2", .rank = 3, .n = 1, .c = 3, .k = 4, .g = 1, .in = {3, 4, 3},
     .ks = {3, 3, 2}, .s = {2, 2, 2}, .pb = {1, 1, 0}, .pe = {1, 0, 0}, .transposed = 1, .bias = 1,
     .act = A_CLIP, .alpha = -0.2f, .beta = 0.3f},
    {.name = "T_1x1_s1", .rank = 2, .n = 2, .c = 5, .k = 3, .g = 1, .in = {4, 6}, .transposed = 1},
    {.name = "T_image_1x1", .rank = 2, .n = 1, .c = 3, .k = 2, .g = 1, .in = {1, 1}, .ks = {3, 3},
     .transposed = 1},
    {.name = "T_valid_s2", .rank = 2, .n = 1, .c = 4, .k = 3, .g = 1, .in = {5, 5}, .ks = {2, 2},
     .s = {2, 2}, .transposed = 1, .auto_pad = CLCONV_AUTO_PAD_VALID},
};

/* Channels 1, 3, 7, 70 on either side of a 3x3 with pads 1 (data seeds
 * seed + 0..15), then the fixed cases (seed + 100 + i). */
static const char *named_case(const algo_sweep *s, size_t i, uint64_t seed, clconv_conv_desc *d,
                              uint64_t *data_seed)
{
    (void)s;
    static const int ch[4] = {1, 3, 7, 70};
    static char name[48];
    if (i < 16) {
        snprintf(name, sizeof name, "ch_C%d_K%d", ch[i / 4], ch[i % 4]);
        gcase c = {.name = name, .rank = 2, .n = 1, .c = ch[i / 4], .k = ch[i % 4], .g = 1,
                   .in = {9, 11}, .ks = {3, 3}, .pb = {1, 1}, .pe = {1, 1}};
        *d = to_desc(&c);
        return name;
    }
    i -= 16;
    if (i >= sizeof fixed / sizeof fixed[0])
        return NULL;
    *d = to_desc(&fixed[i]);
    *data_seed = seed + 100 + i;
    return fixed[i].name;
}

/* ---- random sweep ------------------------------------------------------------ */

static uint64_t case_seed(uint64_t seed, long i)
{
    uint64_t z = seed ^ (0x9E3779B97F4A7C15ull * (uint64_t)(i + 1));
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* A valid descriptor of at most ~2 MFLOP, drawn from (seed, i) alone. */
static void draw_case(uint64_t cseed, clconv_conv_desc *d)
{
    test_rng r;
    rng_seed(&r, cseed);
    for (;;) {
        int rank = rng_int(&r, 0, 9) < 6 ? 2 : rng_int(&r, 1, 2) == 1 ? 1 : 3;
        clconv_conv_desc_init(d, rank);
        d->transposed = rng_int(&r, 0, 3) == 0;
        d->batch = rng_int(&r, 0, 3) == 0 ? rng_int(&r, 2, 3) : 1;
        int G = rng_int(&r, 0, 3) == 0 ? rng_int(&r, 2, 5) : 1;
        d->groups = G;
        d->in_channels = G * rng_int(&r, 1, 8);
        d->out_channels = rng_int(&r, 0, 4) == 0 ? d->in_channels : G * rng_int(&r, 1, 8);
        int one = rng_int(&r, 0, 4) == 0; /* steer toward the 1x1 path */
        for (int i = 0; i < rank; i++) {
            d->in_size[i] = rng_int(&r, 1, rank == 1 ? 30 : rank == 2 ? 12 : 6);
            d->kernel_size[i] = one ? 1 : rng_int(&r, 1, rank == 3 ? 3 : 5);
            d->strides[i] = one || rng_int(&r, 0, 1) ? 1 : rng_int(&r, 2, 3);
            d->dilations[i] = one || rng_int(&r, 0, 3) ? 1 : rng_int(&r, 2, 3);
            int ek = (d->kernel_size[i] - 1) * d->dilations[i];
            d->pads_begin[i] = one ? 0 : rng_int(&r, 0, ek);
            d->pads_end[i] = one ? 0 : rng_int(&r, 0, ek);
            if (d->transposed) {
                int lim = d->strides[i] > d->dilations[i] ? d->strides[i] : d->dilations[i];
                d->output_padding[i] = rng_int(&r, 0, lim - 1);
            }
        }
        d->has_bias = rng_int(&r, 0, 1);
        d->activation = (clconv_activation)rng_int(&r, 0, 3);
        d->activation_alpha = d->activation == CLCONV_ACTIVATION_CLIP ? -0.3f : 0.05f;
        d->activation_beta = 0.4f;
        int out[CLCONV_MAX_RANK];
        if (clconv_conv_output_shape(d, out) != CLCONV_SUCCESS)
            continue;
        if (clconv_conv_flops(d) <= 2e6 && clconv_conv_output_elems(d) <= 40000)
            return;
    }
}

static clconv_conv_desc random_case(const algo_sweep *s, uint64_t seed, long i,
                                    uint64_t *data_seed)
{
    (void)s;
    clconv_conv_desc d;
    *data_seed = case_seed(seed, i);
    draw_case(*data_seed, &d);
    return d;
}

/* ---- CLBlast's indirect GEMM ---------------------------------------------- */

/* On PoCL CLBlast runs its "direct" kernel below ~10^9 multiply-adds, so
 * the indirect one (padded copies in a temporary buffer that the plan
 * places at offset 0 of its workspace, before the column matrix) would
 * need layers too big for a quick test.  Lowering CLBlast's
 * XGEMM_MIN_INDIRECT_SIZE for this process forces it on small ones.
 * Single GEMMs only (the temporary buffer is theirs; the strided-batched
 * call allocates its own) and so one more CLBlast compile, not two.
 * Runs last: the override stays for the rest of the process. */
static void run_indirect(clconv_context *ctx, const algo_sweep *sw, const sweep_opts *o,
                         sweep_tally *t)
{
    const char *names[1] = {"XGEMM_MIN_INDIRECT_SIZE"};
    const size_t values[1] = {8};
    CLBlastStatusCode s = CLBlastOverrideParameters(clconv_context_device(ctx), "GemmRoutine",
                                                    CLBlastPrecisionSingle, 1, names, values);
    if (s != CLBlastSuccess) {
        printf("note: CLBlastOverrideParameters failed (%d): indirect GEMM cases skipped\n", (int)s);
        return;
    }
    static const gcase cases[] = {
        {.name = "ind_1x1_n1", .rank = 2, .n = 1, .c = 70, .k = 33, .g = 1, .in = {9, 11},
         .ks = {1, 1}, .bias = 1},
        {.name = "ind_im2col_n1", .rank = 2, .n = 1, .c = 7, .k = 13, .g = 1, .in = {9, 11},
         .ks = {3, 3}, .pb = {1, 1}, .pe = {1, 1}},
        {.name = "ind_T_n1", .rank = 2, .n = 1, .c = 5, .k = 7, .g = 1, .in = {6, 5}, .ks = {4, 4},
         .s = {2, 2}, .pb = {1, 1}, .pe = {1, 1}, .transposed = 1, .bias = 1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        clconv_conv_desc d = to_desc(&cases[i]);
        algo_sweep_check(ctx, sw, o, &d, o->seed + 300 + i, cases[i].name, t);
    }
    /* Whether the temporary buffer really was used: a note, not a check,
     * since it depends on CLBlast's tile sizes for the device. */
    clconv_conv_desc d = to_desc(&cases[1]);
    clconv_plan *plan = NULL;
    size_t ws = 0;
    if (clconv_plan_create(ctx, &d, CLCONV_ALGO_GEMM, &plan) == CLCONV_SUCCESS &&
        clconv_plan_workspace_size(plan, &ws) == CLCONV_SUCCESS)
        printf("note: %s: workspace %zu bytes, column matrix %zu\n", cases[1].name, ws,
               (size_t)63 * 99 * sizeof(float));
    clconv_plan_destroy(plan);
}

/* ---- out-of-order queue, caller's wait list, explicit workspace ------------ */

/* The input upload waits on a user event released only after the
 * convolution was enqueued (and a pause), so a step that ignores the
 * caller's wait list reads the NaN the input buffer was filled with. */
static int run_out_of_order(uint64_t seed, sweep_tally *t)
{
    cl_context cc = clconv_context_cl_context(test_context());
    cl_device_id dev = clconv_context_device(test_context());
    cl_int err;
    cl_command_queue q = clCreateCommandQueue(cc, dev, CL_QUEUE_OUT_OF_ORDER_EXEC_MODE_ENABLE, &err);
    if (!q) {
        printf("note: no out-of-order queue on this device (%d); that part is skipped\n", err);
        return 1;
    }
    clconv_context *ctx = NULL;
    if (clconv_context_create_from_queue(q, NULL, &ctx) != CLCONV_SUCCESS) {
        printf("FAIL ooo: clconv_context_create_from_queue: %s\n", clconv_last_error());
        clReleaseCommandQueue(q);
        t->failed++;
        return 0;
    }
    static const gcase cases[] = {
        {.name = "ooo_1x1_gemm_first", .rank = 2, .n = 1, .c = 8, .k = 6, .g = 1, .in = {5, 7},
         .bias = 1, .act = A_RELU},
        {.name = "ooo_im2col_wide", .rank = 2, .n = 2, .c = 6, .k = 4, .g = 2, .in = {6, 5},
         .ks = {3, 3}, .pb = {1, 1}, .pe = {1, 1}, .bias = 1},
        {.name = "ooo_transposed", .rank = 2, .n = 2, .c = 4, .k = 3, .g = 1, .in = {4, 5},
         .ks = {3, 3}, .s = {2, 2}, .transposed = 1},
    };
    int ok = 1;
    for (size_t ci = 0; ci < sizeof cases / sizeof cases[0]; ci++) {
        const gcase *gc = &cases[ci];
        clconv_conv_desc d = to_desc(gc);
        size_t nx = clconv_conv_input_elems(&d), nw = clconv_conv_weight_elems(&d);
        size_t ny = clconv_conv_output_elems(&d), nb = d.has_bias ? (size_t)d.out_channels : 0;
        float *x = malloc(nx * 4), *w = malloc(nw * 4), *b = malloc((nb + 1) * 4);
        float *y = malloc(ny * 4), *nanfill = malloc((nx > ny ? nx : ny) * 4);
        double *ref = malloc(ny * sizeof *ref);
        clconv_plan *plan = NULL;
        cl_mem bx = NULL, by = NULL, ws = NULL;
        cl_event user = NULL, up = NULL, done = NULL;
        size_t wsb = 0;
        int pass = 0;
        test_rng r;
        rng_seed(&r, seed + ci);
        rng_fill(&r, x, nx, -1, 1);
        rng_fill(&r, w, nw, -1, 1);
        rng_fill(&r, b, nb, -1, 1);
        poison_nan(nanfill, nx > ny ? nx : ny);
        if (clconv_plan_create(ctx, &d, CLCONV_ALGO_GEMM, &plan) ||
            clconv_plan_set_weights_host(plan, w, nb ? b : NULL) ||
            clconv_plan_workspace_size(plan, &wsb)) {
            printf("FAIL %s: plan: %s\n", gc->name, clconv_last_error());
            goto next;
        }
        bx = clCreateBuffer(cc, CL_MEM_READ_WRITE | CL_MEM_COPY_HOST_PTR, nx * 4, nanfill, &err);
        by = clCreateBuffer(cc, CL_MEM_READ_WRITE | CL_MEM_COPY_HOST_PTR, ny * 4, nanfill, &err);
        if (wsb) {
            /* NaN bytes everywhere: a region read before it is written shows */
            unsigned char *junk = malloc(wsb);
            if (junk)
                memset(junk, 0xFF, wsb);
            ws = junk ? clCreateBuffer(cc, CL_MEM_READ_WRITE | CL_MEM_COPY_HOST_PTR, wsb, junk, &err)
                      : NULL;
            free(junk);
        }
        user = clCreateUserEvent(cc, &err);
        if (!bx || !by || (wsb && !ws) || !user ||
            clEnqueueWriteBuffer(q, bx, CL_FALSE, 0, nx * 4, x, 1, &user, &up) != CL_SUCCESS) {
            printf("FAIL %s: OpenCL setup failed\n", gc->name);
            goto next;
        }
        if (clconv_plan_enqueue(plan, bx, by, ws, 1, &up, &done) != CLCONV_SUCCESS) {
            printf("FAIL %s: enqueue: %s\n", gc->name, clconv_last_error());
            clSetUserEventStatus(user, CL_COMPLETE);
            clFinish(q);
            goto next;
        }
        struct timespec pause = {0, 50 * 1000 * 1000};
        nanosleep(&pause, NULL);
        clSetUserEventStatus(user, CL_COMPLETE);
        if (clEnqueueReadBuffer(q, by, CL_TRUE, 0, ny * 4, y, 1, &done, NULL) != CL_SUCCESS ||
            clconv_reference_conv(&d, x, w, nb ? b : NULL, ref) != CLCONV_SUCCESS) {
            printf("FAIL %s: read back / reference failed\n", gc->name);
            goto next;
        }
        double e = rel_l2(y, ref, ny), tol = algo_tolerance(CLCONV_ALGO_GEMM);
        pass = e <= tol;
        if (!pass)
            printf("FAIL %s (out-of-order queue, wait list, workspace %zu bytes) seed=%llu "
                   "err=%.3g tol=%.1g\n", gc->name, wsb, (unsigned long long)(seed + ci), e, tol);
        if (e > t->worst) {
            t->worst = e;
            snprintf(t->worst_case, sizeof t->worst_case, "%s", gc->name);
        }
    next:
        clFinish(q);
        t->run++;
        if (!pass) {
            t->failed++;
            ok = 0;
        }
        if (done) clReleaseEvent(done);
        if (up) clReleaseEvent(up);
        if (user) clReleaseEvent(user);
        if (bx) clReleaseMemObject(bx);
        if (by) clReleaseMemObject(by);
        if (ws) clReleaseMemObject(ws);
        clconv_plan_destroy(plan);
        free(x); free(w); free(b); free(y); free(nanfill); free(ref);
    }
    clconv_context_destroy(ctx);
    clReleaseCommandQueue(q);
    return ok;
}

/* After the sweep, unless --named 0: the out-of-order queue, then the
 * indirect GEMM (last: its CLBlast override stays for the process). */
static int extra(clconv_context *ctx, const algo_sweep *s, const sweep_opts *o, sweep_tally *t)
{
    if (o->named) {
        run_out_of_order(o->seed, t);
        run_indirect(ctx, s, o, t);
    }
    return 0; /* both count their cases in t */
}

int main(int argc, char **argv)
{
    static const algo_sweep sweep = {
        .algo = CLCONV_ALGO_GEMM,
        .replay = "test_algo_gemm",
        .default_seed = 20240611,
        .default_count = 40,
        .named = named_case,
        .random_case = random_case,
        .trace_ok = check_trace,
        .extra = extra,
    };
    return algo_sweep_main(&sweep, argc, argv);
}
