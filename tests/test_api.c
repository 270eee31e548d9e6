/* The public API's lifecycle and contracts: context create/destroy, the
 * descriptor defaults, output shapes on ONNX's own examples, FLOP and
 * element counts, enqueue ordering (a user event in the wait list holds
 * the convolution back; the out event completes with the output), caller
 * workspace vs the plan's own, set_weights replacing weights, the
 * host-array convenience call, and two threads with their own plans on one
 * shared context. */
#define _POSIX_C_SOURCE 200809L /* nanosleep */
#include "algo_check.h"
#include "testutil.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CHECK_ST(call)                                                                             \
    do {                                                                                           \
        clconv_status st_ = (call);                                                                \
        if (st_ != CLCONV_SUCCESS)                                                                 \
            FAILF("%s: %s: %s", #call, clconv_status_string(st_), clconv_last_error());            \
    } while (0)

/* ---- descriptors, shapes, counts (no device) ---------------------------- */

static void conv2d(clconv_conv_desc *d, int c, int k, int h, int w, int kh, int kw)
{
    clconv_conv_desc_init(d, 2);
    d->in_channels = c;
    d->out_channels = k;
    d->in_size[0] = h;
    d->in_size[1] = w;
    d->kernel_size[0] = kh;
    d->kernel_size[1] = kw;
}

static void expect_shape(const char *what, const clconv_conv_desc *d, int o0, int o1, int o2)
{
    int out[3] = {-1, -1, -1}, want[3] = {o0, o1, o2};
    clconv_status st = clconv_conv_output_shape(d, out);
    if (st) {
        FAILF("%s: %s", what, clconv_last_error());
        return;
    }
    for (int i = 0; i < d->rank; i++)
        if (out[i] != want[i])
            FAILF("%s: output_shape[%d] = %d, want %d", what, i, out[i], want[i]);
}

static void expect_pads(const char *what, const clconv_conv_desc *d, const int *pb, const int *pe)
{
    int b[3], e[3];
    clconv_status st = clconv_conv_resolved_pads(d, b, e);
    if (st) {
        FAILF("%s: %s", what, clconv_last_error());
        return;
    }
    for (int i = 0; i < d->rank; i++)
        if (b[i] != pb[i] || e[i] != pe[i])
            FAILF("%s: resolved pads[%d] = %d,%d, want %d,%d", what, i, b[i], e[i], pb[i], pe[i]);
}

static void test_desc(void)
{
    for (int r = 1; r <= 3; r++) {
        clconv_conv_desc d;
        memset(&d, 0x7F, sizeof d); /* init must set every field */
        clconv_conv_desc_init(&d, r);
        CHECK(d.rank == r);
        CHECK(d.batch == 1);
        CHECK(d.groups == 1);
        CHECK(d.auto_pad == CLCONV_AUTO_PAD_NOTSET);
        CHECK(d.transposed == 0);
        CHECK(d.has_bias == 0);
        CHECK(d.activation == CLCONV_ACTIVATION_NONE);
        CHECK(d.in_channels == 0 && d.out_channels == 0);
        for (int i = 0; i < CLCONV_MAX_RANK; i++) {
            CHECK(d.strides[i] == 1);
            CHECK(d.dilations[i] == 1);
            CHECK(d.pads_begin[i] == 0 && d.pads_end[i] == 0);
            CHECK(d.output_padding[i] == 0 && d.output_shape[i] == 0);
            CHECK(d.in_size[i] == 0 && d.kernel_size[i] == 0);
        }
        CHECK(clconv_conv_output_shape(&d, (int[3]){0}) == CLCONV_INVALID_ARGUMENT);
    }
    clconv_context_options o;
    memset(&o, 0x5A, sizeof o);
    clconv_context_options_init(&o);
    CHECK(o.device == NULL && o.cache_dir == NULL && o.disable_disk_cache == 0 &&
          o.enable_profiling == 0 && o.log == NULL && o.log_user == NULL);

    clconv_conv_desc d;
    /* ONNX test_basic_conv_without_padding / with_padding: 5x5, k3 */
    conv2d(&d, 1, 1, 5, 5, 3, 3);
    expect_shape("conv 5x5 k3", &d, 3, 3, 0);
    d.pads_begin[0] = d.pads_begin[1] = d.pads_end[0] = d.pads_end[1] = 1;
    expect_shape("conv 5x5 k3 p1", &d, 5, 5, 0);
    /* test_conv_with_strides_padding: 7x5 k3 p1 s2 -> 4x3; 5x5 -> 3x3 */
    d.strides[0] = d.strides[1] = 2;
    expect_shape("conv 5x5 k3 p1 s2", &d, 3, 3, 0);
    d.in_size[0] = 7;
    expect_shape("conv 7x5 k3 p1 s2", &d, 4, 3, 0);
    /* test_conv_with_strides_no_padding: 7x5 k3 s2 -> 3x2 */
    d.pads_begin[0] = d.pads_begin[1] = d.pads_end[0] = d.pads_end[1] = 0;
    expect_shape("conv 7x5 k3 s2", &d, 3, 2, 0);
    /* test_conv_with_strides_and_asymmetric_padding: pads 1,0,1,0 -> 4x2 */
    d.pads_begin[0] = 1;
    d.pads_end[0] = 1;
    expect_shape("conv 7x5 k3 s2 p1,0,1,0", &d, 4, 2, 0);
    /* test_conv_with_autopad_same: 5x5 k3 s2 SAME_LOWER -> 3x3, pads 1,1 */
    conv2d(&d, 1, 1, 5, 5, 3, 3);
    d.strides[0] = d.strides[1] = 2;
    d.auto_pad = CLCONV_AUTO_PAD_SAME_LOWER;
    expect_shape("conv 5x5 k3 s2 SAME_LOWER", &d, 3, 3, 0);
    expect_pads("conv 5x5 k3 s2 SAME_LOWER", &d, (int[]){1, 1}, (int[]){1, 1});
    /* SAME_UPPER with an odd total puts the extra pad at the end */
    conv2d(&d, 1, 1, 6, 6, 4, 4);
    d.auto_pad = CLCONV_AUTO_PAD_SAME_UPPER;
    expect_shape("conv 6 k4 SAME_UPPER", &d, 6, 6, 0);
    expect_pads("conv 6 k4 SAME_UPPER", &d, (int[]){1, 1}, (int[]){2, 2});
    d.auto_pad = CLCONV_AUTO_PAD_SAME_LOWER;
    expect_pads("conv 6 k4 SAME_LOWER", &d, (int[]){2, 2}, (int[]){1, 1});
    d.auto_pad = CLCONV_AUTO_PAD_VALID;
    expect_shape("conv 6 k4 VALID", &d, 3, 3, 0);
    /* dilation: 7 k3 d2 -> 3 */
    clconv_conv_desc_init(&d, 1);
    d.in_channels = d.out_channels = 1;
    d.in_size[0] = 7;
    d.kernel_size[0] = 3;
    d.dilations[0] = 2;
    expect_shape("conv1d 7 k3 d2", &d, 3, 0, 0);
    /* 3D */
    clconv_conv_desc_init(&d, 3);
    d.in_channels = d.out_channels = 1;
    d.in_size[0] = 4; d.in_size[1] = 5; d.in_size[2] = 6;
    d.kernel_size[0] = d.kernel_size[1] = d.kernel_size[2] = 3;
    expect_shape("conv3d 4x5x6 k3", &d, 2, 3, 4);

    /* ConvTranspose (test_convtranspose: 3x3 k3 -> 5x5) */
    conv2d(&d, 1, 2, 3, 3, 3, 3);
    d.transposed = 1;
    expect_shape("convT 3x3 k3", &d, 5, 5, 0);
    d.strides[0] = d.strides[1] = 2;
    expect_shape("convT 3x3 k3 s2", &d, 7, 7, 0);
    d.output_padding[0] = d.output_padding[1] = 1;
    expect_shape("convT 3x3 k3 s2 op1", &d, 8, 8, 0);
    /* test_convtranspose_pads: 3x3 k3 s3,2 pads 1,2,1,2 -> 7x3 */
    conv2d(&d, 1, 2, 3, 3, 3, 3);
    d.transposed = 1;
    d.strides[0] = 3; d.strides[1] = 2;
    d.pads_begin[0] = 1; d.pads_begin[1] = 2; d.pads_end[0] = 1; d.pads_end[1] = 2;
    expect_shape("convT pads", &d, 7, 3, 0);
    /* test_convtranspose_output_shape: output_shape 10x8 -> pads 0,0 / -1,-1 */
    conv2d(&d, 1, 2, 3, 3, 3, 3);
    d.transposed = 1;
    d.strides[0] = 3; d.strides[1] = 2;
    d.output_shape[0] = 10; d.output_shape[1] = 8;
    expect_shape("convT output_shape", &d, 10, 8, 0);
    expect_pads("convT output_shape", &d, (int[]){0, 0}, (int[]){-1, -1});
    /* test_convtranspose_autopad_same: 3x3 s2 SAME_UPPER -> 6x6 */
    conv2d(&d, 1, 2, 3, 3, 3, 3);
    d.transposed = 1;
    d.strides[0] = d.strides[1] = 2;
    d.auto_pad = CLCONV_AUTO_PAD_SAME_UPPER;
    expect_shape("convT SAME_UPPER", &d, 6, 6, 0);
    expect_pads("convT SAME_UPPER", &d, (int[]){0, 0}, (int[]){1, 1});
    /* test_convtranspose_dilations: 3x3 k2 d2 -> 5x5 */
    conv2d(&d, 1, 1, 3, 3, 2, 2);
    d.transposed = 1;
    d.dilations[0] = d.dilations[1] = 2;
    expect_shape("convT dilations", &d, 5, 5, 0);
    /* test_convtranspose_1d: 5 k3 -> 7 */
    clconv_conv_desc_init(&d, 1);
    d.transposed = 1;
    d.in_channels = 1; d.out_channels = 2;
    d.in_size[0] = 5; d.kernel_size[0] = 3;
    expect_shape("convT 1d", &d, 7, 0, 0);

    /* FLOPs and element counts */
    conv2d(&d, 3, 4, 5, 5, 3, 3);
    d.pads_begin[0] = d.pads_begin[1] = d.pads_end[0] = d.pads_end[1] = 1;
    CHECK(clconv_conv_flops(&d) == 2.0 * 4 * 25 * 3 * 9);
    CHECK(clconv_conv_input_elems(&d) == 75 && clconv_conv_weight_elems(&d) == 108 &&
          clconv_conv_output_elems(&d) == 100);
    d.batch = 3;
    CHECK(clconv_conv_flops(&d) == 3 * 2.0 * 4 * 25 * 3 * 9);
    CHECK(clconv_conv_input_elems(&d) == 225 && clconv_conv_output_elems(&d) == 300);
    d.has_bias = 1;
    d.activation = CLCONV_ACTIVATION_RELU; /* excluded from the count */
    CHECK(clconv_conv_flops(&d) == 3 * 2.0 * 4 * 25 * 3 * 9);
    /* grouped 1x1: C4 K6 g2 4x4 -> 2 * 6 * 16 * (4/2) */
    conv2d(&d, 4, 6, 4, 4, 1, 1);
    d.groups = 2;
    CHECK(clconv_conv_flops(&d) == 2.0 * 6 * 16 * 2);
    CHECK(clconv_conv_weight_elems(&d) == 12);
    /* depthwise 3x3 strided: C8 K8 g8 9x9 k3 s2 -> 4x4 */
    conv2d(&d, 8, 8, 9, 9, 3, 3);
    d.groups = 8;
    d.strides[0] = d.strides[1] = 2;
    CHECK(clconv_conv_flops(&d) == 2.0 * 8 * 16 * 1 * 9);
    /* transposed: every input meets K/G outputs per tap */
    conv2d(&d, 2, 3, 3, 3, 3, 3);
    d.transposed = 1;
    d.strides[0] = d.strides[1] = 2;
    CHECK(clconv_conv_flops(&d) == 2.0 * 2 * 9 * 3 * 9);
    CHECK(clconv_conv_weight_elems(&d) == 2 * 3 * 9);
    CHECK(clconv_conv_output_elems(&d) == 3 * 49);
    /* 3D */
    clconv_conv_desc_init(&d, 3);
    d.in_channels = 2; d.out_channels = 3;
    d.in_size[0] = 4; d.in_size[1] = 5; d.in_size[2] = 6;
    d.kernel_size[0] = d.kernel_size[1] = d.kernel_size[2] = 3;
    CHECK(clconv_conv_flops(&d) == 2.0 * 3 * (2 * 3 * 4) * 2 * 27);
    d.in_size[0] = 0;
    CHECK(clconv_conv_flops(&d) == 0.0);
}

/* ---- device helpers ------------------------------------------------------ */

typedef struct {
    clconv_conv_desc d;
    size_t nx, nw, ny, nb;
    float *x, *w, *w2, *b, *y;
    double *ref;
} problem;

static void problem_make(problem *p, const clconv_conv_desc *d, uint64_t seed)
{
    p->d = *d;
    p->nx = clconv_conv_input_elems(d);
    p->nw = clconv_conv_weight_elems(d);
    p->ny = clconv_conv_output_elems(d);
    p->nb = d->has_bias ? (size_t)d->out_channels : 0;
    p->x = malloc(p->nx * 4);
    p->w = malloc(p->nw * 4);
    p->w2 = malloc(p->nw * 4);
    p->b = p->nb ? malloc(p->nb * 4) : NULL;
    p->y = malloc(p->ny * 4);
    p->ref = malloc(p->ny * sizeof(double));
    test_rng r;
    rng_seed(&r, seed);
    rng_fill(&r, p->x, p->nx, -1, 1);
    rng_fill(&r, p->w, p->nw, -1, 1);
    rng_fill(&r, p->w2, p->nw, -1, 1);
    if (p->b)
        rng_fill(&r, p->b, p->nb, -1, 1);
}

static void problem_free(problem *p)
{
    free(p->x); free(p->w); free(p->w2); free(p->b); free(p->y); free(p->ref);
}

/* rel L2 of y against the reference with weights w (bias p->b). */
static double problem_err(problem *p, const float *y, const float *w)
{
    if (clconv_reference_conv(&p->d, p->x, w, p->b, p->ref))
        return INFINITY;
    return rel_l2(y, p->ref, p->ny);
}

static cl_mem buf(clconv_context *ctx, size_t bytes, const void *host)
{
    cl_int err;
    cl_mem m = clCreateBuffer(clconv_context_cl_context(ctx),
                              CL_MEM_READ_WRITE | (host ? CL_MEM_COPY_HOST_PTR : 0), bytes,
                              (void *)host, &err);
    if (!m) {
        printf("FAIL: clCreateBuffer(%zu): %d\n", bytes, err);
        exit(1);
    }
    return m;
}

static int read_back(clconv_context *ctx, cl_mem m, size_t bytes, void *host)
{
    cl_int e = clEnqueueReadBuffer(clconv_context_queue(ctx), m, CL_TRUE, 0, bytes, host, 0, NULL,
                                   NULL);
    if (e)
        FAILF("clEnqueueReadBuffer: %d", e);
    return e == CL_SUCCESS;
}

static void base_desc(clconv_conv_desc *d)
{
    conv2d(d, 5, 7, 9, 11, 3, 3);
    d->pads_begin[0] = d->pads_begin[1] = d->pads_end[0] = d->pads_end[1] = 1;
    d->has_bias = 1;
    d->activation = CLCONV_ACTIVATION_LEAKY_RELU;
    d->activation_alpha = 0.1f;
}

/* ---- context ------------------------------------------------------------- */

static void test_context_lifecycle(void)
{
    for (int i = 0; i < 2; i++) {
        clconv_context *ctx = NULL;
        clconv_status st = clconv_context_create(NULL, &ctx);
        if (st == CLCONV_DEVICE_NOT_FOUND) {
            printf("SKIP: no OpenCL device: %s\n", clconv_last_error());
            exit(TEST_SKIP);
        }
        if (st) {
            FAILF("context_create: %s", clconv_last_error());
            return;
        }
        const char *name = clconv_context_device_name(ctx);
        CHECK(name && *name);
        CHECK(clconv_context_cl_context(ctx) && clconv_context_queue(ctx) && clconv_context_device(ctx));
        cl_device_id qdev = NULL;
        cl_context qctx = NULL;
        clGetCommandQueueInfo(clconv_context_queue(ctx), CL_QUEUE_DEVICE, sizeof qdev, &qdev, NULL);
        clGetCommandQueueInfo(clconv_context_queue(ctx), CL_QUEUE_CONTEXT, sizeof qctx, &qctx, NULL);
        CHECK(qdev == clconv_context_device(ctx));
        CHECK(qctx == clconv_context_cl_context(ctx));
        if (i == 0)
            printf("device: %s\n", name);
        clconv_context_destroy(ctx);
    }
    /* profiling option reaches the queue */
    clconv_context_options o;
    clconv_context_options_init(&o);
    o.enable_profiling = 1;
    clconv_context *ctx = NULL;
    CHECK_ST(clconv_context_create(&o, &ctx));
    if (ctx) {
        cl_command_queue_properties qp = 0;
        clGetCommandQueueInfo(clconv_context_queue(ctx), CL_QUEUE_PROPERTIES, sizeof qp, &qp, NULL);
        CHECK(qp & CL_QUEUE_PROFILING_ENABLE);
        clconv_context_destroy(ctx);
    }
}

/* ---- events -------------------------------------------------------------- */

/* Completes the gate after a delay unless the test did so first: if
 * enqueue wrongly blocks on its wait list, the test fails instead of
 * hanging. */
typedef struct {
    cl_event gate;
    pthread_mutex_t lock;
    int set, by_watchdog;
} gate_ctl;

static void gate_open(gate_ctl *g, int watchdog)
{
    pthread_mutex_lock(&g->lock);
    if (!g->set) {
        clSetUserEventStatus(g->gate, CL_COMPLETE);
        g->set = 1;
        g->by_watchdog = watchdog;
    }
    pthread_mutex_unlock(&g->lock);
}

static void *watchdog(void *v)
{
    gate_ctl *g = v;
    for (int i = 0; i < 300; i++) { /* 3 s */
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
        pthread_mutex_lock(&g->lock);
        int stop = g->set;
        pthread_mutex_unlock(&g->lock);
        if (stop)
            return NULL;
    }
    gate_open(g, 1);
    return NULL;
}

static size_t count_nonfinite(const float *v, size_t n)
{
    size_t c = 0;
    for (size_t i = 0; i < n; i++)
        c += !isfinite(v[i]);
    return c;
}

static void test_events(clconv_context *ctx)
{
    clconv_conv_desc d;
    base_desc(&d);
    problem p;
    problem_make(&p, &d, 101);
    clconv_plan *plan = NULL;
    CHECK_ST(clconv_plan_create(ctx, &d, CLCONV_ALGO_DIRECT, &plan));
    if (!plan)
        goto out;
    CHECK_ST(clconv_plan_set_weights_host(plan, p.w, p.b));
    poison_nan(p.y, p.ny);
    cl_mem bx = buf(ctx, p.nx * 4, p.x), by = buf(ctx, p.ny * 4, p.y);
    cl_int err;
    cl_event gate = clCreateUserEvent(clconv_context_cl_context(ctx), &err);
    if (!gate) {
        FAILF("clCreateUserEvent: %d", err);
        goto out2;
    }
    gate_ctl g = {.gate = gate};
    pthread_mutex_init(&g.lock, NULL);
    pthread_t wd;
    int have_wd = pthread_create(&wd, NULL, watchdog, &g) == 0;
    cl_event done = NULL;
    CHECK_ST(clconv_plan_enqueue(plan, bx, by, NULL, 1, &gate, &done));
    CHECK(done != NULL);
    pthread_mutex_lock(&g.lock);
    if (g.by_watchdog)
        FAILF("clconv_plan_enqueue blocked until its wait-list event completed");
    pthread_mutex_unlock(&g.lock);
    clFlush(clconv_context_queue(ctx));
    /* Give a conv that ignored the gate time to run, then look. */
    struct timespec ts = {0, 100 * 1000 * 1000};
    nanosleep(&ts, NULL);
    cl_int status = CL_COMPLETE;
    if (done)
        clGetEventInfo(done, CL_EVENT_COMMAND_EXECUTION_STATUS, sizeof status, &status, NULL);
    if (status == CL_COMPLETE || status == CL_RUNNING)
        FAILF("the convolution ran before its wait-list event was complete (status %d)", status);
    /* The output must still be poison: read it through a second queue,
     * which is not ordered behind the gated convolution. */
    cl_command_queue q2 = clCreateCommandQueue(clconv_context_cl_context(ctx),
                                               clconv_context_device(ctx), 0, &err);
    if (q2) {
        float *peek = malloc(p.ny * 4);
        if (clEnqueueReadBuffer(q2, by, CL_TRUE, 0, p.ny * 4, peek, 0, NULL, NULL) == CL_SUCCESS &&
            count_nonfinite(peek, p.ny) != p.ny)
            FAILF("the output was written before the wait-list event completed");
        free(peek);
        clReleaseCommandQueue(q2);
    }
    gate_open(&g, 0);
    if (have_wd)
        pthread_join(wd, NULL);
    pthread_mutex_destroy(&g.lock);
    if (done) {
        CHECK(clWaitForEvents(1, &done) == CL_SUCCESS);
        clGetEventInfo(done, CL_EVENT_COMMAND_EXECUTION_STATUS, sizeof status, &status, NULL);
        CHECK(status == CL_COMPLETE);
        /* read after the event, with the event as the read's wait list */
        CHECK(clEnqueueReadBuffer(clconv_context_queue(ctx), by, CL_TRUE, 0, p.ny * 4, p.y, 1,
                                  &done, NULL) == CL_SUCCESS);
        double e = problem_err(&p, p.y, p.w);
        if (!(e <= algo_tolerance(CLCONV_ALGO_DIRECT)))
            FAILF("gated enqueue: err %.3g", e);
        clReleaseEvent(done);
    }
    /* event == NULL is allowed */
    CHECK_ST(clconv_plan_enqueue(plan, bx, by, NULL, 0, NULL, NULL));
    CHECK(clFinish(clconv_context_queue(ctx)) == CL_SUCCESS);
    /* a chain of two enqueues through events */
    cl_event e1 = NULL, e2 = NULL;
    CHECK_ST(clconv_plan_enqueue(plan, bx, by, NULL, 0, NULL, &e1));
    if (e1) {
        CHECK_ST(clconv_plan_enqueue(plan, bx, by, NULL, 1, &e1, &e2));
        if (e2) {
            CHECK(clWaitForEvents(1, &e2) == CL_SUCCESS);
            clReleaseEvent(e2);
        }
        clReleaseEvent(e1);
    }
    clReleaseEvent(gate);
out2:
    clReleaseMemObject(bx);
    clReleaseMemObject(by);
out:
    clconv_plan_destroy(plan);
    problem_free(&p);
}

/* ---- workspace and weights ----------------------------------------------- */

/* Runs plan on p with workspace ws (NULL: the plan's own); returns err. */
static double run_plan(clconv_context *ctx, clconv_plan *plan, problem *p, cl_mem ws,
                       const float *w)
{
    poison_nan(p->y, p->ny);
    cl_mem bx = buf(ctx, p->nx * 4, p->x), by = buf(ctx, p->ny * 4, p->y);
    double e = INFINITY;
    cl_event ev = NULL;
    clconv_status st = clconv_plan_enqueue(plan, bx, by, ws, 0, NULL, &ev);
    if (st) {
        FAILF("enqueue: %s", clconv_last_error());
    } else {
        clWaitForEvents(1, &ev);
        clReleaseEvent(ev);
        if (read_back(ctx, by, p->ny * 4, p->y))
            e = problem_err(p, p->y, w);
    }
    clReleaseMemObject(bx);
    clReleaseMemObject(by);
    return e;
}

static void test_workspace(clconv_context *ctx)
{
    /* descriptors that make the composite and transform algorithms need
     * scratch memory */
    clconv_conv_desc ds[3];
    base_desc(&ds[0]);
    ds[0].in_channels = 8;
    ds[0].out_channels = 8;
    base_desc(&ds[1]);
    ds[1].dilations[0] = ds[1].dilations[1] = 2;
    ds[1].pads_begin[0] = ds[1].pads_begin[1] = ds[1].pads_end[0] = ds[1].pads_end[1] = 2;
    base_desc(&ds[2]);
    ds[2].transposed = 1;
    ds[2].strides[0] = ds[2].strides[1] = 2;
    int with_ws = 0;
    for (int i = 0; i < 3; i++) {
        for (int a = 0; a < CLCONV_ALGO_COUNT; a++) {
            clconv_plan *plan = NULL;
            if (clconv_plan_create(ctx, &ds[i], (clconv_algorithm)a, &plan) != CLCONV_SUCCESS)
                continue;
            size_t bytes = 0;
            CHECK_ST(clconv_plan_workspace_size(plan, &bytes));
            problem p;
            problem_make(&p, &ds[i], 200 + (uint64_t)i);
            CHECK_ST(clconv_plan_set_weights_host(plan, p.w, p.b));
            clconv_algorithm ran = clconv_plan_algorithm(plan);
            double tol = algo_tolerance(ran);
            double e0 = run_plan(ctx, plan, &p, NULL, p.w);
            float *y0 = malloc(p.ny * 4);
            memcpy(y0, p.y, p.ny * 4);
            /* a caller workspace full of garbage, larger than needed */
            size_t wsb = bytes + 256;
            unsigned char *junk = malloc(wsb);
            memset(junk, 0xFF, wsb); /* NaN bit patterns */
            cl_mem ws = buf(ctx, wsb, junk);
            double e1 = run_plan(ctx, plan, &p, ws, p.w);
            if (!(e0 <= tol) || !(e1 <= tol))
                FAILF("%s case %d: err %.3g (own workspace) / %.3g (caller's, %zu bytes)",
                      clconv_algorithm_name(ran), i, e0, e1, bytes);
            else if (memcmp(y0, p.y, p.ny * 4))
                FAILF("%s case %d: caller workspace and own workspace give different bits",
                      clconv_algorithm_name(ran), i);
            /* and back to the plan's own after a caller's */
            double e2 = run_plan(ctx, plan, &p, NULL, p.w);
            if (!(e2 <= tol))
                FAILF("%s case %d: err %.3g after switching back", clconv_algorithm_name(ran), i, e2);
            with_ws += bytes > 0;
            clReleaseMemObject(ws);
            free(junk);
            free(y0);
            problem_free(&p);
            clconv_plan_destroy(plan);
        }
    }
    printf("workspace: %d plans needed scratch memory\n", with_ws);
}

static void test_set_weights_twice(clconv_context *ctx)
{
    clconv_conv_desc d;
    base_desc(&d);
    problem p;
    problem_make(&p, &d, 300);
    for (int a = 1; a < CLCONV_ALGO_COUNT; a++) {
        clconv_plan *plan = NULL;
        if (clconv_plan_create(ctx, &d, (clconv_algorithm)a, &plan) != CLCONV_SUCCESS)
            continue;
        double tol = algo_tolerance((clconv_algorithm)a);
        const char *an = clconv_algorithm_name((clconv_algorithm)a);
        CHECK_ST(clconv_plan_set_weights_host(plan, p.w, p.b));
        double e = run_plan(ctx, plan, &p, NULL, p.w);
        if (!(e <= tol))
            FAILF("%s: first weights: err %.3g", an, e);
        /* replace by device buffers */
        cl_mem bw2 = buf(ctx, p.nw * 4, p.w2), bb = buf(ctx, p.nb * 4, p.b);
        CHECK_ST(clconv_plan_set_weights(plan, bw2, bb));
        /* the plan must not keep reading the caller's buffer */
        float *zero = calloc(p.nw, 4);
        clEnqueueWriteBuffer(clconv_context_queue(ctx), bw2, CL_TRUE, 0, p.nw * 4, zero, 0, NULL,
                             NULL);
        free(zero);
        e = run_plan(ctx, plan, &p, NULL, p.w2);
        if (!(e <= tol))
            FAILF("%s: second weights not used (err %.3g vs the second weights)", an, e);
        /* and back to the first, from the host */
        CHECK_ST(clconv_plan_set_weights_host(plan, p.w, p.b));
        e = run_plan(ctx, plan, &p, NULL, p.w);
        if (!(e <= tol))
            FAILF("%s: third weights: err %.3g", an, e);
        clReleaseMemObject(bw2);
        clReleaseMemObject(bb);
        clconv_plan_destroy(plan);
    }
    problem_free(&p);
}

static void test_conv_host(clconv_context *ctx)
{
    clconv_conv_desc d;
    base_desc(&d);
    problem p;
    problem_make(&p, &d, 400);
    for (int a = 0; a < CLCONV_ALGO_COUNT; a++) {
        clconv_algorithm ran = (clconv_algorithm)-1;
        poison_nan(p.y, p.ny);
        clconv_status st = clconv_conv_host(ctx, &d, (clconv_algorithm)a, p.x, p.w, p.b, p.y, &ran);
        const char *an = clconv_algorithm_name((clconv_algorithm)a);
        if (st == CLCONV_UNSUPPORTED && a != CLCONV_ALGO_AUTO)
            continue;
        if (st) {
            FAILF("conv_host(%s): %s", an, clconv_last_error());
            continue;
        }
        if (a != CLCONV_ALGO_AUTO && ran != (clconv_algorithm)a)
            FAILF("conv_host(%s): ran = %d", an, (int)ran);
        if (a == CLCONV_ALGO_AUTO && (ran <= CLCONV_ALGO_AUTO || ran >= CLCONV_ALGO_COUNT))
            FAILF("conv_host(auto): ran = %d is not a concrete algorithm", (int)ran);
        double e = problem_err(&p, p.y, p.w);
        if (!(e <= algo_tolerance(a == CLCONV_ALGO_AUTO ? ran : (clconv_algorithm)a)))
            FAILF("conv_host(%s): err %.3g", an, e);
    }
    /* ran may be NULL */
    CHECK_ST(clconv_conv_host(ctx, &d, CLCONV_ALGO_DIRECT, p.x, p.w, p.b, p.y, NULL));
    problem_free(&p);
}

/* ---- threads ------------------------------------------------------------- */

typedef struct {
    clconv_context *ctx;
    int id;
    int iters;
    int fails;
    double worst;
    char msg[256];
} thread_arg;

static void *thread_main(void *v)
{
    thread_arg *t = v;
    clconv_conv_desc d;
    base_desc(&d);
    /* different shapes per thread, and one program variant shared */
    d.out_channels = t->id == 0 ? 7 : 16;
    d.in_size[1] = 11 + 4 * t->id;
    if (t->id == 1) { /* AUTO picks a fast path for this one, if any */
        d.in_channels = 8;
        d.activation = CLCONV_ACTIVATION_CLIP;
        d.activation_alpha = -0.3f;
        d.activation_beta = 0.4f;
    }
    problem p;
    problem_make(&p, &d, 500 + (uint64_t)t->id);
    clconv_plan *plan = NULL;
    clconv_algorithm algo = t->id == 0 ? CLCONV_ALGO_DIRECT : CLCONV_ALGO_AUTO;
    if (clconv_plan_create(t->ctx, &d, algo, &plan)) {
        snprintf(t->msg, sizeof t->msg, "plan_create: %s", clconv_last_error());
        t->fails++;
        goto out;
    }
    if (clconv_plan_set_weights_host(plan, p.w, p.b)) {
        snprintf(t->msg, sizeof t->msg, "set_weights: %s", clconv_last_error());
        t->fails++;
        goto out;
    }
    double tol = algo_tolerance(clconv_plan_algorithm(plan));
    clconv_reference_conv(&d, p.x, p.w, p.b, p.ref);
    cl_int err;
    cl_context cc = clconv_context_cl_context(t->ctx);
    cl_command_queue q = clconv_context_queue(t->ctx);
    cl_mem bx = clCreateBuffer(cc, CL_MEM_READ_ONLY | CL_MEM_COPY_HOST_PTR, p.nx * 4, p.x, &err);
    cl_mem by = clCreateBuffer(cc, CL_MEM_READ_WRITE, p.ny * 4, NULL, &err);
    for (int i = 0; i < t->iters && bx && by; i++) {
        poison_nan(p.y, p.ny);
        clEnqueueWriteBuffer(q, by, CL_FALSE, 0, p.ny * 4, p.y, 0, NULL, NULL);
        cl_event ev = NULL;
        if (clconv_plan_enqueue(plan, bx, by, NULL, 0, NULL, &ev)) {
            snprintf(t->msg, sizeof t->msg, "enqueue: %s", clconv_last_error());
            t->fails++;
            break;
        }
        err = clEnqueueReadBuffer(q, by, CL_TRUE, 0, p.ny * 4, p.y, 1, &ev, NULL);
        clReleaseEvent(ev);
        double e = err ? INFINITY : rel_l2(p.y, p.ref, p.ny);
        if (e > t->worst || isnan(e))
            t->worst = e;
        if (!(e <= tol)) {
            snprintf(t->msg, sizeof t->msg, "iteration %d: err %.3g", i, e);
            t->fails++;
        }
    }
    if (bx) clReleaseMemObject(bx);
    if (by) clReleaseMemObject(by);
out:
    clconv_plan_destroy(plan);
    problem_free(&p);
    return NULL;
}

static void test_threads(void)
{
    /* A fresh context, so that both threads race to build programs too. */
    clconv_context_options o;
    clconv_context_options_init(&o);
    clconv_context *ctx = NULL;
    CHECK_ST(clconv_context_create(&o, &ctx));
    if (!ctx)
        return;
    enum { T = 2 };
    pthread_t th[T];
    thread_arg a[T];
    for (int i = 0; i < T; i++) {
        a[i] = (thread_arg){.ctx = ctx, .id = i, .iters = 25};
        if (pthread_create(&th[i], NULL, thread_main, &a[i])) {
            FAILF("pthread_create");
            a[i].iters = -1;
        }
    }
    for (int i = 0; i < T; i++) {
        if (a[i].iters < 0)
            continue;
        pthread_join(th[i], NULL);
        if (a[i].fails)
            FAILF("thread %d: %d failures: %s", i, a[i].fails, a[i].msg);
        printf("thread %d: worst err %.3g\n", i, a[i].worst);
    }
    clconv_context_destroy(ctx);
}

/* The growth points: version macros and function agree, the algorithm
 * count is the library's, and the device list is what a context opens. */
static void test_versions_and_devices(void)
{
    CHECK(CLCONV_VERSION_NUMBER ==
          CLCONV_VERSION_MAJOR * 10000 + CLCONV_VERSION_MINOR * 100 + CLCONV_VERSION_PATCH);
    CHECK(clconv_version_number() == CLCONV_VERSION_NUMBER);
    CHECK(!strcmp(clconv_version(), CLCONV_VERSION_STRING));
    CHECK(clconv_algorithm_count() == CLCONV_ALGO_COUNT);
    CHECK(clconv_algorithm_name((clconv_algorithm)clconv_algorithm_count()) == NULL);

    CHECK(clconv_device_count(NULL) == CLCONV_INVALID_ARGUMENT);
    CHECK(clconv_device_describe(0, NULL) == CLCONV_INVALID_ARGUMENT);
    size_t n = 0;
    CHECK(clconv_device_count(&n) == CLCONV_SUCCESS);
    CHECK(clconv_device_describe(n, &(clconv_device_info){0}) == CLCONV_INVALID_ARGUMENT);
    CHECK(strstr(clconv_last_error(), "index") != NULL);
    int defaults = 0;
    for (size_t i = 0; i < n; i++) {
        clconv_device_info d;
        if (clconv_device_describe(i, &d) != CLCONV_SUCCESS) {
            FAILF("clconv_device_describe(%zu): %s", i, clconv_last_error());
            continue;
        }
        char id[32];
        snprintf(id, sizeof id, "%u:%u", d.platform_index, d.device_index);
        CHECK(!strcmp(d.id, id));
        CHECK(d.name[0] && d.type[0] && d.platform && d.device);
        defaults += d.is_default;
        /* The id opens that very device. */
        clconv_context_options o;
        clconv_context_options_init(&o);
        o.device = d.id;
        clconv_context *ctx = NULL;
        if (clconv_context_create(&o, &ctx) == CLCONV_SUCCESS) {
            CHECK(clconv_context_device(ctx) == d.device);
            if (d.is_default) {
                clconv_context *def = NULL;
                CHECK(clconv_context_create(NULL, &def) == CLCONV_SUCCESS);
                CHECK(def && clconv_context_device(def) == d.device);
                clconv_context_destroy(def);
            }
            clconv_context_destroy(ctx);
        } else {
            FAILF("device \"%s\": %s", d.id, clconv_last_error());
        }
    }
    CHECK(n == 0 || defaults == 1 || getenv("CLCONV_DEVICE"));
}

int main(void)
{
    test_desc();
    test_versions_and_devices();
    test_context_lifecycle();
    clconv_context *ctx = test_context();
    test_events(ctx);
    test_workspace(ctx);
    test_set_weights_twice(ctx);
    test_conv_host(ctx);
    test_context_release();
    test_threads();
    if (test_failures) {
        printf("test_api: %d failures\n", test_failures);
        return 1;
    }
    printf("test_api: all passed\n");
    return 0;
}
