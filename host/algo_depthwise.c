/*
 * depthwise: groups == C with any channel multiplier (K = m * C), any
 * stride, dilation and pads, rank 1-3.  Not transposed.
 *
 * Depthwise layers do ~2 * k FLOPs per output element, so they are memory
 * bound: the kernels (kernels/depthwise.cl) read each input row with vector
 * loads and write each output once, a run of DW_VEC output x positions of
 * one channel (times DW_ROWS rows for the compiled-in KxK shapes) per
 * work-item.  Explicit vectors are what PoCL turns into SIMD on CPUs;
 * elsewhere a work-item computes one pixel.  Weights and bias share one
 * buffer, so there is no workspace.
 */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define OP "depthwise"

typedef struct dw_state {
    cl_kernel kernel;
    cl_mem wb; /* K * ksz weights, then K biases (zeros without bias) */
    int vec, rows, fixed;
    size_t lws[3];
    /* ConvTranspose: stride 1 runs as its forward equivalent (fwd), other
     * strides in gather form (gather = 1, fwd = the problem itself). */
    conv_problem fwd;
    int gather;
} dw_state;

static int dw_applicable(const clconv_context *ctx, const conv_problem *p, char *why, size_t n)
{
    (void)ctx;
    if (p->G != p->C) {
        snprintf(why, n, OP ": groups %d: needs groups == in_channels (%d)", p->G, p->C);
        return 0;
    }
    return 1;
}

static void dw_destroy(clconv_plan *plan)
{
    dw_state *s = plan->state;
    if (!s)
        return;
    if (s->kernel)
        clReleaseKernel(s->kernel);
    if (s->wb)
        clReleaseMemObject(s->wb);
    free(s);
    plan->state = NULL;
}

static clconv_status dw_create(clconv_plan *plan)
{
    dw_state *s = calloc(1, sizeof *s);
    if (!s)
        return clconv_fail(CLCONV_OUT_OF_MEMORY, OP ": out of host memory");
    plan->state = s;
    s->gather = !clconv_transposed_as_forward(&plan->p, &s->fwd);
    if (s->gather)
        s->fwd = plan->p;
    const conv_problem *p = &s->fwd;
    /* Taps in registers need the kernel at compile time: the shapes
     * depthwise networks use (KxK, K = 3, 5, 7, stride 1 or 2, dilation 1)
     * get their own program, with several output rows per work-item
     * sharing input rows; anything else runs the run-time-shape kernel. */
    const int K = p->k[2], S = p->s[2];
    s->fixed = !s->gather && p->k[1] == K && (K == 3 || K == 5 || K == 7) && p->s[1] == S && (S == 1 || S == 2) &&
               p->d[1] == 1 && p->d[2] == 1;
    /* Rows share input rows; fewer for stride 2 and larger kernels, since
     * PoCL's compile time (seconds) grows with the unrolled taps.  The
     * run-time-shape kernel keeps one row and at most float8. */
    const clconv_device_params *dp = &plan->params;
    s->vec = s->fixed ? dp->dw_vec : (dp->dw_vec < 8 ? dp->dw_vec : 8);
    s->rows = s->fixed ? dp->dw_rows / (S == 1 ? 1 : 2) / (K == 3 ? 1 : 2) : 1;
    if (s->rows < 1)
        s->rows = 1;
    for (int i = 0; i < 3; i++)
        s->lws[i] = dp->dw_lws[i];
    char opts[160];
    if (s->fixed)
        snprintf(opts, sizeof opts, "-DDW_VEC=%d -DDW_ROWS=%d -DDW_K=%d -DDW_S=%d", s->vec, s->rows,
                 K, S);
    else
        snprintf(opts, sizeof opts, "-DDW_VEC=%d", s->vec);
    clconv_status st = clconv_create_kernel(plan->ctx, "depthwise.cl", opts,
                                            s->gather  ? "depthwise_conv_transposed"
                                            : s->fixed ? "depthwise_conv_k"
                                                       : "depthwise_conv",
                                            &s->kernel);
    if (st) {
        dw_destroy(plan);
        return st;
    }
    plan->workspace_bytes = 0;
    snprintf(plan->describe, sizeof plan->describe,
             "depthwise%s multiplier %d, %dx%d outputs (float%d along W) per work-item%s",
             s->gather ? " transposed (gather)" : "", p->K / p->C, s->vec, s->rows, s->vec,
             s->fixed ? ", taps in registers" : "");
    return CLCONV_SUCCESS;
}

