/* `clconv-bench devices`: every OpenCL device, numbered "P:D" exactly as
 * --device (clconv_context_options.device) accepts them, with the one the
 * default choice opens marked.  Numbering, names and the default all come
 * from the library (clconv_device_count / clconv_device_describe), so the
 * list cannot drift from what a context opens. */
#include "bench.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cmd_devices(int argc, char **argv)
{
    if (argc > 0) {
        bench_msg("devices takes no options ('%s')", argv[0]);
        return BENCH_INVALID;
    }
    size_t n = 0;
    clconv_status st = clconv_device_count(&n);
    if (st)
        return bench_lib_fail(st, "devices");
    if (n == 0) {
        bench_msg("no OpenCL device found (is an ICD installed? see /etc/OpenCL/vendors)");
        return BENCH_FAIL;
    }
    int have_default = 0;
    long last_platform = -1;
    for (size_t i = 0; i < n; i++) {
        clconv_device_info d;
        if ((st = clconv_device_describe(i, &d)))
            return bench_lib_fail(st, "devices");
        if ((long)d.platform_index != last_platform) {
            printf("platform %u: %s\n", d.platform_index, d.platform_name);
            last_platform = (long)d.platform_index;
        }
        printf("%c %s  %s  (%s, %s, driver %s)\n", d.is_default ? '*' : ' ', d.id, d.name, d.type,
               d.version, d.driver);
        have_default |= d.is_default;
    }
    const char *env = getenv("CLCONV_DEVICE");
    if (have_default)
        printf("* default (no --device): %s\n", env && *env ? "chosen by CLCONV_DEVICE"
                                                            : "the first GPU, else the first device");
    else
        printf("default device: none (CLCONV_DEVICE=\"%s\" matches no device)\n", env ? env : "");
    return BENCH_OK;
}
