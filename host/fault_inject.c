/*
 * Fault injection for the tests (compiled only with CLCONV_FAULT_INJECTION,
 * which the normal library never has: tests/test_fault_inject.cmake builds
 * the host sources again with it).  host/internal.h then redirects every
 * OpenCL call of the host files that can fail to the wrappers below, which
 * count the calls and make the Nth one fail, without calling the real
 * function, with an error that call can really return (and a NULL handle
 * where the call returns one).  Releases and retains are counted too, so
 * the test can check that every object clconv created was released.
 *
 * Not covered: CLBlast's own OpenCL calls (inside libclblast) and the
 * ICD-loader/device enumeration of clconv_device_count; the info queries
 * (clGetDeviceInfo, ...) only when clconv_fault_inject_queries(1).
 */
#define CLCONV_FAULT_INJECT_IMPL
#include "internal.h"

#ifdef CLCONV_FAULT_INJECTION

#include <string.h>

static atomic_long fi_calls;    /* injectable calls since the last set() */
static atomic_long fi_target;   /* fail call number fi_target (1-based); 0: never */
static atomic_int fi_queries;   /* the info queries count (and fail) too */
static _Atomic(const char *) fi_hit_name; /* the call that was made to fail */
static atomic_long fi_live[CLCONV_FI_KINDS];

void clconv_fault_inject_set(long n)
{
    atomic_store(&fi_hit_name, NULL);
    atomic_store(&fi_target, n);
    atomic_store(&fi_calls, 0);
}

long clconv_fault_inject_count(void) { return atomic_load(&fi_calls); }

void clconv_fault_inject_queries(int on) { atomic_store(&fi_queries, on); }

const char *clconv_fault_inject_hit(void) { return atomic_load(&fi_hit_name); }

long clconv_fault_inject_live(clconv_fi_kind kind)
{
    return kind >= 0 && kind < CLCONV_FI_KINDS ? atomic_load(&fi_live[kind]) : 0;
}

/* 1 if this call is the one to fail; n the call number, for choosing
 * between two plausible error codes (odd: the first, even: the second). */
static int fi_fail(const char *name, long *n)
{
    const long c = atomic_fetch_add(&fi_calls, 1) + 1;
    const long t = atomic_load(&fi_target);
    if (n)
        *n = c;
    if (t > 0 && c == t) {
        atomic_store(&fi_hit_name, name);
        return 1;
    }
    return 0;
}

static int fi_query_fail(const char *name)
{
    return atomic_load(&fi_queries) && fi_fail(name, NULL);
}

#define PICK(n, a, b) ((n) % 2 ? (a) : (b))
#define SET_ERR(e, v)                                                                              \
    do {                                                                                           \
        if (e)                                                                                     \
            *(e) = (v);                                                                            \
    } while (0)
#define LIVE(kind, d) atomic_fetch_add(&fi_live[kind], (d))

/* ---- objects ---------------------------------------------------------------- */

cl_context clconv_fi_clCreateContext(const cl_context_properties *props, cl_uint n,
                                     const cl_device_id *devs,
                                     void(CL_CALLBACK *notify)(const char *, const void *, size_t,
                                                               void *),
                                     void *user, cl_int *err)
{
    long c;
    if (fi_fail("clCreateContext", &c)) {
        SET_ERR(err, PICK(c, CL_OUT_OF_HOST_MEMORY, CL_OUT_OF_RESOURCES));
        return NULL;
    }
    cl_context r = clCreateContext(props, n, devs, notify, user, err);
    if (r)
        LIVE(CLCONV_FI_CONTEXT, 1);
    return r;
}

cl_command_queue clconv_fi_clCreateCommandQueue(cl_context ctx, cl_device_id dev,
                                                cl_command_queue_properties p, cl_int *err)
{
    long c;
    if (fi_fail("clCreateCommandQueue", &c)) {
        SET_ERR(err, PICK(c, CL_OUT_OF_RESOURCES, CL_OUT_OF_HOST_MEMORY));
        return NULL;
    }
    cl_command_queue r = clCreateCommandQueue(ctx, dev, p, err);
    if (r)
        LIVE(CLCONV_FI_QUEUE, 1);
    return r;
}

cl_mem clconv_fi_clCreateBuffer(cl_context ctx, cl_mem_flags flags, size_t size, void *host,
                                cl_int *err)
{
    long c;
    if (fi_fail("clCreateBuffer", &c)) {
        SET_ERR(err, PICK(c, CL_MEM_OBJECT_ALLOCATION_FAILURE, CL_OUT_OF_RESOURCES));
        return NULL;
    }
    cl_mem r = clCreateBuffer(ctx, flags, size, host, err);
    if (r)
        LIVE(CLCONV_FI_MEM, 1);
    return r;
}

