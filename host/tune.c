/* The autotuner (clconv_tune) and clconv_find.
 *
 * A candidate is a parameter string over an algorithm's parameter space
 * (clconv_algo.space, declared next to each algorithm's code); candidate 0
 * is the defaults.  Each is built as an ordinary plan with explicit
 * parameters, run once on seeded random data with its output and workspace
 * poisoned with NaN, checked against the float64 reference with the
 * algorithm's tolerance, then timed: one warm-up run and the median of
 * `runs` (device time from profiling events when the queue has them,
 * otherwise host time around the run).  Candidates that resolve to the same
 * kernels (the plan's description, which names its blocking) are timed
 * once.  Builds count against the time budget but not in the ranking.  The
 * defaults and the two best others are finally timed again, interleaved
 * (see "finalists"). */
#define _POSIX_C_SOURCE 200809L /* clock_gettime */
#include "internal.h"
#include "seeded_rng.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int (*clconv_tune_test_hook)(const char *params);

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

void clconv_tune_options_init(clconv_tune_options *o)
{
    if (!o)
        return;
    memset(o, 0, sizeof *o);
    o->runs = 5;
    o->save = 1;
}

/* ---- the problem's data, reference and buffers --------------------------- */

typedef struct {
    clconv_context *ctx;
    const clconv_conv_desc *desc;
    float *x, *w, *b, *y, *nan;
    double *ref;
    size_t nx, nw, ny, n_nan;
    cl_mem bx, by, bws;
    size_t ws_bytes;
} tune_data;

static void data_free(tune_data *d)
{
    free(d->x);
    free(d->w);
    free(d->b);
    free(d->y);
    free(d->nan);
    free(d->ref);
    if (d->bx)
        clReleaseMemObject(d->bx);
    if (d->by)
        clReleaseMemObject(d->by);
    if (d->bws)
        clReleaseMemObject(d->bws);
    memset(d, 0, sizeof *d);
}


static clconv_status data_make(clconv_context *ctx, const clconv_conv_desc *desc, const char *op,
                               tune_data *d)
{
    memset(d, 0, sizeof *d);
    d->ctx = ctx;
    d->desc = desc;
    d->nx = clconv_conv_input_elems(desc);
    d->nw = clconv_conv_weight_elems(desc);
    d->ny = clconv_conv_output_elems(desc);
    const size_t nb = desc->has_bias ? (size_t)desc->out_channels : 0;
    d->x = malloc(d->nx * sizeof *d->x);
    d->w = malloc(d->nw * sizeof *d->w);
    d->b = nb ? malloc(nb * sizeof *d->b) : NULL;
    d->y = malloc(d->ny * sizeof *d->y);
    d->ref = malloc(d->ny * sizeof *d->ref);
    if (!d->x || !d->w || (nb && !d->b) || !d->y || !d->ref)
        return clconv_fail(CLCONV_OUT_OF_MEMORY, "%s: out of host memory for the test data", op);
    seeded_rng r; /* fixed seed: the same data for every candidate */
    seeded_rng_seed(&r, 0x636c636f6e76ULL);
    seeded_rng_fill(&r, d->x, d->nx, -1.0f, 1.0f);
    seeded_rng_fill(&r, d->w, d->nw, -1.0f, 1.0f);
    seeded_rng_fill(&r, d->b, nb, -1.0f, 1.0f);
    clconv_status st = clconv_reference_conv(desc, d->x, d->w, d->b, d->ref);
    if (st)
        return st;
    if ((st = clconv_buffer_create(ctx, op, CL_MEM_READ_ONLY, d->nx * sizeof(float), d->x, &d->bx)))
        return st;
    return clconv_buffer_create(ctx, op, CL_MEM_READ_WRITE, d->ny * sizeof(float), NULL, &d->by);
}

