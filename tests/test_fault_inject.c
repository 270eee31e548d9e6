/* Fault injection (host/fault_inject.c; this test links the library built
 * with CLCONV_FAULT_INJECTION, tests/test_fault_inject.cmake).
 *
 *   test_fault_inject [--case NAME] [--stride S] [--clblast-stride S] [--queries 1]
 *
 * For one small problem per algorithm (direct, gemm, winograd_f2x2,
 * winograd_f4x4, depthwise, dilated_s2b, deconv_d2s), deformable conv,
 * depth_to_space and clconv_conv_host: the sequence
 *   context create -> plan create -> set_weights -> enqueue (-> the test
 *   reads the output with its own, uninjected calls)
 * is run once to count clconv's OpenCL calls (N), then for each n = 1..N
 * (every one; --stride S takes every S-th, starting at 1, and
 * --clblast-stride S instead for the gemm cases, whose every new context
 * rebuilds CLBlast's kernels) with the n-th
 * call failing:
 *   - the step that met the fault returns an error status and a message,
 *     or the whole sequence succeeds and the output matches the float64
 *     reference (a failure clconv may recover from: a cached binary that
 *     does not load is rebuilt from source, a cache write that fails);
 *     never a crash;
 *   - with injection off, the same plan retries the failed step and the
 *     rest and gets the right output, and the same context then runs a
 *     fresh plan correctly;
 *   - after everything is destroyed, every OpenCL object clconv created or
 *     retained has been released (counted by the wrappers: contexts,
 *     queues, buffers, programs, kernels; events too, except in plans that
 *     run CLBlast, whose events clconv adopts uncounted); host memory is
 *     LeakSanitizer's job (the ASan CI pass).
 * The disk cache is on, in a fresh directory per case that the first,
 * uninjected run fills, so that the walk's runs load binaries instead of
 * compiling (the load path: clCreateProgramWithBinary + clBuildProgram);
 * the build-from-source path is walked by the "direct_nocache" case.
 * CLBlast's own OpenCL calls (inside libclblast) are not injected.
 * --queries 1 also counts and fails the info queries whose results the host
 * does not always check (clGetDeviceInfo, ...): a report, not run by CTest. */
#define _GNU_SOURCE
#include "algo_check.h"
#include "internal.h"
#include "testutil.h"

#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

typedef enum { K_CONV, K_CONV_HOST, K_DEFORM, K_SPACE_DEPTH } case_kind;

typedef struct fi_case {
    const char *name;
    case_kind kind;
    clconv_algorithm algo;
    int nocache;
    int ooo; /* clconv_context_create_from_queue on an out-of-order queue */
    int clblast; /* the plan runs CLBlast */
    clconv_conv_desc d;
    clconv_deform_conv_desc dd;
    clconv_space_depth_desc sd;
    /* data */
    size_t nx, nw, nb, ny, noff, nmask;
    float *x, *w, *b, *off, *mask;
    double *ref;
    float *ref_sd; /* space_depth: exact */
    double tol;
} fi_case;

static char cache_root[512];
static int verbose;
static cl_device_id device; /* for the out-of-order cases' own queues */
static int ooo_ok;           /* the device has out-of-order queues */

/* ---- descriptors ----------------------------------------------------------- */

static void conv2d(clconv_conv_desc *d, int c, int k, int h, int w, int ks, int pad)
{
    clconv_conv_desc_init(d, 2);
    d->in_channels = c;
    d->out_channels = k;
    d->in_size[0] = h;
    d->in_size[1] = w;
    d->kernel_size[0] = d->kernel_size[1] = ks;
    for (int i = 0; i < 2; i++)
        d->pads_begin[i] = d->pads_end[i] = pad;
    d->has_bias = 1;
    d->activation = CLCONV_ACTIVATION_RELU;
}

