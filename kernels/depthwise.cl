/*
 * Depthwise convolution (groups == C, K = mult * C), rank 1-3.
 *
 * Memory bound, so the shape is about bytes and instructions per byte: a
 * work-item computes DW_VEC consecutive output x positions of one channel
 * in one vector register, and the input rows are read with vector loads.
 *
 * depthwise_conv: any kernel, stride, dilation and pads, all run-time; one
 *   output row per work-item.  Runs inside the row take unmasked vector
 *   loads (stride 1; stride 2 as a double-width load and .even); runs at
 *   the padding, or other strides, gather lane by lane.
 * depthwise_conv_k (only when DW_K is defined): the shapes depthwise
 *   networks use, KxK taps with stride DW_S (1 or 2) in H and W and
 *   dilation 1, known at compile time, so the taps sit in registers, the
 *   loops unroll, and each work-item computes DW_ROWS output rows from
 *   input rows loaded once each ((DW_ROWS-1)*S + K loads instead of
 *   DW_ROWS*K per tap column).  Edge runs use the same loads with the lanes
 *   outside the row zeroed by a select (the load strays into neighbouring
 *   rows, harmless); a work-item whose loads would leave the input tensor
 *   (the first and last rows of the tensor only) takes the generic path:
 *   not just the buffer, since the tensor may sit at an offset in a buffer
 *   whose neighbouring range is the output, being written.
 *   The code is kept to one unrolled copy: PoCL's compile time grows fast
 *   with unrolled code.
 *
 * NDRange: (ceil(OW / DW_VEC), ceil(OH / rows), N * K * OD), possibly
 * rounded up to the work-group size: every dimension is bounds-checked.
 * wb holds K * KD*KH*KW weights followed by K biases (zeros without bias),
 * so one buffer serves both.
 */
#ifndef DW_VEC
#define DW_VEC 8
#endif
#ifndef DW_ROWS
#define DW_ROWS 4
#endif
#ifndef DW_S
#define DW_S 1
#endif

#define DW_CAT_(a, b) a##b
#define DW_CAT(a, b) DW_CAT_(a, b)

#if DW_VEC == 1
typedef float dw_vec;
typedef int dw_ivec;
#define DW_LOAD(off, p) ((p)[off])
#define DW_STORE(v, off, p) ((p)[off] = (v))
#define DW_LOAD_S2(off, p) ((p)[off])
#define DW_LANES 0
#else
typedef DW_CAT(float, DW_VEC) dw_vec;
typedef DW_CAT(int, DW_VEC) dw_ivec;
#define DW_LOAD(off, p) DW_CAT(vload, DW_VEC)(0, (p) + (off))
#define DW_STORE(v, off, p) DW_CAT(vstore, DW_VEC)((v), 0, (p) + (off))
#endif
/* Stride-2 loads: a vector of twice the width, even lanes. */
#if DW_VEC == 2
#define DW_LOAD_S2(off, p) (vload4(0, (p) + (off))).even
#define DW_LANES (int2)(0, 1)
#elif DW_VEC == 4
#define DW_LOAD_S2(off, p) (vload8(0, (p) + (off))).even
#define DW_LANES (int4)(0, 1, 2, 3)
#elif DW_VEC == 8
#define DW_LOAD_S2(off, p) (vload16(0, (p) + (off))).even
#define DW_LANES (int8)(0, 1, 2, 3, 4, 5, 6, 7)
#elif DW_VEC == 16
#define DW_LOAD_S2(off, p) \
    ((float16)((vload16(0, (p) + (off))).even, (vload16(0, (p) + (off) + 16)).even))
#define DW_LANES (int16)(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15)
#endif

/* Bias, activation (the same arithmetic as common.cl's activate()) and the
 * store of one run, cut at the row's end. */
