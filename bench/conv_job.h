/* One convolution measured end to end, the unit both `run` and `suite` are
 * made of: plan (timed: it builds the programs), set weights (timed: the
 * weight transforms), a first run (checked against the reference when
 * asked, into a NaN-poisoned output), then timed repetitions. */
#ifndef CLCONV_BENCH_CONV_JOB_H
#define CLCONV_BENCH_CONV_JOB_H
#include "clconv.h"
#include "timing.h"

typedef struct conv_job {
    /* in */
    clconv_context *ctx;
    const clconv_conv_desc *desc;
    clconv_algorithm algo;  /* AUTO or a named one */
    const float *x, *w, *b; /* host tensors in the ONNX layouts; b NULL iff !has_bias */
    int reps;               /* timed runs after the first (0: just one run) */
    const double *ref;      /* reference output to compare with, or NULL */
    float *y;               /* receives the output of the first run, or NULL */
    /* out */
    clconv_algorithm ran;
    char describe[256];
    double plan_ms, weights_ms;
    /* Host time of the first run: on PoCL it includes compiling each
     * kernel for its work-group size. */
    double first_ms;
    bench_times times;
    double err;     /* rel L2 vs ref (when ref) */
    char why[1024]; /* the failure message */
    void *priv;     /* plan and buffers between prepare and release */
} conv_job;

/* Runs the job; on failure returns the status with the message in why. */
clconv_status conv_job_run(conv_job *j);

/* The same in steps, so that several jobs (and peers) can be timed
 * interleaved: prepare (plan, weights, first run, check), any number of
 * single timed runs, release (always, also after a failed prepare). */
clconv_status conv_job_prepare(conv_job *j);
clconv_status conv_job_time_one(conv_job *j, double *device_ms, double *host_ms, int *wall_clock);
void conv_job_release(conv_job *j);

/* Bytes every run must move at least: input + weights + output, float32. */
double conv_job_bytes(const clconv_conv_desc *d);

/* "conv2d N1 C16 32x32 -> K16 32x32 k3x3 s1,1 p1,1,1,1 d1,1 g1" */
void conv_desc_summary(const clconv_conv_desc *d, char *buf, size_t n);

#endif
