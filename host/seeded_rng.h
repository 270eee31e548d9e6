/* The one seeded random generator of clconv's tuner, tests and benchmark
 * (splitmix64), so that a seed printed by a failing test means the same
 * tensors in clconv-bench: seed, then fill the input, weights and bias in
 * that order.  Header-only: the tests and the bench include it from host/. */
#ifndef CLCONV_SEEDED_RNG_H
#define CLCONV_SEEDED_RNG_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    uint64_t s;
} seeded_rng;

static inline void seeded_rng_seed(seeded_rng *r, uint64_t seed)
{
    r->s = seed * 0x9E3779B97F4A7C15ull + 0x1234567ull;
}

static inline uint32_t seeded_rng_u32(seeded_rng *r)
{
    uint64_t z = (r->s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return (uint32_t)((z ^ (z >> 31)) >> 32);
}

/* Uniform in [lo, hi). */
static inline float seeded_rng_float(seeded_rng *r, float lo, float hi)
{
    return lo + (hi - lo) * (float)((double)seeded_rng_u32(r) / 4294967296.0);
}

static inline void seeded_rng_fill(seeded_rng *r, float *v, size_t n, float lo, float hi)
{
    for (size_t i = 0; i < n; i++)
        v[i] = seeded_rng_float(r, lo, hi);
}

#endif