/* Fills m's first bytes with NaN. */
static clconv_status poison(tune_data *d, cl_mem m, size_t bytes, const char *op)
{
    const size_t n = bytes / sizeof(float);
    if (n > d->n_nan) {
        float *v = realloc(d->nan, n * sizeof *v);
        if (!v)
            return clconv_fail(CLCONV_OUT_OF_MEMORY, "%s: out of host memory", op);
        for (size_t i = d->n_nan; i < n; i++)
            v[i] = NAN;
        d->nan = v;
        d->n_nan = n;
    }
    cl_int err = clEnqueueWriteBuffer(d->ctx->queue, m, CL_TRUE, 0, n * sizeof(float), d->nan, 0,
                                      NULL, NULL);
    return err == CL_SUCCESS ? CLCONV_SUCCESS : clconv_cl_fail(op, "clEnqueueWriteBuffer", err);
}

static double rel_l2(const float *y, const double *ref, size_t n)
{
    double num = 0, den = 0;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(y[i]))
            return INFINITY;
        const double e = (double)y[i] - ref[i];
        num += e * e;
        den += ref[i] * ref[i];
    }
    return den > 0 ? sqrt(num / den) : sqrt(num);
}

static int cmp_double(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* One run bracketed by a marker: device ms if the queue profiles, else host. */
static clconv_status time_one(clconv_plan *plan, tune_data *d, const char *op, double *ms)
{
    cl_command_queue q = d->ctx->queue;
    cl_event mark = NULL, done = NULL;
    cl_int err = clFinish(q);
    if (err != CL_SUCCESS)
        return clconv_cl_fail(op, "clFinish", err);
    const double h0 = now_s();
    if ((err = clEnqueueMarkerWithWaitList(q, 0, NULL, &mark)) != CL_SUCCESS)
        return clconv_cl_fail(op, "clEnqueueMarkerWithWaitList", err);
    clconv_status st = clconv_plan_enqueue(plan, d->bx, d->by, d->bws, 1, &mark, &done);
    if (!st && (err = clWaitForEvents(1, &done)) != CL_SUCCESS)
        st = clconv_cl_fail(op, "clWaitForEvents", err);
    const double h1 = now_s();
    if (!st) {
        cl_ulong t0 = 0, s1 = 0, t1 = 0;
        cl_int e0 = clGetEventProfilingInfo(mark, CL_PROFILING_COMMAND_END, sizeof t0, &t0, NULL);
        cl_int e1 = clGetEventProfilingInfo(done, CL_PROFILING_COMMAND_END, sizeof t1, &t1, NULL);
        cl_int e2 = clGetEventProfilingInfo(done, CL_PROFILING_COMMAND_START, sizeof s1, &s1, NULL);
        if (d->ctx->profiling && e1 == CL_SUCCESS && e2 == CL_SUCCESS && t1 >= s1) {
            const cl_ulong start = (e0 == CL_SUCCESS && t0 && t0 <= s1) ? t0 : s1;
            *ms = (double)(t1 - start) * 1e-6;
        } else {
            *ms = (h1 - h0) * 1e3;
        }
    }
    if (done)
        clReleaseEvent(done);
    clReleaseEvent(mark);
    return st;
}

typedef enum { RUN_OK, RUN_WRONG, RUN_FAILED } run_verdict;

/* Weights set, and the shared workspace grown to what the plan needs. */
static clconv_status prepare_plan(clconv_plan *plan, tune_data *d, const char *op)
{
    size_t wsb = 0;
    clconv_status st;
    if ((st = clconv_plan_set_weights_host(plan, d->w, d->desc->has_bias ? d->b : NULL)) ||
        (st = clconv_plan_workspace_size(plan, &wsb)))
        return st;
    if (wsb > d->ws_bytes) {
        if (d->bws)
            clReleaseMemObject(d->bws);
        d->bws = NULL;
        d->ws_bytes = 0;
        if ((st = clconv_buffer_create(d->ctx, op, CL_MEM_READ_WRITE, wsb, NULL, &d->bws)))
            return st;
        d->ws_bytes = wsb;
    }
    return CLCONV_SUCCESS;
}

/* Weights, a checked run and the timed runs of one plan. */
static run_verdict run_plan(clconv_plan *plan, tune_data *d, int runs, const char *params,
                            const char *op, double *median, double *err, char *why, size_t nwhy)
{
    clconv_status st;
    *median = 0;
    *err = INFINITY;
    if ((st = prepare_plan(plan, d, op)))
        goto failed;
    if ((st = poison(d, d->by, d->ny * sizeof(float), op)) ||
        (d->bws && (st = poison(d, d->bws, d->ws_bytes, op))))
        goto failed;
    double ms;
    if ((st = time_one(plan, d, op, &ms)))
        goto failed;
    cl_int e = clEnqueueReadBuffer(d->ctx->queue, d->by, CL_TRUE, 0, d->ny * sizeof(float), d->y,
                                   0, NULL, NULL);
    if (e != CL_SUCCESS) {
        st = clconv_cl_fail(op, "clEnqueueReadBuffer", e);
        goto failed;
    }
    if (clconv_tune_test_hook && clconv_tune_test_hook(params))
        d->y[d->ny / 2] += 1e3f; /* tests: this candidate computes a wrong result */
    *err = rel_l2(d->y, d->ref, d->ny);
    const double tol = plan->algo->tolerance;
    if (!(*err <= tol)) {
        snprintf(why, nwhy, "wrong: rel L2 %.3g > %.0e", *err, tol);
        return RUN_WRONG;
    }
    double *t = malloc((size_t)(runs > 0 ? runs : 1) * sizeof *t);
    if (!t) {
        st = clconv_fail(CLCONV_OUT_OF_MEMORY, "%s: out of host memory", op);
        goto failed;
    }
    for (int r = 0; r < runs && !st; r++)
        st = time_one(plan, d, op, &t[r]);
    if (!st) {
        qsort(t, (size_t)runs, sizeof *t, cmp_double);
        *median = runs % 2 ? t[runs / 2] : 0.5 * (t[runs / 2 - 1] + t[runs / 2]);
    }
    free(t);
    if (st)
        goto failed;
    return RUN_OK;
failed:
    snprintf(why, nwhy, "failed: %s", clconv_last_error());
    return RUN_FAILED;
}

/* The description without the "; choice: ..." suffix: what the kernels are. */
static void kernel_identity(const clconv_plan *plan, char *buf, size_t n)
{
    snprintf(buf, n, "%s", plan->describe);
    char *c = strstr(buf, "; choice:");
    if (c)
        *c = '\0';
}

static void progress(const clconv_tune_options *o, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void progress(const clconv_tune_options *o, const char *fmt, ...)
{
    if (!o || !o->progress)
        return;
    char line[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    o->progress(o->progress_user, line);
}

/* ---- candidates ---------------------------------------------------------- */

#define MAX_KNOBS 8

typedef struct {
    const tune_knob *knob[MAX_KNOBS];
    int n_values[MAX_KNOBS], n;
    long total; /* product of n_values */
} space_iter;

static void space_init(space_iter *it, const tune_knob *space, clconv_device_class cls)
{
    memset(it, 0, sizeof *it);
    it->total = 1;
    for (const tune_knob *k = space; k && k->name && it->n < MAX_KNOBS; k++) {
        if (k->gpu_only && cls != CLCONV_DEV_GPU)
            continue;
        int nv = 0;
        if (k->n_values > 0)
            nv = k->n_values < 8 ? k->n_values : 8;
        else
            while (nv < 8 && k->values[nv])
                nv++;
        if (!nv)
            continue;
        it->knob[it->n] = k;
        it->n_values[it->n++] = nv;
        it->total *= nv;
    }
}

/* Candidate i (0 .. total-1) as "name=value,...". */
static void space_candidate(const space_iter *it, long i, char *buf, size_t n)
{
    size_t u = 0;
    buf[0] = '\0';
    for (int k = 0; k < it->n && u < n; k++) {
        const int v = it->knob[k]->values[i % it->n_values[k]];
        i /= it->n_values[k];
        u += (size_t)snprintf(buf + u, n - u, "%s%s=%d", k ? "," : "", it->knob[k]->name, v);
    }
}

/* ---- finalists: timed again, interleaved ------------------------------------
 * Candidates are first timed one after another, so a burst of load on a
 * shared machine can make one look slow (or fast).  The defaults and the
 * best two others are then timed again one run at a time in turn, so a
 * burst hits them alike, and the choice and the recorded time come from
 * these medians; the defaults' time in the report too, so the speed-up is
 * measured within one window. */
#define FINALISTS 3

typedef struct {
    char params[256], ident[256];
    double ms;
} finalist;

/* f[0] is the defaults (if they ran correctly), f[1..] the best others. */
static void keep_finalist(finalist *f, int *n, int is_default, const char *params,
                          const char *ident, double ms)
{
    finalist c;
    snprintf(c.params, sizeof c.params, "%s", params);
    snprintf(c.ident, sizeof c.ident, "%s", ident);
    c.ms = ms;
    if (is_default) {
        memmove(f + 1, f, (size_t)(*n < FINALISTS ? *n : FINALISTS - 1) * sizeof *f);
        f[0] = c;
        if (*n < FINALISTS)
            (*n)++;
        return;
    }
    const int first = *n > 0 && f[0].params[0] == '\0' ? 1 : 0; /* the defaults stay */
    int at = *n;
    for (int i = first; i < *n; i++)
        if (ms < f[i].ms) {
            at = i;
            break;
        }
    if (at >= FINALISTS)
        return;
    const int keep = *n < FINALISTS ? *n : FINALISTS - 1;
    memmove(f + at + 1, f + at, (size_t)(keep - at) * sizeof *f);
    f[at] = c;
    if (*n < FINALISTS)
        (*n)++;
}

static void retime_finalists(clconv_context *ctx, const conv_problem *p, clconv_algorithm algo,
                             tune_data *d, finalist *f, int n, int runs, const char *op)
{
    clconv_plan *plans[FINALISTS] = {NULL};
    double t[FINALISTS][64];
    int ok[FINALISTS] = {0};
    if (runs > 64)
        runs = 64;
    for (int i = 0; i < n; i++)
        ok[i] = !clconv_plan_create_params(ctx, p, algo, f[i].params, op, &plans[i]) &&
                !prepare_plan(plans[i], d, op);
    for (int r = 0; r < runs; r++)
        for (int i = 0; i < n; i++)
            if (ok[i] && time_one(plans[i], d, op, &t[i][r]))
                ok[i] = 0;
    for (int i = 0; i < n; i++) {
        if (ok[i]) {
            qsort(t[i], (size_t)runs, sizeof t[i][0], cmp_double);
            f[i].ms = runs % 2 ? t[i][runs / 2] : 0.5 * (t[i][runs / 2 - 1] + t[i][runs / 2]);
        }
        clconv_plan_destroy(plans[i]);
    }
    clconv_clear_error();
}

static clconv_status resolve(clconv_context *ctx, const clconv_conv_desc *desc, const char *op,
                             conv_problem *p)
{
    if (!ctx)
        return clconv_fail(CLCONV_INVALID_ARGUMENT, "%s: context is NULL", op);
    return clconv_problem_from_desc(desc, op, p);
}

clconv_status clconv_tune(clconv_context *ctx, const clconv_conv_desc *desc,
                          clconv_algorithm algo, const clconv_tune_options *options,
                          clconv_tune_report *report)
{
    const char *op = "clconv_tune";
    clconv_clear_error();
    if (!report)
        return clconv_fail(CLCONV_INVALID_ARGUMENT, "%s: report is NULL", op);
    memset(report, 0, sizeof *report);
    report->algorithm = algo;
    conv_problem p;
    clconv_status st = resolve(ctx, desc, op, &p);
    if (st)
        return st;
    if ((unsigned)algo >= CLCONV_ALGO_COUNT || algo == CLCONV_ALGO_AUTO)
        return clconv_fail(CLCONV_INVALID_ARGUMENT,
                           "%s: algorithm = %d: tune a named algorithm, not AUTO", op, (int)algo);
    if ((st = clconv_algorithm_supports(ctx, desc, algo)))
        return st;
    clconv_tune_options defaults;
    if (!options) {
        clconv_tune_options_init(&defaults);
        options = &defaults;
    }
    const int runs = options->runs > 0 ? options->runs : 5;
    tune_data d;
    if ((st = data_make(ctx, desc, op, &d))) {
        data_free(&d);
        return st;
    }
    space_iter it;
    space_init(&it, clconv_algo_space(algo), ctx->params.cls);
    const double t0 = now_s();
    char (*seen)[256] = calloc((size_t)it.total + 1, sizeof *seen);
    if (!seen) {
        data_free(&d);
        return clconv_fail(CLCONV_OUT_OF_MEMORY, "%s: out of host memory", op);
    }
    int n_seen = 0, have_best = 0, n_final = 0;
    finalist fin[FINALISTS];
    const char *an = clconv_algorithm_name(algo);
    /* Candidate -1 is the defaults, then the space. */
    for (long i = -1; i < it.total; i++) {
        if (i >= 0 && options->budget_seconds > 0 && now_s() - t0 > options->budget_seconds) {
            report->skipped = (int)(it.total - i);
            progress(options, "%s: budget of %.0f s spent; %d candidates left out", an,
                     options->budget_seconds, report->skipped);
            break;
        }
        char params[256] = "";
        if (i >= 0)
            space_candidate(&it, i, params, sizeof params);
        clconv_plan *plan = NULL;
        char why[512] = "", ident[256] = "";
        if (clconv_plan_create_params(ctx, &p, algo, params, op, &plan)) {
            report->failed++;
            progress(options, "%s [%s]: failed to build: %s", an, params, clconv_last_error());
            clconv_clear_error();
            continue;
        }
        kernel_identity(plan, ident, sizeof ident);
        int dup = 0;
        for (int s = 0; s < n_seen && !dup; s++)
            dup = !strcmp(seen[s], ident);
        if (dup) {
            clconv_plan_destroy(plan);
            continue;
        }
        snprintf(seen[n_seen++], sizeof *seen, "%s", ident);
        double ms = 0, err = 0;
        run_verdict v = run_plan(plan, &d, runs, params, op, &ms, &err, why, sizeof why);
        report->tried++;
        if (v == RUN_WRONG) {
            report->wrong++;
            progress(options, "%s [%s] %s: %s", an, params, ident, why);
        } else if (v == RUN_FAILED) {
            report->tried--;
            report->failed++;
            progress(options, "%s [%s] %s: %s", an, params, ident, why);
        } else {
            progress(options, "%s [%s] %s: %.4f ms (err %.2g)", an, params, ident, ms, err);
            if (i < 0)
                report->default_ms = ms;
            keep_finalist(fin, &n_final, i < 0, params, ident, ms);
            if (!have_best || ms < report->best_ms) {
                have_best = 1;
                report->best_ms = ms;
                snprintf(report->best_params, sizeof report->best_params, "%s", params);
                snprintf(report->best_describe, sizeof report->best_describe, "%s", ident);
            }
        }
        clconv_plan_destroy(plan);
        clconv_clear_error();
    }
    free(seen);
    if (n_final > 1) {
        retime_finalists(ctx, &p, algo, &d, fin, n_final, runs, op);
        int b = 0;
        for (int i = 1; i < n_final; i++)
            if (fin[i].ms < fin[b].ms)
                b = i;
        if (fin[0].params[0] == '\0' && report->default_ms > 0)
            report->default_ms = fin[0].ms;
        report->best_ms = fin[b].ms;
        snprintf(report->best_params, sizeof report->best_params, "%s", fin[b].params);
        snprintf(report->best_describe, sizeof report->best_describe, "%s", fin[b].ident);
        progress(options, "%s: finalists timed again in turn; best [%s] %.4f ms", an,
                 fin[b].params, fin[b].ms);
    }
    data_free(&d);
    if (!have_best)
        return clconv_fail(CLCONV_UNSUPPORTED,
                           "%s: %s: no candidate ran correctly (%d wrong, %d failed)", op, an,
                           report->wrong, report->failed);
    if (options->save)
        return clconv_tuning_store(ctx, &p, algo, report->best_params, report->best_ms);
    return CLCONV_SUCCESS;
}

/* ---- find ---------------------------------------------------------------- */

static int cmp_result(const void *a, const void *b)
{
    const clconv_find_result *x = a, *y = b;
    if ((x->status == CLCONV_SUCCESS) != (y->status == CLCONV_SUCCESS))
        return x->status == CLCONV_SUCCESS ? -1 : 1;
    return (x->time_ms > y->time_ms) - (x->time_ms < y->time_ms);
}

clconv_status clconv_find(clconv_context *ctx, const clconv_conv_desc *desc,
                          const clconv_tune_options *options, clconv_find_result *results,
                          int max_results, int *count)
{
    const char *op = "clconv_find";
    clconv_clear_error();
    if (!count || (!results && max_results > 0) || max_results < 0)
        return clconv_fail(CLCONV_INVALID_ARGUMENT, "%s: results or count is NULL", op);
    *count = 0;
    conv_problem p;
    clconv_status st = resolve(ctx, desc, op, &p);
    if (st)
        return st;
    const int runs = options && options->runs > 0 ? options->runs : 5;
    tune_data d;
    if ((st = data_make(ctx, desc, op, &d))) {
        data_free(&d);
        return st;
    }
    clconv_find_result all[CLCONV_ALGO_COUNT];
    int n = 0;
    for (int a = 1; a < CLCONV_ALGO_COUNT; a++) {
        clconv_find_result *r = &all[n];
        memset(r, 0, sizeof *r);
        r->algorithm = (clconv_algorithm)a;
        if (clconv_algorithm_supports(ctx, desc, r->algorithm) != CLCONV_SUCCESS) {
            clconv_clear_error();
            continue; /* not applicable: no record */
        }
        n++;
        clconv_plan *plan = NULL;
        if ((r->status = clconv_plan_create_params(ctx, &p, r->algorithm, NULL, op, &plan))) {
            clconv_clear_error();
            continue;
        }
        r->tuned = plan->choice == CHOICE_DATABASE || plan->choice == CHOICE_NEIGHBOUR;
        snprintf(r->params, sizeof r->params, "%s", plan->param_string);
        r->workspace_bytes = plan->workspace_bytes;
        double err;
        char why[512];
        run_verdict v = run_plan(plan, &d, runs, r->params, op, &r->time_ms, &err, why, sizeof why);
        if (v != RUN_OK) {
            r->status = v == RUN_WRONG ? CLCONV_UNSUPPORTED : CLCONV_OPENCL_ERROR;
            r->time_ms = 0;
        }
        progress(options, "%s: %s%s", clconv_algorithm_name(r->algorithm),
                 v == RUN_OK ? "" : why, r->tuned ? " (tuned parameters)" : "");
        clconv_plan_destroy(plan);
        clconv_clear_error();
    }
    data_free(&d);
    qsort(all, (size_t)n, sizeof *all, cmp_result);
    for (int i = 0; i < n && i < max_results; i++)
        results[i] = all[i];
    *count = n < max_results ? n : max_results;
    return CLCONV_SUCCESS;
}

clconv_status clconv_plan_create_from_result(clconv_context *ctx, const clconv_conv_desc *desc,
                                             const clconv_find_result *r, clconv_plan **plan)
{
    if (!r) {
        clconv_clear_error();
        if (plan)
            *plan = NULL;
        return clconv_fail(CLCONV_INVALID_ARGUMENT, "clconv_plan_create_from_result: result is NULL");
    }
    return clconv_plan_create_with_params(ctx, desc, r->algorithm, r->params, plan);
}

const char *clconv_context_tuning_db(const clconv_context *ctx)
{
    return ctx ? ctx->tuning_db : "";
}
