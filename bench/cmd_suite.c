/* `clconv-bench suite`: every layer of a suite with each requested
 * algorithm, one table row per (layer, algorithm): the algorithm that ran
 * and its description, median and minimum device time, GFLOP/s from the
 * direct-method FLOP count (marked '*' where it is "effective", i.e. the
 * algorithm does fewer multiplications), GB/s of the unavoidable traffic
 * (what depthwise layers are bound by), plan time (program builds) apart
 * from run time, the speed-up over direct when direct ran too, and the
 * error against the float64 reference with --check.
 *
 * Rows of one layer are printed together once the layer is done, so the
 * "x direct" column can be filled whatever order --algo lists them in. */
#include "args.h"
#include "bench.h"
#include "conv_job.h"
#include "outfile.h"
#include "suite.h"

#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct suite_opts {
    const char *suite, *algos, *device, *layers, *csv, *print;
    long reps;
    int check; /* -1: the suite's default */
    unsigned long long seed;
} suite_opts;

typedef struct row {
    const suite_layer *layer;
    clconv_algorithm asked;
    clconv_status st;
    conv_job job;
    int checked;
} row;

typedef struct totals {
    int layers, runs, unsupported, failed, wrong;
    double max_err, plan_ms, first_ms;
} totals;

/* ---- options ---------------------------------------------------------------- */

static int parse_suite_opts(int argc, char **argv, suite_opts *o)
{
    memset(o, 0, sizeof *o);
    o->suite = "smoke";
    o->algos = "auto";
    o->reps = 5;
    o->check = -1;
    o->seed = 1;
    arg_cursor c = {argc, argv, 0, 0};
    for (c.i = 0; c.i < argc; c.i++) {
        const char *v = NULL;
        int bad = 0;
        if (arg_opt(&c, "--suite", &v))
            o->suite = v;
        else if (arg_opt(&c, "--algo", &v))
            o->algos = v;
        else if (arg_opt(&c, "--reps", &v))
            bad = parse_int("--reps", v, 1, 100000, &o->reps);
        else if (arg_opt(&c, "--device", &v))
            o->device = v;
        else if (arg_flag(&c, "--check"))
            o->check = 1;
        else if (arg_flag(&c, "--no-check"))
            o->check = 0;
        else if (arg_opt(&c, "--layers", &v))
            o->layers = v;
        else if (arg_opt(&c, "--csv", &v))
            o->csv = v;
        else if (arg_opt(&c, "--seed", &v))
            bad = parse_u64("--seed", v, &o->seed);
        else if (arg_opt(&c, "--print", &v))
            o->print = v;
        else {
            bench_msg("suite: unknown option '%s' (see clconv-bench --help)", argv[c.i]);
            return BENCH_INVALID;
        }
        if (bad || c.error)
            return BENCH_INVALID;
    }
    return BENCH_OK;
}

/* ---- output --------------------------------------------------------------- */

static int is_winograd(clconv_algorithm a)
{
    return a == CLCONV_ALGO_WINOGRAD_F2X2 || a == CLCONV_ALGO_WINOGRAD_F4X4;
}

static void algo_label(const row *r, char *buf, size_t n)
{
    if (r->asked == CLCONV_ALGO_AUTO && r->st == CLCONV_SUCCESS)
        snprintf(buf, n, "auto:%s", clconv_algorithm_name(r->job.ran));
    else
        snprintf(buf, n, "%s", clconv_algorithm_name(r->asked));
}

static void print_header(int check)
{
    printf("%-18s %-22s %-5s %9s %9s %9s %7s %8s %8s %8s %8s  %s\n", "layer", "algo", "from",
           "median ms", "min ms", "GFLOP/s", "GB/s", "plan ms", "1st ms", "x direct",
           check ? "rel err" : "", "describe");
}

/* Where the plan's algorithm and parameters came from, from the end of its
 * description: the tuning database (db), a neighbour's entry (near), the
 * heuristics and defaults (heur) or explicit parameters (expl). */
