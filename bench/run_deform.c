/* `clconv-bench run --op deform_conv`: ONNX DeformConv (torchvision
 * deform_conv2d) from .npy files or seeded random tensors, optionally
 * timed and checked against clconv_reference_deform_conv, written to .npy
 * through a temporary that is renamed (no partial output on failure).
 *
 *   --input X.npy --weights W.npy --offset O.npy [--mask M.npy|random]
 *   [--bias B.npy|random] [--strides sH,sW] [--pads t,l,b,r] [--dilations dH,dW]
 *   [--group G] [--offset-group OG] [--activation ...] [--algo auto|direct]
 *   [--device SPEC] [--time N] [--check] --output Y.npy
 *   --random --input-shape N,C,H,W --weight-shape K,C/G,kH,kW [--offset-range R]
 *   [--mask random] [--bias random] [--seed S]
 *
 * Exit codes as for every `run`: 2 invalid problem / option / file, 3 the
 * algorithm cannot run it, 1 anything else. */
#include "args.h"
#include "bench.h"
#include "outfile.h"
#include "run.h"
#include "timing.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct deform_opts {
    const char *input, *weights, *offset, *mask, *bias, *output, *device;
    int_list strides, pads, dilations, input_shape, weight_shape;
    long group, offset_group; /* 0: not given */
    clconv_activation act;
    float alpha, beta;
    clconv_algorithm algo;
    long time_reps;
    int random, check;
    unsigned long long seed;
    double offset_range;
} deform_opts;

