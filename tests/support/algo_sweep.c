/* The shared driver of the per-algorithm tests (see algo_sweep.h). */
#include "algo_sweep.h"
#include "internal.h" /* the launch trace */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

sweep_opts algo_sweep_opts(const algo_sweep *s, int argc, char **argv)
{
    sweep_opts o;
    o.seed = test_seed(argc, argv, s->default_seed);
    o.count = test_arg_long(argc, argv, "count", s->default_count);
    o.only = test_arg_long(argc, argv, "case", -1);
    o.named = (int)test_arg_long(argc, argv, "named", o.only < 0);
    o.verbose = (int)test_arg_long(argc, argv, "verbose", 0);
    return o;
}

void algo_sweep_tally_init(sweep_tally *t)
{
    memset(t, 0, sizeof *t);
    snprintf(t->worst_case, sizeof t->worst_case, "-");
}

check_result algo_sweep_check(clconv_context *ctx, const algo_sweep *s, const sweep_opts *o,
                              const clconv_conv_desc *d, uint64_t data_seed, const char *label,
                              sweep_tally *t)
{
    double err = -1;
    if (s->trace_ok)
        clconv_trace_enable(1);
    check_result r = check_conv(ctx, d, s->algo, data_seed, label, &err);
    t->run++;
    if (r == CHECK_UNSUPPORTED)
        printf("FAIL %s algo=%s seed=%llu: unsupported, but the case is in its domain: %s\n",
               label, clconv_algorithm_name(s->algo), (unsigned long long)data_seed,
               clconv_last_error());
    else if (r == CHECK_PASS && s->trace_ok && !s->trace_ok(d, label))
        r = CHECK_FAIL;
    if (s->trace_ok)
        clconv_trace_enable(0);
    t->failed += r != CHECK_PASS;
    if (o->verbose) {
        char cs[512];
        desc_string(d, cs, sizeof cs);
        printf("%s err=%.3g case=\"%s\"\n", label, err, cs);
    }
    if (err > t->worst) {
        t->worst = err;
        snprintf(t->worst_case, sizeof t->worst_case, "%s", label);
    }
    return r;
}

static clconv_conv_desc random_at(const algo_sweep *s, uint64_t seed, long i, uint64_t *data_seed)
{
    if (s->random_case)
        return s->random_case(s, seed, i, data_seed);
    test_rng r;
    rng_seed(&r, seed ^ (0x5bd1e995ull * (uint64_t)(i + 1)));
    *data_seed = seed + 1000 + (uint64_t)i;
    return s->random_desc(&r);
}

static const char *named_at(const algo_sweep *s, size_t i, uint64_t seed, clconv_conv_desc *d,
                            uint64_t *data_seed)
{
    if (s->named)
        return s->named(s, i, seed, d, data_seed);
    for (int k = 0; k < 2; k++) {
        const sweep_table *t = &s->tables[k];
        if (i < t->count) {
            const void *c = (const char *)t->cases + i * t->size;
            *d = s->to_desc(c);
            d->transposed |= t->transposed;
            return *(const char *const *)c; /* the first member */
        }
        i -= t->count;
    }
    return NULL;
}

void algo_sweep_run(clconv_context *ctx, const algo_sweep *s, const sweep_opts *o, sweep_tally *t)
{
    const char *an = clconv_algorithm_name(s->algo);
    char label[96];
    const char *name;
    clconv_conv_desc d;
    uint64_t ds;
    for (size_t i = 0; o->named && (ds = o->seed + i, name = named_at(s, i, o->seed, &d, &ds));
         i++) {
        snprintf(label, sizeof label, "named/%s", name);
        if (algo_sweep_check(ctx, s, o, &d, ds, label, t) != CHECK_PASS)
            printf("  replay (%s): %s --seed %llu --count 0\n", an, s->replay,
                   (unsigned long long)o->seed);
    }
    const long first = o->only >= 0 ? o->only : 0, end = o->only >= 0 ? o->only + 1 : o->count;
    for (long i = first; i < end; i++) {
        d = random_at(s, o->seed, i, &ds);
        snprintf(label, sizeof label, "random/case=%ld", i);
        if (algo_sweep_check(ctx, s, o, &d, ds, label, t) != CHECK_PASS)
            printf("  replay (%s): %s --seed %llu --case %ld\n", an, s->replay,
                   (unsigned long long)o->seed, i);
    }
    if (o->only < 0 && s->extra)
        t->failed += s->extra(ctx, s, o, t);
}

void algo_sweep_summary(const algo_sweep *s, const sweep_opts *o, const sweep_tally *t)
{
    printf("%s: %d cases, %d failures, worst relative L2 error %.3g at %s (tolerance %.0e), "
           "seed %llu\n",
           clconv_algorithm_name(s->algo), t->run, t->failed, t->worst, t->worst_case,
           algo_tolerance(s->algo), (unsigned long long)o->seed);
}

int algo_sweep_main(const algo_sweep *s, int argc, char **argv)
{
    const sweep_opts o = algo_sweep_opts(s, argc, argv);
    clconv_context *ctx = test_context();
    sweep_tally t;
    algo_sweep_tally_init(&t);
    algo_sweep_run(ctx, s, &o, &t);
    algo_sweep_summary(s, &o, &t);
    test_context_release();
    return t.failed ? 1 : 0;
}

