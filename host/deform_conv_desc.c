/*
 * Deformable convolution descriptors: defaults, validation, shapes, FLOPs
 * and the float64 reference, shared by the reference and the device path
 * (deform_conv.c) so that both accept exactly the same descriptors.
 */
#include "deform_internal.h"

#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MAX_ELEMS ((size_t)INT_MAX)

void clconv_deform_conv_desc_init(clconv_deform_conv_desc *desc)
{
    if (!desc)
        return;
    memset(desc, 0, sizeof *desc);
    desc->rank = 2;
    desc->batch = 1;
    for (int i = 0; i < 2; i++)
        desc->strides[i] = desc->dilations[i] = 1;
    desc->groups = 1;
    desc->offset_groups = 1;
    desc->activation = CLCONV_ACTIVATION_NONE;
    /* in/out channels, in_size and kernel_size are required: left 0. */
}

static clconv_status bad(const char *op, const char *field, int idx, int value, const char *rule)
{
    if (idx < 0)
        return clconv_fail(CLCONV_INVALID_ARGUMENT, "%s: %s = %d: %s", op, field, value, rule);
    return clconv_fail(CLCONV_INVALID_ARGUMENT, "%s: %s[%d] = %d: %s", op, field, idx, value,
                       rule);
}

static size_t elems4(size_t a, size_t b, size_t c, size_t d)
{
    size_t e = 1;
    if (!clconv_mul_size(e, a, &e) || !clconv_mul_size(e, b, &e) || !clconv_mul_size(e, c, &e) ||
        !clconv_mul_size(e, d, &e))
        return 0;
    return e;
}

size_t clconv_deform_input_elems(const deform_problem *p)
{
    return elems4((size_t)p->N, (size_t)p->C, (size_t)p->H, (size_t)p->W);
}
size_t clconv_deform_weight_elems(const deform_problem *p)
{
    return elems4((size_t)p->K, (size_t)(p->C / p->G), (size_t)p->kH, (size_t)p->kW);
}
size_t clconv_deform_offset_elems(const deform_problem *p)
{
    size_t ch;
    if (!clconv_mul_size((size_t)2 * (size_t)p->OG, (size_t)p->kH * (size_t)p->kW, &ch))
        return 0;
    return elems4((size_t)p->N, ch, (size_t)p->oH, (size_t)p->oW);
}
size_t clconv_deform_mask_elems(const deform_problem *p)
{
    if (!p->has_mask)
        return 0;
    size_t ch;
    if (!clconv_mul_size((size_t)p->OG, (size_t)p->kH * (size_t)p->kW, &ch))
        return 0;
    return elems4((size_t)p->N, ch, (size_t)p->oH, (size_t)p->oW);
}
size_t clconv_deform_output_elems(const deform_problem *p)
{
    return elems4((size_t)p->N, (size_t)p->K, (size_t)p->oH, (size_t)p->oW);
}

