/* igemm (implicit GEMM, tiled work-groups) against the float64 reference.
 *
 *   test_algo_igemm [--seed S] [--count N] [--case I] [--named 0|1]
 *
 *  - named cases around the tile sizes (M = output channels per group, N =
 *    output pixels of the batch, K = channels per group x taps, none of
 *    them multiples of the tiles of any parameter set below): channels 1,
 *    3, 7, 70, 1x1 images, groups, strides, dilations, asymmetric pads,
 *    batch, rank 1 and 3, bias with every activation, and ConvTranspose in
 *    gather form (strides, output_padding, groups, dilation, rank 1 and 3);
 *  - a seeded random sweep (--count cases, default 60) over everything;
 *    `--seed S --case I` replays case I alone (tests/support/algo_sweep.c);
 *    every output is NaN-poisoned before the run (check_conv);
 *  - forced parameter sets through clconv_plan_create_with_params on a
 *    subset of the named cases: GPU-shaped (64x64x16, 16x16 work-items,
 *    A and B in local memory), A only, B only, B with a work-group size
 *    that is not a multiple of NWG (the generic load path), CPU-shaped
 *    (one work-item, 16x16 register tile, float16 along N) and a tiny
 *    8x8x4 tile with 4x4 work-items;
 *  - parameter combinations it must refuse give CLCONV_UNSUPPORTED with a
 *    reason naming igemm; an illegal value CLCONV_INVALID_ARGUMENT;
 *  - the launch trace shows igemm_conv and nothing else;
 *  - AUTO picks igemm for a dense strided 3x3 layer on the GPU parameter
 *    set (CLCONV_PARAMS=class=gpu, the gpu_params entry), direct on CPUs. */
#include "algo_sweep.h"
#include "internal.h"
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ALGO CLCONV_ALGO_IGEMM

/* Spatial arrays hold `rank` entries; zero strides/dilations mean 1. */
typedef struct {
    const char *name;
    int rank, n, c, k, g;
    int in[3], ks[3], s[3], d[3], pb[3], pe[3], op[3];
    int bias;
    clconv_activation act;
    float alpha, beta;
} icase;

static clconv_conv_desc to_desc(const void *v)
{
    const icase *c = v;
    clconv_conv_desc d;
    clconv_conv_desc_init(&d, c->rank);
    d.batch = c->n;
    d.in_channels = c->c;
    d.out_channels = c->k;
    d.groups = c->g ? c->g : 1;
    for (int i = 0; i < c->rank; i++) {
        d.in_size[i] = c->in[i];
        d.kernel_size[i] = c->ks[i];
        d.strides[i] = c->s[i] ? c->s[i] : 1;
        d.dilations[i] = c->d[i] ? c->d[i] : 1;
        d.pads_begin[i] = c->pb[i];
        d.pads_end[i] = c->pe[i];
        d.output_padding[i] = c->op[i];
    }
    d.has_bias = c->bias;
    d.activation = c->act;
    d.activation_alpha = c->alpha;
    d.activation_beta = c->beta;
    return d;
}