static int make_cases(fi_case *cs)
{
    int n = 0;
    fi_case *c;

    c = &cs[n++];
    c->name = "direct";
    c->algo = CLCONV_ALGO_DIRECT;
    conv2d(&c->d, 3, 4, 7, 6, 3, 1);

    c = &cs[n++];
    c->name = "direct_nocache"; /* the build-from-source path, disk cache off */
    c->algo = CLCONV_ALGO_DIRECT;
    c->nocache = 1;
    conv2d(&c->d, 2, 3, 5, 5, 3, 1);

    c = &cs[n++];
    c->name = "gemm";
    c->algo = CLCONV_ALGO_GEMM;
    c->clblast = 1;
    conv2d(&c->d, 3, 4, 7, 6, 3, 1);

    c = &cs[n++];
    c->name = "gemm_ooo"; /* the caller's out-of-order queue: CLBlast on the side queue */
    c->algo = CLCONV_ALGO_GEMM;
    c->clblast = 1;
    c->ooo = 1;
    conv2d(&c->d, 3, 4, 7, 6, 3, 1);

    c = &cs[n++];
    c->name = "dilated_s2b_ooo";
    c->algo = CLCONV_ALGO_DILATED_S2B;
    c->ooo = 1;
    conv2d(&c->d, 3, 4, 9, 9, 3, 2);
    c->d.dilations[0] = c->d.dilations[1] = 2;

    c = &cs[n++];
    c->name = "winograd_f2x2";
    c->algo = CLCONV_ALGO_WINOGRAD_F2X2;
    conv2d(&c->d, 3, 4, 8, 8, 3, 1);

    c = &cs[n++];
    c->name = "winograd_f4x4";
    c->algo = CLCONV_ALGO_WINOGRAD_F4X4;
    conv2d(&c->d, 3, 4, 8, 8, 3, 1);

    c = &cs[n++];
    c->name = "depthwise";
    c->algo = CLCONV_ALGO_DEPTHWISE;
    conv2d(&c->d, 4, 4, 8, 8, 3, 1);
    c->d.groups = 4;

    c = &cs[n++];
    c->name = "dilated_s2b";
    c->algo = CLCONV_ALGO_DILATED_S2B;
    conv2d(&c->d, 3, 4, 9, 9, 3, 2);
    c->d.dilations[0] = c->d.dilations[1] = 2;

    c = &cs[n++];
    c->name = "deconv_d2s";
    c->algo = CLCONV_ALGO_DECONV_D2S;
    conv2d(&c->d, 3, 4, 5, 5, 3, 0);
    c->d.transposed = 1;
    c->d.strides[0] = c->d.strides[1] = 2;

    c = &cs[n++];
    c->name = "conv_host"; /* clconv_conv_host: its uploads and the read */
    c->kind = K_CONV_HOST;
    c->algo = CLCONV_ALGO_DIRECT;
    conv2d(&c->d, 2, 3, 6, 5, 3, 1);

    c = &cs[n++];
    c->name = "deform_conv";
    c->kind = K_DEFORM;
    c->algo = CLCONV_ALGO_DIRECT;
    clconv_deform_conv_desc_init(&c->dd);
    c->dd.in_channels = 2;
    c->dd.out_channels = 3;
    c->dd.in_size[0] = c->dd.in_size[1] = 6;
    c->dd.kernel_size[0] = c->dd.kernel_size[1] = 3;
    c->dd.pads_begin[0] = c->dd.pads_begin[1] = c->dd.pads_end[0] = c->dd.pads_end[1] = 1;
    c->dd.has_mask = 1;
    c->dd.has_bias = 1;

    c = &cs[n++];
    c->name = "depth_to_space";
    c->kind = K_SPACE_DEPTH;
    clconv_space_depth_desc_init(&c->sd, CLCONV_DEPTH_TO_SPACE);
    c->sd.batch = 1;
    c->sd.channels = 8;
    c->sd.height = 3;
    c->sd.width = 4;
    c->sd.blocksize = 2;
    return n;
}

static void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p) {
        printf("FAIL: out of host memory\n");
        exit(1);
    }
    return p;
}

