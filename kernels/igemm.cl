/* Implicit-GEMM convolution, rank 1-3 (normalised to D,H,W), any stride,
 * pads, dilation and groups; TRANSPOSED=1 gives ConvTranspose in gather
 * form (as direct.cl).  Per group g:
 *
 *   Y[m][p] = sum_k A[m][k] * B[k][p]
 *     M = Kg (output channels of the group), m
 *     N = batch x output pixels, p = (n, od, oh, ow)
 *     K = Cg x taps, k = (c, kd, kh, kw)
 *
 * A is the weights, packed by the host once as a[G][Kp][Mp] (k-major, m
 * contiguous, Mp and Kp rounded up to MWG and KWG and zero filled), so A
 * loads never need a bounds check.  B is the input gathered on the fly
 * (im2col without a buffer): element (k, p) is x at the tap's input
 * position, 0 in the padding, for k >= K and for p >= N; every load uses a
 * clamped index and then selects 0, so no address outside the input is
 * ever formed.
 *
 * Tiling (CLBlast's Xgemm scheme, own code): a work-group of MDIMC x NDIMC
 * work-items computes an MWG x NWG tile of Y, stepping KWG rows of K at a
 * time; work-item (tm, tn) owns rows tm + i*MDIMC (i < MWI = MWG/MDIMC)
 * and columns tn + j*NDIMC (j < NWI = NWG/NDIMC), held in registers (along
 * N as VWN-wide vectors).  SA / SB = 1 stage the KWG x MWG tile of A / the
 * KWG x NWG tile of B in local memory, loaded cooperatively (coalesced, each
 * gathered element loaded once per work-group instead of once per
 * work-item row), between two barriers that every work-item reaches (the K
 * loop has the same trip count for the whole group); SA / SB = 0 read A /
 * gather B straight into registers, the shape for CPUs (one-item
 * work-groups, no barriers).  There B's rows are walked in order without
 * divisions, and with NDIMC = 1 a vector's VWN pixels that lie in one
 * output row read their tap's input as one run (IGEMM_ROWS).
 *
 * Epilogue: bias, activation, stores guarded by m < M and p < N.
 *
 * NDRange: (Mp / MWG * MDIMC, ceil(N / NWG) * NDIMC, G), local (MDIMC, NDIMC, 1). */

#ifndef MWG
#define MWG 64
#endif
#ifndef NWG
#define NWG 64
#endif
#ifndef KWG
#define KWG 16
#endif
#ifndef MDIMC
#define MDIMC 16
#endif
#ifndef NDIMC
#define NDIMC 16
#endif
#ifndef VWN
#define VWN 1
#endif
#ifndef SA
#define SA 1
#endif
#ifndef SB
#define SB 1
#endif
#ifndef TRANSPOSED
#define TRANSPOSED 0
#endif

/* The CPU shape's fast B loads: runs of VWN consecutive pixels in one
 * row (forward convolution, B in registers, NDIMC = 1). */
#if !SB && !TRANSPOSED && NDIMC == 1 && VWN > 1
#define IGEMM_ROWS 1
#else
#define IGEMM_ROWS 0
#endif

#define MWI (MWG / MDIMC)
#define NWI (NWG / NDIMC)
#define NVW (NWI / VWN)
#define WGS (MDIMC * NDIMC)

#if MWG % MDIMC || NWG % NDIMC || NWI % VWN
#error "igemm: MWG % MDIMC, NWG % NDIMC and (NWG / NDIMC) % VWN must be 0"
#endif

#define CAT_(a, b) a##b
#define CAT(a, b) CAT_(a, b)
#if VWN == 1
#define realN float
#define VLOADN(i, p) ((p)[i])
#define VSTOREN(v, i, p) ((p)[i] = (v))
#else
#define realN CAT(float, VWN)
#define VLOADN(i, p) CAT(vload, VWN)(i, p)
#define VSTOREN(v, i, p) CAT(vstore, VWN)(v, i, p)
#endif

/* Shapes every helper reads (all ints unless noted). */
#define SHAPE_ARGS                                                                                 \
    int N, int C, int K, int G, int ID, int IH, int IW, int OD, int OH, int OW, int KD, int KH,    \
        int KW, int SD, int SH, int SW, int DD, int DH, int DW, int PD, int PH, int PW