#define R2(a, b) {a, b}
#define RELU CLCONV_ACTIVATION_RELU
#define CLIP CLCONV_ACTIVATION_CLIP
#define LEAKY CLCONV_ACTIVATION_LEAKY_RELU
static const icase named[] = {
    /* channels 1, 3, 7, 70; M, N, K off every tile size */
    {.name = "c1_k1_1x1", .rank = 2, .n = 1, .c = 1, .k = 1, .g = 1, .in = R2(9, 11),
     .ks = R2(1, 1)},
    {.name = "c3_k7", .rank = 2, .n = 1, .c = 3, .k = 7, .g = 1, .in = R2(9, 11), .ks = R2(3, 3),
     .pb = R2(1, 1), .pe = R2(1, 1)},
    {.name = "c7_k70", .rank = 2, .n = 1, .c = 7, .k = 70, .g = 1, .in = R2(13, 17), .ks = R2(3, 3),
     .pb = R2(1, 1), .pe = R2(1, 1), .bias = 1},
    {.name = "c70_k3_1x1", .rank = 2, .n = 1, .c = 70, .k = 3, .g = 1, .in = R2(7, 9),
     .ks = R2(1, 1)},
    {.name = "c20_k65_n66", .rank = 2, .n = 1, .c = 20, .k = 65, .g = 1, .in = R2(6, 11),
     .ks = R2(3, 3), .pb = R2(1, 1), .pe = R2(1, 1)},
    {.name = "c3_k64_n64", .rank = 2, .n = 1, .c = 3, .k = 64, .g = 1, .in = R2(8, 8),
     .ks = R2(3, 3), .pb = R2(1, 1), .pe = R2(1, 1)},
    /* 1x1 images: nearly every tap in the padding */
    {.name = "img1x1_k3", .rank = 2, .n = 1, .c = 7, .k = 5, .g = 1, .in = R2(1, 1), .ks = R2(3, 3),
     .pb = R2(1, 1), .pe = R2(1, 1), .bias = 1},
    {.name = "img1x1_k1", .rank = 2, .n = 2, .c = 3, .k = 70, .g = 1, .in = R2(1, 1),
     .ks = R2(1, 1)},
    /* groups */
    {.name = "g3_s2", .rank = 2, .n = 1, .c = 6, .k = 9, .g = 3, .in = R2(11, 13), .ks = R2(3, 3),
     .s = R2(2, 2), .pb = R2(1, 1), .pe = R2(1, 1), .bias = 1},
    {.name = "g5", .rank = 2, .n = 2, .c = 10, .k = 15, .g = 5, .in = R2(7, 9), .ks = R2(3, 3),
     .pb = R2(1, 0), .pe = R2(0, 1)},
    {.name = "g2_k70", .rank = 2, .n = 1, .c = 4, .k = 140, .g = 2, .in = R2(5, 6), .ks = R2(1, 1)},
    /* strides, dilations, asymmetric and oversized pads, kernels */
    {.name = "s3x2", .rank = 2, .n = 1, .c = 3, .k = 7, .g = 1, .in = R2(19, 17), .ks = R2(3, 3),
     .s = R2(3, 2), .pb = R2(1, 1), .pe = R2(1, 1)},
    {.name = "d2x3", .rank = 2, .n = 1, .c = 3, .k = 7, .g = 1, .in = R2(15, 17), .ks = R2(3, 3),
     .d = R2(2, 3), .pb = R2(2, 3), .pe = R2(2, 3)},
    {.name = "pads_asym", .rank = 2, .n = 1, .c = 7, .k = 5, .g = 1, .in = R2(9, 12),
     .ks = R2(3, 3), .pb = R2(0, 2), .pe = R2(2, 1)},
    {.name = "pads_big", .rank = 2, .n = 1, .c = 3, .k = 4, .g = 1, .in = R2(5, 6), .ks = R2(3, 3),
     .pb = R2(2, 2), .pe = R2(2, 2)},
    {.name = "k7_s2_stem", .rank = 2, .n = 1, .c = 3, .k = 16, .g = 1, .in = R2(23, 21),
     .ks = R2(7, 7), .s = R2(2, 2), .pb = R2(3, 3), .pe = R2(3, 3), .bias = 1, .act = RELU},
    {.name = "k5x1", .rank = 2, .n = 1, .c = 5, .k = 6, .g = 1, .in = R2(9, 7), .ks = R2(5, 1),
     .pb = R2(2, 0), .pe = R2(2, 0)},
    /* batch, bias, activations */
    {.name = "batch3_relu", .rank = 2, .n = 3, .c = 7, .k = 9, .g = 1, .in = R2(5, 7),
     .ks = R2(3, 3), .pb = R2(1, 1), .pe = R2(1, 1), .bias = 1, .act = RELU},
    {.name = "clip", .rank = 2, .n = 1, .c = 7, .k = 9, .g = 1, .in = R2(9, 10), .ks = R2(3, 3),
     .pb = R2(1, 1), .pe = R2(1, 1), .bias = 1, .act = CLIP, .alpha = -0.5f, .beta = 0.5f},
    {.name = "leaky", .rank = 2, .n = 2, .c = 5, .k = 6, .g = 1, .in = R2(9, 10), .ks = R2(3, 3),
     .s = R2(2, 2), .pb = R2(1, 1), .pe = R2(1, 1), .bias = 1, .act = LEAKY, .alpha = 0.1f},
    /* rank 1 and 3 */
    {.name = "rank1", .rank = 1, .n = 2, .c = 3, .k = 5, .g = 1, .in = {37}, .ks = {5}, .s = {2},
     .d = {2}, .pb = {3}, .pe = {1}, .bias = 1},
    {.name = "rank3", .rank = 3, .n = 1, .c = 3, .k = 4, .g = 1, .in = {5, 6, 7}, .ks = {3, 3, 3},
     .s = {1, 2, 1}, .pb = {1, 0, 1}, .pe = {0, 1, 1}, .bias = 1},
    {.name = "rank3_g2_d2", .rank = 3, .n = 2, .c = 4, .k = 6, .g = 2, .in = {4, 6, 6},
     .ks = {2, 3, 2}, .d = {2, 1, 2}, .pb = {1, 1, 0}, .pe = {0, 1, 1}},
};