clconv_status clconv_deform_check(const clconv_deform_conv_desc *d, const char *op,
                                  deform_problem *p)
{
    if (!d)
        return clconv_fail(CLCONV_INVALID_ARGUMENT, "%s: desc is NULL", op);
    if (d->rank != 2)
        return bad(op, "rank", -1, d->rank,
                   "deformable convolution is rank 2 only (ONNX DeformConv 2D)");
    if (d->batch < 1)
        return bad(op, "batch", -1, d->batch, "batch must be >= 1");
    if (d->in_channels < 1)
        return bad(op, "in_channels", -1, d->in_channels, "in_channels must be >= 1");
    if (d->out_channels < 1)
        return bad(op, "out_channels", -1, d->out_channels, "out_channels must be >= 1");
    for (int i = 0; i < 2; i++) {
        if (d->in_size[i] < 1)
            return bad(op, "in_size", i, d->in_size[i], "in_size must be >= 1");
        if (d->kernel_size[i] < 1)
            return bad(op, "kernel_size", i, d->kernel_size[i], "kernel_size must be >= 1");
        if (d->strides[i] < 1)
            return bad(op, "strides", i, d->strides[i], "strides must be >= 1");
        if (d->dilations[i] < 1)
            return bad(op, "dilations", i, d->dilations[i], "dilations must be >= 1");
        if (d->pads_begin[i] < 0)
            return bad(op, "pads_begin", i, d->pads_begin[i], "pads must be >= 0");
        if (d->pads_end[i] < 0)
            return bad(op, "pads_end", i, d->pads_end[i], "pads must be >= 0");
    }
    if (d->groups < 1)
        return bad(op, "groups", -1, d->groups, "groups must be >= 1");
    if (d->in_channels % d->groups)
        return clconv_fail(CLCONV_INVALID_ARGUMENT,
                           "%s: groups = %d: groups must divide in_channels (%d)", op, d->groups,
                           d->in_channels);
    if (d->out_channels % d->groups)
        return clconv_fail(CLCONV_INVALID_ARGUMENT,
                           "%s: groups = %d: groups must divide out_channels (%d)", op, d->groups,
                           d->out_channels);
    if (d->offset_groups < 1)
        return bad(op, "offset_groups", -1, d->offset_groups, "offset_groups must be >= 1");
    if (d->in_channels % d->offset_groups)
        return clconv_fail(CLCONV_INVALID_ARGUMENT,
                           "%s: offset_groups = %d: offset_groups must divide in_channels (%d)",
                           op, d->offset_groups, d->in_channels);
    if (d->has_mask != 0 && d->has_mask != 1)
        return bad(op, "has_mask", -1, d->has_mask, "has_mask must be 0 or 1");
    if (d->has_bias != 0 && d->has_bias != 1)
        return bad(op, "has_bias", -1, d->has_bias, "has_bias must be 0 or 1");
    if ((unsigned)d->activation > CLCONV_ACTIVATION_LEAKY_RELU)
        return bad(op, "activation", -1, (int)d->activation,
                   "activation must be NONE, RELU, CLIP or LEAKY_RELU");
    if (!isfinite(d->activation_alpha) || !isfinite(d->activation_beta))
        return clconv_fail(CLCONV_INVALID_ARGUMENT,
                           "%s: activation_alpha = %g, activation_beta = %g: must be finite", op,
                           d->activation_alpha, d->activation_beta);
    if (d->activation == CLCONV_ACTIVATION_CLIP && d->activation_alpha > d->activation_beta)
        return clconv_fail(CLCONV_INVALID_ARGUMENT,
                           "%s: activation_alpha = %g: clip min must be <= clip max (%g)", op,
                           d->activation_alpha, d->activation_beta);
    int o[2];
    for (int i = 0; i < 2; i++) {
        /* long long: no int overflow for any int field values */
        long long ext = (long long)(d->kernel_size[i] - 1) * d->dilations[i] + 1;
        long long span = (long long)d->in_size[i] + d->pads_begin[i] + d->pads_end[i] - ext;
        if (span < 0)
            return clconv_fail(CLCONV_INVALID_ARGUMENT,
                               "%s: kernel_size[%d] = %d: the dilated kernel (%lld) is larger "
                               "than the padded input (%lld)",
                               op, i, d->kernel_size[i], ext,
                               (long long)d->in_size[i] + d->pads_begin[i] + d->pads_end[i]);
        long long v = span / d->strides[i] + 1;
        if (v > INT_MAX)
            return clconv_fail(CLCONV_INVALID_ARGUMENT, "%s: in_size[%d]: output too large", op,
                               i);
        o[i] = (int)v;
    }
    deform_problem q = {
        .N = d->batch, .C = d->in_channels, .K = d->out_channels, .G = d->groups,
        .OG = d->offset_groups, .H = d->in_size[0], .W = d->in_size[1], .oH = o[0], .oW = o[1],
        .kH = d->kernel_size[0], .kW = d->kernel_size[1], .sH = d->strides[0],
        .sW = d->strides[1], .dH = d->dilations[0], .dW = d->dilations[1],
        .pt = d->pads_begin[0], .pl = d->pads_begin[1], .pb = d->pads_end[0],
        .pr = d->pads_end[1], .has_mask = d->has_mask, .has_bias = d->has_bias,
        .act = d->activation, .alpha = d->activation_alpha, .beta = d->activation_beta};
    static const char *const names[] = {"input", "weights", "offset", "mask", "output"};
    const size_t e[] = {clconv_deform_input_elems(&q), clconv_deform_weight_elems(&q),
                        clconv_deform_offset_elems(&q), q.has_mask ? clconv_deform_mask_elems(&q) : 1,
                        clconv_deform_output_elems(&q)};
    for (int i = 0; i < 5; i++)
        if (!e[i] || e[i] > MAX_ELEMS)
            return clconv_fail(CLCONV_INVALID_ARGUMENT,
                               "%s: %s: too many elements (at most %zu per tensor)", op, names[i],
                               MAX_ELEMS);
    if (p)
        *p = q;
    return CLCONV_SUCCESS;
}

