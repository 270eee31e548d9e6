/* DepthToSpace / SpaceToDepth on the device (ONNX semantics).  The shape
 * rules live with the descriptor helpers; this file only launches. */
#include "internal.h"

#include <stdlib.h>

clconv_status clconv_space_depth_enqueue(clconv_context *ctx, const clconv_space_depth_desc *desc,
                                         cl_mem input, cl_mem output, cl_uint n_wait,
                                         const cl_event *wait, cl_event *event)
{
    const char *op = "clconv_space_depth_enqueue";
    clconv_clear_error();
    if (event)
        *event = NULL;
    if (!ctx)
        return clconv_fail(CLCONV_INVALID_ARGUMENT, "%s: context is NULL", op);
    int os[4];
    clconv_status st = clconv_space_depth_check(desc, op, os);
    if (st)
        return st;
    if ((n_wait == 0) != (wait == NULL))
        return clconv_fail(CLCONV_INVALID_ARGUMENT,
                           "%s: num_events_in_wait_list = %u does not match event_wait_list", op,
                           n_wait);
    /* Output shape validation guarantees the count fits an int. */
    size_t n = (size_t)desc->batch * desc->channels * desc->height * desc->width;
    if ((st = clconv_check_buffer(input, n * sizeof(float), op, "input")) ||
        (st = clconv_check_buffer(output, n * sizeof(float), op, "output")) ||
        (st = clconv_check_context(input, ctx, op, "input")) ||
        (st = clconv_check_context(output, ctx, op, "output")))
        return st;
    if (input == output)
        return clconv_fail(CLCONV_INVALID_ARGUMENT, "%s: output: must not be the input buffer", op);
    int d2s = desc->op == CLCONV_DEPTH_TO_SPACE;
    cl_kernel k;
    st = clconv_create_kernel(ctx, "space_depth.cl", "", d2s ? "space_depth_d2s" : "space_depth_s2d",
                              &k);
    if (st)
        return st;
    kernel_arg args[] = {ARG_MEM(input),        ARG_MEM(output),      ARG_INT(desc->batch),
                         ARG_INT(desc->channels), ARG_INT(desc->height), ARG_INT(desc->width),
                         ARG_INT(desc->blocksize), ARG_INT(desc->mode == CLCONV_MODE_CRD)};
    st = clconv_set_args(k, op, 8, args);
    launch_chain ch;
    clconv_chain_begin(&ch, ctx, n_wait, wait);
    if (!st) {
        size_t gws = n, lws = ctx->params.lws_1d;
        st = clconv_chain_kernel(&ch, op, k, 1, &gws, lws ? &lws : NULL);
    }
    clReleaseKernel(k);
    return clconv_chain_end(&ch, st, event);
}

clconv_status clconv_space_depth_host(clconv_context *ctx, const clconv_space_depth_desc *desc,
                                      const float *input, float *output)
{
    const char *op = "clconv_space_depth_host";
    clconv_clear_error();
    if (!ctx || !input || !output)
        return clconv_fail(CLCONV_INVALID_ARGUMENT, "%s: %s is NULL", op,
                           !ctx ? "context" : !input ? "input" : "output");
    int os[4];
    clconv_status st = clconv_space_depth_check(desc, op, os);
    if (st)
        return st;
    size_t bytes = (size_t)desc->batch * desc->channels * desc->height * desc->width * sizeof(float);
    cl_mem x = NULL, y = NULL;
    cl_event ev = NULL;
    if ((st = clconv_buffer_create(ctx, op, CL_MEM_READ_ONLY, bytes, input, &x)) ||
        (st = clconv_buffer_create(ctx, op, CL_MEM_WRITE_ONLY, bytes, NULL, &y)) ||
        (st = clconv_space_depth_enqueue(ctx, desc, x, y, 0, NULL, &ev)))
        goto done;
    cl_int err = clEnqueueReadBuffer(ctx->queue, y, CL_TRUE, 0, bytes, output, 1, &ev, NULL);
    clReleaseEvent(ev);
    if (err != CL_SUCCESS)
        st = clconv_cl_fail(op, "clEnqueueReadBuffer", err);
done:
    if (x)
        clReleaseMemObject(x);
    if (y)
        clReleaseMemObject(y);
    return st;
}
