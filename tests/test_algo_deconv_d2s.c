/* deconv_d2s (transposed convolution, stride >= 2, via depth_to_space)
 * against the float64 reference.
 *
 *   test_algo_deconv_d2s [--seed S] [--count N] [--case I] [--named 0|1]
 *
 *  - named cases: strides 2, 3, 4 (and per axis different, one axis 1),
 *    kernels 1..5 divisible and not divisible by the stride, pads (also
 *    >= stride, which trims the phase convolution), output_padding,
 *    output_shape below and above the natural size (negative pads: output
 *    no input reaches gets act(bias)), auto_pad SAME_UPPER / SAME_LOWER /
 *    VALID, input sizes 1, T-1, T, T+1, 2T+3 around T = 8, channels 1, 3,
 *    7, 70, batch, groups, bias with every activation, rank 1 and 3;
 *  - a seeded random sweep (--count cases, default 60) over everything the
 *    algorithm claims; `--seed S --case I` replays case I alone;
 *  - descriptors it must refuse give CLCONV_UNSUPPORTED naming deconv_d2s;
 *  - the launch trace shows the inner convolution and then d2s_scatter,
 *    the description states the zero taps, and a caller workspace poisoned
 *    with NaN still gives the right answer. */
#include "algo_check.h"
#include "internal.h"
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ALGO CLCONV_ALGO_DECONV_D2S

/* Spatial arrays hold `rank` entries.  os: output_shape (all or none). */
typedef struct {
    const char *name;
    int rank, n, c, k, g;
    int in[3], ks[3], s[3], pb[3], pe[3], op[3], os[3];
    clconv_auto_pad auto_pad;
    int bias;
    clconv_activation act;
    float alpha, beta;
} tcase;

static clconv_conv_desc to_desc(const tcase *c)
{
    clconv_conv_desc d;
    clconv_conv_desc_init(&d, c->rank);
    d.transposed = 1;
    d.batch = c->n;
    d.in_channels = c->c;
    d.out_channels = c->k;
    d.groups = c->g ? c->g : 1;
    d.auto_pad = c->auto_pad;
    for (int i = 0; i < c->rank; i++) {
        d.in_size[i] = c->in[i];
        d.kernel_size[i] = c->ks[i];
        d.strides[i] = c->s[i];
        d.pads_begin[i] = c->pb[i];
        d.pads_end[i] = c->pe[i];
        d.output_padding[i] = c->op[i];
        d.output_shape[i] = c->os[i];
    }
    d.has_bias = c->bias;
    d.activation = c->act;
    d.activation_alpha = c->alpha;
    d.activation_beta = c->beta;
    return d;
}

