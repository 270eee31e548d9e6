/*
 * Deformable convolution on the device: plans, weights, enqueue checks and
 * the host convenience call.  Descriptors, shapes and the reference are in
 * deform_conv_desc.c; the kernel is kernels/deform_conv.cl.
 *
 * Algorithms are a small table below (the public clconv_algorithm values
 * are reused): "direct" fuses bilinear sampling into a convolution that is
 * register-blocked over output channels.  A deformable im2col + GEMM form
 * is not built (see docs/DESIGN.md, "Deformable convolution").
 */
#include "deform_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- parameters ------------------------------------------------------------- */

/* Per device class, like device_params.c's table (first row of the class).
 * CPU (PoCL): a wide register block (32 channels: each bilinear sample
 * feeds 32 multiply-adds; on the 1x256x28x28 3x3 DCNv2 layer 32 ran 20
 * GFLOP/s, 24 16, 16 15, 8 9) and 16 pixels per work-group (1: 15, 8: 16,
 * 32: 12 GFLOP/s at block 16), which PoCL's work-group vectoriser runs as
 * one vector.
 * GPU: 8 channels per work-item keeps registers low, 64 pixels per group
 * for coalesced offset / output accesses.  Unmeasured on GPUs. */
static const struct {
    clconv_device_class cls;
    deform_params p;
} DEFORM_DEFAULTS[] = {
    {CLCONV_DEV_CPU, {32, {16, 1}}},
    {CLCONV_DEV_GPU, {8, {64, 1}}},
    {CLCONV_DEV_OTHER, {4, {0, 0}}},
};

static deform_params default_params(const clconv_context *ctx)
{
    for (size_t i = 0; i < sizeof DEFORM_DEFAULTS / sizeof *DEFORM_DEFAULTS; i++)
        if (DEFORM_DEFAULTS[i].cls == ctx->params.cls)
            return DEFORM_DEFAULTS[i].p;
    return DEFORM_DEFAULTS[2].p;
}

/* ---- plans ------------------------------------------------------------------ */

struct clconv_deform_plan {
    clconv_context *ctx;
    deform_problem p;
    clconv_algorithm algo;
    deform_params params;
    int ocb, nkb;
    cl_kernel kernel;
    cl_mem w, b; /* packed weights, bias (or a 1-float dummy) */
    int has_weights;
    size_t workspace_bytes;
    char describe[256];
};

typedef struct deform_algo {
    clconv_algorithm id;
    const char *name;
} deform_algo;

/* The algorithms, in AUTO's order of preference. */
static const deform_algo DEFORM_ALGOS[] = {
    {CLCONV_ALGO_DIRECT, "direct"},
};

static const deform_algo *find_algo(clconv_algorithm id)
{
    if (id == CLCONV_ALGO_AUTO)
        return &DEFORM_ALGOS[0];
    for (size_t i = 0; i < sizeof DEFORM_ALGOS / sizeof *DEFORM_ALGOS; i++)
        if (DEFORM_ALGOS[i].id == id)
            return &DEFORM_ALGOS[i];
    return NULL;
}

