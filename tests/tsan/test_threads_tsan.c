/* Threads, as the header's "Threading" rules allow them; run in every build
 * and, in CI, under ThreadSanitizer (.ci/run, tests/tsan.supp):
 *
 *  A. THREADS threads, each with its own in-order queue on one shared
 *     cl_context, each with its own clconv context from
 *     clconv_context_create_from_queue;
 *  B. THREADS threads sharing one clconv context (and its program cache);
 *
 * in both, every thread creates, enqueues and destroys plans of several
 * algorithms (different ones at the same time: thread i starts at case i)
 * for ROUNDS rounds, and every output must be bitwise identical to the
 * output of the same case run first on a single thread (and within the
 * algorithm's tolerance of the float64 reference).
 *
 *   test_threads_tsan [--rounds R] */
#include "algo_check.h"
#include "testutil.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define THREADS 4

typedef struct tcase {
    const char *name;
    clconv_algorithm algo;
    clconv_conv_desc d;
    size_t nx, nw, ny;
    float *x, *w, *b;
    double *ref;
    float *single; /* the single-thread output */
} tcase;

static tcase cases[8];
static int ncases;
static int rounds = 3;

static void add_case(const char *name, clconv_algorithm algo, int c, int k, int hw, int groups,
                     int dil, int transposed, int stride)
{
    tcase *t = &cases[ncases++];
    t->name = name;
    t->algo = algo;
    clconv_conv_desc_init(&t->d, 2);
    t->d.in_channels = c;
    t->d.out_channels = k;
    t->d.in_size[0] = hw;
    t->d.in_size[1] = hw + 1;
    t->d.kernel_size[0] = t->d.kernel_size[1] = 3;
    t->d.groups = groups;
    t->d.dilations[0] = t->d.dilations[1] = dil;
    t->d.transposed = transposed;
    t->d.strides[0] = t->d.strides[1] = stride;
    for (int i = 0; i < 2; i++)
        t->d.pads_begin[i] = t->d.pads_end[i] = transposed ? 0 : dil;
    t->d.has_bias = 1;
    t->nx = clconv_conv_input_elems(&t->d);
    t->nw = clconv_conv_weight_elems(&t->d);
    t->ny = clconv_conv_output_elems(&t->d);
    t->x = malloc(t->nx * sizeof(float));
    t->w = malloc(t->nw * sizeof(float));
    t->b = malloc((size_t)k * sizeof(float));
    t->ref = malloc(t->ny * sizeof(double));
    t->single = malloc(t->ny * sizeof(float));
    if (!t->x || !t->w || !t->b || !t->ref || !t->single) {
        printf("FAIL: out of host memory\n");
        exit(1);
    }
    test_rng r;
    rng_seed(&r, 77 + (uint64_t)ncases);
    rng_fill(&r, t->x, t->nx, -1, 1);
    rng_fill(&r, t->w, t->nw, -1, 1);
    rng_fill(&r, t->b, (size_t)k, -1, 1);
    clconv_reference_conv(&t->d, t->x, t->w, t->b, t->ref);
}

/* One run of case t on ctx: plan, weights, enqueue on the context's queue,
 * read; 0 on success with y filled, else a message in msg. */
static int run_case(clconv_context *ctx, const tcase *t, float *y, char *msg, size_t n)
{
    clconv_plan *plan = NULL;
    cl_mem bx = NULL, by = NULL;
    cl_event ev = NULL;
    cl_int err = CL_SUCCESS;
    int rc = 1;
    cl_context c = clconv_context_cl_context(ctx);
    cl_command_queue q = clconv_context_queue(ctx);
    poison_nan(y, t->ny);
    bx = clCreateBuffer(c, CL_MEM_READ_ONLY | CL_MEM_COPY_HOST_PTR, t->nx * sizeof(float), t->x,
                        &err);
    by = clCreateBuffer(c, CL_MEM_READ_WRITE | CL_MEM_COPY_HOST_PTR, t->ny * sizeof(float), y,
                        &err);
    clconv_status st = CLCONV_OPENCL_ERROR;
    if (!bx || !by)
        snprintf(msg, n, "%s: clCreateBuffer: %d", t->name, (int)err);
    else if ((st = clconv_plan_create(ctx, &t->d, t->algo, &plan)) ||
             (st = clconv_plan_set_weights_host(plan, t->w, t->b)) ||
             (st = clconv_plan_enqueue(plan, bx, by, NULL, 0, NULL, &ev)))
        snprintf(msg, n, "%s: %s: %s", t->name, clconv_status_string(st), clconv_last_error());
    else if ((err = clEnqueueReadBuffer(q, by, CL_TRUE, 0, t->ny * sizeof(float), y, 1, &ev,
                                        NULL)))
        snprintf(msg, n, "%s: clEnqueueReadBuffer: %d", t->name, (int)err);
    else if (plan && clconv_plan_algorithm(plan) != t->algo)
        snprintf(msg, n, "%s: ran %s", t->name, clconv_algorithm_name(clconv_plan_algorithm(plan)));
    else
        rc = 0;
    if (ev)
        clReleaseEvent(ev);
    clconv_plan_destroy(plan);
    if (bx)
        clReleaseMemObject(bx);
    if (by)
        clReleaseMemObject(by);
    return rc;
}

typedef struct worker {
    clconv_context *ctx; /* B: shared; A: made by the thread from queue */
    cl_command_queue queue;
    int id;
    int failures;
    char first[600];
} worker;

