/* libFuzzer target: convolution descriptor validation (host/desc.c) and
 * the CPU reference (host/reference.c), without an OpenCL device.
 *
 * The input bytes become a clconv_conv_desc (rank 1-3; each field is
 * mostly a small value, sometimes an extreme: 0, -1, INT_MIN, INT_MAX, the
 * library's limits and one past them, raw 32-bit values).  Then:
 *  - clconv_conv_output_shape, _resolved_pads, _input/_weight/_output_elems
 *    and _flops agree on valid / invalid, never crash or overflow (UBSan),
 *    and a failure leaves a message that names the function;
 *  - an independent model of the ONNX rules written here (long long
 *    arithmetic: Conv and ConvTranspose, auto_pad, asymmetric pads,
 *    dilations, groups, output_padding, output_shape) gives the same
 *    output size and pads whenever clconv accepts, and whenever the model
 *    accepts a descriptor with every value far inside clconv's limits,
 *    clconv accepts it too;
 *  - when valid and tiny (at most 20000 multiply-adds), clconv_reference_conv
 *    equals a naive double loop nest written here, exactly: the data are
 *    small integers, so every sum is exact in double whatever the order. */
#include "clconv.h"
#include "fuzz_check.h"

#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    const uint8_t *p;
    size_t n;
} reader;

static unsigned byte(reader *r)
{
    if (!r->n)
        return 0;
    r->n--;
    return *r->p++;
}

/* Mostly lo..hi; bytes from 232 up pick an extreme. */
static int pick(reader *r, int lo, int hi)
{
    static const int extremes[] = {0,         -1,          1,           INT_MIN,
                                   INT_MAX,   INT_MAX - 1, 1 << 16,     (1 << 16) + 1,
                                   1 << 24,   (1 << 24) + 1, 1 << 26,   (1 << 26) + 1,
                                   46341,     65535,       INT_MAX / 3, -(1 << 24),
                                   1 << 30,   2,           3,           100,
                                   4097,      1 << 13};
    const unsigned b = byte(r);
    if (b < 232)
        return lo + (int)(b % (unsigned)(hi - lo + 1));
    if (b - 232 < sizeof extremes / sizeof *extremes)
        return extremes[b - 232];
    uint32_t v = 0; /* raw 32 bits */
    for (int i = 0; i < 4; i++)
        v = v << 8 | byte(r);
    int x;
    memcpy(&x, &v, sizeof x);
    return x;
}

static float pick_float(reader *r)
{
    static const float values[] = {0.0f, 1.0f,  -1.0f, 0.5f,    6.0f,      0.01f,   -2.5f,
                                   0.2f, 3.0f,  -0.0f, FLT_MAX, -FLT_MAX,  NAN,     INFINITY,
                                   -INFINITY, 1e-30f};
    return values[byte(r) % (sizeof values / sizeof *values)];
}

