/* `clconv-bench tune`: clconv_tune for every selected layer of a suite and
 * every algorithm that has parameters to tune and can run the layer.  One
 * row per (layer, algorithm): the defaults' median time, the best found,
 * the speed-up, and the candidates tried / rejected as wrong / failed to
 * build or launch / left out by the budget.  The best of each is written
 * to the user tuning database, which AUTO and named algorithms then use. */
#include "args.h"
#include "bench.h"
#include "outfile.h"
#include "runner.h"
#include "suite.h"
#include "textbuf.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct tune_opts {
    const char *suite, *algos, *device, *layers, *db, *format, *out;
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
        else if (arg_opt(&c, "--format", &v))
            o->format = v;
        else if (arg_opt(&c, "--out", &v))
            o->out = v;
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

/* One (layer, algorithm) of the CSV / JSON report. */
static void report_row(textbuf *b, report_format fmt, const suite *s, const suite_layer *L,
                       clconv_algorithm a, const clconv_tune_report *r, const char *error)
{
    const char *an = clconv_algorithm_name(a);
    const double gain =
        !error && r->default_ms > 0 && r->best_ms > 0 ? r->default_ms / r->best_ms : 0;
    if (fmt == FORMAT_CSV) {
        tb_csv(b, s->label, 0);
        tb_csv(b, L->name, 0);
        tb_csv(b, an, 0);
        if (error)
            tb_printf(b, ",,,,,,,,");
        else
            tb_printf(b, "%.6f,%.6f,%.4f,%d,%d,%d,%d,", r->default_ms, r->best_ms, gain, r->tried,
                      r->wrong, r->failed, r->skipped);
        if (!error)
            tb_csv(b, r->best_params, 0);
        tb_csv(b, error ? "failed" : "ok", 0);
        tb_csv(b, error ? error : "", 1);
        return;
    }
    tb_printf(b, "%s\n    {\"layer\": ", b->len > 0 && b->s[b->len - 1] == '}' ? "," : "");
    tb_json(b, L->name);
    tb_printf(b, ", \"algorithm\": ");
    tb_json(b, an);
    if (error) {
        tb_printf(b, ", \"status\": \"failed\", \"message\": ");
        tb_json(b, error);
    } else {
        tb_printf(b, ", \"status\": \"ok\", \"default_ms\": %.6f, \"best_ms\": %.6f, "
                     "\"speedup\": %.4f, \"tried\": %d, \"wrong\": %d, \"failed\": %d, "
                     "\"skipped\": %d, \"params\": ",
                  r->default_ms, r->best_ms, gain, r->tried, r->wrong, r->failed, r->skipped);
        tb_json(b, r->best_params);
    }
    tb_printf(b, "}");
}

/* Writes the report to --out (atomically) or stdout; exit code. */
static int write_report(const char *out, char *text)
{
    if (!text) {
        bench_msg("out of memory for the report");
        return BENCH_FAIL;
    }
    int rc = BENCH_OK;
    const size_t len = strlen(text);
    if (!out) {
        rc = fwrite(text, 1, len, stdout) == len ? BENCH_OK : BENCH_FAIL;
    } else {
        char err[1024];
        if (outfile_write(out, text, len, err, sizeof err)) {
            bench_msg("%s", err);
            rc = BENCH_FAIL;
        }
    }
    free(text);
    return rc;
}

