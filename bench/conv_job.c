/* A measured convolution (see conv_job.h). */
#include "conv_job.h"
#include "bench.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct plan_run {
    clconv_plan *plan;
    cl_mem x, y, ws; /* ws: NULL lets the plan use its own workspace */
} plan_run;

static clconv_status enqueue_plan(void *user, cl_uint n_wait, const cl_event *wait, cl_event *ev)
{
    plan_run *r = user;
    return clconv_plan_enqueue(r->plan, r->x, r->y, r->ws, n_wait, wait, ev);
}

static clconv_status lib_fail(conv_job *j, clconv_status st, const char *what)
{
    const char *m = clconv_last_error();
    snprintf(j->why, sizeof j->why, "%s%s", what, m && *m ? m : clconv_status_string(st));
    return st;
}

static clconv_status cl_fail(conv_job *j, const char *call, cl_int err)
{
    snprintf(j->why, sizeof j->why, "%s failed: %s (%d)", call, bench_cl_error(err), (int)err);
    return err == CL_MEM_OBJECT_ALLOCATION_FAILURE || err == CL_OUT_OF_HOST_MEMORY
               ? CLCONV_OUT_OF_MEMORY
               : CLCONV_OPENCL_ERROR;
}

clconv_status conv_job_prepare(conv_job *j)
{
    const clconv_conv_desc *d = j->desc;
    const size_t nx = clconv_conv_input_elems(d), ny = clconv_conv_output_elems(d);
    j->ran = CLCONV_ALGO_AUTO;
    j->describe[0] = j->why[0] = '\0';
    j->plan_ms = j->weights_ms = j->first_ms = 0;
    j->err = 0;
    memset(&j->times, 0, sizeof j->times);
    if (!nx || !ny)
        return lib_fail(j, CLCONV_INVALID_ARGUMENT, "");

    plan_run *rp = calloc(1, sizeof *rp);
    if (!rp) {
        snprintf(j->why, sizeof j->why, "out of host memory");
        return CLCONV_OUT_OF_MEMORY;
    }
    j->priv = rp;
    plan_run r = {NULL, NULL, NULL, NULL};
    float *y = NULL;
    clconv_status st;
    double t0 = bench_now_ms();
    if ((st = clconv_plan_create(j->ctx, d, j->algo, &r.plan))) {
        lib_fail(j, st, "");
        goto done;
    }
    j->plan_ms = bench_now_ms() - t0;
    j->ran = clconv_plan_algorithm(r.plan);
    snprintf(j->describe, sizeof j->describe, "%s", clconv_plan_describe(r.plan));

    t0 = bench_now_ms();
    if ((st = clconv_plan_set_weights_host(r.plan, j->w, d->has_bias ? j->b : NULL))) {
        lib_fail(j, st, "set_weights: ");
        goto done;
    }
    j->weights_ms = bench_now_ms() - t0;

    cl_context clctx = clconv_context_cl_context(j->ctx);
    cl_int err;
    r.x = clCreateBuffer(clctx, CL_MEM_READ_ONLY | CL_MEM_COPY_HOST_PTR, nx * sizeof(float),
                         (void *)j->x, &err);
    if (err == CL_SUCCESS)
        r.y = clCreateBuffer(clctx, CL_MEM_READ_WRITE, ny * sizeof(float), NULL, &err);
    if (err != CL_SUCCESS) {
        st = cl_fail(j, "clCreateBuffer", err);
        goto done;
    }
    /* PoCL does not zero new buffers; NaN makes an unwritten output
     * element fail the check instead of passing by luck.  The workspace is
     * the bench's own, poisoned the same way, so that a kernel reading
     * workspace it did not write fails the check too. */
    size_t wsb = 0;
    if (j->ref || j->y) {
        if ((st = clconv_plan_workspace_size(r.plan, &wsb))) {
            lib_fail(j, st, "");
            goto done;
        }
        if (wsb && !(r.ws = clCreateBuffer(clctx, CL_MEM_READ_WRITE, wsb, NULL, &err))) {
            st = cl_fail(j, "clCreateBuffer(workspace)", err);
            goto done;
        }
        if (bench_poison(j->ctx, r.y, ny * sizeof(float)) ||
            (r.ws && bench_poison(j->ctx, r.ws, wsb))) {
            st = CLCONV_OPENCL_ERROR;
            snprintf(j->why, sizeof j->why, "cannot fill the output and workspace buffers");
            goto done;
        }
    }
    t0 = bench_now_ms();
    if ((st = bench_run_once(j->ctx, enqueue_plan, &r, j->why, sizeof j->why)))
        goto done;
    j->first_ms = bench_now_ms() - t0;
    if (j->ref || j->y) {
        y = j->y ? j->y : malloc(ny * sizeof *y);
        if (!y) {
            st = CLCONV_OUT_OF_MEMORY;
            snprintf(j->why, sizeof j->why, "out of host memory for the output");
            goto done;
        }
        err = clEnqueueReadBuffer(clconv_context_queue(j->ctx), r.y, CL_TRUE, 0, ny * sizeof(float),
                                  y, 0, NULL, NULL);
        if (err != CL_SUCCESS) {
            st = cl_fail(j, "clEnqueueReadBuffer", err);
            goto done;
        }
        if (j->ref)
            j->err = bench_rel_l2(y, j->ref, ny);
    }
done:
    if (y != j->y)
        free(y);
    /* Kept for conv_job_time_one until conv_job_release, even on failure
     * (release frees whatever was made). */
    *rp = r;
    return st;
}

