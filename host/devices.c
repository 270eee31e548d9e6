/* The OpenCL devices as clconv numbers them, and the default choice.
 *
 * One walk over every platform and device (CL_DEVICE_TYPE_ALL, in the
 * order the ICD loader gives) numbers them "P:D"; clconv_context_create's
 * choice and clconv_device_count / clconv_device_describe both use it, so
 * what `clconv-bench devices` lists is by construction what a context
 * opens. */
#include "internal.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_PLATFORMS 16
#define MAX_DEVICES 64
/* CL_PLATFORM_NOT_FOUND_KHR from cl_khr_icd: the loader found no ICD. */
#define CL_PLATFORM_NOT_FOUND_KHR_VALUE (-1001)

static void platform_str(cl_platform_id p, cl_platform_info what, char *buf, size_t n)
{
    if (clGetPlatformInfo(p, what, n - 1, buf, NULL) != CL_SUCCESS)
        snprintf(buf, n, "?");
    buf[n - 1] = '\0';
}

static void device_str(cl_device_id d, cl_device_info what, char *buf, size_t n)
{
    if (clGetDeviceInfo(d, what, n - 1, buf, NULL) != CL_SUCCESS)
        snprintf(buf, n, "?");
    buf[n - 1] = '\0';
}

static const char *type_name(cl_device_type t)
{
    return t & CL_DEVICE_TYPE_GPU           ? "GPU"
           : t & CL_DEVICE_TYPE_CPU         ? "CPU"
           : t & CL_DEVICE_TYPE_ACCELERATOR ? "accelerator"
                                            : "other";
}

clconv_status clconv_device_list_get(const char *op, clconv_device_list *list)
{
    memset(list, 0, sizeof *list);
    cl_platform_id plats[MAX_PLATFORMS];
    cl_uint np = 0;
    cl_int err = clGetPlatformIDs(MAX_PLATFORMS, plats, &np);
    if (err == CL_PLATFORM_NOT_FOUND_KHR_VALUE || (err == CL_SUCCESS && np == 0))
        return CLCONV_SUCCESS; /* no devices: the caller says what that means */
    if (err)
        return clconv_cl_fail(op, "clGetPlatformIDs", err);
    if (np > MAX_PLATFORMS)
        np = MAX_PLATFORMS;
    list->entries = calloc((size_t)np * MAX_DEVICES, sizeof *list->entries);
    if (!list->entries)
        return clconv_fail(CLCONV_OUT_OF_MEMORY, "%s: out of host memory", op);
    for (cl_uint i = 0; i < np; i++) {
        cl_device_id devs[MAX_DEVICES];
        cl_uint nd = 0;
        /* A platform without devices (CL_DEVICE_NOT_FOUND) or one that fails
         * is skipped, not fatal: the others still work. */
        if (clGetDeviceIDs(plats[i], CL_DEVICE_TYPE_ALL, MAX_DEVICES, devs, &nd) != CL_SUCCESS)
            continue;
        if (nd > MAX_DEVICES)
            nd = MAX_DEVICES;
        for (cl_uint j = 0; j < nd; j++) {
            clconv_device_info *e = &list->entries[list->count];
            e->platform = plats[i];
            e->device = devs[j];
            e->platform_index = i;
            e->device_index = j;
            snprintf(e->id, sizeof e->id, "%u:%u", i, j);
            cl_device_type t = 0;
            clGetDeviceInfo(devs[j], CL_DEVICE_TYPE, sizeof t, &t, NULL);
            snprintf(e->type, sizeof e->type, "%s", type_name(t));
            platform_str(plats[i], CL_PLATFORM_NAME, e->platform_name, sizeof e->platform_name);
            device_str(devs[j], CL_DEVICE_NAME, e->name, sizeof e->name);
            device_str(devs[j], CL_DEVICE_VERSION, e->version, sizeof e->version);
            device_str(devs[j], CL_DRIVER_VERSION, e->driver, sizeof e->driver);
            list->count++;
        }
    }
    return CLCONV_SUCCESS;
}

