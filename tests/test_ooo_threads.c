/* Threads sharing one out-of-order queue (the header promises that
 * clconv orders its own launches with events): four threads, each with its
 * own plan on one clconv context made from the caller's out-of-order queue,
 * enqueue over and over and read each result after the plan's event;
 * every result must match the float64 reference.  gemm is the case that
 * once failed about 1 run in 20 (CLBlast takes no wait list; a barrier did
 * not order its kernels on PoCL 3.1); direct and a composite run too. */
#include "conv_tester.h"
#include "testutil.h"

#include <pthread.h>
#include <stdio.h>

#define THREADS 4
#define ROUNDS 25

typedef struct {
    clconv_context *ctx;
    clconv_algorithm algo;
    int id;
    int failures; /* wrong runs; ROUNDS when the run could not start */
} worker;

/* Each thread its own layer: a 3x3 convolution (dilation 2 for s2b). */
static void *run(void *arg)
{
    worker *w = arg;
    const int dil = w->algo == CLCONV_ALGO_DILATED_S2B ? 2 : 1;
    const clconv_conv_desc d = conv_tester_desc((clconv_conv_desc){
        .in_channels = 6 + w->id, .out_channels = 5 + 2 * w->id, .in_size = {9 + w->id, 11},
        .kernel_size = {3, 3}, .dilations = {dil, dil}, .pads_begin = {dil, dil},
        .pads_end = {dil, dil}, .has_bias = 1});
    char label[32];
    snprintf(label, sizeof label, "thread%d", w->id);
    /* each round: poison the output, then run after the poisoning's event */
    conv_tester t = {.desc = &d, .algo = w->algo, .seed = 100 + (uint64_t)w->id, .label = label,
                     .weights_on_host = 1, .out_of_order = 1, .rounds = ROUNDS};
    const int rc = conv_tester_run(w->ctx, &t);
    w->failures = t.failed_rounds ? t.failed_rounds : rc != CONV_TESTER_PASS ? ROUNDS : 0;
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
            w[i] = (worker){.ctx = ctx, .algo = algos[a], .id = i};
            pthread_create(&t[i], NULL, run, &w[i]);
        }
        int fails = 0;
        for (int i = 0; i < THREADS; i++) {
            pthread_join(t[i], NULL);
            if (w[i].failures) {
                FAILF("thread %d (%s): %d of %d runs wrong (the first printed above)", i,
                      clconv_algorithm_name(algos[a]), w[i].failures, ROUNDS);
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
