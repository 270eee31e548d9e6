/* `clconv-bench run`: one ONNX Conv / ConvTranspose from .npy files (or
 * seeded random tensors), optionally timed and checked, written to .npy.
 *
 * The descriptor comes from the tensors: rank and kernel from the weights,
 * channels from both.  Their agreement is checked here, where the message
 * can name the files; every other rule is the library's (its message is
 * printed as is).  The output is written last, through a temporary that
 * is renamed, so a failed run leaves no output file behind. */
#include "args.h"
#include "bench.h"
#include "conv_job.h"
#include "outfile.h"
#include "run.h"

#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- options --------------------------------------------------------------- */

/* The comma-list options: where they go and their bounds.  Attribute
 * lists take any int the library can name in its message (signs and real
 * limits are its rules); shapes must be positive. */
#define ANY (1L << 30)
static const struct list_opt {
    const char *name;
    size_t offset;
    long lo, hi;
} list_opts[] = {
    {"--strides", offsetof(run_opts, strides), -ANY, ANY},
    {"--pads", offsetof(run_opts, pads), -ANY, ANY},
    {"--dilations", offsetof(run_opts, dilations), -ANY, ANY},
    {"--output-padding", offsetof(run_opts, output_padding), -ANY, ANY},
    {"--output-shape", offsetof(run_opts, output_shape), -ANY, ANY},
    {"--input-shape", offsetof(run_opts, input_shape), 1, INT_MAX},
    {"--weight-shape", offsetof(run_opts, weight_shape), 1, INT_MAX},
};

/* 1 if argv[i] is a list option (*bad set when its value is not valid). */
static int list_option(arg_cursor *c, run_opts *o, int *bad)
{
    for (size_t k = 0; k < sizeof list_opts / sizeof list_opts[0]; k++) {
        const struct list_opt *L = &list_opts[k];
        const char *v;
        if (arg_opt(c, L->name, &v)) {
            int_list *l = (int_list *)((char *)o + L->offset);
            l->n = parse_ints(L->name, v, l->v, RUN_MAX_LIST, L->lo, L->hi);
            *bad = l->n < 0;
            return 1;
        }
    }
    return 0;
}

static int parse_run_opts(int argc, char **argv, run_opts *o)
{
    memset(o, 0, sizeof *o);
    o->algo = CLCONV_ALGO_AUTO;
    o->seed = 1;
    arg_cursor c = {argc, argv, 0, 0};
    for (c.i = 0; c.i < argc; c.i++) {
        const char *v = NULL;
        int bad = 0;
        if (list_option(&c, o, &bad)) {
            /* --strides, --pads, ... done */
        } else if (arg_opt(&c, "--input", &v))
            o->input = v;
        else if (arg_opt(&c, "--weights", &v))
            o->weights = v;
        else if (arg_opt(&c, "--bias", &v))
            o->bias = v;
        else if (arg_opt(&c, "--output", &v))
            o->output = v;
        else if (arg_opt(&c, "--device", &v))
            o->device = v;
        else if (arg_flag(&c, "--transposed"))
            o->transposed = 1;
        else if (arg_opt(&c, "--group", &v))
            bad = parse_int("--group", v, 1, INT_MAX, &o->group);
        else if (arg_opt(&c, "--auto-pad", &v))
            bad = parse_auto_pad(v, &o->auto_pad), o->have_auto_pad = 1;
        else if (arg_opt(&c, "--activation", &v))
            bad = parse_activation(v, &o->act, &o->alpha, &o->beta), o->have_activation = 1;
        else if (arg_opt(&c, "--algo", &v))
            bad = parse_algo("--algo", v, &o->algo), o->have_algo = 1;
        else if (arg_opt(&c, "--time", &v))
            bad = parse_int("--time", v, 1, 1000000, &o->time_reps);
        else if (arg_flag(&c, "--random"))
            o->random = 1;
        else if (arg_opt(&c, "--seed", &v))
            bad = parse_u64("--seed", v, &o->seed);
        else if (arg_flag(&c, "--check"))
            o->check = 1;
        else if (arg_opt(&c, "--op", &v))
            o->op = v;
        else if (arg_opt(&c, "--blocksize", &v))
            bad = parse_int("--blocksize", v, 1, INT_MAX, &o->blocksize);
        else if (arg_opt(&c, "--mode", &v))
            o->mode = v;
        else {
            bench_msg("run: unknown option '%s' (see clconv-bench --help)", argv[c.i]);
            return BENCH_INVALID;
        }
        if (bad || c.error)
            return BENCH_INVALID;
    }
    return BENCH_OK;
}

