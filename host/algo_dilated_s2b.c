/*
 * dilated_s2b: convolution with stride 1 and dilation > 1 (ConvTranspose too,
 * as its forward equivalent: transpose_forward.c) through
 * space_to_batch.
 *
 * With stride 1, output position o = j*d + r reads padded-input positions
 * (j + t)*d + r only, so the zero-padded input (size P = in + pb + pe per
 * axis) splits into prod(d) interleaved sub-images of S = ceil(P / d)
 * elements, each convolved with the UNDILATED kernel and no padding (inner
 * output T = S - k + 1 per axis).  All sub-images of all images form the
 * batch of ONE ordinary convolution, planned with AUTO (so Winograd serves
 * 3x3 layers), and batch_to_space interleaves the results back, adding bias
 * and applying the activation there (the inner plan has neither).
 *
 * Workspace: sub-image batch x2 | inner output y2 | inner workspace, each
 * region aligned (for speed) from the workspace's start; the inner plan gets
 * them as offsets into the caller's workspace buffer, never sub-buffers
 * (whose origins would have to be aligned absolutely).
 */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define OP "dilated_s2b"
#define RUN 16 /* elements per work-item in the layout kernels (S2B_RUN) */

typedef struct s2b_state {
    conv_problem fwd;     /* the problem as a forward convolution (ConvTranspose: see
                             transpose_forward.c); every step below works on it */
    conv_problem inner_p;
    clconv_plan *inner;
    cl_kernel s2b, b2s;
    cl_mem bias; /* K floats, zeros without bias */
    int dd[3];   /* the dilation each axis is split by */
    int R;       /* sub-images per image: dd[0]*dd[1]*dd[2] */
    size_t lws[3];
    size_t x2_off, x2_bytes, y2_off, y2_bytes, ws_off, ws_bytes;
} s2b_state;

/* The inner problem for p and the dilation each axis is split by (dd);
 * 0 and a reason if it would not fit.  An axis whose kernel is 1 wide
 * reads one position whatever its dilation: it is not split. */
static int inner_problem(const conv_problem *p, conv_problem *q, int dd[3], char *why, size_t n)
{
    *q = *p;
    long long R = 1;
    for (int a = 0; a < 3; a++) {
        dd[a] = p->k[a] == 1 ? 1 : p->d[a];
        const int P = p->in[a] + p->pb[a] + p->pe[a];
        const int S = (P + dd[a] - 1) / dd[a];
        if (R <= 0x7fffffffLL)
            R *= dd[a]; /* <= 2^31 * 2^16: no overflow */
        q->in[a] = S;
        q->out[a] = S - p->k[a] + 1;
        q->s[a] = q->d[a] = 1;
        q->pb[a] = q->pe[a] = 0;
    }
    q->has_bias = 0;
    q->act = CLCONV_ACTIVATION_NONE;
    q->alpha = q->beta = 0.0f;
    if (R > 0x7fffffffLL || (long long)p->N * R > 0x7fffffffLL) {
        snprintf(why, n, OP ": batch %d x %lld sub-images: too many", p->N, R);
        return 0;
    }
    q->N = (int)(p->N * R);
    size_t ni = clconv_problem_input_elems(q), no = clconv_problem_output_elems(q);
    if (!ni || !no || ni > 0x7fffffffu || no > 0x7fffffffu) {
        snprintf(why, n, OP ": the sub-image batch would exceed %d elements", 0x7fffffff);
        return 0;
    }
    return 1;
}

static int s2b_applicable(const clconv_context *ctx, const conv_problem *p, char *why, size_t n)
{
    (void)ctx;
    int dilated = 0;
    for (int a = 3 - p->rank; a < 3; a++) {
        if (p->s[a] != 1) {
            snprintf(why, n, OP ": strides[%d] = %d: needs stride 1", a - (3 - p->rank), p->s[a]);
            return 0;
        }
        dilated |= p->d[a] > 1;
    }
    if (!dilated) {
        snprintf(why, n, OP ": dilations 1: needs dilation > 1 on some axis");
        return 0;
    }
    conv_problem f, q;
    int dd[3];
    clconv_transposed_as_forward(p, &f); /* strides are 1 here */
    return inner_problem(&f, &q, dd, why, n);
}

static void s2b_destroy(clconv_plan *plan)
{
    s2b_state *s = plan->state;
    if (!s)
        return;
    clconv_plan_destroy(s->inner);
    if (s->s2b)
        clReleaseKernel(s->s2b);
    if (s->b2s)
        clReleaseKernel(s->b2s);
    if (s->bias)
        clReleaseMemObject(s->bias);
    free(s);
    plan->state = NULL;
}

