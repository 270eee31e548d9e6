/* Universal direct convolution, rank 1-3 (normalised to D,H,W), any stride,
 * pads, dilation and groups; TRANSPOSED=1 gives ConvTranspose in gather
 * form (no atomics).
 *
 * Register blocking: a work-item computes OCB output channels x WV*WB
 * consecutive output x positions, held in WV vectors of WB (float16 on
 * CPUs), so each input vector load feeds OCB multiply-adds and each weight
 * load WV*WB.
 * Weights are packed once by the host as
 *   wp[G][KBLK][Cg][KD*KH*KW][OCB]   (KBLK = ceil(Kg / OCB), zero padded)
 * so the OCB weights of one tap are one contiguous vector; ConvTranspose,
 * whose work-items use only their output phase's taps, packs
 * wp[G][KBLK][KD*KH*KW][Cg][OCB] so those taps stream over c.
 *
 * Convolution reads an input that needs no bounds checks: the host either
 * proves every read in range (stride 1 only), or first runs direct_pad into
 * the workspace (zeros around, enough extra columns for the last vector
 * block, strided axes split into phases), and then passes the padded sizes
 * and zero pads.  Branch-free inner loops are
 * what PoCL vectorises well; the check per tap cost 2-5x on small images.
 *
 * NDRange: (ceil(OW / (WV*WB)), OD * OH, N * G * KBLK); ConvTranspose:
 * (SW * ceil(ceil(OW / SW) / (WV*WB)), OD * OH, N * G * KBLK). */

#ifndef OCB
#define OCB 8
#endif
#ifndef WB
#define WB 8
#endif
#ifndef WV
#define WV 1
#endif
#ifndef TRANSPOSED
#define TRANSPOSED 0
#endif
/* FLAT=1: the W blocks run over the OH rows of the padded copy as one line
 * of OH * IW positions (IW = the copy's row pitch), so a 7- or 14-wide
 * output still fills whole vectors; lanes that land in a row's padding
 * columns are computed and not stored.  NDRange (ceil(OH*IW / (WV*WB)),
 * OD, N * G * KBLK). */
#ifndef FLAT
#define FLAT 0
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

/* Padded copy of x: zeros around, extra columns for the last vector block.
 * With strides SH, SW > 1 the copy is also split into phases, so that a
 * strided convolution reads contiguous vectors like a stride-1 one: padded
 * row ph = qh*SH + rh and column pw = qw*SW + rw go to
 *   xp[NC][PDp][rh < SH][rw < SW][qh < QH][qw < QW]
 * and lane j of a tap at offset t along W (t = kw*DW) reads phase t % SW,
 * column ow0 + j + t / SW.  Phases that no tap reads are not written (1x1
 * stride 2 reads one of four).  With SH = SW = 1 this is the plain padded
 * copy xp[NC][PDp][QH][QW].
 * One work-item per destination row: contiguous writes.
 * NDRange: (SH*SW*QH, PDp, N*C). */
static int direct_phase_read(int r, int S, int K, int D)
{
    for (int k = 0; k < K && k < S; k++) /* k*D mod S repeats with period <= S */
        if (k * D % S == r)
            return 1;
    return 0;
}

__kernel void direct_pad(__global const float *restrict x, ulong x_off, __global float *restrict xp,
                         ulong xp_off, int NC, int ID, int IH, int IW, int PDp, int QH, int QW,
                         int PD, int PH, int PW, int SH, int SW, int KH, int KW, int DH, int DW)
{
    x = at_offset(x, x_off);
    xp = at_offset(xp, xp_off);
    const int row = (int)get_global_id(0); /* (rh*SW + rw)*QH + qh */
    const int pd = (int)get_global_id(1);
    const int nc = (int)get_global_id(2);
    if (row >= SH * QH * SW || pd >= PDp || nc >= NC)
        return;
    const int qh = row % QH, rw = row / QH % SW, rh = row / (QH * SW);
    if (!direct_phase_read(rh, SH, KH, DH) || !direct_phase_read(rw, SW, KW, DW))
        return;
    const int id = pd - PD, ih = qh * SH + rh - PH;
    __global float *dst = xp + (((size_t)nc * PDp + pd) * SH * SW * QH + row) * QW;
    if (id < 0 || id >= ID || ih < 0 || ih >= IH) {
        for (int i = 0; i < QW; i++)
            dst[i] = 0.0f;
        return;
    }
    __global const float *src = x + (((size_t)nc * ID + id) * IH + ih) * IW;
    for (int i = 0; i < QW; i++) {
        int iw = i * SW + rw - PW;
        dst[i] = (iw >= 0 && iw < IW) ? src[iw] : 0.0f;
    }
}

