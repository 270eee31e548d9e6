/* The universal direct algorithm: every valid descriptor, rank 1-3, any
 * stride, pads, dilation and groups, ConvTranspose in gather form.  One
 * launch for all groups and batch items.  Weights are packed once so that
 * the OCB output-channel weights of a tap are contiguous (see direct.cl). */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    cl_kernel kernel;
    cl_kernel pad;     /* non-NULL when the input is first copied to the workspace:
                        * direct_pad, or direct_compact for a flat pointwise plan */
    int flat;          /* pointwise, no pads: run as rank 1 over the D*H*W pixels */
    int flat_rows;     /* spatial: W blocks run across the padded copy's rows (FLAT) */
    int pin[3];        /* the input sizes the convolution kernel reads (padded or not;
                        * per phase when split) */
    int phase[3];      /* phases per axis of the padded copy: the stride, or 1 */
    int kout[3], ks[3], kpads[3]; /* output sizes, strides, pads the kernel sees */
    int cpads[3];      /* the padded copy's begin pads (direct_pad) */
    cl_mem packed; /* wp[G][KBLK][Cg][KT][OCB]; ConvTranspose [G][KBLK][KT][Cg][OCB] */
    cl_mem bias;   /* K floats, or a 1-float dummy when there is no bias */
    int ocb, wb, wv; /* output channels, vector width, vectors along W per work-item */
} direct_state;

static int direct_applicable(const clconv_context *ctx, const conv_problem *p, char *why, size_t n)
{
    (void)ctx;
    (void)p;
    (void)why;
    (void)n;
    return 1; /* universal by design */
}

/* " x2" for two vectors along W per work-item; nothing for one. */
static const char *wv_text(int wv)
{
    return wv == 4 ? " x4" : wv == 2 ? " x2" : "";
}