static clconv_status s2b_create(clconv_plan *plan)
{
    s2b_state *s = calloc(1, sizeof *s);
    if (!s)
        return clconv_fail(CLCONV_OUT_OF_MEMORY, OP ": out of host memory");
    plan->state = s;
    clconv_transposed_as_forward(&plan->p, &s->fwd);
    const conv_problem *p = &s->fwd;
    char why[256];
    clconv_status st;
    if (!inner_problem(p, &s->inner_p, s->dd, why, sizeof why)) {
        st = clconv_fail(CLCONV_UNSUPPORTED, "%s", why);
        goto fail;
    }
    s->R = s->inner_p.N / p->N;
    if ((st = clconv_plan_create_problem(plan->ctx, &s->inner_p, CLCONV_ALGO_AUTO, OP, &s->inner)))
        goto fail;
    char opts[64];
    snprintf(opts, sizeof opts, "-DS2B_RUN=%d", RUN);
    if ((st = clconv_create_kernel(plan->ctx, "space_batch.cl", opts, "s2b_space_to_batch", &s->s2b)) ||
        (st = clconv_create_kernel(plan->ctx, "space_batch.cl", opts, "s2b_batch_to_space", &s->b2s)))
        goto fail;
    /* layout_lws_z (device parameters): fixed on CPUs, where PoCL compiles
     * a work-group function per local size; 0 lets the driver choose. */
    if (plan->params.layout_lws_z) {
        s->lws[0] = s->lws[1] = 1;
        s->lws[2] = plan->params.layout_lws_z;
    }

    /* Workspace: x2 | y2 | inner workspace, offsets aligned, sizes checked. */
    const size_t al = clconv_region_align(plan->ctx);
    size_t inner_ws = 0;
    if ((st = clconv_plan_workspace_size(s->inner, &inner_ws)))
        goto fail;
    s->ws_bytes = inner_ws;
    s->x2_off = 0;
    if (!clconv_mul_size(clconv_problem_input_elems(&s->inner_p), sizeof(float), &s->x2_bytes) ||
        !clconv_mul_size(clconv_problem_output_elems(&s->inner_p), sizeof(float), &s->y2_bytes) ||
        (s->y2_off = clconv_align_up(s->x2_bytes, al)) < s->x2_bytes ||
        s->y2_off + s->y2_bytes < s->y2_off) {
        st = clconv_fail(CLCONV_OUT_OF_MEMORY, OP ": workspace size overflows");
        goto fail;
    }
    s->ws_off = clconv_align_up(s->y2_off + s->y2_bytes, al);
    if (s->ws_off < s->y2_off + s->y2_bytes || s->ws_off + s->ws_bytes < s->ws_off) {
        st = clconv_fail(CLCONV_OUT_OF_MEMORY, OP ": workspace size overflows");
        goto fail;
    }
    plan->workspace_bytes = s->ws_off + s->ws_bytes;
    plan->int_range = s->inner->int_range;

    char dil[32], sub[32];
    const int r0 = 3 - p->rank;
    int m = 0, k = 0;
    for (int a = r0; a < 3; a++) {
        m += snprintf(dil + m, sizeof dil - (size_t)m, "%s%d", a > r0 ? "x" : "", s->dd[a]);
        k += snprintf(sub + k, sizeof sub - (size_t)k, "%s%d", a > r0 ? "x" : "", s->inner_p.in[a]);
    }
    char inner[256];
    clconv_inner_describe(s->inner, inner, sizeof inner);
    int w = snprintf(plan->describe, sizeof plan->describe, "dilated_s2b d%s: %d sub-images %s; inner: ",
                     dil, s->R, sub);
    /* then the inner plan; truncation of a long description is acceptable */
    const size_t used = strlen(plan->describe);
    snprintf(plan->describe + used, sizeof plan->describe - used, "%s", inner);
    (void)w;
    return CLCONV_SUCCESS;
fail:
    s2b_destroy(plan);
    return st;
}

