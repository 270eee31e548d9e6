/* Status strings, the thread-local error message, OpenCL error names and
 * checked size arithmetic. */
#include "internal.h"

#include <stdio.h>
#include <string.h>

static _Thread_local char last_error[2048];

const char *clconv_status_string(clconv_status status)
{
    /* No default: a new status without a text breaks the -Werror build. */
    switch (status) {
    case CLCONV_SUCCESS: return "success";
    case CLCONV_INVALID_ARGUMENT: return "invalid argument";
    case CLCONV_UNSUPPORTED: return "unsupported by the requested algorithm";
    case CLCONV_INVALID_STATE: return "invalid state";
    case CLCONV_OUT_OF_MEMORY: return "out of memory";
    case CLCONV_OPENCL_ERROR: return "OpenCL error";
    case CLCONV_BUILD_ERROR: return "kernel build error";
    case CLCONV_DEVICE_NOT_FOUND: return "device not found";
    }
    return "unknown status";
}

const char *clconv_last_error(void) { return last_error; }

const char *clconv_version(void) { return CLCONV_VERSION_STRING; }

unsigned clconv_version_number(void) { return CLCONV_VERSION_NUMBER; }

void clconv_clear_error(void) { last_error[0] = '\0'; }

clconv_status clconv_fail(clconv_status status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(last_error, sizeof last_error, fmt, ap);
    va_end(ap);
    return status;
}

const char *clconv_cl_error_name(cl_int err)
{
    switch (err) {
#define E(x) case x: return #x;
    E(CL_SUCCESS) E(CL_DEVICE_NOT_FOUND) E(CL_DEVICE_NOT_AVAILABLE) E(CL_COMPILER_NOT_AVAILABLE)
    E(CL_MEM_OBJECT_ALLOCATION_FAILURE) E(CL_OUT_OF_RESOURCES) E(CL_OUT_OF_HOST_MEMORY)
    E(CL_PROFILING_INFO_NOT_AVAILABLE) E(CL_MEM_COPY_OVERLAP) E(CL_IMAGE_FORMAT_MISMATCH)
    E(CL_IMAGE_FORMAT_NOT_SUPPORTED) E(CL_BUILD_PROGRAM_FAILURE) E(CL_MAP_FAILURE)
    E(CL_MISALIGNED_SUB_BUFFER_OFFSET) E(CL_EXEC_STATUS_ERROR_FOR_EVENTS_IN_WAIT_LIST)
    E(CL_COMPILE_PROGRAM_FAILURE) E(CL_LINKER_NOT_AVAILABLE) E(CL_LINK_PROGRAM_FAILURE)
    E(CL_DEVICE_PARTITION_FAILED) E(CL_KERNEL_ARG_INFO_NOT_AVAILABLE) E(CL_INVALID_VALUE)
    E(CL_INVALID_DEVICE_TYPE) E(CL_INVALID_PLATFORM) E(CL_INVALID_DEVICE) E(CL_INVALID_CONTEXT)
    E(CL_INVALID_QUEUE_PROPERTIES) E(CL_INVALID_COMMAND_QUEUE) E(CL_INVALID_HOST_PTR)
    E(CL_INVALID_MEM_OBJECT) E(CL_INVALID_IMAGE_FORMAT_DESCRIPTOR) E(CL_INVALID_IMAGE_SIZE)
    E(CL_INVALID_SAMPLER) E(CL_INVALID_BINARY) E(CL_INVALID_BUILD_OPTIONS) E(CL_INVALID_PROGRAM)
    E(CL_INVALID_PROGRAM_EXECUTABLE) E(CL_INVALID_KERNEL_NAME) E(CL_INVALID_KERNEL_DEFINITION)
    E(CL_INVALID_KERNEL) E(CL_INVALID_ARG_INDEX) E(CL_INVALID_ARG_VALUE) E(CL_INVALID_ARG_SIZE)
    E(CL_INVALID_KERNEL_ARGS) E(CL_INVALID_WORK_DIMENSION) E(CL_INVALID_WORK_GROUP_SIZE)
    E(CL_INVALID_WORK_ITEM_SIZE) E(CL_INVALID_GLOBAL_OFFSET) E(CL_INVALID_EVENT_WAIT_LIST)
    E(CL_INVALID_EVENT) E(CL_INVALID_OPERATION) E(CL_INVALID_GL_OBJECT) E(CL_INVALID_BUFFER_SIZE)
    E(CL_INVALID_MIP_LEVEL) E(CL_INVALID_GLOBAL_WORK_SIZE) E(CL_INVALID_PROPERTY)
    E(CL_INVALID_IMAGE_DESCRIPTOR) E(CL_INVALID_COMPILER_OPTIONS) E(CL_INVALID_LINKER_OPTIONS)
    E(CL_INVALID_DEVICE_PARTITION_COUNT)
#undef E
    default: return "CL_UNKNOWN_ERROR";
    }
}

clconv_status clconv_cl_fail(const char *op, const char *call, cl_int err)
{
    /* Memory the device or host could not give: CL_OUT_OF_RESOURCES is how
     * some drivers report a launch whose buffers or work-group memory do
     * not fit, CL_MEM_OBJECT_ALLOCATION_FAILURE how others do. */
    clconv_status st = (err == CL_OUT_OF_HOST_MEMORY || err == CL_MEM_OBJECT_ALLOCATION_FAILURE ||
                        err == CL_OUT_OF_RESOURCES)
                           ? CLCONV_OUT_OF_MEMORY
                           : CLCONV_OPENCL_ERROR;
    return clconv_fail(st, "%s: %s failed: %s (%d)", op, call, clconv_cl_error_name(err), (int)err);
}

int clconv_mul_size(size_t a, size_t b, size_t *out)
{
    if (a != 0 && b > SIZE_MAX / a)
        return 0;
    *out = a * b;
    return 1;
}