static void *work(void *arg)
{
    worker *w = arg;
    clconv_context *own = NULL;
    clconv_context *ctx = w->ctx;
    if (!ctx) {
        clconv_context_options o;
        clconv_context_options_init(&o);
        o.tuning_db = "";
        o.disable_system_tuning = 1;
        if (clconv_context_create_from_queue(w->queue, &o, &own)) {
            snprintf(w->first, sizeof w->first, "create_from_queue: %s", clconv_last_error());
            w->failures++;
            return NULL;
        }
        ctx = own;
    }
    size_t maxy = 0;
    for (int i = 0; i < ncases; i++)
        maxy = cases[i].ny > maxy ? cases[i].ny : maxy;
    float *y = malloc(maxy * sizeof(float));
    char msg[512];
    for (int r = 0; y && r < rounds; r++)
        for (int k = 0; k < ncases; k++) {
            const tcase *t = &cases[(k + w->id + r) % ncases];
            const char *bad = NULL;
            if (run_case(ctx, t, y, msg, sizeof msg))
                bad = msg;
            else if (memcmp(y, t->single, t->ny * sizeof(float))) {
                snprintf(msg, sizeof msg, "%s: differs from the single-thread output (err %.3g)",
                         t->name, rel_l2(y, t->ref, t->ny));
                bad = msg;
            }
            if (bad) {
                if (!w->failures)
                    snprintf(w->first, sizeof w->first, "round %d: %s", r, bad);
                w->failures++;
            }
        }
    free(y);
    clconv_context_destroy(own);
    return NULL;
}

static int run_threads(const char *what, worker *w)
{
    pthread_t th[THREADS];
    int fails = 0;
    for (int i = 0; i < THREADS; i++)
        if (pthread_create(&th[i], NULL, work, &w[i])) {
            printf("FAIL %s: pthread_create\n", what);
            return 1;
        }
    for (int i = 0; i < THREADS; i++) {
        pthread_join(th[i], NULL);
        if (w[i].failures) {
            printf("FAIL %s: thread %d: %d failure(s), first: %s\n", what, i, w[i].failures,
                   w[i].first);
            fails++;
        }
    }
    printf("%s: %d threads x %d rounds x %d cases: %s\n", what, THREADS, rounds, ncases,
           fails ? "FAILED" : "identical to one thread");
    return fails;
}

int main(int argc, char **argv)
{
    rounds = (int)test_arg_long(argc, argv, "rounds", rounds);
    clconv_context *single = test_context(); /* the default device, or a skip */
    add_case("direct", CLCONV_ALGO_DIRECT, 3, 5, 7, 1, 1, 0, 1);
    add_case("gemm", CLCONV_ALGO_GEMM, 4, 6, 6, 1, 1, 0, 1);
    add_case("winograd_f2x2", CLCONV_ALGO_WINOGRAD_F2X2, 3, 4, 8, 1, 1, 0, 1);
    add_case("depthwise", CLCONV_ALGO_DEPTHWISE, 4, 4, 8, 4, 1, 0, 1);
    add_case("dilated_s2b", CLCONV_ALGO_DILATED_S2B, 3, 4, 9, 1, 2, 0, 1);
    add_case("deconv_d2s", CLCONV_ALGO_DECONV_D2S, 3, 4, 5, 1, 1, 1, 2);
    for (int i = 0; i < ncases; i++) {
        char msg[512];
        tcase *t = &cases[i];
        if (run_case(single, t, t->single, msg, sizeof msg)) {
            printf("FAIL single thread: %s\n", msg);
            return 1;
        }
        const double e = rel_l2(t->single, t->ref, t->ny);
        if (!(e <= algo_tolerance(t->algo))) {
            printf("FAIL single thread: %s: err %.3g\n", t->name, e);
            return 1;
        }
    }
    int fails = 0;
    /* A: own queues on one shared cl_context */
    {
        cl_device_id dev = clconv_context_device(single);
        cl_int err;
        cl_context c = clCreateContext(NULL, 1, &dev, NULL, NULL, &err);
        worker w[THREADS];
        memset(w, 0, sizeof w);
        for (int i = 0; c && i < THREADS; i++) {
            w[i].id = i;
            w[i].queue = clCreateCommandQueue(c, dev, 0, &err);
            if (!w[i].queue) {
                printf("FAIL: clCreateCommandQueue: %d\n", (int)err);
                return 1;
            }
        }
        if (!c) {
            printf("FAIL: clCreateContext: %d\n", (int)err);
            return 1;
        }
        fails += run_threads("own queues, one cl_context", w);
        for (int i = 0; i < THREADS; i++)
            clReleaseCommandQueue(w[i].queue);
        clReleaseContext(c);
    }
    /* B: one shared clconv context, fresh (so the threads race to build) */
    {
        clconv_context *ctx = NULL;
        clconv_context_options o;
        clconv_context_options_init(&o);
        o.tuning_db = "";
        o.disable_system_tuning = 1;
        if (clconv_context_create(&o, &ctx)) {
            printf("FAIL: clconv_context_create: %s\n", clconv_last_error());
            return 1;
        }
        worker w[THREADS];
        memset(w, 0, sizeof w);
        for (int i = 0; i < THREADS; i++) {
            w[i].id = i;
            w[i].ctx = ctx;
        }
        fails += run_threads("one shared clconv context", w);
        clconv_context_destroy(ctx);
    }
    test_context_release();
    for (int i = 0; i < ncases; i++) {
        free(cases[i].x);
        free(cases[i].w);
        free(cases[i].b);
        free(cases[i].ref);
        free(cases[i].single);
    }
    return fails ? 1 : 0;
}