clconv_status clconv_deform_plan_create_params(clconv_context *ctx,
                                               const clconv_deform_conv_desc *desc,
                                               clconv_algorithm algorithm,
                                               const deform_params *params,
                                               clconv_deform_plan **out)
{
    const char *op = "clconv_deform_plan_create";
    clconv_clear_error();
    if (out)
        *out = NULL;
    if (!ctx || !out)
        return clconv_fail(CLCONV_INVALID_ARGUMENT, "%s: %s is NULL", op,
                           !ctx ? "context" : "plan");
    deform_problem p;
    clconv_status st = clconv_deform_check(desc, op, &p);
    if (st)
        return st;
    if ((int)algorithm < 0 || (int)algorithm >= clconv_algorithm_count())
        return clconv_fail(CLCONV_INVALID_ARGUMENT, "%s: algorithm = %d: not an algorithm", op,
                           (int)algorithm);
    const deform_algo *a = find_algo(algorithm);
    if (!a)
        return clconv_fail(CLCONV_UNSUPPORTED,
                           "%s: algorithm %s cannot run a deformable convolution (it runs: "
                           "auto, direct)",
                           op, clconv_algorithm_name(algorithm));
    deform_params pr = params ? *params : default_params(ctx);
    if (pr.oc_block < 1 || pr.oc_block > 32)
        return clconv_fail(CLCONV_INVALID_ARGUMENT, "%s: oc_block = %d: must be 1..32", op,
                           pr.oc_block);
    clconv_deform_plan *plan = calloc(1, sizeof *plan);
    if (!plan)
        return clconv_fail(CLCONV_OUT_OF_MEMORY, "%s: out of host memory", op);
    plan->ctx = ctx;
    plan->p = p;
    plan->algo = a->id;
    plan->params = pr;
    /* No wider block than the group's channels: fewer programs, no idle
     * accumulators. */
    const int Kg = p.K / p.G;
    plan->ocb = pr.oc_block < Kg ? pr.oc_block : Kg;
    plan->nkb = (Kg + plan->ocb - 1) / plan->ocb;
    /* The packed weights are indexed with ints too. */
    size_t packed = (size_t)p.G * plan->nkb * plan->ocb;
    if (!clconv_mul_size(packed, (size_t)(p.C / p.G) * p.kH * p.kW, &packed) ||
        packed > (size_t)0x7fffffff) {
        const int ocb = plan->ocb;
        free(plan);
        return clconv_fail(CLCONV_INVALID_ARGUMENT,
                           "%s: weights: too many elements once padded to blocks of %d", op, ocb);
    }
    char opts[96];
    snprintf(opts, sizeof opts, "-DOCB=%d -DDEFORM_MASK=%d", plan->ocb, p.has_mask);
    st = clconv_create_kernel(ctx, "deform_conv.cl", opts, "deform_conv_direct", &plan->kernel);
    if (st) {
        free(plan);
        return st;
    }
    plan->workspace_bytes = 0;
    snprintf(plan->describe, sizeof plan->describe,
             "%s: oc block %d, work-group %zux%zu%s, offset groups %d, %s", a->name, plan->ocb,
             pr.lws[0], pr.lws[1], pr.lws[0] ? "" : " (driver)", p.OG,
             p.has_mask ? "v2 (mask)" : "v1");
    *out = plan;
    return CLCONV_SUCCESS;
}

clconv_status clconv_deform_plan_create(clconv_context *ctx, const clconv_deform_conv_desc *desc,
                                        clconv_algorithm algorithm, clconv_deform_plan **plan)
{
    return clconv_deform_plan_create_params(ctx, desc, algorithm, NULL, plan);
}

void clconv_deform_plan_destroy(clconv_deform_plan *plan)
{
    if (!plan)
        return;
    if (plan->kernel)
        clReleaseKernel(plan->kernel);
    if (plan->w)
        clReleaseMemObject(plan->w);
    if (plan->b)
        clReleaseMemObject(plan->b);
    free(plan);
}

clconv_algorithm clconv_deform_plan_algorithm(const clconv_deform_plan *plan)
{
    return plan ? plan->algo : CLCONV_ALGO_AUTO;
}

const char *clconv_deform_plan_describe(const clconv_deform_plan *plan)
{
    return plan ? plan->describe : "";
}

clconv_status clconv_deform_plan_workspace_size(const clconv_deform_plan *plan, size_t *bytes)
{
    if (!plan || !bytes)
        return clconv_fail(CLCONV_INVALID_ARGUMENT,
                           "clconv_deform_plan_workspace_size: %s is NULL", !plan ? "plan" : "bytes");
    *bytes = plan->workspace_bytes;
    return CLCONV_SUCCESS;
}

/* ---- weights ------------------------------------------------------------------ */

static clconv_status weights_common(clconv_deform_plan *plan, const char *op, int have_w,
                                    int have_bias)
{
    if (!plan)
        return clconv_fail(CLCONV_INVALID_ARGUMENT, "%s: plan is NULL", op);
    if (!have_w)
        return clconv_fail(CLCONV_INVALID_ARGUMENT, "%s: weights is NULL", op);
    if (plan->p.has_bias && !have_bias)
        return clconv_fail(CLCONV_INVALID_ARGUMENT, "%s: bias is NULL but the descriptor has_bias",
                           op);
    if (!plan->p.has_bias && have_bias)
        return clconv_fail(CLCONV_INVALID_ARGUMENT,
                           "%s: bias given but the descriptor has no bias (has_bias = 0)", op);
    return CLCONV_SUCCESS;
}

