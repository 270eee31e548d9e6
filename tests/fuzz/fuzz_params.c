/* libFuzzer target: the device-parameter parser ("name=value,...": the
 * CLCONV_PARAMS variable, the `params` context option and a plan's own
 * params) in host/device_params.c, which this file includes so that it can
 * check results against the parser's own table of knobs and their rules.
 *
 * clconv_device_params_init asks the device for its type, vendor and name;
 * clGetDeviceInfo is replaced here by a stub that answers from the input,
 * so no OpenCL platform is loaded.
 *
 * Input: byte 0 = the stub device (bits 0-1 type, bits 2-4 vendor and
 * name), byte 1 bit 0 = init or apply; the rest is the params text (up to
 * its first NUL).  Checks: on success every knob holds a legal value, and
 * writing the knobs back as text and applying it reproduces them; apply
 * fails without changing its argument; every failure message starts with
 * the origin. */
#include "../../host/device_params.c"

#include "fuzz_check.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static cl_device_type stub_type;
static const char *stub_vendor = "", *stub_name = "";

/* The one OpenCL call of device_params.c. */
CL_API_ENTRY cl_int CL_API_CALL clGetDeviceInfo(cl_device_id device, cl_device_info param,
                                                size_t size, void *value, size_t *size_ret)
{
    (void)device;
    const void *src;
    size_t n;
    if (param == CL_DEVICE_TYPE) {
        src = &stub_type;
        n = sizeof stub_type;
    } else if (param == CL_DEVICE_VENDOR || param == CL_DEVICE_NAME) {
        src = param == CL_DEVICE_VENDOR ? stub_vendor : stub_name;
        n = strlen(src) + 1;
    } else {
        return CL_INVALID_VALUE;
    }
    if (size_ret)
        *size_ret = n;
    if (value) {
        if (size < n)
            return CL_INVALID_VALUE;
        memcpy(value, src, n);
    }
    return CL_SUCCESS;
}

static long knob_value(const clconv_device_params *p, const knob *k)
{
    const char *field = (const char *)p + k->off;
    return k->is_size ? (long)*(const size_t *)field : (long)*(const int *)field;
}

/* Field by field: the struct has padding. */
static int same(const clconv_device_params *a, const clconv_device_params *b)
{
    if (a->cls != b->cls)
        return 0;
    for (size_t i = 0; i < sizeof KNOBS / sizeof *KNOBS; i++)
        if (knob_value(a, &KNOBS[i]) != knob_value(b, &KNOBS[i]))
            return 0;
    return 1;
}

static void check_legal(const clconv_device_params *p, const char *text)
{
    FUZZ_CHECK((unsigned)p->cls < 3, "class %d", (int)p->cls);
    for (size_t i = 0; i < sizeof KNOBS / sizeof *KNOBS; i++)
        FUZZ_CHECK(legal(&KNOBS[i], knob_value(p, &KNOBS[i])), "'%.200s' left %s = %ld", text,
                   KNOBS[i].name, knob_value(p, &KNOBS[i]));
}

/* Every knob of p as text, applied on top of base, must give p back. */
static void check_round_trip(const clconv_device_params *p, clconv_device_params base)
{
    char text[2048];
    size_t u = 0;
    for (size_t i = 0; i < sizeof KNOBS / sizeof *KNOBS; i++)
        u += (size_t)snprintf(text + u, sizeof text - u, "%s%s=%ld", i ? "," : "", KNOBS[i].name,
                              knob_value(p, &KNOBS[i]));
    FUZZ_CHECK(u < sizeof text, "text too long");
    base.cls = p->cls;
    FUZZ_CHECK(clconv_device_params_apply(text, "fuzz", &base) == CLCONV_SUCCESS,
               "'%s' refused: %s", text, clconv_last_error());
    FUZZ_CHECK(same(&base, p), "'%s' does not reproduce the knobs", text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const cl_device_type types[4] = {CL_DEVICE_TYPE_CPU, CL_DEVICE_TYPE_GPU,
                                            CL_DEVICE_TYPE_ACCELERATOR,
                                            CL_DEVICE_TYPE_CPU | CL_DEVICE_TYPE_GPU};
    static const char *const vendors[8][2] = {
        {"The pocl project", "cpu-haswell-AMD EPYC 7B13"},
        {"NVIDIA Corporation", "NVIDIA H200"},
        {"Advanced Micro Devices, Inc.", "gfx90a:sramecc+:xnack-"},
        {"Intel(R) Corporation", "Intel(R) UHD Graphics 770"},
        {"University of Bristol", "Oclgrind Simulator"},
        {"ARM", "Mali-G78"},
        {"Apple", "Apple M2"},
        {"", ""}};
    if (size < 2)
        return 0;
    stub_type = types[data[0] & 3];
    stub_vendor = vendors[(data[0] >> 2) & 7][0];
    stub_name = vendors[(data[0] >> 2) & 7][1];
    const int apply = data[1] & 1, row = data[1] >> 1;
    data += 2, size -= 2;
    char *text = malloc(size + 1);
    FUZZ_CHECK(text != NULL, "malloc");
    memcpy(text, data, size);
    text[size] = '\0';

    static const char origin[] = "CLCONV_PARAMS";
    clconv_device_params p;
    if (!apply) {
        memset(&p, 0, sizeof p);
        int dummy;
        clconv_status st =
            clconv_device_params_init((cl_device_id)(void *)&dummy, text, origin, &p);
        if (st == CLCONV_SUCCESS) {
            check_legal(&p, text);
            check_round_trip(&p, p);
        } else {
            FUZZ_CHECK(st == CLCONV_INVALID_ARGUMENT, "status %d", (int)st);
            FUZZ_CHECK(strncmp(clconv_last_error(), "CLCONV_PARAMS: ", 15) == 0,
                       "message '%s'", clconv_last_error());
        }
    } else {
        /* On top of each class's defaults. */
        const clconv_device_params base = DEFAULTS[(size_t)row % (sizeof DEFAULTS / sizeof *DEFAULTS)].p;
        p = base;
        clconv_status st = clconv_device_params_apply(text, origin, &p);
        if (st == CLCONV_SUCCESS) {
            check_legal(&p, text);
            check_round_trip(&p, base);
            clconv_device_params again = p;
            FUZZ_CHECK(clconv_device_params_apply(text, origin, &again) == CLCONV_SUCCESS &&
                           same(&again, &p),
                       "applying '%.200s' twice differs", text);
        } else {
            FUZZ_CHECK(st == CLCONV_INVALID_ARGUMENT, "status %d", (int)st);
            FUZZ_CHECK(same(&p, &base), "a failed apply changed the params");
            FUZZ_CHECK(strncmp(clconv_last_error(), "CLCONV_PARAMS: ", 15) == 0,
                       "message '%s'", clconv_last_error());
        }
    }
    free(text);
    return 0;
}