static void make_desc(reader *r, clconv_conv_desc *d)
{
    const unsigned f = byte(r);
    int rank = 1 + (int)(f % 3);
    if ((f & 0xf0) == 0xf0)
        rank = pick(r, -1, 4);
    clconv_conv_desc_init(d, rank);
    d->transposed = (f >> 2) & 1;
    d->has_bias = (f >> 3) & 1;
    const unsigned g = byte(r);
    d->auto_pad = (clconv_auto_pad)(g & 3);
    d->activation = (clconv_activation)((g >> 2) & 3);
    if ((g & 0xf0) == 0xf0) { /* out-of-range enums and flags */
        const int which = (g >> 2) & 3, v = pick(r, -2, 5);
        if (which == 0)
            d->auto_pad = (clconv_auto_pad)v;
        else if (which == 1)
            d->activation = (clconv_activation)v;
        else if (which == 2)
            d->transposed = v;
        else
            d->has_bias = v;
    }
    if (d->activation == CLCONV_ACTIVATION_CLIP || d->activation == CLCONV_ACTIVATION_LEAKY_RELU) {
        d->activation_alpha = pick_float(r);
        d->activation_beta = pick_float(r);
    }
    d->batch = pick(r, 1, 2);
    d->groups = pick(r, 1, 3);
    const unsigned c = byte(r);
    if (c & 1) { /* free channels: groups may not divide them */
        d->in_channels = pick(r, 1, 6);
        d->out_channels = pick(r, 1, 6);
    } else {
        if (d->groups > 8 || d->groups < 1) { /* keep the products in int */
            d->in_channels = d->out_channels = d->groups;
        } else {
            d->in_channels = d->groups * (int)(1 + (c >> 1) % 3);
            d->out_channels = d->groups * (int)(1 + (c >> 3) % 3);
        }
    }
    const int shape = (byte(r) & 3) == 3; /* transposed: request an output_shape */
    for (int i = 0; i < CLCONV_MAX_RANK; i++) {
        d->in_size[i] = pick(r, 1, 7);
        d->kernel_size[i] = pick(r, 1, 4);
        d->strides[i] = pick(r, 1, 3);
        d->dilations[i] = pick(r, 1, 3);
        d->pads_begin[i] = pick(r, 0, 3);
        d->pads_end[i] = pick(r, 0, 3);
        const unsigned o = byte(r);
        if (d->transposed || (o & 0xf0) == 0xf0) {
            d->output_padding[i] = (o & 0x0f) == 0x0f ? pick(r, -1, 3) : (int)(o % 3);
            if (shape || (o & 0xf0) == 0xf0)
                d->output_shape[i] = pick(r, 1, 14);
        }
    }
}

/* ---- the model: ONNX's rules, independently -------------------------------- */

typedef struct {
    int valid;
    int small; /* every value far inside clconv's limits */
    long long out[3], pb[3], pe[3];
} model;

static long long floor_div(long long a, long long b)
{
    return a / b - ((a % b != 0) && ((a < 0) != (b < 0)));
}

/* a * b for a, b >= 0, saturating at 2^62. */
static long long sat_mul(long long a, long long b)
{
    return a != 0 && b > (1LL << 62) / a ? 1LL << 62 : a * b;
}

