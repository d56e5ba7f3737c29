/* SPDX-License-Identifier: MIT */
/*
 * The AVX-512 packet AEAD, internal to lib/crypto. These functions execute AVX-512F/VL/BW and
 * IFMA instructions unconditionally: only crypto.c calls them, after aead_avx512_usable().
 */
#ifndef WGCTL_CRYPTO_SIMD_H
#define WGCTL_CRYPTO_SIMD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * SIMD_TARGET_BEGIN("avx512f,...") ... SIMD_TARGET_END: the functions between them are compiled
 * for those extensions. Only crypto.c calls into such a file, after checking the CPU.
 */
#define SIMD_PRAGMA(x) _Pragma(#x)
#ifdef __clang__
#define SIMD_TARGET_BEGIN(t)                                                                       \
	SIMD_PRAGMA(clang attribute push(__attribute__((target(t))), apply_to = function))
#define SIMD_TARGET_END SIMD_PRAGMA(clang attribute pop)
#else
#define SIMD_TARGET_BEGIN(t) SIMD_PRAGMA(GCC push_options) SIMD_PRAGMA(GCC target(t))
#define SIMD_TARGET_END      SIMD_PRAGMA(GCC pop_options)
#endif

/* ChaCha20 input block (RFC 8439 §2.3) with the block counter left at 0. */
void chacha20_state(uint32_t st[16], const uint8_t key[32], const uint8_t nonce[12]);
/*
 * dst = src XOR the keystream from block counter ctr on (dst may equal src). With src NULL, dst
 * receives the keystream itself.
 */
void chacha20_avx512(uint8_t *dst, const uint8_t *src, size_t len, const uint32_t st[16],
		     uint32_t ctr);

/* ks = blocks 0..7 of keystream; dst = src XOR blocks 8..23 (len <= 1024, src NULL as above). */
void chacha20_avx512_x24(uint8_t ks[512], uint8_t *dst, const uint8_t *src, size_t len,
			 const uint32_t st[16]);

/* Plain Poly1305 of m under a one-time key (RFC 8439 §2.5). */
void poly1305_ifma(uint8_t tag[16], const uint8_t key[32], const uint8_t *m, size_t len);
/* The RFC 8439 §2.8 tag: Poly1305 over ad, pad, ct, pad, both lengths; key is one-time. */
void poly1305_aead_ifma(uint8_t tag[16], const uint8_t key[32], const uint8_t *ad, size_t ad_len,
			const uint8_t *ct, size_t ct_len);

void aead_avx512_seal(uint8_t *dst, const uint8_t *src, size_t len, const uint8_t *ad,
		      size_t ad_len, const uint8_t nonce[12], const uint8_t key[32]);
bool aead_avx512_open(uint8_t *dst, const uint8_t *src, size_t len, const uint8_t *ad,
		      size_t ad_len, const uint8_t nonce[12], const uint8_t key[32]);

#endif
