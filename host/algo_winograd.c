/*
 * Winograd F(2x2,3x3) and F(4x4,3x3) (Lavin & Gray) for 2D 3x3 stride-1
 * undilated convolutions, and for stride-1 undilated 3x3 ConvTranspose,
 * which is the ordinary convolution with flipped, channel-transposed
 * weights and pads 2 - pads_begin, 2 - pads_end (negative when an
 * output_shape crops: the kernels take signed pads).
 *
 * set_weights computes U = G g G^T in double on the host and uploads it in
 * the layout of the GEMM stage (kernels/winograd.cl explains the layouts).
 * enqueue runs three launches: input transform into the workspace (V),
 * one batched GEMM over all (m+2)^2 transform points and all groups (M),
 * and the output transform with bias and activation fused.
 *
 * Blocking: a GEMM work-item computes wino_k_block output channels (the
 * vector width) x wino_t_block tiles (clconv_device_params); both shrink
 * for small problems so a group of 4 channels or a 1x1 image does not
 * compute mostly padding, and on CPUs a layer of at most 16 tiles gets one
 * block over all of them (see choose_blocks).  On PoCL kblock 16 x tblock 8
 * is about twice as fast as 8 x 4 on the ResNet-50 3x3 layers.
 */
#include "internal.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct wino_state {
    int m, x;              /* output tile edge; (m+2)^2 transform points */
    int kb, tb;            /* GEMM blocking: output channels, tiles per work-item */
    int cg, kg, kgp;       /* channels per group; K/G rounded up to kb */
    int tiles_h, tiles_w, tiles, tp; /* tiles per axis, all images, rounded up to tb */
    int pad_t, pad_l;      /* of the equivalent forward convolution (signed) */
    int v_off, m_off;      /* workspace offsets, in floats */
    cl_kernel k_in, k_gemm, k_out;
    cl_mem u, bias;
} wino_state;

static int pow2_at_least(int v)
{
    int p = 1;
    while (p < v)
        p *= 2;
    return p;
}

/* The blocking this problem gets: device defaults, shrunk to the problem. */
static void choose_blocks(const clconv_device_params *dp, const conv_problem *p, int m, int *kb,
                          int *tb)
{
    int k = dp->wino_k_block, t = dp->wino_t_block;
    k = k >= 16 ? 16 : k >= 8 ? 8 : 4; /* the vector widths the kernel has */
    t = t >= 16 ? 16 : t >= 8 ? 8 : t >= 4 ? 4 : 2; /* vector widths too */
    const int kg = p->K / p->G;
    const int pk = pow2_at_least(kg < 4 ? 4 : kg);
    *kb = pk < k ? pk : k;
    const int th = (p->out[1] + m - 1) / m, tw = (p->out[2] + m - 1) / m;
    const long long tiles = (long long)p->N * th * tw;
    const int fit = pow2_at_least(tiles < 2 ? 2 : tiles > 16 ? 32 : (int)tiles);
    *tb = fit < t ? fit : t;
    /* A CPU has registers for 16 vector accumulators, and a layer with
     * this few tiles (7x7 at batch 1) is bound by streaming U: one block
     * over all its tiles reads U once instead of tiles/t times. */
    if (dp->cls == CLCONV_DEV_CPU && fit <= 16 && fit > t)
        *tb = fit;
}

/* Element counts of U, V and M; 0 if any exceeds INT_MAX (the kernels index
 * with int) or the sizes overflow. */
static int wino_sizes(const conv_problem *p, int m, int kb, int tb, size_t *u, size_t *v,
                      size_t *mm)
{
    const size_t x = (size_t)(m + 2) * (m + 2);
    const size_t kg = (size_t)(p->K / p->G), kgp = (kg + kb - 1) / kb * kb;
    const size_t th = ((size_t)p->out[1] + m - 1) / m, tw = ((size_t)p->out[2] + m - 1) / m;
    size_t tiles, tp;
    if (!clconv_mul_size((size_t)p->N, th, &tiles) || !clconv_mul_size(tiles, tw, &tiles))
        return 0;
    tp = (tiles + tb - 1) / tb * tb;
    size_t a, b;
    if (!clconv_mul_size(x, (size_t)p->G, &a) || !clconv_mul_size(a, kgp, &a) ||
        !clconv_mul_size(a, (size_t)(p->C / p->G), u))
        return 0;
    if (!clconv_mul_size(x, (size_t)p->C, &b) || !clconv_mul_size(b, tp, v))
        return 0;
    if (!clconv_mul_size(x, tp, &a) || !clconv_mul_size(a, (size_t)p->G, &a) ||
        !clconv_mul_size(a, kgp, mm))
        return 0;
    /* the M region starts at a 16-float boundary after V (for speed: the
     * kernels' vloadn/vstoren need only float alignment, and the caller's
     * workspace_offset may be any value) */
    const size_t total = (*v + 15) / 16 * 16 + *mm;
    if (*u > (size_t)INT_MAX || total > (size_t)INT_MAX || total < *mm)
        return 0;
    return 1;
}