/* Options that make no sense together are errors, not silently ignored. */
static int check_combinations(const run_opts *o)
{
    const char *conv_only = o->weights            ? "--weights"
                            : o->transposed       ? "--transposed"
                            : o->strides.n        ? "--strides"
                            : o->pads.n           ? "--pads"
                            : o->dilations.n      ? "--dilations"
                            : o->group            ? "--group"
                            : o->output_padding.n ? "--output-padding"
                            : o->output_shape.n   ? "--output-shape"
                            : o->have_auto_pad    ? "--auto-pad"
                            : o->have_activation  ? "--activation"
                            : o->have_algo        ? "--algo"
                            : o->weight_shape.n   ? "--weight-shape"
                            : o->bias             ? "--bias"
                                                  : NULL;
    if (o->op && conv_only) {
        bench_msg("%s does not apply to --op %s", conv_only, o->op);
        return BENCH_INVALID;
    }
    if (!o->op && (o->blocksize || o->mode)) {
        bench_msg("%s applies to --op depth_to_space|space_to_depth only",
                  o->blocksize ? "--blocksize" : "--mode");
        return BENCH_INVALID;
    }
    if (o->random) {
        if (o->input || o->weights) {
            bench_msg("--random makes the tensors: drop %s", o->input ? "--input" : "--weights");
            return BENCH_INVALID;
        }
        if (!o->input_shape.n || (!o->op && !o->weight_shape.n)) {
            bench_msg("--random needs %s", !o->input_shape.n ? "--input-shape N,C,D..."
                                                             : "--weight-shape K,C/group,k...");
            return BENCH_INVALID;
        }
    } else {
        if (o->input_shape.n || o->weight_shape.n) {
            bench_msg("%s needs --random", o->input_shape.n ? "--input-shape" : "--weight-shape");
            return BENCH_INVALID;
        }
        if (!o->input || (!o->op && !o->weights) || !o->output) {
            bench_msg("run needs --input X.npy%s and --output Y.npy (or --random ...)",
                      o->op ? "" : " --weights W.npy");
            return BENCH_INVALID;
        }
    }
    /* --output must never replace one of the inputs (the same file under
     * any name: compared by device and inode). */
    const char *const ins[3] = {o->input, o->weights,
                                o->bias && strcmp(o->bias, "random") ? o->bias : NULL};
    static const char *const in_names[3] = {"--input", "--weights", "--bias"};
    char why[1200];
    if (o->output && !outfile_target_ok(o->output, why, sizeof why)) {
        bench_msg("--output %s", why);
        return BENCH_INVALID;
    }
    for (int i = 0; i < 3 && o->output; i++)
        if (ins[i] && outfile_same_file(o->output, ins[i])) {
            bench_msg("--output %s is the same file as %s %s: refusing to overwrite an input",
                      o->output, in_names[i], ins[i]);
            return BENCH_INVALID;
        }
    if (o->pads.n && o->have_auto_pad && o->auto_pad != CLCONV_AUTO_PAD_NOTSET) {
        bench_msg("--pads cannot be combined with --auto-pad other than NOTSET (ONNX)");
        return BENCH_INVALID;
    }
    return BENCH_OK;
}

/* ---- tensors --------------------------------------------------------------- */

int run_tensor_load(run_tensor *t, const char *path)
{
    char err[1024];
    t->name = path;
    if (npy_load(path, &t->a, err, sizeof err)) {
        bench_msg("%s", err);
        return BENCH_INVALID;
    }
    return BENCH_OK;
}

int run_tensor_random(run_tensor *t, const char *name, const int_list *shape,
                      unsigned long long seed)
{
    t->name = name;
    memset(&t->a, 0, sizeof t->a);
    t->a.ndim = shape->n;
    t->a.count = 1;
    for (int i = 0; i < shape->n; i++) {
        t->a.shape[i] = (size_t)shape->v[i];
        if (t->a.count > ((size_t)INT_MAX) / t->a.shape[i]) {
            bench_msg("%s: too many elements (at most %d per tensor)", name, INT_MAX);
            return BENCH_INVALID;
        }
        t->a.count *= t->a.shape[i];
    }
    t->a.data = malloc(t->a.count * sizeof(float));
    if (!t->a.data) {
        bench_msg("%s: out of memory", name);
        return BENCH_FAIL;
    }
    bench_rng r;
    bench_rng_seed(&r, seed);
    bench_rng_fill(&r, t->a.data, t->a.count);
    return BENCH_OK;
}