int cmd_tune(int argc, char **argv)
{
    tune_opts o;
    int rc = parse_tune_opts(argc, argv, &o);
    if (rc)
        return rc;
    int all = 0, n_algos = 0;
    clconv_algorithm algos[CLCONV_ALGO_COUNT];
    report_format fmt;
    if ((rc = runner_format(o.format, o.out, &fmt)) ||
        (rc = parse_algo_list(o.algos, &all, algos, &n_algos)))
        return rc;
    char oerr[1024];
    if (o.out && !outfile_target_ok(o.out, oerr, sizeof oerr)) {
        bench_msg("--out %s", oerr);
        return BENCH_INVALID;
    }
    /* The table goes to stdout unless CSV or JSON does. */
    FILE *tf = fmt != FORMAT_TABLE && !o.out ? stderr : stdout;
    if (o.out && fmt == FORMAT_TABLE) {
        bench_msg("tune: --out writes CSV or JSON (name it .csv or .json, or give --format)");
        return BENCH_INVALID;
    }
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
    fprintf(tf, "device:   %s\n", clconv_context_device_name(ctx));
    fprintf(tf, "database: %s\n", *db ? db : "(none: results are not saved)");
    fprintf(tf, "suite:    %s, budget %.0f s per layer and algorithm, median of %ld runs\n\n",
            s.label, o.budget, o.runs);
    fprintf(tf, "%-18s %-14s %10s %10s %7s %5s %5s %6s %7s  %s\n", "layer", "algo", "default ms",
           "best ms", "speedup", "tried", "wrong", "failed", "skipped", "best parameters");
    textbuf rep = {0};
    if (fmt == FORMAT_CSV)
        tb_printf(&rep, "suite,layer,algorithm,default_ms,best_ms,speedup,tried,wrong,failed,"
                        "skipped,params,status,message\n");
    else if (fmt == FORMAT_JSON)
        tb_printf(&rep, "{\"tool\": \"clconv-bench\", \"command\": \"tune\", \"rows\": [");
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
        if (L->deform) { /* clconv_tune takes a clconv_conv_desc */
            fprintf(tf, "%-18s %-14s skipped: clconv_tune does not tune deformable convolution\n",
                    L->name, "-");
            continue;
        }
        for (int ai = 0; ai < n_algos; ai++) {
            /* only algorithms that run the layer and have something to tune */
            if (clconv_algorithm_supports(ctx, &L->desc, algos[ai]) != CLCONV_SUCCESS) {
                if (!all)
                    fprintf(tf, "%-18s %-14s cannot run this layer: %s\n", L->name,
                           clconv_algorithm_name(algos[ai]), clconv_last_error());
                continue;
            }
            clconv_tune_report r;
            fprintf(stderr, "tuning %s with %s ...\n", L->name, clconv_algorithm_name(algos[ai]));
            st = clconv_tune(ctx, &L->desc, algos[ai], &to, &r);
            if (st) {
                failures++;
                fprintf(tf, "%-18s %-14s FAILED: %s\n", L->name, clconv_algorithm_name(algos[ai]),
                        clconv_last_error());
                if (fmt != FORMAT_TABLE)
                    report_row(&rep, fmt, &s, L, algos[ai], NULL, clconv_last_error());
                continue;
            }
            tuned++;
            const double gain = r.default_ms > 0 && r.best_ms > 0 ? r.default_ms / r.best_ms : 0;
            if (gain > 0) {
                log_gain += log(gain);
                gains++;
            }
            fprintf(tf, "%-18s %-14s %10.3f %10.3f %6.2fx %5d %5d %6d %7d  %s\n", L->name,
                    clconv_algorithm_name(algos[ai]), r.default_ms, r.best_ms, gain, r.tried,
                    r.wrong, r.failed, r.skipped, *r.best_params ? r.best_params : "(defaults)");
            fflush(tf);
            if (fmt != FORMAT_TABLE)
                report_row(&rep, fmt, &s, L, algos[ai], &r, NULL);
        }
    }
    fprintf(tf, "\n%d (layer, algorithm) pairs tuned, %d failed", tuned, failures);
    if (gains)
        fprintf(tf, "; geometric mean speed-up over the defaults %.2fx", exp(log_gain / gains));
    fprintf(tf, "\n");
    rc = failures ? BENCH_FAIL : BENCH_OK;
    if (fmt == FORMAT_JSON)
        tb_printf(&rep, "\n]}\n");
    if (fmt != FORMAT_TABLE && write_report(o.out, tb_take(&rep)))
        rc = BENCH_FAIL;
    free(rep.s);
    clconv_context_destroy(ctx);
    free(sel);
    suite_free(&s);
    return rc;
}
