/* Xoshiro256++ seeded by SplitMix64, and its [0, 1) doubles: the generator and the conversion
 * that rand's SmallRng::seed_from_u64 and rng.random::<f64>() use on 64-bit targets, so a C
 * reference draws the very numbers its Rust recipe draws. */
#ifndef BENCH_XOSHIRO_H
#define BENCH_XOSHIRO_H

#include <stdint.h>

typedef struct {
    uint64_t s[4];
} xoshiro;

static inline uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

static inline xoshiro xoshiro_seed(uint64_t state) {
    xoshiro rng;
    for (int i = 0; i < 4; i++) {
        state += 0x9e3779b97f4a7c15ULL;
        uint64_t z = state;
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        rng.s[i] = z ^ (z >> 31);
    }
    return rng;
}

static inline uint64_t xoshiro_next(xoshiro *rng) {
    uint64_t *s = rng->s;
    uint64_t result = rotl(s[0] + s[3], 23) + s[0];
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

/* The top 53 bits, scaled into [0, 1). */
static inline double xoshiro_double(xoshiro *rng) {
    return (double)(xoshiro_next(rng) >> 11) * (1.0 / 9007199254740992.0);
}

#endif
