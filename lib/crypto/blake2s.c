// SPDX-License-Identifier: MIT
/*
 * BLAKE2s (RFC 7693) with keyed mode, and HMAC over it (RFC 2104, 64-byte block).
 * Kept in-tree rather than using OpenSSL's EVP BLAKE2S-256/BLAKE2SMAC: as fast or faster for
 * every input size WireGuard hashes, and it needs no per-thread EVP state (docs/crypto.md).
 */
#include <errno.h>
#include <string.h>

#include "crypto/crypto.h"
#include "util/bytes.h"

static const uint32_t blake2s_iv[8] = {
	0x6a09e667U, 0xbb67ae85U, 0x3c6ef372U, 0xa54ff53aU,
	0x510e527fU, 0x9b05688cU, 0x1f83d9abU, 0x5be0cd19U,
};

static const uint8_t blake2s_sigma[10][16] = {
	{ 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15 },
	{ 14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3 },
	{ 11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4 },
	{ 7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8 },
	{ 9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13 },
	{ 2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9 },
	{ 12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11 },
	{ 13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10 },
	{ 6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5 },
	{ 10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0 },
};

#define G(r, i, a, b, c, d)                                                                        \
	do {                                                                                       \
		a += b + m[blake2s_sigma[r][2 * (i)]];                                             \
		d = ror32(d ^ a, 16);                                                              \
		c += d;                                                                            \
		b = ror32(b ^ c, 12);                                                              \
		a += b + m[blake2s_sigma[r][2 * (i) + 1]];                                         \
		d = ror32(d ^ a, 8);                                                               \
		c += d;                                                                            \
		b = ror32(b ^ c, 7);                                                               \
	} while (0)

#define ROUND(r)                                                                                   \
	do {                                                                                       \
		G(r, 0, v0, v4, v8, v12);                                                          \
		G(r, 1, v1, v5, v9, v13);                                                          \
		G(r, 2, v2, v6, v10, v14);                                                         \
		G(r, 3, v3, v7, v11, v15);                                                         \
		G(r, 4, v0, v5, v10, v15);                                                         \
		G(r, 5, v1, v6, v11, v12);                                                         \
		G(r, 6, v2, v7, v8, v13);                                                          \
		G(r, 7, v3, v4, v9, v14);                                                          \
	} while (0)

/* Scalar locals, not a v[16] array: GCC keeps more of them in registers (docs/bench.md#blake2s). */
static void blake2s_compress(struct blake2s_state *state, const uint8_t *block, size_t nblocks,
			     uint32_t inc)
{
	uint32_t m[16], v0, v1, v2, v3, v4, v5, v6, v7, v8, v9, v10, v11, v12, v13, v14, v15;
	int i;

	while (nblocks--) {
		state->t[0] += inc;
		state->t[1] += state->t[0] < inc;
		for (i = 0; i < 16; ++i)
			m[i] = get_le32(block + 4 * i);
		v0 = state->h[0];
		v1 = state->h[1];
		v2 = state->h[2];
		v3 = state->h[3];
		v4 = state->h[4];
		v5 = state->h[5];
		v6 = state->h[6];
		v7 = state->h[7];
		v8 = blake2s_iv[0];
		v9 = blake2s_iv[1];
		v10 = blake2s_iv[2];
		v11 = blake2s_iv[3];
		v12 = blake2s_iv[4] ^ state->t[0];
		v13 = blake2s_iv[5] ^ state->t[1];
		v14 = blake2s_iv[6] ^ state->f[0];
		v15 = blake2s_iv[7] ^ state->f[1];
		ROUND(0);
		ROUND(1);
		ROUND(2);
		ROUND(3);
		ROUND(4);
		ROUND(5);
		ROUND(6);
		ROUND(7);
		ROUND(8);
		ROUND(9);
		state->h[0] ^= v0 ^ v8;
		state->h[1] ^= v1 ^ v9;
		state->h[2] ^= v2 ^ v10;
		state->h[3] ^= v3 ^ v11;
		state->h[4] ^= v4 ^ v12;
		state->h[5] ^= v5 ^ v13;
		state->h[6] ^= v6 ^ v14;
		state->h[7] ^= v7 ^ v15;
		block += BLAKE2S_BLOCK_SIZE;
	}
	memzero_explicit(m, sizeof(m));
}

#undef ROUND
#undef G

static bool lengths_valid(size_t outlen, size_t keylen)
{
	return outlen && outlen <= BLAKE2S_HASH_SIZE && keylen <= BLAKE2S_KEY_SIZE;
}

