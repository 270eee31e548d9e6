/* Tensors past 2^31 bytes: convolutions whose OUTPUT is larger than 2 GiB,
 * run with AUTO and with `direct`, checked on samples against a scalar
 * float64 computation done here.
 *
 *   "image": N1 C1 8200x8200 -> K8, 3x3, pads 1, bias: 2.15 GB of output,
 *            the 2^31-byte boundary inside the last channel's plane.
 *   "batch": N9 C2 2920x2920 -> K8, groups 2 (depthwise, channel
 *            multiplier 4: AUTO runs `depthwise`), 3x3, pads 1, bias,
 *            leaky_relu; input and output at odd element offsets (5, 3) in
 *            their buffers: 2.46 GB of output, the ninth batch item starts
 *            2.18 GB into it.
 *   "transposed": ConvTranspose N1 C2 8200x8200 -> K2 16400x16400, 3x3,
 *            stride 2, pads 1, output_padding 1, bias, clip; output at
 *            element offset 1: 2.15 GB (AUTO runs `deconv_d2s`).
 * Samples: windows at the tensor's start and end (its very last elements),
 * around the element at byte 2^31 of the buffer, around every batch item
 * and channel plane start, and 1500 random elements; each window is NaN
 * before the run, so an element that is not written fails too.  The input
 * is a hash of the element index (no host copy of it is kept), the weights
 * and bias seeded random.
 *
 * The cases share one input, one output and one workspace buffer (each
 * the largest a case needs; 5.8 GB in all on PoCL, 2.7 GB of it
 * deconv_d2s's workspace), since touching fresh pages is most of the run
 * time on PoCL.  A case is skipped, with the reason, when one of its
 * buffers is above CL_DEVICE_MAX_MEM_ALLOC_SIZE or when, with it, the
 * shared buffers would exceed CL_DEVICE_GLOBAL_MEM_SIZE or (CPU device)
 * the host's MemAvailable less 1 GiB.  Exit 77 when no case ran.
 *
 * PoCL derives its limits from the hwloc topology (max alloc = global / 4
 * rounded up to a power of two; 2 GiB on a 6 GB node), so with
 * CLCONV_TEST_POCL_MEMORY_GIB=G (tests/CMakeLists.txt sets it) the test
 * sets HWLOC_SYNTHETIC="numa:1(memory=G GiB) pu:<CPUs>" before OpenCL
 * starts, unless HWLOC_SYNTHETIC or HWLOC_XMLFILE is already set: PoCL's
 * allocation limit then allows these buffers, and the MemAvailable check
 * above guards the real memory.  Other drivers do not read hwloc.
 *
 *   test_big_tensor [--case image|batch|transposed] [--seed N] [--samples N] */
#define _GNU_SOURCE /* sched_getaffinity, CPU_COUNT */
#include "testutil.h"

#include <math.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define GIB ((size_t)1 << 30)
#define WINDOW 48 /* elements per sample window */
#define MAX_WINDOWS 64

typedef struct {
    const char *name;
    clconv_conv_desc d;
    size_t x_off, y_off; /* element offsets of input and output in their buffers */
} big_case;

typedef struct {
    size_t start, len; /* elements of the output tensor */
} window;

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* ---- the host's memory and PoCL's view of it -------------------------------- */

/* MemAvailable in bytes, or 0 if unknown. */
static size_t mem_available(void)
{
    FILE *f = fopen("/proc/meminfo", "r");
    if (!f)
        return 0;
    char line[256];
    unsigned long long kb = 0;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "MemAvailable: %llu kB", &kb) == 1)
            break;
    fclose(f);
    return (size_t)kb * 1024;
}

