/*
 * Tests of the CPU reference, the oracle of every other test:
 *   - tiny Conv / ConvTranspose cases computed by hand (the arithmetic is in
 *     the comments), covering every attribute and auto_pad mode;
 *   - random descriptors against a literal per-element transcription of the
 *     ONNX formulas written here (independent of reference.c's loop order);
 *   - the adjoint identity <conv(x), y> = <x, conv_transpose(y)>;
 *   - DepthToSpace / SpaceToDepth: the ONNX examples, round trips, shapes;
 *   - error cases: every invalid field or pointer is rejected with a message
 *     naming it, and nothing is written.
 * Usage: test_reference [--seed N]   (exit 1 on any failure)
 */
#include "testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int failures;
static uint64_t seed;

#define FAIL(...)                                                                                  \
    do {                                                                                           \
        failures++;                                                                                \
        printf("FAIL line %d seed=%llu: ", __LINE__, (unsigned long long)seed);                    \
        printf(__VA_ARGS__);                                                                       \
        printf("\n");                                                                              \
    } while (0)

/* ---- hand-computed cases -------------------------------------------------- */

static clconv_conv_desc make(int rank, int C, int K, const int *in, const int *k)
{
    clconv_conv_desc d;
    clconv_conv_desc_init(&d, rank);
    d.in_channels = C;
    d.out_channels = K;
    for (int i = 0; i < rank; i++) {
        d.in_size[i] = in[i];
        d.kernel_size[i] = k[i];
    }
    return d;
}

/* Runs the reference and compares with `want` (n values, the full output). */
static void expect(const char *name, const clconv_conv_desc *d, const float *x, const float *w,
                   const float *b, const double *want, size_t n)
{
    char cs[512];
    desc_string(d, cs, sizeof cs);
    size_t ny = clconv_conv_output_elems(d);
    if (ny != n) {
        FAIL("%s: case=\"%s\": output has %zu elements, expected %zu (%s)", name, cs, ny, n,
             clconv_last_error());
        return;
    }
    double *y = malloc(n * sizeof *y);
    clconv_status st = clconv_reference_conv(d, x, w, b, y);
    if (st) {
        FAIL("%s: case=\"%s\": %s: %s", name, cs, clconv_status_string(st), clconv_last_error());
    } else {
        for (size_t i = 0; i < n; i++)
            if (!(fabs(y[i] - want[i]) <= 1e-12 * fmax(1.0, fabs(want[i])))) {
                FAIL("%s: case=\"%s\": y[%zu] = %.17g, expected %.17g", name, cs, i, y[i], want[i]);
                break;
            }
    }
    free(y);
}

#define EXPECT(name, d, x, w, b, ...)                                                              \
    expect(name, d, x, w, b, (const double[]){__VA_ARGS__},                                        \
           sizeof((const double[]){__VA_ARGS__}) / sizeof(double))
#define I(...) ((const int[]){__VA_ARGS__})
#define F(...) ((const float[]){__VA_ARGS__})

static void hand_conv(void)
{
    clconv_conv_desc d;

    /* 1D, k3: y[o] = x[o] - x[o+2] = -2 everywhere, out = 5 - 3 + 1 = 3. */
    d = make(1, 1, 1, I(5), I(3));
    EXPECT("conv1d", &d, F(1, 2, 3, 4, 5), F(1, 0, -1), NULL, -2, -2, -2);

    /* 1D, stride 2, pads 1,1: padded [0 1 2 3 4 5 0], out = (7 - 3) / 2 + 1 = 3
     * o0: 0*1 + 1*2 + 2*3 = 8; o1: 2*1 + 3*2 + 4*3 = 20; o2: 4*1 + 5*2 + 0*3 = 14 */
    d = make(1, 1, 1, I(5), I(3));
    d.strides[0] = 2;
    d.pads_begin[0] = d.pads_end[0] = 1;
    EXPECT("conv1d stride pads", &d, F(1, 2, 3, 4, 5), F(1, 2, 3), NULL, 8, 20, 14);

    /* 1D, dilation 2, k2: y[o] = x[o] + 10 x[o+2], out = 6 - 3 + 1 = 4
     * = 1+30, 2+40, 3+50, 4+60 */
    d = make(1, 1, 1, I(6), I(2));
    d.dilations[0] = 2;
    EXPECT("conv1d dilation", &d, F(1, 2, 3, 4, 5, 6), F(1, 10), NULL, 31, 42, 53, 64);

    /* 1D, stride 3 with pads 2,1 and dilation 2 on 7 inputs, k2 w = [1, 10]:
     * padded index p = i + 2; out = (7 + 3 - 3) / 3 + 1 = 3;
     * y[o] = xp[3o] + 10 xp[3o+2] = x[3o-2] + 10 x[3o]
     * o0: 0 + 10*1 = 10; o1: x1 + 10 x3 = 2 + 40 = 42; o2: x4 + 10 x6 = 5 + 70 = 75 */
    d = make(1, 1, 1, I(7), I(2));
    d.strides[0] = 3;
    d.dilations[0] = 2;
    d.pads_begin[0] = 2;
    d.pads_end[0] = 1;
    EXPECT("conv1d stride dilation pads", &d, F(1, 2, 3, 4, 5, 6, 7), F(1, 10), NULL, 10, 42, 75);

    /* 2D 3x3 input 1..9, k2x2 [[1,2],[3,4]]:
     * y00 = 1+4+12+20 = 37, y01 = 2+6+15+24 = 47, y10 = 4+10+21+32 = 67, y11 = 5+12+24+36 = 77 */
    const float *x9 = F(1, 2, 3, 4, 5, 6, 7, 8, 9);
    d = make(2, 1, 1, I(3, 3), I(2, 2));
    EXPECT("conv2d", &d, x9, F(1, 2, 3, 4), NULL, 37, 47, 67, 77);

    /* 2D, stride 2, pads_begin (1,0), pads_end (0,1), k2x2 of ones: padded
     * rows -1..2, cols 0..3; out = (4 - 2) / 2 + 1 = 2 each way;
     * y[oh][ow] = sum of x over rows 2oh-1..2oh, cols 2ow..2ow+1:
     * y00 = 1+2 = 3, y01 = 3, y10 = 4+5+7+8 = 24, y11 = 6+9 = 15 */
    d = make(2, 1, 1, I(3, 3), I(2, 2));
    d.strides[0] = d.strides[1] = 2;
    d.pads_begin[0] = 1;
    d.pads_end[1] = 1;
    EXPECT("conv2d stride asym pads", &d, x9, F(1, 1, 1, 1), NULL, 3, 3, 24, 15);

    /* 2D, two input channels summed, two batches, k1x1, K=1, w = [1, 10]:
     * n0: c0 = [1 2], c1 = [3 4] -> [31 42]; n1: c0 = [5 6], c1 = [7 8] -> [75 86] */
    d = make(2, 2, 1, I(1, 2), I(1, 1));
    d.batch = 2;
    EXPECT("conv2d channels batch", &d, F(1, 2, 3, 4, 5, 6, 7, 8), F(1, 10), NULL, 31, 42, 75,
           86);

    /* groups 2, C=4, K=2, k1, w[2][2][1] = [[1,2],[3,4]], x = [1 2 3 4] (W = 1):
     * y0 = 1*x0 + 2*x1 = 5 (group 0), y1 = 3*x2 + 4*x3 = 25 (group 1) */
    d = make(1, 4, 2, I(1), I(1));
    d.groups = 2;
    EXPECT("conv groups C/G=2", &d, F(1, 2, 3, 4), F(1, 2, 3, 4), NULL, 5, 25);

    /* groups 2, C=2, K=4 (K/G=2), w[4][1][1] = [1 2 3 4], x = [1 10]:
     * y = [1*x0, 2*x0, 3*x1, 4*x1] = [1 2 30 40] */
    d = make(1, 2, 4, I(1), I(1));
    d.groups = 2;
    EXPECT("conv groups K/G=2", &d, F(1, 10), F(1, 2, 3, 4), NULL, 1, 2, 30, 40);

    /* depthwise 1D, C=K=G=2, k2, w = [[1,1],[1,-1]], x c0 = [1 2 3], c1 = [5 7 11]:
     * c0: [3 5], c1: [5-7, 7-11] = [-2 -4] */
    d = make(1, 2, 2, I(3), I(2));
    d.groups = 2;
    EXPECT("conv depthwise", &d, F(1, 2, 3, 5, 7, 11), F(1, 1, 1, -1), NULL, 3, 5, -2, -4);

    /* 3D, in 2x2x2 with x[d][h][w] = 1 + 4d + 2h + w, k (2,1,1) w = [1, 10],
     * strides (1,1,2), pads_begin (1,0,0): out D = 2+1-2+1 = 2, H = 2, W = (2-1)/2+1 = 1;
     * y[od][oh][0] = x[od-1][oh][0] + 10 x[od][oh][0]:
     * od0: 10*1 = 10, 10*3 = 30; od1: 1 + 50 = 51, 3 + 70 = 73 */
    d = make(3, 1, 1, I(2, 2, 2), I(2, 1, 1));
    d.strides[2] = 2;
    d.pads_begin[0] = 1;
    EXPECT("conv3d stride pads", &d, F(1, 2, 3, 4, 5, 6, 7, 8), F(1, 10), NULL, 10, 30, 51, 73);

    /* 3D, 2x2x2 kernel of ones over 2x2x2 input 1..8: one output 36;
     * with dilation (1,1,1) and pads 1 on W only both sides: out W = 2+2-2+1 = 3:
     * w-col sums: w=-1..0 -> cols{0}: 1+3+5+7 = 16; cols{0,1}: 36; cols{1}: 2+4+6+8 = 20 */
    d = make(3, 1, 1, I(2, 2, 2), I(2, 2, 2));
    const float *ones8 = F(1, 1, 1, 1, 1, 1, 1, 1);
    EXPECT("conv3d", &d, F(1, 2, 3, 4, 5, 6, 7, 8), ones8, NULL, 36);
    d.pads_begin[2] = d.pads_end[2] = 1;
    EXPECT("conv3d pads W", &d, F(1, 2, 3, 4, 5, 6, 7, 8), ones8, NULL, 16, 36, 20);
}