cl_mem clconv_fi_clCreateSubBuffer(cl_mem parent, cl_mem_flags flags,
                                   cl_buffer_create_type type, const void *info, cl_int *err)
{
    long c;
    if (fi_fail("clCreateSubBuffer", &c)) {
        SET_ERR(err, PICK(c, CL_MEM_OBJECT_ALLOCATION_FAILURE, CL_OUT_OF_RESOURCES));
        return NULL;
    }
    cl_mem r = clCreateSubBuffer(parent, flags, type, info, err);
    if (r)
        LIVE(CLCONV_FI_MEM, 1);
    return r;
}

cl_program clconv_fi_clCreateProgramWithSource(cl_context ctx, cl_uint n, const char **src,
                                               const size_t *len, cl_int *err)
{
    long c;
    if (fi_fail("clCreateProgramWithSource", &c)) {
        SET_ERR(err, PICK(c, CL_OUT_OF_HOST_MEMORY, CL_OUT_OF_RESOURCES));
        return NULL;
    }
    cl_program r = clCreateProgramWithSource(ctx, n, src, len, err);
    if (r)
        LIVE(CLCONV_FI_PROGRAM, 1);
    return r;
}

cl_program clconv_fi_clCreateProgramWithBinary(cl_context ctx, cl_uint n, const cl_device_id *devs,
                                               const size_t *len, const unsigned char **bins,
                                               cl_int *status, cl_int *err)
{
    long c;
    if (fi_fail("clCreateProgramWithBinary", &c)) {
        const cl_int e = PICK(c, CL_INVALID_BINARY, CL_OUT_OF_HOST_MEMORY);
        if (status)
            for (cl_uint i = 0; i < n; i++)
                status[i] = e == CL_INVALID_BINARY ? CL_INVALID_BINARY : CL_SUCCESS;
        SET_ERR(err, e);
        return NULL;
    }
    cl_program r = clCreateProgramWithBinary(ctx, n, devs, len, bins, status, err);
    if (r)
        LIVE(CLCONV_FI_PROGRAM, 1);
    return r;
}

cl_int clconv_fi_clBuildProgram(cl_program p, cl_uint n, const cl_device_id *devs,
                                const char *options,
                                void(CL_CALLBACK *notify)(cl_program, void *), void *user)
{
    long c;
    if (fi_fail("clBuildProgram", &c))
        return PICK(c, CL_BUILD_PROGRAM_FAILURE, CL_OUT_OF_HOST_MEMORY);
    return clBuildProgram(p, n, devs, options, notify, user);
}

cl_kernel clconv_fi_clCreateKernel(cl_program p, const char *name, cl_int *err)
{
    long c;
    if (fi_fail("clCreateKernel", &c)) {
        SET_ERR(err, PICK(c, CL_OUT_OF_RESOURCES, CL_INVALID_PROGRAM_EXECUTABLE));
        return NULL;
    }
    cl_kernel r = clCreateKernel(p, name, err);
    if (r)
        LIVE(CLCONV_FI_KERNEL, 1);
    return r;
}

cl_int clconv_fi_clSetKernelArg(cl_kernel k, cl_uint i, size_t size, const void *value)
{
    long c;
    if (fi_fail("clSetKernelArg", &c))
        return PICK(c, CL_OUT_OF_RESOURCES, CL_OUT_OF_HOST_MEMORY);
    return clSetKernelArg(k, i, size, value);
}

/* ---- commands --------------------------------------------------------------- */

static void event_made(cl_int err, cl_event *ev)
{
    if (err == CL_SUCCESS && ev && *ev)
        LIVE(CLCONV_FI_EVENT, 1);
}

cl_int clconv_fi_clEnqueueNDRangeKernel(cl_command_queue q, cl_kernel k, cl_uint dims,
                                        const size_t *off, const size_t *gws, const size_t *lws,
                                        cl_uint nw, const cl_event *w, cl_event *ev)
{
    long c;
    if (fi_fail("clEnqueueNDRangeKernel", &c))
        return PICK(c, CL_OUT_OF_RESOURCES, CL_MEM_OBJECT_ALLOCATION_FAILURE);
    cl_int e = clEnqueueNDRangeKernel(q, k, dims, off, gws, lws, nw, w, ev);
    event_made(e, ev);
    return e;
}

cl_int clconv_fi_clEnqueueReadBuffer(cl_command_queue q, cl_mem m, cl_bool block, size_t off,
                                     size_t size, void *host, cl_uint nw, const cl_event *w,
                                     cl_event *ev)
{
    long c;
    if (fi_fail("clEnqueueReadBuffer", &c))
        return PICK(c, CL_OUT_OF_RESOURCES, CL_EXEC_STATUS_ERROR_FOR_EVENTS_IN_WAIT_LIST);
    cl_int e = clEnqueueReadBuffer(q, m, block, off, size, host, nw, w, ev);
    event_made(e, ev);
    return e;
}

