/* Deformable convolution (ONNX DeformConv / torchvision deform_conv2d).
 *
 *   test_deform_conv [--seed S] [--count N] [--case I] [--quick 1]
 *
 *  - the float64 reference on hand-computed cases: zero offsets equal
 *    clconv_reference_conv, integer offsets equal a convolution of the
 *    shifted image, points exactly on and just outside the border, a mask
 *    of ones equals v1 and a constant mask scales;
 *  - named device cases (channels 1, 3, 7, groups, offset groups, every
 *    kernel shape, tails of the output-channel block) with several
 *    parameter sets (output-channel blocks 1, 3, 8, 16; work-groups);
 *  - a seeded sweep of the device path against the reference (--count
 *    cases; `--seed S --case I` replays one; the seed is printed on
 *    failure): offset groups 1-4, groups, stride, dilation, asymmetric
 *    pads, kernels 1x1 / 3x3 / 5x5 / 3x2, v1 and v2, offsets in U(-r, r)
 *    small and large (mostly outside), integer and zero offsets;
 *  - every invalid field gives CLCONV_INVALID_ARGUMENT naming it, and bad
 *    enqueue arguments leave the output untouched;
 *  - tensors at odd offsets in one NaN-filled arena: nothing outside the
 *    output changes.
 * Outputs and workspaces are NaN-poisoned before every run. */
#include "deform_internal.h"
#include "testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Relative L2 against the float64 reference.  Worst measured on PoCL 3.1
 * (CPU and GPU parameter sets) and Oclgrind: 4.4e-6 (TOL_MEASURED). */
#define TOL 2e-5
#define TOL_MEASURED "4.4e-6" /* worst rel L2 seen: seeds 1-5, 7, 11-18 x 300 cases (4.33e-6, seed 12) */

static uint64_t g_seed;
static double g_worst;

typedef struct tcase {
    int n, c, k, h, w, kh, kw, sh, sw, dh, dw, pt, pl, pb, pr, g, og, mask, bias;
    clconv_activation act;
    float alpha, beta;
    int omode; /* 0 zero, 1 small U(-r,r), 2 large (mostly outside), 3 integers */
    float r;
} tcase;

static clconv_deform_conv_desc to_desc(const tcase *t)
{
    clconv_deform_conv_desc d;
    clconv_deform_conv_desc_init(&d);
    d.batch = t->n;
    d.in_channels = t->c;
    d.out_channels = t->k;
    d.in_size[0] = t->h;
    d.in_size[1] = t->w;
    d.kernel_size[0] = t->kh;
    d.kernel_size[1] = t->kw;
    d.strides[0] = t->sh ? t->sh : 1;
    d.strides[1] = t->sw ? t->sw : 1;
    d.dilations[0] = t->dh ? t->dh : 1;
    d.dilations[1] = t->dw ? t->dw : 1;
    d.pads_begin[0] = t->pt;
    d.pads_begin[1] = t->pl;
    d.pads_end[0] = t->pb;
    d.pads_end[1] = t->pr;
    d.groups = t->g ? t->g : 1;
    d.offset_groups = t->og ? t->og : 1;
    d.has_mask = t->mask;
    d.has_bias = t->bias;
    d.activation = t->act;
    d.activation_alpha = t->alpha;
    d.activation_beta = t->beta;
    return d;
}

static void case_string(const tcase *t, char *b, size_t n)
{
    snprintf(b, n,
             "N%d C%d K%d %dx%d k%dx%d s%d,%d d%d,%d p%d,%d,%d,%d g%d og%d mask%d bias%d act%d "
             "offsets%d r%g",
             t->n, t->c, t->k, t->h, t->w, t->kh, t->kw, t->sh, t->sw, t->dh, t->dw, t->pt, t->pl,
             t->pb, t->pr, t->g, t->og, t->mask, t->bias, (int)t->act, t->omode, t->r);
}

typedef struct tensors {
    float *x, *w, *b, *off, *m;
    size_t nx, nw, noff, nm, ny;
} tensors;

static int make_tensors(const clconv_deform_conv_desc *d, const tcase *t, uint64_t seed,
                        tensors *T)
{
    memset(T, 0, sizeof *T);
    T->nx = clconv_deform_conv_input_elems(d);
    T->nw = clconv_deform_conv_weight_elems(d);
    T->noff = clconv_deform_conv_offset_elems(d);
    T->nm = clconv_deform_conv_mask_elems(d);
    T->ny = clconv_deform_conv_output_elems(d);
    if (!T->nx || !T->nw || !T->noff || !T->ny)
        return 1;
    T->x = malloc(T->nx * sizeof(float));
    T->w = malloc(T->nw * sizeof(float));
    T->b = malloc((size_t)d->out_channels * sizeof(float));
    T->off = malloc(T->noff * sizeof(float));
    T->m = malloc((T->nm ? T->nm : 1) * sizeof(float));
    test_rng r;
    rng_seed(&r, seed);
    rng_fill(&r, T->x, T->nx, -1, 1);
    rng_fill(&r, T->w, T->nw, -1, 1);
    rng_fill(&r, T->b, (size_t)d->out_channels, -1, 1);
    rng_fill(&r, T->m, T->nm ? T->nm : 1, 0, 1);
    for (size_t i = 0; i < T->noff; i++) {
        switch (t->omode) {
        case 0: T->off[i] = 0.0f; break;
        case 1: T->off[i] = rng_float(&r, -t->r, t->r); break;
        case 2: T->off[i] = rng_float(&r, -t->r, t->r); break;
        default: T->off[i] = (float)rng_int(&r, -(int)t->r, (int)t->r); break;
        }
    }
    return 0;
}

static void free_tensors(tensors *T)
{
    free(T->x);
    free(T->w);
    free(T->b);
    free(T->off);
    free(T->m);
}