static void shape_str(const run_tensor *t, char *b, size_t n)
{
    npy_shape_string(t->a.ndim, t->a.shape, b, n);
}

/* ---- descriptor from the tensors ------------------------------------------ */

static int list_len(const char *opt, const int_list *l, int want, int rank, const char *what)
{
    if (l->n && l->n != want) {
        bench_msg("%s has %d entries; rank %d needs %d%s", opt, l->n, rank, want, what);
        return BENCH_INVALID;
    }
    return BENCH_OK;
}

/* b: the bias tensor to check against K, or NULL (none, or random). */
static int build_desc(const run_opts *o, const run_tensor *x, const run_tensor *w, int has_bias,
                      const run_tensor *b, clconv_conv_desc *d)
{
    char xs[128], ws[128];
    shape_str(x, xs, sizeof xs);
    shape_str(w, ws, sizeof ws);
    const int nd = x->a.ndim, r = nd - 2;
    if (nd < 3 || nd > 5) {
        bench_msg("%s: input shape %s has %d dimensions; need N,C and 1 to 3 spatial axes", x->name,
                  xs, nd);
        return BENCH_INVALID;
    }
    if (w->a.ndim != nd) {
        bench_msg(
            "%s: weights shape %s has %d dimensions but the input (%s) has %d; need [%s, k...]",
            w->name, ws, w->a.ndim, xs, nd, o->transposed ? "C, K/group" : "K, C/group");
        return BENCH_INVALID;
    }
    for (int i = 0; i < nd; i++) {
        const run_tensor *t = x->a.shape[i] > INT_MAX || !x->a.shape[i]   ? x
                              : w->a.shape[i] > INT_MAX || !w->a.shape[i] ? w
                                                                          : NULL;
        if (t) {
            bench_msg("%s: shape %s: every size must be between 1 and %d", t->name,
                      t == x ? xs : ws, INT_MAX);
            return BENCH_INVALID;
        }
    }
    const long g = o->group ? o->group : 1;
    const long N = (long)x->a.shape[0], C = (long)x->a.shape[1];
    const long w0 = (long)w->a.shape[0], w1 = (long)w->a.shape[1];
    long K;
    if (C % g) {
        bench_msg("group %ld does not divide input channels %ld", g, C);
        return BENCH_INVALID;
    }
    if (!o->transposed) {
        if (C / g != w1) {
            if (g == 1)
                bench_msg(
                    "input channels %ld do not match weights C/group %ld (input %s, weights %s)", C,
                    w1, xs, ws);
            else
                bench_msg("input channels %ld / group %ld = %ld do not match weights C/group %ld "
                          "(input %s, weights %s)",
                          C, g, C / g, w1, xs, ws);
            return BENCH_INVALID;
        }
        K = w0;
    } else {
        if (w0 != C) {
            bench_msg("input channels %ld do not match ConvTranspose weights C %ld (weights are "
                      "[C, K/group, k...]; input %s, weights %s)",
                      C, w0, xs, ws);
            return BENCH_INVALID;
        }
        if (w1 > INT_MAX / g) {
            bench_msg("output channels K = %ld x group %ld are too many", w1, g);
            return BENCH_INVALID;
        }
        K = w1 * g;
    }
    if (b && (b->a.ndim != 1 || (long)b->a.shape[0] != K)) {
        char bs[128];
        shape_str(b, bs, sizeof bs);
        bench_msg("%s: bias shape %s; need [%ld] (one per output channel)", b->name, bs, K);
        return BENCH_INVALID;
    }
    if (list_len("--strides", &o->strides, r, r, "") ||
        list_len("--dilations", &o->dilations, r, r, "") ||
        list_len("--pads", &o->pads, 2 * r, r, " (all begins, then all ends)") ||
        list_len("--output-padding", &o->output_padding, r, r, ""))
        return BENCH_INVALID;
    const int_list *os = &o->output_shape;
    int skip = 0;
    if (os->n == r + 2) {
        /* The full N,C,spatial form: its first two must be the output's. */
        if (os->v[0] != N || os->v[1] != K) {
            bench_msg("--output-shape N,C = %d,%d do not match the output's %ld,%ld", os->v[0],
                      os->v[1], N, K);
            return BENCH_INVALID;
        }
        skip = 2;
    } else if (os->n && os->n != r) {
        bench_msg("--output-shape has %d entries; rank %d needs %d (or %d as N,C,spatial)", os->n,
                  r, r, r + 2);
        return BENCH_INVALID;
    }

    clconv_conv_desc_init(d, r);
    d->batch = (int)N;
    d->in_channels = (int)C;
    d->out_channels = (int)K;
    d->groups = (int)g;
    d->transposed = o->transposed;
    d->has_bias = has_bias;
    d->auto_pad = o->auto_pad;
    if (o->have_activation) {
        d->activation = o->act;
        d->activation_alpha = o->alpha;
        d->activation_beta = o->beta;
    }
    for (int i = 0; i < r; i++) {
        d->in_size[i] = (int)x->a.shape[2 + i];
        d->kernel_size[i] = (int)w->a.shape[2 + i];
        if (o->strides.n)
            d->strides[i] = o->strides.v[i];
        if (o->dilations.n)
            d->dilations[i] = o->dilations.v[i];
        if (o->pads.n) {
            d->pads_begin[i] = o->pads.v[i];
            d->pads_end[i] = o->pads.v[r + i];
        }
        if (o->output_padding.n)
            d->output_padding[i] = o->output_padding.v[i];
        if (os->n)
            d->output_shape[i] = os->v[skip + i];
    }
    int out[CLCONV_MAX_RANK];
    if (clconv_conv_output_shape(d, out))
        return bench_lib_fail(CLCONV_INVALID_ARGUMENT, "invalid problem");
    return BENCH_OK;
}