static void hand_bias_activation(void)
{
    /* k1 w = [1], bias 0.5: x = [-2 -0.5 0 0.5 3] -> pre = [-1.5 0 0.5 1 3.5] */
    const float *x = F(-2, -0.5f, 0, 0.5f, 3), *w = F(1), *b = F(0.5f);
    clconv_conv_desc d = make(1, 1, 1, I(5), I(1));
    d.has_bias = 1;
    EXPECT("bias", &d, x, w, b, -1.5, 0, 0.5, 1, 3.5);
    d.activation = CLCONV_ACTIVATION_RELU;
    EXPECT("relu", &d, x, w, b, 0, 0, 0.5, 1, 3.5);
    d.activation = CLCONV_ACTIVATION_CLIP; /* relu6-like clip(0, 1) */
    d.activation_alpha = 0;
    d.activation_beta = 1;
    EXPECT("clip(0,1)", &d, x, w, b, 0, 0, 0.5, 1, 1);
    d.activation_alpha = -1;
    d.activation_beta = 2;
    EXPECT("clip(-1,2)", &d, x, w, b, -1, 0, 0.5, 1, 2);
    d.activation = CLCONV_ACTIVATION_LEAKY_RELU; /* -1.5 * 0.25 = -0.375 */
    d.activation_alpha = 0.25f;
    EXPECT("leaky_relu(0.25)", &d, x, w, b, -0.375, 0, 0.5, 1, 3.5);

    /* Bias per output channel after the sum, activation after the bias:
     * C=1, K=2, w = [1, -1], bias = [1, -1], x = [2]: pre = [3, -3]; relu -> [3 0] */
    d = make(1, 1, 2, I(1), I(1));
    d.has_bias = 1;
    d.activation = CLCONV_ACTIVATION_RELU;
    EXPECT("bias per channel relu", &d, F(2), F(1, -1), F(1, -1), 3, 0);
}

static void hand_conv_auto_pad(void)
{
    clconv_conv_desc d;
    const float *x5 = F(1, 2, 3, 4, 5), *x6 = F(1, 2, 3, 4, 5, 6);

    /* in 5, k2, s1: out = ceil(5/1) = 5, total pad = 4 + 2 - 5 = 1.
     * SAME_UPPER: pads (0, 1): y[o] = x[o] + 10 x[o+1] = 21 32 43 54 5
     * SAME_LOWER: pads (1, 0): y[o] = x[o-1] + 10 x[o] = 10 21 32 43 54 */
    d = make(1, 1, 1, I(5), I(2));
    d.auto_pad = CLCONV_AUTO_PAD_SAME_UPPER;
    EXPECT("conv SAME_UPPER", &d, x5, F(1, 10), NULL, 21, 32, 43, 54, 5);
    d.auto_pad = CLCONV_AUTO_PAD_SAME_LOWER;
    EXPECT("conv SAME_LOWER", &d, x5, F(1, 10), NULL, 10, 21, 32, 43, 54);

    /* in 6, k3, s2: out = ceil(6/2) = 3, total = 2*2 + 3 - 6 = 1, w = [1 2 3].
     * UPPER (0,1): y[o] = x[2o] + 2x[2o+1] + 3x[2o+2]: 1+4+9 = 14, 3+8+15 = 26, 5+12+0 = 17
     * LOWER (1,0): y[o] = x[2o-1] + 2x[2o] + 3x[2o+1]: 0+2+6 = 8, 2+6+12 = 20, 4+10+18 = 32 */
    d = make(1, 1, 1, I(6), I(3));
    d.strides[0] = 2;
    d.auto_pad = CLCONV_AUTO_PAD_SAME_UPPER;
    EXPECT("conv SAME_UPPER stride", &d, x6, F(1, 2, 3), NULL, 14, 26, 17);
    d.auto_pad = CLCONV_AUTO_PAD_SAME_LOWER;
    EXPECT("conv SAME_LOWER stride", &d, x6, F(1, 2, 3), NULL, 8, 20, 32);

    /* in 6, k1, s4: out = 2, total = 4 + 1 - 6 = -1 -> 0: y = [x0, x4] = [1 5] */
    d = make(1, 1, 1, I(6), I(1));
    d.strides[0] = 4;
    d.auto_pad = CLCONV_AUTO_PAD_SAME_UPPER;
    EXPECT("conv SAME negative total", &d, x6, F(1), NULL, 1, 5);

    /* VALID ignores pads: in 5, k3, w = [1 2 3]: 1+4+9 = 14, 2+6+12 = 20, 3+8+15 = 26 */
    d = make(1, 1, 1, I(5), I(3));
    d.pads_begin[0] = d.pads_end[0] = 1;
    d.auto_pad = CLCONV_AUTO_PAD_VALID;
    EXPECT("conv VALID", &d, x5, F(1, 2, 3), NULL, 14, 20, 26);

    /* 2D SAME_UPPER, 3x3 input 1..9, k2x2 ones, s1: total 1 per axis, pads (0,1):
     * y[i][j] = x[i][j] + x[i][j+1] + x[i+1][j] + x[i+1][j+1] (zeros past the end):
     * row0: 1+2+4+5 = 12, 2+3+5+6 = 16, 3+6 = 9; row1: 4+5+7+8 = 24, 28, 6+9 = 15;
     * row2: 7+8 = 15, 8+9 = 17, 9 */
    d = make(2, 1, 1, I(3, 3), I(2, 2));
    d.auto_pad = CLCONV_AUTO_PAD_SAME_UPPER;
    EXPECT("conv2d SAME_UPPER", &d, F(1, 2, 3, 4, 5, 6, 7, 8, 9), F(1, 1, 1, 1), NULL, 12, 16, 9,
           24, 28, 15, 15, 17, 9);
}