/* ---- reference: hand-computed cases ------------------------------------------ */

static double max_abs_diff(const double *a, const double *b, size_t n)
{
    double m = 0;
    for (size_t i = 0; i < n; i++)
        m = fmax(m, fabs(a[i] - b[i]));
    return m;
}

static clconv_conv_desc conv_of(const clconv_deform_conv_desc *d)
{
    clconv_conv_desc c;
    clconv_conv_desc_init(&c, 2);
    c.batch = d->batch;
    c.in_channels = d->in_channels;
    c.out_channels = d->out_channels;
    for (int i = 0; i < 2; i++) {
        c.in_size[i] = d->in_size[i];
        c.kernel_size[i] = d->kernel_size[i];
        c.strides[i] = d->strides[i];
        c.dilations[i] = d->dilations[i];
        c.pads_begin[i] = d->pads_begin[i];
        c.pads_end[i] = d->pads_end[i];
    }
    c.groups = d->groups;
    c.has_bias = d->has_bias;
    c.activation = d->activation;
    c.activation_alpha = d->activation_alpha;
    c.activation_beta = d->activation_beta;
    return c;
}

static void test_reference_zero_and_integer(void)
{
    static const tcase cases[] = {
        {.n = 1, .c = 3, .k = 4, .h = 7, .w = 6, .kh = 3, .kw = 3, .sh = 1, .sw = 1, .dh = 1,
         .dw = 1, .pt = 1, .pl = 1, .pb = 1, .pr = 1, .g = 1, .og = 1, .bias = 1,
         .act = CLCONV_ACTIVATION_NONE},
        {.n = 2, .c = 4, .k = 6, .h = 9, .w = 8, .kh = 3, .kw = 2, .sh = 2, .sw = 1, .dh = 2,
         .dw = 1, .pl = 2, .pb = 1, .g = 2, .og = 2, .mask = 1, .act = CLCONV_ACTIVATION_RELU},
        {.n = 1, .c = 6, .k = 3, .h = 5, .w = 5, .kh = 5, .kw = 5, .sh = 1, .sw = 2, .dh = 1,
         .dw = 1, .pt = 2, .pl = 1, .pb = 2, .pr = 3, .g = 3, .og = 3, .bias = 1,
         .act = CLCONV_ACTIVATION_LEAKY_RELU, .alpha = 0.1f},
        {.n = 1, .c = 7, .k = 2, .h = 4, .w = 9, .kh = 1, .kw = 1, .sh = 1, .sw = 1, .dh = 1,
         .dw = 1, .g = 1, .og = 7, .mask = 1, .act = CLCONV_ACTIVATION_NONE},
    };
    for (size_t ci = 0; ci < sizeof cases / sizeof *cases; ci++) {
        tcase t = cases[ci];
        clconv_deform_conv_desc d = to_desc(&t);
        tensors T;
        CHECK(make_tensors(&d, &t, 100 + ci, &T) == 0);
        for (size_t i = 0; i < T.nm; i++)
            T.m[i] = 1.0f; /* mask of ones: v2 equals v1 */
        clconv_conv_desc cd = conv_of(&d);
        double *yc = malloc(T.ny * sizeof *yc), *yd = malloc(T.ny * sizeof *yd);
        CHECK(clconv_reference_conv(&cd, T.x, T.w, d.has_bias ? T.b : NULL, yc) == CLCONV_SUCCESS);
        CHECK(clconv_reference_deform_conv(&d, T.x, T.w, d.has_bias ? T.b : NULL, T.off,
                                           d.has_mask ? T.m : NULL, yd) == CLCONV_SUCCESS);
        double e = max_abs_diff(yc, yd, T.ny);
        if (!(e < 1e-12))
            FAILF("reference case %zu: zero offsets differ from Conv by %g", ci, e);
        /* Integer offsets (a, b) everywhere: Conv of the image shifted by (a, b). */
        static const int shifts[][2] = {{1, 0}, {0, -2}, {2, 3}, {-1, -1}, {7, 0}};
        const int H = d.in_size[0], W = d.in_size[1];
        const int Hp = H + d.pads_begin[0] + d.pads_end[0], Wp = W + d.pads_begin[1] + d.pads_end[1];
        clconv_conv_desc cs = cd;
        cs.in_size[0] = Hp;
        cs.in_size[1] = Wp;
        cs.pads_begin[0] = cs.pads_begin[1] = cs.pads_end[0] = cs.pads_end[1] = 0;
        float *xs = malloc((T.nx / ((size_t)H * W)) * Hp * Wp * sizeof *xs);
        for (size_t s = 0; s < sizeof shifts / sizeof *shifts; s++) {
            const int a = shifts[s][0], b = shifts[s][1];
            for (size_t i = 0; i < T.noff; i += 2) {
                T.off[i] = (float)a;
                T.off[i + 1] = (float)b;
            }
            /* offset channels alternate dy, dx within every (n, og, t): pixel-major
             * layout puts a plane of dy then a plane of dx, so fill by plane. */
            const size_t P = T.noff / ((size_t)d.batch * 2 * d.offset_groups * d.kernel_size[0] *
                                       d.kernel_size[1]);
            for (size_t pl = 0; pl < T.noff / P; pl++)
                for (size_t q = 0; q < P; q++)
                    T.off[pl * P + q] = (float)(pl % 2 ? b : a);
            /* Conv with no pads of the explicitly padded image read at
             * (r - pt + a, q - pl + b): the deformable sample point. */
            for (size_t pl = 0; pl < T.nx / ((size_t)H * W); pl++)
                for (int h = 0; h < Hp; h++)
                    for (int w = 0; w < Wp; w++) {
                        const int hh = h - d.pads_begin[0] + a, ww = w - d.pads_begin[1] + b;
                        xs[(pl * Hp + h) * Wp + w] = hh >= 0 && hh < H && ww >= 0 && ww < W
                                                         ? T.x[(pl * H + hh) * W + ww]
                                                         : 0.0f;
                    }
            CHECK(clconv_reference_conv(&cs, xs, T.w, d.has_bias ? T.b : NULL, yc) == 0);
            CHECK(clconv_reference_deform_conv(&d, T.x, T.w, d.has_bias ? T.b : NULL, T.off,
                                               d.has_mask ? T.m : NULL, yd) == 0);
            e = max_abs_diff(yc, yd, T.ny);
            if (!(e < 1e-12))
                FAILF("reference case %zu: offsets (%d,%d) differ from the shifted Conv by %g", ci,
                      a, b, e);
        }
        /* Mask of ones equals v1; a constant mask 0.25 scales (no bias, no act). */
        if (d.has_mask && !d.has_bias && d.activation == CLCONV_ACTIVATION_NONE) {
            clconv_deform_conv_desc v1 = d;
            v1.has_mask = 0;
            double *y1 = malloc(T.ny * sizeof *y1);
            CHECK(clconv_reference_deform_conv(&v1, T.x, T.w, NULL, T.off, NULL, y1) == 0);
            e = max_abs_diff(y1, yd, T.ny);
            if (!(e < 1e-12))
                FAILF("reference case %zu: mask of ones differs from v1 by %g", ci, e);
            for (size_t i = 0; i < T.nm; i++)
                T.m[i] = 0.25f;
            CHECK(clconv_reference_deform_conv(&d, T.x, T.w, NULL, T.off, T.m, yd) == 0);
            for (size_t i = 0; i < T.ny; i++)
                y1[i] *= 0.25;
            e = max_abs_diff(y1, yd, T.ny);
            if (!(e < 1e-12))
                FAILF("reference case %zu: mask 0.25 is not a quarter of v1 (%g)", ci, e);
            free(y1);
        }
        free(xs);
        free(yc);
        free(yd);
        free_tensors(&T);
    }
}