void dw_store(__global float *yr, int ox0, int OW, dw_vec v, int act, float alpha, float beta)
{
    if (act == ACT_RELU)
        v = fmax(v, (dw_vec)(0.0f));
    else if (act == ACT_CLIP)
        v = fmin(fmax(v, (dw_vec)(alpha)), (dw_vec)(beta));
    else if (act == ACT_LEAKY_RELU)
        v = select(alpha * v, v, isgreaterequal(v, (dw_vec)(0.0f)));
    if (ox0 + DW_VEC <= OW) {
        DW_STORE(v, ox0, yr);
    } else {
        float t[DW_VEC];
        DW_STORE(v, 0, t);
        for (int i = 0; i < DW_VEC && ox0 + i < OW; i++)
            yr[ox0 + i] = t[i];
    }
}

/* One run of one output row with everything at run time. */
void dw_generic(__global const float *restrict x, __global const float *restrict wb,
                       __global float *restrict y, int C, int K, int mult, int ID, int IH, int IW,
                       int OD, int OH, int OW, int KD, int KH, int KW, int SD, int SH, int SW,
                       int DD, int DH, int DWI, int PD, int PH, int PW, int act, float alpha,
                       float beta, int ox0, int oh, int z)
{
    const int od = z % OD;
    const int nk = z / OD;
    const int k = nk % K;
    const int n = nk / K;
    const int ksz = KD * KH * KW;
    __global const float *xc = x + ((size_t)n * C + k / mult) * ((size_t)ID * IH * IW);
    __global const float *wk = wb + (size_t)k * ksz;
    dw_vec acc = (dw_vec)(wb[(size_t)K * ksz + k]);
    const int ix0 = ox0 * SW - PW;
    /* Every lane's every tap inside the row: unmasked loads are safe. */
    const int inside = ix0 >= 0 && (ox0 + DW_VEC - 1) * SW - PW + (KW - 1) * DWI < IW;
    const int mode = !inside ? 0 : SW == 1 ? 1
                                  : SW == 2 && ix0 + (KW - 1) * DWI + 2 * DW_VEC <= IW ? 2 : 0;
    for (int kd = 0; kd < KD; kd++) {
        const int id = od * SD - PD + kd * DD;
        if (id < 0 || id >= ID)
            continue;
        for (int kh = 0; kh < KH; kh++) {
            const int ih = oh * SH - PH + kh * DH;
            if (ih < 0 || ih >= IH)
                continue;
            __global const float *row = xc + ((size_t)id * IH + ih) * IW;
            __global const float *wr = wk + (kd * KH + kh) * KW;
            for (int kw = 0; kw < KW; kw++) {
                const int ix = ix0 + kw * DWI;
                dw_vec v;
                if (mode == 1) {
                    v = DW_LOAD(ix, row);
                } else if (mode == 2) {
                    v = DW_LOAD_S2(ix, row);
                } else {
                    float t[DW_VEC];
                    for (int i = 0; i < DW_VEC; i++) {
                        const int j = ix + i * SW;
                        t[i] = (j >= 0 && j < IW) ? row[j] : 0.0f;
                    }
                    v = DW_LOAD(0, t);
                }
                acc = mad(v, (dw_vec)(wr[kw]), acc);
            }
        }
    }
    dw_store(y + ((size_t)z * OH + oh) * OW, ox0, OW, acc, act, alpha, beta);
}

__kernel void depthwise_conv(__global const float *restrict x, ulong x_off,
                             __global const float *restrict wb, __global float *restrict y,
                             ulong y_off, int C, int K, int mult, int Z, int xtotal, int ID, int IH,
                             int IW, int OD, int OH, int OW, int KD, int KH, int KW, int SD, int SH,
                             int SW, int DD, int DH, int DWI, int PD, int PH, int PW, int act,
                             float alpha, float beta)
{
    x = at_offset(x, x_off);
    y = at_offset(y, y_off);
    const int ox0 = (int)get_global_id(0) * DW_VEC;
    const int oh = (int)get_global_id(1);
    const int z = (int)get_global_id(2); /* (n * K + k) * OD + od */
    (void)xtotal;
    if (ox0 >= OW || oh >= OH || z >= Z)
        return;
    dw_generic(x, wb, y, C, K, mult, ID, IH, IW, OD, OH, OW, KD, KH, KW, SD, SH, SW, DD, DH, DWI,
               PD, PH, PW, act, alpha, beta, ox0, oh, z);
}