static void pocl_memory(void)
{
    const char *env = getenv("CLCONV_TEST_POCL_MEMORY_GIB");
    long gib = env ? strtol(env, NULL, 10) : 0;
    if (gib <= 0)
        return;
    if (getenv("HWLOC_SYNTHETIC") || getenv("HWLOC_XMLFILE")) {
        printf("note: HWLOC_SYNTHETIC / HWLOC_XMLFILE already set; not overriding\n");
        return;
    }
    cpu_set_t set;
    long cpus = sched_getaffinity(0, sizeof set, &set) == 0 ? CPU_COUNT(&set)
                                                            : sysconf(_SC_NPROCESSORS_ONLN);
    if (cpus < 1)
        cpus = 1;
    char topo[128];
    snprintf(topo, sizeof topo, "numa:1(memory=%llu) pu:%ld", (unsigned long long)gib << 30, cpus);
    setenv("HWLOC_SYNTHETIC", topo, 1);
    printf("note: HWLOC_SYNTHETIC=\"%s\" (PoCL's allocation limits; the host's MemAvailable is "
           "checked separately)\n",
           topo);
}

/* ---- data --------------------------------------------------------------------- */

/* The input element at index i of the tensor: 24 random bits as a float
 * in [-1, 1), exact. */
static float x_at(uint64_t seed, size_t i)
{
    uint64_t z = (uint64_t)i + (seed + 1) * 0x9E3779B97F4A7C15ull;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    z ^= z >> 31;
    return (float)((double)(z >> 40) / 8388608.0 - 1.0);
}

/* Writes the input into buf at element offset x_off, in 16 MiB chunks. */
static int fill_input(cl_command_queue q, cl_mem buf, size_t x_off, size_t n, uint64_t seed)
{
    const size_t chunk = (size_t)1 << 22;
    float *h = malloc(chunk * sizeof *h);
    if (!h) {
        FAILF("out of host memory");
        return 0;
    }
    cl_int err = CL_SUCCESS;
    for (size_t s = 0; s < n && err == CL_SUCCESS; s += chunk) {
        const size_t m = n - s < chunk ? n - s : chunk;
        for (size_t i = 0; i < m; i++)
            h[i] = x_at(seed, s + i);
        err = clEnqueueWriteBuffer(q, buf, CL_TRUE, (x_off + s) * sizeof(float), m * sizeof(float),
                                   h, 0, NULL, NULL);
    }
    free(h);
    if (err != CL_SUCCESS)
        FAILF("clEnqueueWriteBuffer of the input: %d", err);
    return err == CL_SUCCESS;
}

/* ---- the float64 value of one output element -------------------------------------- */

typedef struct {
    const big_case *c;
    int out[2];
    const float *w, *b;
    uint64_t seed;
} ref_ctx;

/* The input coordinate that tap kk of an axis reads for output o: 1 and
 * *i if it reads one (Conv: o*s - pb + kk*d inside the input;
 * ConvTranspose: o = i*s - pb + kk*d for an i inside). */
static int in_coord(const clconv_conv_desc *d, int axis, long o, int kk, long *i)
{
    const long s = d->strides[axis], pb = d->pads_begin[axis], dl = d->dilations[axis];
    const long in = d->in_size[axis];
    if (!d->transposed) {
        *i = o * s - pb + kk * dl;
        return *i >= 0 && *i < in;
    }
    const long num = o + pb - kk * dl;
    if (num < 0 || num % s)
        return 0;
    *i = num / s;
    return *i < in;
}

/* Rank 2, Conv or ConvTranspose, NOTSET pads; *mag: the sum of the
 * magnitudes of the terms (for the tolerance). */
