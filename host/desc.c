/* Descriptor validation and the ONNX attribute rules: auto_pad, output_shape
 * and output_padding are resolved here, once, into explicit pads and an
 * output size, so that no algorithm repeats them. */
#include "internal.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

/* Largest element count of one tensor: kernels index with 32-bit ints. */
#define MAX_ELEMS ((size_t)INT_MAX)

static int floor_div(int a, int b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

void clconv_conv_desc_init(clconv_conv_desc *desc, int rank)
{
    if (!desc)
        return;
    memset(desc, 0, sizeof *desc);
    desc->rank = rank;
    desc->batch = 1;
    desc->groups = 1;
    desc->auto_pad = CLCONV_AUTO_PAD_NOTSET;
    desc->activation = CLCONV_ACTIVATION_NONE;
    desc->activation_alpha = 0.0f;
    desc->activation_beta = 0.0f;
    for (int i = 0; i < CLCONV_MAX_RANK; i++) {
        desc->strides[i] = 1;
        desc->dilations[i] = 1;
    }
}

static clconv_status bad(const char *op, const char *field, int index, long long value,
                         const char *rule)
{
    if (index >= 0)
        return clconv_fail(CLCONV_INVALID_ARGUMENT, "%s: %s[%d] = %lld: %s", op, field, index,
                           value, rule);
    return clconv_fail(CLCONV_INVALID_ARGUMENT, "%s: %s = %lld: %s", op, field, value, rule);
}

clconv_status clconv_problem_from_desc(const clconv_conv_desc *desc, const char *op,
                                       conv_problem *p)
{
    if (!desc)
        return clconv_fail(CLCONV_INVALID_ARGUMENT, "%s: desc is NULL", op);
    memset(p, 0, sizeof *p);
    const int r = desc->rank;
    if (r < 1 || r > CLCONV_MAX_RANK)
        return bad(op, "rank", -1, r, "rank must be 1, 2 or 3");
    if (desc->batch < 1)
        return bad(op, "batch", -1, desc->batch, "batch must be >= 1");
    if (desc->in_channels < 1)
        return bad(op, "in_channels", -1, desc->in_channels, "in_channels must be >= 1");
    if (desc->out_channels < 1)
        return bad(op, "out_channels", -1, desc->out_channels, "out_channels must be >= 1");
    if (desc->groups < 1)
        return bad(op, "groups", -1, desc->groups, "groups must be >= 1");
    if (desc->in_channels % desc->groups)
        return clconv_fail(CLCONV_INVALID_ARGUMENT,
                           "%s: groups = %d: groups must divide in_channels (%d)", op,
                           desc->groups, desc->in_channels);
    if (desc->out_channels % desc->groups)
        return clconv_fail(CLCONV_INVALID_ARGUMENT,
                           "%s: groups = %d: groups must divide out_channels (%d)", op,
                           desc->groups, desc->out_channels);
    if (desc->transposed != 0 && desc->transposed != 1)
        return bad(op, "transposed", -1, desc->transposed, "transposed must be 0 or 1");
    if (desc->has_bias != 0 && desc->has_bias != 1)
        return bad(op, "has_bias", -1, desc->has_bias, "has_bias must be 0 or 1");
    if ((unsigned)desc->auto_pad > CLCONV_AUTO_PAD_VALID)
        return bad(op, "auto_pad", -1, desc->auto_pad,
                   "auto_pad must be NOTSET, SAME_UPPER, SAME_LOWER or VALID");
    if ((unsigned)desc->activation > CLCONV_ACTIVATION_LEAKY_RELU)
        return bad(op, "activation", -1, desc->activation,
                   "activation must be NONE, RELU, CLIP or LEAKY_RELU");
    if (!isfinite(desc->activation_alpha) || !isfinite(desc->activation_beta))
        return clconv_fail(CLCONV_INVALID_ARGUMENT,
                           "%s: activation_alpha = %g, activation_beta = %g: must be finite", op,
                           desc->activation_alpha, desc->activation_beta);
    if (desc->activation == CLCONV_ACTIVATION_CLIP &&
        desc->activation_alpha > desc->activation_beta)
        return clconv_fail(CLCONV_INVALID_ARGUMENT,
                           "%s: activation_alpha = %g: clip min must be <= clip max (%g)", op,
                           desc->activation_alpha, desc->activation_beta);

    int n_shape = 0;
    for (int i = 0; i < r; i++) {
        if (desc->in_size[i] < 1)
            return bad(op, "in_size", i, desc->in_size[i], "in_size must be >= 1");
        if (desc->kernel_size[i] < 1)
            return bad(op, "kernel_size", i, desc->kernel_size[i], "kernel_size must be >= 1");
        if (desc->strides[i] < 1)
            return bad(op, "strides", i, desc->strides[i], "strides must be >= 1");
        if (desc->dilations[i] < 1)
            return bad(op, "dilations", i, desc->dilations[i], "dilations must be >= 1");
        if (desc->pads_begin[i] < 0)
            return bad(op, "pads_begin", i, desc->pads_begin[i], "pads must be >= 0");
        if (desc->pads_end[i] < 0)
            return bad(op, "pads_end", i, desc->pads_end[i], "pads must be >= 0");
        if (desc->output_shape[i] < 0)
            return bad(op, "output_shape", i, desc->output_shape[i],
                       "output_shape must be >= 1 (or all 0 for none)");
        n_shape += desc->output_shape[i] > 0;
        if (!desc->transposed) {
            if (desc->output_padding[i] != 0)
                return bad(op, "output_padding", i, desc->output_padding[i],
                           "output_padding applies to transposed convolution only");
            if (desc->output_shape[i] != 0)
                return bad(op, "output_shape", i, desc->output_shape[i],
                           "output_shape applies to transposed convolution only");
        } else {
            int lim = desc->strides[i] > desc->dilations[i] ? desc->strides[i] : desc->dilations[i];
            if (desc->output_padding[i] < 0 || desc->output_padding[i] >= lim)
                return bad(op, "output_padding", i, desc->output_padding[i],
                           "output_padding must be >= 0 and less than the stride or dilation");
        }
        /* Guard the int arithmetic below: sizes past these are no image. */
        const struct { const char *field; int value, max; } lim[] = {
            {"in_size", desc->in_size[i], 1 << 24},      {"kernel_size", desc->kernel_size[i], 1 << 16},
            {"strides", desc->strides[i], 1 << 16},      {"dilations", desc->dilations[i], 1 << 16},
            {"pads_begin", desc->pads_begin[i], 1 << 24}, {"pads_end", desc->pads_end[i], 1 << 24},
            {"output_shape", desc->output_shape[i], 1 << 26}};
        for (size_t j = 0; j < sizeof lim / sizeof *lim; j++)
            if (lim[j].value > lim[j].max)
                return clconv_fail(CLCONV_INVALID_ARGUMENT, "%s: %s[%d] = %d: must be <= %d", op,
                                   lim[j].field, i, lim[j].value, lim[j].max);
    }
    if (n_shape != 0 && n_shape != r)
        return clconv_fail(CLCONV_INVALID_ARGUMENT,
                           "%s: output_shape: give all %d entries or none", op, r);

    p->rank = r;
    p->N = desc->batch;
    p->C = desc->in_channels;
    p->K = desc->out_channels;
    p->G = desc->groups;
    p->transposed = desc->transposed;
    p->has_bias = desc->has_bias;
    p->act = desc->activation;
    p->alpha = desc->activation_alpha;
    p->beta = desc->activation_beta;
    for (int a = 0; a < 3; a++) {
        p->in[a] = p->out[a] = p->k[a] = p->s[a] = p->d[a] = 1;
        p->pb[a] = p->pe[a] = 0;
    }
    for (int i = 0; i < r; i++) {
        const int a = 3 - r + i;
        const int in = desc->in_size[i], k = desc->kernel_size[i], s = desc->strides[i];
        const int d = desc->dilations[i];
        const long long ek_ll = (long long)(k - 1) * d + 1; /* extent of the dilated kernel */
        const long long natural_ll = (long long)s * (in - 1) + desc->output_padding[i] + ek_ll;
        if (ek_ll > (1 << 26) || (desc->transposed && natural_ll > (1 << 26)))
            return clconv_fail(CLCONV_INVALID_ARGUMENT,
                               "%s: kernel_size[%d] = %d, dilations[%d] = %d: the dilated kernel "
                               "or the transposed output is too large (at most 2^26)",
                               op, i, k, i, d);
        const int ek = (int)ek_ll;
        int pb = desc->pads_begin[i], pe = desc->pads_end[i], out;
        if (!desc->transposed) {
            switch (desc->auto_pad) {
            case CLCONV_AUTO_PAD_VALID: pb = pe = 0; break;
            case CLCONV_AUTO_PAD_SAME_UPPER:
            case CLCONV_AUTO_PAD_SAME_LOWER: {
                int o = (in + s - 1) / s;
                int total = (o - 1) * s + ek - in;
                if (total < 0)
                    total = 0;
                int small = total / 2;
                pb = desc->auto_pad == CLCONV_AUTO_PAD_SAME_UPPER ? small : total - small;
                pe = total - pb;
                break;
            }
            case CLCONV_AUTO_PAD_NOTSET: break;
            }
            if (in + pb + pe < ek)
                return clconv_fail(CLCONV_INVALID_ARGUMENT,
                                   "%s: kernel_size[%d] = %d: the dilated kernel (%d) is larger "
                                   "than the padded input (%d + %d + %d)",
                                   op, i, k, ek, in, pb, pe);
            out = (in + pb + pe - ek) / s + 1;
        } else {
            const int op_ = desc->output_padding[i];
            const int natural = s * (in - 1) + op_ + ek;
            int want = 0;
            if (n_shape)
                want = desc->output_shape[i];
            else if (desc->auto_pad == CLCONV_AUTO_PAD_SAME_UPPER ||
                     desc->auto_pad == CLCONV_AUTO_PAD_SAME_LOWER)
                want = in * s;
            if (want) {
                /* ONNX: total = natural - output_shape; SAME_UPPER puts the
                 * smaller half first, every other mode the larger half.
                 * Python's floor division, since total may be negative. */
                int total = natural - want;
                int half = floor_div(total, 2);
                if (desc->auto_pad == CLCONV_AUTO_PAD_SAME_UPPER) {
                    pb = half;
                    pe = total - half;
                } else {
                    pb = total - half;
                    pe = half;
                }
            } else if (desc->auto_pad == CLCONV_AUTO_PAD_VALID) {
                pb = pe = 0;
            }
            out = natural - pb - pe;
            if (out < 1)
                return clconv_fail(CLCONV_INVALID_ARGUMENT,
                                   "%s: pads[%d] = %d,%d: the transposed output would be %d "
                                   "elements long; it must be >= 1",
                                   op, i, pb, pe, out);
        }
        p->in[a] = in;
        p->out[a] = out;
        p->k[a] = k;
        p->s[a] = s;
        p->d[a] = d;
        p->pb[a] = pb;
        p->pe[a] = pe;
    }

    size_t e;
    if (!(e = clconv_problem_input_elems(p)) || e > MAX_ELEMS)
        return clconv_fail(CLCONV_INVALID_ARGUMENT,
                           "%s: input: too many elements (at most %zu per tensor)", op, MAX_ELEMS);
    if (!(e = clconv_problem_output_elems(p)) || e > MAX_ELEMS)
        return clconv_fail(CLCONV_INVALID_ARGUMENT,
                           "%s: output: too many elements (at most %zu per tensor)", op, MAX_ELEMS);
    if (!(e = clconv_problem_weight_elems(p)) || e > MAX_ELEMS)
        return clconv_fail(CLCONV_INVALID_ARGUMENT,
                           "%s: weights: too many elements (at most %zu per tensor)", op, MAX_ELEMS);
    return CLCONV_SUCCESS;
}

static size_t prod3(const int v[3])
{
    size_t r = 1;
    for (int a = 0; a < 3; a++)
        if (!clconv_mul_size(r, (size_t)v[a], &r))
            return 0;
    return r;
}

static size_t mul(size_t a, size_t b)
{
    size_t r;
    return clconv_mul_size(a, b, &r) ? r : 0;
}

size_t clconv_problem_input_elems(const conv_problem *p)
{
    return mul(mul((size_t)p->N, (size_t)p->C), prod3(p->in));
}
size_t clconv_problem_output_elems(const conv_problem *p)
{
    return mul(mul((size_t)p->N, (size_t)p->K), prod3(p->out));
}
size_t clconv_problem_weight_elems(const conv_problem *p)
{
    return mul(mul((size_t)p->K, (size_t)(p->C / p->G)), prod3(p->k));
}

void clconv_problem_string(const conv_problem *p, char *buf, size_t n)
{
    char sz[64] = "", ks[64] = "", st[64] = "", pd[96] = "", dl[64] = "";
    size_t a = 0, b = 0, c = 0, d = 0, e = 0;
    for (int i = 3 - p->rank; i < 3; i++) {
        const char *sep = i == 3 - p->rank ? "" : "x";
        const char *com = i == 3 - p->rank ? "" : ",";
        a += (size_t)snprintf(sz + a, sizeof sz - a, "%s%d", sep, p->in[i]);
        b += (size_t)snprintf(ks + b, sizeof ks - b, "%s%d", sep, p->k[i]);
        c += (size_t)snprintf(st + c, sizeof st - c, "%s%d", com, p->s[i]);
        e += (size_t)snprintf(dl + e, sizeof dl - e, "%s%d", com, p->d[i]);
    }
    for (int i = 3 - p->rank; i < 3; i++)
        d += (size_t)snprintf(pd + d, sizeof pd - d, "%s%d", d ? "," : "", p->pb[i]);
    for (int i = 3 - p->rank; i < 3; i++)
        d += (size_t)snprintf(pd + d, sizeof pd - d, ",%d", p->pe[i]);
    snprintf(buf, n, "%sN%d C%d %s K%d k%s s%s p%s d%s g%d%s%s", p->transposed ? "T " : "", p->N,
             p->C, sz, p->K, ks, st, pd, dl, p->G, p->has_bias ? " bias" : "",
             p->act == CLCONV_ACTIVATION_RELU         ? " relu"
             : p->act == CLCONV_ACTIVATION_CLIP       ? " clip"
             : p->act == CLCONV_ACTIVATION_LEAKY_RELU ? " leaky"
                                                      : "");
}

/* ---- public helpers ------------------------------------------------------ */

clconv_status clconv_conv_output_shape(const clconv_conv_desc *desc, int out_size[CLCONV_MAX_RANK])
{
    conv_problem p;
    clconv_status st = clconv_problem_from_desc(desc, "clconv_conv_output_shape", &p);
    if (st)
        return st;
    if (!out_size)
        return clconv_fail(CLCONV_INVALID_ARGUMENT, "clconv_conv_output_shape: out_size is NULL");
    for (int i = 0; i < p.rank; i++)
        out_size[i] = p.out[3 - p.rank + i];
    return CLCONV_SUCCESS;
}

clconv_status clconv_conv_resolved_pads(const clconv_conv_desc *desc,
                                        int pads_begin[CLCONV_MAX_RANK],
                                        int pads_end[CLCONV_MAX_RANK])
{
    conv_problem p;
    clconv_status st = clconv_problem_from_desc(desc, "clconv_conv_resolved_pads", &p);
    if (st)
        return st;
    if (!pads_begin || !pads_end)
        return clconv_fail(CLCONV_INVALID_ARGUMENT, "clconv_conv_resolved_pads: pads is NULL");
    for (int i = 0; i < p.rank; i++) {
        pads_begin[i] = p.pb[3 - p.rank + i];
        pads_end[i] = p.pe[3 - p.rank + i];
    }
    return CLCONV_SUCCESS;
}

double clconv_conv_flops(const clconv_conv_desc *desc)
{
    conv_problem p;
    if (clconv_problem_from_desc(desc, "clconv_conv_flops", &p))
        return 0.0;
    double taps = (double)p.k[0] * p.k[1] * p.k[2];
    if (!p.transposed)
        return 2.0 * p.N * p.K * (double)p.out[0] * p.out[1] * p.out[2] * (p.C / p.G) * taps;
    /* Every input element meets K/G output channels through every tap. */
    return 2.0 * p.N * p.C * (double)p.in[0] * p.in[1] * p.in[2] * (p.K / p.G) * taps;
}

size_t clconv_conv_input_elems(const clconv_conv_desc *desc)
{
    conv_problem p;
    return clconv_problem_from_desc(desc, "clconv_conv_input_elems", &p)
               ? 0
               : clconv_problem_input_elems(&p);
}
size_t clconv_conv_weight_elems(const clconv_conv_desc *desc)
{
    conv_problem p;
    return clconv_problem_from_desc(desc, "clconv_conv_weight_elems", &p)
               ? 0
               : clconv_problem_weight_elems(&p);
}
size_t clconv_conv_output_elems(const clconv_conv_desc *desc)
{
    conv_problem p;
    return clconv_problem_from_desc(desc, "clconv_conv_output_elems", &p)
               ? 0
               : clconv_problem_output_elems(&p);
}