#define R2(a, b) {a, b}
#define NOPAD {0}, {0}, {0}, {0}
static const tcase named[] = {
    /* input sizes around T = 8, the DCGAN shape k4 s2 p1 */
    {"in1", 2, 1, 3, 3, 1, R2(1, 1), R2(4, 4), R2(2, 2), R2(1, 1), R2(1, 1), {0}, {0}, 0, 0, 0, 0, 0},
    {"in7", 2, 1, 3, 7, 1, R2(7, 7), R2(4, 4), R2(2, 2), R2(1, 1), R2(1, 1), {0}, {0}, 0, 0, 0, 0, 0},
    {"in8", 2, 1, 7, 3, 1, R2(8, 8), R2(4, 4), R2(2, 2), R2(1, 1), R2(1, 1), {0}, {0}, 0, 0, 0, 0, 0},
    {"in9", 2, 1, 7, 7, 1, R2(9, 9), R2(4, 4), R2(2, 2), R2(1, 1), R2(1, 1), {0}, {0}, 0, 0, 0, 0, 0},
    {"in19", 2, 1, 7, 7, 1, R2(19, 8), R2(4, 4), R2(2, 2), R2(1, 1), R2(1, 1), {0}, {0}, 0, 0, 0, 0,
     0},
    /* kernels 1..5 at stride 2, divisible and not */
    {"k1s2", 2, 1, 3, 7, 1, R2(9, 8), R2(1, 1), R2(2, 2), NOPAD, 0, 0, 0, 0, 0},
    {"k2s2", 2, 1, 3, 7, 1, R2(9, 8), R2(2, 2), R2(2, 2), NOPAD, 0, 0, 0, 0, 0},
    {"k3s2", 2, 1, 7, 3, 1, R2(9, 8), R2(3, 3), R2(2, 2), R2(1, 1), R2(1, 1), R2(1, 1), {0}, 0, 0, 0,
     0, 0},
    {"k5s2", 2, 1, 3, 3, 1, R2(9, 7), R2(5, 5), R2(2, 2), R2(2, 2), R2(2, 2), R2(1, 1), {0}, 0, 0, 0,
     0, 0},
    /* strides 3, 4 and per-axis */
    {"k3s3", 2, 1, 3, 7, 1, R2(7, 9), R2(3, 3), R2(3, 3), NOPAD, 0, 0, 0, 0, 0},
    {"k4s3", 2, 1, 3, 3, 1, R2(8, 9), R2(4, 4), R2(3, 3), R2(1, 0), R2(0, 2), R2(2, 1), {0}, 0, 0, 0,
     0, 0},
    {"k5s4", 2, 1, 3, 3, 1, R2(7, 8), R2(5, 5), R2(4, 4), R2(2, 1), R2(1, 2), R2(3, 0), {0}, 0, 0, 0,
     0, 0},
    {"k4s4", 2, 1, 7, 3, 1, R2(8, 9), R2(4, 4), R2(4, 4), NOPAD, 0, 0, 0, 0, 0},
    {"s2x1", 2, 1, 3, 7, 1, R2(9, 8), R2(3, 3), R2(2, 1), R2(1, 1), R2(1, 1), {0}, {0}, 0, 0, 0, 0,
     0},
    {"s1x3_k2x5", 2, 1, 3, 3, 1, R2(7, 9), R2(2, 5), R2(1, 3), R2(0, 2), R2(1, 1), R2(0, 2), {0}, 0,
     0, 0, 0, 0},
    {"k2s4", 2, 1, 3, 3, 1, R2(7, 9), R2(2, 2), R2(4, 4), R2(0, 1), R2(1, 0), R2(3, 2), {0}, 0, 0, 0,
     0, 0},
    /* pads >= stride (trimmed phases), asymmetric */
    {"pads_big", 2, 1, 3, 3, 1, R2(8, 9), R2(5, 5), R2(2, 2), R2(4, 3), R2(2, 4), {0}, {0}, 0, 0, 0,
     0, 0},
    {"pads_asym", 2, 1, 3, 3, 1, R2(8, 9), R2(4, 3), R2(2, 3), R2(0, 2), R2(3, 0), R2(1, 2), {0}, 0,
     0, 0, 0, 0},
    /* output_shape below and above the natural size (negative pads) */
    {"oshape_small", 2, 1, 3, 3, 1, R2(8, 9), R2(3, 3), R2(2, 2), {0}, {0}, {0}, R2(13, 15), 0, 1, 0, 0,
     0},
    {"oshape_big", 2, 1, 3, 3, 1, R2(7, 8), R2(3, 3), R2(2, 2), {0}, {0}, R2(1, 0), R2(19, 22), 0, 1,
     CLCONV_ACTIVATION_RELU, 0, 0},
    {"oshape_upper", 2, 1, 3, 3, 1, R2(7, 8), R2(4, 4), R2(3, 2), {0}, {0}, {0}, R2(24, 20),
     CLCONV_AUTO_PAD_SAME_UPPER, 1, 0, 0, 0},
    /* auto_pad */
    {"same_upper", 2, 1, 3, 7, 1, R2(8, 9), R2(3, 3), R2(2, 2), NOPAD, CLCONV_AUTO_PAD_SAME_UPPER, 0, 0,
     0, 0},
    {"same_lower", 2, 1, 3, 7, 1, R2(8, 9), R2(3, 3), R2(2, 2), NOPAD, CLCONV_AUTO_PAD_SAME_LOWER, 0, 0,
     0, 0},
    {"same_upper_s3k2", 2, 1, 3, 3, 1, R2(7, 9), R2(2, 2), R2(3, 3), NOPAD, CLCONV_AUTO_PAD_SAME_UPPER,
     1, 0, 0, 0},
    {"valid", 2, 1, 3, 3, 1, R2(7, 9), R2(3, 5), R2(2, 3), NOPAD, CLCONV_AUTO_PAD_VALID, 0, 0, 0, 0},
    /* channels */
    {"c1", 2, 1, 1, 1, 1, R2(9, 8), R2(4, 4), R2(2, 2), R2(1, 1), R2(1, 1), {0}, {0}, 0, 1, 0, 0, 0},
    {"c70", 2, 1, 70, 70, 1, R2(8, 9), R2(3, 3), R2(2, 2), R2(1, 1), R2(1, 1), R2(1, 1), {0}, 0, 0, 0,
     0, 0},
    {"c70_k3", 2, 1, 70, 3, 1, R2(9, 8), R2(4, 4), R2(2, 2), R2(1, 1), R2(1, 1), {0}, {0}, 0, 0, 0, 0,
     0},
    /* batch, groups, bias, activations */
    {"batch3", 2, 3, 3, 7, 1, R2(7, 8), R2(4, 4), R2(2, 2), R2(1, 1), R2(1, 1), {0}, {0}, 0, 1, 0, 0,
     0},
    {"groups2", 2, 2, 6, 4, 2, R2(7, 9), R2(3, 3), R2(2, 2), R2(1, 1), R2(1, 1), R2(1, 1), {0}, 0, 1,
     0, 0, 0},
    {"groups3_s3", 2, 1, 9, 6, 3, R2(7, 8), R2(5, 4), R2(3, 3), R2(1, 2), R2(2, 1), R2(1, 2), {0}, 0,
     1, 0, 0, 0},
    {"depthwise", 2, 1, 7, 7, 7, R2(8, 9), R2(4, 4), R2(2, 2), R2(1, 1), R2(1, 1), {0}, {0}, 0, 1, 0,
     0, 0},
    {"relu", 2, 1, 7, 7, 1, R2(8, 9), R2(4, 4), R2(2, 2), R2(1, 1), R2(1, 1), {0}, {0}, 0, 1,
     CLCONV_ACTIVATION_RELU, 0, 0},
    {"clip", 2, 1, 7, 7, 1, R2(8, 9), R2(3, 3), R2(2, 2), R2(1, 1), R2(1, 1), R2(1, 1), {0}, 0, 1,
     CLCONV_ACTIVATION_CLIP, -0.5f, 0.5f},
    {"leaky", 2, 2, 7, 7, 1, R2(8, 9), R2(4, 4), R2(2, 2), R2(1, 1), R2(1, 1), {0}, {0}, 0, 1,
     CLCONV_ACTIVATION_LEAKY_RELU, 0.1f, 0},
    /* rank 1 and 3 */
    {"rank1", 1, 2, 3, 5, 1, {9}, {5}, {3}, {1}, {2}, {1}, {0}, 0, 1, 0, 0, 0},
    {"rank3_k3s2", 3, 1, 3, 4, 1, {4, 5, 6}, {3, 3, 3}, {2, 2, 2}, {1, 1, 1}, {1, 1, 1}, {1, 0, 1},
     {0}, 0, 1, 0, 0, 0},
    {"rank3_mixed", 3, 2, 4, 4, 2, {3, 5, 4}, {2, 4, 3}, {1, 2, 3}, {0, 1, 1}, {1, 1, 0}, {0, 1, 2},
     {0}, 0, 1, CLCONV_ACTIVATION_RELU, 0, 0},
    /* k5 s2: 3x3 sub-kernels, so AUTO's inner convolution is Winograd */
    {"inner_winograd", 2, 1, 16, 16, 1, R2(9, 10), R2(5, 5), R2(2, 2), R2(2, 2), R2(2, 2), R2(1, 1),
     {0}, 0, 1, 0, 0, 0},
    /* the benchmark's shapes, smaller */
    {"dcgan_like", 2, 1, 64, 32, 1, R2(8, 8), R2(4, 4), R2(2, 2), R2(1, 1), R2(1, 1), {0}, {0}, 0, 1,
     CLCONV_ACTIVATION_RELU, 0, 0},
    {"up_k3s2_like", 2, 1, 16, 16, 1, R2(14, 14), R2(3, 3), R2(2, 2), R2(1, 1), R2(1, 1), R2(1, 1),
     {0}, 0, 1, 0, 0, 0},
};