static void make_data(fi_case *c, uint64_t seed)
{
    test_rng r;
    rng_seed(&r, seed);
    if (c->kind == K_SPACE_DEPTH) {
        int os[4];
        clconv_space_depth_output_shape(&c->sd, os);
        c->nx = (size_t)c->sd.batch * c->sd.channels * c->sd.height * c->sd.width;
        c->ny = (size_t)os[0] * os[1] * os[2] * os[3];
        c->x = xmalloc(c->nx * sizeof(float));
        rng_fill(&r, c->x, c->nx, -1, 1);
        c->ref_sd = xmalloc(c->ny * sizeof(float));
        clconv_reference_space_depth(&c->sd, c->x, c->ref_sd);
        return;
    }
    if (c->kind == K_DEFORM) {
        c->nx = clconv_deform_conv_input_elems(&c->dd);
        c->nw = clconv_deform_conv_weight_elems(&c->dd);
        c->ny = clconv_deform_conv_output_elems(&c->dd);
        c->noff = clconv_deform_conv_offset_elems(&c->dd);
        c->nmask = clconv_deform_conv_mask_elems(&c->dd);
        c->nb = (size_t)c->dd.out_channels;
    } else {
        c->nx = clconv_conv_input_elems(&c->d);
        c->nw = clconv_conv_weight_elems(&c->d);
        c->ny = clconv_conv_output_elems(&c->d);
        c->nb = (size_t)c->d.out_channels;
    }
    c->x = xmalloc(c->nx * sizeof(float));
    c->w = xmalloc(c->nw * sizeof(float));
    c->b = xmalloc(c->nb * sizeof(float));
    c->ref = xmalloc(c->ny * sizeof(double));
    rng_fill(&r, c->x, c->nx, -1, 1);
    rng_fill(&r, c->w, c->nw, -1, 1);
    rng_fill(&r, c->b, c->nb, -1, 1);
    if (c->kind == K_DEFORM) {
        c->off = xmalloc(c->noff * sizeof(float));
        c->mask = xmalloc((c->nmask ? c->nmask : 1) * sizeof(float));
        rng_fill(&r, c->off, c->noff, -2, 2);
        rng_fill(&r, c->mask, c->nmask, 0, 1);
        clconv_reference_deform_conv(&c->dd, c->x, c->w, c->b, c->off, c->mask, c->ref);
        c->tol = 1e-5;
    } else {
        clconv_reference_conv(&c->d, c->x, c->w, c->b, c->ref);
        c->tol = algo_tolerance(c->algo);
    }
}

static void free_data(fi_case *c)
{
    free(c->x);
    free(c->w);
    free(c->b);
    free(c->off);
    free(c->mask);
    free(c->ref);
    free(c->ref_sd);
}

/* ---- one run of the sequence ----------------------------------------------- */

enum { S_NONE, S_CONTEXT, S_PLAN, S_WEIGHTS, S_ENQUEUE, S_READ };
static const char *step_name[] = {"-", "context create", "plan create", "set_weights", "enqueue",
                                  "read"};

/* The objects of one run; the test's own buffers are made with the real
 * (uninjected) calls. */
typedef struct run_state {
    clconv_context *ctx;
    clconv_plan *plan;
    clconv_deform_plan *dplan;
    cl_mem bx, by, boff, bmask;
    cl_context user_ctx; /* the out-of-order cases' own, made uninjected */
    cl_command_queue user_queue;
    int failed_step;        /* S_* of the first error, S_NONE if none */
    clconv_status status;   /* its status */
    char message[512];
    double err;             /* of the output, when it ran */
    int uses_clblast;
} run_state;

static int output_ok(const fi_case *c, const float *y, double *err)
{
    if (c->kind == K_SPACE_DEPTH) {
        *err = memcmp(y, c->ref_sd, c->ny * sizeof(float)) ? INFINITY : 0;
        return *err == 0;
    }
    *err = rel_l2(y, c->ref, c->ny);
    return *err <= c->tol;
}

