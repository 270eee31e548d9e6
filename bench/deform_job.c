/* A measured deformable convolution (see deform_job.h). */
#include "deform_job.h"
#include "bench.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct deform_run {
    clconv_deform_plan *plan;
    cl_mem x, off, m, y, ws; /* m NULL without a mask; ws NULL: the plan's own */
} deform_run;

static clconv_status enqueue_deform(void *user, cl_uint n_wait, const cl_event *wait, cl_event *ev)
{
    deform_run *r = user;
    return clconv_deform_plan_enqueue(r->plan, r->x, r->off, r->m, r->y, r->ws, n_wait, wait, ev);
}

static clconv_status lib_fail(deform_job *j, clconv_status st, const char *what)
{
    const char *m = clconv_last_error();
    snprintf(j->why, sizeof j->why, "%s%s", what, m && *m ? m : clconv_status_string(st));
    return st;
}

static clconv_status cl_fail(deform_job *j, const char *call, cl_int err)
{
    snprintf(j->why, sizeof j->why, "%s failed: %s (%d)", call, bench_cl_error(err), (int)err);
    return err == CL_MEM_OBJECT_ALLOCATION_FAILURE || err == CL_OUT_OF_HOST_MEMORY
               ? CLCONV_OUT_OF_MEMORY
               : CLCONV_OPENCL_ERROR;
}

/* A read-only device copy of n host floats. */
static clconv_status upload(deform_job *j, const float *host, size_t n, cl_mem *buf)
{
    cl_int err;
    *buf = clCreateBuffer(clconv_context_cl_context(j->ctx),
                          CL_MEM_READ_ONLY | CL_MEM_COPY_HOST_PTR, n * sizeof(float), (void *)host,
                          &err);
    return err == CL_SUCCESS ? CLCONV_SUCCESS : cl_fail(j, "clCreateBuffer", err);
}

clconv_status deform_job_prepare(deform_job *j)
{
    const clconv_deform_conv_desc *d = j->desc;
    const size_t nx = clconv_deform_conv_input_elems(d), ny = clconv_deform_conv_output_elems(d);
    const size_t noff = clconv_deform_conv_offset_elems(d), nm = clconv_deform_conv_mask_elems(d);
    j->ran = CLCONV_ALGO_AUTO;
    j->describe[0] = j->why[0] = '\0';
    j->plan_ms = j->weights_ms = j->first_ms = 0;
    j->err = 0;
    if (!nx || !ny || !noff || (d->has_mask && !nm)) {
        int out[2];
        clconv_deform_conv_output_shape(d, out); /* sets the message */
        return lib_fail(j, CLCONV_INVALID_ARGUMENT, "");
    }
    deform_run *rp = calloc(1, sizeof *rp);
    if (!rp) {
        snprintf(j->why, sizeof j->why, "out of host memory");
        return CLCONV_OUT_OF_MEMORY;
    }
    j->priv = rp;
    deform_run r = {0};
    float *y = NULL;
    clconv_status st;
    double t0 = bench_now_ms();
    if ((st = clconv_deform_plan_create(j->ctx, d, j->algo, &r.plan))) {
        lib_fail(j, st, "");
        goto done;
    }
    j->plan_ms = bench_now_ms() - t0;
    j->ran = clconv_deform_plan_algorithm(r.plan);
    snprintf(j->describe, sizeof j->describe, "%s", clconv_deform_plan_describe(r.plan));

    t0 = bench_now_ms();
    if ((st = clconv_deform_plan_set_weights_host(r.plan, j->w, d->has_bias ? j->b : NULL))) {
        lib_fail(j, st, "set_weights: ");
        goto done;
    }
    j->weights_ms = bench_now_ms() - t0;

    /* Offsets and mask are activations: device buffers passed per call,
     * like the input. */
    if ((st = upload(j, j->x, nx, &r.x)) || (st = upload(j, j->offset, noff, &r.off)) ||
        (d->has_mask && (st = upload(j, j->mask, nm, &r.m))))
        goto done;
    cl_int err;
    r.y = clCreateBuffer(clconv_context_cl_context(j->ctx), CL_MEM_READ_WRITE, ny * sizeof(float),
                         NULL, &err);
    if (err != CL_SUCCESS) {
        st = cl_fail(j, "clCreateBuffer", err);
        goto done;
    }
    /* As in conv_job: PoCL does not zero new buffers, so the output and the
     * bench's own workspace are filled with NaN, and an element the kernel
     * did not write (or a workspace read it did not write first) fails the
     * check instead of passing by luck. */
    size_t wsb = 0;
    if (j->ref) {
        if ((st = clconv_deform_plan_workspace_size(r.plan, &wsb))) {
            lib_fail(j, st, "");
            goto done;
        }
        if (wsb && !(r.ws = clCreateBuffer(clconv_context_cl_context(j->ctx), CL_MEM_READ_WRITE,
                                           wsb, NULL, &err))) {
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
    if ((st = bench_run_once(j->ctx, enqueue_deform, &r, j->why, sizeof j->why)))
        goto done;
    j->first_ms = bench_now_ms() - t0;
    if (j->ref) {
        if (!(y = malloc(ny * sizeof *y))) {
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
        j->err = bench_rel_l2(y, j->ref, ny);
    }
done:
    free(y);
    /* Kept until deform_job_release, even on failure. */
    *rp = r;
    return st;
}

clconv_status deform_job_time_one(deform_job *j, double *device_ms, double *host_ms,
                                  int *wall_clock)
{
    return bench_time_one(j->ctx, enqueue_deform, j->priv, device_ms, host_ms, wall_clock, j->why,
                          sizeof j->why);
}

void deform_job_release(deform_job *j)
{
    deform_run *r = j->priv;
    if (!r)
        return;
    cl_mem bufs[5] = {r->x, r->off, r->m, r->y, r->ws};
    for (int i = 0; i < 5; i++)
        if (bufs[i])
            clReleaseMemObject(bufs[i]);
    clconv_deform_plan_destroy(r->plan);
    free(r);
    j->priv = NULL;
}

double deform_job_bytes(const clconv_deform_conv_desc *d)
{
    return 4.0 * ((double)clconv_deform_conv_input_elems(d) +
                  (double)clconv_deform_conv_weight_elems(d) +
                  (double)clconv_deform_conv_offset_elems(d) +
                  (double)clconv_deform_conv_mask_elems(d) +
                  (double)clconv_deform_conv_output_elems(d));
}