static model onnx_model(const clconv_conv_desc *d)
{
    model m;
    memset(&m, 0, sizeof m);
    const int r = d->rank;
    if (r < 1 || r > 3 || d->batch < 1 || d->in_channels < 1 || d->out_channels < 1 ||
        d->groups < 1 || d->in_channels % d->groups || d->out_channels % d->groups ||
        (d->transposed != 0 && d->transposed != 1) || (d->has_bias != 0 && d->has_bias != 1) ||
        d->auto_pad < 0 || d->auto_pad > 3 || d->activation < 0 || d->activation > 3 ||
        !isfinite(d->activation_alpha) || !isfinite(d->activation_beta) ||
        (d->activation == CLCONV_ACTIVATION_CLIP && d->activation_alpha > d->activation_beta))
        return m;
    m.small = d->batch <= 4096 && d->in_channels <= 4096 && d->out_channels <= 4096;
    int n_shape = 0;
    for (int i = 0; i < r; i++) {
        if (d->in_size[i] < 1 || d->kernel_size[i] < 1 || d->strides[i] < 1 ||
            d->dilations[i] < 1 || d->pads_begin[i] < 0 || d->pads_end[i] < 0 ||
            d->output_shape[i] < 0)
            return m;
        const int lim = d->strides[i] > d->dilations[i] ? d->strides[i] : d->dilations[i];
        if (!d->transposed && (d->output_padding[i] != 0 || d->output_shape[i] != 0))
            return m;
        if (d->transposed && (d->output_padding[i] < 0 || d->output_padding[i] >= lim))
            return m;
        n_shape += d->output_shape[i] > 0;
        const int v[] = {d->in_size[i], d->kernel_size[i], d->strides[i], d->dilations[i],
                         d->pads_begin[i], d->pads_end[i], d->output_shape[i]};
        for (size_t j = 0; j < sizeof v / sizeof *v; j++)
            m.small &= v[j] <= 4096;
    }
    if (n_shape != 0 && n_shape != r)
        return m;
    long long in_e = (long long)d->batch * d->in_channels, out_e = (long long)d->batch *
                                                                  d->out_channels,
              w_e = (long long)d->out_channels * (d->in_channels / d->groups);
    for (int i = 0; i < r; i++) {
        const long long in = d->in_size[i], k = d->kernel_size[i], s = d->strides[i];
        const long long ek = (k - 1) * d->dilations[i] + 1;
        long long pb = d->pads_begin[i], pe = d->pads_end[i], out;
        if (!d->transposed) {
            if (d->auto_pad == CLCONV_AUTO_PAD_VALID) {
                pb = pe = 0;
            } else if (d->auto_pad != CLCONV_AUTO_PAD_NOTSET) {
                const long long o = (in + s - 1) / s;
                long long total = (o - 1) * s + ek - in;
                if (total < 0)
                    total = 0;
                pb = d->auto_pad == CLCONV_AUTO_PAD_SAME_UPPER ? total / 2 : total - total / 2;
                pe = total - pb;
            }
            if (in + pb + pe < ek)
                return m;
            out = (in + pb + pe - ek) / s + 1;
        } else {
            const long long natural = s * (in - 1) + d->output_padding[i] + ek;
            m.small &= natural <= (1 << 24);
            long long want = 0;
            if (n_shape)
                want = d->output_shape[i];
            else if (d->auto_pad == CLCONV_AUTO_PAD_SAME_UPPER ||
                     d->auto_pad == CLCONV_AUTO_PAD_SAME_LOWER)
                want = in * s;
            if (want) {
                const long long total = natural - want;
                if (d->auto_pad == CLCONV_AUTO_PAD_SAME_UPPER) {
                    pb = floor_div(total, 2);
                    pe = total - pb;
                } else {
                    pe = floor_div(total, 2);
                    pb = total - pe;
                }
            } else if (d->auto_pad == CLCONV_AUTO_PAD_VALID) {
                pb = pe = 0;
            }
            out = natural - pb - pe;
            if (out < 1)
                return m;
        }
        m.small &= ek <= (1 << 24) && out <= (1 << 24);
        m.out[i] = out;
        m.pb[i] = pb;
        m.pe[i] = pe;
        in_e = sat_mul(in_e, in);
        out_e = sat_mul(out_e, out);
        w_e = sat_mul(w_e, k);
    }
    m.small &= in_e <= (1 << 30) && out_e <= (1 << 30) && w_e <= (1 << 30);
    m.valid = 1;
    return m;
}

/* ---- the naive convolution ------------------------------------------------------ */

static double activate(const clconv_conv_desc *d, double v)
{
    switch (d->activation) {
    case CLCONV_ACTIVATION_RELU: return v > 0.0 ? v : 0.0;
    case CLCONV_ACTIVATION_CLIP:
        return v < d->activation_alpha ? d->activation_alpha
               : v > d->activation_beta ? d->activation_beta
                                        : v;
    case CLCONV_ACTIVATION_LEAKY_RELU: return v >= 0.0 ? v : (double)d->activation_alpha * v;
    default: return v;
    }
}

/* Leading axes of a lower rank are size 1 (kernel 1, stride 1, no pads). */
typedef struct {
    int in[3], out[3], k[3], s[3], dl[3], pb[3];
} axes;

