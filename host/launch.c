/* Enqueue helpers: kernel arguments, chains of launches linked by events
 * (so an out-of-order queue is safe), buffers, workspace alignment, and the
 * launch trace the tests read. */
#include "internal.h"

#include <stdio.h>
#include <string.h>

/* ---- trace --------------------------------------------------------------- */

static _Thread_local int trace_on;
static _Thread_local char trace_buf[16384];
static _Thread_local size_t trace_len;

void clconv_trace_enable(int on)
{
    trace_on = on;
    trace_len = 0;
    trace_buf[0] = '\0';
}

const char *clconv_trace_text(void) { return trace_buf; }

void clconv_trace_note(const char *line)
{
    if (!trace_on || trace_len + 2 >= sizeof trace_buf)
        return;
    int n = snprintf(trace_buf + trace_len, sizeof trace_buf - trace_len, "%s\n", line);
    if (n > 0)
        trace_len += (size_t)n < sizeof trace_buf - trace_len ? (size_t)n
                                                              : sizeof trace_buf - trace_len - 1;
}

static void trace_kernel(cl_command_queue q, cl_kernel k)
{
    char name[128] = "", opts[1024] = "", line[1200];
    cl_program prog = NULL;
    cl_device_id dev = NULL;
    clGetKernelInfo(k, CL_KERNEL_FUNCTION_NAME, sizeof name - 1, name, NULL);
    clGetKernelInfo(k, CL_KERNEL_PROGRAM, sizeof prog, &prog, NULL);
    clGetCommandQueueInfo(q, CL_QUEUE_DEVICE, sizeof dev, &dev, NULL);
    if (prog && dev)
        clGetProgramBuildInfo(prog, dev, CL_PROGRAM_BUILD_OPTIONS, sizeof opts - 1, opts, NULL);
    snprintf(line, sizeof line, "%s [%s]", name, opts);
    clconv_trace_note(line);
}

/* ---- arguments ----------------------------------------------------------- */

clconv_status clconv_set_args(cl_kernel k, const char *op, int n, const kernel_arg *args)
{
    for (int i = 0; i < n; i++) {
        const kernel_arg *a = &args[i];
        cl_int err = clSetKernelArg(k, (cl_uint)i, a->size, a->local ? NULL : (const void *)&a->v);
        if (err != CL_SUCCESS) {
            char what[64];
            snprintf(what, sizeof what, "clSetKernelArg(%d)", i);
            return clconv_cl_fail(op, what, err);
        }
    }
    return CLCONV_SUCCESS;
}

/* ---- chains -------------------------------------------------------------- */

void clconv_chain_begin(launch_chain *ch, clconv_context *ctx, cl_uint n_wait, const cl_event *wait)
{
    ch->ctx = ctx;
    ch->queue = ctx->queue;
    ch->n_wait = n_wait;
    ch->wait = n_wait ? wait : NULL;
    ch->last = NULL;
    ch->fixed_wg = ctx->params.cls == CLCONV_DEV_CPU;
    ch->device = ctx->device;
}

clconv_status clconv_chain_kernel(launch_chain *ch, const char *op, cl_kernel k, cl_uint dims,
                                  const size_t *gws, const size_t *lws)
{
    size_t g[3], l[3];
    int use_lws = lws != NULL;
    for (cl_uint i = 0; i < dims; i++) {
        if (gws[i] == 0)
            return CLCONV_SUCCESS; /* nothing to do: an empty range is no launch */
        if (lws && lws[i] == 0)
            use_lws = 0;
    }
    if (!use_lws && ch->fixed_wg) {
        use_lws = 1;
        lws = NULL; /* ones below */
    }
    for (cl_uint i = 0; i < dims; i++)
        l[i] = use_lws && lws ? lws[i] : 1;
    if (use_lws && !ch->fixed_wg) {
        /* GPUs: no wider than the range needs (a 7-wide row in 16-wide
         * groups idles most lanes), and within the kernel's limit. */
        size_t max_wg = 0, total = 1;
        clGetKernelWorkGroupInfo(k, ch->device, CL_KERNEL_WORK_GROUP_SIZE, sizeof max_wg, &max_wg,
                                 NULL);
        for (cl_uint i = 0; i < dims; i++) {
            while (l[i] > 1 && l[i] / 2 >= gws[i])
                l[i] /= 2;
            total *= l[i];
        }
        for (cl_uint i = 0; max_wg && total > max_wg; i = (i + 1) % dims)
            if (l[i] > 1) {
                l[i] /= 2;
                total /= 2;
            }
    }
    for (cl_uint i = 0; i < dims; i++) {
        g[i] = (gws[i] + l[i] - 1) / l[i] * l[i];
    }
    cl_event ev = NULL;
    cl_uint nw = ch->last ? 1 : ch->n_wait;
    const cl_event *w = ch->last ? &ch->last : ch->wait;
    if (trace_on)
        trace_kernel(ch->queue, k);
    cl_int err = clEnqueueNDRangeKernel(ch->queue, k, dims, NULL, g, use_lws ? l : NULL, nw, w, &ev);
    if (err != CL_SUCCESS)
        return clconv_cl_fail(op, "clEnqueueNDRangeKernel", err);
    if (ch->last)
        clReleaseEvent(ch->last);
    ch->last = ev;
    return CLCONV_SUCCESS;
}