/* The input of a flat pointwise plan (see algo_direct.c): the pixels a 1x1
 * convolution reads, with its strides applied, packed as xc[NC][LR] (LR =
 * OD*OH*OW rounded up to the vector width, the rest zeros).
 * NDRange: (OH, OD, N*C). */
__kernel void direct_compact(__global const float *restrict x, ulong x_off,
                             __global float *restrict xc, ulong xc_off, int NC, int ID, int IH,
                             int IW, int OD, int OH, int OW, int SD, int SH, int SW, int LR)
{
    x = at_offset(x, x_off);
    xc = at_offset(xc, xc_off);
    const int oh = (int)get_global_id(0);
    const int od = (int)get_global_id(1);
    const int nc = (int)get_global_id(2);
    if (oh >= OH || od >= OD || nc >= NC)
        return;
    __global float *dst = xc + (size_t)nc * LR;
    __global const float *src =
        x + (((size_t)nc * ID + (size_t)od * SD) * IH + (size_t)oh * SH) * IW;
    for (int ow = 0; ow < OW; ow++)
        dst[(od * OH + oh) * OW + ow] = src[(size_t)ow * SW];
    if (od == OD - 1 && oh == OH - 1)
        for (int i = OD * OH * OW; i < LR; i++)
            dst[i] = 0.0f;
}

