/* One deformable convolution measured end to end, as conv_job measures a
 * convolution (the suite runner's unit for deform2d layers): plan (timed:
 * it builds the program), set weights (timed), a first run (checked
 * against the reference when asked, into a NaN-poisoned output and
 * workspace), then single bracketed timed runs (timing.h). */
#ifndef CLCONV_BENCH_DEFORM_JOB_H
#define CLCONV_BENCH_DEFORM_JOB_H
#include "clconv.h"
#include "timing.h"

typedef struct deform_job {
    /* in */
    clconv_context *ctx;
    const clconv_deform_conv_desc *desc;
    clconv_algorithm algo;        /* AUTO or a named one */
    const float *x, *w, *b;       /* ONNX layouts; b NULL iff !has_bias */
    const float *offset, *mask;   /* mask NULL iff !has_mask */
    const double *ref;            /* reference output to compare with, or NULL */
    /* out: the same meanings as conv_job's */
    clconv_algorithm ran;
    char describe[256];
    double plan_ms, weights_ms, first_ms;
    double err;     /* rel L2 vs ref (when ref) */
    char why[1024]; /* the failure message */
    void *priv;     /* plan and buffers between prepare and release */
} deform_job;

/* Plan, weights, buffers for x, offset, mask and y, the first run and its
 * check.  On failure the status with the message in why; release always. */
clconv_status deform_job_prepare(deform_job *j);
/* One bracketed run (bench_time_one). */
clconv_status deform_job_time_one(deform_job *j, double *device_ms, double *host_ms,
                                  int *wall_clock);
/* Frees what prepare made; idempotent. */
void deform_job_release(deform_job *j);

/* Bytes every run must move at least: input + weights + offsets + mask +
 * output, float32. */
double deform_job_bytes(const clconv_deform_conv_desc *d);

#endif
