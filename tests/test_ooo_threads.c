/* Threads sharing one out-of-order queue (the header promises that
 * clconv orders its own launches with events): four threads, each with its
 * own plan on one clconv context made from the caller's out-of-order queue,
 * enqueue over and over and read each result after the plan's event;
 * every result must match the float64 reference.  gemm is the case that
 * once failed about 1 run in 20 (CLBlast takes no wait list; a barrier did
 * not order its kernels on PoCL 3.1); direct and a composite run too. */
#include "algo_check.h"
#include "testutil.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define THREADS 4
#define ROUNDS 25

typedef struct {
    clconv_context *ctx;
    clconv_algorithm algo;
    int id;
    int failures;
    char first[512];
} worker;

static void layer(clconv_conv_desc *d, int id, clconv_algorithm algo)
{
    clconv_conv_desc_init(d, 2);
    d->in_channels = 6 + id;
    d->out_channels = 5 + 2 * id;
    d->in_size[0] = 9 + id;
    d->in_size[1] = 11;
    d->kernel_size[0] = d->kernel_size[1] = 3;
    d->pads_begin[0] = d->pads_begin[1] = d->pads_end[0] = d->pads_end[1] = 1;
    d->has_bias = 1;
    if (algo == CLCONV_ALGO_DILATED_S2B)
        d->dilations[0] = d->dilations[1] = 2, d->pads_begin[0] = d->pads_end[0] = 2,
        d->pads_begin[1] = d->pads_end[1] = 2;
}

static void *run(void *arg)
{
    worker *w = arg;
    clconv_conv_desc d;
    layer(&d, w->id, w->algo);
    const size_t nx = clconv_conv_input_elems(&d), nw = clconv_conv_weight_elems(&d);
    const size_t ny = clconv_conv_output_elems(&d), nb = (size_t)d.out_channels;
    float *x = malloc(nx * sizeof *x), *wt = malloc(nw * sizeof *wt), *b = malloc(nb * sizeof *b);
    float *y = malloc(ny * sizeof *y);
    double *ref = malloc(ny * sizeof *ref);
    clconv_plan *plan = NULL;
    cl_mem bx = NULL, by = NULL;
    if (!x || !wt || !b || !y || !ref) {
        snprintf(w->first, sizeof w->first, "out of host memory");
        w->failures++;
        goto out;
    }
    test_rng r;
    rng_seed(&r, 100 + (uint64_t)w->id);
    rng_fill(&r, x, nx, -1, 1);
    rng_fill(&r, wt, nw, -1, 1);
    rng_fill(&r, b, nb, -1, 1);
    clconv_reference_conv(&d, x, wt, b, ref);
    cl_int err;
    cl_context c = clconv_context_cl_context(w->ctx);
    cl_command_queue q = clconv_context_queue(w->ctx);
    bx = clCreateBuffer(c, CL_MEM_READ_ONLY | CL_MEM_COPY_HOST_PTR, nx * sizeof *x, x, &err);
    by = clCreateBuffer(c, CL_MEM_READ_WRITE, ny * sizeof *y, NULL, &err);
    if (!bx || !by || clconv_plan_create(w->ctx, &d, w->algo, &plan) ||
        clconv_plan_set_weights_host(plan, wt, b)) {
        snprintf(w->first, sizeof w->first, "setup: %s", clconv_last_error());
        w->failures++;
        goto out;
    }
    for (int i = 0; i < ROUNDS; i++) {
        /* poison the output, then run after the poisoning's event */
        poison_nan(y, ny);
        cl_event wrote = NULL, done = NULL;
        err = clEnqueueWriteBuffer(q, by, CL_FALSE, 0, ny * sizeof *y, y, 0, NULL, &wrote);
        clconv_status st = err ? CLCONV_OPENCL_ERROR
                               : clconv_plan_enqueue(plan, bx, by, NULL, 1, &wrote, &done);
        if (!st)
            err = clEnqueueReadBuffer(q, by, CL_TRUE, 0, ny * sizeof *y, y, 1, &done, NULL);
        if (wrote)
            clReleaseEvent(wrote);
        if (done)
            clReleaseEvent(done);
        const double e = st || err ? INFINITY : rel_l2(y, ref, ny);
        if (!(e <= algo_tolerance(w->algo))) {
            if (!w->failures)
                snprintf(w->first, sizeof w->first, "round %d: %s, err %.3g (status %s, cl %d)", i,
                         clconv_algorithm_name(w->algo), e, clconv_status_string(st), (int)err);
            w->failures++;
        }
    }
out:
    clconv_plan_destroy(plan);
    if (bx)
        clReleaseMemObject(bx);
    if (by)
        clReleaseMemObject(by);
    free(x);
    free(wt);
    free(b);
    free(y);
    free(ref);
    return NULL;
}

int main(void)
{
    cl_platform_id plat;
    cl_device_id dev;
    clconv_context *probe = test_context(); /* the default device, or a skip */
    dev = clconv_context_device(probe);
    clGetDeviceInfo(dev, CL_DEVICE_PLATFORM, sizeof plat, &plat, NULL);
    cl_command_queue_properties props = 0;
    clGetDeviceInfo(dev, CL_DEVICE_QUEUE_PROPERTIES, sizeof props, &props, NULL);
    if (!(props & CL_QUEUE_OUT_OF_ORDER_EXEC_MODE_ENABLE)) {
        printf("SKIP: the device has no out-of-order queues\n");
        test_context_release();
        return TEST_SKIP;
    }
    cl_int err;
    cl_context c = clCreateContext(NULL, 1, &dev, NULL, NULL, &err);
    cl_command_queue q =
        c ? clCreateCommandQueue(c, dev, CL_QUEUE_OUT_OF_ORDER_EXEC_MODE_ENABLE, &err) : NULL;
    clconv_context *ctx = NULL;
    clconv_context_options o;
    clconv_context_options_init(&o);
    o.tuning_db = ""; /* heuristics and defaults only */
    o.disable_system_tuning = 1;
    if (!q || clconv_context_create_from_queue(q, &o, &ctx)) {
        printf("FAIL: setup: %d %s\n", (int)err, clconv_last_error());
        return 1;
    }
    static const clconv_algorithm algos[] = {CLCONV_ALGO_GEMM, CLCONV_ALGO_DIRECT,
                                             CLCONV_ALGO_DILATED_S2B};
    for (size_t a = 0; a < sizeof algos / sizeof *algos; a++) {
        worker w[THREADS];
        pthread_t t[THREADS];
        for (int i = 0; i < THREADS; i++) {
            memset(&w[i], 0, sizeof w[i]);
            w[i].ctx = ctx;
            w[i].algo = algos[a];
            w[i].id = i;
            pthread_create(&t[i], NULL, run, &w[i]);
        }
        int fails = 0;
        for (int i = 0; i < THREADS; i++) {
            pthread_join(t[i], NULL);
            if (w[i].failures) {
                FAILF("thread %d (%s): %d of %d runs wrong; first: %s", i,
                      clconv_algorithm_name(algos[a]), w[i].failures, ROUNDS, w[i].first);
                fails += w[i].failures;
            }
        }
        printf("%-12s %d threads x %d runs on one out-of-order queue: %d wrong\n",
               clconv_algorithm_name(algos[a]), THREADS, ROUNDS, fails);
    }
    clconv_context_destroy(ctx);
    clReleaseCommandQueue(q);
    clReleaseContext(c);
    test_context_release();
    if (test_failures) {
        printf("%d failures\n", test_failures);
        return 1;
    }
    printf("test_ooo_threads: all passed\n");
    return 0;
}