static axes axes_of(const clconv_conv_desc *d, const model *m)
{
    axes a;
    for (int j = 0; j < 3; j++) {
        const int i = j - (3 - d->rank);
        const int on = i >= 0;
        a.in[j] = on ? d->in_size[i] : 1;
        a.out[j] = on ? (int)m->out[i] : 1;
        a.k[j] = on ? d->kernel_size[i] : 1;
        a.s[j] = on ? d->strides[i] : 1;
        a.dl[j] = on ? d->dilations[i] : 1;
        a.pb[j] = on ? (int)m->pb[i] : 0;
    }
    return a;
}

static void naive_conv(const clconv_conv_desc *d, const model *m, const float *x, const float *w,
                       const float *b, double *y)
{
    const axes a = axes_of(d, m);
    const int N = d->batch, C = d->in_channels, K = d->out_channels, G = d->groups;
    const int cpg = C / G, kpg = K / G;
    const size_t in_plane = (size_t)a.in[0] * a.in[1] * a.in[2];
    const size_t out_plane = (size_t)a.out[0] * a.out[1] * a.out[2];
    const size_t taps = (size_t)a.k[0] * a.k[1] * a.k[2];
    memset(y, 0, (size_t)N * K * out_plane * sizeof *y);
    int t[3], p[3], q[3];
    for (int n = 0; n < N; n++) {
        if (!d->transposed) {
            /* y[n][k][o] = sum x[n][c][o*s + t*dl - pb] * w[k][c'][t] */
            for (int k = 0; k < K; k++)
                for (p[0] = 0; p[0] < a.out[0]; p[0]++)
                    for (p[1] = 0; p[1] < a.out[1]; p[1]++)
                        for (p[2] = 0; p[2] < a.out[2]; p[2]++) {
                            double acc = 0.0;
                            const int g = k / kpg;
                            for (int cc = 0; cc < cpg; cc++) {
                                const int c = g * cpg + cc;
                                for (t[0] = 0; t[0] < a.k[0]; t[0]++)
                                    for (t[1] = 0; t[1] < a.k[1]; t[1]++)
                                        for (t[2] = 0; t[2] < a.k[2]; t[2]++) {
                                            int inside = 1;
                                            for (int j = 0; j < 3; j++) {
                                                q[j] = p[j] * a.s[j] + t[j] * a.dl[j] - a.pb[j];
                                                inside &= q[j] >= 0 && q[j] < a.in[j];
                                            }
                                            if (!inside)
                                                continue;
                                            const size_t xi =
                                                ((size_t)n * C + c) * in_plane +
                                                ((size_t)q[0] * a.in[1] + q[1]) * a.in[2] + q[2];
                                            const size_t wi =
                                                ((size_t)k * cpg + cc) * taps +
                                                ((size_t)t[0] * a.k[1] + t[1]) * a.k[2] + t[2];
                                            acc += (double)x[xi] * (double)w[wi];
                                        }
                            }
                            y[((size_t)n * K + k) * out_plane +
                              ((size_t)p[0] * a.out[1] + p[1]) * a.out[2] + p[2]] = acc;
                        }
        } else {
            /* y[n][k][i*s + t*dl - pb] += x[n][c][i] * w[c][k'][t] */
            for (int c = 0; c < C; c++)
                for (p[0] = 0; p[0] < a.in[0]; p[0]++)
                    for (p[1] = 0; p[1] < a.in[1]; p[1]++)
                        for (p[2] = 0; p[2] < a.in[2]; p[2]++) {
                            const double xv = x[((size_t)n * C + c) * in_plane +
                                                ((size_t)p[0] * a.in[1] + p[1]) * a.in[2] + p[2]];
                            const int g = c / cpg;
                            for (int kk = 0; kk < kpg; kk++) {
                                const int k = g * kpg + kk;
                                for (t[0] = 0; t[0] < a.k[0]; t[0]++)
                                    for (t[1] = 0; t[1] < a.k[1]; t[1]++)
                                        for (t[2] = 0; t[2] < a.k[2]; t[2]++) {
                                            int inside = 1;
                                            for (int j = 0; j < 3; j++) {
                                                q[j] = p[j] * a.s[j] + t[j] * a.dl[j] - a.pb[j];
                                                inside &= q[j] >= 0 && q[j] < a.out[j];
                                            }
                                            if (!inside)
                                                continue;
                                            const size_t wi =
                                                ((size_t)c * kpg + kk) * taps +
                                                ((size_t)t[0] * a.k[1] + t[1]) * a.k[2] + t[2];
                                            y[((size_t)n * K + k) * out_plane +
                                              ((size_t)q[0] * a.out[1] + q[1]) * a.out[2] +
                                              q[2]] += xv * (double)w[wi];
                                        }
                            }
                        }
        }
    }
    for (int n = 0; n < N; n++)
        for (int k = 0; k < K; k++)
            for (size_t o = 0; o < out_plane; o++) {
                double *v = &y[((size_t)n * K + k) * out_plane + o];
                *v = activate(d, *v + (d->has_bias ? (double)b[k] : 0.0));
            }
}

