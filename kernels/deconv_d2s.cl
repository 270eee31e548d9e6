/*
 * depth_to_space for transposed convolution (deconv_d2s).
 *
 * The inner convolution produced, for every phase r = (rd, rh, rw) of the
 * strides, y2[n][g][r][kk][q] (channel (g * R + r) * Kg + kk, R = SD*SH*SW)
 * = sum_j x[q - j] * w[j*s + r] over the window.  Output position o takes
 * phase r of q where o + pad_begin = q*s + r; q0 is the first q the inner
 * convolution computed.  Positions whose q falls outside [0, Q) (possible
 * with negative pads, i.e. an output_shape beyond the natural size) receive
 * no input at all: bias and activation of zero.  Bias and activation are
 * fused here, so the inner plan has neither.
 *
 * A layout copy, so each work-item writes a run of D2S_RUN consecutive
 * output x positions of one row (index arithmetic once per run, phases
 * advanced without division, stores contiguous; reads are strided by s,
 * which caches absorb).  3D NDRange (runs, OH, N*K*OD), bounds-checked.
 */
#ifndef D2S_RUN
#define D2S_RUN 16
#endif

int d2s_floor_div(int a, int b)
{
    const int q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

__kernel void d2s_scatter(__global const float *restrict y2, ulong y2_off,
                          __global const float *restrict bias, __global float *restrict y,
                          ulong y_off, int Z, int K, int G, int OD, int OH, int OW, int QD, int QH,
                          int QW, int SD, int SH, int SW, int PD, int PH, int PW, int QD0, int QH0,
                          int QW0, int act, float alpha, float beta)
{
    y2 = at_offset(y2, y2_off);
    y = at_offset(y, y_off);
    const int ow0 = (int)get_global_id(0) * D2S_RUN;
    const int oh = (int)get_global_id(1);
    const int z = (int)get_global_id(2); /* (n * K + k) * OD + od */
    if (ow0 >= OW || oh >= OH || z >= Z)
        return;
    const int od = z % OD;
    const int nk = z / OD;
    const int k = nk % K;
    const int n = nk / K;
    const int Kg = K / G, g = k / Kg, kk = k - g * Kg;
    const int R = SD * SH * SW;

    const int qd = d2s_floor_div(od + PD, SD), qh = d2s_floor_div(oh + PH, SH);
    const int rd = od + PD - qd * SD, rh = oh + PH - qh * SH;
    const int jd = qd - QD0, jh = qh - QH0;
    /* Rows no input reaches (negative pads) hold act(bias) only. */
    const int row_ok = jd >= 0 && jd < QD && jh >= 0 && jh < QH;
    /* phase 0 of this row's channel block; phase rw adds rw * Kg channels */
    const size_t plane = (size_t)QD * QH * QW;
    __global const float *src =
        y2 + ((size_t)n * K * R + (size_t)(g * R + (rd * SH + rh) * SW) * Kg + kk) * plane +
        (size_t)(row_ok ? jd * QH + jh : 0) * QW;
    const size_t phase_stride = (size_t)Kg * plane;
    __global float *dst = y + ((size_t)z * OH + oh) * OW;
    const float bk = bias[k];

    int qw = d2s_floor_div(ow0 + PW, SW);
    int rw = ow0 + PW - qw * SW;
    const int end = min(ow0 + D2S_RUN, OW);
    for (int ow = ow0; ow < end; ow++) {
        const int jw = qw - QW0;
        const float v = (row_ok && jw >= 0 && jw < QW) ? src[rw * phase_stride + jw] : 0.0f;
        dst[ow] = activate(v + bk, act, alpha, beta);
        if (++rw == SW) {
            rw = 0;
            qw++;
        }
    }
}