static const char *choice_source(const char *describe)
{
    const char *c = strstr(describe, "; choice: ");
    if (!c)
        return "";
    c += strlen("; choice: ");
    return !strncmp(c, "database neighbour", 18) ? "near"
           : !strncmp(c, "database", 8)          ? "db"
           : !strncmp(c, "heuristics", 10)       ? "heur"
                                                 : "expl";
}

/* CSV text grows in memory and is written whole at the end. */
typedef struct strbuf {
    char *s;
    size_t len, cap;
    int oom;
} strbuf;

static void sb_printf(strbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_printf(strbuf *b, const char *fmt, ...)
{
    if (b->oom)
        return;
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int k = vsnprintf(b->s ? b->s + b->len : NULL, b->s ? b->cap - b->len : 0, fmt, ap);
        va_end(ap);
        if (k < 0) {
            b->oom = 1;
            return;
        }
        if (b->s && b->len + (size_t)k < b->cap) {
            b->len += (size_t)k;
            return;
        }
        size_t cap = (b->cap + (size_t)k + 1) * 2;
        char *s = realloc(b->s, cap);
        if (!s) {
            b->oom = 1;
            return;
        }
        b->s = s;
        b->cap = cap;
    }
}

/* A CSV field, quoted when it holds a comma, quote or newline. */
static void sb_field(strbuf *b, const char *s)
{
    if (!strpbrk(s, ",\"\n")) {
        sb_printf(b, "%s,", s);
        return;
    }
    sb_printf(b, "\"");
    for (; *s; s++)
        sb_printf(b, *s == '"' ? "\"\"" : "%c", *s);
    sb_printf(b, "\",");
}

static const char *csv_header =
    "layer,type,algo,ran,choice,describe,median_ms,min_ms,gflops,gflops_effective,gbps,plan_ms,"
    "set_weights_ms,first_run_ms,x_direct,rel_err,status,message\n";

static void print_layer(const row *rows, int n, int check, strbuf *csv)
{
    /* The baseline: the row that asked for direct, else one where auto
     * chose it. */
    double direct_ms = 0;
    for (int pass = 0; pass < 2 && direct_ms == 0; pass++)
        for (int i = 0; i < n && direct_ms == 0; i++)
            if (rows[i].st == CLCONV_SUCCESS && rows[i].job.ran == CLCONV_ALGO_DIRECT &&
                (pass || rows[i].asked == CLCONV_ALGO_DIRECT))
                direct_ms = rows[i].job.times.median_ms;
    for (int i = 0; i < n; i++) {
        const row *r = &rows[i];
        const conv_job *j = &r->job;
        char algo[64], xd[16] = "", err[16] = "", gf[16];
        algo_label(r, algo, sizeof algo);
        const char *st = r->st == CLCONV_SUCCESS       ? "ok"
                         : r->st == CLCONV_UNSUPPORTED ? "unsupported"
                                                       : "failed";
        if (csv) {
            sb_field(csv, r->layer->name);
            sb_field(csv, r->layer->type);
            sb_field(csv, clconv_algorithm_name(r->asked));
            sb_field(csv, r->st ? "" : clconv_algorithm_name(j->ran));
            sb_field(csv, r->st ? "" : choice_source(j->describe));
            sb_field(csv, r->st ? "" : j->describe);
        }
        if (r->st) {
            printf("%-18s %-22s %s: %s\n", r->layer->name, algo,
                   r->st == CLCONV_UNSUPPORTED ? "unsupported" : "FAILED", j->why);
            if (csv) {
                sb_printf(csv, ",,,,,,,,,,%s,", st); /* 10 empty numeric fields */
                sb_field(csv, j->why);
                if (!csv->oom)
                    csv->s[csv->len - 1] = '\n'; /* the last field ends the line */
            }
            continue;
        }
        const double s = j->times.median_ms * 1e-3;
        const double gflops = clconv_conv_flops(&r->layer->desc) / s * 1e-9;
        const double gbps = conv_job_bytes(&r->layer->desc) / s * 1e-9;
        const int eff = is_winograd(j->ran);
        snprintf(gf, sizeof gf, gflops < 10 ? "%.3g%s" : "%.1f%s", gflops, eff ? "*" : "");
        if (direct_ms > 0)
            snprintf(xd, sizeof xd, "%.2fx", direct_ms / j->times.median_ms);
        if (r->checked)
            snprintf(err, sizeof err, "%.1e%s", j->err, j->err <= BENCH_SANITY_ERR ? "" : "!");
        char gb[16];
        snprintf(gb, sizeof gb, gbps < 10 ? "%.3g" : "%.1f", gbps);
        printf("%-18s %-22s %-5s %9.3f %9.3f %9s %7s %8.1f %8.1f %8s %8s  %s%s\n", r->layer->name,
               algo, choice_source(j->describe), j->times.median_ms, j->times.min_ms, gf, gb, j->plan_ms, j->first_ms, xd,
               check ? err : "", j->describe, j->times.wall_clock ? " (wall-clock)" : "");
        if (csv) {
            sb_printf(csv, "%.6f,%.6f,%.3f,%d,%.3f,%.3f,%.3f,%.3f,", j->times.median_ms,
                      j->times.min_ms, gflops, eff, gbps, j->plan_ms, j->weights_ms, j->first_ms);
            sb_printf(csv, direct_ms > 0 ? "%.4f," : ",", direct_ms / j->times.median_ms);
            sb_printf(csv, r->checked ? "%.3e," : ",", j->err);
            sb_printf(csv, "%s,\n", st);
        }
    }
    fflush(stdout);
}