static int make_buffers(const fi_case *c, run_state *s)
{
    cl_context cc = clconv_context_cl_context(s->ctx);
    cl_int e;
    float *poison = xmalloc(c->ny * sizeof(float));
    poison_nan(poison, c->ny);
    s->bx = clCreateBuffer(cc, CL_MEM_READ_ONLY | CL_MEM_COPY_HOST_PTR, c->nx * sizeof(float),
                           c->x, &e);
    s->by = clCreateBuffer(cc, CL_MEM_READ_WRITE | CL_MEM_COPY_HOST_PTR, c->ny * sizeof(float),
                           poison, &e);
    free(poison);
    if (c->kind == K_DEFORM) {
        s->boff = clCreateBuffer(cc, CL_MEM_READ_ONLY | CL_MEM_COPY_HOST_PTR,
                                 c->noff * sizeof(float), c->off, &e);
        s->bmask = clCreateBuffer(cc, CL_MEM_READ_ONLY | CL_MEM_COPY_HOST_PTR,
                                  c->nmask * sizeof(float), c->mask, &e);
        if (!s->boff || !s->bmask)
            return 0;
    }
    return s->bx && s->by;
}

static void fail_at(run_state *s, int step, clconv_status st)
{
    s->failed_step = step;
    s->status = st;
    snprintf(s->message, sizeof s->message, "%s", clconv_last_error());
}

/* Runs the steps from `from` on (S_CONTEXT: everything); returns 1 if they
 * all succeeded (and then s->err is the output's error). */