static int parse_deform(int argc, char **argv, deform_opts *o)
{
    memset(o, 0, sizeof *o);
    o->algo = CLCONV_ALGO_AUTO;
    o->seed = 1;
    o->offset_range = 2.0;
    arg_cursor c = {argc, argv, 0, 0};
    for (c.i = 0; c.i < argc; c.i++) {
        const char *v = NULL;
        int bad = 0;
        if (arg_opt(&c, "--op", &v))
            bad = v && strcmp(v, "deform_conv") != 0;
        else if (arg_opt(&c, "--input", &v))
            o->input = v;
        else if (arg_opt(&c, "--weights", &v))
            o->weights = v;
        else if (arg_opt(&c, "--offset", &v))
            o->offset = v;
        else if (arg_opt(&c, "--mask", &v))
            o->mask = v;
        else if (arg_opt(&c, "--bias", &v))
            o->bias = v;
        else if (arg_opt(&c, "--output", &v))
            o->output = v;
        else if (arg_opt(&c, "--device", &v))
            o->device = v;
        else if (arg_opt(&c, "--strides", &v))
            bad = (o->strides.n = parse_ints("--strides", v, o->strides.v, RUN_MAX_LIST,
                                             -(1L << 30), 1L << 30)) < 0;
        else if (arg_opt(&c, "--pads", &v))
            bad = (o->pads.n = parse_ints("--pads", v, o->pads.v, RUN_MAX_LIST, -(1L << 30),
                                          1L << 30)) < 0;
        else if (arg_opt(&c, "--dilations", &v))
            bad = (o->dilations.n = parse_ints("--dilations", v, o->dilations.v, RUN_MAX_LIST,
                                               -(1L << 30), 1L << 30)) < 0;
        else if (arg_opt(&c, "--input-shape", &v))
            bad = (o->input_shape.n = parse_ints("--input-shape", v, o->input_shape.v,
                                                 RUN_MAX_LIST, 1, INT_MAX)) < 0;
        else if (arg_opt(&c, "--weight-shape", &v))
            bad = (o->weight_shape.n = parse_ints("--weight-shape", v, o->weight_shape.v,
                                                  RUN_MAX_LIST, 1, INT_MAX)) < 0;
        else if (arg_opt(&c, "--group", &v))
            bad = parse_int("--group", v, -(1L << 30), 1L << 30, &o->group);
        else if (arg_opt(&c, "--offset-group", &v))
            bad = parse_int("--offset-group", v, -(1L << 30), 1L << 30, &o->offset_group);
        else if (arg_opt(&c, "--activation", &v))
            bad = parse_activation(v, &o->act, &o->alpha, &o->beta);
        else if (arg_opt(&c, "--algo", &v))
            bad = parse_algo("--algo", v, &o->algo);
        else if (arg_opt(&c, "--time", &v))
            bad = parse_int("--time", v, 1, 1000000, &o->time_reps);
        else if (arg_opt(&c, "--seed", &v))
            bad = parse_u64("--seed", v, &o->seed);
        else if (arg_opt(&c, "--offset-range", &v)) {
            char *e = NULL;
            o->offset_range = v ? strtod(v, &e) : 0;
            bad = !v || !e || *e || !(o->offset_range >= 0 && o->offset_range < 1e30);
            if (bad && v)
                bench_msg("--offset-range: '%s' is not a number >= 0", v);
        } else if (arg_flag(&c, "--random"))
            o->random = 1;
        else if (arg_flag(&c, "--check"))
            o->check = 1;
        else {
            bench_msg("run --op deform_conv: unknown option '%s' (see clconv-bench --help)",
                      argv[c.i]);
            return BENCH_INVALID;
        }
        if (bad && v && !strcmp(argv[c.i], "--op"))
            bench_msg("--op: internal dispatch error");
        if (bad || c.error)
            return BENCH_INVALID;
    }
    if (o->random) {
        if (o->input || o->weights || o->offset) {
            bench_msg("--random makes the tensors: drop %s",
                      o->input ? "--input" : o->weights ? "--weights" : "--offset");
            return BENCH_INVALID;
        }
        if (o->input_shape.n != 4 || o->weight_shape.n != 4) {
            bench_msg("--random needs %s", o->input_shape.n != 4 ? "--input-shape N,C,H,W"
                                                                  : "--weight-shape K,C/group,kH,kW");
            return BENCH_INVALID;
        }
    } else {
        if (o->input_shape.n || o->weight_shape.n) {
            bench_msg("%s needs --random", o->input_shape.n ? "--input-shape" : "--weight-shape");
            return BENCH_INVALID;
        }
        if (!o->input || !o->weights || !o->offset || !o->output) {
            bench_msg("run --op deform_conv needs --input X.npy --weights W.npy --offset O.npy "
                      "and --output Y.npy (or --random ...)");
            return BENCH_INVALID;
        }
    }
    const char *ins[5] = {o->input, o->weights, o->offset,
                          o->mask && strcmp(o->mask, "random") ? o->mask : NULL,
                          o->bias && strcmp(o->bias, "random") ? o->bias : NULL};
    static const char *const names[5] = {"--input", "--weights", "--offset", "--mask", "--bias"};
    char why[1200];
    if (o->output && !outfile_target_ok(o->output, why, sizeof why)) {
        bench_msg("--output %s", why);
        return BENCH_INVALID;
    }
    for (int i = 0; i < 5 && o->output; i++)
        if (ins[i] && outfile_same_file(o->output, ins[i])) {
            bench_msg("--output %s is the same file as %s %s: refusing to overwrite an input",
                      o->output, names[i], ins[i]);
            return BENCH_INVALID;
        }
    return BENCH_OK;
}

typedef struct deform_run {
    clconv_deform_plan *plan;
    cl_mem x, off, m, y;
} deform_run;

static clconv_status enqueue_deform(void *user, cl_uint n_wait, const cl_event *wait, cl_event *ev)
{
    deform_run *r = user;
    return clconv_deform_plan_enqueue(r->plan, r->x, r->off, r->m, r->y, NULL, n_wait, wait, ev);
}

static int shape_is(const run_tensor *t, const char *what, int nd, const long *want,
                    const char *layout)
{
    int ok = t->a.ndim == nd;
    for (int i = 0; ok && i < nd; i++)
        ok = (long)t->a.shape[i] == want[i];
    if (ok)
        return BENCH_OK;
    char have[128], need[128] = "";
    npy_shape_string(t->a.ndim, t->a.shape, have, sizeof have);
    size_t u = 0;
    for (int i = 0; i < nd && u < sizeof need; i++)
        u += (size_t)snprintf(need + u, sizeof need - u, "%s%ld", i ? ", " : "", want[i]);
    bench_msg("%s: %s shape (%s); need (%s) = %s", t->name, what, have, need, layout);
    return BENCH_INVALID;
}

