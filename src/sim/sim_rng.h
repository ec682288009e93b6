/* sim_rng: the virtual plant's deterministic pseudo-random numbers.
 *
 * xoshiro256** seeded through splitmix64 (the seeding its authors recommend): fast, good enough
 * for simulated sensor noise, and identical on every platform, so `ofc sim --seed S` replays the
 * same plant. Not for anything secret (command correlation ids use libsodium elsewhere).
 * An embedded value: one per plant, no global state.
 */
#ifndef OFC_SIM_RNG_H
#define OFC_SIM_RNG_H

#include <math.h>
#include <stdint.h>

typedef struct sim_rng {
    uint64_t s[4];
} sim_rng;

static inline uint64_t sim_rng__splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static inline void sim_rng_seed(sim_rng *rng, uint64_t seed)
{
    for (int i = 0; i < 4; i++)
        rng->s[i] = sim_rng__splitmix64(&seed);
}

static inline uint64_t sim_rng__rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

static inline uint64_t sim_rng_next(sim_rng *rng)
{
    uint64_t *s = rng->s;
    uint64_t result = sim_rng__rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = sim_rng__rotl(s[3], 45);
    return result;
}

/* Uniform in [0, 1): the top 53 bits as a double. */
static inline double sim_rng_unit(sim_rng *rng)
{
    return (double)(sim_rng_next(rng) >> 11) * (1.0 / 9007199254740992.0);
}

static inline double sim_rng_uniform(sim_rng *rng, double lo, double hi)
{
    return lo + (hi - lo) * sim_rng_unit(rng);
}

/* Uniform integer in [0, n); n > 0. The modulo bias is irrelevant for n far below 2^64. */
static inline uint64_t sim_rng_below(sim_rng *rng, uint64_t n)
{
    return sim_rng_next(rng) % n;
}

/* Exponentially distributed with the given mean (memoryless waits between plant events). */
static inline double sim_rng_exp(sim_rng *rng, double mean)
{
    return -mean * log(1.0 - sim_rng_unit(rng));
}

#endif