/* A random descriptor the algorithm claims: dilation 1, some stride >= 2,
 * explicit pads, output_shape, or auto_pad. */
static clconv_conv_desc random_desc(test_rng *r)
{
    tcase c;
    memset(&c, 0, sizeof c);
    c.rank = rng_int(r, 1, 3);
    c.n = rng_int(r, 1, 2);
    c.g = rng_int(r, 1, 3);
    c.c = c.g * rng_int(r, 1, 5);
    c.k = c.g * rng_int(r, 1, 5);
    int strided = 0;
    for (int i = 0; i < c.rank; i++) {
        c.in[i] = rng_int(r, 1, c.rank == 3 ? 6 : 14);
        c.ks[i] = rng_int(r, 1, 5);
        c.s[i] = rng_int(r, 1, 4);
        strided |= c.s[i] > 1;
    }
    if (!strided)
        c.s[rng_int(r, 0, c.rank - 1)] = rng_int(r, 2, 4);
    const int mode = rng_int(r, 0, 9); /* 0-4 pads, 5-6 output_shape, 7-9 auto_pad */
    for (int i = 0; i < c.rank; i++) {
        c.op[i] = rng_int(r, 0, c.s[i] - 1);
        const int natural = c.s[i] * (c.in[i] - 1) + c.op[i] + c.ks[i];
        if (mode <= 4) {
            c.pb[i] = rng_int(r, 0, c.ks[i]);
            c.pe[i] = rng_int(r, 0, c.ks[i]);
            while (natural - c.pb[i] - c.pe[i] < 1) /* keep the output non-empty */
                c.pb[i] > 0 ? c.pb[i]-- : c.pe[i]--;
        } else if (mode <= 6) {
            c.os[i] = natural + rng_int(r, -3, 3);
            if (c.os[i] < 1)
                c.os[i] = 1;
        }
    }
    if (mode >= 7)
        c.auto_pad = (clconv_auto_pad)(mode - 6); /* SAME_UPPER, SAME_LOWER, VALID */
    c.bias = rng_int(r, 0, 1);
    c.act = (clconv_activation)rng_int(r, 0, 3);
    c.alpha = c.act == CLCONV_ACTIVATION_CLIP ? -0.5f : 0.2f;
    c.beta = 0.5f;
    return to_desc(&c);
}

