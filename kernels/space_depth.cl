/* ONNX DepthToSpace (DCR, CRD) and SpaceToDepth: pure layout changes, one
 * work-item per output element reading its source (a gather, so every
 * output element is written exactly once). */

__kernel void space_depth_d2s(__global const float *restrict x, __global float *restrict y,
                              int N, int C, int H, int W, int b, int crd)
{
    /* y[N][C/(b*b)][H*b][W*b] */
    const int total = N * C * H * W;
    const int i = (int)get_global_id(0);
    if (i >= total)
        return;
    const int OW = W * b, OH = H * b, OC = C / (b * b);
    int ow = i % OW, t = i / OW;
    int oh = t % OH;
    t /= OH;
    int oc = t % OC, n = t / OC;
    int h = oh / b, bh = oh % b, w = ow / b, bw = ow % b;
    /* DCR: c = (bh * b + bw) * OC + oc;  CRD: c = (oc * b + bh) * b + bw */
    int c = crd ? (oc * b + bh) * b + bw : (bh * b + bw) * OC + oc;
    y[i] = x[((n * C + c) * H + h) * W + w];
}

__kernel void space_depth_s2d(__global const float *restrict x, __global float *restrict y,
                              int N, int C, int H, int W, int b, int unused)
{
    /* y[N][C*b*b][H/b][W/b], output channel = (bh * b + bw) * C + c */
    const int total = N * C * H * W;
    const int i = (int)get_global_id(0);
    if (i >= total)
        return;
    const int OW = W / b, OH = H / b, OC = C * b * b;
    int ow = i % OW, t = i / OW;
    int oh = t % OH;
    t /= OH;
    int oc = t % OC, n = t / OC;
    int c = oc % C, blk = oc / C;
    int bh = blk / b, bw = blk % b;
    y[i] = x[((n * C + c) * H + oh * b + bh) * W + ow * b + bw];
    (void)unused;
}
