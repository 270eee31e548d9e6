/* The one convolution test runner (see conv_tester.h). */
#include "conv_tester.h"
#include "algo_check.h" /* algo_tolerance */
#include "internal.h"   /* the launch trace */
#include "testutil.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

clconv_conv_desc conv_tester_desc(clconv_conv_desc d)
{
    d.rank = d.rank ? d.rank : 2;
    d.batch = d.batch ? d.batch : 1;
    d.groups = d.groups ? d.groups : 1;
    for (int i = 0; i < CLCONV_MAX_RANK; i++) {
        d.strides[i] = d.strides[i] ? d.strides[i] : 1;
        d.dilations[i] = d.dilations[i] ? d.dilations[i] : 1;
    }
    return d;
}

static const char *name_of(clconv_algorithm a)
{
    const char *n = clconv_algorithm_name(a);
    return n ? n : "?";
}

/* One line that rebuilds the case: FAIL LABEL algo=A ran=R case="..." seed=S params=P: what */
static void fail(const conv_tester *t, const char *fmt, ...)
{
    char cs[512], what[1024], ran[64] = "";
    desc_string(t->desc, cs, sizeof cs);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    if (t->ran != CLCONV_ALGO_AUTO && t->ran != t->algo)
        snprintf(ran, sizeof ran, " ran=%s", name_of(t->ran));
    printf("FAIL %s algo=%s%s case=\"%s\" seed=%llu%s%s: %s\n", t->label ? t->label : "conv",
           name_of(t->algo), ran, cs, (unsigned long long)t->seed, t->params ? " params=" : "",
           t->params ? t->params : "", what);
}

static cl_mem buffer(cl_context cc, cl_mem_flags rw, size_t bytes, void *host, cl_int *err)
{
    cl_int e = CL_SUCCESS;
    cl_mem m = clCreateBuffer(cc, rw | CL_MEM_COPY_HOST_PTR, bytes, host, &e);
    if (e && !*err)
        *err = e;
    return m;
}

/* One enqueue into a poisoned output and its comparison: ROUND_RIGHT, or
 * what went wrong written to what. */
enum { ROUND_RIGHT, ROUND_WRONG, ROUND_NOT_RUN };
static int run_round(const conv_tester *t, clconv_plan *plan, cl_context cc, cl_command_queue q,
                     int round, cl_mem bx, cl_mem by, cl_mem bws, float *y, const double *ref,
                     size_t ny, char *what, size_t what_n, double *err)
{
    cl_event wait[2] = {NULL, NULL}, done = NULL;
    cl_uint nwait = 0;
    cl_int e = CL_SUCCESS;
    clconv_status st = CLCONV_SUCCESS;
    int res = ROUND_NOT_RUN;
    *err = -1;
    if (t->out_of_order || round > 0) { /* round 0's output buffer was made poisoned */
        poison_nan(y, ny);
        e = clEnqueueWriteBuffer(q, by, CL_FALSE, 0, ny * sizeof *y, y, 0, NULL, &wait[nwait]);
        nwait += !e;
    }
    if (!e && t->user_event) {
        wait[nwait] = clCreateUserEvent(cc, &e);
        nwait += !e;
    }
    if (t->trace && round == 0)
        clconv_trace_enable(1);
    if (e)
        snprintf(what, what_n, "OpenCL setup of the run: %d", (int)e);
    else if ((st = clconv_plan_enqueue(plan, bx, by, bws, nwait, nwait ? wait : NULL, &done)))
        snprintf(what, what_n, "enqueue: %s: %s", clconv_status_string(st), clconv_last_error());
    else if (!done)
        snprintf(what, what_n, "enqueue gave no event");
    if (t->user_event && nwait)
        clSetUserEventStatus(wait[nwait - 1], CL_COMPLETE);
    if (!what[0]) {
        res = ROUND_WRONG;
        if ((e = clEnqueueReadBuffer(q, by, CL_TRUE, 0, ny * sizeof *y, y, 1, &done, NULL))) {
            snprintf(what, what_n, "read back: %d", (int)e);
        } else {
            *err = rel_l2(y, ref, ny);
            const double tol = t->tolerance > 0 ? t->tolerance : algo_tolerance(t->ran);
            const long bad = first_nonfinite(y, ny);
            if (*err <= tol)
                res = ROUND_RIGHT;
            else if (bad >= 0)
                snprintf(what, what_n, "err=%.3g tol=%.1g (unwritten or non-finite output, the "
                         "first at %ld of %zu)", *err, tol, bad, ny);
            else
                snprintf(what, what_n, "err=%.3g tol=%.1g", *err, tol);
        }
    }
    if (nwait)
        clWaitForEvents(nwait, wait); /* the poisoning write reads y */
    for (cl_uint i = 0; i < nwait; i++)
        clReleaseEvent(wait[i]);
    if (done)
        clReleaseEvent(done);
    return res;
}

