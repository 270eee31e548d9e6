/*
 * Winograd F(m x m, 3 x 3) convolution (Lavin & Gray), m = 2 or 4, in three
 * launches that share the plan's workspace:
 *
 *   winograd_input_transform   V = B^T d B for every (channel, tile)
 *   winograd_gemm              M = U . V, one GEMM over channels for each of
 *                              the X = (m+2)^2 transform points and each
 *                              group, all in one NDRange
 *   winograd_output_transform  Y = A^T M A + bias, activation, store
 *
 * Layouts (float, X = (m+2)^2, Tp = tiles rounded up to WINO_TB,
 * Kgp = K/G rounded up to WINO_KB; U is built by the host in set_weights):
 *   U [X][G][Kgp/KB][C/G][KB]   a GEMM work-item streams one [C/G][KB] panel
 *   V [X][G][Tp/TB][C/G][TB]    ... and one [C/G][TB] panel: both contiguous
 *   M [X][Tp][G*Kgp]            output transform reads consecutive k
 * A tile index t runs over N x tiles_h x tiles_w (images are just more
 * tiles); padded tiles hold zeros, padded output channels zero weights, and
 * neither is ever stored.
 *
 * The GEMM work-item keeps WINO_TB accumulators of WINO_KB output channels
 * in vector registers: on CPU devices (PoCL) explicit vectors and register
 * blocking are what make the loop fast.  All arithmetic is plain fp32.
 * Every index fits in int: the host refuses problems whose workspace or
 * transformed weights exceed 2^31 floats.
 */
#ifndef WINO_M
#define WINO_M 4 /* output tile edge: 2 or 4 */
#endif
#ifndef WINO_KB
#define WINO_KB 8 /* output channels per GEMM work-item (vector width: 4, 8, 16) */
#endif
#ifndef WINO_TB
#define WINO_TB 4 /* tiles per GEMM and input-transform work-item: 2, 4, 8, 16 */
#endif

#define WINO_A (WINO_M + 2)       /* input tile edge */
#define WINO_X (WINO_A * WINO_A) /* transform points = GEMMs */

#if WINO_KB == 4
typedef float4 floatk;
#define VLOADK vload4
#define VSTOREK vstore4
#elif WINO_KB == 8
typedef float8 floatk;
#define VLOADK vload8
#define VSTOREK vstore8
#elif WINO_KB == 16
typedef float16 floatk;
#define VLOADK vload16
#define VSTOREK vstore16
#else
#error "WINO_KB must be 4, 8 or 16"
#endif

/* Tile lanes.  LANES_N(E) builds a vector from E(0) .. E(TB-1),
 * LANES_C(E) from E(s0) .. E(sf) (vector component names). */
#if WINO_TB == 2
typedef float2 floatt;
typedef int2 intt;
#define VSTORET vstore2
#define LANE_IDS ((int2)(0, 1))
#define LANES_N(E) ((float2)(E(0), E(1)))
#define LANES_C(E) ((float2)(E(s0), E(s1)))
#elif WINO_TB == 4
typedef float4 floatt;
typedef int4 intt;
#define VSTORET vstore4
#define LANE_IDS ((int4)(0, 1, 2, 3))
#define LANES_N(E) ((float4)(E(0), E(1), E(2), E(3)))
#define LANES_C(E) ((float4)(E(s0), E(s1), E(s2), E(s3)))
#elif WINO_TB == 8
typedef float8 floatt;
typedef int8 intt;
#define VSTORET vstore8
#define LANE_IDS ((int8)(0, 1, 2, 3, 4, 5, 6, 7))
#define LANES_N(E) ((float8)(E(0), E(1), E(2), E(3), E(4), E(5), E(6), E(7)))
#define LANES_C(E) ((float8)(E(s0), E(s1), E(s2), E(s3), E(s4), E(s5), E(s6), E(s7)))
#elif WINO_TB == 16
typedef float16 floatt;
typedef int16 intt;
#define VSTORET vstore16
#define LANE_IDS ((int16)(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15))
#define LANES_N(E)                                                                       \
    ((float16)(E(0), E(1), E(2), E(3), E(4), E(5), E(6), E(7), E(8), E(9), E(10), E(11), \
               E(12), E(13), E(14), E(15)))
#define LANES_C(E)                                                                       \
    ((float16)(E(s0), E(s1), E(s2), E(s3), E(s4), E(s5), E(s6), E(s7), E(s8), E(s9),    \
               E(sa), E(sb), E(sc), E(sd), E(se), E(sf)))