/* ---- running ---------------------------------------------------------------- */

/* The algorithms to run on one layer, in table order. */
static int layer_algos(clconv_context *ctx, const clconv_conv_desc *d, int all,
                       const clconv_algorithm *list, int n, clconv_algorithm *out)
{
    if (!all) {
        memcpy(out, list, (size_t)n * sizeof *out);
        return n;
    }
    int k = 0;
    for (int a = CLCONV_ALGO_AUTO + 1; a < CLCONV_ALGO_COUNT; a++)
        if (clconv_algorithm_supports(ctx, d, (clconv_algorithm)a) == CLCONV_SUCCESS)
            out[k++] = (clconv_algorithm)a;
    out[k++] = CLCONV_ALGO_AUTO;
    return k;
}

static int run_layer(clconv_context *ctx, const suite_layer *L, int li, const suite_opts *o,
                     int check, int all, const clconv_algorithm *list, int nlist, totals *t,
                     strbuf *csv)
{
    const clconv_conv_desc *d = &L->desc;
    const size_t nx = clconv_conv_input_elems(d), nw = clconv_conv_weight_elems(d);
    const size_t ny = clconv_conv_output_elems(d), nb = (size_t)d->out_channels;
    float *x = malloc(nx * sizeof *x), *w = malloc(nw * sizeof *w), *b = malloc(nb * sizeof *b);
    double *ref = check ? malloc(ny * sizeof *ref) : NULL;
    row rows[CLCONV_ALGO_COUNT];
    clconv_algorithm algos[CLCONV_ALGO_COUNT];
    int rc = BENCH_OK;
    if (!x || !w || !b || (check && !ref)) {
        bench_msg("%s: out of host memory", L->name);
        rc = BENCH_FAIL;
        goto done;
    }
    /* One stream per layer: the same data for every algorithm, and a
     * layer's data does not depend on which other layers were selected. */
    bench_rng rng;
    bench_rng_seed(&rng, o->seed + 1000003ull * (unsigned long long)li);
    bench_rng_fill(&rng, x, nx);
    bench_rng_fill(&rng, w, nw);
    bench_rng_fill(&rng, b, nb);
    if (check) {
        clconv_status st = clconv_reference_conv(d, x, w, d->has_bias ? b : NULL, ref);
        if (st) {
            rc = bench_lib_fail(st, L->name);
            goto done;
        }
    }
    const int n = layer_algos(ctx, d, all, list, nlist, algos);
    for (int i = 0; i < n; i++) {
        row *r = &rows[i];
        memset(r, 0, sizeof *r);
        r->layer = L;
        r->asked = algos[i];
        r->job = (conv_job){.ctx = ctx,
                            .desc = d,
                            .algo = algos[i],
                            .x = x,
                            .w = w,
                            .b = d->has_bias ? b : NULL,
                            .reps = (int)o->reps,
                            .ref = ref};
        r->st = conv_job_run(&r->job);
        r->checked = check && r->st == CLCONV_SUCCESS;
        t->runs++;
        if (r->st == CLCONV_UNSUPPORTED)
            t->unsupported++;
        else if (r->st)
            t->failed++;
        else
            t->plan_ms += r->job.plan_ms, t->first_ms += r->job.first_ms;
        if (r->checked) {
            if (!(r->job.err <= BENCH_SANITY_ERR))
                t->wrong++;
            if (!(r->job.err <= t->max_err))
                t->max_err = r->job.err;
        }
    }
    print_layer(rows, n, check, csv);
    t->layers++;
done:
    free(x);
    free(w);
    free(b);
    free(ref);
    return rc;
}