static int wino_applicable(int m, const char *name, const clconv_context *ctx,
                           const conv_problem *p, char *why, size_t n)
{
    if (p->rank != 2) {
        snprintf(why, n, "%s: rank %d: needs 2D", name, p->rank);
        return 0;
    }
    if (p->k[1] != 3 || p->k[2] != 3) {
        snprintf(why, n, "%s: kernel %dx%d: needs 3x3", name, p->k[1], p->k[2]);
        return 0;
    }
    if (p->s[1] != 1 || p->s[2] != 1) {
        snprintf(why, n, "%s: strides %d,%d: needs stride 1", name, p->s[1], p->s[2]);
        return 0;
    }
    if (p->d[1] != 1 || p->d[2] != 1) {
        snprintf(why, n, "%s: dilations %d,%d: needs dilation 1", name, p->d[1], p->d[2]);
        return 0;
    }
    int kb, tb;
    size_t u, v, mm;
    choose_blocks(&ctx->params, p, m, &kb, &tb);
    if (!wino_sizes(p, m, kb, tb, &u, &v, &mm)) {
        snprintf(why, n, "%s: transformed tensors exceed 2^31 floats", name);
        return 0;
    }
    return 1;
}

static int f2_applicable(const clconv_context *ctx, const conv_problem *p, char *why, size_t n)
{
    return wino_applicable(2, "winograd_f2x2", ctx, p, why, n);
}

static int f4_applicable(const clconv_context *ctx, const conv_problem *p, char *why, size_t n)
{
    return wino_applicable(4, "winograd_f4x4", ctx, p, why, n);
}

static void wino_destroy(clconv_plan *plan)
{
    wino_state *s = plan->state;
    if (!s)
        return;
    if (s->k_in) clReleaseKernel(s->k_in);
    if (s->k_gemm) clReleaseKernel(s->k_gemm);
    if (s->k_out) clReleaseKernel(s->k_out);
    if (s->u) clReleaseMemObject(s->u);
    if (s->bias) clReleaseMemObject(s->bias);
    free(s);
    plan->state = NULL;
}

static clconv_status wino_create(clconv_plan *plan, int m, const char *name)
{
    const conv_problem *p = &plan->p;
    char why[256];
    if (!wino_applicable(m, name, plan->ctx, p, why, sizeof why))
        return clconv_fail(CLCONV_UNSUPPORTED, "clconv_plan_create: %s", why);
    wino_state *s = calloc(1, sizeof *s);
    if (!s)
        return clconv_fail(CLCONV_OUT_OF_MEMORY, "clconv_plan_create: %s: out of host memory", name);
    plan->state = s;
    s->m = m;
    s->x = (m + 2) * (m + 2);
    choose_blocks(&plan->params, p, m, &s->kb, &s->tb);
    size_t u, v, mm;
    wino_sizes(p, m, s->kb, s->tb, &u, &v, &mm); /* checked by wino_applicable */
    s->cg = p->C / p->G;
    s->kg = p->K / p->G;
    s->kgp = (s->kg + s->kb - 1) / s->kb * s->kb;
    s->tiles_h = (p->out[1] + m - 1) / m;
    s->tiles_w = (p->out[2] + m - 1) / m;
    s->tiles = p->N * s->tiles_h * s->tiles_w;
    s->tp = (s->tiles + s->tb - 1) / s->tb * s->tb;
    s->pad_t = p->transposed ? 2 - p->pb[1] : p->pb[1];
    s->pad_l = p->transposed ? 2 - p->pb[2] : p->pb[2];
    s->v_off = 0;
    s->m_off = (int)((v + 15) / 16 * 16);
    plan->workspace_bytes = ((size_t)s->m_off + mm) * sizeof(float);

    char opts[128];
    snprintf(opts, sizeof opts, "-DWINO_M=%d -DWINO_KB=%d -DWINO_TB=%d", m, s->kb, s->tb);
    clconv_status st;
    if ((st = clconv_create_kernel(plan->ctx, "winograd.cl", opts, "winograd_input_transform",
                                   &s->k_in)) ||
        (st = clconv_create_kernel(plan->ctx, "winograd.cl", opts, "winograd_gemm", &s->k_gemm)) ||
        (st = clconv_create_kernel(plan->ctx, "winograd.cl", opts, "winograd_output_transform",
                                   &s->k_out))) {
        wino_destroy(plan);
        return st;
    }
    snprintf(plan->describe, sizeof plan->describe, "%s tile %dx%d kblock %d tblock %d", name, m,
             m, s->kb, s->tb);
    return CLCONV_SUCCESS;
}

