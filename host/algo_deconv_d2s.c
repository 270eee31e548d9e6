/*
 * deconv_d2s: transposed convolution with stride >= 2 through one ordinary
 * convolution and depth_to_space (DESIGN.md, "Transposed convolution via
 * depth_to_space").
 *
 * Per axis, y[o] = sum_i sum_t x[i] w[t] with o = i*s + t - pb.  Writing
 * o + pb = q*s + r (0 <= r < s), t = j*s + r and y = sum_j x[q - j] w[j*s + r]:
 * phase r is an ordinary correlation of x with the flipped sub-kernel
 * w_r[kq - 1 - j] = w[j*s + r], kq = ceil(k / s), zero where j*s + r >= k.
 * set_weights re-lays the weights once into R = prod(s) * K output channels
 * of kq-sized kernels (channel (g*R + r)*Kg + kk, so groups stay contiguous
 * blocks), and ONE inner convolution (AUTO: whatever is fastest for it) over
 * x padded by kq - 1 computes every phase for q in [0, in + kq - 1).  Only
 * the q some output position needs are computed: the inner pads are trimmed
 * to [q0, q1].  d2s_scatter then reads phase r of q for every output
 * position, with bias and activation fused; positions no q covers
 * (negative pads from output_shape) get act(bias).
 *
 * Workspace: inner output y2 | inner workspace, offsets aligned (for speed)
 * from the workspace's start; the inner plan gets them as offsets into the
 * caller's workspace buffer, never sub-buffers.
 */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define OP "deconv_d2s"
#define RUN 16 /* output x positions per work-item in d2s_scatter (D2S_RUN) */
#define RUN_STR "16"

typedef struct d2s_state {
    conv_problem inner_p;
    clconv_plan *inner;
    cl_kernel scatter;
    cl_mem bias; /* K floats, zeros without bias */
    int R;       /* phases: SD*SH*SW */
    int kq[3], q0[3];
    size_t lws[3];
    size_t y2_bytes, ws_off, ws_bytes;
} d2s_state;

