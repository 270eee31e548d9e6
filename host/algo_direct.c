/* The universal direct algorithm: every valid descriptor, rank 1-3, any
 * stride, pads, dilation and groups, ConvTranspose in gather form.  One
 * launch for all groups and batch items.  Weights are packed once so that
 * the OCB output-channel weights of a tap are contiguous (see direct.cl). */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    cl_kernel kernel;
    cl_mem packed; /* wp[G][KBLK][Cg][KT][OCB] */
    cl_mem bias;   /* K floats, or a 1-float dummy when there is no bias */
    int ocb, wb;
} direct_state;

static int direct_applicable(const clconv_context *ctx, const conv_problem *p, char *why, size_t n)
{
    (void)ctx; (void)p; (void)why; (void)n;
    return 1; /* universal by design */
}

static clconv_status direct_create(clconv_plan *plan)
{
    const conv_problem *p = &plan->p;
    const clconv_device_params *dp = &plan->ctx->params;
    direct_state *s = calloc(1, sizeof *s);
    if (!s)
        return clconv_fail(CLCONV_OUT_OF_MEMORY, "direct: out of host memory");
    plan->state = s;
    s->ocb = dp->direct_oc_block;
    s->wb = dp->direct_w_block;
    /* Few output channels per group: a smaller block wastes less. */
    const int kg = p->K / p->G;
    while (s->ocb > 1 && s->ocb / 2 >= kg)
        s->ocb /= 2;
    /* Narrow outputs: a shorter vector wastes less. */
    while (s->wb > 1 && s->wb / 2 >= p->out[2])
        s->wb /= 2;
    char opts[128];
    snprintf(opts, sizeof opts, "-DOCB=%d -DWB=%d -DTRANSPOSED=%d", s->ocb, s->wb, p->transposed);
    clconv_status st = clconv_create_kernel(plan->ctx, "direct.cl", opts, "direct_conv", &s->kernel);
    if (st)
        return st;
    snprintf(plan->describe, sizeof plan->describe, "direct%s ocb %d wb %d",
             p->transposed ? " transposed" : "", s->ocb, s->wb);
    return CLCONV_SUCCESS;
}

static clconv_status direct_set_weights(clconv_plan *plan, const float *w, const float *bias)
{
    const conv_problem *p = &plan->p;
    direct_state *s = plan->state;
    const int Cg = p->C / p->G, Kg = p->K / p->G, ocb = s->ocb;
    const int kblk = (Kg + ocb - 1) / ocb;
    const size_t kt = (size_t)p->k[0] * p->k[1] * p->k[2];
    size_t n;
    if (!clconv_mul_size((size_t)p->G * kblk * Cg, kt * ocb, &n) || n > ((size_t)1 << 31))
        return clconv_fail(CLCONV_INVALID_ARGUMENT, "direct: packed weights too large");
    float *pk = calloc(n, sizeof *pk);
    if (!pk)
        return clconv_fail(CLCONV_OUT_OF_MEMORY, "direct: out of host memory");
    for (int g = 0; g < p->G; g++)
        for (int kl = 0; kl < Kg; kl++)
            for (int c = 0; c < Cg; c++)
                for (size_t t = 0; t < kt; t++) {
                    /* Conv: w[K][Cg][kt]; ConvTranspose: w[C][Kg][kt]. */
                    size_t src = p->transposed
                                     ? ((size_t)(g * Cg + c) * Kg + kl) * kt + t
                                     : ((size_t)(g * Kg + kl) * Cg + c) * kt + t;
                    size_t dst = ((((size_t)g * kblk + kl / ocb) * Cg + c) * kt + t) * ocb + kl % ocb;
                    pk[dst] = w[src];
                }
    cl_mem packed = NULL, b = NULL;
    clconv_status st = clconv_buffer_create(plan->ctx, "clconv_plan_set_weights", CL_MEM_READ_ONLY,
                                            n * sizeof *pk, pk, &packed);
    free(pk);
    if (!st) {
        static const float zero = 0.0f;
        st = clconv_buffer_create(plan->ctx, "clconv_plan_set_weights", CL_MEM_READ_ONLY,
                                  bias ? (size_t)p->K * sizeof(float) : sizeof(float),
                                  bias ? (const void *)bias : &zero, &b);
    }
    if (st) {
        if (packed)
            clReleaseMemObject(packed);
        return st;
    }
    if (s->packed)
        clReleaseMemObject(s->packed);
    if (s->bias)
        clReleaseMemObject(s->bias);
    s->packed = packed;
    s->bias = b;
    return CLCONV_SUCCESS;
}

static clconv_status direct_enqueue(clconv_plan *plan, cl_mem in, cl_mem out, cl_mem ws,
                                    cl_uint n_wait, const cl_event *wait, cl_event *event)
{
    (void)ws;
    const conv_problem *p = &plan->p;
    direct_state *s = plan->state;
    const char *op = "clconv_plan_enqueue(direct)";
    const int kblk = (p->K / p->G + s->ocb - 1) / s->ocb;
    kernel_arg args[] = {
        ARG_MEM(in),       ARG_MEM(s->packed),  ARG_MEM(s->bias),    ARG_MEM(out),
        ARG_INT(p->N),     ARG_INT(p->C),     ARG_INT(p->K),       ARG_INT(p->G),       ARG_INT(p->in[0]),
        ARG_INT(p->in[1]), ARG_INT(p->in[2]),   ARG_INT(p->out[0]),  ARG_INT(p->out[1]),
        ARG_INT(p->out[2]), ARG_INT(p->k[0]),   ARG_INT(p->k[1]),    ARG_INT(p->k[2]),
        ARG_INT(p->s[0]),  ARG_INT(p->s[1]),    ARG_INT(p->s[2]),    ARG_INT(p->d[0]),
        ARG_INT(p->d[1]),  ARG_INT(p->d[2]),    ARG_INT(p->pb[0]),   ARG_INT(p->pb[1]),
        ARG_INT(p->pb[2]), ARG_INT(p->has_bias), ARG_INT(p->act),    ARG_FLOAT(p->alpha),
        ARG_FLOAT(p->beta)};
    clconv_status st = clconv_set_args(s->kernel, op, (int)(sizeof args / sizeof *args), args);
    if (st)
        return st;
    size_t gws[3] = {(size_t)(p->out[2] + s->wb - 1) / s->wb, (size_t)p->out[0] * p->out[1],
                     (size_t)p->N * p->G * kblk};
    const size_t *lws = plan->ctx->params.direct_lws[0] ? plan->ctx->params.direct_lws : NULL;
    launch_chain ch;
    clconv_chain_begin(&ch, plan->ctx, n_wait, wait);
    st = clconv_chain_kernel(&ch, op, s->kernel, 3, gws, lws);
    return clconv_chain_end(&ch, st, event);
}

static void direct_destroy(clconv_plan *plan)
{
    direct_state *s = plan->state;
    if (!s)
        return;
    if (s->kernel)
        clReleaseKernel(s->kernel);
    if (s->packed)
        clReleaseMemObject(s->packed);
    if (s->bias)
        clReleaseMemObject(s->bias);
    free(s);
    plan->state = NULL;
}

const clconv_algo clconv_algo_direct = {CLCONV_ALGO_DIRECT, "direct", direct_applicable,
                                        direct_create, direct_set_weights, direct_enqueue,
                                        direct_destroy};