static clconv_status direct_create(clconv_plan *plan)
{
    const conv_problem *p = &plan->p;
    const clconv_device_params *dp = &plan->params;
    direct_state *s = calloc(1, sizeof *s);
    if (!s)
        return clconv_fail(CLCONV_OUT_OF_MEMORY, "direct: out of host memory");
    plan->state = s;
    s->phase[0] = s->phase[1] = s->phase[2] = 1;
    s->ocb = dp->direct_oc_block;
    s->wb = dp->direct_w_block;
    s->wv = dp->direct_w_vecs;
    /* Few output channels per group: a smaller block wastes less. */
    const int kg = p->K / p->G;
    while (s->ocb > 1 && s->ocb / 2 >= kg)
        s->ocb /= 2;
    /* A pointwise (1x1, unpadded) convolution is a product of [K][Cg] and
     * [Cg][pixels]: run it as rank 1 over all pixels, so that 7x7 or 14x14
     * outputs fill whole vectors instead of one short block per row.  A
     * strided one first gathers its pixels compactly (direct_compact). */
    long long pixels = (long long)p->out[0] * p->out[1] * p->out[2];
    s->flat = !p->transposed && pixels < (1 << 26);
    for (int a = 0; a < 3; a++)
        s->flat &= p->k[a] == 1 && p->pb[a] == 0 && p->pe[a] == 0;
    /* The columns one work-item row spans: all pixels (flat), a phase's
     * (transposed: ceil(OW / SW)), or the output row's. */
    const int ow = s->flat ? (int)pixels
                   : p->transposed ? (p->out[2] + p->s[2] - 1) / p->s[2] : p->out[2];
    if (s->flat)
        s->wv = dp->direct_pw_w_vecs;
    /* Narrow outputs: a shorter vector wastes less. */
    while (s->wv > 1 && s->wb * s->wv / 2 >= ow)
        s->wv /= 2;
    while (s->wb > 1 && s->wb / 2 >= ow)
        s->wb /= 2;
    const int bw = s->wb * s->wv; /* output columns per work-item */
    s->flat_rows = dp->direct_flat_rows && !s->flat && !p->transposed;
    char opts[128];
    snprintf(opts, sizeof opts, "-DOCB=%d -DWB=%d -DWV=%d -DTRANSPOSED=%d -DFLAT=%d", s->ocb, s->wb,
             s->wv, p->transposed, s->flat_rows);
    clconv_status st = clconv_create_kernel(plan->ctx, "direct.cl", opts, "direct_conv", &s->kernel);
    if (st)
        return st;
    for (int a = 0; a < 3; a++) {
        s->kout[a] = p->out[a];
        s->ks[a] = p->s[a];
        s->kpads[a] = p->pb[a];
        s->cpads[a] = p->pb[a];
    }
    if (s->flat) {
        const int rounded = (ow + bw - 1) / bw * bw;
        int strided = p->s[0] > 1 || p->s[1] > 1 || p->s[2] > 1;
        s->kout[0] = s->kout[1] = s->ks[0] = s->ks[1] = s->ks[2] = 1;
        s->kout[2] = ow;
        s->pin[0] = s->pin[1] = 1;
        s->pin[2] = rounded;
        if (strided || rounded != ow) { /* the last block's spare lanes need zeros */
            if (!clconv_mul_size((size_t)p->N * p->C, (size_t)rounded * sizeof(float),
                                 &plan->workspace_bytes))
                return clconv_fail(CLCONV_INVALID_ARGUMENT, "direct: compact input size overflows");
            if ((st = clconv_create_kernel(plan->ctx, "direct.cl", opts, "direct_compact", &s->pad)))
                return st;
        }
        snprintf(plan->describe, sizeof plan->describe, "direct pointwise ocb %d wb %d%s%s",
                 s->ocb, s->wb, wv_text(s->wv), s->pad ? " (compacted)" : "");
        return CLCONV_SUCCESS;
    }
    /* Convolution reads without bounds checks: pad the input first unless
     * every read (the last vector block's spare lanes included) is inside.
     * A stride along H or W always takes the padded copy, split into
     * phases there (direct.cl), so the kernel's loads stay contiguous; so
     * does a FLAT plan, whose last block reads past the last row. */
    int need_pad = s->flat_rows;
    /* FLAT: the copy's row pitch, the columns one row of outputs reads. */
    const long long pitch = p->out[2] + (long long)(p->k[2] - 1) * p->d[2] / p->s[2];
    for (int a = 0; a < 3; a++) {
        int o = a == 2 ? (p->out[2] + bw - 1) / bw * bw : p->out[a];
        long long last = (long long)(o - 1) * p->s[a] + (long long)(p->k[a] - 1) * p->d[a];
        s->pin[a] = p->in[a];
        if (p->transposed)
            continue;
        long long padded;
        if (s->flat_rows && a == 2) {
            s->phase[a] = p->s[a];
            padded = pitch;
        } else if (s->flat_rows && a == 1) {
            /* Rows: enough that the last block's reads stay in the plane. */
            const long long blocks = ((long long)p->out[1] * pitch + bw - 1) / bw;
            const long long f_last = blocks * bw - 1 +
                                     (long long)(p->k[1] - 1) * p->d[1] / p->s[1] * pitch +
                                     (long long)(p->k[2] - 1) * p->d[2] / p->s[2];
            s->phase[a] = p->s[a];
            padded = f_last / pitch + 1;
        } else if (a > 0 && p->s[a] > 1) {
            need_pad = 1;
            s->phase[a] = p->s[a];
            padded = o + (long long)(p->k[a] - 1) * p->d[a] / p->s[a]; /* columns per phase */
        } else {
            need_pad |= p->pb[a] > 0 || last - p->pb[a] >= p->in[a];
            padded = last + 1 > (long long)p->pb[a] + p->in[a] ? last + 1
                                                                : (long long)p->pb[a] + p->in[a];
        }
        if (padded > (1 << 26))
            return clconv_fail(CLCONV_INVALID_ARGUMENT, "direct: padded input too large");
        s->pin[a] = (int)padded;
    }
    if (p->transposed) {
        /* Gather form by output phase (direct.cl): a matching tap reads
         * input columns q + t, t = (rw + PW - kw*DW) / SW, for the block's
         * q.  Zero columns on both sides keep every such vector inside the
         * copy, whose left columns are added to PW (a multiple of SW, so the
         * kernel's phase test is unchanged). */
        const long long sw = p->s[2], pw = p->pb[2];
        const long long lo = pw - (long long)(p->k[2] - 1) * p->d[2], hi = sw - 1 + pw;
        const long long tmin = lo >= 0 ? lo / sw : -((-lo + sw - 1) / sw);
        const long long tmax = hi >= 0 ? hi / sw : -((-hi + sw - 1) / sw);
        const long long lp = tmin < 0 ? -tmin : 0;
        const long long nbq = ((p->out[2] + sw - 1) / sw + bw - 1) / bw;
        long long qw = lp + tmax + nbq * bw;
        if (qw < lp + p->in[2])
            qw = lp + p->in[2];
        if (qw > (1 << 26) || pw + lp * sw > (1 << 30))
            return clconv_fail(CLCONV_INVALID_ARGUMENT, "direct: padded input too large");
        need_pad = 1;
        s->pin[2] = (int)qw;
        s->cpads[0] = s->cpads[1] = 0;
        s->cpads[2] = (int)lp;
    }
    if (need_pad) {
        size_t n, rows;
        if (!clconv_mul_size((size_t)p->N * p->C, (size_t)s->pin[0] * s->pin[1], &n) ||
            !clconv_mul_size((size_t)s->phase[1], (size_t)s->phase[2], &rows) ||
            !clconv_mul_size(n, rows, &n) ||
            !clconv_mul_size(n, (size_t)s->pin[2] * sizeof(float), &plan->workspace_bytes))
            return clconv_fail(CLCONV_INVALID_ARGUMENT, "direct: padded input size overflows");
        if ((st = clconv_create_kernel(plan->ctx, "direct.cl", opts, "direct_pad", &s->pad)))
            return st;
        for (int a = 0; a < 3; a++)
            s->kpads[a] = p->transposed ? p->pb[a] : 0;
        if (p->transposed)
            s->kpads[2] += s->cpads[2] * p->s[2];
    } else {
        for (int a = 0; a < 3; a++)
            s->pin[a] = p->in[a];
    }
    snprintf(plan->describe, sizeof plan->describe, "direct%s ocb %d wb %d%s%s",
             p->transposed ? " transposed" : "", s->ocb, s->wb, wv_text(s->wv),
             s->flat_rows ? " flat" : "");
    return CLCONV_SUCCESS;
}