/* One channel 3x4, 1x1 kernel of weight 1, one output pixel per point:
 * the sample at (dy, dx) from output pixel (0, 0). */
static void test_reference_border(void)
{
    clconv_deform_conv_desc d;
    clconv_deform_conv_desc_init(&d);
    d.in_channels = d.out_channels = 1;
    d.in_size[0] = 3;
    d.in_size[1] = 4;
    d.kernel_size[0] = d.kernel_size[1] = 1;
    /* pads so that the output is 1x1 at (0, 0) with stride 5: sample point = (dy, dx) */
    d.strides[0] = d.strides[1] = 5;
    const float x[12] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, w = 1.0f;
    static const struct {
        float dy, dx;
        double want;
    } pts[] = {
        {0, 0, 1},          {2, 3, 12},            /* corners, exactly on */
        {2, 0, 9},          {0, 3, 4},             /* the other corners */
        {-1, 0, 0},         {0, -1, 0},            /* exactly at -1: 0 */
        {3, 0, 0},          {0, 4, 0},             /* exactly at H, W: 0 */
        {-0.5f, 0, 0.5},    {0, -0.25f, 0.75},     /* half outside: one neighbour counts 0 */
        {2.5f, 3, 6},       {2, 3.5f, 6},          /* past the last row / column by half */
        {-0.999f, 0, 0.001}, {1e30f, 0, 0},        /* just inside -1; far outside */
        {0.5f, 0.5f, 3.5},  {1.25f, 2.75f, 0.75 * (0.25 * 7 + 0.75 * 8) + 0.25 * (0.25 * 11 + 0.75 * 12)},
        {-1e-7f, 0, 1 - 1e-7}, {2.0000002f, 0, 9 * (1 - 2.384185791015625e-7)},
    };
    for (size_t i = 0; i < sizeof pts / sizeof *pts; i++) {
        const float off[2] = {pts[i].dy, pts[i].dx};
        double y = -1;
        CHECK(clconv_reference_deform_conv(&d, x, &w, NULL, off, NULL, &y) == 0);
        if (!(fabs(y - pts[i].want) < 1e-6))
            FAILF("border point (%g, %g): reference %.9g, want %.9g", pts[i].dy, pts[i].dx, y,
                  pts[i].want);
        float yd = NAN;
        clconv_context *ctx = test_context();
        CHECK(clconv_deform_conv_host(ctx, &d, CLCONV_ALGO_AUTO, x, &w, NULL, off, NULL, &yd,
                                      NULL) == 0);
        if (!(fabs(yd - pts[i].want) < 1e-5))
            FAILF("border point (%g, %g): device %.9g, want %.9g", pts[i].dy, pts[i].dx, yd,
                  pts[i].want);
    }
}

/* ---- device vs reference ---------------------------------------------------- */

static const deform_params PARAM_SETS[] = {
    {.oc_block = 0, .lws = {0, 0}}, /* 0: the device class's defaults */
    {.oc_block = 1, .lws = {1, 1}},
    {.oc_block = 3, .lws = {8, 2}},
    {.oc_block = 8, .lws = {16, 1}},
    {.oc_block = 16, .lws = {4, 4}},
    {.oc_block = 5, .lws = {0, 0}},
};

