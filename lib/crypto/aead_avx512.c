// SPDX-License-Identifier: MIT
/*
 * ChaCha20-Poly1305 (RFC 8439 §2.8) from the AVX-512 pieces. Blocks 0..7 come out of one ymm pass
 * into a stack buffer: block 0 is the one-time Poly1305 key and the rest the first 448 bytes of
 * keystream, so opening verifies the tag over the untouched ciphertext before any plaintext is
 * written, even in place. Nothing is kept between calls; key material on the stack is wiped.
 */
#pragma GCC target("avx512f,avx512vl,avx512bw")

#include <immintrin.h>

#include "crypto/simd.h"
#include "util/mem.h"

enum { FIRST = 448 }; /* keystream bytes of blocks 1..7 */

static void xor_bytes(uint8_t *dst, const uint8_t *a, const uint8_t *b, size_t n)
{
	for (; n >= 64; n -= 64, dst += 64, a += 64, b += 64)
		_mm512_storeu_si512(dst,
				    _mm512_xor_si512(_mm512_loadu_si512(a), _mm512_loadu_si512(b)));
	if (n) {
		__mmask64 m = ~0ULL >> (64 - n);

		_mm512_mask_storeu_epi8(dst, m,
					_mm512_xor_si512(_mm512_maskz_loadu_epi8(m, a),
							 _mm512_maskz_loadu_epi8(m, b)));
	}
}

/* st and the first keystream; returns how many message bytes ks covers. */
static size_t start(uint32_t st[16], uint8_t ks[64 + FIRST], size_t len, const uint8_t nonce[12],
		    const uint8_t key[32])
{
	size_t n = len < FIRST ? len : FIRST;

	chacha20_state(st, key, nonce);
	chacha20_avx512(ks, NULL, 64 + n, st, 0);
	return n;
}

void aead_avx512_seal(uint8_t *dst, const uint8_t *src, size_t len, const uint8_t *ad,
		      size_t ad_len, const uint8_t nonce[12], const uint8_t key[32])
{
	uint8_t ks[64 + FIRST];
	uint32_t st[16];
	size_t n = start(st, ks, len, nonce, key);

	xor_bytes(dst, src, ks + 64, n);
	if (len > n)
		chacha20_avx512(dst + n, src + n, len - n, st, 8);
	poly1305_aead_ifma(dst + len, ks, ad, ad_len, dst, len);
	memzero_explicit(ks, 64 + n);
	memzero_explicit(st, sizeof(st));
}

/* len excludes the tag, which follows the ciphertext in src. */
bool aead_avx512_open(uint8_t *dst, const uint8_t *src, size_t len, const uint8_t *ad,
		      size_t ad_len, const uint8_t nonce[12], const uint8_t key[32])
{
	uint8_t ks[64 + FIRST], tag[16];
	uint32_t st[16];
	size_t n = start(st, ks, len, nonce, key);
	bool ok;

	poly1305_aead_ifma(tag, ks, ad, ad_len, src, len);
	ok = ct_memeq(tag, src + len, sizeof(tag));
	if (ok) {
		xor_bytes(dst, src, ks + 64, n);
		if (len > n)
			chacha20_avx512(dst + n, src + n, len - n, st, 8);
	} else {
		memzero_explicit(dst, len);
	}
	memzero_explicit(ks, 64 + n);
	memzero_explicit(st, sizeof(st));
	return ok;
}
