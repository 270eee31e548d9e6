/* dilated_s2b (stride 1, dilation > 1, via space_to_batch) against the
 * float64 reference.
 *
 *   test_algo_dilated_s2b [--seed S] [--count N] [--case I] [--named 0|1]
 *
 *  - named cases: dilations 2, 3, 6 and different per axis (one axis
 *    undilated too), spatial sizes 1, T-1, T, T+1, 2T+3 around T = 8 (the
 *    inner kernels' run length) that are and are not multiples of d,
 *    channels 1, 3, 7, 70, asymmetric and oversized pads, batch, groups,
 *    bias with every activation, 1x1 / 1xk / 5x5 kernels, rank 1 and 3;
 *  - a seeded random sweep (--count cases, default 50) over everything the
 *    algorithm claims; `--seed S --case I` replays case I alone;
 *  - descriptors it must refuse give CLCONV_UNSUPPORTED naming dilated_s2b;
 *  - the launch trace shows s2b_space_to_batch, the inner convolution and
 *    s2b_batch_to_space; a caller workspace poisoned with NaN still gives
 *    the right answer (nothing reads workspace it did not write). */
#include "algo_check.h"
#include "internal.h"
#include "testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ALGO CLCONV_ALGO_DILATED_S2B

/* Spatial arrays hold `rank` entries; zero dilations mean 1; g 0 means 1. */
typedef struct {
    const char *name;
    int rank, n, c, k, g;
    int in[3], ks[3], d[3], pb[3], pe[3];
    int bias;
    clconv_activation act;
    float alpha, beta;
} scase;

static clconv_conv_desc to_desc(const scase *c)
{
    clconv_conv_desc d;
    clconv_conv_desc_init(&d, c->rank);
    d.batch = c->n;
    d.in_channels = c->c;
    d.out_channels = c->k;
    d.groups = c->g ? c->g : 1;
    for (int i = 0; i < c->rank; i++) {
        d.in_size[i] = c->in[i];
        d.kernel_size[i] = c->ks[i];
        d.dilations[i] = c->d[i] ? c->d[i] : 1;
        d.pads_begin[i] = c->pb[i];
        d.pads_end[i] = c->pe[i];
    }
    d.has_bias = c->bias;
    d.activation = c->act;
    d.activation_alpha = c->alpha;
    d.activation_beta = c->beta;
    return d;
}

