/*
 * The layout kernels around the gemm algorithm's CLBlast call: im2col /
 * vol2col before it, col2im (gather form) or the bias + activation
 * epilogue after it.  Spatial axes are always 3 ([D][H][W]; unused ones
 * have size 1), so one kernel serves rank 1, 2 and 3.
 *
 * Column matrices have rows r and, per batch item n, columns p (spatial
 * positions).  Element (r, n, p) lives at base + r*rs + n*ns + p, so one
 * kernel reads or writes both layouts the host uses:
 *   [N][rows][P]  rs = P,     ns = rows*P   (one GEMM per batch item)
 *   [rows][N][P]  rs = N*P,   ns = P        (one GEMM covers the batch)
 * Work-items run along p in dimension 0, so neighbours touch neighbouring
 * addresses (what PoCL's implicit vectoriser and GPU coalescing want).
 * Every tensor comes with a ulong element offset applied to its base
 * pointer (common.cl); indices from there are int: the host only plans
 * problems whose tensors hold fewer than 2^31 elements.  Nothing here has
 * a tunable: these kernels move memory once; the FLOPs are CLBlast's.
 */

/* Column matrix of a convolution: row r = c*kk + t for input channel c and
 * kernel tap t = (kd*kH + kh)*kW + kw, column p = (od*oH + oh)*oW + ow;
 * zero where the tap falls in the padding.  x is [N][C][iD][iH][iW].
 * With k = s = d = 1 and no pads this is the [N][C][P] -> [C][N][P]
 * reorder a grouped, batched GEMM needs.
 * gws = {oW rounded up to the work-group size L, oD*oH, C*kk*N}: only ow
 * varies inside a work-group ({L, 1, 1}), so the divisions are uniform
 * across it.  No early return in any kernel here: on PoCL a `return`
 * before the store stopped the work-group from being vectorised and made
 * this kernel 50x slower; the work-items past oW just store nothing. */
__kernel void gemm_im2col(__global const float *x, ulong x_off, __global float *col,
                          ulong col_off, int C, int iD, int iH, int iW, int oD, int oH, int oW,
                          int kD, int kH, int kW, int sD, int sH, int sW, int dD, int dH, int dW,
                          int pD, int pH, int pW, int rs, int ns)
{
    x = at_offset(x, x_off);
    col = at_offset(col, col_off);
    const int ow = get_global_id(0), y = get_global_id(1), z = get_global_id(2);
    const int kk = kD * kH * kW, rows = C * kk;
    const int oh = y % oH, od = y / oH;
    const int r = z % rows, n = z / rows;
    const int c = r / kk, t = r - c * kk;
    const int kw = t % kW, kh = (t / kW) % kH, kd = t / (kW * kH);
    const int id = od * sD - pD + kd * dD;
    const int ih = oh * sH - pH + kh * dH;
    const int iw = ow * sW - pW + kw * dW;
    float v = 0.0f;
    if (ow < oW && id >= 0 && id < iD && ih >= 0 && ih < iH && iw >= 0 && iw < iW)
        v = x[(((n * C + c) * iD + id) * iH + ih) * iW + iw];
    if (ow < oW)
        col[r * rs + n * ns + y * oW + ow] = v;
}

/* Transposed convolution, gather form (no atomics): the GEMM wrote
 * Ycol = W^T X with rows r = k*kk + t (output channel k, tap t) and columns
 * over the input positions i; output o on each axis receives tap t from
 * i = (o + pad - t*d) / s when that divides exactly and 0 <= i < in.  Each
 * work-item sums its own element's taps, adds the bias and activates.
 * Pads may be negative (ONNX output_shape beyond the natural size).
 * gws = {oW, oD*oH, K*N} (divisions uniform across a work-group, as
 * above); y is [N][K][oD][oH][oW]. */
__kernel void gemm_col2im(__global const float *col, ulong col_off, int rs, int ns,
                          __global const float *bias, int has_bias, __global float *y,
                          ulong y_off, int K, int iD, int iH, int iW, int oD, int oH, int oW,
                          int kD, int kH, int kW, int sD, int sH, int sW, int dD, int dH, int dW,
                          int pD, int pH, int pW, int act, float alpha, float beta)
{
    col = at_offset(col, col_off);
    y = at_offset(y, y_off);
    const int ow = get_global_id(0), yy = get_global_id(1), z = get_global_id(2);
    const int oh = yy % oH, od = yy / oH;
    const int k = z % K, n = z / K;
    const int kk = kD * kH * kW;
    __global const float *ck = col + k * kk * rs + n * ns;
    float acc = has_bias ? bias[k] : 0.0f;
    for (int kd = 0; kd < kD; kd++) {
        const int qd = od + pD - kd * dD;
        if (qd < 0 || qd % sD)
            continue;
        const int id = qd / sD;
        if (id >= iD)
            continue;
        for (int kh = 0; kh < kH; kh++) {
            const int qh = oh + pH - kh * dH;
            if (qh < 0 || qh % sH)
                continue;
            const int ih = qh / sH;
            if (ih >= iH)
                continue;
            __global const float *row = ck + (id * iH + ih) * iW;
            for (int kw = 0; kw < kW; kw++) {
                const int qw = ow + pW - kw * dW;
                if (qw < 0 || qw % sW)
                    continue;
                const int iw = qw / sW;
                if (iw >= iW)
                    continue;
                acc += row[((kd * kH + kh) * kW + kw) * rs + iw];
            }
        }
    }
    /* Past oW (the rounded-up range) every tap fails iw < iW or reads
     * an in-bounds element of no use; only the store is guarded. */
    if (ow < oW)
        y[((n * K + k) * oD * oH + yy) * oW + ow] = activate(acc, act, alpha, beta);
}

/* After a convolution's GEMM: y[n][k][p] = act(src(k, n, p) + bias[k]),
 * src(k, n, p) = src[src_off + k*ks + n*ns + p].  Run in place on y
 * (src == y at the same offset, ks = P, ns = K*P) or as the re-lay of a
 * [K][N][P] GEMM output into y.  gws = {P, K, N}. */
__kernel void gemm_bias_act(__global const float *src, ulong src_off, int ks, int ns,
                            __global const float *bias, int has_bias, __global float *y,
                            ulong y_off, int K, int P, int act, float alpha, float beta)
{
    src = at_offset(src, src_off);
    y = at_offset(y, y_off);
    const int p = get_global_id(0), k = get_global_id(1), n = get_global_id(2);
    if (p < P) {
        float v = src[k * ks + n * ns + p];
        if (has_bias)
            v += bias[k];
        y[(n * K + k) * P + p] = activate(v, act, alpha, beta);
    }
}