/* Pixel p of the batch (p < NP = N * OD * OH * OW, else a clamped 0 with
 * *ok = 0): the input offset of its image's group, and its tap-0 input
 * coordinates: forward o*S - P, transposed o + P (the gather form's
 * numerator before the tap is subtracted). */
void igemm_pixel(int p, int NP, int g, int Cg, SHAPE_ARGS, size_t *base, int *a0, int *a1,
                        int *a2, int *ok)
{
    *ok = p < NP;
    const int pc = p < NP ? p : 0;
    const int OSP = OD * OH * OW;
    const int n = pc / OSP, r = pc - n * OSP;
    const int od = r / (OH * OW), r2 = r - od * (OH * OW);
    const int oh = r2 / OW, ow = r2 - oh * OW;
    *base = ((size_t)n * C + (size_t)g * Cg) * (size_t)(ID * IH * IW);
#if TRANSPOSED
    *a0 = od + PD;
    *a1 = oh + PH;
    *a2 = ow + PW;
#else
    *a0 = od * SD - PD;
    *a1 = oh * SH - PH;
    *a2 = ow * SW - PW;
#endif
    (void)N, (void)K, (void)G, (void)KD, (void)KH, (void)KW, (void)DD, (void)DH, (void)DW;
}

/* Row k of B (k < KK = Cg * taps, else *ok = 0): channel offset and tap. */
void igemm_row(int k, int KK, SHAPE_ARGS, size_t *coff, int *kd, int *kh, int *kw, int *ok)
{
    const int KT = KD * KH * KW;
    *ok = k < KK;
    const int kc = k < KK ? k : 0;
    const int c = kc / KT, t = kc - c * KT;
    *kd = t / (KH * KW);
    const int t2 = t - *kd * (KH * KW);
    *kh = t2 / KW;
    *kw = t2 - *kh * KW;
    *coff = (size_t)c * (size_t)(ID * IH * IW);
    (void)N, (void)C, (void)K, (void)G, (void)OD, (void)OH, (void)OW, (void)SD, (void)SH, (void)SW;
    (void)DD, (void)DH, (void)DW, (void)PD, (void)PH, (void)PW;
}

/* One input coordinate along an axis: the index (clamped to 0 when
 * outside) and whether it is a real input element. */
int igemm_axis(int a, int kk, int S, int Dl, int I, int *ok)
{
#if TRANSPOSED
    const int nn = a - kk * Dl; /* = i * S for a hit */
    const int i = nn / S;
    const int hit = nn >= 0 && i * S == nn && i < I;
#else
    const int i = a + kk * Dl;
    const int hit = i >= 0 && i < I;
    (void)S;
#endif
    *ok = *ok && hit;
    return hit ? i : 0;
}

/* B element: x at (pixel, row), 0 outside; never an address outside x. */
float igemm_gather(__global const float *x, size_t base, int a0, int a1, int a2, int pok,
                          size_t coff, int kd, int kh, int kw, int kok, SHAPE_ARGS)
{
    int ok = pok && kok;
    const int id = igemm_axis(a0, kd, SD, DD, ID, &ok);
    const int ih = igemm_axis(a1, kh, SH, DH, IH, &ok);
    const int iw = igemm_axis(a2, kw, SW, DW, IW, &ok);
    const size_t idx = ok ? base + coff + (size_t)((id * IH + ih) * IW + iw) : 0;
    const float v = x[idx];
    (void)N, (void)C, (void)K, (void)G, (void)OD, (void)OH, (void)OW, (void)KD, (void)KH, (void)KW;
    (void)PD, (void)PH, (void)PW;
    return ok ? v : 0.0f;
}

#define SHAPES                                                                                     \
    N, C, K, G, ID, IH, IW, OD, OH, OW, KD, KH, KW, SD, SH, SW, DD, DH, DW, PD, PH, PW