static void hand_conv_transpose(void)
{
    clconv_conv_desc d;
    const float *x3 = F(1, 2, 3), *w3 = F(1, 10, 100);

    /* 1D, s2, k3, x = [1 2 3], w = [1 10 100]: natural out = 2*2 + 3 = 7;
     * y[2i + t] += x[i] w[t]: i0 -> y0..2 += 1 10 100; i1 -> y2..4 += 2 20 200;
     * i2 -> y4..6 += 3 30 300:  y = [1 10 102 20 203 30 300] */
    d = make(1, 1, 1, I(3), I(3));
    d.transposed = 1;
    d.strides[0] = 2;
    EXPECT("convT1d", &d, x3, w3, NULL, 1, 10, 102, 20, 203, 30, 300);

    /* pads (1, 2) crop the natural output: out = 7 - 3 = 4 -> natural[1..4] */
    d.pads_begin[0] = 1;
    d.pads_end[0] = 2;
    EXPECT("convT1d pads", &d, x3, w3, NULL, 10, 102, 20, 203);

    /* output_padding 1 adds one element at the end, which nothing reaches */
    d.pads_begin[0] = d.pads_end[0] = 0;
    d.output_padding[0] = 1;
    EXPECT("convT1d output_padding", &d, x3, w3, NULL, 1, 10, 102, 20, 203, 30, 300, 0);

    /* output_padding 1 with pads_begin 1: natural 8 minus 1 at the front */
    d.pads_begin[0] = 1;
    EXPECT("convT1d output_padding pads", &d, x3, w3, NULL, 10, 102, 20, 203, 30, 300, 0);

    /* output_shape, NOTSET: total = 7 - out; pads_begin = total - floor(total/2),
     * pads_end = floor(total/2):
     *   out 5: total 2 -> (1, 1): natural[1..5]
     *   out 6: total 1 -> (1, 0): natural[1..6]
     *   out 8: total -1 -> (0, -1): natural and one zero at the end
     *   out 9: total -2 -> (-1, -1): a zero at each end */
    d = make(1, 1, 1, I(3), I(3));
    d.transposed = 1;
    d.strides[0] = 2;
    d.pads_begin[0] = 3; /* overridden by output_shape */
    d.output_shape[0] = 5;
    EXPECT("convT1d output_shape 5", &d, x3, w3, NULL, 10, 102, 20, 203, 30);
    d.output_shape[0] = 6;
    EXPECT("convT1d output_shape 6", &d, x3, w3, NULL, 10, 102, 20, 203, 30, 300);
    d.output_shape[0] = 8;
    EXPECT("convT1d output_shape 8", &d, x3, w3, NULL, 1, 10, 102, 20, 203, 30, 300, 0);
    d.output_shape[0] = 9;
    EXPECT("convT1d output_shape 9", &d, x3, w3, NULL, 0, 1, 10, 102, 20, 203, 30, 300, 0);

    /* output_shape with SAME_UPPER: the smaller half first:
     *   out 6: total 1 -> (0, 1): natural[0..5] */
    d.auto_pad = CLCONV_AUTO_PAD_SAME_UPPER;
    d.output_shape[0] = 6;
    EXPECT("convT1d output_shape 6 SAME_UPPER", &d, x3, w3, NULL, 1, 10, 102, 20, 203, 30);

    /* auto_pad SAME: out = in * s = 6, total = 7 - 6 = 1;
     * SAME_UPPER (0, 1): natural[0..5]; SAME_LOWER (1, 0): natural[1..6] */
    d = make(1, 1, 1, I(3), I(3));
    d.transposed = 1;
    d.strides[0] = 2;
    d.auto_pad = CLCONV_AUTO_PAD_SAME_UPPER;
    EXPECT("convT1d SAME_UPPER", &d, x3, w3, NULL, 1, 10, 102, 20, 203, 30);
    d.auto_pad = CLCONV_AUTO_PAD_SAME_LOWER;
    EXPECT("convT1d SAME_LOWER", &d, x3, w3, NULL, 10, 102, 20, 203, 30, 300);

    /* SAME_UPPER with output_padding 1: natural 8, out 6, total 2 -> (1, 1) */
    d.auto_pad = CLCONV_AUTO_PAD_SAME_UPPER;
    d.output_padding[0] = 1;
    EXPECT("convT1d SAME_UPPER output_padding", &d, x3, w3, NULL, 10, 102, 20, 203, 30, 300);

    /* VALID ignores pads: natural 7 */
    d = make(1, 1, 1, I(3), I(3));
    d.transposed = 1;
    d.strides[0] = 2;
    d.pads_begin[0] = d.pads_end[0] = 1;
    d.auto_pad = CLCONV_AUTO_PAD_VALID;
    EXPECT("convT1d VALID", &d, x3, w3, NULL, 1, 10, 102, 20, 203, 30, 300);

    /* dilation 2, s1, k2, x = [1 2], w = [1 10]: out = 1 + 0 + 3 = 4;
     * y[i + 2t]: i0 -> y0 += 1, y2 += 10; i1 -> y1 += 2, y3 += 20: [1 2 10 20] */
    d = make(1, 1, 1, I(2), I(2));
    d.transposed = 1;
    d.dilations[0] = 2;
    EXPECT("convT1d dilation", &d, F(1, 2), F(1, 10), NULL, 1, 2, 10, 20);

    /* Weight layout w[C][K/G]: C=2, K=2, k1, w = [[1,2],[3,4]], x = [1 | 10]:
     * y0 = w[0][0] x0 + w[1][0] x1 = 1 + 30 = 31; y1 = 2 + 40 = 42
     * (Conv's layout would give 21 and 43) */
    d = make(1, 2, 2, I(1), I(1));
    d.transposed = 1;
    EXPECT("convT layout", &d, F(1, 10), F(1, 2, 3, 4), NULL, 31, 42);

    /* groups 2, C=2, K=4, w[2][2][1] = [[1,2],[3,4]], x = [1 | 10]:
     * y = [1*x0, 2*x0, 3*x1, 4*x1] = [1 2 30 40] */
    d = make(1, 2, 4, I(1), I(1));
    d.transposed = 1;
    d.groups = 2;
    EXPECT("convT groups K/G=2", &d, F(1, 10), F(1, 2, 3, 4), NULL, 1, 2, 30, 40);

    /* groups 2, C=4, K=2, w[4][1][1] = [1 2 3 4], x = [1 2 3 4]:
     * y0 = 1*1 + 2*2 = 5, y1 = 3*3 + 4*4 = 25 */
    d = make(1, 4, 2, I(1), I(1));
    d.transposed = 1;
    d.groups = 2;
    EXPECT("convT groups C/G=2", &d, F(1, 2, 3, 4), F(1, 2, 3, 4), NULL, 5, 25);

    /* 2D, s2, k2x2, x = [[1,2],[3,4]], w = [[1,10],[100,1000]]: blocks do not
     * overlap: y[2i+a][2j+b] = x[i][j] w[a][b] */
    const float *x4 = F(1, 2, 3, 4), *w4 = F(1, 10, 100, 1000);
    d = make(2, 1, 1, I(2, 2), I(2, 2));
    d.transposed = 1;
    d.strides[0] = d.strides[1] = 2;
    EXPECT("convT2d stride", &d, x4, w4, NULL,        /* */
           1, 10, 2, 20, 100, 1000, 200, 2000,      /* rows 0, 1 */
           3, 30, 4, 40, 300, 3000, 400, 4000);     /* rows 2, 3 */

    /* 2D, s1: y[o] = sum_i x[i] w[o-i], out 3x3:
     * y00 = 1; y01 = 1*10 + 2*1 = 12; y02 = 2*10 = 20;
     * y10 = 1*100 + 3*1 = 103; y11 = 1000 + 200 + 30 + 4 = 1234; y12 = 2000 + 40 = 2040;
     * y20 = 300; y21 = 3000 + 400 = 3400; y22 = 4000 */
    d.strides[0] = d.strides[1] = 1;
    EXPECT("convT2d", &d, x4, w4, NULL, 1, 12, 20, 103, 1234, 2040, 300, 3400, 4000);

    /* ... with bias 0.5 and leaky relu 0.5 on a negated weight:
     * y = -(the above) + 0.5, then * 0.5: y00 = (-1 + 0.5) * 0.5 = -0.25, ... */
    d.has_bias = 1;
    d.activation = CLCONV_ACTIVATION_LEAKY_RELU;
    d.activation_alpha = 0.5f;
    EXPECT("convT2d bias leaky", &d, x4, F(-1, -10, -100, -1000), F(0.5f), -0.25, -5.75, -9.75,
           -51.25, -616.75, -1019.75, -149.75, -1699.75, -1999.75);

    /* 2D SAME_LOWER, in 2x2, s2, k3x3 of ones: natural 5, out 4, total 1 -> (1, 0):
     * natural row sums along one axis for x row [a b]: [a a a+b b b]; drop the first:
     * per axis "[a, a+b, b, b]" -> y[r][c] = sum over contributing x:
     * x = [[1,2],[3,4]]: axis weights per output position p: p0 {0}, p1 {0,1}, p2 {1}, p3 {1}
     * y[r][c] = sum_{i in S(r), j in S(c)} x[i][j]:
     *   r0: c0 1, c1 1+2 = 3, c2 2, c3 2
     *   r1: c0 1+3 = 4, c1 10, c2 6, c3 6
     *   r2: c0 3, c1 7, c2 4, c3 4;  r3 = r2 */
    d = make(2, 1, 1, I(2, 2), I(3, 3));
    d.transposed = 1;
    d.strides[0] = d.strides[1] = 2;
    d.auto_pad = CLCONV_AUTO_PAD_SAME_LOWER;
    EXPECT("convT2d SAME_LOWER", &d, x4, F(1, 1, 1, 1, 1, 1, 1, 1, 1), NULL, /* */
           1, 3, 2, 2, 4, 10, 6, 6, 3, 7, 4, 4, 3, 7, 4, 4);

    /* 3D: in (2,1,1) = [1 2], k (2,1,1) w = [1 10], strides (2,1,1):
     * D out = 2 + 2 = 4: [1 10 2 20]; with output_padding (1,0,0): [1 10 2 20 0] */
    d = make(3, 1, 1, I(2, 1, 1), I(2, 1, 1));
    d.transposed = 1;
    d.strides[0] = 2;
    EXPECT("convT3d", &d, F(1, 2), F(1, 10), NULL, 1, 10, 2, 20);
    d.output_padding[0] = 1;
    EXPECT("convT3d output_padding", &d, F(1, 2), F(1, 10), NULL, 1, 10, 2, 20, 0);

    /* 3D output_shape: in (1,1,2) = [1 2], k (1,1,2) w = [1 10], s (1,1,1):
     * natural W = 3: [1 12 20]; output_shape (1,1,5): total -2 -> (-1,-1): [0 1 12 20 0] */
    d = make(3, 1, 1, I(1, 1, 2), I(1, 1, 2));
    d.transposed = 1;
    d.output_shape[0] = 1;
    d.output_shape[1] = 1;
    d.output_shape[2] = 5;
    EXPECT("convT3d output_shape", &d, F(1, 2), F(1, 10), NULL, 0, 1, 12, 20, 0);
}