static int check_refusals(clconv_context *ctx)
{
    int failed = 0;
    struct {
        const char *name;
        int stride, dilation, transposed;
    } bad[] = {
        {"not_transposed", 2, 1, 0},
        {"stride1", 1, 1, 1},
        {"dilation2", 2, 2, 1},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        clconv_conv_desc d;
        clconv_conv_desc_init(&d, 2);
        d.in_channels = d.out_channels = 4;
        d.in_size[0] = d.in_size[1] = 8;
        d.kernel_size[0] = d.kernel_size[1] = 3;
        d.strides[0] = d.strides[1] = bad[i].stride;
        d.dilations[1] = bad[i].dilation;
        d.transposed = bad[i].transposed;
        clconv_plan *plan = NULL;
        clconv_status st = clconv_plan_create(ctx, &d, ALGO, &plan);
        if (st != CLCONV_UNSUPPORTED || !strstr(clconv_last_error(), "deconv_d2s:")) {
            printf("FAIL refuse/%s: status %s, message \"%s\"\n", bad[i].name,
                   clconv_status_string(st), clconv_last_error());
            failed++;
        }
        clconv_plan_destroy(plan);
    }
    /* Valid, but 60000^2 phases would not fit in a tensor's channels. */
    clconv_conv_desc d;
    clconv_conv_desc_init(&d, 2);
    d.transposed = 1;
    d.in_channels = d.out_channels = 1;
    d.in_size[0] = d.in_size[1] = 1;
    d.kernel_size[0] = d.kernel_size[1] = 2;
    d.strides[0] = d.strides[1] = 60000;
    clconv_status st = clconv_algorithm_supports(ctx, &d, ALGO);
    if (st != CLCONV_UNSUPPORTED || !strstr(clconv_last_error(), "deconv_d2s:")) {
        printf("FAIL refuse/huge_stride: status %s, message \"%s\"\n", clconv_status_string(st),
               clconv_last_error());
        failed++;
    }
    return failed;
}