/* w[K][Cg][kH][kW] -> [G][nKb][Cg][T][OCB], zeros past K/G. */
static clconv_status upload_weights(clconv_deform_plan *plan, const char *op, const float *w,
                                    const float *b)
{
    const deform_problem *p = &plan->p;
    const int T = p->kH * p->kW, Cg = p->C / p->G, Kg = p->K / p->G, ocb = plan->ocb;
    const size_t n = (size_t)p->G * plan->nkb * Cg * T * ocb;
    float *pk = calloc(n, sizeof *pk);
    if (!pk)
        return clconv_fail(CLCONV_OUT_OF_MEMORY, "%s: out of host memory", op);
    for (int k = 0; k < p->K; k++) {
        const int g = k / Kg, kl = k % Kg, kb = kl / ocb, j = kl % ocb;
        for (int c = 0; c < Cg; c++)
            for (int t = 0; t < T; t++)
                pk[((((size_t)g * plan->nkb + kb) * Cg + c) * T + t) * ocb + j] =
                    w[((size_t)k * Cg + c) * T + t];
    }
    cl_mem nw = NULL, nb = NULL;
    clconv_status st = clconv_buffer_create(plan->ctx, op, CL_MEM_READ_ONLY, n * sizeof(float), pk,
                                            &nw);
    free(pk);
    if (!st) {
        static const float zero = 0.0f;
        st = clconv_buffer_create(plan->ctx, op, CL_MEM_READ_ONLY,
                                  b ? (size_t)p->K * sizeof(float) : sizeof(float), b ? b : &zero,
                                  &nb);
    }
    if (st) {
        if (nw)
            clReleaseMemObject(nw);
        return st;
    }
    if (plan->w)
        clReleaseMemObject(plan->w);
    if (plan->b)
        clReleaseMemObject(plan->b);
    plan->w = nw;
    plan->b = nb;
    return CLCONV_SUCCESS;
}

clconv_status clconv_deform_plan_set_weights_host(clconv_deform_plan *plan, const float *weights,
                                                  const float *bias)
{
    const char *op = "clconv_deform_plan_set_weights_host";
    clconv_clear_error();
    clconv_status st = weights_common(plan, op, weights != NULL, bias != NULL);
    if (st)
        return st;
    plan->has_weights = 0;
    st = upload_weights(plan, op, weights, bias);
    plan->has_weights = st == CLCONV_SUCCESS;
    return st;
}

clconv_status clconv_deform_plan_set_weights(clconv_deform_plan *plan, cl_mem weights, cl_mem bias)
{
    const char *op = "clconv_deform_plan_set_weights";
    clconv_clear_error();
    clconv_status st = weights_common(plan, op, weights != NULL, bias != NULL);
    if (st)
        return st;
    const size_t nw = clconv_deform_weight_elems(&plan->p);
    const size_t nb = plan->p.has_bias ? (size_t)plan->p.K : 0;
    if ((st = clconv_check_buffer(weights, nw * sizeof(float), op, "weights")) ||
        (st = clconv_check_context(weights, plan->ctx, op, "weights")) ||
        (bias && ((st = clconv_check_buffer(bias, nb * sizeof(float), op, "bias")) ||
                  (st = clconv_check_context(bias, plan->ctx, op, "bias")))))
        return st;
    float *hw = malloc(nw * sizeof *hw), *hb = nb ? malloc(nb * sizeof *hb) : NULL;
    if (!hw || (nb && !hb)) {
        free(hw);
        free(hb);
        return clconv_fail(CLCONV_OUT_OF_MEMORY, "%s: out of host memory", op);
    }
    /* Ordered after everything enqueued before (out-of-order queues too),
     * as clconv_plan_set_weights does. */
    cl_event before = NULL;
    cl_int err = clEnqueueMarkerWithWaitList(plan->ctx->queue, 0, NULL, &before);
    st = err != CL_SUCCESS ? clconv_cl_fail(op, "clEnqueueMarkerWithWaitList", err) : CLCONV_SUCCESS;
    if (!st)
        st = clconv_read_buffer_after(plan->ctx, op, weights, nw * sizeof(float), hw, before);
    if (!st && nb)
        st = clconv_read_buffer_after(plan->ctx, op, bias, nb * sizeof(float), hb, before);
    if (before)
        clReleaseEvent(before);
    if (!st) {
        plan->has_weights = 0;
        st = upload_weights(plan, op, hw, hb);
        plan->has_weights = st == CLCONV_SUCCESS;
    }
    free(hw);
    free(hb);
    return st;
}

/* ---- enqueue ----------------------------------------------------------------- */

/* One tensor's range: inside its buffer (overflow-safe), compared with the
 * others in the root buffer's bytes (sub-buffers of one parent alias). */
