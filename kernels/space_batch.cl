/*
 * space_to_batch / batch_to_space for dilated convolution (dilated_s2b).
 *
 * With stride 1 and dilation d, output position o = j*d + r (phase r) only
 * ever reads padded-input positions (j + t)*d + r: the padded input splits
 * into prod(d) interleaved sub-images, each convolved with the undilated
 * kernel.  Sub-image r = (rd*DH + rh)*DW + rw of image n is inner batch
 * entry b = n * R + r (R = DD*DH*DW), element j at padded position j*d + r,
 * i.e. input position j*d + r - pad (zero outside the input).
 *
 * Both kernels are layout copies, so each work-item copies a run of
 * S2B_RUN consecutive elements of one row of what it writes (index
 * arithmetic once per run, stores contiguous), 3D NDRange (runs, rows,
 * everything else), every dimension bounds-checked.
 */
#ifndef S2B_RUN
#define S2B_RUN 16
#endif

/* Inner input x2[N*R][C][SD][SH][SW] from x[N][C][ID][IH][IW]. */
__kernel void s2b_space_to_batch(__global const float *restrict x, ulong x_off,
                                 __global float *restrict x2, ulong x2_off, int Z, int C, int ID,
                                 int IH, int IW, int SD, int SH, int SW, int DD, int DH, int DW,
                                 int PD, int PH, int PW)
{
    x = at_offset(x, x_off);
    x2 = at_offset(x2, x2_off);
    const int jw0 = (int)get_global_id(0) * S2B_RUN;
    const int jh = (int)get_global_id(1);
    const int z = (int)get_global_id(2); /* ((b * C + c) * SD + jd) */
    if (jw0 >= SW || jh >= SH || z >= Z)
        return;
    const int jd = z % SD;
    const int bc = z / SD;
    const int c = bc % C;
    const int b = bc / C;
    const int R = DD * DH * DW;
    const int n = b / R;
    const int r = b % R;
    const int rw = r % DW;
    const int rh = (r / DW) % DH;
    const int rd = r / (DW * DH);
    const int id = jd * DD + rd - PD, ih = jh * DH + rh - PH;
    const int end = min(jw0 + S2B_RUN, SW);
    __global float *dst = x2 + ((size_t)z * SH + jh) * SW;
    if (id < 0 || id >= ID || ih < 0 || ih >= IH) {
        for (int jw = jw0; jw < end; jw++)
            dst[jw] = 0.0f;
        return;
    }
    __global const float *src =
        x + (((size_t)n * C + c) * ID + id) * ((size_t)IH * IW) + (size_t)ih * IW;
    for (int jw = jw0; jw < end; jw++) {
        const int iw = jw * DW + rw - PW;
        dst[jw] = (iw >= 0 && iw < IW) ? src[iw] : 0.0f;
    }
}

/* y[N][K][OD][OH][OW] = act(y2[N*R][K][TD][TH][TW] interleaved + bias). */
__kernel void s2b_batch_to_space(__global const float *restrict y2, ulong y2_off,
                                 __global const float *restrict bias, __global float *restrict y,
                                 ulong y_off, int Z, int K, int OD, int OH, int OW, int TD, int TH,
                                 int TW, int DD, int DH, int DW, int act, float alpha, float beta)
{
    y2 = at_offset(y2, y2_off);
    y = at_offset(y, y_off);
    const int ow0 = (int)get_global_id(0) * S2B_RUN;
    const int oh = (int)get_global_id(1);
    const int z = (int)get_global_id(2); /* (n * K + k) * OD + od */
    if (ow0 >= OW || oh >= OH || z >= Z)
        return;
    const int od = z % OD;
    const int nk = z / OD;
    const int k = nk % K;
    const int n = nk / K;
    const int R = DD * DH * DW;
    /* phase rw of x and its x index jw, advanced without division */
    int rw = ow0 % DW, jw = ow0 / DW;
    const size_t per_b = (size_t)K * TD * TH * TW; /* one sub-image's output */
    __global const float *src = y2 + ((size_t)n * R + ((od % DD) * DH + oh % DH) * DW) * per_b +
                                ((size_t)k * TD + od / DD) * ((size_t)TH * TW) +
                                (size_t)(oh / DH) * TW;
    __global float *dst = y + ((size_t)z * OH + oh) * OW;
    const float bk = bias[k];
    const int end = min(ow0 + S2B_RUN, OW);
    for (int ow = ow0; ow < end; ow++) {
        dst[ow] = activate(src[rw * per_b + jw] + bk, act, alpha, beta);
        if (++rw == DW) {
            rw = 0;
            jw++;
        }
    }
}