static int build(const deform_opts *o, const run_tensor *x, const run_tensor *w,
                 clconv_deform_conv_desc *d)
{
    char xs[128], ws[128];
    npy_shape_string(x->a.ndim, x->a.shape, xs, sizeof xs);
    npy_shape_string(w->a.ndim, w->a.shape, ws, sizeof ws);
    if (x->a.ndim != 4) {
        bench_msg("%s: input shape %s; deform_conv needs a 4D N,C,H,W tensor", x->name, xs);
        return BENCH_INVALID;
    }
    if (w->a.ndim != 4) {
        bench_msg("%s: weights shape %s; deform_conv needs 4D K,C/group,kH,kW", w->name, ws);
        return BENCH_INVALID;
    }
    for (int i = 0; i < 4; i++)
        if (x->a.shape[i] < 1 || x->a.shape[i] > INT_MAX || w->a.shape[i] < 1 ||
            w->a.shape[i] > INT_MAX) {
            bench_msg("%s: every size must be between 1 and %d (input %s, weights %s)",
                      x->a.shape[i] < 1 || x->a.shape[i] > INT_MAX ? x->name : w->name, INT_MAX,
                      xs, ws);
            return BENCH_INVALID;
        }
    const long g = o->group ? o->group : 1;
    const long C = (long)x->a.shape[1];
    if (g >= 1 && C % g == 0 && C / g != (long)w->a.shape[1]) {
        bench_msg("input channels %ld / group %ld = %ld do not match weights C/group %ld "
                  "(input %s, weights %s)",
                  C, g, C / g, (long)w->a.shape[1], xs, ws);
        return BENCH_INVALID;
    }
    if (o->strides.n && o->strides.n != 2) {
        bench_msg("--strides has %d entries; deform_conv needs 2 (sH,sW)", o->strides.n);
        return BENCH_INVALID;
    }
    if (o->dilations.n && o->dilations.n != 2) {
        bench_msg("--dilations has %d entries; deform_conv needs 2 (dH,dW)", o->dilations.n);
        return BENCH_INVALID;
    }
    if (o->pads.n && o->pads.n != 4) {
        bench_msg("--pads has %d entries; deform_conv needs 4 (top,left,bottom,right)",
                  o->pads.n);
        return BENCH_INVALID;
    }
    clconv_deform_conv_desc_init(d);
    d->batch = (int)x->a.shape[0];
    d->in_channels = (int)C;
    d->out_channels = (int)w->a.shape[0];
    d->groups = (int)g;
    d->offset_groups = o->offset_group ? (int)o->offset_group : 1;
    d->has_mask = o->mask != NULL;
    d->has_bias = o->bias != NULL;
    d->activation = o->act;
    d->activation_alpha = o->alpha;
    d->activation_beta = o->beta;
    for (int i = 0; i < 2; i++) {
        d->in_size[i] = (int)x->a.shape[2 + i];
        d->kernel_size[i] = (int)w->a.shape[2 + i];
        if (o->strides.n)
            d->strides[i] = o->strides.v[i];
        if (o->dilations.n)
            d->dilations[i] = o->dilations.v[i];
        if (o->pads.n) {
            d->pads_begin[i] = o->pads.v[i];
            d->pads_end[i] = o->pads.v[2 + i];
        }
    }
    int os[2];
    if (clconv_deform_conv_output_shape(d, os))
        return bench_lib_fail(CLCONV_INVALID_ARGUMENT, "invalid problem");
    return BENCH_OK;
}