clconv_status conv_job_time_one(conv_job *j, double *device_ms, double *host_ms, int *wall_clock)
{
    return bench_time_one(j->ctx, enqueue_plan, j->priv, device_ms, host_ms, wall_clock, j->why,
                          sizeof j->why);
}

void conv_job_release(conv_job *j)
{
    plan_run *r = j->priv;
    if (!r)
        return;
    if (r->x)
        clReleaseMemObject(r->x);
    if (r->y)
        clReleaseMemObject(r->y);
    if (r->ws)
        clReleaseMemObject(r->ws);
    clconv_plan_destroy(r->plan);
    free(r);
    j->priv = NULL;
}

clconv_status conv_job_run(conv_job *j)
{
    clconv_status st = conv_job_prepare(j);
    if (!st && j->reps > 0)
        st = bench_time(j->ctx, enqueue_plan, j->priv, j->reps, &j->times, j->why, sizeof j->why);
    conv_job_release(j);
    return st;
}

double conv_job_bytes(const clconv_conv_desc *d)
{
    return 4.0 * ((double)clconv_conv_input_elems(d) + (double)clconv_conv_weight_elems(d) +
                  (double)clconv_conv_output_elems(d));
}

static size_t list(char *b, size_t n, const int *v, int r, const char *sep)
{
    size_t k = 0;
    for (int i = 0; i < r && k < n; i++)
        k += (size_t)snprintf(b + k, n - k, "%s%d", i ? sep : "", v[i]);
    return k;
}

void conv_desc_summary(const clconv_conv_desc *d, char *buf, size_t n)
{
    const int r = d->rank;
    int out[CLCONV_MAX_RANK] = {0}, pb[CLCONV_MAX_RANK] = {0}, pe[CLCONV_MAX_RANK] = {0};
    if (clconv_conv_output_shape(d, out) || clconv_conv_resolved_pads(d, pb, pe)) {
        snprintf(buf, n, "(invalid descriptor)");
        return;
    }
    char in[64], o[64], k[64], s[64], b[64], e[64], dl[64];
    list(in, sizeof in, d->in_size, r, "x");
    list(o, sizeof o, out, r, "x");
    list(k, sizeof k, d->kernel_size, r, "x");
    list(s, sizeof s, d->strides, r, ",");
    list(b, sizeof b, pb, r, ",");
    list(e, sizeof e, pe, r, ",");
    list(dl, sizeof dl, d->dilations, r, ",");
    char act[64] = "";
    if (d->activation == CLCONV_ACTIVATION_RELU)
        snprintf(act, sizeof act, " relu");
    else if (d->activation == CLCONV_ACTIVATION_CLIP)
        snprintf(act, sizeof act, " clip(%g,%g)", d->activation_alpha, d->activation_beta);
    else if (d->activation == CLCONV_ACTIVATION_LEAKY_RELU)
        snprintf(act, sizeof act, " leaky_relu(%g)", d->activation_alpha);
    snprintf(buf, n, "%s%dd N%d C%d %s -> K%d %s k%s s%s p%s,%s d%s g%d%s%s",
             d->transposed ? "deconv" : "conv", r, d->batch, d->in_channels, in, d->out_channels, o,
             k, s, b, e, dl, d->groups, d->has_bias ? " bias" : "", act);
}