static double ref_at(const ref_ctx *r, size_t e, double *mag)
{
    const clconv_conv_desc *d = &r->c->d;
    const size_t OH = (size_t)r->out[0], OW = (size_t)r->out[1];
    const size_t ow = e % OW, oh = e / OW % OH, k = e / (OW * OH) % (size_t)d->out_channels;
    const size_t n = e / (OW * OH * (size_t)d->out_channels);
    const int cg = d->in_channels / d->groups, kg = d->out_channels / d->groups;
    const int g = (int)k / kg, KH = d->kernel_size[0], KW = d->kernel_size[1];
    const size_t H = (size_t)d->in_size[0], W = (size_t)d->in_size[1];
    double s = d->has_bias ? (double)r->b[k] : 0.0;
    *mag = fabs(s);
    for (int c = 0; c < cg; c++) {
        const size_t ci = (size_t)(g * cg + c);
        for (int kh = 0; kh < KH; kh++) {
            long ih, iw;
            if (!in_coord(d, 0, (long)oh, kh, &ih))
                continue;
            for (int kw = 0; kw < KW; kw++) {
                if (!in_coord(d, 1, (long)ow, kw, &iw))
                    continue;
                const size_t xi = ((n * (size_t)d->in_channels + ci) * H + (size_t)ih) * W +
                                  (size_t)iw;
                /* Conv: w[K][C/G][kH][kW]; ConvTranspose: w[C][K/G][kH][kW] */
                const size_t kl = k - (size_t)g * kg; /* k within its group */
                const size_t wi = d->transposed ? ((ci * (size_t)kg + kl) * KH + kh) * KW + kw
                                                : ((k * (size_t)cg + c) * KH + kh) * KW + kw;
                const double t = (double)x_at(r->seed, xi) * (double)r->w[wi];
                s += t;
                *mag += fabs(t);
            }
        }
    }
    switch (d->activation) {
    case CLCONV_ACTIVATION_RELU: return s > 0 ? s : 0;
    case CLCONV_ACTIVATION_LEAKY_RELU: return s >= 0 ? s : d->activation_alpha * s;
    case CLCONV_ACTIVATION_CLIP:
        return fmin(fmax(s, d->activation_alpha), d->activation_beta);
    case CLCONV_ACTIVATION_NONE: break;
    }
    return s;
}

/* ---- samples ------------------------------------------------------------------ */

static void add_window(window *w, int *n, size_t center, size_t before, size_t total)
{
    if (*n >= MAX_WINDOWS)
        return;
    size_t s = center > before ? center - before : 0;
    if (s + WINDOW > total)
        s = total > WINDOW ? total - WINDOW : 0;
    w[*n].start = s;
    w[*n].len = total < WINDOW ? total : WINDOW;
    ++*n;
}

static int make_windows(const big_case *c, const int out[2], size_t total, window *w)
{
    int n = 0;
    const size_t plane = (size_t)out[0] * out[1];
    const size_t item = plane * (size_t)c->d.out_channels;
    add_window(w, &n, 0, 0, total);              /* the first elements */
    add_window(w, &n, total, WINDOW, total);     /* the very last ones */
    const size_t b31 = ((size_t)1 << 29) - c->y_off; /* the element at byte 2^31 of the buffer */
    if (b31 < total)
        add_window(w, &n, b31, WINDOW / 2, total);
    const size_t b32 = ((size_t)1 << 30) - c->y_off; /* and at 2^32, if there is one */
    if (b32 < total)
        add_window(w, &n, b32, WINDOW / 2, total);
    for (int i = 1; i < c->d.batch; i++) /* batch items start */
        add_window(w, &n, (size_t)i * item, WINDOW / 2, total);
    for (int k = 1; k < c->d.out_channels; k++) /* channel planes of the last item */
        add_window(w, &n, total - item + (size_t)k * plane, WINDOW / 2, total);
    return n;
}

/* ---- one case ------------------------------------------------------------------- */

typedef struct {
    cl_device_id dev;
    cl_ulong max_alloc, global;
    int cpu;
} device_limits;