#else
#error "WINO_TB must be 2, 4, 8 or 16"
#endif

/* One line of the transforms, on any float type T: r = B^T d (A values in,
 * A out) and r = A^T m (A in, m out).  The 2D transforms apply them to the
 * columns and then to the rows. */
#if WINO_M == 2
/* points 0, +-1 and infinity */
#define BT_LINE(T, r, d)          \
    do {                          \
        (r)[0] = (d)[0] - (d)[2]; \
        (r)[1] = (d)[1] + (d)[2]; \
        (r)[2] = (d)[2] - (d)[1]; \
        (r)[3] = (d)[1] - (d)[3]; \
    } while (0)
#define AT_LINE(T, r, m)                   \
    do {                                   \
        (r)[0] = (m)[0] + (m)[1] + (m)[2]; \
        (r)[1] = (m)[1] - (m)[2] - (m)[3]; \
    } while (0)
#elif WINO_M == 4
/* points 0, +-1, +-2 and infinity; B^T rows
 *   4  0 -5  0  1  0 / 0 -4 -4  1  1  0 / 0  4 -4 -1  1  0
 *   0 -2 -1  2  1  0 / 0  2 -1 -2  1  0 / 0  4  0 -5  0  1 */
#define BT_LINE(T, r, d)                                      \
    do {                                                      \
        const T a_ = (d)[4] - 4.0f * (d)[2];                  \
        const T b_ = (d)[3] - 4.0f * (d)[1];                  \
        const T c_ = (d)[4] - (d)[2];                         \
        const T e_ = 2.0f * ((d)[3] - (d)[1]);                \
        (r)[0] = 4.0f * (d)[0] - 5.0f * (d)[2] + (d)[4];      \
        (r)[1] = a_ + b_;                                     \
        (r)[2] = a_ - b_;                                     \
        (r)[3] = c_ + e_;                                     \
        (r)[4] = c_ - e_;                                     \
        (r)[5] = 4.0f * (d)[1] - 5.0f * (d)[3] + (d)[5];      \
    } while (0)
/* A^T rows 1 1 1 1 1 0 / 0 1 -1 2 -2 0 / 0 1 1 4 4 0 / 0 1 -1 8 -8 1 */
#define AT_LINE(T, r, m)                                      \
    do {                                                      \
        const T s12_ = (m)[1] + (m)[2], d12_ = (m)[1] - (m)[2]; \
        const T s34_ = (m)[3] + (m)[4], d34_ = (m)[3] - (m)[4]; \
        (r)[0] = (m)[0] + s12_ + s34_;                        \
        (r)[1] = d12_ + 2.0f * d34_;                          \
        (r)[2] = s12_ + 4.0f * s34_;                          \
        (r)[3] = d12_ + 8.0f * d34_ + (m)[5];                 \
    } while (0)
#else
#error "WINO_M must be 2 or 4"
#endif

/*
 * One work-item per (block of WINO_TB tiles, input channel c): lane l of
 * every vector is tile tb*TB + l, so each of the X results is one
 * contiguous TB-vector store into V, and the transform arithmetic is done
 * once per block.  The tile of output rows [ty*m, ty*m + m) reads input
 * rows from ty*m - pad_t on (pad_t may be negative: a transposed
 * convolution cropped by output_shape); rows and columns outside the
 * input, and padded tiles, read as zeros.  Vectors are built from scalar
 * loads (no private float arrays: on CPUs those go through the stack).
 */