static clconv_status f2_create(clconv_plan *plan) { return wino_create(plan, 2, "winograd_f2x2"); }
static clconv_status f4_create(clconv_plan *plan) { return wino_create(plan, 4, "winograd_f4x4"); }

/* Rows of G (A x 3) for F(m x m, 3 x 3); F(4,3) uses points 0, +-1, +-2. */
static const double G2[4][3] = {{1, 0, 0}, {0.5, 0.5, 0.5}, {0.5, -0.5, 0.5}, {0, 0, 1}};
static const double G4[6][3] = {{1.0 / 4, 0, 0},
                                {-1.0 / 6, -1.0 / 6, -1.0 / 6},
                                {-1.0 / 6, 1.0 / 6, -1.0 / 6},
                                {1.0 / 24, 1.0 / 12, 1.0 / 6},
                                {1.0 / 24, -1.0 / 12, 1.0 / 6},
                                {0, 0, 1}};

static clconv_status wino_set_weights(clconv_plan *plan, const float *w, const float *bias)
{
    static const char *op = "clconv_plan_set_weights";
    const conv_problem *p = &plan->p;
    wino_state *s = plan->state;
    const int a = s->m + 2, nkb = s->kgp / s->kb;
    const double(*g)[3] = s->m == 2 ? G2 : G4;
    /* U[x][grp][kb][c][kk % kb], zero for padded output channels */
    const size_t nu = (size_t)s->x * p->G * s->kgp * s->cg;
    float *u = calloc(nu, sizeof *u);
    /* bias padded like M's rows: [G][kgp] */
    const size_t nb = (size_t)p->G * s->kgp;
    float *b = calloc(nb, sizeof *b);
    if (!u || !b) {
        free(u);
        free(b);
        return clconv_fail(CLCONV_OUT_OF_MEMORY, "%s: out of host memory", op);
    }
    for (int grp = 0; grp < p->G; grp++)
        for (int kk = 0; kk < s->kg; kk++)
            for (int c = 0; c < s->cg; c++) {
                /* the 3x3 kernel of the equivalent forward convolution */
                double f[3][3], t[6][3];
                for (int i = 0; i < 3; i++)
                    for (int j = 0; j < 3; j++)
                        f[i][j] = p->transposed
                                      ? w[(((size_t)grp * s->cg + c) * s->kg + kk) * 9 +
                                          (2 - i) * 3 + (2 - j)]
                                      : w[(((size_t)grp * s->kg + kk) * s->cg + c) * 9 + i * 3 + j];
                for (int i = 0; i < a; i++) /* t = G f */
                    for (int j = 0; j < 3; j++)
                        t[i][j] = g[i][0] * f[0][j] + g[i][1] * f[1][j] + g[i][2] * f[2][j];
                for (int i = 0; i < a; i++) /* U = t G^T */
                    for (int j = 0; j < a; j++) {
                        const double val = t[i][0] * g[j][0] + t[i][1] * g[j][1] + t[i][2] * g[j][2];
                        const size_t xg = (size_t)(i * a + j) * p->G + grp;
                        u[((xg * nkb + kk / s->kb) * s->cg + c) * s->kb + kk % s->kb] = (float)val;
                    }
            }
    for (int grp = 0; bias && grp < p->G; grp++)
        memcpy(b + (size_t)grp * s->kgp, bias + (size_t)grp * s->kg, (size_t)s->kg * sizeof *b);
    cl_mem nu_mem = NULL, nb_mem = NULL;
    clconv_status st = clconv_buffer_create(plan->ctx, op, CL_MEM_READ_ONLY, nu * sizeof *u, u,
                                            &nu_mem);
    if (!st)
        st = clconv_buffer_create(plan->ctx, op, CL_MEM_READ_ONLY, nb * sizeof *b, b, &nb_mem);
    free(u);
    free(b);
    if (st) {
        if (nu_mem)
            clReleaseMemObject(nu_mem);
        return st;
    }
    if (s->u)
        clReleaseMemObject(s->u);
    if (s->bias)
        clReleaseMemObject(s->bias);
    s->u = nu_mem;
    s->bias = nb_mem;
    return CLCONV_SUCCESS;
}