static int run_case(clconv_context *ctx, const tcase *t, uint64_t seed, int pset,
                    const char *label)
{
    char cs[256];
    case_string(t, cs, sizeof cs);
    clconv_deform_conv_desc d = to_desc(t);
    tensors T;
    if (make_tensors(&d, t, seed, &T)) {
        FAILF("%s: invalid generated case %s", label, cs);
        return 1;
    }
    const deform_params *pp = pset ? &PARAM_SETS[pset] : NULL;
    clconv_deform_plan *plan = NULL;
    clconv_status st = clconv_deform_plan_create_params(ctx, &d, CLCONV_ALGO_AUTO, pp, &plan);
    double *ref = malloc(T.ny * sizeof *ref);
    float *y = malloc(T.ny * sizeof *y);
    cl_mem bx = NULL, bo = NULL, bm = NULL, by = NULL, bws = NULL;
    int fail = 0;
    if (st) {
        printf("FAIL %s seed=%llu case=\"%s\": plan: %s\n", label, (unsigned long long)seed, cs,
               clconv_last_error());
        fail = 1;
        goto done;
    }
    cl_context cc = clconv_context_cl_context(ctx);
    cl_command_queue q = clconv_context_queue(ctx);
    cl_int err;
    poison_nan(y, T.ny);
    bx = clCreateBuffer(cc, CL_MEM_READ_ONLY | CL_MEM_COPY_HOST_PTR, T.nx * 4, T.x, &err);
    bo = clCreateBuffer(cc, CL_MEM_READ_ONLY | CL_MEM_COPY_HOST_PTR, T.noff * 4, T.off, &err);
    if (T.nm)
        bm = clCreateBuffer(cc, CL_MEM_READ_ONLY | CL_MEM_COPY_HOST_PTR, T.nm * 4, T.m, &err);
    by = clCreateBuffer(cc, CL_MEM_READ_WRITE | CL_MEM_COPY_HOST_PTR, T.ny * 4, y, &err);
    float wsn[64];
    poison_nan(wsn, 64);
    bws = clCreateBuffer(cc, CL_MEM_READ_WRITE | CL_MEM_COPY_HOST_PTR, sizeof wsn, wsn, &err);
    if ((st = clconv_deform_plan_set_weights_host(plan, T.w, d.has_bias ? T.b : NULL)) ||
        (st = clconv_deform_plan_enqueue(plan, bx, bo, bm, by, bws, 0, NULL, NULL))) {
        printf("FAIL %s seed=%llu case=\"%s\": %s\n", label, (unsigned long long)seed, cs,
               clconv_last_error());
        fail = 1;
        goto done;
    }
    clEnqueueReadBuffer(q, by, CL_TRUE, 0, T.ny * 4, y, 0, NULL, NULL);
    CHECK(clconv_reference_deform_conv(&d, T.x, T.w, d.has_bias ? T.b : NULL, T.off,
                                       d.has_mask ? T.m : NULL, ref) == 0);
    const double e = rel_l2(y, ref, T.ny);
    if (e > g_worst && isfinite(e))
        g_worst = e;
    if (!(e <= TOL)) {
        printf("FAIL %s seed=%llu case=\"%s\" params=%d err=%.3g (tol %.0e) [%s]\n", label,
               (unsigned long long)seed, cs, pset, e, TOL, clconv_deform_plan_describe(plan));
        fail = 1;
    }
done:
    if (fail)
        test_failures++;
    if (bx)
        clReleaseMemObject(bx);
    if (bo)
        clReleaseMemObject(bo);
    if (bm)
        clReleaseMemObject(bm);
    if (by)
        clReleaseMemObject(by);
    if (bws)
        clReleaseMemObject(bws);
    clconv_deform_plan_destroy(plan);
    free(ref);
    free(y);
    free_tensors(&T);
    return fail;
}

static void test_named(clconv_context *ctx, int quick)
{
    static const tcase cases[] = {
        {.n = 1, .c = 1, .k = 1, .h = 5, .w = 5, .kh = 3, .kw = 3, .sh = 1, .sw = 1, .dh = 1,
         .dw = 1, .pt = 1, .pl = 1, .pb = 1, .pr = 1, .g = 1, .og = 1,
         .act = CLCONV_ACTIVATION_NONE, .omode = 1, .r = 1.0f},
        {.n = 1, .c = 3, .k = 5, .h = 6, .w = 7, .kh = 3, .kw = 3, .sh = 1, .sw = 1, .dh = 1,
         .dw = 1, .pt = 1, .pl = 1, .pb = 1, .pr = 1, .g = 1, .og = 3, .mask = 1, .bias = 1,
         .act = CLCONV_ACTIVATION_RELU, .omode = 1, .r = 2.0f},
        {.n = 2, .c = 7, .k = 17, .h = 9, .w = 5, .kh = 3, .kw = 2, .sh = 2, .sw = 1, .dh = 1,
         .dw = 2, .pl = 1, .pb = 2, .g = 1, .og = 7, .mask = 1, .bias = 1,
         .act = CLCONV_ACTIVATION_CLIP, .alpha = -0.5f, .beta = 0.5f, .omode = 1, .r = 1.5f},
        {.n = 1, .c = 8, .k = 8, .h = 8, .w = 8, .kh = 5, .kw = 5, .sh = 1, .sw = 1, .dh = 1,
         .dw = 1, .pt = 2, .pl = 2, .pb = 2, .pr = 2, .g = 2, .og = 4, .bias = 1,
         .act = CLCONV_ACTIVATION_LEAKY_RELU, .alpha = 0.1f, .omode = 2, .r = 20.0f},
        {.n = 1, .c = 6, .k = 9, .h = 11, .w = 3, .kh = 1, .kw = 1, .sh = 1, .sw = 1, .dh = 1,
         .dw = 1, .g = 3, .og = 2, .mask = 1, .act = CLCONV_ACTIVATION_NONE, .omode = 3, .r = 2.0f},
        {.n = 1, .c = 12, .k = 33, .h = 13, .w = 12, .kh = 3, .kw = 3, .sh = 2, .sw = 2, .dh = 2,
         .dw = 2, .pt = 2, .pl = 1, .pr = 3, .g = 1, .og = 4, .mask = 1, .bias = 1,
         .act = CLCONV_ACTIVATION_NONE, .omode = 1, .r = 0.7f},
        {.n = 1, .c = 4, .k = 4, .h = 1, .w = 1, .kh = 3, .kw = 3, .sh = 1, .sw = 1, .dh = 1,
         .dw = 1, .pt = 1, .pl = 1, .pb = 1, .pr = 1, .g = 4, .og = 2, .mask = 1,
         .act = CLCONV_ACTIVATION_NONE, .omode = 1, .r = 1.0f},
        {.n = 1, .c = 7, .k = 3, .h = 10, .w = 10, .kh = 3, .kw = 3, .sh = 1, .sw = 1, .dh = 1,
         .dw = 1, .pt = 1, .pl = 1, .pb = 1, .pr = 1, .g = 1, .og = 1, .mask = 1, .bias = 1,
         .act = CLCONV_ACTIVATION_NONE},
    };
    const int nps = (int)(sizeof PARAM_SETS / sizeof *PARAM_SETS);
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
        for (int ps = 0; ps < nps; ps++) {
            if (quick && ps != 0 && ps != 2)
                continue;
            char label[64];
            snprintf(label, sizeof label, "named %zu", i);
            run_case(ctx, &cases[i], 1000 + i, ps, label);
        }
}

