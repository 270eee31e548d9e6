/* Universal direct convolution, rank 1-3 (normalised to D,H,W), any stride,
 * pads, dilation and groups; TRANSPOSED=1 gives ConvTranspose in gather
 * form (no atomics).
 *
 * Register blocking: a work-item computes OCB output channels x WB
 * consecutive output x positions, WB held in one vector (float8 on CPUs),
 * so each input vector load feeds OCB multiply-adds and each weight load WB.
 * Weights are packed once by the host as
 *   wp[G][KBLK][Cg][KD*KH*KW][OCB]   (KBLK = ceil(Kg / OCB), zero padded)
 * so the OCB weights of one tap are one contiguous vector.
 *
 * NDRange: (ceil(OW / WB), OD * OH, N * G * KBLK). */

#ifndef OCB
#define OCB 8
#endif
#ifndef WB
#define WB 8
#endif
#ifndef TRANSPOSED
#define TRANSPOSED 0
#endif

#define CAT_(a, b) a##b
#define CAT(a, b) CAT_(a, b)
#if WB == 1
#define VEC float
#define VLOAD(p) (*(p))
#define VSTORE(v, p) (*(p) = (v))
#else
#define VEC CAT(float, WB)
#define VLOAD(p) CAT(vload, WB)(0, p)
#define VSTORE(v, p) CAT(vstore, WB)(v, 0, p)
#endif
__kernel void direct_conv(__global const float *restrict x, __global const float *restrict wp,
                          __global const float *restrict bias, __global float *restrict y,
                          int N, int C, int K, int G, int ID, int IH, int IW, int OD, int OH, int OW,
                          int KD, int KH, int KW, int SD, int SH, int SW, int DD, int DH, int DW,
                          int PD, int PH, int PW, int has_bias, int act, float alpha, float beta)
{
    const int Cg = C / G, Kg = K / G;
    const int KBLK = (Kg + OCB - 1) / OCB;
    const int ow0 = (int)get_global_id(0) * WB;
    const int odh = (int)get_global_id(1);
    const int z = (int)get_global_id(2);
    if (ow0 >= OW || odh >= OD * OH || z >= N * G * KBLK)
        return;
    const int od = odh / OH, oh = odh % OH;
    const int kb = z % KBLK, g = (z / KBLK) % G, n = z / (KBLK * G);
    const int KT = KD * KH * KW;

    VEC acc[OCB];
#pragma unroll
    for (int j = 0; j < OCB; j++)
        acc[j] = (VEC)(0.0f);

    __global const float *wblk = wp + (size_t)(g * KBLK + kb) * Cg * KT * OCB;
    for (int c = 0; c < Cg; c++) {
        __global const float *xc = x + (size_t)(n * C + g * Cg + c) * ID * IH * IW;
        __global const float *wc = wblk + (size_t)c * KT * OCB;
        for (int kd = 0; kd < KD; kd++) {
#if TRANSPOSED
            int nd = od + PD - kd * DD;
            if (nd < 0 || nd % SD)
                continue;
            int id = nd / SD;
#else
            int id = od * SD + kd * DD - PD;
#endif
            if (id < 0 || id >= ID)
                continue;
            for (int kh = 0; kh < KH; kh++) {
#if TRANSPOSED
                int nh = oh + PH - kh * DH;
                if (nh < 0 || nh % SH)
                    continue;
                int ih = nh / SH;
#else
                int ih = oh * SH + kh * DH - PH;
#endif
                if (ih < 0 || ih >= IH)
                    continue;
                __global const float *row = xc + (size_t)(id * IH + ih) * IW;
                __global const float *wt = wc + ((kd * KH + kh) * KW) * OCB;
#if !TRANSPOSED
                /* Interior rows: every tap's run is inside the row, no checks. */
                const int iw_lo = ow0 * SW - PW;
                if (SW == 1 && iw_lo >= 0 && iw_lo + (KW - 1) * DW + WB <= IW) {
                    __global const float *r = row + iw_lo;
                    for (int kw = 0; kw < KW; kw++, wt += OCB, r += DW) {
                        const VEC xv = VLOAD(r);
#pragma unroll
                        for (int j = 0; j < OCB; j++)
                            acc[j] = fma(xv, (VEC)(wt[j]), acc[j]);
                    }
                    continue;
                }
#endif
                for (int kw = 0; kw < KW; kw++, wt += OCB) {
                    VEC xv;
#if TRANSPOSED
                    const int base = ow0 + PW - kw * DW; /* = iw * SW for a hit */
                    if (SW == 1 && base >= 0 && base + WB <= IW) {
                        xv = VLOAD(row + base);
                    } else {
                        float t[WB];
                        for (int j = 0; j < WB; j++) {
                            int nw = base + j;
                            int iw = nw / SW;
                            t[j] = (nw >= 0 && nw % SW == 0 && iw < IW) ? row[iw] : 0.0f;
                        }
                        xv = VLOAD(t);
                    }
#else
                    const int iw0 = ow0 * SW + kw * DW - PW;
                    if (SW == 1 && iw0 >= 0 && iw0 + WB <= IW) {
                        xv = VLOAD(row + iw0);
                    } else {
                        float t[WB];
                        for (int j = 0; j < WB; j++) {
                            int iw = iw0 + j * SW;
                            t[j] = (iw >= 0 && iw < IW) ? row[iw] : 0.0f;
                        }
                        xv = VLOAD(t);
                    }
#endif
#pragma unroll
                    for (int j = 0; j < OCB; j++)
                        acc[j] = fma(xv, (VEC)(wt[j]), acc[j]);
                }
            }
        }
    }

    const int k0 = g * Kg + kb * OCB;
    const int nk = min(OCB, Kg - kb * OCB);
#pragma unroll
    for (int j = 0; j < OCB; j++) {
        /* No early break: a fully unrolled loop keeps acc[] in registers. */
        if (j >= nk)
            continue;
        const int k = k0 + j;
        __global float *out = y + ((size_t)(n * K + k) * OD + od) * OH * OW + (size_t)oh * OW;
        VEC v = acc[j] + (VEC)(has_bias ? bias[k] : 0.0f);
        /* Vector form of activate(): the per-lane form through a private
         * array was miscompiled by PoCL 3.1 for OCB 1, WB 2. */
        if (act == ACT_RELU)
            v = fmax(v, (VEC)(0.0f));
        else if (act == ACT_CLIP)
            v = fmin(fmax(v, (VEC)(alpha)), (VEC)(beta));
        else if (act == ACT_LEAKY_RELU)
            v = select(v * alpha, v, v >= (VEC)(0.0f));
        if (ow0 + WB <= OW) {
            VSTORE(v, out + ow0);
        } else {
            float t[WB];
            VSTORE(v, t);
            for (int i = 0; ow0 + i < OW; i++)
                out[ow0 + i] = t[i];
        }
    }
}