static int run_from(const fi_case *c, run_state *s, int from)
{
    clconv_status st;
    s->failed_step = S_NONE;
    s->err = INFINITY;
    if (from <= S_CONTEXT) {
        clconv_context_options o;
        clconv_context_options_init(&o);
        char dir[600];
        snprintf(dir, sizeof dir, "%s/%s", cache_root, c->name);
        o.cache_dir = dir;
        o.disable_disk_cache = c->nocache;
        o.tuning_db = "";
        o.disable_system_tuning = 1;
        if (c->ooo) {
            cl_int e;
            s->user_ctx = clCreateContext(NULL, 1, &device, NULL, NULL, &e);
            s->user_queue = s->user_ctx ? clCreateCommandQueue(s->user_ctx, device,
                                                               CL_QUEUE_OUT_OF_ORDER_EXEC_MODE_ENABLE,
                                                               &e)
                                        : NULL;
            if (!s->user_queue) {
                printf("FAIL %s: the test's own out-of-order queue: %d\n", c->name, (int)e);
                test_failures++;
                fail_at(s, S_CONTEXT, CLCONV_OPENCL_ERROR);
                return 0;
            }
        }
        st = c->ooo ? clconv_context_create_from_queue(s->user_queue, &o, &s->ctx)
                    : clconv_context_create(&o, &s->ctx);
        if (st) {
            if (s->ctx) {
                printf("FAIL %s: context create failed (%s) but returned a context\n", c->name,
                       clconv_status_string(st));
                test_failures++;
                s->ctx = NULL;
            }
            fail_at(s, S_CONTEXT, st);
            return 0;
        }
        if (!make_buffers(c, s)) {
            printf("FAIL %s: the test's own buffers\n", c->name);
            test_failures++;
            fail_at(s, S_CONTEXT, CLCONV_OPENCL_ERROR);
            return 0;
        }
    }
    cl_command_queue q = clconv_context_queue(s->ctx);
    float *y = xmalloc(c->ny * sizeof(float));
    poison_nan(y, c->ny);
    int ok = 0;
    if (c->kind == K_CONV_HOST) {
        clconv_algorithm ran = CLCONV_ALGO_AUTO;
        st = clconv_conv_host(s->ctx, &c->d, c->algo, c->x, c->w, c->b, y, &ran);
        if (st) {
            fail_at(s, S_PLAN, st);
            goto out;
        }
        ok = 1;
        goto compare;
    }
    if (c->kind == K_SPACE_DEPTH) {
        cl_event ev = NULL;
        st = clconv_space_depth_enqueue(s->ctx, &c->sd, s->bx, s->by, 0, NULL, &ev);
        if (st) {
            if (ev) {
                printf("FAIL %s: an event on failure\n", c->name);
                test_failures++;
            }
            fail_at(s, S_ENQUEUE, st);
            goto out;
        }
        cl_int e = clEnqueueReadBuffer(q, s->by, CL_TRUE, 0, c->ny * sizeof(float), y, 1, &ev,
                                       NULL);
        clconv_fi_clReleaseEvent(ev);
        if (e) {
            fail_at(s, S_READ, CLCONV_OPENCL_ERROR);
            goto out;
        }
        ok = 1;
        goto compare;
    }
    if (from <= S_PLAN) {
        if (c->kind == K_DEFORM)
            st = clconv_deform_plan_create(s->ctx, &c->dd, c->algo, &s->dplan);
        else
            st = clconv_plan_create(s->ctx, &c->d, c->algo, &s->plan);
        if (st) {
            if (s->plan || s->dplan) {
                printf("FAIL %s: plan create failed (%s) but returned a plan\n", c->name,
                       clconv_status_string(st));
                test_failures++;
                s->plan = NULL;
                s->dplan = NULL;
            }
            fail_at(s, S_PLAN, st);
            goto out;
        }
        if (s->plan)
            s->uses_clblast = strstr(clconv_plan_describe(s->plan), "gemm") != NULL;
    }
    if (from <= S_WEIGHTS) {
        st = c->kind == K_DEFORM ? clconv_deform_plan_set_weights_host(s->dplan, c->w, c->b)
                                 : clconv_plan_set_weights_host(s->plan, c->w, c->b);
        if (st) {
            fail_at(s, S_WEIGHTS, st);
            goto out;
        }
    }
    /* twice, the second after the first (the plan's own workspace is
     * reused: it waits for its previous user) */
    cl_event ev = NULL;
    for (int rep = 0; rep < 2; rep++) {
        cl_event prev = ev;
        ev = NULL;
        st = c->kind == K_DEFORM
                 ? clconv_deform_plan_enqueue(s->dplan, s->bx, s->boff, s->bmask, s->by, NULL,
                                              prev ? 1 : 0, prev ? &prev : NULL, &ev)
                 : clconv_plan_enqueue(s->plan, s->bx, s->by, NULL, prev ? 1 : 0,
                                       prev ? &prev : NULL, &ev);
        if (prev) {
            if (st) /* the first one's writes must end before the test reads */
                clWaitForEvents(1, &prev);
            clconv_fi_clReleaseEvent(prev);
        }
        if (st)
            break;
    }
    if (st) {
        if (ev) {
            printf("FAIL %s: enqueue failed (%s) but returned an event\n", c->name,
                   clconv_status_string(st));
            test_failures++;
        }
        fail_at(s, S_ENQUEUE, st);
        goto out;
    }
    cl_int e = clEnqueueReadBuffer(q, s->by, CL_TRUE, 0, c->ny * sizeof(float), y, 1, &ev, NULL);
    clconv_fi_clReleaseEvent(ev);
    if (e) {
        fail_at(s, S_READ, CLCONV_OPENCL_ERROR);
        goto out;
    }
    ok = 1;
compare:
    output_ok(c, y, &s->err);
out:
    free(y);
    return ok;
}

static void destroy_run(run_state *s)
{
    clconv_plan_destroy(s->plan);
    clconv_deform_plan_destroy(s->dplan);
    s->plan = NULL;
    s->dplan = NULL;
    if (s->bx)
        clReleaseMemObject(s->bx);
    if (s->by)
        clReleaseMemObject(s->by);
    if (s->boff)
        clReleaseMemObject(s->boff);
    if (s->bmask)
        clReleaseMemObject(s->bmask);
    s->bx = s->by = s->boff = s->bmask = NULL;
    clconv_context_destroy(s->ctx);
    s->ctx = NULL;
    if (s->user_queue)
        clReleaseCommandQueue(s->user_queue);
    if (s->user_ctx)
        clReleaseContext(s->user_ctx);
    s->user_queue = NULL;
    s->user_ctx = NULL;
}