static clconv_status direct_set_weights(clconv_plan *plan, const float *w, const float *bias)
{
    const conv_problem *p = &plan->p;
    direct_state *s = plan->state;
    const int Cg = p->C / p->G, Kg = p->K / p->G, ocb = s->ocb;
    const int kblk = (Kg + ocb - 1) / ocb;
    const size_t kt = (size_t)p->k[0] * p->k[1] * p->k[2];
    size_t n;
    if (!clconv_mul_size((size_t)p->G * kblk * Cg, kt * ocb, &n) || n > ((size_t)1 << 31))
        return clconv_fail(CLCONV_INVALID_ARGUMENT, "direct: packed weights too large");
    float *pk = calloc(n, sizeof *pk);
    if (!pk)
        return clconv_fail(CLCONV_OUT_OF_MEMORY, "direct: out of host memory");
    for (int g = 0; g < p->G; g++)
        for (int kl = 0; kl < Kg; kl++)
            for (int c = 0; c < Cg; c++)
                for (size_t t = 0; t < kt; t++) {
                    /* Conv: w[K][Cg][kt]; ConvTranspose: w[C][Kg][kt]. */
                    size_t src = p->transposed
                                     ? ((size_t)(g * Cg + c) * Kg + kl) * kt + t
                                     : ((size_t)(g * Kg + kl) * Cg + c) * kt + t;
                    /* Conv: [G][KBLK][Cg][KT][OCB]; ConvTranspose, whose
                     * work-items use only their phase's taps:
                     * [G][KBLK][KT][Cg][OCB] (direct.cl). */
                    size_t blk = (size_t)g * kblk + kl / ocb;
                    size_t dst = p->transposed
                                     ? ((blk * kt + t) * Cg + c) * ocb + kl % ocb
                                     : ((blk * Cg + c) * kt + t) * ocb + kl % ocb;
                    pk[dst] = w[src];
                }
    cl_mem packed = NULL, b = NULL;
    clconv_status st = clconv_buffer_create(plan->ctx, "clconv_plan_set_weights", CL_MEM_READ_ONLY,
                                            n * sizeof *pk, pk, &packed);
    free(pk);
    if (!st) {
        static const float zero = 0.0f;
        st = clconv_buffer_create(plan->ctx, "clconv_plan_set_weights", CL_MEM_READ_ONLY,
                                  bias ? (size_t)p->K * sizeof(float) : sizeof(float),
                                  bias ? (const void *)bias : &zero, &b);
    }
    if (st) {
        if (packed)
            clReleaseMemObject(packed);
        return st;
    }
    if (s->packed)
        clReleaseMemObject(s->packed);
    if (s->bias)
        clReleaseMemObject(s->bias);
    s->packed = packed;
    s->bias = b;
    return CLCONV_SUCCESS;
}

