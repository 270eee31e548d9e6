/* The one test runner for a convolution against the float64 reference, in
 * the manner of NNPACK's ConvolutionTester: the options are a struct set
 * with designated initializers, the run is one call.
 *
 *   conv_tester t = {.desc = &d, .algo = CLCONV_ALGO_DIRECT, .seed = s,
 *                    .poison_workspace = 1, .user_event = 1, .trace = 1,
 *                    .check = my_trace_check};
 *   int rc = conv_tester_run(ctx, &t);   (CONV_TESTER_PASS / _FAIL / _UNSUPPORTED)
 *
 * Every run: seeded random x, w (and b when desc->has_bias) uniform in
 * [-1, 1], the plan (plan_create, or plan_create_with_params), weights,
 * then per round an enqueue into a NaN-poisoned output, a read after the
 * plan's event (right on out-of-order queues too), and the relative L2
 * error against clconv_reference_conv.  A named algorithm must be the one
 * the plan reports, AUTO a concrete one.  Every failure prints one line
 *   FAIL LABEL algo=A ran=R case="..." seed=S[ params=P]: what
 * from which the case can be rebuilt. */
#ifndef CLCONV_CONV_TESTER_H
#define CLCONV_CONV_TESTER_H
#include "clconv.h"
#include <stdint.h>

/* The same values as algo_check.h's check_result. */
enum { CONV_TESTER_PASS = 0, CONV_TESTER_FAIL = 1, CONV_TESTER_UNSUPPORTED = 2 };

typedef struct conv_tester conv_tester;
struct conv_tester {
    /* ---- options ---- */
    const clconv_conv_desc *desc;
    clconv_algorithm algo; /* AUTO allowed (0, the default) */
    uint64_t seed;         /* of the data; printed on every failure */
    const char *label;     /* printed on failure; NULL: "conv" */
    const char *params;    /* non-NULL: clconv_plan_create_with_params */
    double tolerance;      /* relative L2; 0: algo_tolerance of the algorithm the plan ran */
    int rounds;            /* enqueues of the one plan, each into a re-poisoned output; 0: 1 */
    int weights_on_host;   /* clconv_plan_set_weights_host (else from cl_mem buffers) */
    /* A caller workspace filled with NaN (a read of workspace not written
     * first shows in the result); the plan must want one. */
    int poison_workspace;
    /* Each enqueue waits on a user event completed only after the call
     * returns, so the wait list must be honoured. */
    int user_event;
    /* The context's queue must be out of order (checked): each round's
     * output poisoning is a non-blocking write whose event the plan waits
     * on, so only events order the steps. */
    int out_of_order;
    /* Also ask clconv_algorithm_supports, which must agree with
     * plan_create on CLCONV_UNSUPPORTED. */
    int check_supports;
    /* The launch trace (host/internal.h) is on from the first enqueue
     * until .check has run, which sees its text (also clconv_trace_text());
     * off afterwards.  0: the trace is left as the caller set it. */
    int trace;
    /* Optional, after the first round (whatever its error): 0 fails the
     * run (the check prints why). */
    int (*check)(const conv_tester *t, const char *trace, const char *describe);
    const void *arg; /* for check */

    /* ---- results ---- */
    clconv_algorithm ran; /* what the plan reported (AUTO before a plan) */
    double err;           /* worst relative L2 error over the rounds compared; -1: none */
    int failed_rounds;
    char describe[512]; /* clconv_plan_describe */
};

/* CLCONV_UNSUPPORTED of a named algorithm is CONV_TESTER_UNSUPPORTED,
 * printed only when it comes without a reason (a failure). */
int conv_tester_run(clconv_context *ctx, conv_tester *t);

/* d with ONNX defaults in the fields a designated initializer left 0 (rank
 * 2, batch 1, groups 1, strides and dilations 1), so that test cases read
 *   conv_tester_desc((clconv_conv_desc){.in_channels = 8, ...}). */
clconv_conv_desc conv_tester_desc(clconv_conv_desc d);
#endif