static long live_base[CLCONV_FI_KINDS];

static void live_snapshot(void)
{
    for (int k = 0; k < CLCONV_FI_KINDS; k++)
        live_base[k] = clconv_fault_inject_live((clconv_fi_kind)k);
}

/* Every object clconv made since live_snapshot() was released: 1 if so,
 * else prints. */
static int nothing_live(const fi_case *c, long n, int uses_clblast)
{
    static const char *kind[] = {"context", "queue", "buffer", "program", "kernel", "event"};
    int ok = 1;
    for (int k = 0; k < CLCONV_FI_KINDS; k++) {
        const long live = clconv_fault_inject_live((clconv_fi_kind)k) - live_base[k];
        if (k == CLCONV_FI_EVENT && uses_clblast ? live > 0 : live != 0) {
            printf("FAIL %s n=%ld: %ld %s(s) of clconv's still live after destroy\n", c->name, n,
                   live, kind[k]);
            test_failures++;
            ok = 0;
        }
    }
    return ok;
}

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* The walk of one case; returns the number of injection points tried. */
static long walk(fi_case *c, long stride)
{
    run_state s;
    const double t0 = now_s();
    /* warm-up: fills the case's disk cache (and PoCL's), uninjected */
    memset(&s, 0, sizeof s);
    clconv_fault_inject_set(0);
    if (!run_from(c, &s, S_CONTEXT) || !(s.err <= c->tol)) {
        printf("FAIL %s: the uninjected run: step %s: %s (err %.3g)\n", c->name,
               step_name[s.failed_step], s.message, s.err);
        test_failures++;
        destroy_run(&s);
        return 0;
    }
    destroy_run(&s);
    /* count */
    memset(&s, 0, sizeof s);
    live_snapshot();
    clconv_fault_inject_set(0);
    run_from(c, &s, S_CONTEXT);
    const long count = clconv_fault_inject_count();
    const int clblast = s.uses_clblast;
    destroy_run(&s);
    nothing_live(c, 0, clblast);
    long tried = 0, errors = 0, recovered = 0;
    for (long n = 1; n <= count; n += stride) {
        memset(&s, 0, sizeof s);
        live_snapshot();
        clconv_fault_inject_set(n);
        const int ok = run_from(c, &s, S_CONTEXT);
        const char *hit = clconv_fault_inject_hit();
        clconv_fault_inject_set(0);
        tried++;
        if (!hit) {
            printf("FAIL %s n=%ld: the call was never made (%ld calls this time, %ld counted)\n",
                   c->name, n, clconv_fault_inject_count(), count);
            test_failures++;
        }
        if (ok) {
            recovered++;
            if (!(s.err <= c->tol)) {
                printf("FAIL %s n=%ld (%s): success with a wrong output (err %.3g)\n", c->name, n,
                       hit ? hit : "-", s.err);
                test_failures++;
            }
        } else {
            errors++;
            if (s.status == CLCONV_SUCCESS || !s.message[0]) {
                printf("FAIL %s n=%ld (%s): %s failed with status %d and message \"%s\"\n",
                       c->name, n, hit ? hit : "-", step_name[s.failed_step], (int)s.status,
                       s.message);
                test_failures++;
            }
        }
        if (verbose)
            printf("  %s n=%ld %-28s -> %s%s%s %s\n", c->name, n, hit ? hit : "-",
                   ok ? "success" : step_name[s.failed_step], ok ? "" : ": ",
                   ok ? "" : clconv_status_string(s.status), ok ? "" : s.message);
        if (!ok && s.ctx) {
            /* the same plan (or context) retries from the failed step */
            const int from = s.plan || s.dplan ? s.failed_step : S_PLAN;
            const int step = s.failed_step;
            const char *msg_copy = step_name[step];
            if (!run_from(c, &s, from) || !(s.err <= c->tol)) {
                printf("FAIL %s n=%ld (%s): after a failed %s, the retry: step %s: %s (err %.3g)\n",
                       c->name, n, hit ? hit : "-", msg_copy, step_name[s.failed_step], s.message,
                       s.err);
                test_failures++;
            }
            /* and a fresh plan on the same context */
            clconv_plan_destroy(s.plan);
            clconv_deform_plan_destroy(s.dplan);
            s.plan = NULL;
            s.dplan = NULL;
            if (c->kind != K_CONV_HOST && c->kind != K_SPACE_DEPTH &&
                (!run_from(c, &s, S_PLAN) || !(s.err <= c->tol))) {
                printf("FAIL %s n=%ld (%s): a fresh plan on the same context: step %s: %s "
                       "(err %.3g)\n",
                       c->name, n, hit ? hit : "-", step_name[s.failed_step], s.message, s.err);
                test_failures++;
            }
        }
        const int cb = s.uses_clblast || clblast;
        destroy_run(&s);
        nothing_live(c, n, cb);
    }
    printf("%-15s %4ld OpenCL calls, %4ld injected: %ld errors, %ld recovered (%.1f s)\n",
           c->name, count, tried, errors, recovered, now_s() - t0);
    fflush(stdout);
    return tried;
}

