/* Seeded randomized sweep of convolution descriptors for one algorithm
 * (default: direct, the universal path) against the float64 reference.
 *
 *   test_sweep [--algo NAME] [--count N] [--seed S] [--case I]
 *
 * Case I draws its descriptor from a generator seeded by (S, I) alone, so
 * `--seed S --case I` replays exactly the case a failing run printed.  Only
 * valid descriptors are generated (clconv_conv_output_shape rejects, the
 * generator redraws).  Sizes avoid tile multiples on purpose (channels 1, 3,
 * 7, 70; odd spatial sizes; 1x1 images) and most cases are tiny so that
 * hundreds of them run in seconds on PoCL; one case in ten is "medium".
 *
 * For a named algorithm other than direct the generator is steered toward
 * that algorithm's domain (3x3 s1 for Winograd, groups == C for depthwise,
 * ...) so that the sweep exercises it instead of counting rejections. */
#include "algo_check.h"
#include "testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TINY_FLOPS 4.0e5  /* most cases: a few hundred thousand FLOPs */
#define MEDIUM_FLOPS 8.0e6 /* one case in ten */

/* What the sweep covered, so that a generator bug cannot quietly stop
 * testing a feature. */
enum {
    COV_RANK1, COV_RANK2, COV_RANK3, COV_TRANSPOSED, COV_STRIDE, COV_DILATION, COV_ASYM_PAD,
    COV_SAME_UPPER, COV_SAME_LOWER, COV_VALID, COV_T_SAME_UPPER, COV_T_SAME_LOWER, COV_T_VALID,
    COV_OUTPUT_PADDING, COV_OUTPUT_SHAPE, COV_DEPTHWISE, COV_MULTIPLIER, COV_GROUPS_ODD,
    COV_BIAS, COV_RELU, COV_CLIP, COV_LEAKY, COV_BATCH, COV_IMAGE_1X1, COV_C70, COV_COUNT
};
static const char *cov_names[COV_COUNT] = {
    "rank1", "rank2", "rank3", "transposed", "stride>1", "dilation>1", "asym_pads",
    "same_upper", "same_lower", "valid", "T.same_upper", "T.same_lower", "T.valid",
    "output_padding", "output_shape", "depthwise", "channel_mult", "groups_3or5",
    "bias", "relu", "clip", "leaky", "batch>1", "1x1_image", "channels_70"};