/* One plan on the case's buffers: NaN where the samples are, run, compare. */
static void run_plan(clconv_context *ctx, const big_case *c, clconv_plan *plan,
                     clconv_algorithm algo, const ref_ctx *rc, cl_mem bx, cl_mem by, cl_mem bws,
                     const size_t *rnd, int n_random)
{
    static float nan_win[WINDOW];
    for (int i = 0; i < WINDOW; i++)
        nan_win[i] = NAN;
    cl_command_queue q = clconv_context_queue(ctx);
    const char *an = clconv_algorithm_name(algo);
    const int *out = rc->out;
    const size_t ny = clconv_conv_output_elems(&c->d);
    window win[MAX_WINDOWS];
    const int n_win = make_windows(c, out, ny, win);
    clconv_status st = clconv_plan_set_weights_host(plan, rc->w, rc->b);
    if (st) {
        FAILF("%s %s: set_weights: %s", c->name, an, clconv_last_error());
        return;
    }
    /* NaN where we look, so that an element never written fails */
    cl_int err = CL_SUCCESS;
    for (int i = 0; i < n_win && !err; i++)
        err = clEnqueueWriteBuffer(q, by, CL_FALSE, (c->y_off + win[i].start) * sizeof(float),
                                   win[i].len * sizeof(float), nan_win, 0, NULL, NULL);
    for (int i = 0; i < n_random && !err; i++)
        err = clEnqueueWriteBuffer(q, by, CL_FALSE, (c->y_off + rnd[i]) * sizeof(float),
                                   sizeof(float), nan_win, 0, NULL, NULL);
    if (!err)
        err = clFinish(q);
    if (err) {
        FAILF("%s %s: poisoning the output: %d", c->name, an, err);
        return;
    }
    cl_event ev = NULL;
    const double t = now();
    size_t ws = 0;
    clconv_plan_workspace_size(plan, &ws);
    st = clconv_plan_enqueue_offsets(plan, bx, c->x_off, by, c->y_off, ws ? bws : NULL, 0, 0, NULL,
                                     &ev);
    if (st) {
        FAILF("%s %s: enqueue: %s: %s", c->name, an, clconv_status_string(st),
              clconv_last_error());
        return;
    }
    err = clWaitForEvents(1, &ev);
    clReleaseEvent(ev);
    if (err) {
        FAILF("%s %s: clWaitForEvents: %d", c->name, an, err);
        return;
    }
    const double t_run = now() - t;
    /* the windows, then the random elements */
    long checked = 0, bad = 0;
    double worst = 0.0;
    float got[WINDOW];
    for (int i = 0; i < n_win + n_random; i++) {
        const size_t s0 = i < n_win ? win[i].start : rnd[i - n_win];
        const size_t len = i < n_win ? win[i].len : 1;
        err = clEnqueueReadBuffer(q, by, CL_TRUE, (c->y_off + s0) * sizeof(float),
                                  len * sizeof(float), got, 0, NULL, NULL);
        if (err) {
            FAILF("%s %s: clEnqueueReadBuffer at element %zu: %d", c->name, an, s0, err);
            return;
        }
        for (size_t j = 0; j < len; j++) {
            const size_t e = s0 + j;
            double mag;
            const double want = ref_at(rc, e, &mag);
            const double diff = fabs((double)got[j] - want), tol = 1e-5 * mag + 1e-6;
            checked++;
            if (diff / (mag + 1e-6) > worst)
                worst = diff / (mag + 1e-6);
            if (!(diff <= tol) && bad < 8) {
                const size_t plane = (size_t)out[0] * out[1];
                const size_t k = e / plane % (size_t)c->d.out_channels;
                const size_t n = e / (plane * (size_t)c->d.out_channels);
                printf("FAIL %s %s: y[%zu][%zu][%zu][%zu] (element %zu, byte %zu of the "
                       "buffer) = %.9g, float64 %.9g\n",
                       c->name, an, n, k, e % plane / (size_t)out[1], e % (size_t)out[1], e,
                       (c->y_off + e) * sizeof(float), (double)got[j], want);
            }
            if (!(diff <= tol))
                bad++;
        }
    }
    if (bad)
        FAILF("%s %s: %ld of %ld sampled outputs wrong (seed %llu)", c->name, an, bad, checked,
              (unsigned long long)rc->seed);
    printf("%s %s %s (%s): %ld outputs in %d windows + %d random elements, worst error %.2g of "
           "the terms' magnitude; run %.2f s\n",
           bad ? "FAIL" : "PASS", c->name, an, clconv_plan_describe(plan), checked, n_win,
           n_random, worst, t_run);
}