static clconv_status direct_enqueue(clconv_plan *plan, const conv_io *io, cl_uint n_wait,
                                    const cl_event *wait, cl_event *event)
{
    const conv_problem *p = &plan->p;
    direct_state *s = plan->state;
    const char *op = "clconv_plan_enqueue(direct)";
    const int kblk = (p->K / p->G + s->ocb - 1) / s->ocb;
    const int *in = s->pin, *o = s->kout, *st3 = s->ks, *pads = s->kpads;
    launch_chain ch;
    clconv_chain_begin(&ch, plan->ctx, n_wait, wait);
    clconv_status st = CLCONV_SUCCESS;
    if (s->pad && s->flat) {
        kernel_arg pa[] = {ARG_MEM(io->in),    ARG_OFF(io->in_off), ARG_MEM(io->ws),
                           ARG_OFF(io->ws_off), ARG_INT(p->N * p->C), ARG_INT(p->in[0]),
                           ARG_INT(p->in[1]),  ARG_INT(p->in[2]),   ARG_INT(p->out[0]),
                           ARG_INT(p->out[1]), ARG_INT(p->out[2]),  ARG_INT(p->s[0]),
                           ARG_INT(p->s[1]),   ARG_INT(p->s[2]),    ARG_INT(in[2])};
        size_t g[3] = {(size_t)p->out[1], (size_t)p->out[0], (size_t)p->N * p->C};
        if (!(st = clconv_set_args(s->pad, op, (int)(sizeof pa / sizeof *pa), pa)))
            st = clconv_chain_kernel(&ch, op, s->pad, 3, g, NULL);
    } else if (s->pad) {
        kernel_arg pa[] = {ARG_MEM(io->in),    ARG_OFF(io->in_off), ARG_MEM(io->ws),
                           ARG_OFF(io->ws_off), ARG_INT(p->N * p->C), ARG_INT(p->in[0]),
                           ARG_INT(p->in[1]),  ARG_INT(p->in[2]),   ARG_INT(in[0]),
                           ARG_INT(in[1]),     ARG_INT(in[2]),      ARG_INT(s->cpads[0]),
                           ARG_INT(s->cpads[1]), ARG_INT(s->cpads[2]), ARG_INT(s->phase[1]),
                           ARG_INT(s->phase[2]), ARG_INT(p->k[1]),  ARG_INT(p->k[2]),
                           ARG_INT(p->d[1]),   ARG_INT(p->d[2])};
        size_t g[3] = {(size_t)s->phase[1] * in[1] * s->phase[2], (size_t)in[0],
                       (size_t)p->N * p->C};
        if (!(st = clconv_set_args(s->pad, op, (int)(sizeof pa / sizeof *pa), pa)))
            st = clconv_chain_kernel(&ch, op, s->pad, 3, g, NULL);
    }
    kernel_arg args[] = {
        ARG_MEM(s->pad ? io->ws : io->in), ARG_OFF(s->pad ? io->ws_off : io->in_off),
        ARG_MEM(s->packed), ARG_MEM(s->bias), ARG_MEM(io->out), ARG_OFF(io->out_off),
        ARG_INT(p->N),      ARG_INT(p->C),       ARG_INT(p->K),       ARG_INT(p->G),
        ARG_INT(in[0]),     ARG_INT(in[1]),      ARG_INT(in[2]),      ARG_INT(o[0]),
        ARG_INT(o[1]),      ARG_INT(o[2]),       ARG_INT(p->k[0]),    ARG_INT(p->k[1]),
        ARG_INT(p->k[2]),   ARG_INT(st3[0]),     ARG_INT(st3[1]),     ARG_INT(st3[2]),
        ARG_INT(p->d[0]),   ARG_INT(p->d[1]),    ARG_INT(p->d[2]),    ARG_INT(pads[0]),
        ARG_INT(pads[1]),   ARG_INT(pads[2]),    ARG_INT(p->has_bias), ARG_INT(p->act),
        ARG_FLOAT(p->alpha), ARG_FLOAT(p->beta)};
    if (!st)
        st = clconv_set_args(s->kernel, op, (int)(sizeof args / sizeof *args), args);
    /* Columns of work: FLAT runs across the copy's rows; ConvTranspose
     * has SW phases of ceil(OW / SW) columns each. */
    const size_t bw = (size_t)s->wb * s->wv;
    const size_t line = s->flat_rows ? (size_t)o[1] * in[2] : (size_t)o[2];
    const size_t sw = p->transposed ? (size_t)p->s[2] : 1;
    size_t gws[3] = {sw * (((line + sw - 1) / sw + bw - 1) / bw),
                     s->flat_rows ? (size_t)o[0] : (size_t)o[0] * o[1], (size_t)p->N * p->G * kblk};
    const size_t *lws = plan->params.direct_lws[0] ? plan->params.direct_lws : NULL;
    if (!st)
        st = clconv_chain_kernel(&ch, op, s->kernel, 3, gws, lws);
    return clconv_chain_end(&ch, st, event);
}