static uint64_t mix(uint64_t z)
{
    z += 0x9E3779B97F4A7C15ull;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* The per-case seed: data and shape of case i depend on (seed, i) only. */
static uint64_t case_seed(uint64_t seed, long i) { return mix(seed ^ mix((uint64_t)i + 1)); }

static int pick(test_rng *r, const int *v, int n) { return v[rng_int(r, 0, n - 1)]; }
static int chance(test_rng *r, int percent) { return rng_int(r, 0, 99) < percent; }

static int small_channels(test_rng *r, int medium)
{
    static const int tiny[] = {1, 1, 2, 3, 3, 4, 5, 7, 8};
    static const int med[] = {1, 3, 7, 16, 70};
    return medium ? pick(r, med, 5) : pick(r, tiny, 9);
}

/* One random descriptor (maybe invalid; the caller checks). */
static void draw(test_rng *r, clconv_algorithm algo, int medium, clconv_conv_desc *d)
{
    int rank = chance(r, 60) ? 2 : chance(r, 50) ? 1 : 3;
    if (algo == CLCONV_ALGO_WINOGRAD_F2X2 || algo == CLCONV_ALGO_WINOGRAD_F4X4)
        rank = 2;
    if (algo == CLCONV_ALGO_DEPTHWISE && rank == 1)
        rank = 2;
    if (algo == CLCONV_ALGO_DECONV_D2S && rank == 1 && chance(r, 70))
        rank = 2;
    clconv_conv_desc_init(d, rank);
    d->transposed = algo == CLCONV_ALGO_DECONV_D2S ? 1 : chance(r, 25);
    if (algo == CLCONV_ALGO_DEPTHWISE || algo == CLCONV_ALGO_DILATED_S2B)
        d->transposed = 0; /* forward convolutions only */
    d->batch = chance(r, 80) ? 1 : rng_int(r, 2, 3);

    /* channels and groups */
    int gmode = rng_int(r, 0, 99);
    if (algo == CLCONV_ALGO_DEPTHWISE)
        gmode = 50;
    int C, K, G;
    if (gmode < 50) { /* dense */
        C = small_channels(r, medium);
        K = small_channels(r, medium);
        G = 1;
    } else if (gmode < 75) { /* depthwise, channel multiplier 1..3 */
        C = small_channels(r, medium);
        G = C;
        K = C * (chance(r, 60) ? 1 : rng_int(r, 2, 3));
    } else { /* grouped: odd group counts and group sizes */
        static const int gs[] = {2, 3, 5};
        static const int per[] = {1, 2, 3, 7};
        G = pick(r, gs, 3);
        C = G * pick(r, per, 4);
        K = G * pick(r, per, 4);
    }
    d->in_channels = C;
    d->out_channels = K;
    d->groups = G;

    /* spatial axes */
    int max_in = rank == 1 ? 24 : rank == 2 ? 11 : 5;
    if (medium)
        max_in = rank == 1 ? 64 : rank == 2 ? 23 : 9;
    int image1 = chance(r, 8);
    for (int i = 0; i < rank; i++) {
        d->in_size[i] = image1 ? 1 : rng_int(r, 1, max_in);
        d->kernel_size[i] = chance(r, 30) ? 1 : rng_int(r, 2, rank == 3 ? 3 : 5);
        d->strides[i] = chance(r, 55) ? 1 : rng_int(r, 2, 4);
        d->dilations[i] = chance(r, 75) ? 1 : rng_int(r, 2, 4);
        int ek = (d->kernel_size[i] - 1) * d->dilations[i] + 1;
        d->pads_begin[i] = chance(r, 40) ? 0 : rng_int(r, 0, ek - 1 > 0 ? ek - 1 : 0);
        d->pads_end[i] = chance(r, 40) ? d->pads_begin[i] : rng_int(r, 0, ek - 1 > 0 ? ek - 1 : 0);
        if (d->transposed) {
            int lim = d->strides[i] > d->dilations[i] ? d->strides[i] : d->dilations[i];
            d->output_padding[i] = chance(r, 60) ? 0 : rng_int(r, 0, lim - 1);
        }
        switch (algo) {
        case CLCONV_ALGO_WINOGRAD_F2X2:
        case CLCONV_ALGO_WINOGRAD_F4X4:
            d->kernel_size[i] = 3;
            d->strides[i] = d->dilations[i] = 1;
            d->in_size[i] = rng_int(r, 1, medium ? 23 : 13);
            break;
        case CLCONV_ALGO_DILATED_S2B:
            d->strides[i] = 1;
            d->dilations[i] = rng_int(r, 2, 4);
            break;
        case CLCONV_ALGO_DECONV_D2S:
            d->strides[i] = rng_int(r, 2, 4);
            d->dilations[i] = 1;
            d->output_padding[i] = chance(r, 60) ? 0 : rng_int(r, 0, d->strides[i] - 1);
            break;
        case CLCONV_ALGO_GEMM:
            if (chance(r, 30))
                d->kernel_size[i] = 1;
            break;
        default: break;
        }
        if (d->pads_begin[i] > (d->kernel_size[i] - 1) * d->dilations[i])
            d->pads_begin[i] = (d->kernel_size[i] - 1) * d->dilations[i];
        if (d->pads_end[i] > (d->kernel_size[i] - 1) * d->dilations[i])
            d->pads_end[i] = (d->kernel_size[i] - 1) * d->dilations[i];
    }

    /* auto_pad, for Conv and ConvTranspose alike */
    int ap = rng_int(r, 0, 99);
    d->auto_pad = ap < 55   ? CLCONV_AUTO_PAD_NOTSET
                  : ap < 70 ? CLCONV_AUTO_PAD_SAME_UPPER
                  : ap < 85 ? CLCONV_AUTO_PAD_SAME_LOWER
                            : CLCONV_AUTO_PAD_VALID;
    if (d->auto_pad != CLCONV_AUTO_PAD_NOTSET)
        for (int i = 0; i < rank; i++)
            d->pads_begin[i] = d->pads_end[i] = 0;

    /* output_shape: a requested ConvTranspose size near the natural one
     * (smaller crops, larger pads with negative pads). */
    if (d->transposed && chance(r, 20)) {
        for (int i = 0; i < rank; i++) {
            int ek = (d->kernel_size[i] - 1) * d->dilations[i] + 1;
            int natural = d->strides[i] * (d->in_size[i] - 1) + d->output_padding[i] + ek;
            int want = natural + rng_int(r, -(ek - 1), d->strides[i] - 1);
            d->output_shape[i] = want < 1 ? 1 : want;
            d->pads_begin[i] = d->pads_end[i] = 0;
        }
    }

    d->has_bias = chance(r, 50);
    int act = rng_int(r, 0, 9);
    d->activation = act < 4   ? CLCONV_ACTIVATION_NONE
                    : act < 6 ? CLCONV_ACTIVATION_RELU
                    : act < 8 ? CLCONV_ACTIVATION_CLIP
                              : CLCONV_ACTIVATION_LEAKY_RELU;
    if (d->activation == CLCONV_ACTIVATION_CLIP) {
        d->activation_alpha = rng_float(r, -0.6f, 0.0f);
        d->activation_beta = rng_float(r, 0.05f, 0.8f);
    } else if (d->activation == CLCONV_ACTIVATION_LEAKY_RELU) {
        d->activation_alpha = rng_float(r, 0.01f, 0.3f);
    }
}

/* Draws until valid and within the FLOP budget; deterministic per seed. */
static int make_case(uint64_t cseed, clconv_algorithm algo, clconv_conv_desc *d)
{
    test_rng r;
    rng_seed(&r, cseed);
    int medium = chance(&r, 10);
    double budget = medium ? MEDIUM_FLOPS : TINY_FLOPS;
    for (int tries = 0; tries < 10000; tries++) {
        draw(&r, algo, medium, d);
        int out[CLCONV_MAX_RANK];
        if (clconv_conv_output_shape(d, out) != CLCONV_SUCCESS)
            continue;
        double f = clconv_conv_flops(d);
        /* the output and input must stay small too: a huge output of a
         * 1x1 kernel costs reference time and memory but few FLOPs */
        double elems = (double)clconv_conv_output_elems(d) + (double)clconv_conv_input_elems(d);
        if (f <= 0 || f > budget || elems > budget / 8)
            continue;
        return 1;
    }
    return 0;
}

static void cover(const clconv_conv_desc *d, long cov[COV_COUNT])
{
    cov[COV_RANK1 + d->rank - 1]++;
    int stride = 0, dil = 0, asym = 0, opad = 0, img1 = 1;
    for (int i = 0; i < d->rank; i++) {
        stride |= d->strides[i] > 1;
        dil |= d->dilations[i] > 1;
        asym |= d->pads_begin[i] != d->pads_end[i];
        opad |= d->output_padding[i] > 0;
        img1 &= d->in_size[i] == 1;
    }
    cov[COV_STRIDE] += stride;
    cov[COV_DILATION] += dil;
    cov[COV_ASYM_PAD] += asym;
    cov[COV_IMAGE_1X1] += img1;
    if (d->transposed) {
        cov[COV_TRANSPOSED]++;
        cov[COV_OUTPUT_PADDING] += opad;
        cov[COV_OUTPUT_SHAPE] += d->output_shape[0] > 0;
        cov[COV_T_SAME_UPPER] += d->auto_pad == CLCONV_AUTO_PAD_SAME_UPPER;
        cov[COV_T_SAME_LOWER] += d->auto_pad == CLCONV_AUTO_PAD_SAME_LOWER;
        cov[COV_T_VALID] += d->auto_pad == CLCONV_AUTO_PAD_VALID;
    } else {
        cov[COV_SAME_UPPER] += d->auto_pad == CLCONV_AUTO_PAD_SAME_UPPER;
        cov[COV_SAME_LOWER] += d->auto_pad == CLCONV_AUTO_PAD_SAME_LOWER;
        cov[COV_VALID] += d->auto_pad == CLCONV_AUTO_PAD_VALID;
    }
    if (d->groups == d->in_channels && d->groups > 1) {
        cov[COV_DEPTHWISE]++;
        cov[COV_MULTIPLIER] += d->out_channels > d->in_channels;
    }
    cov[COV_GROUPS_ODD] += d->groups == 3 || d->groups == 5;
    cov[COV_BIAS] += d->has_bias;
    cov[COV_RELU] += d->activation == CLCONV_ACTIVATION_RELU;
    cov[COV_CLIP] += d->activation == CLCONV_ACTIVATION_CLIP;
    cov[COV_LEAKY] += d->activation == CLCONV_ACTIVATION_LEAKY_RELU;
    cov[COV_BATCH] += d->batch > 1;
    cov[COV_C70] += d->in_channels == 70 || d->out_channels == 70;
}

static const char *arg_str(int argc, char **argv, const char *name, const char *def)
{
    for (int i = 1; i + 1 < argc; i++)
        if (!strncmp(argv[i], "--", 2) && !strcmp(argv[i] + 2, name))
            return argv[i + 1];
    return def;
}

int main(int argc, char **argv)
{
    const char *algo_name = arg_str(argc, argv, "algo", "direct");
    clconv_algorithm algo;
    if (clconv_algorithm_from_name(algo_name, &algo) != CLCONV_SUCCESS) {
        printf("FAIL: unknown algorithm '%s': %s\n", algo_name, clconv_last_error());
        return 2;
    }
    const uint64_t seed = test_seed(argc, argv, 20240611);
    const long count = test_arg_long(argc, argv, "count", 500);
    const long only = test_arg_long(argc, argv, "case", -1);
    const int verbose = test_arg_long(argc, argv, "verbose", only >= 0) != 0;
    if (count < 1) {
        printf("FAIL: bad --count %ld\n", count);
        return 2;
    }

    clconv_context *ctx = test_context();
    long passed = 0, failed = 0, unsupported = 0, cov[COV_COUNT] = {0};
    long auto_ran[CLCONV_ALGO_COUNT] = {0};
    double worst = 0.0;
    long worst_case = -1;
    const long first = only >= 0 ? only : 0, last = only >= 0 ? only + 1 : count;
    for (long i = first; i < last; i++) {
        uint64_t cs = case_seed(seed, i);
        clconv_conv_desc d;
        char label[64], dstr[512];
        snprintf(label, sizeof label, "sweep case %ld", i);
        if (!make_case(cs, algo, &d)) {
            printf("FAIL %s: generator found no valid descriptor (seed %llu)\n", label,
                   (unsigned long long)seed);
            failed++;
            continue;
        }
        if (verbose) {
            desc_string(&d, dstr, sizeof dstr);
            printf("case %ld: %s flops=%.0f\n", i, dstr, clconv_conv_flops(&d));
        }
        double err = NAN;
        check_result res = check_conv(ctx, &d, algo, cs, label, &err);
        if (res == CHECK_UNSUPPORTED && algo == CLCONV_ALGO_DIRECT) {
            /* direct is the universal path: it must take every valid case */
            printf("FAIL %s algo=direct: unsupported: %s\n", label, clconv_last_error());
            res = CHECK_FAIL;
        }
        if (res == CHECK_UNSUPPORTED) {
            unsupported++;
            if (verbose)
                printf("  unsupported: %s\n", clconv_last_error());
            continue;
        }
        cover(&d, cov);
        if (algo == CLCONV_ALGO_AUTO) { /* which algorithms AUTO chose */
            clconv_plan *pl = NULL;
            if (clconv_plan_create(ctx, &d, CLCONV_ALGO_AUTO, &pl) == CLCONV_SUCCESS) {
                clconv_algorithm a = clconv_plan_algorithm(pl);
                if ((unsigned)a < CLCONV_ALGO_COUNT)
                    auto_ran[a]++;
            }
            clconv_plan_destroy(pl);
        }
        if (res == CHECK_PASS) {
            passed++;
            if (err > worst) {
                worst = err;
                worst_case = i;
            }
        } else {
            failed++;
            printf("  replay: %s --algo %s --seed %llu --case %ld\n", argv[0], algo_name,
                   (unsigned long long)seed, i);
        }
    }

    printf("%s: %ld passed, %ld failed, %ld unsupported; worst err %.3g (case %ld, tol %.1g); "
           "seed %llu\n",
           algo_name, passed, failed, unsupported, worst, worst_case, algo_tolerance(algo),
           (unsigned long long)seed);
    if (algo == CLCONV_ALGO_AUTO) {
        printf("auto chose:");
        for (int a = 1; a < CLCONV_ALGO_COUNT; a++)
            printf(" %s=%ld", clconv_algorithm_name((clconv_algorithm)a), auto_ran[a]);
        printf("\n");
    }
    printf("coverage:");
    for (int c = 0; c < COV_COUNT; c++)
        printf(" %s=%ld", cov_names[c], cov[c]);
    printf("\n");

    /* A full sweep of the universal paths must have touched every feature;
     * otherwise the generator (not the library) is broken. */
    int uncovered = 0;
    if (only < 0 && count >= 200 && (algo == CLCONV_ALGO_DIRECT || algo == CLCONV_ALGO_AUTO))
        for (int c = 0; c < COV_COUNT; c++)
            if (!cov[c]) {
                printf("FAIL: the sweep never covered %s\n", cov_names[c]);
                uncovered++;
            }
    if (failed)
        printf("to replay one case: %s --algo %s --seed %llu --case I\n", argv[0], algo_name,
               (unsigned long long)seed);
    test_context_release();
    if (failed || uncovered)
        return 1;
    if (passed == 0) {
        printf("SKIP: %s supports none of the generated cases: %s\n", algo_name,
               clconv_last_error());
        return TEST_SKIP;
    }
    return 0;
}