/* ---- a literal transcription of the ONNX formulas ------------------------- */

static double act(const clconv_conv_desc *d, double v)
{
    switch (d->activation) {
    case CLCONV_ACTIVATION_RELU: return v > 0 ? v : 0;
    case CLCONV_ACTIVATION_CLIP:
        return v < d->activation_alpha ? d->activation_alpha
               : v > d->activation_beta ? d->activation_beta
                                        : v;
    case CLCONV_ACTIVATION_LEAKY_RELU: return v >= 0 ? v : d->activation_alpha * v;
    default: return v;
    }
}

/* One output element at a time, bounds checked per tap; ConvTranspose as a
 * gather over every input position that lands on the output position. */
static void naive(const clconv_conv_desc *d, const float *x, const float *w, const float *b,
                  double *y)
{
    int in[3] = {1, 1, 1}, out[3] = {1, 1, 1}, k[3] = {1, 1, 1}, s[3] = {1, 1, 1};
    int dl[3] = {1, 1, 1}, pb[3] = {0, 0, 0}, os[3], rb[3], re[3];
    clconv_conv_output_shape(d, os);
    clconv_conv_resolved_pads(d, rb, re);
    for (int i = 0; i < d->rank; i++) {
        int a = 3 - d->rank + i;
        in[a] = d->in_size[i];
        out[a] = os[i];
        k[a] = d->kernel_size[i];
        s[a] = d->strides[i];
        dl[a] = d->dilations[i];
        pb[a] = rb[i];
    }
    const int C = d->in_channels, K = d->out_channels, G = d->groups, cg = C / G, kg = K / G;
    const int taps = k[0] * k[1] * k[2], inp = in[0] * in[1] * in[2];
    size_t yi = 0;
    for (int n = 0; n < d->batch; n++)
        for (int kk = 0; kk < K; kk++)
            for (int o0 = 0; o0 < out[0]; o0++)
                for (int o1 = 0; o1 < out[1]; o1++)
                    for (int o2 = 0; o2 < out[2]; o2++) {
                        const int g = kk / kg;
                        double acc = 0;
                        for (int cc = 0; cc < cg; cc++) {
                            const int c = g * cg + cc;
                            const float *xc = x + ((size_t)n * C + c) * inp;
                            for (int t0 = 0; t0 < k[0]; t0++)
                                for (int t1 = 0; t1 < k[1]; t1++)
                                    for (int t2 = 0; t2 < k[2]; t2++) {
                                        const int t = (t0 * k[1] + t1) * k[2] + t2;
                                        if (!d->transposed) {
                                            const double wv = w[((size_t)kk * cg + cc) * taps + t];
                                            int i0 = o0 * s[0] + t0 * dl[0] - pb[0];
                                            int i1 = o1 * s[1] + t1 * dl[1] - pb[1];
                                            int i2 = o2 * s[2] + t2 * dl[2] - pb[2];
                                            if (i0 < 0 || i0 >= in[0] || i1 < 0 || i1 >= in[1] ||
                                                i2 < 0 || i2 >= in[2])
                                                continue;
                                            acc += wv * xc[(i0 * in[1] + i1) * in[2] + i2];
                                            continue;
                                        }
                                        const double wv =
                                            w[((size_t)c * kg + kk % kg) * taps + t];
                                        for (int i0 = 0; i0 < in[0]; i0++) {
                                            if (i0 * s[0] + t0 * dl[0] - pb[0] != o0)
                                                continue;
                                            for (int i1 = 0; i1 < in[1]; i1++) {
                                                if (i1 * s[1] + t1 * dl[1] - pb[1] != o1)
                                                    continue;
                                                for (int i2 = 0; i2 < in[2]; i2++)
                                                    if (i2 * s[2] + t2 * dl[2] - pb[2] == o2)
                                                        acc += wv *
                                                               xc[(i0 * in[1] + i1) * in[2] + i2];
                                            }
                                        }
                                    }
                        }
                        if (d->has_bias)
                            acc += b[kk];
                        y[yi++] = act(d, acc);
                    }
}