static clconv_status dw_set_weights(clconv_plan *plan, const float *w, const float *b)
{
    dw_state *s = plan->state;
    const conv_problem *p = &s->fwd;
    size_t nw = clconv_problem_weight_elems(p), bytes;
    if (!nw || !clconv_mul_size(nw + (size_t)p->K, sizeof(float), &bytes))
        return clconv_fail(CLCONV_OUT_OF_MEMORY, OP ": weights too large");
    float *h = malloc(bytes);
    if (!h)
        return clconv_fail(CLCONV_OUT_OF_MEMORY, OP ": out of host memory");
    if (plan->p.transposed && !s->gather)
        clconv_transposed_weights_as_forward(&plan->p, w, h);
    else
        memcpy(h, w, nw * sizeof(float));
    for (int k = 0; k < p->K; k++)
        h[nw + (size_t)k] = b ? b[k] : 0.0f;
    cl_mem m = NULL;
    clconv_status st = clconv_buffer_create(plan->ctx, OP, CL_MEM_READ_ONLY | CL_MEM_COPY_HOST_PTR,
                                            bytes, h, &m);
    free(h);
    if (st)
        return st;
    if (s->wb)
        clReleaseMemObject(s->wb);
    s->wb = m;
    return CLCONV_SUCCESS;
}

static clconv_status dw_enqueue(clconv_plan *plan, const conv_io *io, cl_uint n_wait,
                                const cl_event *wait, cl_event *event)
{
    dw_state *s = plan->state;
    const conv_problem *p = &s->fwd;
    const kernel_arg args[] = {
        ARG_MEM(io->in),     ARG_OFF(io->in_off), ARG_MEM(s->wb),      ARG_MEM(io->out),
        ARG_OFF(io->out_off), ARG_INT(p->C),
        ARG_INT(p->K),       ARG_INT(p->K / p->C), ARG_INT(p->N * p->K * p->out[0]),
        ARG_INT(clconv_problem_input_elems(p)), ARG_INT(p->in[0]),  ARG_INT(p->in[1]),
        ARG_INT(p->in[2]),   ARG_INT(p->out[0]),  ARG_INT(p->out[1]),  ARG_INT(p->out[2]),
        ARG_INT(p->k[0]),    ARG_INT(p->k[1]),    ARG_INT(p->k[2]),    ARG_INT(p->s[0]),
        ARG_INT(p->s[1]),    ARG_INT(p->s[2]),    ARG_INT(p->d[0]),    ARG_INT(p->d[1]),
        ARG_INT(p->d[2]),    ARG_INT(p->pb[0]),   ARG_INT(p->pb[1]),   ARG_INT(p->pb[2]),
        ARG_INT(p->act),     ARG_FLOAT(p->alpha), ARG_FLOAT(p->beta),
    };
    clconv_status st = clconv_set_args(s->kernel, OP, (int)(sizeof args / sizeof args[0]), args);
    if (st)
        return st;
    const size_t gws[3] = {(size_t)((p->out[2] + s->vec - 1) / s->vec),
                           (size_t)((p->out[1] + s->rows - 1) / s->rows),
                           (size_t)p->N * (size_t)p->K * (size_t)p->out[0]};
    launch_chain ch;
    clconv_chain_begin(&ch, plan->ctx, n_wait, wait);
    st = clconv_chain_kernel(&ch, OP, s->kernel, 3, gws, s->lws[0] ? s->lws : NULL);
    return clconv_chain_end(&ch, st, event);
}

/* The tuner's candidates (tune.c): vector width along W and output rows
 * per work-item (the compiled-in KxK kernels use both). */
static const tune_knob dw_space[] = {
    {"dw_vec", {1, 2, 4, 8, 16}, 0, 0},
    {"dw_rows", {1, 2, 4, 8}, 0, 0},
    {NULL, {0}, 0, 0}};

const clconv_algo clconv_algo_depthwise = {
    CLCONV_ALGO_DEPTHWISE, "depthwise", dw_applicable, dw_create, dw_set_weights, dw_enqueue, dw_destroy, dw_space, 1e-5,
};