void clconv_device_list_free(clconv_device_list *list)
{
    free(list->entries);
    memset(list, 0, sizeof *list);
}

/* "P:D" with both numbers; 1 if spec has that form. */
static int parse_index_spec(const char *spec, unsigned *p, unsigned *d)
{
    char *end;
    if (!isdigit((unsigned char)spec[0]))
        return 0;
    unsigned long a = strtoul(spec, &end, 10);
    if (*end != ':' || !isdigit((unsigned char)end[1]))
        return 0;
    unsigned long b = strtoul(end + 1, &end, 10);
    if (*end)
        return 0;
    *p = (unsigned)a;
    *d = (unsigned)b;
    return 1;
}

clconv_status clconv_device_list_pick(const char *op, const clconv_device_list *list,
                                      const char *spec, size_t *index)
{
    if (list->count == 0)
        return clconv_fail(CLCONV_DEVICE_NOT_FOUND,
                           "%s: no OpenCL device found (is an ICD such as pocl-opencl-icd "
                           "installed?)",
                           op);
    if (spec && *spec) {
        unsigned want_p = 0, want_d = 0;
        const int by_index = parse_index_spec(spec, &want_p, &want_d);
        for (size_t i = 0; i < list->count; i++) {
            const clconv_device_info *e = &list->entries[i];
            if (by_index ? (e->platform_index == want_p && e->device_index == want_d)
                         : (clconv_contains_nocase(e->name, spec) ||
                            clconv_contains_nocase(e->platform_name, spec))) {
                *index = i;
                return CLCONV_SUCCESS;
            }
        }
        return clconv_fail(CLCONV_DEVICE_NOT_FOUND,
                           "%s: device = \"%s\": no OpenCL device matches (use \"P:D\" indices "
                           "or a name substring; `clconv-bench devices` lists them)",
                           op, spec);
    }
    /* The first GPU, else the first device. */
    for (size_t i = 0; i < list->count; i++)
        if (!strcmp(list->entries[i].type, "GPU")) {
            *index = i;
            return CLCONV_SUCCESS;
        }
    *index = 0;
    return CLCONV_SUCCESS;
}

/* The public enumeration: the list is walked again on every call, so that
 * a device plugged in between calls is seen (and the calls need no state
 * and no lock). */
clconv_status clconv_device_count(size_t *count)
{
    const char *op = "clconv_device_count";
    clconv_clear_error();
    if (!count)
        return clconv_fail(CLCONV_INVALID_ARGUMENT, "%s: count is NULL", op);
    *count = 0;
    clconv_device_list list;
    clconv_status st = clconv_device_list_get(op, &list);
    if (!st)
        *count = list.count;
    clconv_device_list_free(&list);
    return st;
}

clconv_status clconv_device_describe(size_t index, clconv_device_info *info)
{
    const char *op = "clconv_device_describe";
    clconv_clear_error();
    if (!info)
        return clconv_fail(CLCONV_INVALID_ARGUMENT, "%s: info is NULL", op);
    clconv_device_list list;
    clconv_status st = clconv_device_list_get(op, &list);
    if (st)
        return st;
    if (index >= list.count) {
        st = clconv_fail(CLCONV_INVALID_ARGUMENT, "%s: index = %zu: there %s %zu device%s", op,
                         index, list.count == 1 ? "is" : "are", list.count,
                         list.count == 1 ? "" : "s");
    } else {
        *info = list.entries[index];
        size_t def = 0;
        const char *spec = getenv("CLCONV_DEVICE");
        /* A CLCONV_DEVICE that matches nothing makes context creation fail:
         * then no device is the default. */
        info->is_default = clconv_device_list_pick(op, &list, spec, &def) == CLCONV_SUCCESS &&
                           def == index;
        clconv_clear_error();
    }
    clconv_device_list_free(&list);
    return st;
}
