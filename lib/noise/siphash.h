/* SPDX-License-Identifier: MIT */
/*
 * SipHash-2-4 (Aumasson and Bernstein, 2012): a keyed PRF fast enough to hash every lookup key of
 * a table that attackers fill, so that they cannot aim collisions at one bucket.
 */
#ifndef WGCTL_NOISE_SIPHASH_H
#define WGCTL_NOISE_SIPHASH_H

#include <stddef.h>
#include <stdint.h>

enum { SIPHASH_KEY_SIZE = 16 };

struct siphash_key {
	uint64_t k0, k1;
};

/* The key bytes are read as two little-endian words, as in the reference implementation. */
void siphash_key_init(struct siphash_key *key, const uint8_t bytes[SIPHASH_KEY_SIZE]);
uint64_t siphash(const void *data, size_t len, const struct siphash_key *key);

#endif