/* ConvTranspose in gather form (the table's cases become transposed):
 * weights w[C][K/G][k...]. */
static const icase named_transposed[] = {
    {.name = "T_s1_k3", .rank = 2, .n = 1, .c = 7, .k = 5, .g = 1, .in = R2(9, 11), .ks = R2(3, 3),
     .pb = R2(1, 1), .pe = R2(1, 1)},
    {.name = "T_s2_k3_op1", .rank = 2, .n = 1, .c = 6, .k = 4, .g = 1, .in = R2(5, 7),
     .ks = R2(3, 3), .s = R2(2, 2), .pb = R2(1, 1), .pe = R2(1, 1), .op = R2(1, 1), .bias = 1},
    {.name = "T_s2_k4_c70", .rank = 2, .n = 1, .c = 70, .k = 3, .g = 1, .in = R2(4, 5),
     .ks = R2(4, 4), .s = R2(2, 2), .pb = R2(1, 1), .pe = R2(1, 1), .bias = 1, .act = RELU},
    {.name = "T_s3_k4_g3", .rank = 2, .n = 2, .c = 6, .k = 9, .g = 3, .in = R2(4, 5),
     .ks = R2(4, 4), .s = R2(3, 3), .pb = R2(0, 2), .pe = R2(1, 0), .op = R2(2, 0)},
    {.name = "T_d2_s2", .rank = 2, .n = 1, .c = 3, .k = 5, .g = 1, .in = R2(5, 6), .ks = R2(3, 3),
     .s = R2(2, 1), .d = R2(2, 2), .pb = R2(1, 0), .pe = R2(0, 1), .op = R2(1, 0)},
    {.name = "T_rank1", .rank = 1, .n = 2, .c = 3, .k = 5, .g = 1, .in = {11}, .ks = {5}, .s = {3},
     .pb = {1}, .pe = {2}, .bias = 1, .act = LEAKY, .alpha = 0.2f},
    {.name = "T_rank3_s2", .rank = 3, .n = 1, .c = 4, .k = 3, .g = 1, .in = {3, 4, 5},
     .ks = {2, 2, 2}, .s = {2, 2, 2}, .bias = 1},
    {.name = "T_img1x1", .rank = 2, .n = 1, .c = 7, .k = 66, .g = 1, .in = R2(1, 1), .ks = R2(3, 3),
     .s = R2(2, 2)},
};

/* A random descriptor: any rank, batch, groups, channels, kernel, stride,
 * dilation, pads, bias, activation; a third ConvTranspose. */
static clconv_conv_desc random_desc(test_rng *r)
{
    icase c;
    memset(&c, 0, sizeof c);
    c.rank = rng_int(r, 1, 3);
    c.n = rng_int(r, 1, 3);
    static const int gs[] = {1, 1, 1, 2, 3};
    c.g = gs[rng_int(r, 0, 4)];
    const int cg = rng_int(r, 0, 4) ? rng_int(r, 1, 9) : rng_int(r, 10, 40);
    const int kg = rng_int(r, 0, 4) ? rng_int(r, 1, 20) : rng_int(r, 21, 70);
    c.c = c.g * cg;
    c.k = c.g * kg;
    const int transposed = rng_int(r, 0, 2) == 0;
    for (int i = 0; i < c.rank; i++) {
        const int big = c.rank == 3 ? 7 : i == c.rank - 1 ? 30 : 15;
        c.in[i] = rng_int(r, 1, big);
        c.ks[i] = rng_int(r, 1, c.rank == 3 ? 3 : 5);
        c.s[i] = rng_int(r, 1, 3);
        c.d[i] = rng_int(r, 1, 3);
        const int ek = (c.ks[i] - 1) * c.d[i] + 1;
        if (transposed) {
            /* pads sum below the dilated kernel: the output is >= 1 */
            c.pb[i] = rng_int(r, 0, (ek - 1) / 2);
            c.pe[i] = rng_int(r, 0, (ek - 1) / 2);
            const int lim = c.s[i] > c.d[i] ? c.s[i] : c.d[i];
            c.op[i] = rng_int(r, 0, 2) ? 0 : rng_int(r, 0, lim - 1);
        } else {
            c.pb[i] = rng_int(r, 0, 3);
            c.pe[i] = rng_int(r, 0, 3);
            if (c.in[i] + c.pb[i] + c.pe[i] < ek) /* grow the end pad until the kernel fits */
                c.pe[i] = ek - c.in[i] - c.pb[i];
        }
    }
    c.bias = rng_int(r, 0, 1);
    c.act = (clconv_activation)rng_int(r, 0, 3);
    c.alpha = c.act == CLCONV_ACTIVATION_CLIP ? -0.5f : 0.2f;
    c.beta = 0.5f;
    clconv_conv_desc d = to_desc(&c);
    d.transposed = transposed;
    return d;
}