static tcase random_case(test_rng *r)
{
    static const int ks[4][2] = {{1, 1}, {3, 3}, {5, 5}, {3, 2}};
    static const int chans[] = {1, 3, 7};
    tcase t;
    memset(&t, 0, sizeof t);
    t.n = rng_int(r, 1, 2);
    t.og = rng_int(r, 1, 4);
    t.g = rng_int(r, 1, 3);
    if (rng_int(r, 0, 3) == 0) {
        t.c = chans[rng_int(r, 0, 2)];
        t.g = t.og = 1;
        if (t.c > 1 && rng_int(r, 0, 1))
            t.og = t.c; /* 3 or 7 offset groups */
    } else {
        /* C a multiple of both groups and offset groups */
        int l = t.g * t.og;
        for (int a = t.g, b = t.og; b;) {
            int tmp = a % b;
            a = b;
            b = tmp;
            if (!b)
                l /= a;
        }
        t.c = l * rng_int(r, 1, 3);
    }
    t.k = t.g * rng_int(r, 1, 12);
    const int kk = rng_int(r, 0, 3);
    t.kh = ks[kk][0];
    t.kw = ks[kk][1];
    if (rng_int(r, 0, 3) == 0) { /* transpose 3x2 to 2x3 sometimes */
        int tmp = t.kh;
        t.kh = t.kw;
        t.kw = tmp;
    }
    t.sh = rng_int(r, 1, 3);
    t.sw = rng_int(r, 1, 3);
    t.dh = rng_int(r, 1, 2);
    t.dw = rng_int(r, 1, 2);
    t.pt = rng_int(r, 0, 2);
    t.pl = rng_int(r, 0, 2);
    t.pb = rng_int(r, 0, 2);
    t.pr = rng_int(r, 0, 2);
    const int eh = (t.kh - 1) * t.dh + 1, ew = (t.kw - 1) * t.dw + 1;
    t.h = rng_int(r, 1, 13);
    t.w = rng_int(r, 1, 13);
    if (t.h + t.pt + t.pb < eh)
        t.h = eh;
    if (t.w + t.pl + t.pr < ew)
        t.w = ew;
    t.mask = rng_int(r, 0, 1);
    t.bias = rng_int(r, 0, 1);
    t.act = (clconv_activation)rng_int(r, 0, 3);
    t.alpha = t.act == CLCONV_ACTIVATION_CLIP ? -0.3f : 0.2f;
    t.beta = 0.4f;
    t.omode = rng_int(r, 0, 3);
    t.r = t.omode == 1 ? rng_float(r, 0.2f, 3.0f)
          : t.omode == 2 ? (float)(3 * (t.h > t.w ? t.h : t.w)) /* mostly outside */
          : t.omode == 3 ? (float)rng_int(r, 1, 4)
                         : 0.0f;
    return t;
}

static void test_sweep(clconv_context *ctx, uint64_t seed, int count, int only)
{
    const int nps = (int)(sizeof PARAM_SETS / sizeof *PARAM_SETS);
    for (int i = 0; i < count; i++) {
        test_rng r;
        rng_seed(&r, seed * 1000003u + (uint64_t)i);
        tcase t = random_case(&r);
        const int ps = rng_int(&r, 0, nps - 1);
        if (only >= 0 && i != only)
            continue;
        char label[96];
        snprintf(label, sizeof label, "sweep --seed %llu --case %d", (unsigned long long)seed, i);
        run_case(ctx, &t, seed * 7919u + (uint64_t)i, ps, label);
    }
}

/* ---- invalid fields and arguments ----------------------------------------------- */

static void expect_invalid(const clconv_deform_conv_desc *d, const char *field)
{
    int os[2] = {-7, -7};
    clconv_status st = clconv_deform_conv_output_shape(d, os);
    if (st != CLCONV_INVALID_ARGUMENT || !strstr(clconv_last_error(), field))
        FAILF("field %s: status %d, message '%s'", field, (int)st, clconv_last_error());
    CHECK(os[0] == -7 && os[1] == -7);
    clconv_deform_plan *plan = (clconv_deform_plan *)1;
    st = clconv_deform_plan_create(test_context(), d, CLCONV_ALGO_AUTO, &plan);
    if (st != CLCONV_INVALID_ARGUMENT || !strstr(clconv_last_error(), field) || plan)
        FAILF("plan_create, field %s: status %d, message '%s'", field, (int)st,
              clconv_last_error());
    double y = 12345;
    float v[64] = {0};
    st = clconv_reference_deform_conv(d, v, v, NULL, v, NULL, &y);
    if (st != CLCONV_INVALID_ARGUMENT || !strstr(clconv_last_error(), field) || y != 12345)
        FAILF("reference, field %s: status %d, message '%s'", field, (int)st, clconv_last_error());
}