/* A case's sizes and plans (AUTO, direct), made before any buffer: their
 * workspace sizes are part of the memory needed. */
static const clconv_algorithm algos[2] = {CLCONV_ALGO_AUTO, CLCONV_ALGO_DIRECT};
typedef struct {
    const big_case *c;
    int out[CLCONV_MAX_RANK];
    size_t nx, ny, nw, xb, yb, wsb; /* elements; bytes of the buffers */
    clconv_plan *plans[2];
    int run;
} case_state;

static void prepare_case(clconv_context *ctx, const device_limits *lim, const big_case *c,
                         case_state *cs)
{
    memset(cs, 0, sizeof *cs);
    cs->c = c;
    char ds[512];
    desc_string(&c->d, ds, sizeof ds);
    if (clconv_conv_output_shape(&c->d, cs->out) != CLCONV_SUCCESS) {
        FAILF("%s: %s", c->name, clconv_last_error());
        return;
    }
    cs->nx = clconv_conv_input_elems(&c->d);
    cs->ny = clconv_conv_output_elems(&c->d);
    cs->nw = clconv_conv_weight_elems(&c->d);
    cs->xb = (c->x_off + cs->nx) * sizeof(float);
    cs->yb = (c->y_off + cs->ny) * sizeof(float);
    printf("== %s: %s\n   input %.3f GB, output %.3f GB (%zu elements)\n", c->name, ds,
           (double)cs->xb / 1e9, (double)cs->yb / 1e9, cs->ny);
    if (cs->ny * sizeof(float) <= ((size_t)1 << 31))
        FAILF("%s: the output is not past 2^31 bytes", c->name);
    if (c->d.batch > 1 && (cs->ny / (size_t)c->d.batch * (size_t)(c->d.batch - 1) + c->y_off) *
                                  sizeof(float) <= ((size_t)1 << 31))
        FAILF("%s: the last batch item does not start past byte 2^31", c->name);
    if (cs->xb > lim->max_alloc || cs->yb > lim->max_alloc) { /* no plan needed to know */
        printf("SKIP %s: a buffer of %.3f GB is above CL_DEVICE_MAX_MEM_ALLOC_SIZE (%.3f GB)\n",
               c->name, (double)(cs->xb > cs->yb ? cs->xb : cs->yb) / 1e9,
               (double)lim->max_alloc / 1e9);
        return;
    }
    for (int a = 0; a < 2; a++) {
        clconv_status st = clconv_plan_create(ctx, &c->d, algos[a], &cs->plans[a]);
        size_t ws = 0;
        if (st || (st = clconv_plan_workspace_size(cs->plans[a], &ws))) {
            FAILF("%s: plan_create(%s): %s: %s", c->name, clconv_algorithm_name(algos[a]),
                  clconv_status_string(st), clconv_last_error());
            clconv_plan_destroy(cs->plans[a]);
            cs->plans[a] = NULL;
            continue;
        }
        if (ws > cs->wsb)
            cs->wsb = ws;
        printf("   %-6s -> %s, workspace %.3f GB\n", clconv_algorithm_name(algos[a]),
               clconv_plan_describe(cs->plans[a]), (double)ws / 1e9);
    }
    /* (plan_create refuses a plan whose workspace is above it) */
    cs->run = cs->plans[0] || cs->plans[1];
}

/* The case on the shared buffers (input, output, workspace: each at least
 * as large as the case needs). */
