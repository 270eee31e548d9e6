/* `clconv-bench tune`: clconv_tune for every selected layer of a suite and
 * every algorithm that has parameters to tune and can run the layer.  One
 * row per (layer, algorithm): the defaults' median time, the best found,
 * the speed-up, and the candidates tried / rejected as wrong / failed to
 * build or launch / left out by the budget.  The best of each is written
 * to the user tuning database, which AUTO and named algorithms then use. */
#include "args.h"
#include "bench.h"
#include "suite.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct tune_opts {
    const char *suite, *algos, *device, *layers, *db;
    long runs;
    double budget;
    int verbose;
} tune_opts;

static int parse_tune_opts(int argc, char **argv, tune_opts *o)
{
    memset(o, 0, sizeof *o);
    o->suite = "standard";
    o->algos = "all";
    o->runs = 5;
    o->budget = 60;
    arg_cursor c = {argc, argv, 0, 0};
    for (c.i = 0; c.i < argc; c.i++) {
        const char *v = NULL;
        int bad = 0;
        long l;
        if (arg_opt(&c, "--suite", &v))
            o->suite = v;
        else if (arg_opt(&c, "--algo", &v))
            o->algos = v;
        else if (arg_opt(&c, "--layers", &v))
            o->layers = v;
        else if (arg_opt(&c, "--device", &v))
            o->device = v;
        else if (arg_opt(&c, "--db", &v))
            o->db = v;
        else if (arg_opt(&c, "--runs", &v))
            bad = parse_int("--runs", v, 1, 1000, &o->runs);
        else if (arg_opt(&c, "--budget", &v)) {
            bad = parse_int("--budget", v, 0, 86400, &l);
            o->budget = (double)l;
        } else if (arg_flag(&c, "--verbose"))
            o->verbose = 1;
        else {
            bench_msg("tune: unknown option '%s' (see clconv-bench --help)", argv[c.i]);
            return BENCH_INVALID;
        }
        if (bad || c.error)
            return BENCH_INVALID;
    }
    return BENCH_OK;
}

static void progress_line(void *user, const char *line)
{
    (void)user;
    fprintf(stderr, "  %s\n", line);
}

int cmd_tune(int argc, char **argv)
{
    tune_opts o;
    int rc = parse_tune_opts(argc, argv, &o);
    if (rc)
        return rc;
    int all = 0, n_algos = 0;
    clconv_algorithm algos[CLCONV_ALGO_COUNT];
    if ((rc = parse_algo_list(o.algos, &all, algos, &n_algos)))
        return rc;
    for (int i = 0; i < n_algos; i++)
        if (algos[i] == CLCONV_ALGO_AUTO) {
            bench_msg("--algo: tune named algorithms (auto then uses the results)");
            return BENCH_INVALID;
        }
    if (all)
        for (int a = 1; a < CLCONV_ALGO_COUNT; a++)
            algos[n_algos++] = (clconv_algorithm)a;
    suite s;
    if ((rc = suite_load(o.suite, &s)))
        return rc;
    char *sel = malloc((size_t)s.n + 1);
    if (!sel) {
        suite_free(&s);
        bench_msg("out of memory");
        return BENCH_FAIL;
    }
    if ((rc = suite_select(&s, o.layers, sel))) {
        free(sel);
        suite_free(&s);
        return rc;
    }
    clconv_context_options co;
    clconv_context_options_init(&co);
    co.device = o.device;
    co.enable_profiling = 1;
    co.tuning_db = o.db;
    clconv_context *ctx = NULL;
    clconv_status st = clconv_context_create(&co, &ctx);
    if (st) {
        free(sel);
        suite_free(&s);
        return bench_lib_fail(st, "cannot open an OpenCL device");
    }
    const char *db = clconv_context_tuning_db(ctx);
    printf("device:   %s\n", clconv_context_device_name(ctx));
    printf("database: %s\n", *db ? db : "(none: results are not saved)");
    printf("suite:    %s, budget %.0f s per layer and algorithm, median of %ld runs\n\n", s.label,
           o.budget, o.runs);
    printf("%-18s %-14s %10s %10s %7s %5s %5s %6s %7s  %s\n", "layer", "algo", "default ms",
           "best ms", "speedup", "tried", "wrong", "failed", "skipped", "best parameters");
    clconv_tune_options to;
    clconv_tune_options_init(&to);
    to.runs = (int)o.runs;
    to.budget_seconds = o.budget;
    to.save = 1;
    if (o.verbose)
        to.progress = progress_line;
    int tuned = 0, failures = 0;
    double log_gain = 0;
    int gains = 0;
    for (int li = 0; li < s.n; li++) {
        if (!sel[li])
            continue;
        const suite_layer *L = &s.layers[li];
        for (int ai = 0; ai < n_algos; ai++) {
            /* only algorithms that run the layer and have something to tune */
            if (clconv_algorithm_supports(ctx, &L->desc, algos[ai]) != CLCONV_SUCCESS) {
                if (!all)
                    printf("%-18s %-14s cannot run this layer: %s\n", L->name,
                           clconv_algorithm_name(algos[ai]), clconv_last_error());
                continue;
            }
            clconv_tune_report r;
            fprintf(stderr, "tuning %s with %s ...\n", L->name, clconv_algorithm_name(algos[ai]));
            st = clconv_tune(ctx, &L->desc, algos[ai], &to, &r);
            if (st) {
                failures++;
                printf("%-18s %-14s FAILED: %s\n", L->name, clconv_algorithm_name(algos[ai]),
                       clconv_last_error());
                continue;
            }
            tuned++;
            const double gain = r.default_ms > 0 ? r.default_ms / r.best_ms : 0;
            if (gain > 0) {
                log_gain += log(gain);
                gains++;
            }
            printf("%-18s %-14s %10.3f %10.3f %6.2fx %5d %5d %6d %7d  %s\n", L->name,
                   clconv_algorithm_name(algos[ai]), r.default_ms, r.best_ms, gain, r.tried,
                   r.wrong, r.failed, r.skipped, *r.best_params ? r.best_params : "(defaults)");
            fflush(stdout);
        }
    }
    printf("\n%d (layer, algorithm) pairs tuned, %d failed", tuned, failures);
    if (gains)
        printf("; geometric mean speed-up over the defaults %.2fx", exp(log_gain / gains));
    printf("\n");
    clconv_context_destroy(ctx);
    free(sel);
    suite_free(&s);
    return failures ? BENCH_FAIL : BENCH_OK;
}