int run_deform(int argc, char **argv)
{
    deform_opts o;
    int rc = parse_deform(argc, argv, &o);
    if (rc)
        return rc;
    run_tensor x = {0}, w = {0}, off = {0}, m = {0}, b = {0};
    clconv_context *ctx = NULL;
    deform_run r = {0};
    float *y = NULL;
    double *ref = NULL;
    bench_outfile out;
    int have_out = 0;
    char err[1024];
    const int rnd_mask = o.mask && !strcmp(o.mask, "random");
    const int rnd_bias = o.bias && !strcmp(o.bias, "random");
    if (o.random) {
        rc = run_tensor_random(&x, "--input-shape", &o.input_shape, o.seed);
        if (!rc)
            rc = run_tensor_random(&w, "--weight-shape", &o.weight_shape, o.seed + 1);
    } else {
        rc = run_tensor_load(&x, o.input);
        if (!rc)
            rc = run_tensor_load(&w, o.weights);
    }
    clconv_deform_conv_desc d;
    if (!rc)
        rc = build(&o, &x, &w, &d);
    if (rc)
        goto done;
    int os[2];
    clconv_deform_conv_output_shape(&d, os);
    const long T = (long)d.kernel_size[0] * d.kernel_size[1];
    const long oshape[4] = {d.batch, 2L * d.offset_groups * T, os[0], os[1]};
    const long mshape[4] = {d.batch, (long)d.offset_groups * T, os[0], os[1]};
    const long bshape[1] = {d.out_channels};
    if (o.random || !o.offset) {
        const int_list l = {4, {(int)oshape[0], (int)oshape[1], (int)oshape[2], (int)oshape[3]}};
        rc = run_tensor_random(&off, "--offset random", &l, o.seed + 3);
        for (size_t i = 0; !rc && i < off.a.count; i++)
            off.a.data[i] *= (float)o.offset_range;
    } else {
        rc = run_tensor_load(&off, o.offset);
        if (!rc && (rc = shape_is(&off, "offset", 4, oshape,
                                  "N, 2*offset_group*kH*kW, oH, oW"))) {
            const long ch = off.a.ndim == 4 ? (long)off.a.shape[1] : 0;
            if (ch > 0 && ch % (2 * T) == 0 && ch / (2 * T) != d.offset_groups)
                bench_msg("(the offset's %ld channels fit --offset-group %ld; it is %d)", ch,
                          ch / (2 * T), d.offset_groups);
        }
    }
    if (!rc && o.mask) {
        if (rnd_mask) {
            const int_list l = {4, {(int)mshape[0], (int)mshape[1], (int)mshape[2], (int)mshape[3]}};
            rc = run_tensor_random(&m, "--mask random", &l, o.seed + 4);
            for (size_t i = 0; !rc && i < m.a.count; i++)
                m.a.data[i] = 0.5f * (m.a.data[i] + 1.0f); /* U(0, 1) */
        } else if (!(rc = run_tensor_load(&m, o.mask))) {
            rc = shape_is(&m, "mask", 4, mshape, "N, offset_group*kH*kW, oH, oW");
        }
    }
    if (!rc && o.bias) {
        if (rnd_bias) {
            const int_list l = {1, {d.out_channels}};
            rc = run_tensor_random(&b, "--bias random", &l, o.seed + 2);
        } else if (!(rc = run_tensor_load(&b, o.bias))) {
            rc = shape_is(&b, "bias", 1, bshape, "K (one per output channel)");
        }
    }
    if (rc)
        goto done;
    const size_t ny = clconv_deform_conv_output_elems(&d);
    const size_t yshape[4] = {(size_t)d.batch, (size_t)d.out_channels, (size_t)os[0],
                              (size_t)os[1]};
    if (o.output) {
        if (outfile_open(&out, o.output, err, sizeof err)) {
            bench_msg("%s", err);
            rc = BENCH_FAIL;
            goto done;
        }
        have_out = 1;
    }
    if ((rc = bench_context(o.device, &ctx)))
        goto done;
    const double t0 = bench_now_ms();
    clconv_status st = clconv_deform_plan_create(ctx, &d, o.algo, &r.plan);
    if (st) {
        rc = bench_lib_fail(st, "deform_conv");
        goto done;
    }
    const double t1 = bench_now_ms();
    if ((st = clconv_deform_plan_set_weights_host(r.plan, w.a.data, d.has_bias ? b.a.data : NULL))) {
        rc = bench_lib_fail(st, "deform_conv");
        goto done;
    }
    const double t2 = bench_now_ms();
    if ((rc = bench_buffer(ctx, x.a.count * sizeof(float), x.a.data, &r.x)) ||
        (rc = bench_buffer(ctx, off.a.count * sizeof(float), off.a.data, &r.off)) ||
        (d.has_mask && (rc = bench_buffer(ctx, m.a.count * sizeof(float), m.a.data, &r.m))) ||
        (rc = bench_buffer(ctx, ny * sizeof(float), NULL, &r.y)) ||
        (rc = bench_poison(ctx, r.y, ny * sizeof(float))))
        goto done;
    if (!(y = malloc(ny * sizeof *y))) {
        bench_msg("out of memory for the output (%zu floats)", ny);
        rc = BENCH_FAIL;
        goto done;
    }
    const double t3 = bench_now_ms();
    st = bench_run_once(ctx, enqueue_deform, &r, err, sizeof err);
    const double t4 = bench_now_ms();
    bench_times tm = {0};
    if (!st && o.time_reps)
        st = bench_time(ctx, enqueue_deform, &r, (int)o.time_reps, &tm, err, sizeof err);
    if (st) {
        bench_msg("deform_conv: %s", err);
        rc = bench_exit_code(st);
        goto done;
    }
    if ((rc = bench_read(ctx, r.y, ny * sizeof(float), y)))
        goto done;
    char xs[128], ws[128], ys[128];
    npy_shape_string(4, x.a.shape, xs, sizeof xs);
    npy_shape_string(4, w.a.shape, ws, sizeof ws);
    npy_shape_string(4, yshape, ys, sizeof ys);
    printf("device:     %s\n", clconv_context_device_name(ctx));
    printf("problem:    deform_conv x %s w %s s%d,%d p%d,%d,%d,%d d%d,%d g%d og%d %s%s -> %s\n", xs,
           ws, d.strides[0], d.strides[1], d.pads_begin[0], d.pads_begin[1], d.pads_end[0],
           d.pads_end[1], d.dilations[0], d.dilations[1], d.groups, d.offset_groups,
           d.has_mask ? "v2 (mask)" : "v1", d.has_bias ? " bias" : "", ys);
    if (o.random)
        printf("data:       random, seed %llu, offsets in U(-%g, %g)\n", o.seed, o.offset_range,
               o.offset_range);
    printf("algorithm:  %s (%s)\n", clconv_algorithm_name(clconv_deform_plan_algorithm(r.plan)),
           clconv_deform_plan_describe(r.plan));
    printf("plan:       %.1f ms (includes program builds), set_weights %.1f ms, first run %.1f ms\n",
           t1 - t0, t2 - t1, t4 - t3);
    if (o.time_reps) {
        run_print_times(tm.reps, tm.median_ms, tm.min_ms, tm.wall_clock);
        printf("rate:       %.2f GFLOP/s (the equivalent Conv's multiply-adds)\n",
               clconv_deform_conv_flops(&d) / (tm.median_ms * 1e-3) * 1e-9);
    }
    if (o.check) {
        ref = malloc(ny * sizeof *ref);
        st = ref ? clconv_reference_deform_conv(&d, x.a.data, w.a.data,
                                                d.has_bias ? b.a.data : NULL, off.a.data,
                                                d.has_mask ? m.a.data : NULL, ref)
                 : CLCONV_OUT_OF_MEMORY;
        if (st) {
            rc = bench_lib_fail(st, "clconv_reference_deform_conv");
            goto done;
        }
        const double e = bench_rel_l2(y, ref, ny);
        printf("check:      rel L2 error %.3g vs clconv_reference_deform_conv%s\n", e,
               e <= BENCH_SANITY_ERR ? "" : "  ** WRONG **");
        if (!(e <= BENCH_SANITY_ERR)) {
            bench_msg("the output differs from the reference (rel L2 %.3g > %.0e)", e,
                      BENCH_SANITY_ERR);
            rc = BENCH_FAIL;
            goto done;
        }
    }
    if (have_out) {
        have_out = 0;
        rc = run_write_output(&out, 4, yshape, y);
    }
done:
    if (have_out)
        outfile_abort(&out);
    if (r.x)
        clReleaseMemObject(r.x);
    if (r.off)
        clReleaseMemObject(r.off);
    if (r.m)
        clReleaseMemObject(r.m);
    if (r.y)
        clReleaseMemObject(r.y);
    clconv_deform_plan_destroy(r.plan);
    clconv_context_destroy(ctx);
    free(y);
    free(ref);
    npy_free(&x.a);
    npy_free(&w.a);
    npy_free(&off.a);
    npy_free(&m.a);
    npy_free(&b.a);
    return rc;
}