typedef struct drange {
    const char *field, *off_name;
    cl_mem mem, root;
    size_t off, bytes, begin, end, rbegin, rend;
    int writes; /* output, workspace: must not overlap anything */
} drange;

static clconv_status check_drange(drange *r, const char *op)
{
    if (!r->mem)
        return clconv_fail(CLCONV_INVALID_ARGUMENT, "%s: %s is NULL", op, r->field);
    size_t have = 0;
    cl_int err = clGetMemObjectInfo(r->mem, CL_MEM_SIZE, sizeof have, &have, NULL);
    if (err == CL_OUT_OF_HOST_MEMORY || err == CL_OUT_OF_RESOURCES)
        return clconv_cl_fail(op, "clGetMemObjectInfo(CL_MEM_SIZE)", err);
    if (err != CL_SUCCESS)
        return clconv_fail(CLCONV_INVALID_ARGUMENT, "%s: %s: not a valid buffer (%s)", op,
                           r->field, clconv_cl_error_name(err));
    if (!clconv_mul_size(r->off, sizeof(float), &r->begin) || r->begin > SIZE_MAX - r->bytes)
        return clconv_fail(CLCONV_INVALID_ARGUMENT,
                           "%s: %s = %zu: the %s's %zu bytes from there overflow size_t", op,
                           r->off_name, r->off, r->field, r->bytes);
    r->end = r->begin + r->bytes;
    if (r->end > have)
        return clconv_fail(CLCONV_INVALID_ARGUMENT,
                           "%s: %s: buffer holds %zu bytes; %zu are needed (%s = %zu floats, "
                           "then %zu bytes)",
                           op, r->field, have, r->end, r->off_name, r->off, r->bytes);
    size_t base = 0;
    cl_mem m = r->mem;
    for (int depth = 0; depth < 4; depth++) {
        cl_mem parent = NULL;
        size_t o = 0;
        /* a failed query fails the check: the overlap could not be ruled out */
        err = clGetMemObjectInfo(m, CL_MEM_ASSOCIATED_MEMOBJECT, sizeof parent, &parent, NULL);
        if (err == CL_SUCCESS && parent)
            err = clGetMemObjectInfo(m, CL_MEM_OFFSET, sizeof o, &o, NULL);
        if (err != CL_SUCCESS)
            return clconv_cl_fail(op, "clGetMemObjectInfo (the buffer's parent)", err);
        if (!parent)
            break;
        base += o;
        m = parent;
    }
    r->root = m;
    r->rbegin = base + r->begin;
    r->rend = base + r->end;
    return CLCONV_SUCCESS;
}

static clconv_status check_dapart(const drange *a, const drange *b, const char *op)
{
    if (a->root != b->root || !a->bytes || !b->bytes || b->rend <= a->rbegin ||
        a->rend <= b->rbegin)
        return CLCONV_SUCCESS;
    return clconv_fail(CLCONV_INVALID_ARGUMENT,
                       "%s: %s: bytes [%zu, %zu) (%s = %zu) overlap the %s's [%zu, %zu) "
                       "(%s = %zu) %s; the %s must not overlap another tensor",
                       op, b->field, b->begin, b->end, b->off_name, b->off, a->field, a->begin,
                       a->end, a->off_name, a->off,
                       a->mem == b->mem ? "in the same buffer"
                                        : "in the same memory (through a sub-buffer)",
                       b->field);
}

static clconv_status set_run_args(clconv_deform_plan *plan, const drange *r, const char *op)
{
    const deform_problem *p = &plan->p;
    /* Without a mask the kernel never reads it: the offset stands in. */
    const drange *mk = r[2].mem ? &r[2] : &r[1];
    kernel_arg args[] = {
        ARG_MEM(r[0].mem), ARG_OFF(r[0].off),   ARG_MEM(r[1].mem), ARG_OFF(r[1].off),
        ARG_MEM(mk->mem),  ARG_OFF(mk->off),    ARG_MEM(plan->w),  ARG_MEM(plan->b),
        ARG_MEM(r[3].mem), ARG_OFF(r[3].off),   ARG_INT(p->N),     ARG_INT(p->C),
        ARG_INT(p->H),     ARG_INT(p->W),       ARG_INT(p->K),     ARG_INT(p->G),
        ARG_INT(p->OG),    ARG_INT(p->oH),      ARG_INT(p->oW),    ARG_INT(p->kH),
        ARG_INT(p->kW),    ARG_INT(p->sH),      ARG_INT(p->sW),    ARG_INT(p->dH),
        ARG_INT(p->dW),    ARG_INT(p->pt),      ARG_INT(p->pl),    ARG_INT(plan->nkb),
        ARG_INT(p->has_bias), ARG_INT(p->act),  ARG_FLOAT(p->alpha), ARG_FLOAT(p->beta)};
    return clconv_set_args(plan->kernel, op, (int)(sizeof args / sizeof *args), args);
}