/* A random descriptor, valid or not (the caller retries). */
static clconv_conv_desc random_desc(test_rng *r, int transposed)
{
    clconv_conv_desc d;
    const int rank = rng_int(r, 1, 3);
    clconv_conv_desc_init(&d, rank);
    d.batch = rng_int(r, 1, 2);
    d.groups = rng_int(r, 1, 3);
    d.in_channels = d.groups * rng_int(r, 1, 3);
    d.out_channels = d.groups * rng_int(r, 1, 3);
    d.transposed = transposed;
    const int maxin = rank == 3 ? 5 : 8;
    for (int i = 0; i < rank; i++) {
        d.in_size[i] = rng_int(r, 1, maxin);
        d.kernel_size[i] = rng_int(r, 1, rank == 3 ? 3 : 4);
        d.strides[i] = rng_int(r, 1, 3);
        d.dilations[i] = rng_int(r, 1, 3);
        d.pads_begin[i] = rng_int(r, 0, 3);
        d.pads_end[i] = rng_int(r, 0, 3);
    }
    d.auto_pad = (clconv_auto_pad)(rng_int(r, 0, 5) > 3 ? 0 : rng_int(r, 0, 3));
    return d;
}

static void random_vs_naive(int count)
{
    test_rng r;
    rng_seed(&r, seed);
    int done = 0, tries = 0;
    while (done < count && tries < 100 * count) {
        tries++;
        clconv_conv_desc d = random_desc(&r, done % 2);
        if (d.transposed) {
            int ops = rng_int(&r, 0, 3) == 0; /* sometimes an output_shape */
            for (int i = 0; i < d.rank; i++) {
                int lim = d.strides[i] > d.dilations[i] ? d.strides[i] : d.dilations[i];
                d.output_padding[i] = rng_int(&r, 0, lim - 1);
                if (ops)
                    d.output_shape[i] = d.in_size[i] * d.strides[i] + rng_int(&r, -3, 3);
            }
        }
        d.has_bias = rng_int(&r, 0, 1);
        d.activation = (clconv_activation)rng_int(&r, 0, 3);
        d.activation_alpha = d.activation == CLCONV_ACTIVATION_CLIP ? -0.5f : 0.125f;
        d.activation_beta = 0.75f;
        size_t nx = clconv_conv_input_elems(&d), nw = clconv_conv_weight_elems(&d);
        size_t ny = clconv_conv_output_elems(&d);
        if (!nx || !nw || !ny)
            continue; /* invalid: try another */
        done++;
        float *x = malloc(nx * sizeof *x), *w = malloc(nw * sizeof *w);
        float *b = malloc((size_t)d.out_channels * sizeof *b);
        double *y = malloc(ny * sizeof *y), *want = malloc(ny * sizeof *want);
        rng_fill(&r, x, nx, -1, 1);
        rng_fill(&r, w, nw, -1, 1);
        rng_fill(&r, b, (size_t)d.out_channels, -1, 1);
        naive(&d, x, w, b, want);
        char cs[512];
        desc_string(&d, cs, sizeof cs);
        clconv_status st = clconv_reference_conv(&d, x, w, d.has_bias ? b : NULL, y);
        if (st) {
            FAIL("random #%d case=\"%s\": %s", done, cs, clconv_last_error());
        } else {
            for (size_t i = 0; i < ny; i++)
                if (!(fabs(y[i] - want[i]) <= 1e-12 * (1 + fabs(want[i])))) {
                    FAIL("random #%d case=\"%s\": y[%zu] = %.17g, literal formula %.17g", done, cs,
                         i, y[i], want[i]);
                    break;
                }
        }
        free(x), free(w), free(b), free(y), free(want);
    }
    if (done < count)
        FAIL("random: only %d of %d descriptors were valid", done, count);
    printf("random descriptors vs the literal formulas: %d (half of them transposed)\n", done);
}

/* ---- the adjoint identity -------------------------------------------------- */

/* <conv(x, w), y> = <x, convT(y, w)>, with the ConvTranspose descriptor whose
 * output size is the Conv's input size.  Both share one weight array:
 * Conv's w[K][C/G][k] is ConvTranspose's w[C_T = K][K_T/G = C/G][k]. */
