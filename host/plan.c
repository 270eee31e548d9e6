/* Plans: validation, algorithm choice (named or AUTO), the algorithm table,
 * weights, workspace and enqueue checks.  Algorithms see only a resolved
 * conv_problem and host weights; everything a caller can get wrong is
 * checked here first, so no algorithm ever starts on bad input. */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const algo_names[CLCONV_ALGO_COUNT] = {
    "auto", "direct", "gemm", "winograd_f2x2", "winograd_f4x4", "depthwise", "dilated_s2b",
    "deconv_d2s", "igemm"};

const char *clconv_algorithm_name(clconv_algorithm a)
{
    return (unsigned)a < CLCONV_ALGO_COUNT ? algo_names[a] : NULL;
}

int clconv_algorithm_count(void) { return CLCONV_ALGO_COUNT; }

clconv_status clconv_algorithm_from_name(const char *name, clconv_algorithm *out)
{
    if (!name || !out)
        return clconv_fail(CLCONV_INVALID_ARGUMENT, "clconv_algorithm_from_name: NULL argument");
    for (int i = 0; i < CLCONV_ALGO_COUNT; i++)
        if (!strcmp(name, algo_names[i])) {
            *out = (clconv_algorithm)i;
            return CLCONV_SUCCESS;
        }
    return clconv_fail(CLCONV_INVALID_ARGUMENT,
                       "clconv_algorithm_from_name: \"%s\": not an algorithm (auto, direct, gemm, "
                       "winograd_f2x2, winograd_f4x4, depthwise, dilated_s2b, deconv_d2s, "
                       "igemm)",
                       name);
}

const tune_knob *clconv_algo_space(clconv_algorithm id)
{
    const clconv_algo *a = clconv_algo_lookup(id);
    return a ? a->space : NULL;
}

const clconv_algo *clconv_algo_lookup(clconv_algorithm id)
{
    switch (id) {
    case CLCONV_ALGO_DIRECT: return &clconv_algo_direct;
    case CLCONV_ALGO_GEMM: return &clconv_algo_gemm;
    case CLCONV_ALGO_WINOGRAD_F2X2: return &clconv_algo_winograd_f2x2;
    case CLCONV_ALGO_WINOGRAD_F4X4: return &clconv_algo_winograd_f4x4;
    case CLCONV_ALGO_DEPTHWISE: return &clconv_algo_depthwise;
    case CLCONV_ALGO_DILATED_S2B: return &clconv_algo_dilated_s2b;
    case CLCONV_ALGO_DECONV_D2S: return &clconv_algo_deconv_d2s;
    case CLCONV_ALGO_IGEMM: return &clconv_algo_igemm;
    case CLCONV_ALGO_AUTO:
    case CLCONV_ALGO_COUNT: break;
    }
    return NULL;
}

static int can(const clconv_context *ctx, const conv_problem *p, clconv_algorithm id)
{
    const clconv_algo *a = clconv_algo_lookup(id);
    char why[256];
    return a && a->create && a->applicable(ctx, p, why, sizeof why);
}

/* Heuristics until the find database exists; every candidate is checked
 * for applicability, so AUTO never picks an algorithm that cannot run. */
