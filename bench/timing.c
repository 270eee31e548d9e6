/* Device timing (see timing.h for why runs are bracketed by a marker). */
#define _POSIX_C_SOURCE 200809L /* clock_gettime */
#include "timing.h"
#include "bench.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

double bench_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec * 1e-6;
}

static clconv_status cl_fail(char *why, size_t n, const char *call, cl_int err)
{
    snprintf(why, n, "%s failed: %s (%d)", call, bench_cl_error(err), (int)err);
    return CLCONV_OPENCL_ERROR;
}

static clconv_status lib_fail(char *why, size_t n, clconv_status st)
{
    const char *m = clconv_last_error();
    snprintf(why, n, "%s", m && *m ? m : clconv_status_string(st));
    return st;
}

clconv_status bench_run_once(clconv_context *ctx, bench_enqueue_fn fn, void *user, char *why,
                             size_t n)
{
    cl_event done = NULL;
    clconv_status st = fn(user, 0, NULL, &done);
    if (st)
        return lib_fail(why, n, st);
    cl_int err = clWaitForEvents(1, &done);
    clReleaseEvent(done);
    if (err == CL_SUCCESS)
        err = clFinish(clconv_context_queue(ctx));
    return err == CL_SUCCESS ? CLCONV_SUCCESS : cl_fail(why, n, "clWaitForEvents", err);
}

static int cmp_double(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

clconv_status bench_time_one(clconv_context *ctx, bench_enqueue_fn fn, void *user, double *ms,
                             double *host_ms, int *wall, char *why, size_t n)
{
    cl_command_queue q = clconv_context_queue(ctx);
    cl_event mark = NULL, done = NULL;
    clconv_status st = CLCONV_SUCCESS;
    cl_int err = clFinish(q);
    if (err != CL_SUCCESS)
        return cl_fail(why, n, "clFinish", err);
    const double h0 = bench_now_ms();
    err = clEnqueueMarkerWithWaitList(q, 0, NULL, &mark);
    if (err != CL_SUCCESS)
        return cl_fail(why, n, "clEnqueueMarkerWithWaitList", err);
    st = fn(user, 1, &mark, &done);
    if (st) {
        lib_fail(why, n, st);
        goto done;
    }
    err = clWaitForEvents(1, &done);
    if (err != CL_SUCCESS) {
        st = cl_fail(why, n, "clWaitForEvents", err);
        goto done;
    }
    const double h1 = bench_now_ms();
    *host_ms = h1 - h0;
    cl_ulong t0 = 0, t1 = 0, s1 = 0;
    cl_int e0 = clGetEventProfilingInfo(mark, CL_PROFILING_COMMAND_END, sizeof t0, &t0, NULL);
    cl_int e1 = clGetEventProfilingInfo(done, CL_PROFILING_COMMAND_END, sizeof t1, &t1, NULL);
    cl_int e2 = clGetEventProfilingInfo(done, CL_PROFILING_COMMAND_START, sizeof s1, &s1, NULL);
    if (e1 == CL_SUCCESS && e2 == CL_SUCCESS && t1 >= s1) {
        /* Some drivers keep no times for markers: then the last launch
         * alone, which is exact for single-launch plans. */
        cl_ulong start = (e0 == CL_SUCCESS && t0 != 0 && t0 <= s1) ? t0 : s1;
        *ms = (double)(t1 - start) * 1e-6;
        *wall = 0;
    } else {
        *ms = h1 - h0;
        *wall = 1;
    }
done:
    if (done)
        clReleaseEvent(done);
    clReleaseEvent(mark);
    return st;
}

void bench_stats(double *v, int n, double *median, double *min)
{
    *median = *min = 0;
    if (n < 1)
        return;
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    *min = v[0];
    *median = n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

clconv_status bench_time(clconv_context *ctx, bench_enqueue_fn fn, void *user, int reps,
                         bench_times *t, char *why, size_t n)
{
    memset(t, 0, sizeof *t);
    if (reps < 1)
        return CLCONV_SUCCESS;
    double *ms = malloc((size_t)reps * sizeof *ms);
    if (!ms) {
        snprintf(why, n, "out of memory");
        return CLCONV_OUT_OF_MEMORY;
    }
    clconv_status st = CLCONV_SUCCESS;
    for (int r = 0; r < reps && !st; r++) {
        int wall = 0;
        double host_ms;
        st = bench_time_one(ctx, fn, user, &ms[r], &host_ms, &wall, why, n);
        t->wall_clock |= wall;
    }
    if (!st) {
        t->reps = reps;
        bench_stats(ms, reps, &t->median_ms, &t->min_ms);
    }
    free(ms);
    return st;
}