static clconv_status enqueue_checked(clconv_deform_plan *plan, drange *r, cl_uint n_wait,
                                     const cl_event *wait, cl_event *event, const char *op)
{
    clconv_clear_error();
    if (event)
        *event = NULL;
    if (!plan)
        return clconv_fail(CLCONV_INVALID_ARGUMENT, "%s: plan is NULL", op);
    if (!plan->has_weights)
        return clconv_fail(CLCONV_INVALID_STATE,
                           "%s: no weights: call clconv_deform_plan_set_weights first", op);
    if ((n_wait == 0) != (wait == NULL))
        return clconv_fail(CLCONV_INVALID_ARGUMENT,
                           "%s: num_events_in_wait_list = %u does not match event_wait_list", op,
                           n_wait);
    const deform_problem *p = &plan->p;
    if (!p->has_mask && r[2].mem)
        return clconv_fail(CLCONV_INVALID_ARGUMENT,
                           "%s: mask: given but the descriptor has no mask (has_mask = 0)", op);
    if (!p->has_mask && r[2].off)
        return clconv_fail(CLCONV_INVALID_ARGUMENT,
                           "%s: mask_offset = %zu: must be 0 without a mask", op, r[2].off);
    if (!r[4].mem && r[4].off)
        return clconv_fail(CLCONV_INVALID_ARGUMENT,
                           "%s: workspace_offset = %zu: must be 0 when workspace is NULL", op,
                           r[4].off);
    r[0].bytes = clconv_deform_input_elems(p) * sizeof(float);
    r[1].bytes = clconv_deform_offset_elems(p) * sizeof(float);
    r[2].bytes = clconv_deform_mask_elems(p) * sizeof(float);
    r[3].bytes = clconv_deform_output_elems(p) * sizeof(float);
    r[4].bytes = plan->workspace_bytes;
    const int nr = plan->workspace_bytes && r[4].mem ? 5 : 4;
    clconv_status st;
    for (int i = 0; i < nr; i++) {
        if (i == 2 && !p->has_mask)
            continue;
        if ((st = check_drange(&r[i], op)) ||
            (st = clconv_check_context(r[i].mem, plan->ctx, op, r[i].field)))
            return st;
    }
    /* The written tensors against every other. */
    for (int j = 3; j < nr; j++)
        for (int i = 0; i < j; i++)
            if (!(i == 2 && !p->has_mask) && (st = check_dapart(&r[i], &r[j], op)))
                return st;
    if ((st = set_run_args(plan, r, op)))
        return st;
    launch_chain ch;
    clconv_chain_begin(&ch, plan->ctx, n_wait, wait);
    const size_t gws[2] = {(size_t)p->oH * p->oW, (size_t)p->N * p->G * plan->nkb};
    st = clconv_chain_kernel(&ch, op, plan->kernel, 2, gws,
                             plan->params.lws[0] && plan->params.lws[1] ? plan->params.lws : NULL);
    return clconv_chain_end(&ch, st, event);
}

clconv_status clconv_deform_plan_enqueue_offsets(clconv_deform_plan *plan, cl_mem input,
                                                 size_t input_offset, cl_mem offset,
                                                 size_t offset_offset, cl_mem mask,
                                                 size_t mask_offset, cl_mem output,
                                                 size_t output_offset, cl_mem workspace,
                                                 size_t workspace_offset, cl_uint n_wait,
                                                 const cl_event *wait, cl_event *event)
{
    drange r[5] = {
        {"input", "input_offset", input, NULL, input_offset, 0, 0, 0, 0, 0, 0},
        {"offset", "offset_offset", offset, NULL, offset_offset, 0, 0, 0, 0, 0, 0},
        {"mask", "mask_offset", mask, NULL, mask_offset, 0, 0, 0, 0, 0, 0},
        {"output", "output_offset", output, NULL, output_offset, 0, 0, 0, 0, 0, 1},
        {"workspace", "workspace_offset", workspace, NULL, workspace_offset, 0, 0, 0, 0, 0, 1},
    };
    const char *op = "clconv_deform_plan_enqueue_offsets";
    if (plan && plan->p.has_mask && !mask) {
        clconv_clear_error();
        if (event)
            *event = NULL;
        return clconv_fail(CLCONV_INVALID_ARGUMENT, "%s: mask is NULL but has_mask = 1", op);
    }
    return enqueue_checked(plan, r, n_wait, wait, event, op);
}