/* ---- cache directory ---------------------------------------------------- */

static void remove_tree(const char *path)
{
    DIR *d = opendir(path);
    if (d) {
        struct dirent *e;
        while ((e = readdir(d))) {
            if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
                continue;
            char p[1024];
            snprintf(p, sizeof p, "%s/%s", path, e->d_name);
            if (e->d_type == DT_DIR)
                remove_tree(p);
            else
                unlink(p);
        }
        closedir(d);
    }
    rmdir(path);
}

int main(int argc, char **argv)
{
    const char *only = NULL;
    for (int i = 1; i + 1 < argc; i++)
        if (!strcmp(argv[i], "--case"))
            only = argv[i + 1];
    const long stride = test_arg_long(argc, argv, "stride", 1);
    const long clblast_stride = test_arg_long(argc, argv, "clblast-stride", stride);
    verbose = (int)test_arg_long(argc, argv, "verbose", 0);
    clconv_fault_inject_queries((int)test_arg_long(argc, argv, "queries", 0));
    size_t ndev = 0;
    if (clconv_device_count(&ndev) || ndev == 0) {
        printf("SKIP: no OpenCL device\n");
        return TEST_SKIP;
    }
    {
        clconv_context *probe = NULL;
        clconv_context_options o;
        clconv_context_options_init(&o);
        o.disable_disk_cache = 1;
        if (clconv_context_create(&o, &probe)) {
            printf("FAIL: clconv_context_create: %s\n", clconv_last_error());
            return 1;
        }
        device = clconv_context_device(probe);
        clconv_context_destroy(probe);
        cl_command_queue_properties qp = 0;
        clGetDeviceInfo(device, CL_DEVICE_QUEUE_PROPERTIES, sizeof qp, &qp, NULL);
        ooo_ok = (qp & CL_QUEUE_OUT_OF_ORDER_EXEC_MODE_ENABLE) != 0;
    }
    const char *tmp = getenv("TMPDIR");
    snprintf(cache_root, sizeof cache_root, "%s/clconv-fi.XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(cache_root)) {
        printf("FAIL: mkdtemp %s\n", cache_root);
        return 1;
    }
    fi_case cases[16];
    memset(cases, 0, sizeof cases);
    const int n = make_cases(cases);
    long total = 0;
    const double t0 = now_s();
    for (int i = 0; i < n; i++) {
        if ((only && strcmp(only, cases[i].name)) || (cases[i].ooo && !ooo_ok))
            continue;
        make_data(&cases[i], 1000 + (uint64_t)i);
        const long st = cases[i].clblast ? clblast_stride : stride;
        total += walk(&cases[i], st < 1 ? 1 : st);
        free_data(&cases[i]);
    }
    remove_tree(cache_root);
    printf("%ld injection points in %.1f s; %d failure(s)\n", total, now_s() - t0, test_failures);
    return test_failures ? 1 : 0;
}