static void direct_destroy(clconv_plan *plan)
{
    direct_state *s = plan->state;
    if (!s)
        return;
    if (s->kernel)
        clReleaseKernel(s->kernel);
    if (s->pad)
        clReleaseKernel(s->pad);
    if (s->packed)
        clReleaseMemObject(s->packed);
    if (s->bias)
        clReleaseMemObject(s->bias);
    free(s);
    plan->state = NULL;
}

/* The tuner's candidates (tune.c): output channels and columns per
 * work-item, and on GPUs the work-group shape. */
static const tune_knob direct_space[] = {
    {"direct_oc_block", {4, 8, 16, 24}, 0, 0},
    {"direct_w_block", {4, 8, 16}, 0, 0},
    {"direct_w_vecs", {1, 2}, 0, 0},
    {"direct_pw_w_vecs", {1, 2}, 0, 0},
    {"direct_flat_rows", {0, 1}, 0, 2},
    {"direct_lws_x", {8, 16, 32}, 1, 0},
    {"direct_lws_y", {1, 2, 4, 8}, 1, 0},
    {NULL, {0}, 0, 0}};

const clconv_algo clconv_algo_direct = {CLCONV_ALGO_DIRECT, "direct", direct_applicable,
                                        direct_create, direct_set_weights, direct_enqueue,
                                        direct_destroy, direct_space, 1e-5};