int algo_sweep_refused(clconv_context *ctx, clconv_algorithm algo, const clconv_conv_desc *d,
                       const char *what, int via_plan)
{
    char want[64];
    snprintf(want, sizeof want, "%s:", clconv_algorithm_name(algo));
    clconv_plan *plan = NULL;
    clconv_status st = via_plan ? clconv_plan_create(ctx, d, algo, &plan)
                                : clconv_algorithm_supports(ctx, d, algo);
    const int bad = st != CLCONV_UNSUPPORTED || !strstr(clconv_last_error(), want);
    if (bad)
        printf("FAIL refuse/%s algo=%s: status %s (want CLCONV_UNSUPPORTED naming \"%s\"), "
               "message \"%s\"\n",
               what, clconv_algorithm_name(algo), clconv_status_string(st), want,
               clconv_last_error());
    clconv_plan_destroy(plan);
    return bad;
}

/* The OpenCL objects of one poisoned-workspace run, released together. */
typedef struct {
    cl_mem x, y, ws;
    cl_event user, done;
} cl_objs;

static void release_objs(cl_objs *c)
{
    if (c->done)
        clReleaseEvent(c->done);
    if (c->user)
        clReleaseEvent(c->user);
    if (c->x)
        clReleaseMemObject(c->x);
    if (c->y)
        clReleaseMemObject(c->y);
    if (c->ws)
        clReleaseMemObject(c->ws);
}

/* C11 has no strdup. */
static char *copy_string(const char *s)
{
    const size_t n = strlen(s) + 1;
    char *c = malloc(n);
    return c ? memcpy(c, s, n) : NULL;
}

int algo_sweep_poisoned_workspace(clconv_context *ctx, clconv_algorithm algo,
                                  const clconv_conv_desc *d, uint64_t seed,
                                  int (*check)(const char *trace, const char *describe,
                                               const void *arg),
                                  const void *arg)
{
    int failed = 1;
    size_t nx = clconv_conv_input_elems(d), nw = clconv_conv_weight_elems(d),
           ny = clconv_conv_output_elems(d), wsb = 0;
    float *x = malloc(nx * 4), *w = malloc(nw * 4), *b = malloc((size_t)d->out_channels * 4),
          *y = malloc(ny * 4), *junk = NULL;
    double *ref = malloc(ny * sizeof *ref);
    char *trace = NULL;
    clconv_plan *plan = NULL;
    cl_objs o = {0};
    cl_context cc = clconv_context_cl_context(ctx);
    cl_command_queue q = clconv_context_queue(ctx);
    cl_int e1, e2, e3, e4;
    test_rng r;
    rng_seed(&r, seed);
    if (!x || !w || !b || !y || !ref) {
        printf("FAIL workspace: out of host memory\n");
        goto done;
    }
    rng_fill(&r, x, nx, -1, 1);
    rng_fill(&r, w, nw, -1, 1);
    rng_fill(&r, b, (size_t)d->out_channels, -1, 1);
    poison_nan(y, ny);
    clconv_status st;
    if ((st = clconv_plan_create(ctx, d, algo, &plan)) ||
        (st = clconv_plan_set_weights_host(plan, w, d->has_bias ? b : NULL)) ||
        (st = clconv_plan_workspace_size(plan, &wsb))) {
        printf("FAIL workspace: %s: %s\n", clconv_status_string(st), clconv_last_error());
        goto done;
    }
    if (!wsb || !(junk = malloc(wsb))) {
        printf("FAIL workspace: the plan needs %zu bytes of workspace (want some)\n", wsb);
        goto done;
    }
    poison_nan(junk, wsb / 4);
    o.x = clCreateBuffer(cc, CL_MEM_READ_ONLY | CL_MEM_COPY_HOST_PTR, nx * 4, x, &e1);
    o.y = clCreateBuffer(cc, CL_MEM_READ_WRITE | CL_MEM_COPY_HOST_PTR, ny * 4, y, &e2);
    o.ws = clCreateBuffer(cc, CL_MEM_READ_WRITE | CL_MEM_COPY_HOST_PTR, wsb, junk, &e3);
    o.user = clCreateUserEvent(cc, &e4);
    if (e1 || e2 || e3 || e4) {
        printf("FAIL workspace: OpenCL setup: %d %d %d %d\n", e1, e2, e3, e4);
        goto done;
    }
    clconv_trace_enable(1);
    st = clconv_plan_enqueue(plan, o.x, o.y, o.ws, 1, &o.user, &o.done);
    clSetUserEventStatus(o.user, CL_COMPLETE);
    trace = copy_string(clconv_trace_text());
    clconv_trace_enable(0);
    if (st || !o.done || !trace ||
        clEnqueueReadBuffer(q, o.y, CL_TRUE, 0, ny * 4, y, 1, &o.done, NULL)) {
        printf("FAIL workspace: enqueue: %s: %s\n", clconv_status_string(st), clconv_last_error());
        goto done;
    }
    clconv_reference_conv(d, x, w, d->has_bias ? b : NULL, ref);
    const double e = rel_l2(y, ref, ny);
    const char *desc = clconv_plan_describe(plan);
    const int right = e <= algo_tolerance(algo);
    if (!right)
        printf("FAIL workspace poisoned with NaN: algo=%s err %.3g (tolerance %.0e) seed=%llu\n",
               clconv_algorithm_name(algo), e, algo_tolerance(algo), (unsigned long long)seed);
    failed = !(check(trace, desc, arg) && right);
    printf("describe: %s\n", desc);
done:
    release_objs(&o);
    clconv_plan_destroy(plan);
    free(x);
    free(w);
    free(b);
    free(y);
    free(junk);
    free(ref);
    free(trace);
    return failed;
}