__kernel void winograd_input_transform(__global const float *input, ulong in_off,
                                       __global float *ws, ulong ws_off, int v_off, int C, int G,
                                       int H, int W, int pad_t, int pad_l, int tiles_h,
                                       int tiles_w, int tiles, int tp)
{
    input = at_offset(input, in_off);
    ws = at_offset(ws, ws_off);
    const int tb = get_global_id(0), c = get_global_id(1);
    if (tb >= tp / WINO_TB || c >= C)
        return;
    const int cg = C / G, g = c / cg, cc = c - g * cg;
    const int t0 = tb * WINO_TB, per_img = tiles_h * tiles_w;
    const int n0 = t0 / per_img, ty0 = (t0 - n0 * per_img) / tiles_w;
    const int tx0 = t0 - n0 * per_img - ty0 * tiles_w;
    const int HW = H * W;
    const int y0 = ty0 * WINO_M - pad_t, x0 = tx0 * WINO_M - pad_l;

    floatt tmp[WINO_A][WINO_A]; /* rows transformed: tmp[i] = d[i] B */
    if (t0 + WINO_TB <= tiles && tx0 + WINO_TB <= tiles_w && y0 >= 0 && y0 + WINO_A <= H &&
        x0 >= 0 && x0 + (WINO_TB - 1) * WINO_M + WINO_A <= W) {
        /* the common case: TB tiles side by side, all inside the input */
        __global const float *src = input + (n0 * C + c) * HW + y0 * W + x0;
#pragma unroll
        for (int i = 0; i < WINO_A; i++) {
            floatt row[WINO_A];
            __global const float *p = src + i * W;
#define FAST_LANE(l) p[(l) * WINO_M + j]
#pragma unroll
            for (int j = 0; j < WINO_A; j++)
                row[j] = LANES_N(FAST_LANE);
#undef FAST_LANE
            BT_LINE(floatt, tmp[i], row);
        }
    } else {
        /* edges, blocks across rows or images, padded tiles: per-lane
         * geometry, zeros outside the input */
        intt tx = tx0 + LANE_IDS, ty = (intt)(ty0), n = (intt)(n0);
        for (;;) { /* carry tile columns into rows, rows into images */
            const intt wrap = tx >= tiles_w;
            if (!any(wrap))
                break;
            tx = select(tx, tx - tiles_w, wrap);
            ty = select(ty, ty + 1, wrap);
            const intt wrap_img = ty >= tiles_h;
            ty = select(ty, ty - tiles_h, wrap_img);
            n = select(n, n + 1, wrap_img);
        }
        const intt live = (t0 + LANE_IDS) < tiles;
        const intt base = select((intt)(0), (n * C + c) * HW, live);
        const intt ly = ty * WINO_M - pad_t, lx = tx * WINO_M - pad_l;
        /* Every lane reads inside the input, then zeros what is outside:
         * rows and columns are clamped into the image (dead lanes read
         * element 0), so no address outside the buffer is ever formed, and
         * the loads stay branch-free (per-lane conditional loads doubled
         * PoCL's compile time).  The bounds are vectors on purpose:
         * Oclgrind 21.10 computes integer clamp/min/max of a vector with
         * scalar bounds wrong (zeros), which is how this gather once read
         * outside the input there. */
        const intt zero = (intt)(0), wmax = (intt)(W - 1), hmax = (intt)(H - 1);
        intt col[WINO_A], cok[WINO_A];
#pragma unroll
        for (int j = 0; j < WINO_A; j++) {
            col[j] = clamp(lx + j, zero, wmax);
            cok[j] = (lx + j >= 0) & (lx + j < W);
        }
#pragma unroll
        for (int i = 0; i < WINO_A; i++) {
            const intt rowoff = base + clamp(ly + i, zero, hmax) * W;
            const intt rok = live & (ly + i >= 0) & (ly + i < H);
            floatt row[WINO_A];
#pragma unroll
            for (int j = 0; j < WINO_A; j++) {
                const intt idx = rowoff + col[j]; /* inside the input: clamped */
#define GATHER_LANE(comp) input[idx.comp]
                row[j] = select((floatt)(0.0f), LANES_C(GATHER_LANE), rok & cok[j]);
#undef GATHER_LANE
            }
            BT_LINE(floatt, tmp[i], row);
        }
    }
    /* columns: V[.][j] = B^T tmp[.][j]; V[x][g][tb][cc][lane] */
    __global float *v = ws + v_off + g * cg * tp + (tb * cg + cc) * WINO_TB;
    const int xstride = C * tp;
#pragma unroll
    for (int j = 0; j < WINO_A; j++) {
        floatt cl[WINO_A], res[WINO_A];
#pragma unroll
        for (int i = 0; i < WINO_A; i++)
            cl[i] = tmp[i][j];
        BT_LINE(floatt, res, cl);
#pragma unroll
        for (int i = 0; i < WINO_A; i++)
            VSTORET(res[i], 0, v + (i * WINO_A + j) * xstride);
    }
}

/*
 * One work-item per (block of WINO_KB output channels, block of WINO_TB
 * tiles, transform point x and group g): M[x][t][g][k] = sum_c U * V.
 */