__kernel __attribute__((reqd_work_group_size(MDIMC, NDIMC, 1))) void
igemm_conv(__global const float *restrict x, ulong x_off, __global const float *restrict a,
           __global const float *restrict bias, __global float *restrict y, ulong y_off,
           int Mp, int Kp, SHAPE_ARGS, int has_bias, int act, float alpha, float beta)
{
    x = at_offset(x, x_off);
    y = at_offset(y, y_off);
    const int Cg = C / G, Kg = K / G;
    const int KK = Cg * KD * KH * KW;
    const int OSP = OD * OH * OW;
    const int NP = N * OSP;
    const int tm = (int)get_local_id(0), tn = (int)get_local_id(1);
    const int m0 = (int)get_group_id(0) * MWG, n0 = (int)get_group_id(1) * NWG;
    const int g = (int)get_group_id(2);
    __global const float *ag = a + (size_t)g * Kp * Mp + m0;

#if SA
    __local float als[KWG * MWG];
#endif
#if SB
    __local float bls[KWG * NWG];
#endif
#if SA || SB
    const int tid = tn * MDIMC + tm;
#endif

#if SB && (WGS % NWG == 0)
    /* Each work-item always loads the same column of the B tile. */
    size_t lb;
    int la0, la1, la2, lok;
    igemm_pixel(n0 + tid % NWG, NP, g, Cg, SHAPES, &lb, &la0, &la1, &la2, &lok);
#endif
#if !SB
    /* The work-item's own columns, decoded once. */
    size_t pb[NWI];
    int p0[NWI], p1[NWI], p2[NWI], pok[NWI];
#pragma unroll
    for (int j = 0; j < NWI; j++)
        igemm_pixel(n0 + tn + j * NDIMC, NP, g, Cg, SHAPES, &pb[j], &p0[j], &p1[j], &p2[j],
                    &pok[j]);
#endif
#if IGEMM_ROWS
    /* Whether each vector's pixels are consecutive positions of one
     * output row (then their inputs are a run with stride SW). */
    int rowv[NVW];
#pragma unroll
    for (int v = 0; v < NVW; v++) {
        const int j0 = v * VWN, j1 = j0 + VWN - 1;
        rowv[v] = pok[j1] && pb[j1] == pb[j0] && p0[j1] == p0[j0] && p1[j1] == p1[j0] &&
                  p2[j1] - p2[j0] == (VWN - 1) * SW;
    }
#endif

    realN acc[MWI][NVW];
#pragma unroll
    for (int i = 0; i < MWI; i++)
#pragma unroll
        for (int v = 0; v < NVW; v++)
            acc[i][v] = (realN)(0.0f);

#if !SB
    /* B's rows are walked in order: channel rc, taps (rkd, rkh, rkw). */
    int rc = 0, rkd = 0, rkh = 0, rkw = 0;
#endif
    for (int k0 = 0; k0 < Kp; k0 += KWG) {
#if SA
        for (int e = tid; e < KWG * MWG; e += WGS) {
            const int kk = e / MWG, mm = e - kk * MWG;
            als[e] = ag[(size_t)(k0 + kk) * Mp + mm];
        }
#endif
#if SB
#if WGS % NWG == 0
        for (int kk = tid / NWG; kk < KWG; kk += WGS / NWG) {
            size_t coff;
            int kd, kh, kw, kok;
            igemm_row(k0 + kk, KK, SHAPES, &coff, &kd, &kh, &kw, &kok);
            bls[kk * NWG + tid % NWG] =
                igemm_gather(x, lb, la0, la1, la2, lok, coff, kd, kh, kw, kok, SHAPES);
        }
#else
        for (int e = tid; e < KWG * NWG; e += WGS) {
            const int kk = e / NWG, nn = e - kk * NWG;
            size_t b, coff;
            int q0, q1, q2, qok, kd, kh, kw, kok;
            igemm_pixel(n0 + nn, NP, g, Cg, SHAPES, &b, &q0, &q1, &q2, &qok);
            igemm_row(k0 + kk, KK, SHAPES, &coff, &kd, &kh, &kw, &kok);
            bls[e] = igemm_gather(x, b, q0, q1, q2, qok, coff, kd, kh, kw, kok, SHAPES);
        }
#endif
#endif
#if SA || SB
        barrier(CLK_LOCAL_MEM_FENCE);
#endif
        for (int kk = 0; kk < KWG; kk++) {
            float av[MWI], bv[NWI];
#if SA
#pragma unroll
            for (int i = 0; i < MWI; i++)
                av[i] = als[kk * MWG + tm + i * MDIMC];
#else
            __global const float *ar = ag + (size_t)(k0 + kk) * Mp + tm;
#pragma unroll
            for (int i = 0; i < MWI; i++)
                av[i] = ar[i * MDIMC];
#endif
#if SB
#pragma unroll
            for (int j = 0; j < NWI; j++)
                bv[j] = bls[kk * NWG + tn + j * NDIMC];
#else
            /* Row k0 + kk: the walk's state (no division per row). */
            const int kok = rc < Cg;
            const size_t coff = (size_t)rc * (size_t)(ID * IH * IW);
            const int kd = rkd, kh = rkh, kw = rkw;
#if !IGEMM_ROWS
#pragma unroll
            for (int j = 0; j < NWI; j++)
                bv[j] = igemm_gather(x, pb[j], p0[j], p1[j], p2[j], pok[j], coff, kd, kh, kw, kok,
                                     SHAPES);
#endif
#endif
#pragma unroll
            for (int v = 0; v < NVW; v++) {
#if IGEMM_ROWS
                /* A vector's VWN pixels in one output row and the tap's
                 * input run inside the image: one (strided) run of loads,
                 * else the per-lane gather. */
                const int j0 = v * VWN;
                const int id = p0[j0] + kd * DD, ih = p1[j0] + kh * DH, iw = p2[j0] + kw * DW;
                realN b;
                if (kok && rowv[v] && id >= 0 && id < ID && ih >= 0 && ih < IH && iw >= 0 &&
                    iw + (VWN - 1) * SW < IW) {
                    __global const float *r = x + pb[j0] + coff + (size_t)((id * IH + ih) * IW + iw);
                    if (SW == 1) {
                        b = VLOADN(0, r);
                    } else {
#pragma unroll
                        for (int l = 0; l < VWN; l++)
                            bv[j0 + l] = r[l * SW];
                        b = VLOADN(v, bv);
                    }
                } else {
#pragma unroll
                    for (int l = 0; l < VWN; l++)
                        bv[j0 + l] = igemm_gather(x, pb[j0 + l], p0[j0 + l], p1[j0 + l],
                                                  p2[j0 + l], pok[j0 + l], coff, kd, kh, kw, kok,
                                                  SHAPES);
                    b = VLOADN(v, bv);
                }
#else
                const realN b = VLOADN(v, bv);
#endif
#pragma unroll
                for (int i = 0; i < MWI; i++)
                    acc[i][v] = fma((realN)(av[i]), b, acc[i][v]);
            }
#if !SB
            /* Next row: kw fastest, then kh, kd, channel. */
            if (++rkw == KW) {
                rkw = 0;
                if (++rkh == KH) {
                    rkh = 0;
                    if (++rkd == KD) {
                        rkd = 0;
                        rc++;
                    }
                }
            }
#endif
        }
#if SA || SB
        barrier(CLK_LOCAL_MEM_FENCE);
#endif
    }

    /* Epilogue: bias, activation (on the vector: see direct.cl), guarded stores. */
#pragma unroll
    for (int i = 0; i < MWI; i++) {
        const int m = m0 + tm + i * MDIMC;
        if (m >= Kg)
            continue;
        const int k = g * Kg + m;
        const float bk = has_bias ? bias[k] : 0.0f;
#pragma unroll
        for (int v = 0; v < NVW; v++) {
            realN r = acc[i][v] + (realN)(bk);
            if (act == ACT_RELU)
                r = fmax(r, (realN)(0.0f));
            else if (act == ACT_CLIP)
                r = fmin(fmax(r, (realN)(alpha)), (realN)(beta));
            else if (act == ACT_LEAKY_RELU)
                r = select(r * alpha, r, r >= (realN)(0.0f));
            float t[VWN];
            VSTOREN(r, 0, t);
            for (int l = 0; l < VWN; l++) {
                const int p = n0 + tn + (v * VWN + l) * NDIMC;
                if (p < NP) {
                    const int n = p / OSP, rr = p - n * OSP;
                    y[((size_t)n * K + k) * OSP + rr] = t[l];
                }
            }
        }
    }
}