int cmd_suite(int argc, char **argv)
{
    suite_opts o;
    int rc = parse_suite_opts(argc, argv, &o);
    if (rc)
        return rc;
    if (o.print)
        return suite_print_builtin(o.print);
    int all, nlist;
    clconv_algorithm list[CLCONV_ALGO_COUNT];
    if ((rc = parse_algo_list(o.algos, &all, list, &nlist)))
        return rc;
    suite s;
    if ((rc = suite_load(o.suite, &s)))
        return rc;
    char *sel = malloc((size_t)s.n);
    clconv_context *ctx = NULL;
    strbuf csv = {0};
    bench_outfile out;
    int have_out = 0;
    if (!sel) {
        bench_msg("out of memory");
        rc = BENCH_FAIL;
        goto done;
    }
    if ((rc = suite_select(&s, o.layers, sel)))
        goto done;
    if (o.csv) {
        char err[1024];
        if (outfile_open(&out, o.csv, err, sizeof err)) {
            bench_msg("%s", err);
            rc = BENCH_FAIL;
            goto done;
        }
        have_out = 1;
        sb_printf(&csv, "%s", csv_header);
    }
    if ((rc = bench_context(o.device, &ctx)))
        goto done;
    const int check = o.check >= 0 ? o.check : s.check_default;
    printf("suite %s on %s: %s, %ld rep%s after 1 warm-up, check %s\n", s.label,
           clconv_context_device_name(ctx), o.algos, o.reps, o.reps == 1 ? "" : "s",
           check ? "on" : "off");
    print_header(check);
    totals t = {0};
    const double t0 = bench_now_ms();
    for (int i = 0; i < s.n && !rc; i++)
        if (sel[i])
            rc = run_layer(ctx, &s.layers[i], i, &o, check, all, list, nlist, &t,
                           have_out ? &csv : NULL);
    if (rc)
        goto done;
    printf("summary: %d layer%s, %d run%s: %d ok, %d unsupported, %d failed", t.layers,
           t.layers == 1 ? "" : "s", t.runs, t.runs == 1 ? "" : "s",
           t.runs - t.unsupported - t.failed, t.unsupported, t.failed);
    if (check)
        printf("; check: max rel err %.1e, %d above %.0e", t.max_err, t.wrong, BENCH_SANITY_ERR);
    printf("; total %.1f s (plans %.1f s, first runs %.1f s); * = effective GFLOP/s\n",
           (bench_now_ms() - t0) * 1e-3, t.plan_ms * 1e-3, t.first_ms * 1e-3);
    if (t.failed || t.wrong)
        rc = BENCH_FAIL;
    if (have_out) {
        char err[1024];
        have_out = 0;
        if (csv.oom) {
            outfile_abort(&out);
            bench_msg("%s: out of memory", o.csv);
            rc = BENCH_FAIL;
        } else if (fwrite(csv.s, 1, csv.len, out.f) != csv.len) {
            outfile_abort(&out);
            bench_msg("%s: write failed", o.csv);
            rc = BENCH_FAIL;
        } else if (outfile_commit(&out, err, sizeof err)) {
            bench_msg("%s", err);
            rc = BENCH_FAIL;
        }
    }
done:
    if (have_out)
        outfile_abort(&out);
    clconv_context_destroy(ctx);
    free(csv.s);
    free(sel);
    suite_free(&s);
    return rc;
}