clconv_algorithm clconv_auto_choose(const clconv_context *ctx, const conv_problem *p)
{
    const int gpu = ctx->params.cls == CLCONV_DEV_GPU;
    const int cg = p->C / p->G, kg = p->K / p->G;
    const int one_by_one = p->k[0] == 1 && p->k[1] == 1 && p->k[2] == 1;
    int strided = 0, dilated = 0;
    for (int a = 0; a < 3; a++) {
        strided |= p->s[a] > 1;
        dilated |= p->d[a] > 1;
    }
    /* Composites and Winograd launch three steps or more: below ~20 MFLOP
     * (measured on the smoke suite) the launches cost more than they save. */
    const double taps = (double)p->k[0] * p->k[1] * p->k[2];
    const double flops = p->transposed
                             ? 2.0 * p->N * p->C * (double)p->in[0] * p->in[1] * p->in[2] * kg * taps
                             : 2.0 * p->N * p->K * (double)p->out[0] * p->out[1] * p->out[2] * cg * taps;
    const int big_enough = flops >= 2e7;
    if (p->transposed) {
        /* direct gathers by output phase (no zero taps, no scatter pass) and
         * measured 1.2-2.2x faster than deconv_d2s on DCGAN, k3s2 and the
         * larger U-Net upsamplers; deconv_d2s's inner convolution still wins
         * where every sub-kernel is 1x1 (k = s) on wide, small layers
         * (U-Net 1024 and 512 channels at 16x16 and 32x32: 1.3x). */
        int pointwise_phases = 1;
        for (int a = 0; a < 3; a++)
            pointwise_phases &= p->k[a] == p->s[a];
        if (strided && big_enough && pointwise_phases && cg >= 512 &&
            can(ctx, p, CLCONV_ALGO_DECONV_D2S))
            return CLCONV_ALGO_DECONV_D2S;
    } else if (p->G == p->C && p->G > 1 && can(ctx, p, CLCONV_ALGO_DEPTHWISE)) {
        return CLCONV_ALGO_DEPTHWISE;
    } else if (dilated && !strided && big_enough && cg * kg >= 64 &&
               can(ctx, p, CLCONV_ALGO_DILATED_S2B)) {
        return CLCONV_ALGO_DILATED_S2B;
    }
    /* Grouped layers with few channels per group (ResNeXt's 4-16) spend
     * Winograd's time in its transforms: direct measured 1.7-2.6x faster
     * there on PoCL (rx50 g32 at 28x28 and 14x14); from 32 on, Winograd
     * wins again on small images. */
    if (cg >= 8 && kg >= 8 && big_enough && (p->G == 1 || cg >= 32)) {
        /* F(4x4) is 2-3x direct on big layers but an order of magnitude
         * less accurate than F(2x2) (few 1e-6 relative vs 1e-7): AUTO takes
         * it only where the speed matters, F(2x2) elsewhere. */
        int big = p->out[1] >= 14 && p->out[2] >= 14 && cg >= 32 && kg >= 32;
        if (big && can(ctx, p, CLCONV_ALGO_WINOGRAD_F4X4))
            return CLCONV_ALGO_WINOGRAD_F4X4;
        if (can(ctx, p, CLCONV_ALGO_WINOGRAD_F2X2))
            return CLCONV_ALGO_WINOGRAD_F2X2;
    }
    if (gpu && one_by_one && cg >= 16 && can(ctx, p, CLCONV_ALGO_GEMM))
        return CLCONV_ALGO_GEMM;
    /* GPUs: where direct would run a dense layer with enough work, the
     * tiled implicit GEMM (work-groups sharing tiles in local memory) if
     * the context's igemm parameters fit the device.  CPUs keep direct:
     * on PoCL igemm measured slower than direct on every layer group of
     * the standard suite (docs/DESIGN.md, "igemm"). */
    char why[256];
    if (gpu && !(p->G == p->C && p->G > 1) && kg >= 16 && big_enough &&
        clconv_igemm_params_fit(ctx, &ctx->params, why, sizeof why) &&
        can(ctx, p, CLCONV_ALGO_IGEMM))
        return CLCONV_ALGO_IGEMM;
    return CLCONV_ALGO_DIRECT;
}

static clconv_status unsupported(const char *op, const conv_problem *p, const clconv_algo *a,
                                 const char *why)
{
    char ps[256];
    clconv_problem_string(p, ps, sizeof ps);
    /* Every applicability reason starts with the algorithm's name. */
    (void)a;
    return clconv_fail(CLCONV_UNSUPPORTED, "%s: cannot run \"%s\": %s", op, ps, why);
}

static clconv_status check_algorithm(clconv_context *ctx, const conv_problem *p,
                                     clconv_algorithm id, const char *op, const clconv_algo **out)
{
    if ((unsigned)id >= CLCONV_ALGO_COUNT)
        return clconv_fail(CLCONV_INVALID_ARGUMENT, "%s: algorithm = %d: not a clconv_algorithm",
                           op, (int)id);
    if (id == CLCONV_ALGO_AUTO)
        id = clconv_auto_choose(ctx, p);
    const clconv_algo *a = clconv_algo_lookup(id);
    char why[256] = "not available";
    if (!a->create || !a->applicable(ctx, p, why, sizeof why))
        return unsupported(op, p, a, why);
    *out = a;
    return CLCONV_SUCCESS;
}

static const char *const choice_names[] = {"heuristics", "database", "database neighbour",
                                           "explicit params"};

/* How far (tuning_db.c's log2 distance) a recorded problem may be from an
 * untuned one and still lend it its algorithm and parameters: e.g. twice
 * the channels in and out, or 16x the pixels. */