/* ---- the target ----------------------------------------------------------------- */

static int starts_with(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* Small integers in [-3, 3] (and halves for the bias): exact sums. */
static void fill(uint64_t *state, float *v, size_t n, float scale)
{
    for (size_t i = 0; i < n; i++) {
        uint64_t z = (*state += 0x9E3779B97F4A7C15ull);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        v[i] = scale * (float)((int)((z ^ (z >> 31)) % 7) - 3);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    reader r = {data, size};
    clconv_conv_desc d;
    make_desc(&r, &d);

    int out[CLCONV_MAX_RANK] = {0}, pb[CLCONV_MAX_RANK] = {0}, pe[CLCONV_MAX_RANK] = {0};
    const clconv_status st = clconv_conv_output_shape(&d, out);
    char msg[2048];
    snprintf(msg, sizeof msg, "%s", clconv_last_error());
    FUZZ_CHECK(st == CLCONV_SUCCESS || st == CLCONV_INVALID_ARGUMENT, "status %d", (int)st);
    if (st)
        FUZZ_CHECK(starts_with(msg, "clconv_conv_output_shape: ") && strlen(msg) > 28,
                   "message '%s'", msg);
    const clconv_status st_pads = clconv_conv_resolved_pads(&d, pb, pe);
    FUZZ_CHECK(st_pads == st, "resolved_pads %d, output_shape %d", (int)st_pads, (int)st);
    const size_t in_e = clconv_conv_input_elems(&d), w_e = clconv_conv_weight_elems(&d),
                 out_e = clconv_conv_output_elems(&d);
    const double flops = clconv_conv_flops(&d);
    const model m = onnx_model(&d);

    /* The pointer arguments: a NULL is a clean error whatever the descriptor. */
    static float dummy_f[1];
    static double dummy_d[1];
    FUZZ_CHECK(clconv_conv_output_shape(&d, NULL) == CLCONV_INVALID_ARGUMENT, "NULL out_size");
    FUZZ_CHECK(clconv_conv_output_shape(NULL, out) == CLCONV_INVALID_ARGUMENT, "NULL desc");
    FUZZ_CHECK(clconv_conv_resolved_pads(&d, pb, NULL) == CLCONV_INVALID_ARGUMENT, "NULL pads");
    FUZZ_CHECK(clconv_reference_conv(&d, NULL, dummy_f, dummy_f, dummy_d) ==
                   CLCONV_INVALID_ARGUMENT,
               "NULL input");
    if (st != CLCONV_SUCCESS) {
        /* Nothing is read or written for an invalid descriptor. */
        FUZZ_CHECK(clconv_reference_conv(&d, dummy_f, dummy_f, d.has_bias ? dummy_f : NULL,
                                         dummy_d) == st,
                   "reference on an invalid descriptor");
        FUZZ_CHECK(in_e == 0 && w_e == 0 && out_e == 0 && flops == 0.0,
                   "invalid descriptor with sizes %zu %zu %zu flops %g", in_e, w_e, out_e, flops);
        FUZZ_CHECK(!(m.valid && m.small), "a valid small descriptor refused: %s", msg);
        return 0;
    }
    FUZZ_CHECK(m.valid, "clconv accepts what ONNX refuses (rank %d, transposed %d)", d.rank,
               d.transposed);
    double want_in = (double)d.batch * d.in_channels, want_out = (double)d.batch * d.out_channels,
           want_w = (double)d.out_channels * (d.in_channels / d.groups), taps = 1.0;
    for (int i = 0; i < d.rank; i++) {
        FUZZ_CHECK(out[i] == m.out[i] && pb[i] == m.pb[i] && pe[i] == m.pe[i],
                   "axis %d: clconv out %d pads %d,%d; ONNX out %lld pads %lld,%lld", i, out[i],
                   pb[i], pe[i], m.out[i], m.pb[i], m.pe[i]);
        want_in *= d.in_size[i];
        want_out *= out[i];
        want_w *= d.kernel_size[i];
        taps *= d.kernel_size[i];
    }
    FUZZ_CHECK(in_e > 0 && (double)in_e == want_in, "input elems %zu, want %g", in_e, want_in);
    FUZZ_CHECK(out_e > 0 && (double)out_e == want_out, "output elems %zu, want %g", out_e,
               want_out);
    FUZZ_CHECK(w_e > 0 && (double)w_e == want_w, "weight elems %zu, want %g", w_e, want_w);
    const double macs = d.transposed ? want_in * (d.out_channels / d.groups) * taps
                                     : want_out * (d.in_channels / d.groups) * taps;
    FUZZ_CHECK(isfinite(flops) && flops > 0.0 && fabs(flops - 2.0 * macs) <= 1e-9 * flops,
               "flops %g, want %g", flops, 2.0 * macs);

    if (macs > 20000.0 || want_in > 16384 || want_out > 16384 || want_w > 16384)
        return 0;
    /* Tiny: the reference against the naive loops, exactly. */
    uint64_t seed = 0x5EED;
    while (r.n)
        seed = seed * 131 + byte(&r);
    float *x = malloc(in_e * sizeof *x), *w = malloc(w_e * sizeof *w);
    float *b = malloc((size_t)d.out_channels * sizeof *b);
    double *y = malloc(out_e * sizeof *y), *ref = malloc(out_e * sizeof *ref);
    FUZZ_CHECK(x && w && b && y && ref, "malloc");
    fill(&seed, x, in_e, 1.0f);
    fill(&seed, w, w_e, 1.0f);
    fill(&seed, b, (size_t)d.out_channels, 0.5f);
    const clconv_status rs = clconv_reference_conv(&d, x, w, d.has_bias ? b : NULL, ref);
    FUZZ_CHECK(rs == CLCONV_SUCCESS, "reference refused a valid descriptor: %s",
               clconv_last_error());
    naive_conv(&d, &m, x, w, b, y);
    for (size_t i = 0; i < out_e; i++)
        FUZZ_CHECK(y[i] == ref[i], "output %zu of %zu: reference %.17g, naive %.17g", i, out_e,
                   ref[i], y[i]);
    FUZZ_CHECK(clconv_reference_conv(&d, x, NULL, d.has_bias ? b : NULL, ref) ==
                       CLCONV_INVALID_ARGUMENT &&
                   clconv_reference_conv(&d, x, w, d.has_bias ? b : NULL, NULL) ==
                       CLCONV_INVALID_ARGUMENT,
               "NULL weights or output accepted");
    /* bias must be given iff has_bias */
    FUZZ_CHECK(clconv_reference_conv(&d, x, w, d.has_bias ? NULL : b, ref) ==
                   CLCONV_INVALID_ARGUMENT,
               "wrong bias pointer accepted");
    free(x);
    free(w);
    free(b);
    free(y);
    free(ref);
    return 0;
}