cl_int clconv_fi_clEnqueueWriteBuffer(cl_command_queue q, cl_mem m, cl_bool block, size_t off,
                                      size_t size, const void *host, cl_uint nw, const cl_event *w,
                                      cl_event *ev)
{
    long c;
    if (fi_fail("clEnqueueWriteBuffer", &c))
        return PICK(c, CL_OUT_OF_RESOURCES, CL_MEM_OBJECT_ALLOCATION_FAILURE);
    cl_int e = clEnqueueWriteBuffer(q, m, block, off, size, host, nw, w, ev);
    event_made(e, ev);
    return e;
}

cl_int clconv_fi_clEnqueueFillBuffer(cl_command_queue q, cl_mem m, const void *pattern,
                                     size_t psize, size_t off, size_t size, cl_uint nw,
                                     const cl_event *w, cl_event *ev)
{
    long c;
    if (fi_fail("clEnqueueFillBuffer", &c))
        return PICK(c, CL_OUT_OF_RESOURCES, CL_MEM_OBJECT_ALLOCATION_FAILURE);
    cl_int e = clEnqueueFillBuffer(q, m, pattern, psize, off, size, nw, w, ev);
    event_made(e, ev);
    return e;
}

cl_int clconv_fi_clEnqueueCopyBuffer(cl_command_queue q, cl_mem src, cl_mem dst, size_t so,
                                     size_t dof, size_t size, cl_uint nw, const cl_event *w,
                                     cl_event *ev)
{
    long c;
    if (fi_fail("clEnqueueCopyBuffer", &c))
        return PICK(c, CL_OUT_OF_RESOURCES, CL_MEM_OBJECT_ALLOCATION_FAILURE);
    cl_int e = clEnqueueCopyBuffer(q, src, dst, so, dof, size, nw, w, ev);
    event_made(e, ev);
    return e;
}

cl_int clconv_fi_clEnqueueMarkerWithWaitList(cl_command_queue q, cl_uint nw, const cl_event *w,
                                             cl_event *ev)
{
    long c;
    if (fi_fail("clEnqueueMarkerWithWaitList", &c))
        return PICK(c, CL_OUT_OF_HOST_MEMORY, CL_OUT_OF_RESOURCES);
    cl_int e = clEnqueueMarkerWithWaitList(q, nw, w, ev);
    event_made(e, ev);
    return e;
}

cl_int clconv_fi_clEnqueueBarrierWithWaitList(cl_command_queue q, cl_uint nw, const cl_event *w,
                                              cl_event *ev)
{
    long c;
    if (fi_fail("clEnqueueBarrierWithWaitList", &c))
        return PICK(c, CL_OUT_OF_HOST_MEMORY, CL_OUT_OF_RESOURCES);
    cl_int e = clEnqueueBarrierWithWaitList(q, nw, w, ev);
    event_made(e, ev);
    return e;
}

cl_int clconv_fi_clWaitForEvents(cl_uint n, const cl_event *evs)
{
    long c;
    if (fi_fail("clWaitForEvents", &c))
        return PICK(c, CL_EXEC_STATUS_ERROR_FOR_EVENTS_IN_WAIT_LIST, CL_OUT_OF_RESOURCES);
    return clWaitForEvents(n, evs);
}

cl_int clconv_fi_clFinish(cl_command_queue q)
{
    long c;
    if (fi_fail("clFinish", &c))
        return PICK(c, CL_OUT_OF_RESOURCES, CL_OUT_OF_HOST_MEMORY);
    return clFinish(q);
}

cl_int clconv_fi_clFlush(cl_command_queue q)
{
    long c;
    if (fi_fail("clFlush", &c))
        return PICK(c, CL_OUT_OF_RESOURCES, CL_OUT_OF_HOST_MEMORY);
    return clFlush(q);
}

/* ---- checked queries -------------------------------------------------------- */

cl_int clconv_fi_clGetProgramInfo(cl_program p, cl_program_info what, size_t size, void *value,
                                  size_t *ret)
{
    if (fi_fail("clGetProgramInfo", NULL))
        return CL_OUT_OF_HOST_MEMORY;
    return clGetProgramInfo(p, what, size, value, ret);
}

cl_int clconv_fi_clGetMemObjectInfo(cl_mem m, cl_mem_info what, size_t size, void *value,
                                    size_t *ret)
{
    if (fi_fail("clGetMemObjectInfo", NULL))
        return CL_OUT_OF_HOST_MEMORY;
    return clGetMemObjectInfo(m, what, size, value, ret);
}

cl_int clconv_fi_clGetCommandQueueInfo(cl_command_queue q, cl_command_queue_info what, size_t size,
                                       void *value, size_t *ret)
{
    if (fi_fail("clGetCommandQueueInfo", NULL))
        return CL_OUT_OF_HOST_MEMORY;
    return clGetCommandQueueInfo(q, what, size, value, ret);
}

