#include "testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The library's generator (host/seeded_rng.h), shared with the bench. */
void rng_seed(test_rng *r, uint64_t seed) { seeded_rng_seed(r, seed); }

uint32_t rng_u32(test_rng *r) { return seeded_rng_u32(r); }

int rng_int(test_rng *r, int lo, int hi) { return lo + (int)(rng_u32(r) % (uint32_t)(hi - lo + 1)); }

float rng_float(test_rng *r, float lo, float hi) { return seeded_rng_float(r, lo, hi); }

void rng_fill(test_rng *r, float *v, size_t n, float lo, float hi)
{
    for (size_t i = 0; i < n; i++)
        v[i] = rng_float(r, lo, hi);
}

void poison_nan(float *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        v[i] = NAN;
}

double rel_l2(const float *y, const double *ref, size_t n)
{
    double num = 0, den = 0;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(y[i]))
            return INFINITY;
        double e = (double)y[i] - ref[i];
        num += e * e;
        den += ref[i] * ref[i];
    }
    return sqrt(num) / fmax(sqrt(den), 1e-30);
}

long first_nonfinite(const float *y, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isfinite(y[i]))
            return (long)i;
    return -1;
}

int test_failures;

static clconv_context *shared_ctx;

clconv_context *test_context(void)
{
    if (shared_ctx)
        return shared_ctx;
    clconv_status st = clconv_context_create(NULL, &shared_ctx);
    if (st == CLCONV_DEVICE_NOT_FOUND) {
        printf("SKIP: no OpenCL device: %s\n", clconv_last_error());
        exit(TEST_SKIP);
    }
    if (st) {
        printf("FAIL: clconv_context_create: %s: %s\n", clconv_status_string(st), clconv_last_error());
        exit(1);
    }
    return shared_ctx;
}

void test_context_release(void)
{
    clconv_context_destroy(shared_ctx);
    shared_ctx = NULL;
}

long test_arg_long(int argc, char **argv, const char *name, long def)
{
    for (int i = 1; i + 1 < argc; i++)
        if (argv[i][0] == '-' && argv[i][1] == '-' && !strcmp(argv[i] + 2, name))
            return strtol(argv[i + 1], NULL, 0);
    return def;
}

uint64_t test_seed(int argc, char **argv, uint64_t def)
{
    const char *env = getenv("CLCONV_TEST_SEED");
    if (env && *env)
        def = strtoull(env, NULL, 0);
    return (uint64_t)test_arg_long(argc, argv, "seed", (long)def);
}

void desc_string(const clconv_conv_desc *d, char *buf, size_t n)
{
    char s[512];
    size_t k = 0;
    k += (size_t)snprintf(s + k, sizeof s - k, "%sN%d C%d ", d->transposed ? "T " : "", d->batch,
                          d->in_channels);
    for (int i = 0; i < d->rank; i++)
        k += (size_t)snprintf(s + k, sizeof s - k, "%s%d", i ? "x" : "", d->in_size[i]);
    k += (size_t)snprintf(s + k, sizeof s - k, " K%d k", d->out_channels);
    for (int i = 0; i < d->rank; i++)
        k += (size_t)snprintf(s + k, sizeof s - k, "%s%d", i ? "x" : "", d->kernel_size[i]);
    k += (size_t)snprintf(s + k, sizeof s - k, " s");
    for (int i = 0; i < d->rank; i++)
        k += (size_t)snprintf(s + k, sizeof s - k, "%s%d", i ? "," : "", d->strides[i]);
    k += (size_t)snprintf(s + k, sizeof s - k, " p");
    for (int i = 0; i < d->rank; i++)
        k += (size_t)snprintf(s + k, sizeof s - k, "%s%d", i ? "," : "", d->pads_begin[i]);
    for (int i = 0; i < d->rank; i++)
        k += (size_t)snprintf(s + k, sizeof s - k, ",%d", d->pads_end[i]);
    k += (size_t)snprintf(s + k, sizeof s - k, " d");
    for (int i = 0; i < d->rank; i++)
        k += (size_t)snprintf(s + k, sizeof s - k, "%s%d", i ? "," : "", d->dilations[i]);
    k += (size_t)snprintf(s + k, sizeof s - k, " g%d auto_pad=%d", d->groups, (int)d->auto_pad);
    if (d->transposed) {
        k += (size_t)snprintf(s + k, sizeof s - k, " op");
        for (int i = 0; i < d->rank; i++)
            k += (size_t)snprintf(s + k, sizeof s - k, "%s%d", i ? "," : "", d->output_padding[i]);
        k += (size_t)snprintf(s + k, sizeof s - k, " os");
        for (int i = 0; i < d->rank; i++)
            k += (size_t)snprintf(s + k, sizeof s - k, "%s%d", i ? "," : "", d->output_shape[i]);
    }
    k += (size_t)snprintf(s + k, sizeof s - k, " bias%d act%d(%g,%g)", d->has_bias,
                          (int)d->activation, d->activation_alpha, d->activation_beta);
    snprintf(buf, n, "%s", s);
}
