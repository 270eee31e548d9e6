/*
 * The CPU reference: the oracle every test and the bench compare against.
 *
 * It works on the resolved problem (host/desc.c has already applied
 * auto_pad, output_shape and output_padding, so pads are explicit and may be
 * negative for ConvTranspose) and follows the ONNX definitions literally:
 *   Conv:          y[n][k][o] = sum_{c in group(k), t} x[n][c][o*s + t*d - pb] * w[k][c'][t]
 *   ConvTranspose: y[n][k][o] = sum_{c in group(k), t, i : i*s + t*d - pb == o}
 *                                   x[n][c][i] * w[c][k'][t]
 * accumulated in double, then + bias[k], then the activation in double.
 *
 * Both are written as "for every tap, a run of positions along W": Conv
 * gathers a strided input row into a contiguous output row, ConvTranspose
 * scatters a contiguous input row into a strided output row.  The valid run
 * of each axis is computed once per tap (axis_range), so the inner loop has
 * no bounds checks; that keeps a 56x56 C64 K64 3x3 layer well under a
 * second while the code stays a transcription of the formulas above.
 */
#include "internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int floor_div(int a, int b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }
static int ceil_div(int a, int b) { return -floor_div(-a, b); }

/* The run [*lo, *hi) of j in [0, n) with 0 <= j*s + off < limit. */
static void axis_range(int n, int s, int off, int limit, int *lo, int *hi)
{
    int a = ceil_div(-off, s), b = ceil_div(limit - off, s);
    *lo = a > 0 ? a : 0;
    *hi = b < n ? b : n;
    if (*hi < *lo)
        *hi = *lo;
}

static double activate(double v, const conv_problem *p)
{
    switch (p->act) {
    case CLCONV_ACTIVATION_NONE: return v;
    case CLCONV_ACTIVATION_RELU: return fmax(v, 0.0);
    case CLCONV_ACTIVATION_CLIP: return fmin(fmax(v, (double)p->alpha), (double)p->beta);
    case CLCONV_ACTIVATION_LEAKY_RELU: return v >= 0.0 ? v : (double)p->alpha * v;
    }
    return v;
}

/* One (input plane, output plane, tap) pair of Conv: y[o] += wv * x[o*s + t*d - pb]. */
static void conv_tap(const conv_problem *p, const float *x, double *y, double wv, const int t[3])
{
    int lo[3], hi[3], off[3];
    for (int a = 0; a < 3; a++) {
        off[a] = t[a] * p->d[a] - p->pb[a];
        axis_range(p->out[a], p->s[a], off[a], p->in[a], &lo[a], &hi[a]);
    }
    const int sw = p->s[2];
    for (int od = lo[0]; od < hi[0]; od++) {
        const int id = od * p->s[0] + off[0];
        for (int oh = lo[1]; oh < hi[1]; oh++) {
            const int ih = oh * p->s[1] + off[1];
            double *yr = y + ((size_t)od * p->out[1] + (size_t)oh) * (size_t)p->out[2];
            const float *xr = x + ((size_t)id * p->in[1] + (size_t)ih) * (size_t)p->in[2];
            for (int ow = lo[2]; ow < hi[2]; ow++)
                yr[ow] += wv * (double)xr[ow * sw + off[2]];
        }
    }
}

/* One (input plane, output plane, tap) pair of ConvTranspose:
 * y[i*s + t*d - pb] += wv * x[i]. */
static void convt_tap(const conv_problem *p, const float *x, double *y, double wv, const int t[3])
{
    int lo[3], hi[3], off[3];
    for (int a = 0; a < 3; a++) {
        off[a] = t[a] * p->d[a] - p->pb[a];
        axis_range(p->in[a], p->s[a], off[a], p->out[a], &lo[a], &hi[a]);
    }
    const int sw = p->s[2];
    for (int id = lo[0]; id < hi[0]; id++) {
        const int od = id * p->s[0] + off[0];
        for (int ih = lo[1]; ih < hi[1]; ih++) {
            const int oh = ih * p->s[1] + off[1];
            double *yr = y + ((size_t)od * p->out[1] + (size_t)oh) * (size_t)p->out[2];
            const float *xr = x + ((size_t)id * p->in[1] + (size_t)ih) * (size_t)p->in[2];
            for (int iw = lo[2]; iw < hi[2]; iw++)
                yr[iw * sw + off[2]] += wv * (double)xr[iw];
        }
    }
}

