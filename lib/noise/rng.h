/* SPDX-License-Identifier: MIT */
/*
 * Where the protocol core gets randomness: an injected source (tests and simulations replay a
 * fixed one), or else the kernel's getrandom() through the crypto seam.
 */
#ifndef WGCTL_NOISE_RNG_H
#define WGCTL_NOISE_RNG_H

#include <stddef.h>

/* A source of randomness: fills buf, returns 0 or -errno. A NULL fill means crypto_random(). */
struct noise_rng {
	int (*fill)(void *arg, void *buf, size_t len);
	void *arg;
};

/* Fills buf from rng (NULL, or a NULL fill: crypto_random()). 0 or -errno. */
int noise_rng_fill(const struct noise_rng *rng, void *buf, size_t len);

#endif