/* Parameter block word 0: digest length, key length, fanout 1, depth 1; the rest stay zero. */
static void init_param(struct blake2s_state *state, size_t outlen, size_t keylen)
{
	memset(state, 0, sizeof(*state));
	memcpy(state->h, blake2s_iv, sizeof(state->h));
	state->h[0] ^= 0x01010000U ^ ((uint32_t)keylen << 8) ^ (uint32_t)outlen;
	state->outlen = outlen;
}

void blake2s_init(struct blake2s_state *state)
{
	init_param(state, BLAKE2S_HASH_SIZE, 0);
}

/* Lengths already checked. */
static void init_key(struct blake2s_state *state, size_t outlen, const void *key, size_t keylen)
{
	init_param(state, outlen, keylen);
	if (keylen) {
		memcpy(state->buf, key, keylen);
		state->buflen = BLAKE2S_BLOCK_SIZE;
	}
}

/*
 * A bad length is a caller bug that would silently give wrong MACs: refused, with an empty state
 * (outlen 0) whose final writes nothing, rather than a digest anyone might compare against.
 */
int blake2s_init_key(struct blake2s_state *state, size_t outlen, const void *key, size_t keylen)
{
	if (!lengths_valid(outlen, keylen)) {
		memset(state, 0, sizeof(*state));
		return -EINVAL;
	}
	init_key(state, outlen, key, keylen);
	return 0;
}

void blake2s_update(struct blake2s_state *state, const void *in, size_t inlen)
{
	const uint8_t *p = in;
	size_t fill = BLAKE2S_BLOCK_SIZE - state->buflen;

	if (!inlen)
		return;
	/* The last block must be compressed with the final flag, so always keep one back. */
	if (inlen > fill) {
		memcpy(state->buf + state->buflen, p, fill);
		blake2s_compress(state, state->buf, 1, BLAKE2S_BLOCK_SIZE);
		state->buflen = 0;
		p += fill;
		inlen -= fill;
	}
	if (inlen > BLAKE2S_BLOCK_SIZE) {
		size_t nblocks = (inlen - 1) / BLAKE2S_BLOCK_SIZE;

		blake2s_compress(state, p, nblocks, BLAKE2S_BLOCK_SIZE);
		p += nblocks * BLAKE2S_BLOCK_SIZE;
		inlen -= nblocks * BLAKE2S_BLOCK_SIZE;
	}
	memcpy(state->buf + state->buflen, p, inlen);
	state->buflen += inlen;
}

void blake2s_final(struct blake2s_state *state, uint8_t *out)
{
	uint8_t full[BLAKE2S_HASH_SIZE];
	int i;

	state->f[0] = 0xffffffffU;
	memset(state->buf + state->buflen, 0, BLAKE2S_BLOCK_SIZE - state->buflen);
	blake2s_compress(state, state->buf, 1, (uint32_t)state->buflen);
	for (i = 0; i < 8; ++i)
		put_le32(full + 4 * i, state->h[i]);
	memcpy(out, full, state->outlen);
	memzero_explicit(full, sizeof(full));
	memzero_explicit(state, sizeof(*state));
}

int blake2s(uint8_t *out, size_t outlen, const void *in, size_t inlen, const void *key,
	    size_t keylen)
{
	struct blake2s_state state;

	if (!lengths_valid(outlen, keylen))
		return -EINVAL;
	init_key(&state, outlen, key, keylen);
	blake2s_update(&state, in, inlen);
	blake2s_final(&state, out);
	return 0;
}

void blake2s_hmac(uint8_t out[BLAKE2S_HASH_SIZE], const void *in, size_t inlen, const void *key,
		  size_t keylen)
{
	struct blake2s_state state;
	uint8_t x_key[BLAKE2S_BLOCK_SIZE] = { 0 };
	uint8_t i_hash[BLAKE2S_HASH_SIZE];
	int i;

	if (keylen > BLAKE2S_BLOCK_SIZE) {
		blake2s_init(&state);
		blake2s_update(&state, key, keylen);
		blake2s_final(&state, x_key);
	} else if (keylen) {
		memcpy(x_key, key, keylen);
	}

	for (i = 0; i < BLAKE2S_BLOCK_SIZE; ++i)
		x_key[i] ^= 0x36;
	blake2s_init(&state);
	blake2s_update(&state, x_key, BLAKE2S_BLOCK_SIZE);
	blake2s_update(&state, in, inlen);
	blake2s_final(&state, i_hash);

	for (i = 0; i < BLAKE2S_BLOCK_SIZE; ++i)
		x_key[i] ^= 0x5c ^ 0x36;
	blake2s_init(&state);
	blake2s_update(&state, x_key, BLAKE2S_BLOCK_SIZE);
	blake2s_update(&state, i_hash, BLAKE2S_HASH_SIZE);
	blake2s_final(&state, out);

	memzero_explicit(x_key, sizeof(x_key));
	memzero_explicit(i_hash, sizeof(i_hash));
}