clconv_status clconv_chain_end(launch_chain *ch, clconv_status st, cl_event *event)
{
    if (st == CLCONV_SUCCESS && event) {
        if (!ch->last) {
            /* Nothing launched: the caller still gets an event that follows its waits. */
            cl_int err = clEnqueueMarkerWithWaitList(ch->queue, ch->n_wait, ch->wait, &ch->last);
            if (err != CL_SUCCESS)
                return clconv_cl_fail("clconv", "clEnqueueMarkerWithWaitList", err);
        }
        *event = ch->last;
        ch->last = NULL;
        return st;
    }
    /* On failure the steps already enqueued still run (waiting for them
     * could deadlock behind a caller's user event); the header says so. */
    if (ch->last)
        clReleaseEvent(ch->last);
    ch->last = NULL;
    return st;
}

clconv_status clconv_chain_fence(launch_chain *ch, const char *op, cl_command_queue *q)
{
    clconv_context *ctx = ch->ctx;
    cl_int err = CL_SUCCESS;
    *q = ch->queue;
    if (ctx->out_of_order) {
        pthread_mutex_lock(&ctx->lock);
        if (!ctx->side_queue)
            ctx->side_queue = clCreateCommandQueue(ctx->cl_ctx, ctx->device,
                                                   ctx->profiling ? CL_QUEUE_PROFILING_ENABLE : 0,
                                                   &err);
        *q = ctx->side_queue;
        pthread_mutex_unlock(&ctx->lock);
        if (!*q)
            return clconv_cl_fail(op, "clCreateCommandQueue", err);
    }
    const cl_uint nw = ch->last ? 1 : ch->n_wait;
    const cl_event *w = ch->last ? &ch->last : ch->wait;
    if (nw == 0 && *q == ch->queue)
        return CLCONV_SUCCESS; /* in order, nothing to wait for */
    /* A marker with an explicit wait list: on an in-order queue every later
     * command waits for it. */
    cl_event mark = NULL;
    err = clEnqueueMarkerWithWaitList(*q, nw, w, &mark);
    if (err != CL_SUCCESS)
        return clconv_cl_fail(op, "clEnqueueMarkerWithWaitList", err);
    clReleaseEvent(mark);
    return CLCONV_SUCCESS;
}

clconv_status clconv_chain_fence_done(launch_chain *ch, const char *op, cl_command_queue q)
{
    /* The caller waits on the main queue's events only: the side queue
     * must be submitted. */
    if (q != ch->queue) {
        const cl_int err = clFlush(q);
        if (err != CL_SUCCESS)
            return clconv_cl_fail(op, "clFlush", err);
    }
    return CLCONV_SUCCESS;
}

void clconv_chain_adopt(launch_chain *ch, cl_event ev)
{
    if (ch->last)
        clReleaseEvent(ch->last);
    ch->last = ev;
}

clconv_status clconv_chain_plan(launch_chain *ch, clconv_plan *inner, const conv_io *io)
{
    cl_event ev = NULL;
    const cl_uint nw = ch->last ? 1 : ch->n_wait;
    const cl_event *wl = ch->last ? &ch->last : ch->wait;
    /* Through the public entry point: the inner plan's ranges are checked
     * like a caller's (they are regions of the outer workspace). */
    clconv_status st = clconv_plan_enqueue_offsets(inner, io->in, io->in_off, io->out, io->out_off,
                                                   io->ws, io->ws ? io->ws_off : 0, nw, wl, &ev);
    if (st)
        return st;
    clconv_chain_adopt(ch, ev);
    return CLCONV_SUCCESS;
}