static clconv_status wino_enqueue(clconv_plan *plan, const conv_io *io, cl_uint n_wait,
                                  const cl_event *wait, cl_event *event)
{
    static const char *op = "clconv_plan_enqueue";
    const conv_problem *p = &plan->p;
    wino_state *s = plan->state;
    const int H = p->in[1], W = p->in[2], OH = p->out[1], OW = p->out[2];
    clconv_status st;
    if ((st = clconv_set_args(s->k_in, op, 15,
                              (kernel_arg[]){ARG_MEM(io->in), ARG_OFF(io->in_off), ARG_MEM(io->ws),
                                             ARG_OFF(io->ws_off), ARG_INT(s->v_off),
                                             ARG_INT(p->C), ARG_INT(p->G), ARG_INT(H), ARG_INT(W),
                                             ARG_INT(s->pad_t), ARG_INT(s->pad_l),
                                             ARG_INT(s->tiles_h), ARG_INT(s->tiles_w),
                                             ARG_INT(s->tiles), ARG_INT(s->tp)})) ||
        (st = clconv_set_args(s->k_gemm, op, 9,
                              (kernel_arg[]){ARG_MEM(s->u), ARG_MEM(io->ws), ARG_OFF(io->ws_off),
                                             ARG_INT(s->v_off), ARG_INT(s->m_off), ARG_INT(s->cg),
                                             ARG_INT(s->kgp), ARG_INT(s->tp), ARG_INT(p->G)})) ||
        (st = clconv_set_args(s->k_out, op, 18,
                              (kernel_arg[]){ARG_MEM(io->ws), ARG_OFF(io->ws_off),
                                             ARG_INT(s->m_off), ARG_MEM(s->bias), ARG_MEM(io->out),
                                             ARG_OFF(io->out_off), ARG_INT(p->K), ARG_INT(p->G),
                                             ARG_INT(s->kgp), ARG_INT(OH), ARG_INT(OW),
                                             ARG_INT(s->tiles_h), ARG_INT(s->tiles_w),
                                             ARG_INT(s->tiles), ARG_INT(s->tp), ARG_INT(p->act),
                                             ARG_FLOAT(p->alpha), ARG_FLOAT(p->beta)})))
        return st;
    const size_t g_in[2] = {(size_t)(s->tp / s->tb), (size_t)p->C};
    const size_t g_gemm[3] = {(size_t)(s->kgp / s->kb), (size_t)(s->tp / s->tb),
                              (size_t)s->x * (size_t)p->G};
    const size_t g_out[2] = {(size_t)p->G * (size_t)(s->kgp / s->kb), (size_t)s->tiles};
    /* wino_lws (device parameters): on CPUs 1, since every work-item
     * already works on explicit vectors and a fixed size keeps PoCL from
     * compiling each kernel again for every local size it would pick;
     * 0 lets the driver choose. */
    const size_t wl[3] = {plan->params.wino_lws, 1, 1};
    const size_t *lws = wl[0] ? wl : NULL;
    launch_chain ch;
    clconv_chain_begin(&ch, plan->ctx, n_wait, wait);
    st = clconv_chain_kernel(&ch, op, s->k_in, 2, g_in, lws);
    if (!st)
        st = clconv_chain_kernel(&ch, op, s->k_gemm, 3, g_gemm, lws);
    if (!st)
        st = clconv_chain_kernel(&ch, op, s->k_out, 2, g_out, lws);
    return clconv_chain_end(&ch, st, event);
}

/* The tuner's candidates (tune.c): output channels (the vector width) and
 * tiles per GEMM work-item. */
static const tune_knob wino_space[] = {
    {"wino_k_block", {4, 8, 16}, 0, 0},
    {"wino_t_block", {2, 4, 8, 16}, 0, 0},
    {NULL, {0}, 0, 0}};

const clconv_algo clconv_algo_winograd_f2x2 = {CLCONV_ALGO_WINOGRAD_F2X2, "winograd_f2x2",
                                               f2_applicable, f2_create, wino_set_weights,
                                               wino_enqueue, wino_destroy, wino_space, 2e-5};
const clconv_algo clconv_algo_winograd_f4x4 = {CLCONV_ALGO_WINOGRAD_F4X4, "winograd_f4x4",
                                               f4_applicable, f4_create, wino_set_weights,
                                               wino_enqueue, wino_destroy, wino_space, 1e-4};