static clconv_deform_conv_desc valid_desc(void)
{
    clconv_deform_conv_desc d;
    clconv_deform_conv_desc_init(&d);
    d.in_channels = 4;
    d.out_channels = 6;
    d.in_size[0] = 5;
    d.in_size[1] = 6;
    d.kernel_size[0] = d.kernel_size[1] = 3;
    d.pads_begin[0] = d.pads_begin[1] = d.pads_end[0] = d.pads_end[1] = 1;
    d.groups = 2;
    d.offset_groups = 2;
    d.has_mask = 1;
    d.has_bias = 1;
    return d;
}

static void test_invalid_fields(void)
{
    clconv_deform_conv_desc d;
    d = valid_desc();
    int os[2];
    CHECK(clconv_deform_conv_output_shape(&d, os) == 0 && os[0] == 5 && os[1] == 6);
#define BAD(stmt, field)                                                                           \
    do {                                                                                           \
        d = valid_desc();                                                                          \
        stmt;                                                                                      \
        expect_invalid(&d, field);                                                                 \
    } while (0)
    BAD(d.rank = 3, "rank");
    BAD(d.rank = 1, "rank");
    BAD(d.batch = 0, "batch");
    BAD(d.in_channels = 0, "in_channels");
    BAD(d.out_channels = -1, "out_channels");
    BAD(d.in_size[0] = 0, "in_size[0]");
    BAD(d.in_size[1] = -3, "in_size[1]");
    BAD(d.kernel_size[0] = 0, "kernel_size[0]");
    BAD(d.kernel_size[1] = 0, "kernel_size[1]");
    BAD(d.kernel_size[1] = 9, "kernel_size[1]");
    BAD(d.strides[0] = 0, "strides[0]");
    BAD(d.strides[1] = -1, "strides[1]");
    BAD(d.dilations[0] = 0, "dilations[0]");
    BAD(d.dilations[1] = 5, "kernel_size[1]");
    BAD(d.pads_begin[0] = -1, "pads_begin[0]");
    BAD(d.pads_end[1] = -2, "pads_end[1]");
    BAD(d.groups = 0, "groups");
    BAD(d.groups = 3, "groups"); /* does not divide C = 4 */
    BAD((d.groups = 4, d.out_channels = 6), "groups"); /* does not divide K */
    BAD(d.offset_groups = 0, "offset_groups");
    BAD(d.offset_groups = 3, "offset_groups");
    BAD(d.has_mask = 2, "has_mask");
    BAD(d.has_bias = -1, "has_bias");
    BAD(d.activation = (clconv_activation)9, "activation");
    BAD((d.activation = CLCONV_ACTIVATION_CLIP, d.activation_alpha = 1, d.activation_beta = 0),
        "activation_alpha");
    BAD(d.activation_alpha = NAN, "activation_alpha");
    BAD((d.in_size[0] = 1 << 20, d.in_size[1] = 1 << 12), "input");
#undef BAD
    expect_invalid(NULL, "desc");
    CHECK(clconv_deform_conv_input_elems(NULL) == 0);
    d = valid_desc();
    CHECK(clconv_deform_conv_offset_elems(&d) == 2 * 2 * 9 * 5 * 6);
    CHECK(clconv_deform_conv_mask_elems(&d) == 2 * 9 * 5 * 6);
    CHECK(clconv_deform_conv_flops(&d) == 2.0 * 6 * 30 * 2 * 9);
}

/* Reads buffer y and checks it still holds `fill` everywhere. */
static void expect_untouched(cl_command_queue q, cl_mem y, size_t n, float fill, const char *what)
{
    float *h = malloc(n * sizeof *h);
    clEnqueueReadBuffer(q, y, CL_TRUE, 0, n * sizeof *h, h, 0, NULL, NULL);
    for (size_t i = 0; i < n; i++)
        if (h[i] != fill) {
            FAILF("%s: output element %zu changed to %g", what, i, h[i]);
            break;
        }
    free(h);
}

static void expect_enqueue_fail(clconv_status got, clconv_status want, const char *field,
                                cl_command_queue q, cl_mem y, size_t ny, const char *what)
{
    if (got != want || !strstr(clconv_last_error(), field))
        FAILF("%s: status %d (want %d), message '%s' (want '%s')", what, (int)got, (int)want,
              clconv_last_error(), field);
    expect_untouched(q, y, ny, 7.0f, what);
}