/* ConvTranspose with stride > 1 (stride 1 runs as its forward equivalent):
 * the gather form, y[o] = sum_t x[i] w[t] over the taps t with
 * o = i*s + t*d - pad.  The weights w[C][mult][taps] are, flattened,
 * exactly the [K][taps] layout above, so no re-lay is needed. */
__kernel void depthwise_conv_transposed(__global const float *restrict x, ulong x_off,
                                        __global const float *restrict wb,
                                        __global float *restrict y, ulong y_off, int C, int K,
                                        int mult, int Z, int xtotal, int ID, int IH, int IW,
                                        int OD, int OH, int OW, int KD, int KH, int KW, int SD,
                                        int SH, int SW, int DD, int DH, int DWI, int PD, int PH,
                                        int PW, int act, float alpha, float beta)
{
    x = at_offset(x, x_off);
    y = at_offset(y, y_off);
    const int ox0 = (int)get_global_id(0) * DW_VEC;
    const int oh = (int)get_global_id(1);
    const int z = (int)get_global_id(2); /* (n * K + k) * OD + od */
    (void)xtotal;
    if (ox0 >= OW || oh >= OH || z >= Z)
        return;
    const int od = z % OD;
    const int nk = z / OD;
    const int k = nk % K;
    const int n = nk / K;
    const int ksz = KD * KH * KW;
    __global const float *xc = x + ((size_t)n * C + k / mult) * ((size_t)ID * IH * IW);
    __global const float *wk = wb + (size_t)k * ksz;
    dw_vec acc = (dw_vec)(wb[(size_t)K * ksz + k]);
    for (int kd = 0; kd < KD; kd++) {
        const int nd = od + PD - kd * DD;
        if (nd < 0 || nd % SD || nd / SD >= ID)
            continue;
        for (int kh = 0; kh < KH; kh++) {
            const int nh = oh + PH - kh * DH;
            if (nh < 0 || nh % SH || nh / SH >= IH)
                continue;
            __global const float *row = xc + ((size_t)(nd / SD) * IH + nh / SH) * IW;
            __global const float *wr = wk + (kd * KH + kh) * KW;
            for (int kw = 0; kw < KW; kw++) {
                float t[DW_VEC];
                for (int i = 0; i < DW_VEC; i++) {
                    const int nw = ox0 + i + PW - kw * DWI;
                    t[i] = (nw >= 0 && nw % SW == 0 && nw / SW < IW) ? row[nw / SW] : 0.0f;
                }
                acc = mad(DW_LOAD(0, t), (dw_vec)(wr[kw]), acc);
            }
        }
    }
    dw_store(y + ((size_t)z * OH + oh) * OW, ox0, OW, acc, act, alpha, beta);
}

#ifdef DW_K
#define DW_IN_ROWS ((DW_ROWS - 1) * DW_S + DW_K)
#define DW_SPAN (DW_K - 1 + (DW_VEC - 1) * DW_S + 1 + (DW_S == 2))