int conv_tester_run(clconv_context *ctx, conv_tester *t)
{
    const clconv_conv_desc *d = t->desc;
    t->ran = CLCONV_ALGO_AUTO;
    t->err = -1;
    t->failed_rounds = 0;
    t->describe[0] = '\0';
    const size_t nx = clconv_conv_input_elems(d), nw = clconv_conv_weight_elems(d);
    const size_t ny = clconv_conv_output_elems(d), nb = d->has_bias ? (size_t)d->out_channels : 0;
    if (!nx || !nw || !ny) {
        fail(t, "invalid descriptor: %s", clconv_last_error());
        return CONV_TESTER_FAIL;
    }
    float *x = malloc(nx * sizeof *x), *w = malloc(nw * sizeof *w);
    float *b = nb ? malloc(nb * sizeof *b) : NULL, *y = malloc(ny * sizeof *y), *ws = NULL;
    double *ref = malloc(ny * sizeof *ref);
    cl_mem bx = NULL, by = NULL, bw = NULL, bb = NULL, bws = NULL;
    clconv_plan *plan = NULL;
    int res = CONV_TESTER_FAIL;
    if (!x || !w || (nb && !b) || !y || !ref) {
        fail(t, "out of host memory");
        goto done;
    }
    test_rng r;
    rng_seed(&r, t->seed);
    rng_fill(&r, x, nx, -1.0f, 1.0f);
    rng_fill(&r, w, nw, -1.0f, 1.0f);
    if (nb)
        rng_fill(&r, b, nb, -1.0f, 1.0f);
    poison_nan(y, ny);

    clconv_status st = t->params
                           ? clconv_plan_create_with_params(ctx, d, t->algo, t->params, &plan)
                           : clconv_plan_create(ctx, d, t->algo, &plan);
    char why[512];
    snprintf(why, sizeof why, "%s", clconv_last_error());
    if (t->check_supports) {
        const clconv_status sup = clconv_algorithm_supports(ctx, d, t->algo);
        if ((st == CLCONV_UNSUPPORTED) != (sup == CLCONV_UNSUPPORTED)) {
            fail(t, "plan_create says %s (%s) but algorithm_supports says %s (%s)",
                 clconv_status_string(st), why, clconv_status_string(sup), clconv_last_error());
            goto done;
        }
    }
    if (st == CLCONV_UNSUPPORTED && t->algo != CLCONV_ALGO_AUTO) {
        if (why[0])
            res = CONV_TESTER_UNSUPPORTED;
        else
            fail(t, "CLCONV_UNSUPPORTED without a reason");
        goto done;
    }
    if (st) {
        fail(t, "plan_create: %s: %s", clconv_status_string(st), why);
        goto done;
    }
    t->ran = clconv_plan_algorithm(plan);
    if (t->ran == CLCONV_ALGO_AUTO || !clconv_algorithm_name(t->ran)) {
        fail(t, "the plan reports no concrete algorithm (%d)", (int)t->ran);
        goto done;
    }
    if (t->algo != CLCONV_ALGO_AUTO && t->ran != t->algo) {
        fail(t, "the plan reports another algorithm");
        goto done;
    }
    const char *describe = clconv_plan_describe(plan);
    snprintf(t->describe, sizeof t->describe, "%s", describe ? describe : "");

    cl_context cc = clconv_context_cl_context(ctx);
    cl_command_queue q = clconv_context_queue(ctx);
    cl_command_queue_properties props = 0;
    if (t->out_of_order &&
        (clGetCommandQueueInfo(q, CL_QUEUE_PROPERTIES, sizeof props, &props, NULL) ||
         !(props & CL_QUEUE_OUT_OF_ORDER_EXEC_MODE_ENABLE))) {
        fail(t, "out_of_order, but the context's queue is in order");
        goto done;
    }
    cl_int e = CL_SUCCESS;
    bx = buffer(cc, CL_MEM_READ_ONLY, nx * sizeof *x, x, &e);
    by = buffer(cc, CL_MEM_READ_WRITE, ny * sizeof *y, y, &e);
    if (!t->weights_on_host) {
        bw = buffer(cc, CL_MEM_READ_ONLY, nw * sizeof *w, w, &e);
        bb = nb ? buffer(cc, CL_MEM_READ_ONLY, nb * sizeof *b, b, &e) : NULL;
    }
    if (e) {
        fail(t, "clCreateBuffer: %d", (int)e);
        goto done;
    }
    if ((st = t->weights_on_host ? clconv_plan_set_weights_host(plan, w, b)
                                 : clconv_plan_set_weights(plan, bw, bb))) {
        fail(t, "set_weights: %s: %s", clconv_status_string(st), clconv_last_error());
        goto done;
    }
    if (t->poison_workspace) {
        size_t wsb = 0;
        if ((st = clconv_plan_workspace_size(plan, &wsb))) {
            fail(t, "workspace_size: %s", clconv_last_error());
            goto done;
        }
        if (!wsb || !(ws = calloc(1, wsb))) {
            fail(t, "poison_workspace: the plan needs %zu bytes of workspace (want some)", wsb);
            goto done;
        }
        poison_nan(ws, wsb / sizeof *ws);
        if (!(bws = buffer(cc, CL_MEM_READ_WRITE, wsb, ws, &e))) {
            fail(t, "clCreateBuffer(workspace): %d", (int)e);
            goto done;
        }
    }
    if ((st = clconv_reference_conv(d, x, w, b, ref))) {
        fail(t, "reference: %s", clconv_last_error());
        goto done;
    }

    int check_failed = 0;
    const int rounds = t->rounds > 0 ? t->rounds : 1;
    for (int i = 0; i < rounds; i++) {
        char what[512] = "", round[32] = "";
        double err;
        const int rr = run_round(t, plan, cc, q, i, bx, by, bws, y, ref, ny, what, sizeof what, &err);
        if (rounds > 1)
            snprintf(round, sizeof round, "round %d: ", i);
        if (rr != ROUND_RIGHT && !t->failed_rounds++)
            fail(t, "%s%s", round, what);
        if (err > t->err)
            t->err = err;
        if (i == 0 && t->check && rr != ROUND_NOT_RUN &&
            !t->check(t, clconv_trace_text(), t->describe)) {
            fail(t, "the check of the run failed (above)");
            check_failed = 1;
        }
        if (i == 0 && t->trace)
            clconv_trace_enable(0);
    }
    if (rounds > 1 && t->failed_rounds > 1)
        fail(t, "%d of %d rounds wrong", t->failed_rounds, rounds);
    res = t->failed_rounds || check_failed ? CONV_TESTER_FAIL : CONV_TESTER_PASS;
done:
    clconv_plan_destroy(plan);
    cl_mem mems[] = {bx, by, bw, bb, bws};
    for (size_t i = 0; i < sizeof mems / sizeof *mems; i++)
        if (mems[i])
            clReleaseMemObject(mems[i]);
    free(x);
    free(w);
    free(b);
    free(y);
    free(ws);
    free(ref);
    return res;
}