/* ---- unchecked queries (only with clconv_fault_inject_queries(1)) ----------- */

cl_int clconv_fi_clGetDeviceInfo(cl_device_id d, cl_device_info what, size_t size, void *value,
                                 size_t *ret)
{
    if (fi_query_fail("clGetDeviceInfo"))
        return CL_OUT_OF_HOST_MEMORY;
    return clGetDeviceInfo(d, what, size, value, ret);
}

cl_int clconv_fi_clGetPlatformInfo(cl_platform_id p, cl_platform_info what, size_t size,
                                   void *value, size_t *ret)
{
    if (fi_query_fail("clGetPlatformInfo"))
        return CL_OUT_OF_HOST_MEMORY;
    return clGetPlatformInfo(p, what, size, value, ret);
}

cl_int clconv_fi_clGetKernelWorkGroupInfo(cl_kernel k, cl_device_id d,
                                          cl_kernel_work_group_info what, size_t size, void *value,
                                          size_t *ret)
{
    if (fi_query_fail("clGetKernelWorkGroupInfo"))
        return CL_OUT_OF_RESOURCES;
    return clGetKernelWorkGroupInfo(k, d, what, size, value, ret);
}

cl_int clconv_fi_clGetKernelInfo(cl_kernel k, cl_kernel_info what, size_t size, void *value,
                                 size_t *ret)
{
    if (fi_query_fail("clGetKernelInfo"))
        return CL_OUT_OF_HOST_MEMORY;
    return clGetKernelInfo(k, what, size, value, ret);
}

cl_int clconv_fi_clGetProgramBuildInfo(cl_program p, cl_device_id d, cl_program_build_info what,
                                       size_t size, void *value, size_t *ret)
{
    if (fi_query_fail("clGetProgramBuildInfo"))
        return CL_OUT_OF_HOST_MEMORY;
    return clGetProgramBuildInfo(p, d, what, size, value, ret);
}

cl_int clconv_fi_clGetEventProfilingInfo(cl_event e, cl_profiling_info what, size_t size,
                                         void *value, size_t *ret)
{
    if (fi_query_fail("clGetEventProfilingInfo"))
        return CL_OUT_OF_RESOURCES;
    return clGetEventProfilingInfo(e, what, size, value, ret);
}

/* ---- retains (checked ones may fail) and releases (counted only) ------------ */

cl_int clconv_fi_clRetainContext(cl_context c)
{
    if (fi_fail("clRetainContext", NULL))
        return CL_OUT_OF_HOST_MEMORY;
    cl_int e = clRetainContext(c);
    if (e == CL_SUCCESS)
        LIVE(CLCONV_FI_CONTEXT, 1);
    return e;
}

cl_int clconv_fi_clRetainCommandQueue(cl_command_queue q)
{
    if (fi_fail("clRetainCommandQueue", NULL))
        return CL_OUT_OF_HOST_MEMORY;
    cl_int e = clRetainCommandQueue(q);
    if (e == CL_SUCCESS)
        LIVE(CLCONV_FI_QUEUE, 1);
    return e;
}

cl_int clconv_fi_clRetainProgram(cl_program p)
{
    if (fi_fail("clRetainProgram", NULL))
        return CL_OUT_OF_HOST_MEMORY;
    cl_int e = clRetainProgram(p);
    if (e == CL_SUCCESS)
        LIVE(CLCONV_FI_PROGRAM, 1);
    return e;
}

cl_int clconv_fi_clRetainEvent(cl_event ev)
{
    cl_int e = clRetainEvent(ev);
    if (e == CL_SUCCESS)
        LIVE(CLCONV_FI_EVENT, 1);
    return e;
}

#define RELEASE(fn, type, kind)                                                                    \
    cl_int clconv_fi_##fn(type x)                                                                  \
    {                                                                                              \
        cl_int e = fn(x);                                                                          \
        if (e == CL_SUCCESS)                                                                       \
            LIVE(kind, -1);                                                                        \
        return e;                                                                                  \
    }
RELEASE(clReleaseContext, cl_context, CLCONV_FI_CONTEXT)
RELEASE(clReleaseCommandQueue, cl_command_queue, CLCONV_FI_QUEUE)
RELEASE(clReleaseMemObject, cl_mem, CLCONV_FI_MEM)
RELEASE(clReleaseProgram, cl_program, CLCONV_FI_PROGRAM)
RELEASE(clReleaseKernel, cl_kernel, CLCONV_FI_KERNEL)
RELEASE(clReleaseEvent, cl_event, CLCONV_FI_EVENT)

#else
/* The normal library: nothing here (ISO C wants a declaration). */
typedef int clconv_fault_inject_unused;
#endif
