// SPDX-License-Identifier: MIT
#include <string.h>

#include "noise/siphash.h"

static inline uint64_t rol64(uint64_t x, unsigned int n)
{
	return (x << n) | (x >> (64 - n));
}

static inline uint64_t get_le64(const uint8_t *p)
{
	return (uint64_t)p[0] | (uint64_t)p[1] << 8 | (uint64_t)p[2] << 16 | (uint64_t)p[3] << 24 |
	       (uint64_t)p[4] << 32 | (uint64_t)p[5] << 40 | (uint64_t)p[6] << 48 |
	       (uint64_t)p[7] << 56;
}

static inline void sipround(uint64_t v[4])
{
	v[0] += v[1];
	v[1] = rol64(v[1], 13);
	v[1] ^= v[0];
	v[0] = rol64(v[0], 32);
	v[2] += v[3];
	v[3] = rol64(v[3], 16);
	v[3] ^= v[2];
	v[0] += v[3];
	v[3] = rol64(v[3], 21);
	v[3] ^= v[0];
	v[2] += v[1];
	v[1] = rol64(v[1], 17);
	v[1] ^= v[2];
	v[2] = rol64(v[2], 32);
}

void siphash_key_init(struct siphash_key *key, const uint8_t bytes[SIPHASH_KEY_SIZE])
{
	key->k0 = get_le64(bytes);
	key->k1 = get_le64(bytes + 8);
}

uint64_t siphash(const void *data, size_t len, const struct siphash_key *key)
{
	const uint8_t *p = data, *end = p + (len & ~(size_t)7);
	uint64_t v[4] = {
		key->k0 ^ 0x736f6d6570736575ULL,
		key->k1 ^ 0x646f72616e646f6dULL,
		key->k0 ^ 0x6c7967656e657261ULL,
		key->k1 ^ 0x7465646279746573ULL,
	};
	uint64_t m;
	uint8_t tail[8] = { 0 };

	for (; p != end; p += 8) {
		m = get_le64(p);
		v[3] ^= m;
		sipround(v);
		sipround(v);
		v[0] ^= m;
	}
	/* The last block holds the 0..7 leftover bytes, with the length's low byte on top. */
	memcpy(tail, p, len & 7);
	m = get_le64(tail) | (uint64_t)len << 56;
	v[3] ^= m;
	sipround(v);
	sipround(v);
	v[0] ^= m;
	v[2] ^= 0xff;
	sipround(v);
	sipround(v);
	sipround(v);
	sipround(v);
	return v[0] ^ v[1] ^ v[2] ^ v[3];
}
