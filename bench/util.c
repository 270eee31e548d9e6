/* clconv-bench helpers shared by the subcommands: messages and exit codes,
 * seeded data, relative error, and the few OpenCL calls the bench makes
 * itself (buffers, reads, NaN poisoning). */
#include "bench.h"
#include "internal.h" /* clconv_cl_error_name: one table of OpenCL error names */

#include <math.h>
#include <stdarg.h>
#include <stdio.h>

/* Whether a status line (bench_status) is on the terminal now. */
static int status_shown;

void bench_status(const char *text)
{
    fprintf(stderr, "\r%s\033[K", text);
    fflush(stderr);
    status_shown = 1;
}

void bench_status_clear(void)
{
    if (!status_shown)
        return;
    fputs("\r\033[K", stderr);
    fflush(stderr);
    status_shown = 0;
}

void bench_msg(const char *fmt, ...)
{
    va_list ap;
    bench_status_clear();
    va_start(ap, fmt);
    fputs("clconv-bench: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

int bench_exit_code(clconv_status st)
{
    switch (st) {
    case CLCONV_SUCCESS: return BENCH_OK;
    case CLCONV_INVALID_ARGUMENT: return BENCH_INVALID;
    case CLCONV_UNSUPPORTED: return BENCH_UNSUPPORTED;
    default: return BENCH_FAIL;
    }
}

int bench_lib_fail(clconv_status st, const char *what)
{
    const char *m = clconv_last_error();
    bench_msg("%s: %s", what, m && *m ? m : clconv_status_string(st));
    return bench_exit_code(st);
}

const char *bench_cl_error(cl_int err) { return clconv_cl_error_name(err); }

void bench_rng_seed(bench_rng *r, uint64_t seed) { seeded_rng_seed(r, seed); }

void bench_rng_fill(bench_rng *r, float *v, size_t n) { seeded_rng_fill(r, v, n, -1.0f, 1.0f); }

double bench_rel_l2(const float *y, const double *ref, size_t n)
{
    double num = 0, den = 0;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(y[i]))
            return INFINITY;
        const double e = (double)y[i] - ref[i];
        num += e * e;
        den += ref[i] * ref[i];
    }
    return sqrt(num) / fmax(sqrt(den), 1e-30);
}

int bench_context(const char *device, clconv_context **ctx)
{
    clconv_context_options o;
    clconv_context_options_init(&o);
    o.device = device;
    o.enable_profiling = 1;
    clconv_status st = clconv_context_create(&o, ctx);
    if (st) {
        /* No device is an environment problem, not an invalid problem. */
        bench_lib_fail(st, "cannot open an OpenCL device");
        return BENCH_FAIL;
    }
    return BENCH_OK;
}

int bench_buffer(clconv_context *ctx, size_t bytes, const float *host, cl_mem *buf)
{
    cl_int err;
    cl_mem_flags fl = CL_MEM_READ_WRITE | (host ? CL_MEM_COPY_HOST_PTR : 0);
    /* A zero-size buffer is invalid in OpenCL; nothing here is empty, but a
     * 4-byte minimum keeps the call valid if a caller asks. */
    *buf =
        clCreateBuffer(clconv_context_cl_context(ctx), fl, bytes ? bytes : 4, (void *)host, &err);
    if (err != CL_SUCCESS) {
        *buf = NULL;
        bench_msg("clCreateBuffer(%zu bytes) failed: %s", bytes, bench_cl_error(err));
        return BENCH_FAIL;
    }
    return BENCH_OK;
}

int bench_read(clconv_context *ctx, cl_mem buf, size_t bytes, float *host)
{
    cl_int err =
        clEnqueueReadBuffer(clconv_context_queue(ctx), buf, CL_TRUE, 0, bytes, host, 0, NULL, NULL);
    if (err != CL_SUCCESS) {
        bench_msg("clEnqueueReadBuffer failed: %s", bench_cl_error(err));
        return BENCH_FAIL;
    }
    return BENCH_OK;
}

int bench_poison(clconv_context *ctx, cl_mem buf, size_t bytes)
{
    /* Written from the host in 1 MiB pieces: PoCL's clEnqueueFillBuffer
     * runs at about 100 MB/s, slower than the convolutions measured. */
    enum { CHUNK = 1 << 18 };
    static float nan_chunk[CHUNK];
    if (!isnan(nan_chunk[0]))
        for (size_t i = 0; i < CHUNK; i++)
            nan_chunk[i] = NAN;
    for (size_t off = 0; off < bytes; off += sizeof nan_chunk) {
        const size_t n = bytes - off < sizeof nan_chunk ? bytes - off : sizeof nan_chunk;
        cl_int err = clEnqueueWriteBuffer(clconv_context_queue(ctx), buf, CL_TRUE, off, n,
                                          nan_chunk, 0, NULL, NULL);
        if (err != CL_SUCCESS) {
            bench_msg("clEnqueueWriteBuffer failed: %s", bench_cl_error(err));
            return BENCH_FAIL;
        }
    }
    return BENCH_OK;
}