static clconv_status s2b_set_weights(clconv_plan *plan, const float *w, const float *b)
{
    s2b_state *s = plan->state;
    const conv_problem *p = &s->fwd;
    /* The inner plan gets the weights as they are (same K, C/G and k), or
     * for ConvTranspose as the equivalent forward convolution's. */
    float *wf = NULL;
    if (plan->p.transposed) {
        wf = malloc(clconv_problem_weight_elems(p) * sizeof *wf);
        if (!wf)
            return clconv_fail(CLCONV_OUT_OF_MEMORY, OP ": out of host memory");
        clconv_transposed_weights_as_forward(&plan->p, w, wf);
    }
    clconv_status st = clconv_plan_set_weights_host(s->inner, wf ? wf : w, NULL);
    free(wf);
    if (st)
        return st;
    float *h = calloc((size_t)p->K, sizeof *h);
    if (!h)
        return clconv_fail(CLCONV_OUT_OF_MEMORY, OP ": out of host memory");
    for (int k = 0; b && k < p->K; k++)
        h[k] = b[k];
    cl_mem m = NULL;
    st = clconv_buffer_create(plan->ctx, OP, CL_MEM_READ_ONLY | CL_MEM_COPY_HOST_PTR,
                              (size_t)p->K * sizeof *h, h, &m);
    free(h);
    if (st)
        return st;
    if (s->bias)
        clReleaseMemObject(s->bias);
    s->bias = m;
    return CLCONV_SUCCESS;
}

static clconv_status s2b_enqueue(clconv_plan *plan, const conv_io *io, cl_uint n_wait,
                                 const cl_event *wait, cl_event *event)
{
    s2b_state *s = plan->state;
    const conv_problem *p = &s->fwd, *q = &s->inner_p;
    /* x2, y2 and the inner workspace: regions of ours (byte offsets are
     * multiples of the float size: clconv_region_align). */
    const size_t x2 = io->ws_off + s->x2_off / sizeof(float);
    const size_t y2 = io->ws_off + s->y2_off / sizeof(float);
    const conv_io inner = {io->ws, io->ws, s->ws_bytes ? io->ws : NULL, x2, y2,
                           s->ws_bytes ? io->ws_off + s->ws_off / sizeof(float) : 0};
    /* rows of the sub-image batch and of the output (< 2^31: checked by
     * inner_problem and desc.c) */
    const int z1 = q->N * q->C * q->in[0], z2 = p->N * p->K * p->out[0];
    launch_chain ch;
    clconv_chain_begin(&ch, plan->ctx, n_wait, wait);
    clconv_status st;
    const kernel_arg a1[] = {
        ARG_MEM(io->in),   ARG_OFF(io->in_off), ARG_MEM(io->ws),   ARG_OFF(x2),
        ARG_INT(z1),       ARG_INT(p->C),       ARG_INT(p->in[0]), ARG_INT(p->in[1]),
        ARG_INT(p->in[2]), ARG_INT(q->in[0]),   ARG_INT(q->in[1]), ARG_INT(q->in[2]),
        ARG_INT(s->dd[0]), ARG_INT(s->dd[1]),   ARG_INT(s->dd[2]), ARG_INT(p->pb[0]),
        ARG_INT(p->pb[1]), ARG_INT(p->pb[2]),
    };
    const size_t g1[3] = {(size_t)((q->in[2] + RUN - 1) / RUN), (size_t)q->in[1], (size_t)z1};
    if ((st = clconv_set_args(s->s2b, OP, (int)(sizeof a1 / sizeof a1[0]), a1)) ||
        (st = clconv_chain_kernel(&ch, OP, s->s2b, 3, g1, s->lws[0] ? s->lws : NULL)) ||
        (st = clconv_chain_plan(&ch, s->inner, &inner)))
        return clconv_chain_end(&ch, st, event);

    const kernel_arg a2[] = {
        ARG_MEM(io->ws),    ARG_OFF(y2),        ARG_MEM(s->bias),   ARG_MEM(io->out),
        ARG_OFF(io->out_off), ARG_INT(z2),      ARG_INT(p->K),      ARG_INT(p->out[0]),
        ARG_INT(p->out[1]), ARG_INT(p->out[2]), ARG_INT(q->out[0]), ARG_INT(q->out[1]),
        ARG_INT(q->out[2]), ARG_INT(s->dd[0]),  ARG_INT(s->dd[1]),  ARG_INT(s->dd[2]),
        ARG_INT(p->act),    ARG_FLOAT(p->alpha), ARG_FLOAT(p->beta),
    };
    const size_t g2[3] = {(size_t)((p->out[2] + RUN - 1) / RUN), (size_t)p->out[1], (size_t)z2};
    if (!(st = clconv_set_args(s->b2s, OP, (int)(sizeof a2 / sizeof a2[0]), a2)))
        st = clconv_chain_kernel(&ch, OP, s->b2s, 3, g2, s->lws[0] ? s->lws : NULL);
    return clconv_chain_end(&ch, st, event);
}

const clconv_algo clconv_algo_dilated_s2b = {
    CLCONV_ALGO_DILATED_S2B, "dilated_s2b", s2b_applicable, s2b_create, s2b_set_weights, s2b_enqueue, s2b_destroy,
    NULL, /* nothing of its own to tune: its inner plan takes the inner problem's */
    1e-5,
};