clconv_status clconv_deform_plan_enqueue(clconv_deform_plan *plan, cl_mem input, cl_mem offset,
                                         cl_mem mask, cl_mem output, cl_mem workspace,
                                         cl_uint n_wait, const cl_event *wait, cl_event *event)
{
    drange r[5] = {
        {"input", "input_offset", input, NULL, 0, 0, 0, 0, 0, 0, 0},
        {"offset", "offset_offset", offset, NULL, 0, 0, 0, 0, 0, 0, 0},
        {"mask", "mask_offset", mask, NULL, 0, 0, 0, 0, 0, 0, 0},
        {"output", "output_offset", output, NULL, 0, 0, 0, 0, 0, 0, 1},
        {"workspace", "workspace_offset", workspace, NULL, 0, 0, 0, 0, 0, 0, 1},
    };
    const char *op = "clconv_deform_plan_enqueue";
    if (plan && plan->p.has_mask && !mask) {
        clconv_clear_error();
        if (event)
            *event = NULL;
        return clconv_fail(CLCONV_INVALID_ARGUMENT, "%s: mask is NULL but has_mask = 1", op);
    }
    return enqueue_checked(plan, r, n_wait, wait, event, op);
}

/* ---- host convenience ---------------------------------------------------------- */

clconv_status clconv_deform_conv_host(clconv_context *ctx, const clconv_deform_conv_desc *desc,
                                      clconv_algorithm algorithm, const float *input,
                                      const float *weights, const float *bias,
                                      const float *offset, const float *mask, float *output,
                                      clconv_algorithm *ran)
{
    const char *op = "clconv_deform_conv_host";
    clconv_clear_error();
    if (!ctx || !input || !weights || !offset || !output)
        return clconv_fail(CLCONV_INVALID_ARGUMENT, "%s: %s is NULL", op,
                           !ctx      ? "context"
                           : !input  ? "input"
                           : !weights ? "weights"
                           : !offset ? "offset"
                                     : "output");
    deform_problem p;
    clconv_status st = clconv_deform_check(desc, op, &p);
    if (st)
        return st;
    if (p.has_mask != (mask != NULL))
        return clconv_fail(CLCONV_INVALID_ARGUMENT, "%s: mask: %s", op,
                           mask ? "given but has_mask = 0" : "NULL but has_mask = 1");
    clconv_deform_plan *plan = NULL;
    if ((st = clconv_deform_plan_create(ctx, desc, algorithm, &plan)))
        return st;
    cl_mem x = NULL, o = NULL, m = NULL, y = NULL;
    const size_t nx = clconv_deform_input_elems(&p) * sizeof(float);
    const size_t no = clconv_deform_offset_elems(&p) * sizeof(float);
    const size_t nm = clconv_deform_mask_elems(&p) * sizeof(float);
    const size_t ny = clconv_deform_output_elems(&p) * sizeof(float);
    cl_event ev = NULL;
    if ((st = clconv_deform_plan_set_weights_host(plan, weights, bias)) ||
        (st = clconv_buffer_create(ctx, op, CL_MEM_READ_ONLY, nx, input, &x)) ||
        (st = clconv_buffer_create(ctx, op, CL_MEM_READ_ONLY, no, offset, &o)) ||
        (mask && (st = clconv_buffer_create(ctx, op, CL_MEM_READ_ONLY, nm, mask, &m))) ||
        (st = clconv_buffer_create(ctx, op, CL_MEM_WRITE_ONLY, ny, NULL, &y)) ||
        (st = clconv_deform_plan_enqueue(plan, x, o, m, y, NULL, 0, NULL, &ev)))
        goto done;
    cl_int err = clEnqueueReadBuffer(ctx->queue, y, CL_TRUE, 0, ny, output, 1, &ev, NULL);
    clReleaseEvent(ev);
    if (err != CL_SUCCESS) {
        st = clconv_cl_fail(op, "clEnqueueReadBuffer", err);
        goto done;
    }
    if (ran)
        *ran = plan->algo;
done:
    if (x)
        clReleaseMemObject(x);
    if (o)
        clReleaseMemObject(o);
    if (m)
        clReleaseMemObject(m);
    if (y)
        clReleaseMemObject(y);
    clconv_deform_plan_destroy(plan);
    return st;
}
