/* Checks one descriptor with one algorithm against the float64 reference:
 * seeded random data, NaN-poisoned output, relative L2 against the
 * algorithm's tolerance, and that the plan really runs what was asked. */
#ifndef CLCONV_ALGO_CHECK_H
#define CLCONV_ALGO_CHECK_H
#include "clconv.h"
#include <stdint.h>

/* The one tolerance table (relative L2 vs the float64 reference). */
double algo_tolerance(clconv_algorithm algo);

typedef enum { CHECK_PASS = 0, CHECK_FAIL = 1, CHECK_UNSUPPORTED = 2 } check_result;

/* Runs desc with algo (AUTO allowed) through plan_create / set_weights /
 * enqueue.  On failure prints one line that reproduces it:
 *   FAIL algo=direct case="..." seed=123 err=... (tol ...)
 * err (may be NULL) receives the relative L2 error of a run that happened.
 * CHECK_UNSUPPORTED when a named algorithm reports CLCONV_UNSUPPORTED.
 * A plan that reports a different algorithm than a named one fails. */
check_result check_conv(clconv_context *ctx, const clconv_conv_desc *desc, clconv_algorithm algo,
                        uint64_t seed, const char *label, double *err);
/* The same through clconv_plan_create_with_params (params NULL: plan_create). */
check_result check_conv_params(clconv_context *ctx, const clconv_conv_desc *desc,
                               clconv_algorithm algo, const char *params, uint64_t seed,
                               const char *label, double *err);
#endif