#define NEIGHBOUR_DISTANCE 2.0

static clconv_status create_once(clconv_context *ctx, const conv_problem *p, clconv_algorithm id,
                                 const char *params, const char *op, clconv_plan **out,
                                 const clconv_algo **chosen)
{
    const clconv_algo *a;
    *out = NULL;
    if ((unsigned)id >= CLCONV_ALGO_COUNT)
        return clconv_fail(CLCONV_INVALID_ARGUMENT, "%s: algorithm = %d: not a clconv_algorithm",
                           op, (int)id);
    plan_choice choice = params ? CHOICE_EXPLICIT : CHOICE_HEURISTICS;
    char db_params[256];
    clconv_algorithm found;
    char near_key[224];
    if (!params && clconv_tuning_lookup(ctx, p, id, &found, db_params, sizeof db_params) &&
        can(ctx, p, found)) {
        id = found;
        params = db_params;
        choice = CHOICE_DATABASE;
    } else if (!params &&
               clconv_tuning_nearest(ctx, p, id, NEIGHBOUR_DISTANCE, &found, db_params,
                                     sizeof db_params, near_key, sizeof near_key) &&
               can(ctx, p, found)) {
        id = found;
        params = db_params;
        choice = CHOICE_NEIGHBOUR;
    }
    clconv_status st = check_algorithm(ctx, p, id, op, &a);
    if (st)
        return st;
    *chosen = a;
    clconv_plan *plan = calloc(1, sizeof *plan);
    if (!plan)
        return clconv_fail(CLCONV_OUT_OF_MEMORY, "%s: out of host memory", op);
    plan->ctx = ctx;
    plan->p = *p;
    plan->algo = a;
    plan->params = ctx->params;
    plan->choice = choice;
    if (params && (st = clconv_device_params_apply(params, choice == CHOICE_EXPLICIT
                                                               ? op
                                                               : "tuning database entry",
                                                   &plan->params))) {
        if (choice == CHOICE_EXPLICIT) {
            free(plan);
            return st;
        }
        /* A database line this version cannot apply: the defaults. */
        clconv_log(ctx, "clconv: %s; using the defaults", clconv_last_error());
        clconv_clear_error();
        plan->params = ctx->params;
        plan->choice = CHOICE_HEURISTICS;
    }
    if (params && plan->choice != CHOICE_HEURISTICS)
        snprintf(plan->param_string, sizeof plan->param_string, "%s", params);
    snprintf(plan->describe, sizeof plan->describe, "%s", a->name);
    st = a->create(plan);
    if (!st) {
        cl_ulong max_alloc = 0;
        clGetDeviceInfo(ctx->device, CL_DEVICE_MAX_MEM_ALLOC_SIZE, sizeof max_alloc, &max_alloc,
                        NULL);
        if (max_alloc && plan->workspace_bytes > max_alloc) {
            char why[160];
            snprintf(why, sizeof why, "%s: workspace of %zu bytes exceeds the device's largest "
                     "allocation (%llu bytes)", a->name, plan->workspace_bytes,
                     (unsigned long long)max_alloc);
            st = unsupported(op, p, a, why);
        }
    }
    if (st) {
        clconv_plan_destroy(plan);
        return st;
    }
    size_t len = strlen(plan->describe);
    snprintf(plan->describe + len, sizeof plan->describe - len, "; choice: %s",
             choice_names[plan->choice]);
    *out = plan;
    return CLCONV_SUCCESS;
}

clconv_status clconv_plan_create_params(clconv_context *ctx, const conv_problem *p,
                                        clconv_algorithm id, const char *params, const char *op,
                                        clconv_plan **out)
{
    const clconv_algo *chosen = NULL;
    clconv_status st = create_once(ctx, p, id, params, op, out, &chosen);
    /* AUTO's choice can still refuse at creation (a workspace past the
     * device's largest allocation, an inner plan that cannot be built):
     * AUTO then runs the universal direct rather than fail. */
    if (st == CLCONV_UNSUPPORTED && id == CLCONV_ALGO_AUTO && !params && chosen &&
        chosen->id != CLCONV_ALGO_DIRECT) {
        clconv_log(ctx, "clconv: %s; AUTO falls back to direct", clconv_last_error());
        clconv_clear_error();
        st = create_once(ctx, p, CLCONV_ALGO_DIRECT, NULL, op, out, &chosen);
    }
    return st;
}

