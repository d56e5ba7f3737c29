/* SPDX-License-Identifier: MIT */
/* A seeded xorshift64 for tests: the same inputs on every run, so failures reproduce. */
#ifndef WGCTL_TESTS_PRNG_H
#define WGCTL_TESTS_PRNG_H

#include <stddef.h>
#include <stdint.h>

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static inline uint64_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static inline void rnd_bytes(void *p, size_t n)
{
	uint8_t *b = p;

	for (size_t i = 0; i < n; ++i)
		b[i] = (uint8_t)rnd();
}

#endif