static void adjoint(int count)
{
    test_rng r;
    rng_seed(&r, seed + 1);
    int done = 0, tries = 0;
    while (done < count && tries < 100 * count) {
        tries++;
        clconv_conv_desc c = random_desc(&r, 0);
        int os[3], pb[3], pe[3];
        if (clconv_conv_output_shape(&c, os) || clconv_conv_resolved_pads(&c, pb, pe))
            continue;
        done++;
        clconv_conv_desc t = c;
        t.transposed = 1;
        t.auto_pad = CLCONV_AUTO_PAD_NOTSET;
        t.in_channels = c.out_channels;
        t.out_channels = c.in_channels;
        for (int i = 0; i < c.rank; i++) {
            int ek = (c.kernel_size[i] - 1) * c.dilations[i] + 1;
            t.in_size[i] = os[i];
            t.pads_begin[i] = pb[i];
            t.pads_end[i] = pe[i];
            /* Conv drops the last (in + pads - ek) mod s positions; give them back */
            t.output_padding[i] = (c.in_size[i] + pb[i] + pe[i] - ek) % c.strides[i];
        }
        char cs[512];
        desc_string(&c, cs, sizeof cs);
        int tos[3];
        if (clconv_conv_output_shape(&t, tos)) {
            FAIL("adjoint case=\"%s\": transposed descriptor rejected: %s", cs, clconv_last_error());
            continue;
        }
        int same = 1;
        for (int i = 0; i < c.rank; i++)
            same &= tos[i] == c.in_size[i];
        if (!same) {
            FAIL("adjoint case=\"%s\": transposed output size differs from the input size", cs);
            continue;
        }
        size_t nx = clconv_conv_input_elems(&c), nw = clconv_conv_weight_elems(&c);
        size_t ny = clconv_conv_output_elems(&c);
        float *x = malloc(nx * sizeof *x), *w = malloc(nw * sizeof *w), *yv = malloc(ny * sizeof *yv);
        double *cx = malloc(ny * sizeof *cx), *ty = malloc(nx * sizeof *ty);
        rng_fill(&r, x, nx, -1, 1);
        rng_fill(&r, w, nw, -1, 1);
        rng_fill(&r, yv, ny, -1, 1);
        clconv_status s1 = clconv_reference_conv(&c, x, w, NULL, cx);
        clconv_status s2 = clconv_reference_conv(&t, yv, w, NULL, ty);
        if (s1 || s2) {
            FAIL("adjoint case=\"%s\": %s", cs, clconv_last_error());
        } else {
            double lhs = 0, rhs = 0, scale = 0;
            for (size_t i = 0; i < ny; i++) {
                lhs += cx[i] * yv[i];
                scale += fabs(cx[i] * yv[i]);
            }
            for (size_t i = 0; i < nx; i++) {
                rhs += x[i] * ty[i];
                scale += fabs(x[i] * ty[i]);
            }
            if (!(fabs(lhs - rhs) <= 1e-12 * (1 + scale)))
                FAIL("adjoint case=\"%s\": <conv(x),y> = %.17g but <x,convT(y)> = %.17g", cs, lhs,
                     rhs);
        }
        free(x), free(w), free(yv), free(cx), free(ty);
    }
    if (done < count)
        FAIL("adjoint: only %d of %d descriptors were valid", done, count);
    printf("adjoint identity: %d descriptors\n", done);
}

/* ---- DepthToSpace / SpaceToDepth ------------------------------------------- */

static clconv_space_depth_desc sd(clconv_space_depth_op op, int N, int C, int H, int W, int b,
                                  clconv_depth_to_space_mode mode)
{
    clconv_space_depth_desc d;
    clconv_space_depth_desc_init(&d, op);
    d.batch = N;
    d.channels = C;
    d.height = H;
    d.width = W;
    d.blocksize = b;
    d.mode = mode;
    return d;
}

static void expect_sd(const char *name, const clconv_space_depth_desc *d, const float *x,
                      const float *want, size_t n, const int want_shape[4])
{
    int shape[4];
    clconv_status st = clconv_space_depth_output_shape(d, shape);
    if (st) {
        FAIL("%s: output_shape: %s", name, clconv_last_error());
        return;
    }
    if (memcmp(shape, want_shape, sizeof shape))
        FAIL("%s: output shape [%d %d %d %d], expected [%d %d %d %d]", name, shape[0], shape[1],
             shape[2], shape[3], want_shape[0], want_shape[1], want_shape[2], want_shape[3]);
    float *y = malloc(n * sizeof *y);
    st = clconv_reference_space_depth(d, x, y);
    if (st)
        FAIL("%s: %s", name, clconv_last_error());
    else
        for (size_t i = 0; i < n; i++)
            if (y[i] != want[i]) {
                FAIL("%s: y[%zu] = %g, expected %g", name, i, y[i], want[i]);
                break;
            }
    free(y);
}

static void hand_space_depth(void)
{
    /* The ONNX operator examples: x [1, 8, 2, 3] with x[c][h][w] = 9c + 3h + w,
     * blocksize 2 -> [1, 2, 4, 6].
     * DCR: y[c'][2h+i][2w+j] = x[(2i+j)*2 + c'][h][w], e.g. y[0][0][1] = x[2][0][0] = 18,
     *      y[0][1][0] = x[4][0][0] = 36, y[1][0][0] = x[1][0][0] = 9.
     * CRD: y[c'][2h+i][2w+j] = x[4c' + 2i + j][h][w], e.g. y[0][0][1] = x[1] = 9,
     *      y[0][1][0] = x[2] = 18, y[1][0][0] = x[4] = 36. */
    float x[48];
    for (int c = 0; c < 8; c++)
        for (int h = 0; h < 2; h++)
            for (int w = 0; w < 3; w++)
                x[(c * 2 + h) * 3 + w] = (float)(9 * c + 3 * h + w);
    static const float dcr[48] = {
        0,  18, 1,  19, 2,  20, 36, 54, 37, 55, 38, 56, 3,  21, 4,  22, 5,  23, 39, 57, 40, 58, 41, 59,
        9,  27, 10, 28, 11, 29, 45, 63, 46, 64, 47, 65, 12, 30, 13, 31, 14, 32, 48, 66, 49, 67, 50, 68};
    static const float crd[48] = {
        0,  9,  1,  10, 2,  11, 18, 27, 19, 28, 20, 29, 3,  12, 4,  13, 5,  14, 21, 30, 22, 31, 23, 32,
        36, 45, 37, 46, 38, 47, 54, 63, 55, 64, 56, 65, 39, 48, 40, 49, 41, 50, 57, 66, 58, 67, 59, 68};
    clconv_space_depth_desc d = sd(CLCONV_DEPTH_TO_SPACE, 1, 8, 2, 3, 2, CLCONV_MODE_DCR);
    expect_sd("depth_to_space DCR example", &d, x, dcr, 48, I(1, 2, 4, 6));
    d.mode = CLCONV_MODE_CRD;
    expect_sd("depth_to_space CRD example", &d, x, crd, 48, I(1, 2, 4, 6));

    /* SpaceToDepth is DCR's inverse: the DCR output maps back to x */
    d = sd(CLCONV_SPACE_TO_DEPTH, 1, 2, 4, 6, 2, CLCONV_MODE_DCR);
    expect_sd("space_to_depth of the DCR example", &d, dcr, x, 48, I(1, 8, 2, 3));

    /* SpaceToDepth, x [1, 2, 2, 2]: c0 = [[0,1],[2,3]], c1 = [[10,11],[12,13]], b = 2:
     * y[(2i+j)*2 + c] = x[c][i][j] -> [0 10 1 11 2 12 3 13] */
    d = sd(CLCONV_SPACE_TO_DEPTH, 1, 2, 2, 2, 2, CLCONV_MODE_DCR);
    expect_sd("space_to_depth C2", &d, F(0, 1, 2, 3, 10, 11, 12, 13),
              F(0, 10, 1, 11, 2, 12, 3, 13), 8, I(1, 8, 1, 1));

    /* SpaceToDepth, x [1, 1, 4, 2] with x[h][w] = 2h + w, b = 2 -> [1, 4, 2, 1]:
     * y[2i+j][h'][0] = x[2h'+i][j]: ch0 = [x00 x20] = [0 4], ch1 = [1 5], ch2 = [2 6], ch3 = [3 7] */
    d = sd(CLCONV_SPACE_TO_DEPTH, 1, 1, 4, 2, 2, CLCONV_MODE_DCR);
    expect_sd("space_to_depth spatial", &d, F(0, 1, 2, 3, 4, 5, 6, 7), F(0, 4, 1, 5, 2, 6, 3, 7), 8,
              I(1, 4, 2, 1));

    /* DepthToSpace b = 3, C = 9, 1x1: DCR and CRD agree when C/b^2 = 1: y = x as 3x3 */
    d = sd(CLCONV_DEPTH_TO_SPACE, 1, 9, 1, 1, 3, CLCONV_MODE_DCR);
    const float *nine = F(0, 1, 2, 3, 4, 5, 6, 7, 8);
    expect_sd("depth_to_space b3 DCR", &d, nine, nine, 9, I(1, 1, 3, 3));
    d.mode = CLCONV_MODE_CRD;
    expect_sd("depth_to_space b3 CRD", &d, nine, nine, 9, I(1, 1, 3, 3));

    /* batch 2 and blocksize 1 (identity) */
    d = sd(CLCONV_DEPTH_TO_SPACE, 2, 2, 1, 2, 1, CLCONV_MODE_CRD);
    expect_sd("depth_to_space b1", &d, nine, nine, 8, I(2, 2, 1, 2));
    d = sd(CLCONV_SPACE_TO_DEPTH, 2, 2, 1, 2, 1, CLCONV_MODE_DCR);
    expect_sd("space_to_depth b1", &d, nine, nine, 8, I(2, 2, 1, 2));
}