void clconv_inner_describe(const clconv_plan *inner, char *buf, size_t n)
{
    const char *d = inner->describe, *c = strstr(d, "; choice: ");
    if (!c)
        snprintf(buf, n, "%s", d);
    else
        snprintf(buf, n, "%.*s (%s)", (int)(c - d), d, c + strlen("; choice: "));
}

clconv_status clconv_plan_create_problem(clconv_context *ctx, const conv_problem *p,
                                         clconv_algorithm id, const char *op, clconv_plan **out)
{
    return clconv_plan_create_params(ctx, p, id, NULL, op, out);
}

/* The public entry points: argument checks, the descriptor resolved, then
 * the plan (params NULL: the tuning database or the heuristics decide). */
static clconv_status create_from_desc(clconv_context *ctx, const clconv_conv_desc *desc,
                                      clconv_algorithm algorithm, const char *params,
                                      const char *op, clconv_plan **plan)
{
    clconv_clear_error();
    if (!plan)
        return clconv_fail(CLCONV_INVALID_ARGUMENT, "%s: plan is NULL", op);
    *plan = NULL;
    if (!ctx)
        return clconv_fail(CLCONV_INVALID_ARGUMENT, "%s: context is NULL", op);
    conv_problem p;
    clconv_status st = clconv_problem_from_desc(desc, op, &p);
    if (st)
        return st;
    return clconv_plan_create_params(ctx, &p, algorithm, params, op, plan);
}

clconv_status clconv_plan_create_with_params(clconv_context *ctx, const clconv_conv_desc *desc,
                                             clconv_algorithm algorithm, const char *params,
                                             clconv_plan **plan)
{
    return create_from_desc(ctx, desc, algorithm, params ? params : "",
                            "clconv_plan_create_with_params", plan);
}

clconv_status clconv_plan_create(clconv_context *ctx, const clconv_conv_desc *desc,
                                 clconv_algorithm algorithm, clconv_plan **plan)
{
    return create_from_desc(ctx, desc, algorithm, NULL, "clconv_plan_create", plan);
}

clconv_status clconv_algorithm_supports(clconv_context *ctx, const clconv_conv_desc *desc,
                                        clconv_algorithm algorithm)
{
    const char *op = "clconv_algorithm_supports";
    clconv_clear_error();
    if (!ctx)
        return clconv_fail(CLCONV_INVALID_ARGUMENT, "%s: context is NULL", op);
    conv_problem p;
    clconv_status st = clconv_problem_from_desc(desc, op, &p);
    if (st)
        return st;
    const clconv_algo *a;
    return check_algorithm(ctx, &p, algorithm, op, &a);
}

void clconv_plan_destroy(clconv_plan *plan)
{
    if (!plan)
        return;
    if (plan->algo && plan->algo->destroy)
        plan->algo->destroy(plan);
    if (plan->own_ws_busy)
        clReleaseEvent(plan->own_ws_busy);
    if (plan->own_workspace)
        clReleaseMemObject(plan->own_workspace);
    free(plan);
}

clconv_algorithm clconv_plan_algorithm(const clconv_plan *plan)
{
    return plan && plan->algo ? plan->algo->id : CLCONV_ALGO_AUTO;
}

const char *clconv_plan_describe(const clconv_plan *plan) { return plan ? plan->describe : ""; }

static clconv_status weights_common(clconv_plan *plan, const char *op, int have_bias)
{
    if (!plan)
        return clconv_fail(CLCONV_INVALID_ARGUMENT, "%s: plan is NULL", op);
    if (plan->p.has_bias && !have_bias)
        return clconv_fail(CLCONV_INVALID_ARGUMENT, "%s: bias is NULL but the descriptor has_bias",
                           op);
    if (!plan->p.has_bias && have_bias)
        return clconv_fail(CLCONV_INVALID_ARGUMENT,
                           "%s: bias given but the descriptor has no bias (has_bias = 0)", op);
    return CLCONV_SUCCESS;
}

clconv_status clconv_plan_set_weights_host(clconv_plan *plan, const float *weights,
                                           const float *bias)
{
    const char *op = "clconv_plan_set_weights_host";
    clconv_clear_error();
    clconv_status st = weights_common(plan, op, bias != NULL);
    if (st)
        return st;
    if (!weights)
        return clconv_fail(CLCONV_INVALID_ARGUMENT, "%s: weights is NULL", op);
    plan->has_weights = 0;
    st = plan->algo->set_weights(plan, weights, bias);
    plan->has_weights = st == CLCONV_SUCCESS;
    return st;
}

