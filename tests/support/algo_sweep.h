/* The driver the per-algorithm test programs share: named cases, then a
 * seeded random sweep whose every case can be replayed alone, then the
 * program's own extra checks, and one summary line with the worst error.
 *
 *   PROG [--seed S] [--count N] [--case I] [--named 0|1] [--verbose 1]
 *
 * --case I runs random case I alone (no named cases unless --named 1, no
 * extras); a failing random case prints "  replay: PROG --seed S --case I".
 * Also the pieces several programs check the same way: refusals and a run
 * through a NaN-poisoned caller workspace behind a user event. */
#ifndef CLCONV_ALGO_SWEEP_H
#define CLCONV_ALGO_SWEEP_H
#include "algo_check.h"
#include "testutil.h"

#include <stddef.h>
#include <stdint.h>

typedef struct {
    uint64_t seed; /* --seed (or CLCONV_TEST_SEED) */
    long count;    /* --count: random cases */
    long only;     /* --case: the one random case to run, or -1 */
    int named;     /* --named: default 1 unless --case */
    int verbose;   /* --verbose 1: every case with its error */
} sweep_opts;

typedef struct {
    int run, failed;
    double worst;        /* worst relative L2 error of the runs that happened */
    char worst_case[96]; /* its label */
} sweep_tally;

/* A table of named cases: structs whose first member is the case's name
 * (const char *), made descriptors by algo_sweep.to_desc; the cases of a
 * transposed table become ConvTranspose. */
typedef struct {
    const void *cases;
    size_t count, size;
    int transposed;
} sweep_table;
#define SWEEP_TABLE(t, transposed) {(t), sizeof(t) / sizeof(t)[0], sizeof(t)[0], (transposed)}

typedef struct algo_sweep algo_sweep;
struct algo_sweep {
    clconv_algorithm algo;
    const char *replay; /* command line that replays a case, before --seed: "test_algo_x" */
    uint64_t default_seed;
    long default_count;
    /* The named cases, data seed seed + i for the i-th over all tables... */
    sweep_table tables[2];
    clconv_conv_desc (*to_desc)(const void *c);
    /* ... or named (when set): case i fills *d, may change *data_seed
     * (preset to seed + i), returns its name; NULL past the last one. */
    const char *(*named)(const algo_sweep *s, size_t i, uint64_t seed, clconv_conv_desc *d,
                         uint64_t *data_seed);
    /* Random case i from (seed, i) alone, so that --case replays it; one of:
     * random_desc draws from an rng seeded with seed ^ 0x5bd1e995 * (i + 1),
     * data seed seed + 1000 + i; random_case does its own derivation. */
    clconv_conv_desc (*random_desc)(test_rng *r);
    clconv_conv_desc (*random_case)(const algo_sweep *s, uint64_t seed, long i,
                                    uint64_t *data_seed);
    /* Optional: called with the launch trace of every case that passed;
     * 0 fails the case (it prints why). */
    int (*trace_ok)(const clconv_conv_desc *d, const char *label);
    /* Optional: run once after the sweep unless --case; returns failures
     * not already counted in t (cases run through algo_sweep_check are). */
    int (*extra)(clconv_context *ctx, const algo_sweep *s, const sweep_opts *o, sweep_tally *t);
};

sweep_opts algo_sweep_opts(const algo_sweep *s, int argc, char **argv);
void algo_sweep_tally_init(sweep_tally *t);

/* check_conv plus the bookkeeping: counts the case, fails it when a named
 * algorithm says CLCONV_UNSUPPORTED (every case is in its domain) or when
 * s->trace_ok rejects the trace, keeps the worst error. */
check_result algo_sweep_check(clconv_context *ctx, const algo_sweep *s, const sweep_opts *o,
                              const clconv_conv_desc *d, uint64_t data_seed, const char *label,
                              sweep_tally *t);

/* Named cases, random sweep, extras, into t. */
void algo_sweep_run(clconv_context *ctx, const algo_sweep *s, const sweep_opts *o, sweep_tally *t);
/* "ALGO: N cases, F failures, worst relative L2 error E at LABEL (tolerance T), seed S" */
void algo_sweep_summary(const algo_sweep *s, const sweep_opts *o, const sweep_tally *t);
/* A whole test program: options, context, run, summary; the exit status. */
int algo_sweep_main(const algo_sweep *s, int argc, char **argv);

/* 0 when algo refuses d with CLCONV_UNSUPPORTED and a reason that starts
 * "<algorithm name>:", through clconv_plan_create (via_plan) or
 * clconv_algorithm_supports; else prints "FAIL refuse/WHAT ..." and 1. */
int algo_sweep_refused(clconv_context *ctx, clconv_algorithm algo, const clconv_conv_desc *d,
                       const char *what, int via_plan);

/* Runs d with algo on a caller workspace filled with NaN, enqueued behind a
 * user event completed only after the enqueue (so the wait list must be
 * honoured), with the launch trace on; compares with the reference (a read
 * of workspace not written first shows as NaN) and then asks
 * check(trace, description, arg), which prints and returns 0 when either
 * is wrong.  Prints the description; returns 1 on any failure. */
int algo_sweep_poisoned_workspace(clconv_context *ctx, clconv_algorithm algo,
                                  const clconv_conv_desc *d, uint64_t seed,
                                  int (*check)(const char *trace, const char *describe,
                                               const void *arg),
                                  const void *arg);
#endif
