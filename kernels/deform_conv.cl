/* Deformable convolution (ONNX DeformConv = torchvision deform_conv2d),
 * direct form: one work-item computes OCB output channels of one output
 * pixel (register blocking over output channels).
 *
 *   dim 0: output pixel oh*oW + ow   (rounded up to the work-group: guarded)
 *   dim 1: (n*G + g)*nKb + kb        (kb: block of OCB channels of group g)
 *
 * For each run of the group's input channels that share an offset group
 * and each tap, the bilinear sampling point is computed once: four
 * coefficients (mask folded in) and four indices into the input plane.  A
 * neighbour outside the image gets coefficient 0, index 0 (always inside
 * the plane) and a false flag, so no address outside the input is ever
 * formed and its value never enters the sum (0 * inf would be NaN).  Those
 * are then reused for every input channel of the run, each sample feeding
 * OCB multiply-adds with a tap's OCB weights, packed contiguously at
 * set_weights time as w[G][nKb][Cg][kH*kW][OCB] (zeros past K/G).
 *
 * Build options: -DOCB=n (1..32), -DDEFORM_MASK=0|1 (v1 / v2). */
#ifndef OCB
#define OCB 8
#endif
#ifndef DEFORM_MASK
#define DEFORM_MASK 0
#endif

__kernel void deform_conv_direct(__global const float *restrict x, ulong x_off,
                                 __global const float *restrict offs, ulong offs_off,
                                 __global const float *restrict mask, ulong mask_off,
                                 __global const float *restrict w, __global const float *restrict bias,
                                 __global float *restrict y, ulong y_off, int N, int C, int H, int W,
                                 int K, int G, int OG, int oH, int oW, int kH, int kW, int sH,
                                 int sW, int dH, int dW, int pt, int pl, int nKb, int has_bias,
                                 int act, float alpha, float beta)
{
    const int P = oH * oW;
    const int pix = (int)get_global_id(0);
    const int z = (int)get_global_id(1);
    if (pix >= P || z >= N * G * nKb)
        return;
    x = at_offset(x, x_off);
    offs = at_offset(offs, offs_off);
    y = at_offset(y, y_off);
#if DEFORM_MASK
    mask = at_offset(mask, mask_off);
#else
    (void)mask;
    (void)mask_off;
#endif
    const int kb = z % nKb, ng = z / nKb;
    const int g = ng % G, n = ng / G;
    const int oh = pix / oW, ow = pix - oh * oW;
    const int T = kH * kW, Cg = C / G, Kg = K / G, Cog = C / OG, HW = H * W;
    const float fH = (float)H, fW = (float)W;

    float acc[OCB];
#pragma unroll
    for (int j = 0; j < OCB; j++)
        acc[j] = 0.0f;

    const int c_begin = g * Cg, c_end = c_begin + Cg;
    const __global float *wg = w + (size_t)(g * nKb + kb) * Cg * T * OCB;
    for (int c0 = c_begin; c0 < c_end;) {
        const int og = c0 / Cog;
        const int c1 = min((og + 1) * Cog, c_end);
        const __global float *op = offs + (size_t)(n * OG + og) * 2 * T * P + pix;
#if DEFORM_MASK
        const __global float *mp = mask + (size_t)(n * OG + og) * T * P + pix;
#endif
        for (int kh = 0; kh < kH; kh++) {
            for (int kw = 0; kw < kW; kw++) {
                const int t = kh * kW + kw;
                const float dy = op[(size_t)(2 * t) * P];
                const float dx = op[(size_t)(2 * t + 1) * P];
                const float hs = (float)(oh * sH - pt + kh * dH) + dy;
                const float ws = (float)(ow * sW - pl + kw * dW) + dx;
                float c00 = 0.0f, c01 = 0.0f, c10 = 0.0f, c11 = 0.0f;
                int i00 = 0, i01 = 0, i10 = 0, i11 = 0;
                int f00 = 0, f01 = 0, f10 = 0, f11 = 0;
                /* NaN fails every comparison: sampled as 0, like outside. */
                if (hs > -1.0f && hs < fH && ws > -1.0f && ws < fW) {
                    const float hf = floor(hs), wf = floor(ws);
                    const int h0 = (int)hf, w0 = (int)wf; /* in [-1, H-1], [-1, W-1] */
                    const float lh = hs - hf, lw = ws - wf, hh = 1.0f - lh, hw = 1.0f - lw;
#if DEFORM_MASK
                    const float mv = mp[(size_t)t * P];
#else
                    const float mv = 1.0f;
#endif
                    const int oh0 = h0 >= 0, oh1 = h0 + 1 < H, ow0 = w0 >= 0, ow1 = w0 + 1 < W;
                    f00 = oh0 && ow0;
                    f01 = oh0 && ow1;
                    f10 = oh1 && ow0;
                    f11 = oh1 && ow1;
                    c00 = f00 ? hh * hw * mv : 0.0f;
                    c01 = f01 ? hh * lw * mv : 0.0f;
                    c10 = f10 ? lh * hw * mv : 0.0f;
                    c11 = f11 ? lh * lw * mv : 0.0f;
                    i00 = f00 ? h0 * W + w0 : 0;
                    i01 = f01 ? h0 * W + w0 + 1 : 0;
                    i10 = f10 ? (h0 + 1) * W + w0 : 0;
                    i11 = f11 ? (h0 + 1) * W + w0 + 1 : 0;
                }
                if (!(f00 | f01 | f10 | f11))
                    continue; /* the sample is 0 for every channel */
                const __global float *xp = x + (size_t)(n * C + c0) * HW;
                const __global float *wp = wg + (size_t)((c0 - c_begin) * T + t) * OCB;
                for (int c = c0; c < c1; c++) {
                    const float v = (f00 ? c00 * xp[i00] : 0.0f) + (f01 ? c01 * xp[i01] : 0.0f) +
                                    (f10 ? c10 * xp[i10] : 0.0f) + (f11 ? c11 * xp[i11] : 0.0f);
#pragma unroll
                    for (int j = 0; j < OCB; j++)
                        acc[j] += v * wp[j];
                    xp += HW;
                    wp += T * OCB;
                }
            }
        }
        c0 = c1;
    }

#pragma unroll
    for (int j = 0; j < OCB; j++) {
        const int kl = kb * OCB + j;
        if (kl < Kg) {
            const int k = g * Kg + kl;
            const float b = has_bias ? bias[k] : 0.0f;
            y[(size_t)(n * K + k) * P + pix] = activate(acc[j] + b, act, alpha, beta);
        }
    }
}