clconv_status clconv_plan_set_weights(clconv_plan *plan, cl_mem weights, cl_mem bias)
{
    const char *op = "clconv_plan_set_weights";
    clconv_clear_error();
    clconv_status st = weights_common(plan, op, bias != NULL);
    if (st)
        return st;
    size_t nw = clconv_problem_weight_elems(&plan->p), nb = plan->p.has_bias ? (size_t)plan->p.K : 0;
    if ((st = clconv_check_buffer(weights, nw * sizeof(float), op, "weights")) ||
        (st = clconv_check_context(weights, plan->ctx, op, "weights")))
        return st;
    if (bias && ((st = clconv_check_buffer(bias, nb * sizeof(float), op, "bias")) ||
                 (st = clconv_check_context(bias, plan->ctx, op, "bias"))))
        return st;
    /* Transforms run on the host in double precision, once per layer: the
     * weights come back from the device for it. */
    float *hw = malloc(nw * sizeof *hw), *hb = nb ? malloc(nb * sizeof *hb) : NULL;
    if (!hw || (nb && !hb)) {
        free(hw);
        free(hb);
        return clconv_fail(CLCONV_OUT_OF_MEMORY, "%s: out of host memory", op);
    }
    /* On an out-of-order queue a blocking read is not ordered after the
     * caller's pending writes to the weights: the reads wait for a marker
     * that waits for everything enqueued before it (an explicit event, not
     * a barrier: PoCL 3.1's barrier did not order the next command). */
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
        st = plan->algo->set_weights(plan, hw, hb);
        plan->has_weights = st == CLCONV_SUCCESS;
    }
    free(hw);
    free(hb);
    return st;
}

clconv_status clconv_plan_workspace_size(const clconv_plan *plan, size_t *bytes)
{
    if (!plan || !bytes)
        return clconv_fail(CLCONV_INVALID_ARGUMENT, "clconv_plan_workspace_size: NULL argument");
    *bytes = plan->workspace_bytes;
    return CLCONV_SUCCESS;
}

/* The plan's own workspace (NULL workspace): allocated once, and each run
 * waits for the previous run that used it. */
static clconv_status enqueue_own_workspace(clconv_plan *plan, conv_io *io, cl_uint n_wait,
                                           const cl_event *wait, cl_event *event, const char *op)
{
    clconv_status st;
    if (!plan->own_workspace &&
        (st = clconv_buffer_create(plan->ctx, op, CL_MEM_READ_WRITE, plan->workspace_bytes, NULL,
                                   &plan->own_workspace)))
        return st;
    io->ws = plan->own_workspace;
    io->ws_off = 0;
    cl_event stack[8], *list = stack, ev = NULL;
    cl_uint n = n_wait;
    if (plan->own_ws_busy) {
        if (n_wait + 1 > sizeof stack / sizeof *stack &&
            !(list = malloc((n_wait + 1) * sizeof *list)))
            return clconv_fail(CLCONV_OUT_OF_MEMORY, "%s: out of host memory", op);
        for (cl_uint i = 0; i < n_wait; i++)
            list[i] = wait[i];
        list[n++] = plan->own_ws_busy;
    } else {
        list = (cl_event *)wait;
    }
    st = plan->algo->enqueue(plan, io, n, n ? list : NULL, &ev);
    if (list != stack && list != wait)
        free(list);
    if (st)
        return st;
    if (plan->own_ws_busy)
        clReleaseEvent(plan->own_ws_busy);
    plan->own_ws_busy = ev;
    if (event) {
        clRetainEvent(ev);
        *event = ev;
    }
    return CLCONV_SUCCESS;
}

/* Both public enqueues: every check first, so that a bad argument
 * enqueues nothing and leaves the output untouched. */