__kernel void direct_conv(__global const float *restrict x, ulong x_off,
                          __global const float *restrict wp, __global const float *restrict bias,
                          __global float *restrict y, ulong y_off, int N, int C, int K, int G,
                          int ID, int IH, int IW, int OD, int OH, int OW, int KD, int KH, int KW,
                          int SD, int SH, int SW, int DD, int DH, int DW,
                          int PD, int PH, int PW, int has_bias, int act, float alpha, float beta)
{
    x = at_offset(x, x_off);
    y = at_offset(y, y_off);
    const int Cg = C / G, Kg = K / G;
    const int KBLK = (Kg + OCB - 1) / OCB;
    const int ow0 = (int)get_global_id(0) * (WV * WB);
    const int odh = (int)get_global_id(1);
    const int z = (int)get_global_id(2);
#if FLAT
    if (ow0 >= OH * IW || odh >= OD || z >= N * G * KBLK)
        return;
    const int od = odh, oh = 0; /* ow0 runs over all rows */
#elif TRANSPOSED
    /* Work-items by output phase along W: the WV*WB outputs of one are
     * (q0 + j)*SW + rw, and each tap whose phase matches reads them from
     * consecutive input columns; other taps are skipped, never multiplied. */
    const int NBQ = ((OW + SW - 1) / SW + WV * WB - 1) / (WV * WB);
    const int rw = ow0 / (WV * WB) / NBQ, q0 = ow0 / (WV * WB) % NBQ * (WV * WB);
    if (rw >= SW || q0 * SW + rw >= OW || odh >= OD * OH || z >= N * G * KBLK)
        return;
    const int od = odh / OH, oh = odh % OH;
#else
    if (ow0 >= OW || odh >= OD * OH || z >= N * G * KBLK)
        return;
    const int od = odh / OH, oh = odh % OH;
#endif
    const int kb = z % KBLK, g = (z / KBLK) % G, n = z / (KBLK * G);
    const int KT = KD * KH * KW;

    VEC acc[OCB][WV];
#pragma unroll
    for (int j = 0; j < OCB; j++)
#pragma unroll
        for (int v = 0; v < WV; v++)
            acc[j][v] = (VEC)(0.0f);

    __global const float *wblk = wp + (size_t)(g * KBLK + kb) * Cg * KT * OCB;
#if TRANSPOSED
    /* Taps outside, channels inside: a work-item uses only the taps of its
     * phase, and the host packs a K-block's weights [KT][Cg][OCB] so that
     * those taps' weights stream contiguously over c (channel-major
     * packing read one cache line in SH*SW for a 2x2 stride-2 layer). */
    const size_t plane = (size_t)ID * IH * IW;
    __global const float *xg = x + (size_t)(n * C + g * Cg) * plane;
    for (int kd = 0; kd < KD; kd++) {
        int nd = od + PD - kd * DD;
        if (nd < 0 || nd % SD)
            continue;
        int id = nd / SD;
        if (id >= ID)
            continue;
        for (int kh = 0; kh < KH; kh++) {
            int nh = oh + PH - kh * DH;
            if (nh < 0 || nh % SH)
                continue;
            int ih = nh / SH;
            if (ih >= IH)
                continue;
            for (int kw = 0; kw < KW; kw++) {
                /* IW: the pitch of the copy, zero-padded along W so that
                 * every matching tap's vector is inside (algo_direct.c);
                 * PW includes the copy's left columns. */
                const int num = rw + PW - kw * DW; /* = (iw - q0) * SW for a hit */
                if (num % SW)
                    continue;
                __global const float *xr = xg + ((size_t)id * IH + ih) * IW + q0 + num / SW;
                __global const float *wt = wblk + (size_t)((kd * KH + kh) * KW + kw) * Cg * OCB;
                for (int c = 0; c < Cg; c++, xr += plane, wt += OCB) {
                    VEC xv[WV];
#pragma unroll
                    for (int v = 0; v < WV; v++)
                        xv[v] = VLOAD(xr + v * WB);
#pragma unroll
                    for (int j = 0; j < OCB; j++) {
                        const VEC wj = (VEC)(wt[j]);
#pragma unroll
                        for (int v = 0; v < WV; v++)
                            acc[j][v] = fma(xv[v], wj, acc[j][v]);
                    }
                }
            }
        }
    }
#else
    for (int c = 0; c < Cg; c++) {
        __global const float *xc = x + (size_t)(n * C + g * Cg + c) * ID * SH * IH * SW * IW;
        __global const float *wc = wblk + (size_t)c * KT * OCB;
        /* Padded (and, when strided, phase-split) input: every read is in
         * range and contiguous (see direct_pad); IH, IW are QH, QW here. */
        for (int kd = 0; kd < KD; kd++) {
            for (int kh = 0; kh < KH; kh++) {
                const int id = od * SD + kd * DD, th = kh * DH;
                __global const float *r =
                    xc + (((size_t)id * SH + th % SH) * SW * IH + oh + th / SH) * IW + ow0;
                __global const float *wt = wc + ((kd * KH + kh) * KW) * OCB;
                for (int kw = 0; kw < KW; kw++, wt += OCB) {
                    const int tw = kw * DW;
                    __global const float *rt =
                        SW == 1 ? r + tw : r + (size_t)(tw % SW) * IH * IW + tw / SW;
                    VEC xv[WV];
#pragma unroll
                    for (int v = 0; v < WV; v++)
                        xv[v] = VLOAD(rt + v * WB);
#pragma unroll
                    for (int j = 0; j < OCB; j++) {
                        const VEC wj = (VEC)(wt[j]);
#pragma unroll
                        for (int v = 0; v < WV; v++)
                            acc[j][v] = fma(xv[v], wj, acc[j][v]);
                    }
                }
            }
        }
    }
#endif

    const int k0 = g * Kg + kb * OCB;
    const int nk = min(OCB, Kg - kb * OCB);
#pragma unroll
    for (int j = 0; j < OCB; j++) {
        /* No early break: a fully unrolled loop keeps acc[] in registers. */
        if (j >= nk)
            continue;
        const int k = k0 + j;
        __global float *out = y + ((size_t)(n * K + k) * OD + od) * OH * OW + (size_t)oh * OW;
        const VEC b = (VEC)(has_bias ? bias[k] : 0.0f);
#pragma unroll
        for (int u = 0; u < WV; u++) {
            const int o0 = ow0 + u * WB;
#if FLAT
            if (o0 >= OH * IW)
                continue;
            const int orow = o0 / IW, ocol = o0 % IW; /* the copy's row pitch is IW */
#elif TRANSPOSED
            const int q = q0 + u * WB; /* outputs (q + i)*SW + rw */
            if (q * SW + rw >= OW)
                continue;
            const int orow = 0, ocol = q;
#else
            if (o0 >= OW)
                continue;
            const int orow = 0, ocol = o0;
#endif
            VEC v = acc[j][u] + b;
            /* Vector form of activate(): the per-lane form through a private
             * array was miscompiled by PoCL 3.1 for OCB 1, WB 2. */
            if (act == ACT_RELU)
                v = fmax(v, (VEC)(0.0f));
            else if (act == ACT_CLIP)
                v = fmin(fmax(v, (VEC)(alpha)), (VEC)(beta));
            else if (act == ACT_LEAKY_RELU)
                v = select(v * alpha, v, v >= (VEC)(0.0f));
#if TRANSPOSED
            if (SW == 1 && ocol + WB <= OW) {
#else
            if (ocol + WB <= OW) {
#endif
                VSTORE(v, out + (size_t)orow * OW + ocol);
            } else {
                float t[WB];
                VSTORE(v, t);
#if FLAT
                for (int i = 0; i < WB; i++) {
                    const int f = o0 + i, fr = f / IW, fc = f % IW;
                    if (fr < OH && fc < OW)
                        out[(size_t)fr * OW + fc] = t[i];
                }
#elif TRANSPOSED
                for (int i = 0; i < WB && (ocol + i) * SW + rw < OW; i++)
                    out[(ocol + i) * SW + rw] = t[i];
#else
                for (int i = 0; ocol + i < OW; i++)
                    out[ocol + i] = t[i];
#endif
            }
        }
    }
}