static void test_invalid_enqueue(clconv_context *ctx)
{
    clconv_deform_conv_desc d = valid_desc();
    const size_t nx = clconv_deform_conv_input_elems(&d), no = clconv_deform_conv_offset_elems(&d),
                 nm = clconv_deform_conv_mask_elems(&d), ny = clconv_deform_conv_output_elems(&d),
                 nw = clconv_deform_conv_weight_elems(&d);
    cl_context cc = clconv_context_cl_context(ctx);
    cl_command_queue q = clconv_context_queue(ctx);
    cl_int err;
    float *ones = malloc((nx + no + nm + ny + nw) * sizeof *ones);
    for (size_t i = 0; i < nx + no + nm + ny + nw; i++)
        ones[i] = 7.0f;
    cl_mem x = clCreateBuffer(cc, CL_MEM_READ_WRITE | CL_MEM_COPY_HOST_PTR, nx * 4, ones, &err);
    cl_mem o = clCreateBuffer(cc, CL_MEM_READ_WRITE | CL_MEM_COPY_HOST_PTR, no * 4, ones, &err);
    cl_mem m = clCreateBuffer(cc, CL_MEM_READ_WRITE | CL_MEM_COPY_HOST_PTR, nm * 4, ones, &err);
    cl_mem y = clCreateBuffer(cc, CL_MEM_READ_WRITE | CL_MEM_COPY_HOST_PTR, ny * 4, ones, &err);
    cl_mem small = clCreateBuffer(cc, CL_MEM_READ_WRITE, 16, NULL, &err);
    cl_mem w = clCreateBuffer(cc, CL_MEM_READ_WRITE | CL_MEM_COPY_HOST_PTR, nw * 4, ones, &err);
    /* one big buffer holding input and output, for overlap */
    cl_mem big = clCreateBuffer(cc, CL_MEM_READ_WRITE | CL_MEM_COPY_HOST_PTR,
                                (nx + no + nm + ny) * 4, ones, &err);
    clconv_deform_plan *plan = NULL;
    CHECK(clconv_deform_plan_create(ctx, &d, CLCONV_ALGO_AUTO, &plan) == 0);
    clconv_status st = clconv_deform_plan_enqueue(plan, x, o, m, y, NULL, 0, NULL, NULL);
    expect_enqueue_fail(st, CLCONV_INVALID_STATE, "set_weights", q, y, ny, "before weights");
    CHECK(clconv_deform_plan_set_weights_host(plan, ones, NULL) == CLCONV_INVALID_ARGUMENT);
    CHECK(strstr(clconv_last_error(), "bias") != NULL);
    CHECK(clconv_deform_plan_set_weights(plan, small, w) == CLCONV_INVALID_ARGUMENT);
    CHECK(strstr(clconv_last_error(), "weights") != NULL);
    CHECK(clconv_deform_plan_set_weights(plan, w, w) == CLCONV_SUCCESS);
    expect_enqueue_fail(clconv_deform_plan_enqueue(plan, x, o, NULL, y, NULL, 0, NULL, NULL),
                        CLCONV_INVALID_ARGUMENT, "mask", q, y, ny, "mask NULL");
    expect_enqueue_fail(clconv_deform_plan_enqueue(plan, small, o, m, y, NULL, 0, NULL, NULL),
                        CLCONV_INVALID_ARGUMENT, "input", q, y, ny, "small input");
    expect_enqueue_fail(clconv_deform_plan_enqueue(plan, x, small, m, y, NULL, 0, NULL, NULL),
                        CLCONV_INVALID_ARGUMENT, "offset", q, y, ny, "small offset");
    expect_enqueue_fail(clconv_deform_plan_enqueue(plan, x, o, small, y, NULL, 0, NULL, NULL),
                        CLCONV_INVALID_ARGUMENT, "mask", q, y, ny, "small mask");
    expect_enqueue_fail(clconv_deform_plan_enqueue(plan, x, o, m, NULL, NULL, 0, NULL, NULL),
                        CLCONV_INVALID_ARGUMENT, "output", q, y, ny, "NULL output");
    expect_enqueue_fail(clconv_deform_plan_enqueue(plan, NULL, o, m, y, NULL, 0, NULL, NULL),
                        CLCONV_INVALID_ARGUMENT, "input", q, y, ny, "NULL input");
    expect_enqueue_fail(clconv_deform_plan_enqueue(plan, x, NULL, m, y, NULL, 0, NULL, NULL),
                        CLCONV_INVALID_ARGUMENT, "offset", q, y, ny, "NULL offset");
    expect_enqueue_fail(clconv_deform_plan_enqueue(plan, x, o, m, y, NULL, 1, NULL, NULL),
                        CLCONV_INVALID_ARGUMENT, "num_events_in_wait_list", q, y, ny, "wait list");
    /* the output at offset 0 of big, the input overlapping it */
    st = clconv_deform_plan_enqueue_offsets(plan, big, 5, o, 0, m, 0, big, 0, NULL, 0, 0, NULL,
                                            NULL);
    CHECK(st == CLCONV_INVALID_ARGUMENT && strstr(clconv_last_error(), "overlap"));
    st = clconv_deform_plan_enqueue_offsets(plan, x, 0, big, 1, m, 0, big, no, NULL, 0, 0, NULL,
                                            NULL);
    CHECK(st == CLCONV_INVALID_ARGUMENT && strstr(clconv_last_error(), "output"));
    st = clconv_deform_plan_enqueue_offsets(plan, x, 0, o, 0, big, 0, big, 3, NULL, 0, 0, NULL,
                                            NULL);
    CHECK(st == CLCONV_INVALID_ARGUMENT && strstr(clconv_last_error(), "overlap"));
    expect_untouched(q, y, ny, 7.0f, "overlaps");
    st = clconv_deform_plan_enqueue_offsets(plan, x, 1, o, 0, m, 0, y, 0, NULL, 0, 0, NULL, NULL);
    CHECK(st == CLCONV_INVALID_ARGUMENT && strstr(clconv_last_error(), "input_offset"));
    st = clconv_deform_plan_enqueue_offsets(plan, x, 0, o, 0, m, 0, y, 0, NULL, 3, 0, NULL, NULL);
    CHECK(st == CLCONV_INVALID_ARGUMENT && strstr(clconv_last_error(), "workspace_offset"));
    st = clconv_deform_plan_enqueue_offsets(plan, x, (size_t)-1, o, 0, m, 0, y, 0, NULL, 0, 0,
                                            NULL, NULL);
    CHECK(st == CLCONV_INVALID_ARGUMENT && strstr(clconv_last_error(), "input_offset"));
    /* the input and the offset may share memory: both are read only */
    st = clconv_deform_plan_enqueue_offsets(plan, big, 0, big, 0, m, 0, y, 0, NULL, 0, 0, NULL,
                                            NULL);
    CHECK(st == CLCONV_SUCCESS);
    clFinish(q);
    clconv_deform_plan_destroy(plan);
    /* no mask: a mask buffer given is refused; unsupported algorithms */
    d.has_mask = 0;
    d.has_bias = 0;
    CHECK(clconv_deform_plan_create(ctx, &d, CLCONV_ALGO_AUTO, &plan) == 0);
    CHECK(clconv_deform_plan_set_weights_host(plan, ones, NULL) == 0);
    expect_enqueue_fail(clconv_deform_plan_enqueue(plan, x, o, m, y, NULL, 0, NULL, NULL),
                        CLCONV_INVALID_ARGUMENT, "mask", q, y, ny, "mask without has_mask");
    CHECK(clconv_deform_plan_algorithm(plan) == CLCONV_ALGO_DIRECT);
    size_t wsb = 1;
    CHECK(clconv_deform_plan_workspace_size(plan, &wsb) == 0 && wsb == 0);
    clconv_deform_plan_destroy(plan);
    clconv_deform_plan *p2 = (clconv_deform_plan *)1;
    CHECK(clconv_deform_plan_create(ctx, &d, CLCONV_ALGO_WINOGRAD_F2X2, &p2) == CLCONV_UNSUPPORTED &&
          p2 == NULL);
    CHECK(clconv_deform_plan_create(ctx, &d, (clconv_algorithm)99, &p2) == CLCONV_INVALID_ARGUMENT);
    CHECK(clconv_deform_conv_host(ctx, &d, CLCONV_ALGO_AUTO, ones, ones, NULL, ones, ones, ones,
                                  NULL) == CLCONV_INVALID_ARGUMENT);
    clconv_deform_plan_destroy(NULL);
    clReleaseMemObject(x);
    clReleaseMemObject(o);
    clReleaseMemObject(m);
    clReleaseMemObject(y);
    clReleaseMemObject(small);
    clReleaseMemObject(w);
    clReleaseMemObject(big);
    free(ones);
}