static clconv_status enqueue_checked(clconv_plan *plan, conv_io io, cl_uint n_wait,
                                     const cl_event *wait, cl_event *event, const char *op)
{
    clconv_clear_error();
    if (event)
        *event = NULL;
    if (!plan)
        return clconv_fail(CLCONV_INVALID_ARGUMENT, "%s: plan is NULL", op);
    if (!plan->has_weights)
        return clconv_fail(CLCONV_INVALID_STATE,
                           "%s: no weights: call clconv_plan_set_weights first", op);
    if ((n_wait == 0) != (wait == NULL))
        return clconv_fail(CLCONV_INVALID_ARGUMENT,
                           "%s: num_events_in_wait_list = %u does not match event_wait_list", op,
                           n_wait);
    if (!io.ws && io.ws_off)
        return clconv_fail(CLCONV_INVALID_ARGUMENT,
                           "%s: workspace_offset = %zu: must be 0 when workspace is NULL (the "
                           "plan's own workspace)",
                           op, io.ws_off);
    const int own = io.ws == NULL && plan->workspace_bytes > 0;
    if (plan->workspace_bytes == 0) {
        io.ws = NULL; /* not used: not looked at */
        io.ws_off = 0;
    }
    const size_t nx = clconv_problem_input_elems(&plan->p);
    const size_t ny = clconv_problem_output_elems(&plan->p);
    const size_t nws = own ? 0 : plan->workspace_bytes;
    clconv_status st = clconv_check_io(&io, nx, ny, nws, op);
    if (!st)
        st = clconv_check_context(io.in, plan->ctx, op, "input");
    if (!st)
        st = clconv_check_context(io.out, plan->ctx, op, "output");
    if (!st && nws)
        st = clconv_check_context(io.ws, plan->ctx, op, "workspace");
    if (!st && plan->int_range)
        st = clconv_check_io_int(&io, nx, ny, nws, op);
    if (st)
        return st;
    if (own)
        return enqueue_own_workspace(plan, &io, n_wait, wait, event, op);
    return plan->algo->enqueue(plan, &io, n_wait, wait, event);
}

clconv_status clconv_plan_enqueue(clconv_plan *plan, cl_mem input, cl_mem output, cl_mem workspace,
                                  cl_uint n_wait, const cl_event *wait, cl_event *event)
{
    const conv_io io = {input, output, workspace, 0, 0, 0};
    return enqueue_checked(plan, io, n_wait, wait, event, "clconv_plan_enqueue");
}

clconv_status clconv_plan_enqueue_offsets(clconv_plan *plan, cl_mem input, size_t input_offset,
                                          cl_mem output, size_t output_offset, cl_mem workspace,
                                          size_t workspace_offset, cl_uint n_wait,
                                          const cl_event *wait, cl_event *event)
{
    const conv_io io = {input, output, workspace, input_offset, output_offset, workspace_offset};
    return enqueue_checked(plan, io, n_wait, wait, event, "clconv_plan_enqueue_offsets");
}

clconv_status clconv_conv_host(clconv_context *ctx, const clconv_conv_desc *desc,
                               clconv_algorithm algorithm, const float *input, const float *weights,
                               const float *bias, float *output, clconv_algorithm *ran)
{
    const char *op = "clconv_conv_host";
    clconv_clear_error();
    if (!ctx || !input || !weights || !output)
        return clconv_fail(CLCONV_INVALID_ARGUMENT, "%s: %s is NULL", op,
                           !ctx ? "context" : !input ? "input" : !weights ? "weights" : "output");
    clconv_plan *plan = NULL;
    clconv_status st = clconv_plan_create(ctx, desc, algorithm, &plan);
    if (st)
        return st;
    cl_mem x = NULL, y = NULL;
    size_t nx = clconv_problem_input_elems(&plan->p) * sizeof(float);
    size_t ny = clconv_problem_output_elems(&plan->p) * sizeof(float);
    if ((st = clconv_plan_set_weights_host(plan, weights, bias)) ||
        (st = clconv_buffer_create(ctx, op, CL_MEM_READ_ONLY, nx, input, &x)) ||
        (st = clconv_buffer_create(ctx, op, CL_MEM_WRITE_ONLY, ny, NULL, &y)))
        goto done;
    cl_event ev = NULL;
    if ((st = clconv_plan_enqueue(plan, x, y, NULL, 0, NULL, &ev)))
        goto done;
    cl_int err = clEnqueueReadBuffer(ctx->queue, y, CL_TRUE, 0, ny, output, 1, &ev, NULL);
    clReleaseEvent(ev);
    if (err != CL_SUCCESS) {
        st = clconv_cl_fail(op, "clEnqueueReadBuffer", err);
        goto done;
    }
    if (ran)
        *ran = clconv_plan_algorithm(plan);
done:
    if (x)
        clReleaseMemObject(x);
    if (y)
        clReleaseMemObject(y);
    clconv_plan_destroy(plan);
    return st;
}
