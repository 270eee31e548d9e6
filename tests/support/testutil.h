/* Shared test helpers: seeded random data, NaN poisoning, relative L2
 * error against the float64 reference, and the skip convention (exit 77,
 * CTest's SKIP_RETURN_CODE, with a printed reason). */
#ifndef CLCONV_TESTUTIL_H
#define CLCONV_TESTUTIL_H
#include "clconv.h"
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define TEST_SKIP 77

#include "seeded_rng.h"
typedef seeded_rng test_rng;
void rng_seed(test_rng *r, uint64_t seed);
uint32_t rng_u32(test_rng *r);
int rng_int(test_rng *r, int lo, int hi);          /* inclusive */
float rng_float(test_rng *r, float lo, float hi);
void rng_fill(test_rng *r, float *v, size_t n, float lo, float hi);

/* Fills with quiet NaN so unwritten output elements are caught. */
void poison_nan(float *v, size_t n);
/* sqrt(sum (y-ref)^2) / max(sqrt(sum ref^2), 1e-30); a NaN in y gives +inf. */
double rel_l2(const float *y, const double *ref, size_t n);
/* Index of the first non-finite element, or -1. */
long first_nonfinite(const float *y, size_t n);

/* A shared context for a test program; on no device prints the reason and
 * exits TEST_SKIP.  Released by test_context_release(). */
clconv_context *test_context(void);
void test_context_release(void);

/* Seed from argv "--seed N" or the CLCONV_TEST_SEED environment, else `def`. */
uint64_t test_seed(int argc, char **argv, uint64_t def);
/* Value of "--NAME V" in argv, or def. */
long test_arg_long(int argc, char **argv, const char *name, long def);

/* Assertions that count into test_failures and print the line:
 *   CHECK(cond);  FAILF("what %d", v);  */
extern int test_failures;
#define FAILF(...)                                                                                 \
    do {                                                                                           \
        printf("FAIL line %d: ", __LINE__);                                                        \
        printf(__VA_ARGS__);                                                                       \
        printf("\n");                                                                              \
        test_failures++;                                                                           \
    } while (0)
#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond))                                                                               \
            FAILF("%s", #cond);                                                                    \
    } while (0)

/* "N1 C7 13 x17 ..." one-line description of a public descriptor. */
void desc_string(const clconv_conv_desc *d, char *buf, size_t n);
#endif