/* ---- buffers ------------------------------------------------------------- */

clconv_status clconv_buffer_create(clconv_context *ctx, const char *op, cl_mem_flags flags,
                                   size_t bytes, const void *host, cl_mem *out)
{
    cl_int err;
    if (bytes == 0)
        bytes = 4; /* OpenCL rejects empty buffers; keep a valid handle */
    if (host)
        flags |= CL_MEM_COPY_HOST_PTR;
    *out = clCreateBuffer(ctx->cl_ctx, flags, bytes, (void *)host, &err);
    if (*out)
        return CLCONV_SUCCESS;
    /* Device memory exhaustion reads as OUT_OF_MEMORY with the size, whichever
     * of its codes the driver uses: NVIDIA reports CL_OUT_OF_RESOURCES,
     * others CL_MEM_OBJECT_ALLOCATION_FAILURE, and a size above
     * CL_DEVICE_MAX_MEM_ALLOC_SIZE is CL_INVALID_BUFFER_SIZE. */
    if (err == CL_OUT_OF_RESOURCES || err == CL_MEM_OBJECT_ALLOCATION_FAILURE ||
        err == CL_OUT_OF_HOST_MEMORY || err == CL_INVALID_BUFFER_SIZE)
        return clconv_fail(CLCONV_OUT_OF_MEMORY, "%s: clCreateBuffer of %zu bytes failed: %s (%d)",
                           op, bytes, clconv_cl_error_name(err), (int)err);
    return clconv_cl_fail(op, "clCreateBuffer", err);
}

clconv_status clconv_check_context(cl_mem m, const clconv_context *ctx, const char *op,
                                   const char *what)
{
    cl_context c = NULL;
    cl_int err = clGetMemObjectInfo(m, CL_MEM_CONTEXT, sizeof c, &c, NULL);
    if (err != CL_SUCCESS)
        return clconv_cl_fail(op, "clGetMemObjectInfo(CL_MEM_CONTEXT)", err);
    if (c != ctx->cl_ctx)
        return clconv_fail(CLCONV_INVALID_ARGUMENT,
                           "%s: %s: the buffer belongs to another cl_context than the clconv "
                           "context's (create it in clconv_context_cl_context())",
                           op, what);
    return CLCONV_SUCCESS;
}

clconv_status clconv_check_buffer(cl_mem m, size_t bytes, const char *op, const char *what)
{
    if (!m)
        return clconv_fail(CLCONV_INVALID_ARGUMENT, "%s: %s is NULL", op, what);
    size_t have = 0;
    cl_int err = clGetMemObjectInfo(m, CL_MEM_SIZE, sizeof have, &have, NULL);
    if (err == CL_OUT_OF_HOST_MEMORY || err == CL_OUT_OF_RESOURCES)
        return clconv_cl_fail(op, "clGetMemObjectInfo(CL_MEM_SIZE)", err);
    if (err != CL_SUCCESS)
        return clconv_fail(CLCONV_INVALID_ARGUMENT, "%s: %s: not a valid buffer (%s)", op, what,
                           clconv_cl_error_name(err));
    if (have < bytes)
        return clconv_fail(CLCONV_INVALID_ARGUMENT,
                           "%s: %s: buffer holds %zu bytes; %zu are needed", op, what, have, bytes);
    return CLCONV_SUCCESS;
}

clconv_status clconv_read_buffer(clconv_context *ctx, const char *op, cl_mem m, size_t bytes,
                                 void *host)
{
    return clconv_read_buffer_after(ctx, op, m, bytes, host, NULL);
}

clconv_status clconv_read_buffer_after(clconv_context *ctx, const char *op, cl_mem m, size_t bytes,
                                       void *host, cl_event after)
{
    cl_int err = clEnqueueReadBuffer(ctx->queue, m, CL_TRUE, 0, bytes, host, after ? 1 : 0,
                                     after ? &after : NULL, NULL);
    if (err != CL_SUCCESS)
        return clconv_cl_fail(op, "clEnqueueReadBuffer", err);
    return CLCONV_SUCCESS;
}

size_t clconv_align_up(size_t v, size_t a) { return a ? (v + a - 1) / a * a : v; }

size_t clconv_region_align(const clconv_context *ctx)
{
    const size_t al = ctx->subbuf_align;
    return al < 64 || al % sizeof(float) ? 64 : al;
}
