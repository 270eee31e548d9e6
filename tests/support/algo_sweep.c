/* The shared driver of the per-algorithm tests (see algo_sweep.h). */
#include "algo_sweep.h"
#include "conv_tester.h"

#include <stdio.h>
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

/* The launch trace of a case, judged by s->trace_ok (which reads it). */
static int sweep_trace_ok(const conv_tester *t, const char *trace, const char *describe)
{
    (void)trace, (void)describe;
    return ((const algo_sweep *)t->arg)->trace_ok(t->desc, t->label);
}

check_result algo_sweep_check(clconv_context *ctx, const algo_sweep *s, const sweep_opts *o,
                              const clconv_conv_desc *d, uint64_t data_seed, const char *label,
                              sweep_tally *t)
{
    conv_tester ct = {.desc = d, .algo = s->algo, .seed = data_seed, .label = label,
                      .trace = s->trace_ok != NULL, .check = s->trace_ok ? sweep_trace_ok : NULL,
                      .arg = s};
    const int r = conv_tester_run(ctx, &ct);
    t->run++;
    if (r == CONV_TESTER_UNSUPPORTED)
        printf("FAIL %s algo=%s seed=%llu: unsupported, but the case is in its domain: %s\n",
               label, clconv_algorithm_name(s->algo), (unsigned long long)data_seed,
               clconv_last_error());
    t->failed += r != CONV_TESTER_PASS;
    if (o->verbose) {
        char cs[512];
        desc_string(d, cs, sizeof cs);
        printf("%s err=%.3g case=\"%s\"\n", label, ct.err, cs);
    }
    if (ct.err > t->worst) {
        t->worst = ct.err;
        snprintf(t->worst_case, sizeof t->worst_case, "%s", label);
    }
    return (check_result)r;
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

/* The caller's check of a poisoned-workspace run. */
typedef struct {
    int (*check)(const char *trace, const char *describe, const void *arg);
    const void *arg;
} workspace_check;

static int run_workspace_check(const conv_tester *t, const char *trace, const char *describe)
{
    const workspace_check *c = t->arg;
    return c->check(trace, describe, c->arg);
}

int algo_sweep_poisoned_workspace(clconv_context *ctx, clconv_algorithm algo,
                                  const clconv_conv_desc *d, uint64_t seed,
                                  int (*check)(const char *trace, const char *describe,
                                               const void *arg),
                                  const void *arg)
{
    const workspace_check c = {check, arg};
    conv_tester t = {.desc = d, .algo = algo, .seed = seed, .label = "workspace",
                     .weights_on_host = 1, .poison_workspace = 1, .user_event = 1, .trace = 1,
                     .check = run_workspace_check, .arg = &c};
    const int r = conv_tester_run(ctx, &t);
    if (r == CONV_TESTER_UNSUPPORTED)
        printf("FAIL workspace algo=%s seed=%llu: unsupported: %s\n", clconv_algorithm_name(algo),
               (unsigned long long)seed, clconv_last_error());
    if (t.describe[0])
        printf("describe: %s\n", t.describe);
    return r != CONV_TESTER_PASS;
}
