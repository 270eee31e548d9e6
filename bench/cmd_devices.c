/* `clconv-bench devices`: every OpenCL platform and device, numbered
 * "P:D" exactly as --device (clconv_context_options.device) accepts them,
 * with the one the default choice opens marked.  The mark comes from
 * opening a context with the default options, so it is the library's
 * choice (CLCONV_DEVICE, else first GPU, else first device), not a copy
 * of its rules. */
#include "bench.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef CL_PLATFORM_NOT_FOUND_KHR
#define CL_PLATFORM_NOT_FOUND_KHR -1001 /* cl_khr_icd: the loader found no platform */
#endif

static void info_str(cl_device_id d, cl_device_info what, char *buf, size_t n)
{
    if (clGetDeviceInfo(d, what, n, buf, NULL) != CL_SUCCESS)
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

int cmd_devices(int argc, char **argv)
{
    if (argc > 0) {
        bench_msg("devices takes no options ('%s')", argv[0]);
        return BENCH_INVALID;
    }
    cl_uint np = 0;
    cl_int err = clGetPlatformIDs(0, NULL, &np);
    if (err == CL_PLATFORM_NOT_FOUND_KHR || (err == CL_SUCCESS && np == 0)) {
        bench_msg("no OpenCL platform found (is an ICD installed? see /etc/OpenCL/vendors)");
        return BENCH_FAIL;
    }
    if (err != CL_SUCCESS) {
        bench_msg("clGetPlatformIDs failed: %s", bench_cl_error(err));
        return BENCH_FAIL;
    }
    cl_platform_id *plats = malloc(np * sizeof *plats);
    if (!plats || clGetPlatformIDs(np, plats, NULL) != CL_SUCCESS) {
        free(plats);
        bench_msg("clGetPlatformIDs failed");
        return BENCH_FAIL;
    }

    /* The default choice, as the library makes it. */
    cl_device_id def = NULL;
    clconv_context *ctx = NULL;
    char why[512] = "";
    clconv_status st = clconv_context_create(NULL, &ctx);
    if (st == CLCONV_SUCCESS)
        def = clconv_context_device(ctx);
    else
        snprintf(why, sizeof why, "%s", clconv_last_error());

    for (cl_uint p = 0; p < np; p++) {
        char pname[256], pver[256];
        if (clGetPlatformInfo(plats[p], CL_PLATFORM_NAME, sizeof pname, pname, NULL) != CL_SUCCESS)
            snprintf(pname, sizeof pname, "?");
        if (clGetPlatformInfo(plats[p], CL_PLATFORM_VERSION, sizeof pver, pver, NULL) != CL_SUCCESS)
            snprintf(pver, sizeof pver, "?");
        pname[sizeof pname - 1] = pver[sizeof pver - 1] = '\0';
        printf("platform %u: %s (%s)\n", p, pname, pver);
        cl_uint nd = 0;
        err = clGetDeviceIDs(plats[p], CL_DEVICE_TYPE_ALL, 0, NULL, &nd);
        if (err != CL_SUCCESS || nd == 0) {
            printf("  (no devices%s%s)\n",
                   err == CL_SUCCESS || err == CL_DEVICE_NOT_FOUND ? "" : ": ",
                   err == CL_SUCCESS || err == CL_DEVICE_NOT_FOUND ? "" : bench_cl_error(err));
            continue;
        }
        cl_device_id *devs = malloc(nd * sizeof *devs);
        if (!devs || clGetDeviceIDs(plats[p], CL_DEVICE_TYPE_ALL, nd, devs, NULL) != CL_SUCCESS) {
            free(devs);
            printf("  (cannot list devices)\n");
            continue;
        }
        for (cl_uint d = 0; d < nd; d++) {
            char name[256], ver[256];
            cl_device_type type = 0;
            info_str(devs[d], CL_DEVICE_NAME, name, sizeof name);
            info_str(devs[d], CL_DEVICE_VERSION, ver, sizeof ver);
            clGetDeviceInfo(devs[d], CL_DEVICE_TYPE, sizeof type, &type, NULL);
            printf("%c %u:%u  %s  (%s, %s)\n", devs[d] == def ? '*' : ' ', p, d, name,
                   type_name(type), ver);
        }
        free(devs);
    }
    if (def)
        printf("* default (no --device): %s\n", getenv("CLCONV_DEVICE") && *getenv("CLCONV_DEVICE")
                                                    ? "chosen by CLCONV_DEVICE"
                                                    : "the first GPU, else the first device");
    else
        printf("default device: none (%s)\n", why);
    clconv_context_destroy(ctx);
    free(plats);
    return BENCH_OK;
}