/* Forced parameter sets (plan-level params): each runs the cases below. */
static const struct {
    const char *name, *params;
} param_sets[] = {
    {"gpu_sa1_sb1", "igemm_mwg=64,igemm_nwg=64,igemm_kwg=16,igemm_mdimc=16,igemm_ndimc=16,"
                    "igemm_vwn=1,igemm_sa=1,igemm_sb=1"},
    {"sa1_sb0", "igemm_mwg=32,igemm_nwg=64,igemm_kwg=8,igemm_mdimc=8,igemm_ndimc=16,igemm_vwn=2,"
                "igemm_sa=1,igemm_sb=0"},
    {"sa0_sb1", "igemm_mwg=64,igemm_nwg=32,igemm_kwg=16,igemm_mdimc=16,igemm_ndimc=4,igemm_vwn=4,"
                "igemm_sa=0,igemm_sb=1"},
    {"sb1_generic_load", "igemm_mwg=8,igemm_nwg=16,igemm_kwg=4,igemm_mdimc=2,igemm_ndimc=2,"
                         "igemm_vwn=4,igemm_sa=1,igemm_sb=1"},
    {"cpu", "igemm_mwg=16,igemm_nwg=16,igemm_kwg=8,igemm_mdimc=1,igemm_ndimc=1,igemm_vwn=16,"
            "igemm_sa=0,igemm_sb=0"},
    {"tiny", "igemm_mwg=8,igemm_nwg=8,igemm_kwg=4,igemm_mdimc=4,igemm_ndimc=4,igemm_vwn=1,"
             "igemm_sa=1,igemm_sb=1"},
};
static const char *const forced_cases[] = {"c7_k70", "c20_k65_n66", "img1x1_k3", "g3_s2",
                                           "rank1", "rank3", "T_s2_k3_op1", "T_s3_k4_g3"};

static const icase *find_case(const char *name, int *transposed)
{
    for (size_t i = 0; i < sizeof named / sizeof *named; i++)
        if (!strcmp(named[i].name, name)) {
            *transposed = 0;
            return &named[i];
        }
    for (size_t i = 0; i < sizeof named_transposed / sizeof *named_transposed; i++)
        if (!strcmp(named_transposed[i].name, name)) {
            *transposed = 1;
            return &named_transposed[i];
        }
    return NULL;
}

static int check_param_sets(clconv_context *ctx, const sweep_opts *o, sweep_tally *t)
{
    int failed = 0;
    for (size_t p = 0; p < sizeof param_sets / sizeof *param_sets; p++)
        for (size_t i = 0; i < sizeof forced_cases / sizeof *forced_cases; i++) {
            int tr = 0;
            const icase *c = find_case(forced_cases[i], &tr);
            if (!c) {
                printf("FAIL params: no case %s\n", forced_cases[i]);
                failed++;
                continue;
            }
            clconv_conv_desc d = to_desc(c);
            d.transposed = tr;
            char label[128];
            snprintf(label, sizeof label, "%s/%s", param_sets[p].name, c->name);
            double err = -1;
            const uint64_t seed = o->seed + 500 + p * 100 + i;
            check_result r = check_conv_params(ctx, &d, ALGO, param_sets[p].params, seed, label,
                                               &err);
            if (r == CHECK_UNSUPPORTED)
                printf("FAIL %s: unsupported: %s\n", label, clconv_last_error());
            failed += r != CHECK_PASS;
            t->run++;
            if (o->verbose)
                printf("%s err=%.3g\n", label, err);
            if (err > t->worst) {
                t->worst = err;
                snprintf(t->worst_case, sizeof t->worst_case, "%.90s", label);
            }
        }
    return failed;
}

