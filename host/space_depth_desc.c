/*
 * DepthToSpace / SpaceToDepth descriptors: defaults, validation and the
 * output shape, shared by the reference (reference.c) and the device path
 * (space_depth.c), so both accept exactly the same descriptors.
 */
#include "internal.h"

#include <limits.h>
#include <string.h>

/* Kernels index with 32-bit ints, as for convolutions (desc.c). */
#define MAX_ELEMS ((size_t)INT_MAX)

void clconv_space_depth_desc_init(clconv_space_depth_desc *desc, clconv_space_depth_op op)
{
    if (!desc)
        return;
    memset(desc, 0, sizeof *desc);
    desc->op = op;
    desc->batch = 1;
    desc->mode = CLCONV_MODE_DCR; /* ONNX's default */
    /* channels, height, width and blocksize are required: left 0. */
}

static clconv_status bad(const char *op, const char *field, int value, const char *rule)
{
    return clconv_fail(CLCONV_INVALID_ARGUMENT, "%s: %s = %d: %s", op, field, value, rule);
}

clconv_status clconv_space_depth_check(const clconv_space_depth_desc *desc, const char *op,
                                       int out_shape[4])
{
    if (!desc)
        return clconv_fail(CLCONV_INVALID_ARGUMENT, "%s: desc is NULL", op);
    if ((unsigned)desc->op > CLCONV_SPACE_TO_DEPTH)
        return bad(op, "op", (int)desc->op, "op must be DEPTH_TO_SPACE or SPACE_TO_DEPTH");
    if (desc->batch < 1)
        return bad(op, "batch", desc->batch, "batch must be >= 1");
    if (desc->channels < 1)
        return bad(op, "channels", desc->channels, "channels must be >= 1");
    if (desc->height < 1)
        return bad(op, "height", desc->height, "height must be >= 1");
    if (desc->width < 1)
        return bad(op, "width", desc->width, "width must be >= 1");
    if (desc->blocksize < 1)
        return bad(op, "blocksize", desc->blocksize, "blocksize must be >= 1");
    /* b*b and H*b below stay far from overflow; the element count is checked
     * with size arithmetic. */
    if (desc->blocksize > (1 << 15))
        return bad(op, "blocksize", desc->blocksize, "blocksize must be <= 32768");
    const int b = desc->blocksize, bb = b * b;
    int o[4] = {desc->batch, 0, 0, 0};
    if (desc->op == CLCONV_DEPTH_TO_SPACE) {
        if ((unsigned)desc->mode > CLCONV_MODE_CRD)
            return bad(op, "mode", (int)desc->mode, "mode must be DCR or CRD");
        if (desc->channels % bb)
            return clconv_fail(CLCONV_INVALID_ARGUMENT,
                               "%s: channels = %d: channels must be divisible by blocksize^2 "
                               "(%d)",
                               op, desc->channels, bb);
        if (desc->height > INT_MAX / b || desc->width > INT_MAX / b)
            return clconv_fail(CLCONV_INVALID_ARGUMENT,
                               "%s: output: height or width times blocksize overflows", op);
        o[1] = desc->channels / bb;
        o[2] = desc->height * b;
        o[3] = desc->width * b;
    } else {
        if (desc->height % b)
            return clconv_fail(CLCONV_INVALID_ARGUMENT,
                               "%s: height = %d: height must be divisible by blocksize (%d)", op,
                               desc->height, b);
        if (desc->width % b)
            return clconv_fail(CLCONV_INVALID_ARGUMENT,
                               "%s: width = %d: width must be divisible by blocksize (%d)", op,
                               desc->width, b);
        if (desc->channels > INT_MAX / bb)
            return clconv_fail(CLCONV_INVALID_ARGUMENT,
                               "%s: output: channels times blocksize^2 overflows", op);
        o[1] = desc->channels * bb;
        o[2] = desc->height / b;
        o[3] = desc->width / b;
    }
    /* Input and output hold the same number of elements. */
    size_t e = 1;
    for (int i = 0; i < 4; i++)
        if (!clconv_mul_size(e, (size_t)o[i], &e) || e > MAX_ELEMS)
            return clconv_fail(CLCONV_INVALID_ARGUMENT,
                               "%s: input: too many elements (at most %zu per tensor)", op,
                               MAX_ELEMS);
    if (out_shape)
        memcpy(out_shape, o, sizeof o);
    return CLCONV_SUCCESS;
}

clconv_status clconv_space_depth_output_shape(const clconv_space_depth_desc *desc, int out_shape[4])
{
    static const char op[] = "clconv_space_depth_output_shape";
    clconv_clear_error();
    clconv_status st = clconv_space_depth_check(desc, op, NULL);
    if (st)
        return st;
    if (!out_shape)
        return clconv_fail(CLCONV_INVALID_ARGUMENT, "%s: out_shape is NULL", op);
    return clconv_space_depth_check(desc, op, out_shape);
}
