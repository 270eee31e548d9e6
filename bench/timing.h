/* Device timing with OpenCL profiling events.
 *
 * A plan may be several launches and clconv_plan_enqueue returns the event
 * of the last one, so its START would miss the earlier launches.  Each run
 * is therefore bracketed: after clFinish a marker is enqueued, the run
 * waits for it, and the run's device time is END(returned event) -
 * END(marker).  That spans every launch of the plan and the gaps between
 * them (which a user pays too), and excludes whatever ran before. */
#ifndef CLCONV_BENCH_TIMING_H
#define CLCONV_BENCH_TIMING_H
#include "clconv.h"

#include <stddef.h>

/* One run of the thing being measured: enqueue it after wait, return its
 * completion event.  A plan, a space_depth op, ... */
typedef clconv_status (*bench_enqueue_fn)(void *user, cl_uint n_wait, const cl_event *wait,
                                          cl_event *event);

typedef struct bench_times {
    int reps;
    double median_ms, min_ms;
    /* 1 when the device gave no profiling data and host wall-clock time
     * (enqueue to completion) was used instead. */
    int wall_clock;
} bench_times;

/* Host monotonic clock in ms. */
double bench_now_ms(void);

/* Enqueues once and waits (a warm-up or the run that produces output).
 * On failure returns the status and a message in why. */
clconv_status bench_run_once(clconv_context *ctx, bench_enqueue_fn fn, void *user, char *why,
                             size_t why_len);

/* One bracketed run: *device_ms from the profiling events (or the host
 * time with *wall_clock = 1 when the events carry none) and *host_ms, the
 * host's wall-clock time from enqueue to completion (what a user waiting
 * on the result sees, launch overhead included). */
clconv_status bench_time_one(clconv_context *ctx, bench_enqueue_fn fn, void *user,
                             double *device_ms, double *host_ms, int *wall_clock, char *why,
                             size_t why_len);

/* Median and minimum of v[0..n) (sorts v); 0 for n < 1. */
void bench_stats(double *v, int n, double *median, double *min);

/* reps bracketed runs (see above); on failure returns the status and a
 * message in why. */
clconv_status bench_time(clconv_context *ctx, bench_enqueue_fn fn, void *user, int reps,
                         bench_times *t, char *why, size_t why_len);

#endif