static void space_depth_round_trips(int count)
{
    test_rng r;
    rng_seed(&r, seed + 2);
    for (int it = 0; it < count; it++) {
        const int N = rng_int(&r, 1, 2), c = rng_int(&r, 1, 3), b = rng_int(&r, 1, 4);
        const int H = rng_int(&r, 1, 4), W = rng_int(&r, 1, 5), C = c * b * b;
        const size_t n = (size_t)N * C * H * W;
        float *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y), *z = malloc(n * sizeof *z);
        float *xp = malloc(n * sizeof *xp);
        rng_fill(&r, x, n, -1, 1);
        char cs[128];
        snprintf(cs, sizeof cs, "N%d C%d %dx%d b%d", N, C, H, W, b);
        clconv_space_depth_desc d2s = sd(CLCONV_DEPTH_TO_SPACE, N, C, H, W, b, CLCONV_MODE_DCR);
        clconv_space_depth_desc s2d = sd(CLCONV_SPACE_TO_DEPTH, N, c, H * b, W * b, b, CLCONV_MODE_DCR);
        /* space_to_depth(depth_to_space_DCR(x)) == x */
        if (clconv_reference_space_depth(&d2s, x, y) || clconv_reference_space_depth(&s2d, y, z))
            FAIL("round trip %s: %s", cs, clconv_last_error());
        else if (memcmp(x, z, n * sizeof *x))
            FAIL("round trip %s: space_to_depth(depth_to_space(x)) != x", cs);
        /* depth_to_space_DCR(space_to_depth(y)) == y, on the spatial side */
        if (clconv_reference_space_depth(&s2d, x, y) || clconv_reference_space_depth(&d2s, y, z))
            FAIL("round trip %s: %s", cs, clconv_last_error());
        else if (memcmp(x, z, n * sizeof *x))
            FAIL("round trip %s: depth_to_space(space_to_depth(x)) != x", cs);
        /* CRD(x) == DCR(x') with x'[n][(i*b + j)*c + k] = x[n][k*b*b + i*b + j] */
        const size_t plane = (size_t)H * W;
        for (int nn = 0; nn < N; nn++)
            for (int k = 0; k < c; k++)
                for (int ij = 0; ij < b * b; ij++)
                    memcpy(xp + ((size_t)nn * C + (size_t)ij * c + k) * plane,
                           x + ((size_t)nn * C + (size_t)k * b * b + ij) * plane,
                           plane * sizeof *x);
        clconv_space_depth_desc crd = d2s;
        crd.mode = CLCONV_MODE_CRD;
        if (clconv_reference_space_depth(&crd, x, y) || clconv_reference_space_depth(&d2s, xp, z))
            FAIL("CRD vs DCR %s: %s", cs, clconv_last_error());
        else if (memcmp(y, z, n * sizeof *y))
            FAIL("CRD vs DCR %s: CRD(x) differs from DCR(channel-permuted x)", cs);
        free(x), free(y), free(z), free(xp);
    }
}

/* ---- errors ----------------------------------------------------------------- */

#define BUF 4096
static float ex[BUF], ew[BUF], eb[BUF];
static double ey[BUF];

/* The call must fail with INVALID_ARGUMENT, name `field` and `op`, and leave
 * the output untouched. */
static void expect_conv_error(const char *what, const clconv_conv_desc *d, const float *x,
                              const float *w, const float *b, double *y, const char *field)
{
    for (int i = 0; i < BUF; i++)
        ey[i] = 12345.0;
    clconv_status st = clconv_reference_conv(d, x, w, b, y);
    const char *msg = clconv_last_error();
    if (st != CLCONV_INVALID_ARGUMENT)
        FAIL("error %s: status %s, expected invalid argument (%s)", what, clconv_status_string(st),
             msg);
    else if (!strstr(msg, field) || strncmp(msg, "clconv_reference_conv: ", 23))
        FAIL("error %s: message \"%s\" does not name clconv_reference_conv and \"%s\"", what, msg,
             field);
    for (int i = 0; i < BUF; i++)
        if (ey[i] != 12345.0) {
            FAIL("error %s: output written at %d", what, i);
            break;
        }
}

