/* The enqueue's checks on where its tensors live: every range inside its
 * buffer (with overflow-safe arithmetic: offsets come from callers) and no
 * two ranges overlapping.  Two different cl_mem handles may still be one
 * memory: sub-buffers of one parent (CL_MEM_ASSOCIATED_MEMOBJECT and
 * CL_MEM_OFFSET), or a sub-buffer and its parent, so ranges are compared in
 * the root buffer's bytes.  Buffers that alias through overlapping host
 * memory (CL_MEM_USE_HOST_PTR) are not detected; the header says so. */
#include "internal.h"

#include <limits.h>
#include <stdint.h>

/* One tensor: its buffer, its byte range there, and the same range in the
 * root buffer (the buffer itself unless it is a sub-buffer). */
typedef struct io_range {
    const char *field, *off_name; /* "input", "input_offset" */
    cl_mem mem, root;
    size_t off;                   /* element offset, as given */
    size_t bytes, begin, end;     /* in mem */
    size_t root_begin, root_end;  /* in root */
} io_range;

static io_range make_range(const char *field, const char *off_name, cl_mem mem, size_t off,
                           size_t bytes)
{
    io_range r = {field, off_name, mem, mem, off, bytes, 0, 0, 0, 0};
    return r;
}

/* Follows sub-buffers to the buffer they were made from (OpenCL 1.2 allows
 * one level; a few are followed in case an implementation allows more).
 * A failed query fails the check (the overlap could not be ruled out):
 * CL_SUCCESS or the query's error. */
static cl_int find_root(io_range *r)
{
    size_t base = 0;
    cl_mem m = r->mem;
    for (int depth = 0; depth < 4; depth++) {
        cl_mem parent = NULL;
        size_t off = 0;
        cl_int err = clGetMemObjectInfo(m, CL_MEM_ASSOCIATED_MEMOBJECT, sizeof parent, &parent,
                                        NULL);
        if (err == CL_SUCCESS && parent)
            err = clGetMemObjectInfo(m, CL_MEM_OFFSET, sizeof off, &off, NULL);
        if (err != CL_SUCCESS)
            return err;
        if (!parent)
            break;
        base += off; /* <= the parent's size: a sub-buffer lies inside it */
        m = parent;
    }
    r->root = m;
    r->root_begin = base + r->begin;
    r->root_end = base + r->end;
    return CL_SUCCESS;
}

/* The range inside its buffer: NULL, invalid handle, overflow, too short. */
static clconv_status check_range(io_range *r, const char *op)
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
    if (r->end > have) {
        if (r->off == 0)
            return clconv_fail(CLCONV_INVALID_ARGUMENT,
                               "%s: %s: buffer holds %zu bytes; %zu are needed", op, r->field,
                               have, r->bytes);
        return clconv_fail(CLCONV_INVALID_ARGUMENT,
                           "%s: %s: buffer holds %zu bytes; %zu are needed (%s = %zu floats, "
                           "then %zu bytes)",
                           op, r->field, have, r->end, r->off_name, r->off, r->bytes);
    }
    if ((err = find_root(r)) != CL_SUCCESS)
        return clconv_cl_fail(op, "clGetMemObjectInfo (the buffer's parent)", err);
    return CLCONV_SUCCESS;
}

/* b's range must not share a byte with a's; the message names b. */
static clconv_status check_apart(const io_range *a, const io_range *b, const char *op)
{
    if (a->root != b->root || a->bytes == 0 || b->bytes == 0 ||
        b->root_end <= a->root_begin || a->root_end <= b->root_begin)
        return CLCONV_SUCCESS;
    const char *how = a->mem == b->mem ? "in the same buffer"
                                       : "in the same memory (through a sub-buffer)";
    return clconv_fail(CLCONV_INVALID_ARGUMENT,
                       "%s: %s: bytes [%zu, %zu) (%s = %zu) overlap the %s's [%zu, %zu) "
                       "(%s = %zu) %s; the tensors must not overlap",
                       op, b->field, b->begin, b->end, b->off_name, b->off, a->field, a->begin,
                       a->end, a->off_name, a->off, how);
}

clconv_status clconv_check_io(const conv_io *io, size_t in_elems, size_t out_elems,
                              size_t ws_bytes, const char *op)
{
    /* Element counts come from a validated problem: times 4 fits size_t. */
    io_range in = make_range("input", "input_offset", io->in, io->in_off, in_elems * sizeof(float));
    io_range out = make_range("output", "output_offset", io->out, io->out_off,
                              out_elems * sizeof(float));
    io_range ws = make_range("workspace", "workspace_offset", io->ws, io->ws_off, ws_bytes);
    clconv_status st;
    if ((st = check_range(&in, op)) || (st = check_range(&out, op)) ||
        (st = check_apart(&in, &out, op)))
        return st;
    if (ws_bytes == 0)
        return CLCONV_SUCCESS;
    if ((st = check_range(&ws, op)) || (st = check_apart(&in, &ws, op)) ||
        (st = check_apart(&out, &ws, op)))
        return st;
    return CLCONV_SUCCESS;
}

static clconv_status check_int_end(const char *field, const char *off_name, size_t off,
                                   size_t elems, const char *op)
{
    /* off + elems cannot overflow: clconv_check_io proved the range fits. */
    if (off + elems <= (size_t)INT_MAX)
        return CLCONV_SUCCESS;
    return clconv_fail(CLCONV_UNSUPPORTED,
                       "%s: %s = %zu: the %s ends at float %zu of its buffer; this plan runs "
                       "CLBlast, whose kernels take offsets as int, so it must end at or below "
                       "float %d",
                       op, off_name, off, field, off + elems, INT_MAX);
}

clconv_status clconv_check_io_int(const conv_io *io, size_t in_elems, size_t out_elems,
                                  size_t ws_bytes, const char *op)
{
    clconv_status st;
    if ((st = check_int_end("input", "input_offset", io->in_off, in_elems, op)) ||
        (st = check_int_end("output", "output_offset", io->out_off, out_elems, op)))
        return st;
    if (ws_bytes && io->ws &&
        (st = check_int_end("workspace", "workspace_offset", io->ws_off,
                            (ws_bytes + sizeof(float) - 1) / sizeof(float), op)))
        return st;
    return CLCONV_SUCCESS;
}
