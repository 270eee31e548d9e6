/* clconv-bench: shared declarations of the subcommands and their helpers.
 *
 * Exit codes (the same for every subcommand):
 *   0 success
 *   1 other failure (device, OpenCL, I/O while writing)
 *   2 invalid problem, option or file (the message names the cause)
 *   3 the requested algorithm cannot do the problem (CLCONV_UNSUPPORTED)
 * Every message on stderr starts with "clconv-bench: ". */
#ifndef CLCONV_BENCH_H
#define CLCONV_BENCH_H
#include "clconv.h"

#include <stddef.h>
#include <stdint.h>

enum { BENCH_OK = 0, BENCH_FAIL = 1, BENCH_INVALID = 2, BENCH_UNSUPPORTED = 3 };

/* A result this far from the float64 reference is wrong, not imprecise.
 * It is a sanity bound for the bench only: the per-algorithm tolerances
 * live in tests/support/algo_check.c and the tests enforce them. */
#define BENCH_SANITY_ERR 1e-3

int cmd_run(int argc, char **argv);
int cmd_suite(int argc, char **argv);
int cmd_devices(int argc, char **argv);
int cmd_tune(int argc, char **argv);
int cmd_problem(int argc, char **argv);
int cmd_plot(int argc, char **argv);

/* ---- messages (util.c) ----------------------------------------------------- */

/* Prints "clconv-bench: <message>\n" to stderr. */
void bench_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A one-line status on a terminal's stderr (progress), rewritten in place;
 * bench_msg and bench_status_clear erase it first, so that no other output
 * starts in the middle of it.  Only for a terminal: callers check isatty. */
void bench_status(const char *text);
void bench_status_clear(void);
/* The exit code for a library status. */
int bench_exit_code(clconv_status st);
/* Prints "clconv-bench: <what>: <clconv_last_error() or the status>" and
 * returns bench_exit_code(st). */
int bench_lib_fail(clconv_status st, const char *what);

/* ---- data (util.c) --------------------------------------------------------- */

/* The library's generator (host/seeded_rng.h), shared with the tests: a
 * seed gives the same tensors everywhere. */
#include "seeded_rng.h"
typedef seeded_rng bench_rng;
void bench_rng_seed(bench_rng *r, uint64_t seed);
/* Uniform in [-1, 1). */
void bench_rng_fill(bench_rng *r, float *v, size_t n);
/* sqrt(sum (y-ref)^2) / sqrt(sum ref^2); +inf if y has a NaN or inf. */
double bench_rel_l2(const float *y, const double *ref, size_t n);

/* Context with the bench's options: device SPEC (NULL = library default)
 * and profiling on.  Prints and returns an exit code on failure. */
int bench_context(const char *device, clconv_context **ctx);
/* A device buffer of `bytes`, optionally filled from host.  Prints and
 * returns an exit code on failure. */
int bench_buffer(clconv_context *ctx, size_t bytes, const float *host, cl_mem *buf);
/* Blocking read; prints and returns an exit code on failure. */
int bench_read(clconv_context *ctx, cl_mem buf, size_t bytes, float *host);
/* Fills a buffer with NaN so that unwritten outputs are caught by --check. */
int bench_poison(clconv_context *ctx, cl_mem buf, size_t bytes);
/* "CL_INVALID_VALUE" etc. */
const char *bench_cl_error(cl_int err);

#endif