static void conv_errors(void)
{
    clconv_conv_desc base = make(2, 4, 4, I(5, 5), I(3, 3)), d;
    /* Each case below changes one thing of this valid descriptor. */
    if (clconv_reference_conv(&base, ex, ew, NULL, ey))
        FAIL("the base descriptor of the error tests is invalid: %s", clconv_last_error());

    expect_conv_error("NULL desc", NULL, ex, ew, NULL, ey, "desc");
    expect_conv_error("NULL input", &base, NULL, ew, NULL, ey, "input");
    expect_conv_error("NULL weights", &base, ex, NULL, NULL, ey, "weights");
    expect_conv_error("NULL output", &base, ex, ew, NULL, NULL, "output");
    d = base;
    d.has_bias = 1;
    expect_conv_error("has_bias without bias", &d, ex, ew, NULL, ey, "bias");
    expect_conv_error("bias without has_bias", &base, ex, ew, eb, ey, "bias");

#define BAD(field, stmt)                                                                           \
    do {                                                                                           \
        d = base;                                                                                  \
        stmt;                                                                                      \
        expect_conv_error(#stmt, &d, ex, ew, NULL, ey, field);                                     \
    } while (0)
    BAD("rank", d.rank = 0);
    BAD("rank", d.rank = 4);
    BAD("batch", d.batch = 0);
    BAD("in_channels", d.in_channels = 0);
    BAD("out_channels", d.out_channels = -1);
    BAD("groups", d.groups = 0);
    BAD("groups", d.groups = 3);
    BAD("groups", (d.groups = 2, d.out_channels = 3));
    BAD("in_size[1]", d.in_size[1] = 0);
    BAD("kernel_size[0]", d.kernel_size[0] = 0);
    BAD("kernel_size[1]", d.kernel_size[1] = 6); /* larger than the input */
    BAD("kernel_size[0]", (d.kernel_size[0] = 3, d.dilations[0] = 3)); /* extent 7 > 5 */
    BAD("strides[1]", d.strides[1] = 0);
    BAD("dilations[0]", d.dilations[0] = 0);
    BAD("pads_begin[1]", d.pads_begin[1] = -1);
    BAD("pads_end[0]", d.pads_end[0] = -2);
    BAD("auto_pad", d.auto_pad = (clconv_auto_pad)7);
    BAD("transposed", d.transposed = 2);
    BAD("has_bias", d.has_bias = 2);
    BAD("activation", d.activation = (clconv_activation)9);
    BAD("activation_alpha", (d.activation = CLCONV_ACTIVATION_CLIP, d.activation_alpha = 2,
                             d.activation_beta = 1));
    BAD("activation_alpha", d.activation_alpha = NAN);
    BAD("output_padding[0]", d.output_padding[0] = 1);
    BAD("output_shape[1]", d.output_shape[1] = 5);
    BAD("output_padding[1]", (d.transposed = 1, d.output_padding[1] = 1)); /* >= s, d */
    BAD("output_padding[0]", (d.transposed = 1, d.strides[0] = 2, d.output_padding[0] = -1));
    BAD("output_shape", (d.transposed = 1, d.output_shape[0] = 5)); /* one of two given */
    BAD("output_shape[0]", (d.transposed = 1, d.output_shape[0] = -1));
    BAD("pads", (d.transposed = 1, d.pads_begin[0] = 4, d.pads_end[0] = 3)); /* 7 - 7 = 0 */
#undef BAD
}

static void expect_sd_error(const char *what, const clconv_space_depth_desc *d, const float *x,
                            float *y, const char *field)
{
    float *out = ew;
    for (int i = 0; i < BUF; i++)
        out[i] = 12345.0f;
    clconv_status st = clconv_reference_space_depth(d, x, y);
    const char *msg = clconv_last_error();
    if (st != CLCONV_INVALID_ARGUMENT)
        FAIL("error %s: status %s, expected invalid argument", what, clconv_status_string(st));
    else if (!strstr(msg, field) || strncmp(msg, "clconv_reference_space_depth: ", 30))
        FAIL("error %s: message \"%s\" does not name clconv_reference_space_depth and \"%s\"",
             what, msg, field);
    for (int i = 0; i < BUF; i++)
        if (out[i] != 12345.0f) {
            FAIL("error %s: output written at %d", what, i);
            break;
        }
    /* output_shape agrees on validity (pointer errors aside) */
    int shape[4];
    if (d && x && y && clconv_space_depth_output_shape(d, shape) == CLCONV_SUCCESS)
        FAIL("error %s: clconv_space_depth_output_shape accepts it", what);
}

static void space_depth_errors(void)
{
    clconv_space_depth_desc base = sd(CLCONV_DEPTH_TO_SPACE, 1, 8, 2, 2, 2, CLCONV_MODE_DCR), d;
    float *y = ew;
    if (clconv_reference_space_depth(&base, ex, y))
        FAIL("the base space_depth descriptor is invalid: %s", clconv_last_error());
    expect_sd_error("NULL desc", NULL, ex, y, "desc");
    expect_sd_error("NULL input", &base, NULL, y, "input");
    expect_sd_error("NULL output", &base, ex, NULL, "output");
#define BAD(field, stmt)                                                                           \
    do {                                                                                           \
        d = base;                                                                                  \
        stmt;                                                                                      \
        expect_sd_error(#stmt, &d, ex, y, field);                                                  \
    } while (0)
    BAD("op", d.op = (clconv_space_depth_op)2);
    BAD("batch", d.batch = 0);
    BAD("channels", d.channels = 0);
    BAD("height", d.height = 0);
    BAD("width", d.width = -3);
    BAD("blocksize", d.blocksize = 0);
    BAD("channels", d.channels = 6); /* not divisible by 4 */
    BAD("mode", d.mode = (clconv_depth_to_space_mode)2);
    BAD("height", (d.op = CLCONV_SPACE_TO_DEPTH, d.height = 3));
    BAD("width", (d.op = CLCONV_SPACE_TO_DEPTH, d.width = 5));
#undef BAD
    int shape[4];
    if (clconv_space_depth_output_shape(&base, NULL) != CLCONV_INVALID_ARGUMENT ||
        !strstr(clconv_last_error(), "out_shape"))
        FAIL("clconv_space_depth_output_shape(desc, NULL) is not rejected: %s",
             clconv_last_error());
    if (clconv_space_depth_output_shape(NULL, shape) != CLCONV_INVALID_ARGUMENT)
        FAIL("clconv_space_depth_output_shape(NULL, shape) is not rejected");
    /* defaults: batch 1, DCR, the sizes required */
    clconv_space_depth_desc_init(&d, CLCONV_SPACE_TO_DEPTH);
    if (d.op != CLCONV_SPACE_TO_DEPTH || d.batch != 1 || d.mode != CLCONV_MODE_DCR ||
        clconv_space_depth_output_shape(&d, shape) != CLCONV_INVALID_ARGUMENT)
        FAIL("clconv_space_depth_desc_init: unexpected defaults");
}

/* ---- speed: the oracle must stay cheap enough for big sweeps ---------------- */

static void timing(void)
{
    clconv_conv_desc d = make(2, 64, 64, I(56, 56), I(3, 3));
    d.pads_begin[0] = d.pads_begin[1] = d.pads_end[0] = d.pads_end[1] = 1;
    size_t nx = clconv_conv_input_elems(&d), nw = clconv_conv_weight_elems(&d);
    size_t ny = clconv_conv_output_elems(&d);
    float *x = malloc(nx * sizeof *x), *w = malloc(nw * sizeof *w);
    double *y = malloc(ny * sizeof *y);
    test_rng r;
    rng_seed(&r, seed);
    rng_fill(&r, x, nx, -1, 1);
    rng_fill(&r, w, nw, -1, 1);
    struct timespec t0, t1;
    timespec_get(&t0, TIME_UTC); /* C11; wall clock is enough here */
    clconv_status st = clconv_reference_conv(&d, x, w, NULL, y);
    timespec_get(&t1, TIME_UTC);
    double s = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
    if (st)
        FAIL("timing: %s", clconv_last_error());
    else
        printf("reference N1 C64 56x56 K64 k3x3 p1: %.3f s (%.2f GFLOP/s)\n", s,
               clconv_conv_flops(&d) / s * 1e-9);
    free(x), free(w), free(y);
}

int main(int argc, char **argv)
{
    seed = test_seed(argc, argv, 20240601);
    hand_conv();
    hand_bias_activation();
    hand_conv_auto_pad();
    hand_conv_transpose();
    random_vs_naive((int)test_arg_long(argc, argv, "random", 300));
    adjoint((int)test_arg_long(argc, argv, "adjoint", 48));
    hand_space_depth();
    space_depth_round_trips(40);
    conv_errors();
    space_depth_errors();
    if (test_arg_long(argc, argv, "timing", 1))
        timing();
    if (failures) {
        printf("test_reference: %d failure(s), seed=%llu\n", failures, (unsigned long long)seed);
        return 1;
    }
    printf("test_reference: all passed (seed=%llu)\n", (unsigned long long)seed);
    return 0;
}