#define R2(a, b) {a, b}
static const scase named[] = {
    /* sizes around T = 8 with the DeepLab shape (3x3, pad = dilation) */
    {"d2_s1", 2, 1, 3, 3, 1, R2(1, 1), R2(3, 3), R2(2, 2), R2(2, 2), R2(2, 2), 0, 0, 0, 0},
    {"d2_s7", 2, 1, 3, 7, 1, R2(7, 7), R2(3, 3), R2(2, 2), R2(2, 2), R2(2, 2), 0, 0, 0, 0},
    {"d2_s8", 2, 1, 7, 3, 1, R2(8, 8), R2(3, 3), R2(2, 2), R2(2, 2), R2(2, 2), 0, 0, 0, 0},
    {"d2_s9", 2, 1, 7, 7, 1, R2(9, 9), R2(3, 3), R2(2, 2), R2(2, 2), R2(2, 2), 0, 0, 0, 0},
    {"d2_s19", 2, 1, 7, 7, 1, R2(19, 19), R2(3, 3), R2(2, 2), R2(2, 2), R2(2, 2), 0, 0, 0, 0},
    {"d2_nopad", 2, 1, 3, 3, 1, R2(19, 17), R2(3, 3), R2(2, 2), {0}, {0}, 0, 0, 0, 0},
    {"d3", 2, 1, 3, 7, 1, R2(19, 19), R2(3, 3), R2(3, 3), R2(3, 3), R2(3, 3), 0, 0, 0, 0},
    {"d6", 2, 1, 7, 3, 1, R2(19, 19), R2(3, 3), R2(6, 6), R2(6, 6), R2(6, 6), 0, 0, 0, 0},
    {"d6_s8", 2, 1, 3, 3, 1, R2(8, 8), R2(3, 3), R2(6, 6), R2(6, 6), R2(6, 6), 0, 0, 0, 0},
    /* per-axis dilations, one axis undilated */
    {"d2x3", 2, 1, 3, 7, 1, R2(17, 19), R2(3, 3), R2(2, 3), R2(2, 3), R2(2, 3), 0, 0, 0, 0},
    {"d6x2", 2, 1, 7, 3, 1, R2(19, 9), R2(3, 3), R2(6, 2), R2(6, 2), R2(6, 2), 0, 0, 0, 0},
    {"d1x2", 2, 1, 3, 3, 1, R2(9, 19), R2(3, 3), R2(1, 2), R2(1, 2), R2(1, 2), 0, 0, 0, 0},
    {"d3x1", 2, 1, 3, 3, 1, R2(19, 9), R2(3, 3), R2(3, 1), R2(3, 1), R2(3, 1), 0, 0, 0, 0},
    /* channels */
    {"c1", 2, 1, 1, 1, 1, R2(9, 19), R2(3, 3), R2(2, 2), R2(2, 2), R2(2, 2), 0, 0, 0, 0},
    {"c70", 2, 1, 70, 70, 1, R2(9, 19), R2(3, 3), R2(2, 3), R2(2, 3), R2(2, 3), 0, 0, 0, 0},
    {"c70_k3", 2, 1, 70, 3, 1, R2(19, 9), R2(3, 3), R2(6, 2), R2(6, 2), R2(6, 2), 0, 0, 0, 0},
    /* pads: asymmetric, none, oversized */
    {"pads_asym", 2, 1, 3, 7, 1, R2(17, 19), R2(3, 3), R2(2, 3), R2(0, 5), R2(3, 1), 0, 0, 0, 0},
    {"pads_big", 2, 1, 3, 3, 1, R2(7, 9), R2(3, 3), R2(3, 2), R2(8, 5), R2(9, 4), 0, 0, 0, 0},
    /* kernels */
    {"k1x1", 2, 1, 3, 7, 1, R2(9, 9), R2(1, 1), R2(2, 2), {0}, {0}, 0, 0, 0, 0},
    {"k1x5", 2, 1, 3, 3, 1, R2(9, 19), R2(1, 5), R2(2, 2), R2(0, 4), R2(0, 4), 0, 0, 0, 0},
    {"k5x5", 2, 1, 3, 3, 1, R2(19, 19), R2(5, 5), R2(2, 3), R2(4, 6), R2(4, 6), 0, 0, 0, 0},
    /* batch, groups, bias, activations */
    {"batch3", 2, 3, 3, 7, 1, R2(9, 9), R2(3, 3), R2(2, 2), R2(2, 2), R2(2, 2), 1, 0, 0, 0},
    {"groups2", 2, 2, 6, 4, 2, R2(9, 17), R2(3, 3), R2(2, 3), R2(2, 3), R2(2, 3), 1, 0, 0, 0},
    {"depthwise", 2, 1, 7, 7, 7, R2(19, 19), R2(3, 3), R2(2, 2), R2(2, 2), R2(2, 2), 1, 0, 0, 0},
    {"relu", 2, 1, 7, 7, 1, R2(9, 19), R2(3, 3), R2(2, 2), R2(2, 2), R2(2, 2), 1,
     CLCONV_ACTIVATION_RELU, 0, 0},
    {"clip", 2, 1, 7, 7, 1, R2(9, 19), R2(3, 3), R2(2, 2), R2(2, 2), R2(2, 2), 1,
     CLCONV_ACTIVATION_CLIP, -0.5f, 0.5f},
    {"leaky", 2, 2, 7, 7, 1, R2(9, 19), R2(3, 3), R2(3, 2), R2(3, 2), R2(3, 2), 1,
     CLCONV_ACTIVATION_LEAKY_RELU, 0.1f, 0},
    /* rank 1 and 3 */
    {"rank1", 1, 2, 3, 5, 1, {19}, {3}, {3}, {3}, {2}, 1, 0, 0, 0},
    {"rank3_d2", 3, 1, 3, 5, 1, {6, 7, 9}, {3, 3, 3}, {2, 2, 2}, {2, 2, 2}, {2, 2, 2}, 1, 0, 0, 0},
    {"rank3_d123", 3, 2, 4, 4, 2, {7, 8, 9}, {3, 3, 3}, {1, 2, 3}, {1, 1, 3}, {1, 3, 3}, 0, 0, 0,
     0},
    /* sub-images large enough for AUTO's inner Winograd F(4x4) */
    {"inner_f4x4", 2, 1, 16, 16, 1, R2(20, 21), R2(3, 3), R2(2, 2), R2(2, 2), R2(2, 2), 1, 0, 0, 0},
    /* the DeepLab layer, smaller */
    {"dl_like", 2, 1, 32, 32, 1, R2(33, 33), R2(3, 3), R2(6, 6), R2(6, 6), R2(6, 6), 1,
     CLCONV_ACTIVATION_RELU, 0, 0},
};