static void run_case(clconv_context *ctx, case_state *cs, cl_mem bx, cl_mem by, cl_mem bws,
                     uint64_t seed, int n_random)
{
    const double t0 = now();
    const big_case *c = cs->c;
    test_rng r;
    rng_seed(&r, seed);
    float *w = malloc(cs->nw * sizeof *w), *b = malloc((size_t)c->d.out_channels * sizeof *b);
    size_t *rnd = malloc((size_t)n_random * sizeof *rnd);
    if (!w || !b || !rnd) {
        FAILF("out of host memory");
    } else {
        rng_fill(&r, w, cs->nw, -1.0f, 1.0f);
        rng_fill(&r, b, (size_t)c->d.out_channels, -1.0f, 1.0f);
        for (int i = 0; i < n_random; i++)
            rnd[i] = (((size_t)rng_u32(&r) << 32) | rng_u32(&r)) % cs->ny;
        const double t = now();
        if (fill_input(clconv_context_queue(ctx), bx, c->x_off, cs->nx, seed)) {
            printf("== %s: input written in %.2f s\n", c->name, now() - t);
            const ref_ctx rc = {c, {cs->out[0], cs->out[1]}, w, b, seed};
            for (int a = 0; a < 2; a++)
                if (cs->plans[a])
                    run_plan(ctx, c, cs->plans[a], algos[a], &rc, bx, by, bws, rnd, n_random);
        }
    }
    free(w);
    free(b);
    free(rnd);
    printf("   %s: %.1f s\n", c->name, now() - t0);
}

static void conv2d(clconv_conv_desc *d, int n, int c, int k, int g, int hw)
{
    clconv_conv_desc_init(d, 2);
    d->batch = n;
    d->in_channels = c;
    d->out_channels = k;
    d->groups = g;
    d->in_size[0] = d->in_size[1] = hw;
    d->kernel_size[0] = d->kernel_size[1] = 3;
    for (int i = 0; i < 2; i++)
        d->pads_begin[i] = d->pads_end[i] = 1;
    d->has_bias = 1;
}