/* Runs desc with a caller workspace filled with NaN, in a chain after a
 * user event (so the wait list is honoured), with the launch trace on;
 * checks the result, the trace and the description (zero taps). */
static int check_workspace_and_trace(clconv_context *ctx, const clconv_conv_desc *d,
                                     const char *zero_taps, uint64_t seed)
{
    int failed = 1;
    size_t nx = clconv_conv_input_elems(d), nw = clconv_conv_weight_elems(d),
           ny = clconv_conv_output_elems(d), wsb = 0;
    float *x = malloc(nx * 4), *w = malloc(nw * 4), *b = malloc((size_t)d->out_channels * 4),
          *y = malloc(ny * 4), *junk = NULL;
    double *ref = malloc(ny * sizeof *ref);
    clconv_plan *plan = NULL;
    cl_mem bx = NULL, by = NULL, bws = NULL;
    cl_event user = NULL, done = NULL;
    cl_context cc = clconv_context_cl_context(ctx);
    cl_command_queue q = clconv_context_queue(ctx);
    cl_int e1, e2, e3, e4;
    test_rng r;
    rng_seed(&r, seed);
    if (!x || !w || !b || !y || !ref)
        goto done;
    rng_fill(&r, x, nx, -1, 1);
    rng_fill(&r, w, nw, -1, 1);
    rng_fill(&r, b, (size_t)d->out_channels, -1, 1);
    poison_nan(y, ny);
    clconv_status st;
    if ((st = clconv_plan_create(ctx, d, ALGO, &plan)) ||
        (st = clconv_plan_set_weights_host(plan, w, d->has_bias ? b : NULL)) ||
        (st = clconv_plan_workspace_size(plan, &wsb))) {
        printf("FAIL workspace: %s: %s\n", clconv_status_string(st), clconv_last_error());
        goto done;
    }
    if (!wsb || !(junk = malloc(wsb)))
        goto done;
    poison_nan(junk, wsb / 4);
    bx = clCreateBuffer(cc, CL_MEM_READ_ONLY | CL_MEM_COPY_HOST_PTR, nx * 4, x, &e1);
    by = clCreateBuffer(cc, CL_MEM_READ_WRITE | CL_MEM_COPY_HOST_PTR, ny * 4, y, &e2);
    bws = clCreateBuffer(cc, CL_MEM_READ_WRITE | CL_MEM_COPY_HOST_PTR, wsb, junk, &e3);
    user = clCreateUserEvent(cc, &e4);
    if (e1 || e2 || e3 || e4)
        goto done;
    clconv_trace_enable(1);
    st = clconv_plan_enqueue(plan, bx, by, bws, 1, &user, &done);
    clSetUserEventStatus(user, CL_COMPLETE);
    const char *t = clconv_trace_text();
    const char *sc = strstr(t, "d2s_scatter");
    /* The inner convolution ran first, the scatter last. */
    const int trace_ok = sc && sc != t && strchr(sc, '\n') && !strchr(sc, '\n')[1];
    if (!trace_ok)
        printf("FAIL trace: expected the inner convolution, then d2s_scatter:\n%s\n", t);
    clconv_trace_enable(0);
    if (st || !done || clEnqueueReadBuffer(q, by, CL_TRUE, 0, ny * 4, y, 1, &done, NULL)) {
        printf("FAIL workspace: enqueue: %s: %s\n", clconv_status_string(st), clconv_last_error());
        goto done;
    }
    clconv_reference_conv(d, x, w, d->has_bias ? b : NULL, ref);
    double e = rel_l2(y, ref, ny);
    const char *desc = clconv_plan_describe(plan);
    if (!(e <= algo_tolerance(ALGO)))
        printf("FAIL workspace poisoned with NaN: err %.3g seed=%llu\n", e, (unsigned long long)seed);
    else if (!strstr(desc, "deconv_d2s") || !strstr(desc, "inner: ") || !strstr(desc, zero_taps))
        printf("FAIL describe: \"%s\" (expected \"%s\")\n", desc, zero_taps);
    else
        failed = !trace_ok;
    printf("describe: %s\n", desc);
done:
    if (done)
        clReleaseEvent(done);
    if (user)
        clReleaseEvent(user);
    if (bx)
        clReleaseMemObject(bx);
    if (by)
        clReleaseMemObject(by);
    if (bws)
        clReleaseMemObject(bws);
    clconv_plan_destroy(plan);
    free(x);
    free(w);
    free(b);
    free(y);
    free(junk);
    free(ref);
    return failed;
}