clconv_status clconv_deform_conv_output_shape(const clconv_deform_conv_desc *desc, int out_size[2])
{
    static const char op[] = "clconv_deform_conv_output_shape";
    clconv_clear_error();
    deform_problem p;
    clconv_status st = clconv_deform_check(desc, op, &p);
    if (st)
        return st;
    if (!out_size)
        return clconv_fail(CLCONV_INVALID_ARGUMENT, "%s: out_size is NULL", op);
    out_size[0] = p.oH;
    out_size[1] = p.oW;
    return CLCONV_SUCCESS;
}

#define ELEMS_FN(name, fn)                                                                         \
    size_t name(const clconv_deform_conv_desc *desc)                                              \
    {                                                                                              \
        deform_problem p;                                                                          \
        return clconv_deform_check(desc, #name, &p) ? 0 : fn(&p);                                  \
    }
ELEMS_FN(clconv_deform_conv_input_elems, clconv_deform_input_elems)
ELEMS_FN(clconv_deform_conv_weight_elems, clconv_deform_weight_elems)
ELEMS_FN(clconv_deform_conv_offset_elems, clconv_deform_offset_elems)
ELEMS_FN(clconv_deform_conv_mask_elems, clconv_deform_mask_elems)
ELEMS_FN(clconv_deform_conv_output_elems, clconv_deform_output_elems)

double clconv_deform_conv_flops(const clconv_deform_conv_desc *desc)
{
    deform_problem p;
    if (clconv_deform_check(desc, "clconv_deform_conv_flops", &p))
        return 0.0;
    return 2.0 * p.N * p.K * (double)p.oH * p.oW * (p.C / p.G) * p.kH * p.kW;
}

/* ---- reference ------------------------------------------------------------ */

/* torchvision's bilinear_interpolate in double: zero outside the image. */
static double sample(const float *plane, int H, int W, double h, double w)
{
    if (!(h > -1.0 && h < H && w > -1.0 && w < W))
        return 0.0;
    const double hl = floor(h), wl = floor(w);
    const int h0 = (int)hl, w0 = (int)wl, h1 = h0 + 1, w1 = w0 + 1;
    const double lh = h - hl, lw = w - wl, hh = 1.0 - lh, hw = 1.0 - lw;
    double v = 0.0;
    if (h0 >= 0 && w0 >= 0)
        v += hh * hw * plane[(size_t)h0 * W + w0];
    if (h0 >= 0 && w1 <= W - 1)
        v += hh * lw * plane[(size_t)h0 * W + w1];
    if (h1 <= H - 1 && w0 >= 0)
        v += lh * hw * plane[(size_t)h1 * W + w0];
    if (h1 <= H - 1 && w1 <= W - 1)
        v += lh * lw * plane[(size_t)h1 * W + w1];
    return v;
}

static double activate(double v, const deform_problem *p)
{
    switch (p->act) {
    case CLCONV_ACTIVATION_NONE: return v;
    case CLCONV_ACTIVATION_RELU: return fmax(v, 0.0);
    case CLCONV_ACTIVATION_CLIP: return fmin(fmax(v, (double)p->alpha), (double)p->beta);
    case CLCONV_ACTIVATION_LEAKY_RELU: return v >= 0.0 ? v : (double)p->alpha * v;
    }
    return v;
}

clconv_status clconv_reference_deform_conv(const clconv_deform_conv_desc *desc, const float *x,
                                           const float *w, const float *b, const float *off,
                                           const float *m, double *y)
{
    static const char op[] = "clconv_reference_deform_conv";
    clconv_clear_error();
    deform_problem p;
    clconv_status st = clconv_deform_check(desc, op, &p);
    if (st)
        return st;
    if (!x || !w || !off || !y)
        return clconv_fail(CLCONV_INVALID_ARGUMENT, "%s: %s is NULL", op,
                           !x ? "input" : !w ? "weights" : !off ? "offset" : "output");
    if (p.has_bias != (b != NULL))
        return clconv_fail(CLCONV_INVALID_ARGUMENT, "%s: bias: %s", op,
                           b ? "given but has_bias = 0" : "NULL but has_bias = 1");
    if (p.has_mask != (m != NULL))
        return clconv_fail(CLCONV_INVALID_ARGUMENT, "%s: mask: %s", op,
                           m ? "given but has_mask = 0" : "NULL but has_mask = 1");
    const int T = p.kH * p.kW, Cg = p.C / p.G, Kg = p.K / p.G, Cog = p.C / p.OG;
    const size_t P = (size_t)p.oH * p.oW, HW = (size_t)p.H * p.W;
    /* Sampled columns of one output pixel: col[c][t], then a dot product
     * per output channel. */
    double *col = malloc((size_t)p.C * T * sizeof *col);
    if (!col)
        return clconv_fail(CLCONV_OUT_OF_MEMORY, "%s: out of host memory", op);
    for (int n = 0; n < p.N; n++)
        for (int oh = 0; oh < p.oH; oh++)
            for (int ow = 0; ow < p.oW; ow++) {
                const size_t pix = (size_t)oh * p.oW + ow;
                for (int c = 0; c < p.C; c++) {
                    const int og = c / Cog;
                    const float *plane = x + ((size_t)n * p.C + c) * HW;
                    for (int kh = 0; kh < p.kH; kh++)
                        for (int kw = 0; kw < p.kW; kw++) {
                            const int t = kh * p.kW + kw;
                            const size_t och = ((size_t)n * p.OG + og) * 2 * T + 2 * (size_t)t;
                            const double dy = off[och * P + pix], dx = off[(och + 1) * P + pix];
                            const double hs = (double)oh * p.sH - p.pt + (double)kh * p.dH + dy;
                            const double ws = (double)ow * p.sW - p.pl + (double)kw * p.dW + dx;
                            double v = sample(plane, p.H, p.W, hs, ws);
                            if (m)
                                v *= m[(((size_t)n * p.OG + og) * T + t) * P + pix];
                            col[(size_t)c * T + t] = v;
                        }
                }
                for (int k = 0; k < p.K; k++) {
                    const int g = k / Kg;
                    const float *wk = w + (size_t)k * Cg * T;
                    const double *cg = col + (size_t)g * Cg * T;
                    double acc = 0.0;
                    for (int i = 0; i < Cg * T; i++)
                        acc += (double)wk[i] * cg[i];
                    if (b)
                        acc += b[k];
                    y[((size_t)n * p.K + k) * P + pix] = activate(acc, &p);
                }
            }
    free(col);
    return CLCONV_SUCCESS;
}