int main(int argc, char **argv)
{
    pocl_memory(); /* before anything starts OpenCL */
    const uint64_t seed = test_seed(argc, argv, 31);
    const int n_random = (int)test_arg_long(argc, argv, "samples", 1500);
    const char *only = NULL;
    for (int i = 1; i + 1 < argc; i++)
        if (!strcmp(argv[i], "--case"))
            only = argv[i + 1];

    enum { N_CASES = 3 };
    big_case cases[N_CASES];
    memset(cases, 0, sizeof cases);
    cases[0].name = "image";
    conv2d(&cases[0].d, 1, 1, 8, 1, 8200);
    cases[1].name = "batch";
    conv2d(&cases[1].d, 9, 2, 8, 2, 2920);
    cases[1].d.activation = CLCONV_ACTIVATION_LEAKY_RELU;
    cases[1].d.activation_alpha = 0.125f;
    cases[1].x_off = 5;
    cases[1].y_off = 3;
    cases[2].name = "transposed";
    conv2d(&cases[2].d, 1, 2, 2, 1, 8200);
    cases[2].d.transposed = 1;
    cases[2].d.strides[0] = cases[2].d.strides[1] = 2;
    cases[2].d.output_padding[0] = cases[2].d.output_padding[1] = 1;
    cases[2].d.activation = CLCONV_ACTIVATION_CLIP;
    cases[2].d.activation_alpha = -1.5f;
    cases[2].d.activation_beta = 1.5f;
    cases[2].y_off = 1;

    clconv_context *ctx = test_context();
    device_limits lim = {clconv_context_device(ctx), 0, 0, 0};
    cl_device_type type = 0;
    if (clGetDeviceInfo(lim.dev, CL_DEVICE_MAX_MEM_ALLOC_SIZE, sizeof lim.max_alloc,
                        &lim.max_alloc, NULL) != CL_SUCCESS ||
        clGetDeviceInfo(lim.dev, CL_DEVICE_GLOBAL_MEM_SIZE, sizeof lim.global, &lim.global,
                        NULL) != CL_SUCCESS ||
        clGetDeviceInfo(lim.dev, CL_DEVICE_TYPE, sizeof type, &type, NULL) != CL_SUCCESS) {
        printf("FAIL: clGetDeviceInfo of the memory limits failed\n");
        return 1;
    }
    lim.cpu = (type & CL_DEVICE_TYPE_CPU) != 0;
    printf("device %s: max alloc %.3f GB, global memory %.3f GB%s\n",
           clconv_context_device_name(ctx), (double)lim.max_alloc / 1e9, (double)lim.global / 1e9,
           lim.cpu ? " (CPU: host memory)" : "");

    const double t0 = now();
    /* Plans first, then one input, one output and one workspace buffer for
     * every case: touching fresh pages is most of the time on PoCL, so
     * the cases share them. */
    case_state cs[N_CASES];
    size_t xb = 0, yb = 0, wsb = 0;
    int runnable = 0;
    const size_t avail = lim.cpu ? mem_available() : 0;
    for (int i = 0; i < N_CASES; i++) {
        memset(&cs[i], 0, sizeof cs[i]);
        if (only && strcmp(only, cases[i].name))
            continue;
        prepare_case(ctx, &lim, &cases[i], &cs[i]);
        if (!cs[i].run)
            continue;
        /* the shared buffers with this case too, if they still fit */
        const size_t x2 = cs[i].xb > xb ? cs[i].xb : xb, y2 = cs[i].yb > yb ? cs[i].yb : yb;
        const size_t w2 = cs[i].wsb > wsb ? cs[i].wsb : wsb, need = x2 + y2 + w2;
        if (need > lim.global || (lim.cpu && avail && need + GIB > avail)) {
            printf("SKIP %s: with it the buffers need %.3f GB; CL_DEVICE_GLOBAL_MEM_SIZE is "
                   "%.3f GB", cases[i].name, (double)need / 1e9, (double)lim.global / 1e9);
            if (lim.cpu)
                printf(", the host's MemAvailable %.3f GB (1 GiB is kept spare)",
                       (double)avail / 1e9);
            printf("\n");
            cs[i].run = 0;
            continue;
        }
        runnable++;
        xb = x2;
        yb = y2;
        wsb = w2;
    }
    cl_mem bx = NULL, by = NULL, bws = NULL;
    int ran = 0;
    if (runnable) {
        printf("buffers: input %.3f GB, output %.3f GB, workspace %.3f GB\n", (double)xb / 1e9,
               (double)yb / 1e9, (double)wsb / 1e9);
        cl_context cc = clconv_context_cl_context(ctx);
        cl_int err = CL_SUCCESS;
        bx = clCreateBuffer(cc, CL_MEM_READ_ONLY, xb, NULL, &err);
        if (bx)
            by = clCreateBuffer(cc, CL_MEM_READ_WRITE, yb, NULL, &err);
        if (by && wsb)
            bws = clCreateBuffer(cc, CL_MEM_READ_WRITE, wsb, NULL, &err);
        if (!bx || !by || (wsb && !bws)) {
            FAILF("clCreateBuffer of input %.3f GB / output %.3f GB / workspace %.3f GB: %d",
                  (double)xb / 1e9, (double)yb / 1e9, (double)wsb / 1e9, err);
        } else {
            for (int i = 0; i < N_CASES; i++)
                if (cs[i].run) {
                    run_case(ctx, &cs[i], bx, by, bws, seed, n_random);
                    ran++;
                }
        }
    }
    if (bx)
        clReleaseMemObject(bx);
    if (by)
        clReleaseMemObject(by);
    if (bws)
        clReleaseMemObject(bws);
    for (int i = 0; i < N_CASES; i++)
        for (int a = 0; a < 2; a++)
            clconv_plan_destroy(cs[i].plans[a]);
    test_context_release();
    printf("test_big_tensor: %d case(s) ran, %.1f s\n", ran, now() - t0);
    if (test_failures) {
        printf("test_big_tensor: %d failures\n", test_failures);
        return 1;
    }
    if (!ran) {
        printf("SKIP: no case fits this device (see above)\n");
        return TEST_SKIP;
    }
    return 0;
}