__kernel void winograd_gemm(__global const float *u, __global float *ws, ulong ws_off, int v_off,
                            int m_off, int cg, int kgp, int tp, int G)
{
    ws = at_offset(ws, ws_off);
    const int kb = get_global_id(0), tb = get_global_id(1), xg = get_global_id(2);
    const int nkb = kgp / WINO_KB;
    if (kb >= nkb || tb >= tp / WINO_TB || xg >= WINO_X * G)
        return;
    const int x = xg / G, g = xg - x * G;
    __global const float *up = u + (xg * nkb + kb) * cg * WINO_KB;
    __global const float *vp = ws + v_off + xg * cg * tp + tb * cg * WINO_TB;

    floatk acc[WINO_TB];
#pragma unroll
    for (int j = 0; j < WINO_TB; j++)
        acc[j] = (floatk)(0.0f);
    for (int c = 0; c < cg; c++) {
        const floatk w = VLOADK(c, up);
        __global const float *vc = vp + c * WINO_TB;
#pragma unroll
        for (int j = 0; j < WINO_TB; j++)
            acc[j] += w * vc[j];
    }
    __global float *mp = ws + m_off + (x * tp + tb * WINO_TB) * (G * kgp) + g * kgp + kb * WINO_KB;
#pragma unroll
    for (int j = 0; j < WINO_TB; j++)
        VSTOREK(acc[j], 0, mp + j * G * kgp);
}

/*
 * One work-item per (block of WINO_KB output channels of one group, tile t):
 * lane l of every vector is channel kb*KB + l, read as contiguous vectors
 * from M.  Y = A^T M A, then bias and activation; only real channels and
 * the part of the m x m tile inside the output are stored.
 */
__kernel void winograd_output_transform(__global const float *ws, ulong ws_off, int m_off,
                                        __global const float *bias, __global float *output,
                                        ulong out_off, int K, int G, int kgp, int OH, int OW,
                                        int tiles_h, int tiles_w, int tiles, int tp, int act,
                                        float alpha, float beta)
{
    ws = at_offset(ws, ws_off);
    output = at_offset(output, out_off);
    const int kb = get_global_id(0), t = get_global_id(1);
    const int row = G * kgp; /* padded channels of all groups */
    if (kb >= row / WINO_KB || t >= tiles)
        return;
    const int kg = K / G, g = (kb * WINO_KB) / kgp, k0 = kb * WINO_KB - g * kgp;
    __global const float *mp = ws + m_off + t * row + kb * WINO_KB;

    /* columns: a[i][j] = sum_k A^T[i][k] m[k][j] */
    floatk a[WINO_M][WINO_A];
#pragma unroll
    for (int j = 0; j < WINO_A; j++) {
        floatk cl[WINO_A], res[WINO_M];
#pragma unroll
        for (int i = 0; i < WINO_A; i++)
            cl[i] = VLOADK(0, mp + (i * WINO_A + j) * tp * row);
        AT_LINE(floatk, res, cl);
#pragma unroll
        for (int i = 0; i < WINO_M; i++)
            a[i][j] = res[i];
    }
    const floatk b = VLOADK(kb, bias); /* padded like M: [G][kgp] */
    float y[WINO_M][WINO_M][WINO_KB];
#pragma unroll
    for (int i = 0; i < WINO_M; i++) {
        floatk res[WINO_M];
        AT_LINE(floatk, res, a[i]);
#pragma unroll
        for (int j = 0; j < WINO_M; j++)
            VSTOREK(res[j] + b, 0, y[i][j]);
    }
    const int per_img = tiles_h * tiles_w;
    const int n = t / per_img, r = t - n * per_img, ty = r / tiles_w, tx = r - ty * tiles_w;
    const int oy0 = ty * WINO_M, ox0 = tx * WINO_M;
    const int nl = min(WINO_KB, kg - k0);
    const int ni = min(WINO_M, OH - oy0), nj = min(WINO_M, OW - ox0);
    __global float *dst = output + ((n * K + g * kg + k0) * OH + oy0) * OW + ox0;
    const int plane = OH * OW;
    if (nl == WINO_KB && ni == WINO_M && nj == WINO_M) {
        /* whole tile, all channels real: fixed trip counts, fully unrolled */
#pragma unroll
        for (int l = 0; l < WINO_KB; l++)
#pragma unroll
            for (int i = 0; i < WINO_M; i++)
#pragma unroll
                for (int j = 0; j < WINO_M; j++)
                    dst[l * plane + i * OW + j] = activate(y[i][j][l], act, alpha, beta);
    } else {
        for (int l = 0; l < nl; l++)
            for (int i = 0; i < ni; i++)
                for (int j = 0; j < nj; j++)
                    dst[l * plane + i * OW + j] = activate(y[i][j][l], act, alpha, beta);
    }
}