static int floor_div(int a, int b)
{
    const int q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

static int clampi(int v, int lo, int hi) { return v < lo ? lo : v > hi ? hi : v; }

/* The inner problem for p (and the first q per axis); 0 and a reason if it
 * would not fit in the limits of a tensor. */
static int inner_problem(const conv_problem *p, conv_problem *q, int kq[3], int q0[3], char *why,
                         size_t n)
{
    *q = *p;
    long long R = 1;
    for (int a = 0; a < 3; a++) {
        const int s = p->s[a], in = p->in[a];
        kq[a] = (p->k[a] + s - 1) / s;
        /* q needed by o in [0, out): floor((o + pb) / s), trimmed to what a
         * convolution with non-negative pads over x can produce. */
        const int lo = clampi(floor_div(p->pb[a], s), 0, kq[a] - 1);
        int hi = clampi(floor_div(p->out[a] - 1 + p->pb[a], s), in - 1, in + kq[a] - 2);
        if (hi < lo)
            hi = lo;
        q0[a] = lo;
        q->k[a] = kq[a];
        q->pb[a] = kq[a] - 1 - lo;
        q->pe[a] = hi - in + 1;
        q->out[a] = hi - lo + 1;
        q->s[a] = q->d[a] = 1;
        R *= s;
    }
    q->transposed = 0;
    q->has_bias = 0;
    q->act = CLCONV_ACTIVATION_NONE;
    q->alpha = q->beta = 0.0f;
    if (R > 0x7fffffffLL / p->K) { /* R <= 2^48: the division cannot overflow */
        snprintf(why, n, OP ": %lld phases x %d channels: too many", R, p->K);
        return 0;
    }
    q->K = (int)(R * p->K);
    size_t no = clconv_problem_output_elems(q), nw = clconv_problem_weight_elems(q);
    if (!no || !nw || no > 0x7fffffffu || nw > 0x7fffffffu) {
        snprintf(why, n, OP ": the phase outputs or sub-kernels would exceed %d elements", 0x7fffffff);
        return 0;
    }
    return 1;
}

static int d2s_applicable(const clconv_context *ctx, const conv_problem *p, char *why, size_t n)
{
    (void)ctx;
    if (!p->transposed) {
        snprintf(why, n, OP ": not transposed: needs a transposed convolution");
        return 0;
    }
    int strided = 0;
    const int r0 = 3 - p->rank;
    for (int a = r0; a < 3; a++) {
        if (p->d[a] != 1) {
            snprintf(why, n, OP ": dilations[%d] = %d: needs dilation 1", a - r0, p->d[a]);
            return 0;
        }
        strided |= p->s[a] >= 2;
    }
    if (!strided) {
        snprintf(why, n, OP ": strides 1: needs stride >= 2 on some axis");
        return 0;
    }
    conv_problem q;
    int kq[3], q0[3];
    return inner_problem(p, &q, kq, q0, why, n);
}

static void d2s_destroy(clconv_plan *plan)
{
    d2s_state *s = plan->state;
    if (!s)
        return;
    clconv_plan_destroy(s->inner);
    if (s->scatter)
        clReleaseKernel(s->scatter);
    if (s->bias)
        clReleaseMemObject(s->bias);
    free(s);
    plan->state = NULL;
}

static clconv_status d2s_create(clconv_plan *plan)
{
    const conv_problem *p = &plan->p;
    d2s_state *s = calloc(1, sizeof *s);
    if (!s)
        return clconv_fail(CLCONV_OUT_OF_MEMORY, OP ": out of host memory");
    plan->state = s;
    char why[256];
    clconv_status st;
    if (!inner_problem(p, &s->inner_p, s->kq, s->q0, why, sizeof why)) {
        st = clconv_fail(CLCONV_UNSUPPORTED, "%s", why);
        goto fail;
    }
    s->R = s->inner_p.K / p->K;
    if ((st = clconv_plan_create_problem(plan->ctx, &s->inner_p, CLCONV_ALGO_AUTO, OP, &s->inner)) ||
        (st = clconv_create_kernel(plan->ctx, "deconv_d2s.cl", "-DD2S_RUN=" RUN_STR,
                                   "d2s_scatter", &s->scatter)))
        goto fail;
    /* layout_lws_z (device parameters): fixed on CPUs, where PoCL compiles
     * a work-group function per local size; 0 lets the driver choose. */
    if (plan->params.layout_lws_z) {
        s->lws[0] = s->lws[1] = 1;
        s->lws[2] = plan->params.layout_lws_z;
    }

    const size_t al = clconv_region_align(plan->ctx);
    if ((st = clconv_plan_workspace_size(s->inner, &s->ws_bytes)))
        goto fail;
    if (!clconv_mul_size(clconv_problem_output_elems(&s->inner_p), sizeof(float), &s->y2_bytes) ||
        (s->ws_off = clconv_align_up(s->y2_bytes, al)) < s->y2_bytes ||
        s->ws_off + s->ws_bytes < s->ws_off) {
        st = clconv_fail(CLCONV_OUT_OF_MEMORY, OP ": workspace size overflows");
        goto fail;
    }
    plan->workspace_bytes = s->ws_off + s->ws_bytes;
    plan->int_range = s->inner->int_range;

    /* Multiplications by a zero tap: what the re-layout pads a kernel not
     * divisible by the stride with, for the benchmark to show. */
    double taps = 1.0, real = 1.0;
    char st_s[32], kq_s[32];
    int m = 0, k = 0;
    const int r0 = 3 - p->rank;
    for (int a = r0; a < 3; a++) {
        taps *= (double)s->kq[a] * p->s[a];
        real *= p->k[a];
        m += snprintf(st_s + m, sizeof st_s - (size_t)m, "%s%d", a > r0 ? "x" : "", p->s[a]);
        k += snprintf(kq_s + k, sizeof kq_s - (size_t)k, "%s%d", a > r0 ? "x" : "", s->kq[a]);
    }
    char inner[256];
    clconv_inner_describe(s->inner, inner, sizeof inner);
    int w = snprintf(plan->describe, sizeof plan->describe,
                     "deconv_d2s s%s: %d phases of k%s sub-kernels, zero taps %.0f%%; inner: ", st_s,
                     s->R, kq_s, 100.0 * (1.0 - real / taps));
    /* then the inner plan; truncation of a long description is acceptable */
    const size_t used = strlen(plan->describe);
    snprintf(plan->describe + used, sizeof plan->describe - used, "%s", inner);
    (void)w;
    return CLCONV_SUCCESS;
fail:
    d2s_destroy(plan);
    return st;
}

static clconv_status d2s_set_weights(clconv_plan *plan, const float *w, const float *b)
{
    d2s_state *s = plan->state;
    const conv_problem *p = &plan->p, *q = &s->inner_p;
    const size_t nw2 = clconv_problem_weight_elems(q);
    float *w2 = calloc(nw2, sizeof *w2); /* zero taps stay zero */
    float *hb = calloc((size_t)p->K, sizeof *hb);
    clconv_status st = CLCONV_SUCCESS;
    if (!w2 || !hb) {
        st = clconv_fail(CLCONV_OUT_OF_MEMORY, OP ": out of host memory");
        goto done;
    }
    const int Cg = p->C / p->G, Kg = p->K / p->G;
    const int *kk = p->k, *sd = p->s, *kq = s->kq;
    const size_t ksz = (size_t)kk[0] * kk[1] * kk[2];
    /* ConvTranspose w[c][kg][t] -> inner w2[(g*R + r)*Kg + kg][cc][kq-1-j] = w[g*Cg+cc][kg][j*s + r] */
    for (int g = 0; g < p->G; g++)
        for (int cc = 0; cc < Cg; cc++)
            for (int kg = 0; kg < Kg; kg++) {
                const float *src = w + ((size_t)(g * Cg + cc) * Kg + kg) * ksz;
                for (int td = 0; td < kk[0]; td++)
                    for (int th = 0; th < kk[1]; th++)
                        for (int tw = 0; tw < kk[2]; tw++) {
                            const int rd = td % sd[0], rh = th % sd[1], rw = tw % sd[2];
                            const int jd = kq[0] - 1 - td / sd[0], jh = kq[1] - 1 - th / sd[1],
                                      jw = kq[2] - 1 - tw / sd[2];
                            const size_t r = ((size_t)rd * sd[1] + rh) * sd[2] + rw;
                            const size_t ko = ((size_t)g * s->R + r) * Kg + kg;
                            w2[((ko * Cg + cc) * kq[0] + jd) * ((size_t)kq[1] * kq[2]) +
                               (size_t)jh * kq[2] + jw] =
                                src[((size_t)td * kk[1] + th) * kk[2] + tw];
                        }
            }
    if ((st = clconv_plan_set_weights_host(s->inner, w2, NULL)))
        goto done;
    for (int k = 0; b && k < p->K; k++)
        hb[k] = b[k];
    cl_mem m = NULL;
    if ((st = clconv_buffer_create(plan->ctx, OP, CL_MEM_READ_ONLY | CL_MEM_COPY_HOST_PTR,
                                   (size_t)p->K * sizeof *hb, hb, &m)))
        goto done;
    if (s->bias)
        clReleaseMemObject(s->bias);
    s->bias = m;
done:
    free(w2);
    free(hb);
    return st;
}

static clconv_status d2s_enqueue(clconv_plan *plan, const conv_io *io, cl_uint n_wait,
                                 const cl_event *wait, cl_event *event)
{
    d2s_state *s = plan->state;
    const conv_problem *p = &plan->p, *q = &s->inner_p;
    /* The inner convolution reads the caller's input and writes y2 at the
     * start of our workspace; its own workspace follows (byte offsets are
     * multiples of the float size: clconv_region_align). */
    const conv_io inner = {io->in, io->ws, s->ws_bytes ? io->ws : NULL, io->in_off, io->ws_off,
                           s->ws_bytes ? io->ws_off + s->ws_off / sizeof(float) : 0};
    const int z = p->N * p->K * p->out[0]; /* output rows / OH: < 2^31 (desc.c) */
    launch_chain ch;
    clconv_chain_begin(&ch, plan->ctx, n_wait, wait);
    clconv_status st = clconv_chain_plan(&ch, s->inner, &inner);
    if (st)
        return clconv_chain_end(&ch, st, event);
    const kernel_arg args[] = {
        ARG_MEM(io->ws),     ARG_OFF(io->ws_off), ARG_MEM(s->bias),    ARG_MEM(io->out),
        ARG_OFF(io->out_off), ARG_INT(z),         ARG_INT(p->K),
        ARG_INT(p->G),       ARG_INT(p->out[0]),  ARG_INT(p->out[1]),  ARG_INT(p->out[2]),
        ARG_INT(q->out[0]),  ARG_INT(q->out[1]),  ARG_INT(q->out[2]),  ARG_INT(p->s[0]),
        ARG_INT(p->s[1]),    ARG_INT(p->s[2]),    ARG_INT(p->pb[0]),   ARG_INT(p->pb[1]),
        ARG_INT(p->pb[2]),   ARG_INT(s->q0[0]),   ARG_INT(s->q0[1]),   ARG_INT(s->q0[2]),
        ARG_INT(p->act),     ARG_FLOAT(p->alpha), ARG_FLOAT(p->beta),
    };
    const size_t gws[3] = {(size_t)((p->out[2] + RUN - 1) / RUN), (size_t)p->out[1], (size_t)z};
    if (!(st = clconv_set_args(s->scatter, OP, (int)(sizeof args / sizeof args[0]), args)))
        st = clconv_chain_kernel(&ch, OP, s->scatter, 3, gws, s->lws[0] ? s->lws : NULL);
    return clconv_chain_end(&ch, st, event);
}

const clconv_algo clconv_algo_deconv_d2s = {
    CLCONV_ALGO_DECONV_D2S, "deconv_d2s", d2s_applicable, d2s_create, d2s_set_weights, d2s_enqueue, d2s_destroy,
    NULL, /* nothing of its own to tune: its inner plan takes the inner problem's */
    1e-5,
};