int main(int argc, char **argv)
{
    const uint64_t seed = test_seed(argc, argv, 20240613);
    const long count = test_arg_long(argc, argv, "count", 60);
    const long only = test_arg_long(argc, argv, "case", -1);
    const int do_named = (int)test_arg_long(argc, argv, "named", only < 0);
    clconv_context *ctx = test_context();
    int run = 0, failed = 0;
    double worst = 0;

    for (size_t i = 0; do_named && i < sizeof named / sizeof named[0]; i++) {
        clconv_conv_desc d = to_desc(&named[i]);
        char label[64];
        snprintf(label, sizeof label, "named/%s", named[i].name);
        double err = 0;
        check_result r = check_conv(ctx, &d, ALGO, seed + i, label, &err);
        run++;
        if (r == CHECK_UNSUPPORTED)
            printf("FAIL %s: unsupported: %s\n", label, clconv_last_error());
        failed += r != CHECK_PASS;
        worst = err > worst ? err : worst;
    }
    for (long i = 0; i < count; i++) {
        if (only >= 0 && i != only)
            continue;
        test_rng r;
        rng_seed(&r, seed ^ (0x5bd1e995ull * (uint64_t)(i + 1)));
        clconv_conv_desc d = random_desc(&r);
        char label[64];
        snprintf(label, sizeof label, "random/case=%ld", i);
        double err = 0;
        check_result res = check_conv(ctx, &d, ALGO, seed + 1000 + (uint64_t)i, label, &err);
        run++;
        if (res == CHECK_UNSUPPORTED)
            printf("FAIL %s seed=%llu: unsupported: %s\n", label, (unsigned long long)seed,
                   clconv_last_error());
        if (res != CHECK_PASS)
            printf("  replay: test_algo_deconv_d2s --seed %llu --case %ld\n",
                   (unsigned long long)seed, i);
        failed += res != CHECK_PASS;
        worst = err > worst ? err : worst;
    }
    if (only < 0) {
        failed += check_refusals(ctx);
        /* k3 s2 in 2D: 9 of 16 taps real, "zero taps 44%" */
        clconv_conv_desc d = to_desc(&named[7]);
        d.has_bias = 1;
        failed += check_workspace_and_trace(ctx, &d, "zero taps 44%", seed);
    }
    printf("deconv_d2s: %d cases, %d failures, worst relative L2 error %.3g (tolerance %.0e)\n",
           run, failed, worst, algo_tolerance(ALGO));
    test_context_release();
    return failed ? 1 : 0;
}