/* ---- the run ---------------------------------------------------------------- */

int run_write_output(bench_outfile *out, int ndim, const size_t *shape, const float *y)
{
    char err[1024];
    int bad = npy_write(out->f, ndim, shape, y);
    if (bad) {
        snprintf(err, sizeof err, "%s: write failed: %s", out->path, strerror(errno));
        outfile_abort(out);
    } else {
        bad = outfile_commit(out, err, sizeof err);
    }
    if (bad) {
        bench_msg("%s", err);
        return BENCH_FAIL;
    }
    char s[128];
    npy_shape_string(ndim, shape, s, sizeof s);
    printf("output:     %s (%s)\n", out->path, s);
    return BENCH_OK;
}

void run_print_times(int reps, double median_ms, double min_ms, int wall_clock)
{
    printf("time:       median %.4f ms, min %.4f ms (%d run%s after 1 warm-up, %s)\n", median_ms,
           min_ms, reps, reps == 1 ? "" : "s",
           wall_clock ? "host wall-clock: no profiling data" : "device time");
}

static int is_winograd(clconv_algorithm a)
{
    return a == CLCONV_ALGO_WINOGRAD_F2X2 || a == CLCONV_ALGO_WINOGRAD_F4X4;
}

static int run_conv(const run_opts *o)
{
    run_tensor x = {0}, w = {0}, b = {0};
    clconv_context *ctx = NULL;
    float *y = NULL;
    double *ref = NULL;
    bench_outfile out = {0};
    int have_out = 0, rc;
    const int random_bias = o->bias && strcmp(o->bias, "random") == 0;

    if (o->random) {
        rc = run_tensor_random(&x, "--input-shape", &o->input_shape, o->seed);
        if (!rc)
            rc = run_tensor_random(&w, "--weight-shape", &o->weight_shape, o->seed + 1);
    } else {
        rc = run_tensor_load(&x, o->input);
        if (!rc)
            rc = run_tensor_load(&w, o->weights);
    }
    if (!rc && o->bias && !random_bias)
        rc = run_tensor_load(&b, o->bias);
    clconv_conv_desc d;
    if (!rc)
        rc = build_desc(o, &x, &w, o->bias != NULL, o->bias && !random_bias ? &b : NULL, &d);
    if (!rc && random_bias) {
        /* Its length K is known once the descriptor is. */
        const int_list bl = {1, {d.out_channels}};
        rc = run_tensor_random(&b, "--bias random", &bl, o->seed + 2);
    }
    if (rc)
        goto done;

    int osz[CLCONV_MAX_RANK];
    clconv_conv_output_shape(&d, osz);
    size_t yshape[2 + CLCONV_MAX_RANK] = {(size_t)d.batch, (size_t)d.out_channels};
    for (int i = 0; i < d.rank; i++)
        yshape[2 + i] = (size_t)osz[i];
    const size_t ny = clconv_conv_output_elems(&d);
    char err[1024];
    /* Opened now so that an unwritable path fails before the work. */
    if (o->output) {
        if (outfile_open(&out, o->output, err, sizeof err)) {
            bench_msg("%s", err);
            rc = BENCH_FAIL;
            goto done;
        }
        have_out = 1;
    }
    if ((rc = bench_context(o->device, &ctx)))
        goto done;
    /* A named algorithm that cannot do the problem fails before the
     * reference is computed (which can take long). */
    clconv_status st = clconv_algorithm_supports(ctx, &d, o->algo);
    if (st) {
        bench_msg("%s", clconv_last_error());
        rc = bench_exit_code(st);
        goto done;
    }
    if (o->output && !(y = malloc(ny * sizeof *y))) {
        bench_msg("out of memory for the output (%zu floats)", ny);
        rc = BENCH_FAIL;
        goto done;
    }
    if (o->check) {
        ref = malloc(ny * sizeof *ref);
        st = ref ? clconv_reference_conv(&d, x.a.data, w.a.data, d.has_bias ? b.a.data : NULL, ref)
                 : CLCONV_OUT_OF_MEMORY;
        if (st) {
            rc = bench_lib_fail(st, "clconv_reference_conv");
            goto done;
        }
    }

    conv_job j = {.ctx = ctx,
                  .desc = &d,
                  .algo = o->algo,
                  .x = x.a.data,
                  .w = w.a.data,
                  .b = d.has_bias ? b.a.data : NULL,
                  .reps = (int)o->time_reps,
                  .ref = ref,
                  .y = y};
    st = conv_job_run(&j);
    char sum[256];
    conv_desc_summary(&d, sum, sizeof sum);
    if (st) {
        /* The library's message names the algorithm, the problem and the rule. */
        bench_msg("%s", j.why);
        rc = bench_exit_code(st);
        goto done;
    }

    printf("device:     %s\n", clconv_context_device_name(ctx));
    printf("problem:    %s\n", sum);
    if (o->random)
        printf("data:       random, seed %llu\n", o->seed);
    printf("algorithm:  %s (%s)\n", clconv_algorithm_name(j.ran), j.describe);
    printf(
        "plan:       %.1f ms (includes program builds), set_weights %.1f ms, first run %.1f ms\n",
        j.plan_ms, j.weights_ms, j.first_ms);
    if (o->time_reps) {
        const double t = j.times.median_ms * 1e-3;
        run_print_times(j.times.reps, j.times.median_ms, j.times.min_ms, j.times.wall_clock);
        printf("rate:       %.2f GFLOP/s%s, %.2f GB/s (input + weights + output)\n",
               clconv_conv_flops(&d) / t * 1e-9,
               is_winograd(j.ran) ? " effective (direct-method FLOPs; winograd does fewer)" : "",
               conv_job_bytes(&d) / t * 1e-9);
    }
    if (ref) {
        printf("check:      rel L2 error %.3g vs clconv_reference_conv%s\n", j.err,
               j.err <= BENCH_SANITY_ERR ? "" : "  ** WRONG **");
        if (!(j.err <= BENCH_SANITY_ERR)) {
            bench_msg("the output differs from the reference (rel L2 %.3g > %.0e)", j.err,
                      BENCH_SANITY_ERR);
            rc = BENCH_FAIL;
            goto done;
        }
    }
    if (have_out) {
        have_out = 0;
        rc = run_write_output(&out, 2 + d.rank, yshape, y);
    }
done:
    if (have_out)
        outfile_abort(&out);
    clconv_context_destroy(ctx);
    free(y);
    free(ref);
    npy_free(&x.a);
    npy_free(&w.a);
    npy_free(&b.a);
    return rc;
}

int cmd_run(int argc, char **argv)
{
    /* --op deform_conv has options of its own (run_deform.c). */
    for (int i = 0; i < argc; i++)
        if ((!strcmp(argv[i], "--op") && i + 1 < argc && !strcmp(argv[i + 1], "deform_conv")) ||
            !strcmp(argv[i], "--op=deform_conv"))
            return run_deform(argc, argv);
    run_opts o;
    int rc = parse_run_opts(argc, argv, &o);
    if (!rc)
        rc = check_combinations(&o);
    if (rc)
        return rc;
    return o.op ? run_space_depth(&o) : run_conv(&o);
}