/* Input, offset, mask and output at odd offsets in one NaN-filled arena
 * (the mask read-only overlapping nothing): the output is right and no
 * float outside it changes. */
static void test_arena(clconv_context *ctx)
{
    tcase t = {1, 5, 7, 6, 7, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, CLCONV_ACTIVATION_NONE, 0, 0, 1, 1.5f};
    clconv_deform_conv_desc d = to_desc(&t);
    tensors T;
    make_tensors(&d, &t, 77, &T);
    const size_t ox = 3, oo = ox + T.nx + 5, om = oo + T.noff + 1, oy = om + T.nm + 7;
    const size_t total = oy + T.ny + 9;
    float *a = malloc(total * sizeof *a);
    poison_nan(a, total);
    memcpy(a + ox, T.x, T.nx * 4);
    memcpy(a + oo, T.off, T.noff * 4);
    memcpy(a + om, T.m, T.nm * 4);
    cl_int err;
    cl_mem buf = clCreateBuffer(clconv_context_cl_context(ctx), CL_MEM_READ_WRITE | CL_MEM_COPY_HOST_PTR,
                                total * 4, a, &err);
    clconv_deform_plan *plan = NULL;
    CHECK(clconv_deform_plan_create(ctx, &d, CLCONV_ALGO_AUTO, &plan) == 0);
    CHECK(clconv_deform_plan_set_weights_host(plan, T.w, T.b) == 0);
    cl_event ev = NULL;
    CHECK(clconv_deform_plan_enqueue_offsets(plan, buf, ox, buf, oo, buf, om, buf, oy, NULL, 0, 0,
                                             NULL, &ev) == 0);
    float *b = malloc(total * sizeof *b);
    clEnqueueReadBuffer(clconv_context_queue(ctx), buf, CL_TRUE, 0, total * 4, b, ev ? 1 : 0,
                        ev ? &ev : NULL, NULL);
    if (ev)
        clReleaseEvent(ev);
    for (size_t i = 0; i < total; i++)
        if ((i < oy || i >= oy + T.ny) && memcmp(&a[i], &b[i], 4)) {
            FAILF("arena: float %zu outside the output changed", i);
            break;
        }
    double *ref = malloc(T.ny * sizeof *ref);
    clconv_reference_deform_conv(&d, T.x, T.w, T.b, T.off, T.m, ref);
    const double e = rel_l2(b + oy, ref, T.ny);
    if (!(e <= TOL))
        FAILF("arena: rel L2 %g", e);
    clReleaseMemObject(buf);
    clconv_deform_plan_destroy(plan);
    free(a);
    free(b);
    free(ref);
    free_tensors(&T);
}

int main(int argc, char **argv)
{
    g_seed = test_seed(argc, argv, 1);
    const int count = (int)test_arg_long(argc, argv, "count", 200);
    const int only = (int)test_arg_long(argc, argv, "case", -1);
    const int quick = (int)test_arg_long(argc, argv, "quick", 0);
    clconv_context *ctx = test_context();
    if (only < 0) {
        test_reference_zero_and_integer();
        test_reference_border();
        test_invalid_fields();
        test_invalid_enqueue(ctx);
        test_arena(ctx);
        test_named(ctx, quick);
    }
    test_sweep(ctx, g_seed, count, only);
    printf("deform_conv: worst rel L2 %.3g (tolerance %.0e; recorded worst %s), seed %llu, %d "
           "sweep cases\n",
           g_worst, TOL, TOL_MEASURED, (unsigned long long)g_seed, count);
    if (test_failures)
        printf("%d failure(s); replay with --seed %llu [--case I]\n", test_failures,
               (unsigned long long)g_seed);
    test_context_release();
    return test_failures ? 1 : 0;
}
