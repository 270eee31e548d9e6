/* `clconv-bench run --op depth_to_space|space_to_depth`: the ONNX
 * DepthToSpace / SpaceToDepth ops on a 4D NCHW tensor, with the same
 * file, timing and check conventions as the convolution path. */
#include "bench.h"
#include "outfile.h"
#include "run.h"
#include "timing.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef struct sd_run {
    clconv_context *ctx;
    const clconv_space_depth_desc *desc;
    cl_mem x, y;
} sd_run;

static clconv_status enqueue_sd(void *user, cl_uint n_wait, const cl_event *wait, cl_event *ev)
{
    sd_run *r = user;
    return clconv_space_depth_enqueue(r->ctx, r->desc, r->x, r->y, n_wait, wait, ev);
}

static int build_sd_desc(const run_opts *o, const run_tensor *x, clconv_space_depth_desc *d)
{
    clconv_space_depth_op op;
    if (strcmp(o->op, "depth_to_space") == 0)
        op = CLCONV_DEPTH_TO_SPACE;
    else if (strcmp(o->op, "space_to_depth") == 0)
        op = CLCONV_SPACE_TO_DEPTH;
    else {
        bench_msg("--op: '%s' is not depth_to_space or space_to_depth", o->op);
        return BENCH_INVALID;
    }
    if (!o->blocksize) {
        bench_msg("--op %s needs --blocksize B", o->op);
        return BENCH_INVALID;
    }
    clconv_space_depth_desc_init(d, op);
    if (o->mode) {
        if (op != CLCONV_DEPTH_TO_SPACE) {
            bench_msg("--mode applies to depth_to_space only");
            return BENCH_INVALID;
        }
        if (strcasecmp(o->mode, "DCR") == 0)
            d->mode = CLCONV_MODE_DCR;
        else if (strcasecmp(o->mode, "CRD") == 0)
            d->mode = CLCONV_MODE_CRD;
        else {
            bench_msg("--mode: '%s' is not DCR or CRD", o->mode);
            return BENCH_INVALID;
        }
    }
    char xs[128];
    npy_shape_string(x->a.ndim, x->a.shape, xs, sizeof xs);
    if (x->a.ndim != 4) {
        bench_msg("%s: input shape %s; %s needs a 4D N,C,H,W tensor", x->name, xs, o->op);
        return BENCH_INVALID;
    }
    for (int i = 0; i < 4; i++)
        if (x->a.shape[i] < 1 || x->a.shape[i] > INT_MAX) {
            bench_msg("%s: shape %s: every size must be between 1 and %d", x->name, xs, INT_MAX);
            return BENCH_INVALID;
        }
    d->batch = (int)x->a.shape[0];
    d->channels = (int)x->a.shape[1];
    d->height = (int)x->a.shape[2];
    d->width = (int)x->a.shape[3];
    d->blocksize = (int)o->blocksize;
    int out[4];
    if (clconv_space_depth_output_shape(d, out))
        return bench_lib_fail(CLCONV_INVALID_ARGUMENT, "invalid problem");
    return BENCH_OK;
}

int run_space_depth(const run_opts *o)
{
    run_tensor x = {0};
    clconv_space_depth_desc d;
    sd_run r = {NULL, &d, NULL, NULL};
    float *y = NULL, *ref = NULL;
    bench_outfile out;
    int have_out = 0, rc;
    char err[1024];
    rc = o->random ? run_tensor_random(&x, "--input-shape", &o->input_shape, o->seed)
                   : run_tensor_load(&x, o->input);
    if (!rc)
        rc = build_sd_desc(o, &x, &d);
    if (rc)
        goto done;
    int os[4];
    clconv_space_depth_output_shape(&d, os);
    const size_t yshape[4] = {(size_t)os[0], (size_t)os[1], (size_t)os[2], (size_t)os[3]};
    const size_t n = x.a.count; /* a permutation: as many outputs as inputs */
    if (o->output) {
        if (outfile_open(&out, o->output, err, sizeof err)) {
            bench_msg("%s", err);
            rc = BENCH_FAIL;
            goto done;
        }
        have_out = 1;
    }
    if ((rc = bench_context(o->device, &r.ctx)) ||
        (rc = bench_buffer(r.ctx, n * sizeof(float), x.a.data, &r.x)) ||
        (rc = bench_buffer(r.ctx, n * sizeof(float), NULL, &r.y)) ||
        (rc = bench_poison(r.ctx, r.y, n * sizeof(float))))
        goto done;
    y = malloc(n * sizeof *y);
    if (!y) {
        bench_msg("out of memory");
        rc = BENCH_FAIL;
        goto done;
    }
    clconv_status st = bench_run_once(r.ctx, enqueue_sd, &r, err, sizeof err);
    bench_times t = {0};
    if (!st && o->time_reps)
        st = bench_time(r.ctx, enqueue_sd, &r, (int)o->time_reps, &t, err, sizeof err);
    if (st) {
        bench_msg("%s: %s", o->op, err);
        rc = bench_exit_code(st);
        goto done;
    }
    if ((rc = bench_read(r.ctx, r.y, n * sizeof(float), y)))
        goto done;
    char xs[128], ys[128];
    npy_shape_string(4, x.a.shape, xs, sizeof xs);
    npy_shape_string(4, yshape, ys, sizeof ys);
    printf("device:     %s\n", clconv_context_device_name(r.ctx));
    printf("problem:    %s %s blocksize %d%s -> %s\n", o->op, xs, d.blocksize,
           d.op == CLCONV_DEPTH_TO_SPACE ? (d.mode == CLCONV_MODE_DCR ? " DCR" : " CRD") : "", ys);
    if (o->time_reps) {
        run_print_times(t.reps, t.median_ms, t.min_ms, t.wall_clock);
        printf("rate:       %.2f GB/s (read + write)\n",
               8.0 * (double)n / (t.median_ms * 1e-3) * 1e-9);
    }
    if (o->check) {
        ref = malloc(n * sizeof *ref);
        st = ref ? clconv_reference_space_depth(&d, x.a.data, ref) : CLCONV_OUT_OF_MEMORY;
        if (st) {
            rc = bench_lib_fail(st, "clconv_reference_space_depth");
            goto done;
        }
        /* A permutation must be exact (NaN never compares equal). */
        size_t bad = 0;
        for (size_t i = 0; i < n; i++)
            bad += !(y[i] == ref[i]);
        printf("check:      %s vs clconv_reference_space_depth", bad ? "MISMATCH" : "exact match");
        if (bad)
            printf(" (%zu of %zu elements differ)", bad, n);
        printf("\n");
        if (bad) {
            bench_msg("the output differs from the reference in %zu elements", bad);
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
    if (r.y)
        clReleaseMemObject(r.y);
    clconv_context_destroy(r.ctx);
    free(y);
    free(ref);
    npy_free(&x.a);
    return rc;
}