void clconv_reference_problem(const conv_problem *p, const float *x, const float *w,
                              const float *bias, double *y)
{
    const size_t in_plane = (size_t)p->in[0] * p->in[1] * p->in[2];
    const size_t out_plane = (size_t)p->out[0] * p->out[1] * p->out[2];
    const size_t taps = (size_t)p->k[0] * p->k[1] * p->k[2];
    const int cg = p->C / p->G, kg = p->K / p->G; /* channels per group */

    memset(y, 0, (size_t)p->N * p->K * out_plane * sizeof *y);
    for (int n = 0; n < p->N; n++) {
        for (int g = 0; g < p->G; g++) {
            for (int kk = 0; kk < kg; kk++) {
                const int k = g * kg + kk;
                double *yp = y + ((size_t)n * p->K + (size_t)k) * out_plane;
                for (int cc = 0; cc < cg; cc++) {
                    const int c = g * cg + cc;
                    const float *xp = x + ((size_t)n * p->C + (size_t)c) * in_plane;
                    /* Conv: w[K][C/G][taps]; ConvTranspose: w[C][K/G][taps]. */
                    const float *wp = p->transposed ? w + ((size_t)c * kg + (size_t)kk) * taps
                                                    : w + ((size_t)k * cg + (size_t)cc) * taps;
                    int t[3];
                    for (t[0] = 0; t[0] < p->k[0]; t[0]++)
                        for (t[1] = 0; t[1] < p->k[1]; t[1]++)
                            for (t[2] = 0; t[2] < p->k[2]; t[2]++) {
                                const double wv = (double)*wp++;
                                if (p->transposed)
                                    convt_tap(p, xp, yp, wv, t);
                                else
                                    conv_tap(p, xp, yp, wv, t);
                            }
                }
            }
        }
    }
    for (int n = 0; n < p->N; n++)
        for (int k = 0; k < p->K; k++) {
            double *yp = y + ((size_t)n * p->K + (size_t)k) * out_plane;
            const double b = p->has_bias ? (double)bias[k] : 0.0;
            for (size_t i = 0; i < out_plane; i++)
                yp[i] = activate(yp[i] + b, p);
        }
}

clconv_status clconv_reference_conv(const clconv_conv_desc *desc, const float *input,
                                    const float *weights, const float *bias, double *output)
{
    static const char op[] = "clconv_reference_conv";
    clconv_clear_error();
    conv_problem p;
    clconv_status st = clconv_problem_from_desc(desc, op, &p);
    if (st)
        return st;
    if (!input)
        return clconv_fail(CLCONV_INVALID_ARGUMENT, "%s: input is NULL", op);
    if (!weights)
        return clconv_fail(CLCONV_INVALID_ARGUMENT, "%s: weights is NULL", op);
    if (!output)
        return clconv_fail(CLCONV_INVALID_ARGUMENT, "%s: output is NULL", op);
    if (p.has_bias && !bias)
        return clconv_fail(CLCONV_INVALID_ARGUMENT, "%s: bias is NULL but has_bias = 1", op);
    if (!p.has_bias && bias)
        return clconv_fail(CLCONV_INVALID_ARGUMENT,
                           "%s: bias is not NULL but has_bias = 0: pass NULL or set has_bias",
                           op);
    clconv_reference_problem(&p, input, weights, bias, output);
    return CLCONV_SUCCESS;
}

/* ---- DepthToSpace / SpaceToDepth ------------------------------------------ */

/* y = transpose(reshape(x, dims), perm), written in C order: the ONNX
 * definition itself, for 6-D views. */
static void transpose6(const float *x, float *y, const int dims[6], const int perm[6])
{
    size_t stride[6], ostride[6];
    int od[6];
    stride[5] = 1;
    for (int a = 4; a >= 0; a--)
        stride[a] = stride[a + 1] * (size_t)dims[a + 1];
    for (int a = 0; a < 6; a++) {
        od[a] = dims[perm[a]];
        ostride[a] = stride[perm[a]]; /* input stride of output axis a */
    }
    size_t o = 0;
    for (int i0 = 0; i0 < od[0]; i0++)
        for (int i1 = 0; i1 < od[1]; i1++)
            for (int i2 = 0; i2 < od[2]; i2++)
                for (int i3 = 0; i3 < od[3]; i3++)
                    for (int i4 = 0; i4 < od[4]; i4++)
                        for (int i5 = 0; i5 < od[5]; i5++)
                            y[o++] = x[i0 * ostride[0] + i1 * ostride[1] + i2 * ostride[2] +
                                       i3 * ostride[3] + i4 * ostride[4] + i5 * ostride[5]];
}

clconv_status clconv_reference_space_depth(const clconv_space_depth_desc *desc,
                                           const float *input, float *output)
{
    static const char op[] = "clconv_reference_space_depth";
    clconv_clear_error();
    int out_shape[4];
    clconv_status st = clconv_space_depth_check(desc, op, out_shape);
    if (st)
        return st;
    if (!input)
        return clconv_fail(CLCONV_INVALID_ARGUMENT, "%s: input is NULL", op);
    if (!output)
        return clconv_fail(CLCONV_INVALID_ARGUMENT, "%s: output is NULL", op);
    const int N = desc->batch, C = desc->channels, H = desc->height, W = desc->width;
    const int b = desc->blocksize;
    if (desc->op == CLCONV_DEPTH_TO_SPACE) {
        const int c = C / (b * b);
        if (desc->mode == CLCONV_MODE_DCR) {
            /* reshape [N, b, b, C/b^2, H, W], transpose [0, 3, 4, 1, 5, 2] */
            const int dims[6] = {N, b, b, c, H, W}, perm[6] = {0, 3, 4, 1, 5, 2};
            transpose6(input, output, dims, perm);
        } else {
            /* reshape [N, C/b^2, b, b, H, W], transpose [0, 1, 4, 2, 5, 3] */
            const int dims[6] = {N, c, b, b, H, W}, perm[6] = {0, 1, 4, 2, 5, 3};
            transpose6(input, output, dims, perm);
        }
    } else {
        /* reshape [N, C, H/b, b, W/b, b], transpose [0, 3, 5, 1, 2, 4] */
        const int dims[6] = {N, C, H / b, b, W / b, b}, perm[6] = {0, 3, 5, 1, 2, 4};
        transpose6(input, output, dims, perm);
    }
    return CLCONV_SUCCESS;
}
