/* Running a list of layers (a suite, or benchdnn problems) with clconv's
 * algorithms and the peers, interleaved, and reporting it: the engine of
 * `clconv-bench suite` and `clconv-bench problem`.
 *
 * Per layer: the same seeded data for every algorithm and peer; each
 * clconv algorithm planned, its first run checked against the float64
 * reference (with --check); each peer prepared, warmed up and checked
 * once; then --runs rounds, each timing every algorithm and every peer
 * once in turn (round robin), so that a machine that slows down mid-run
 * slows all of them alike.  Medians and minimums over the rounds.
 * A deformable layer (deform2d) runs the same way through deform_job.c,
 * with seeded offsets (and mask) and clconv_reference_deform_conv; the
 * peers have no route for it. */
#ifndef CLCONV_BENCH_RUNNER_H
#define CLCONV_BENCH_RUNNER_H
#include "args.h"
#include "report.h"
#include "suite.h"

typedef struct runner_opts {
    const char *algos, *device, *layers, *peers, *out, *format;
    long runs;
    int check; /* -1: the suite's default */
    unsigned long long seed;
} runner_opts;

void runner_opts_init(runner_opts *o);
/* If argv[c->i] is one of the options above (--algo --device --layers
 * --peers --out --format --runs (--reps) --check --no-check --seed, and
 * --csv FILE = --format csv --out FILE), takes it and returns 1, setting
 * *bad after printing a message for a bad value; else 0. */
int runner_opt(arg_cursor *c, runner_opts *o, int *bad);
/* The report format: --format (table, csv, json; else a message and 2),
 * else from --out's extension (.csv, .json), else the table. */
int runner_format(const char *format, const char *out, report_format *f);
/* Runs the selected layers of s; prints; returns the exit code (1 when a
 * clconv run failed or was wrong). command is "suite" or "problem". */
int runner_run(const char *command, const suite *s, const runner_opts *o);

#endif