/* A random descriptor the algorithm claims: stride 1, some dilation > 1. */
static clconv_conv_desc random_desc(test_rng *r)
{
    scase c;
    memset(&c, 0, sizeof c);
    c.rank = rng_int(r, 1, 3);
    c.n = rng_int(r, 1, 2);
    c.g = rng_int(r, 1, 3);
    c.c = c.g * rng_int(r, 1, 5);
    c.k = c.g * rng_int(r, 1, 5);
    int dilated = 0;
    for (int i = 0; i < c.rank; i++) {
        const int big = c.rank == 3 ? 9 : 24;
        c.in[i] = rng_int(r, 1, big);
        c.ks[i] = rng_int(r, 1, 4);
        c.d[i] = rng_int(r, 1, 6);
        dilated |= c.d[i] > 1;
        c.pb[i] = rng_int(r, 0, 6);
        c.pe[i] = rng_int(r, 0, 6);
        const int ek = (c.ks[i] - 1) * c.d[i] + 1;
        if (c.in[i] + c.pb[i] + c.pe[i] < ek)
            c.pe[i] = ek - c.in[i] - c.pb[i];
    }
    if (!dilated) {
        const int i = rng_int(r, 0, c.rank - 1);
        c.d[i] = rng_int(r, 2, 4);
        const int ek = (c.ks[i] - 1) * c.d[i] + 1;
        if (c.in[i] + c.pb[i] + c.pe[i] < ek)
            c.pe[i] = ek - c.in[i] - c.pb[i];
    }
    c.bias = rng_int(r, 0, 1);
    c.act = (clconv_activation)rng_int(r, 0, 3);
    c.alpha = c.act == CLCONV_ACTIVATION_CLIP ? -0.5f : 0.2f;
    c.beta = 0.5f;
    clconv_conv_desc d = to_desc(&c);
    const int ap = rng_int(r, 0, 5);
    if (ap == 1 || ap == 2) { /* SAME_UPPER / SAME_LOWER: pads from the dilated kernel */
        d.auto_pad = (clconv_auto_pad)ap;
        for (int i = 0; i < c.rank; i++)
            d.pads_begin[i] = d.pads_end[i] = 0;
    }
    return d;
}

static int check_refusals(clconv_context *ctx)
{
    int failed = 0;
    struct {
        const char *name;
        int stride, dilation, transposed;
    } bad[] = {
        {"dilation1", 1, 1, 0},
        {"stride2", 2, 2, 0},
        {"transposed", 1, 2, 1},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        clconv_conv_desc d;
        clconv_conv_desc_init(&d, 2);
        d.in_channels = d.out_channels = 4;
        d.in_size[0] = d.in_size[1] = 12;
        d.kernel_size[0] = d.kernel_size[1] = 3;
        d.strides[1] = bad[i].stride;
        d.dilations[0] = bad[i].dilation;
        d.transposed = bad[i].transposed;
        clconv_plan *plan = NULL;
        clconv_status st = clconv_plan_create(ctx, &d, ALGO, &plan);
        if (st != CLCONV_UNSUPPORTED || !strstr(clconv_last_error(), "dilated_s2b:")) {
            printf("FAIL refuse/%s: status %s, message \"%s\"\n", bad[i].name,
                   clconv_status_string(st), clconv_last_error());
            failed++;
        }
        clconv_plan_destroy(plan);
    }
    /* Valid, but 30000^2 sub-images of 2x2 would not fit in a tensor. */
    clconv_conv_desc d;
    clconv_conv_desc_init(&d, 2);
    d.in_channels = d.out_channels = 1;
    d.in_size[0] = d.in_size[1] = 1;
    d.kernel_size[0] = d.kernel_size[1] = 2;
    d.dilations[0] = d.dilations[1] = 30000;
    d.pads_begin[0] = d.pads_begin[1] = d.pads_end[0] = d.pads_end[1] = 15000;
    clconv_status st = clconv_algorithm_supports(ctx, &d, ALGO);
    if (st != CLCONV_UNSUPPORTED || !strstr(clconv_last_error(), "dilated_s2b:")) {
        printf("FAIL refuse/huge_dilation: status %s, message \"%s\"\n", clconv_status_string(st),
               clconv_last_error());
        failed++;
    }
    return failed;
}

/* Runs desc with a caller workspace filled with NaN, in a chain after a
 * user event (so the wait list is honoured), with the launch trace on;
 * checks the result, the trace and the description. */
static int check_workspace_and_trace(clconv_context *ctx, const clconv_conv_desc *d, uint64_t seed)
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
    int trace_ok = strstr(t, "s2b_space_to_batch") && strstr(t, "s2b_batch_to_space") &&
                   strstr(t, "s2b_space_to_batch") < strstr(t, "s2b_batch_to_space");
    /* Something else (the inner convolution) ran between the two. */
    const char *a = strstr(t, "\n");
    trace_ok = trace_ok && a && strncmp(a + 1, "s2b_batch_to_space", 18) != 0;
    if (!trace_ok)
        printf("FAIL trace: expected s2b_space_to_batch, inner, s2b_batch_to_space:\n%s\n", t);
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
    else if (!strstr(desc, "dilated_s2b") || !strstr(desc, "inner: "))
        printf("FAIL describe: \"%s\"\n", desc);
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
    const uint64_t seed = test_seed(argc, argv, 20240612);
    const long count = test_arg_long(argc, argv, "count", 50);
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
            printf("  replay: test_algo_dilated_s2b --seed %llu --case %ld\n",
                   (unsigned long long)seed, i);
        failed += res != CHECK_PASS;
        worst = err > worst ? err : worst;
    }
    if (only < 0) {
        failed += check_refusals(ctx);
        clconv_conv_desc d = to_desc(&named[9]);
        d.has_bias = 1;
        failed += check_workspace_and_trace(ctx, &d, seed);
    }
    printf("dilated_s2b: %d cases, %d failures, worst relative L2 error %.3g (tolerance %.0e)\n",
           run, failed, worst, algo_tolerance(ALGO));
    test_context_release();
    return failed ? 1 : 0;
}