/* Parameter combinations that cannot run: UNSUPPORTED naming igemm. */
static int check_refusals(clconv_context *ctx)
{
    static const char *const bad[] = {
        "igemm_mwg=16,igemm_mdimc=32",                    /* MWG % MDIMC */
        "igemm_nwg=8,igemm_ndimc=16",                     /* NWG % NDIMC */
        "igemm_nwg=8,igemm_ndimc=1,igemm_vwn=16",         /* VWN does not divide NWI */
        "igemm_mdimc=256,igemm_ndimc=256,igemm_mwg=256,igemm_nwg=256", /* work-group size */
        "igemm_mwg=256,igemm_nwg=256,igemm_mdimc=1,igemm_ndimc=1",     /* register tile */
    };
    int failed = 0;
    clconv_conv_desc d = to_desc(&named[1]);
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        clconv_plan *plan = NULL;
        clconv_status st = clconv_plan_create_with_params(ctx, &d, ALGO, bad[i], &plan);
        if (st != CLCONV_UNSUPPORTED || plan || !strstr(clconv_last_error(), "igemm:")) {
            printf("FAIL refuse params \"%s\": status %s, \"%s\"\n", bad[i],
                   clconv_status_string(st), clconv_last_error());
            failed++;
        }
        clconv_plan_destroy(plan);
    }
    clconv_plan *plan = NULL;
    clconv_status st = clconv_plan_create_with_params(ctx, &d, ALGO, "igemm_sa=2", &plan);
    if (st != CLCONV_INVALID_ARGUMENT || plan || !strstr(clconv_last_error(), "igemm_sa")) {
        printf("FAIL refuse igemm_sa=2: status %s, \"%s\"\n", clconv_status_string(st),
               clconv_last_error());
        failed++;
    }
    clconv_plan_destroy(plan);
    return failed;
}

/* The plan runs what it reports: an igemm_ kernel and nothing else. */
static int check_trace(clconv_context *ctx)
{
    clconv_conv_desc d = to_desc(&named[2]);
    d.has_bias = 0;
    size_t nx = clconv_conv_input_elems(&d), nw = clconv_conv_weight_elems(&d),
           ny = clconv_conv_output_elems(&d);
    float *x = calloc(nx, 4), *w = calloc(nw, 4), *y = calloc(ny, 4);
    int failed = 0;
    clconv_trace_enable(1);
    clconv_status st = x && w && y ? clconv_conv_host(ctx, &d, ALGO, x, w, NULL, y, NULL)
                                   : CLCONV_OUT_OF_MEMORY;
    const char *t = clconv_trace_text();
    if (st || !strstr(t, "igemm_conv") || strstr(t, "direct_")) {
        printf("FAIL trace: status %s, trace:\n%s\n", clconv_status_string(st), t);
        failed = 1;
    }
    clconv_trace_enable(0);
    free(x);
    free(w);
    free(y);
    return failed;
}

/* AUTO: a dense strided 3x3 layer of 58 MFLOP (no Winograd, not 1x1)
 * runs igemm on the GPU parameter set, direct on the others. */
static int check_auto(clconv_context *ctx)
{
    clconv_conv_desc d;
    clconv_conv_desc_init(&d, 2);
    d.in_channels = d.out_channels = 64;
    d.in_size[0] = d.in_size[1] = 56;
    d.kernel_size[0] = d.kernel_size[1] = 3;
    d.strides[0] = d.strides[1] = 2;
    d.pads_begin[0] = d.pads_begin[1] = d.pads_end[0] = d.pads_end[1] = 1;
    clconv_plan *plan = NULL;
    clconv_status st = clconv_plan_create(ctx, &d, CLCONV_ALGO_AUTO, &plan);
    const clconv_algorithm want =
        ctx->params.cls == CLCONV_DEV_GPU ? CLCONV_ALGO_IGEMM : CLCONV_ALGO_DIRECT;
    int failed = st || clconv_plan_algorithm(plan) != want;
    if (failed)
        printf("FAIL auto (class %s): status %s, ran %s, expected %s\n",
               clconv_device_class_name(ctx->params.cls), clconv_status_string(st),
               plan ? clconv_algorithm_name(clconv_plan_algorithm(plan)) : "-",
               clconv_algorithm_name(want));
    clconv_plan_destroy(plan);
    return failed;
}

static int extra(clconv_context *ctx, const algo_sweep *s, const sweep_opts *o, sweep_tally *t)
{
    (void)s;
    return check_param_sets(ctx, o, t) + check_refusals(ctx) + check_trace(ctx) +
           check_auto(ctx);
}

int main(int argc, char **argv)
{
    static const algo_sweep sweep = {
        .algo = ALGO,
        .replay = "test_algo_igemm",
        .default_seed = 20261202,
        .default_count = 60,
        .tables = {SWEEP_TABLE(named, 0), SWEEP_TABLE(named_transposed, 1)},
        .to_desc = to_desc,
        .random_desc = random_desc,
        .extra = extra,
    };
    return algo_sweep_main(&sweep, argc, argv);
}