__kernel void depthwise_conv_k(__global const float *restrict x, ulong x_off,
                               __global const float *restrict wb, __global float *restrict y,
                               ulong y_off, int C, int K, int mult, int Z, int xtotal, int ID,
                               int IH, int IW, int OD, int OH, int OW, int KD, int KH, int KW,
                               int SD, int SH, int SW, int DD, int DH, int DWI, int PD, int PH,
                               int PW, int act, float alpha, float beta)
{
    x = at_offset(x, x_off);
    y = at_offset(y, y_off);
    const int ox0 = (int)get_global_id(0) * DW_VEC;
    const int oh0 = (int)get_global_id(1) * DW_ROWS;
    const int z = (int)get_global_id(2); /* (n * K + k) * OD + od */
    if (ox0 >= OW || oh0 >= OH || z >= Z)
        return;
    const int od = z % OD;
    const int nk = z / OD;
    const int k = nk % K;
    const int n = nk / K;
    const int ksz = KD * DW_K * DW_K;
    const long xcoff = ((long)n * C + k / mult) * ID * IH * IW;
    const int ix0 = ox0 * DW_S - PW;
    const int ih0 = oh0 * DW_S - PH;

    /* Lowest and highest element this work-item's loads touch. */
    const int id_lo = max(od * SD - PD, 0), id_hi = min(od * SD - PD + (KD - 1) * DD, ID - 1);
    const int ih_lo = max(ih0, 0), ih_hi = min(ih0 + DW_IN_ROWS - 1, IH - 1);
    const long lo = xcoff + ((long)id_lo * IH + ih_lo) * IW + ix0;
    const long hi = xcoff + ((long)id_hi * IH + ih_hi) * IW + ix0 + DW_SPAN;
    if (lo < 0 || hi > xtotal) {
        for (int r = 0; r < DW_ROWS && oh0 + r < OH; r++)
            dw_generic(x, wb, y, C, K, mult, ID, IH, IW, OD, OH, OW, KD, DW_K, DW_K, SD, DW_S, DW_S,
                       DD, 1, 1, PD, PH, PW, act, alpha, beta, ox0, oh0 + r, z);
        return;
    }

    /* Lanes inside the row, per tap column: the same for every row.  A
     * select, not a multiply by 0, so a stray Inf or NaN cannot leak. */
    dw_ivec keep[DW_K];
#pragma unroll
    for (int kw = 0; kw < DW_K; kw++) {
        const dw_ivec j = (dw_ivec)(ix0 + kw) + DW_LANES * DW_S;
#if DW_VEC == 1
        keep[kw] = j >= 0 && j < IW;
#else
        keep[kw] = (j >= (dw_ivec)(0)) & (j < (dw_ivec)(IW));
#endif
    }

    __global const float *wk = wb + (size_t)k * ksz;
    dw_vec acc[DW_ROWS];
#pragma unroll
    for (int r = 0; r < DW_ROWS; r++)
        acc[r] = (dw_vec)(wb[(size_t)K * ksz + k]);

    for (int kd = 0; kd < KD; kd++) {
        const int id = od * SD - PD + kd * DD;
        if (id < 0 || id >= ID)
            continue;
        float w[DW_K * DW_K];
#pragma unroll
        for (int t = 0; t < DW_K * DW_K; t++)
            w[t] = wk[kd * DW_K * DW_K + t];
        __global const float *xd = x + xcoff + (size_t)id * IH * IW;
        /* input row ih0 + i feeds output row r through tap row i - r*S */
#pragma unroll
        for (int i = 0; i < DW_IN_ROWS; i++) {
            const int ih = ih0 + i;
            if (ih < 0 || ih >= IH)
                continue;
            __global const float *row = xd + ih * IW;
#pragma unroll
            for (int kw = 0; kw < DW_K; kw++) {
#if DW_S == 1
                const dw_vec v = select((dw_vec)(0.0f), DW_LOAD(ix0 + kw, row), keep[kw]);
#else
                const dw_vec v = select((dw_vec)(0.0f), DW_LOAD_S2(ix0 + kw, row), keep[kw]);
#endif
#pragma unroll
                for (int r = 0; r < DW_ROWS; r++) {
                    const int kh = i - r * DW_S;
                    if (kh >= 0 && kh < DW_K)
                        acc[r] = mad(v, (dw_vec)(w[kh * DW_K + kw]), acc[r]);
                }
            }
        }
    }
#pragma unroll
    for (int r = 0; r < DW_ROWS; r++)
        if (oh0 + r < OH)
            dw_store(y + ((size_t)z * OH + oh0 + r) * OW, ox0, OW, acc[r], act, alpha, beta);
}
#endif
