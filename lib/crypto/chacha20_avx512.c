// SPDX-License-Identifier: MIT
/*
 * ChaCha20 (RFC 8439 §2.3-2.4) computed vertically: vector lane j runs the block with counter
 * ctr + j, 16 blocks per pass in zmm or 8 in ymm. A 1420-byte packet plus the Poly1305 key block
 * is exactly 24 blocks, one ymm and one zmm state advanced together, so no lane is computed for
 * nothing: interleaved, their rounds also keep more of the vector units busy than either alone.
 * Rounds rotate with vprold (AVX-512F/VL); partial blocks use byte-masked loads and stores
 * (AVX-512BW).
 */
#include <immintrin.h>
#include <string.h>

#include "crypto/simd.h"
#include "util/bytes.h"

SIMD_TARGET_BEGIN("avx512f,avx512vl,avx512bw")

void chacha20_state(uint32_t st[16], const uint8_t key[32], const uint8_t nonce[12])
{
	/* "expand 32-byte k" */
	st[0] = 0x61707865U;
	st[1] = 0x3320646eU;
	st[2] = 0x79622d32U;
	st[3] = 0x6b206574U;
	for (int i = 0; i < 8; ++i)
		st[4 + i] = get_le32(key + 4 * i);
	st[12] = 0;
	for (int i = 0; i < 3; ++i)
		st[13 + i] = get_le32(nonce + 4 * i);
}

#define QR(ADD, XOR, ROL, a, b, c, d)                                                              \
	do {                                                                                       \
		a = ADD(a, b);                                                                     \
		d = ROL(XOR(d, a), 16);                                                            \
		c = ADD(c, d);                                                                     \
		b = ROL(XOR(b, c), 12);                                                            \
		a = ADD(a, b);                                                                     \
		d = ROL(XOR(d, a), 8);                                                             \
		c = ADD(c, d);                                                                     \
		b = ROL(XOR(b, c), 7);                                                             \
	} while (0)

#define ROUNDS(ADD, XOR, ROL, x)                                                                   \
	do {                                                                                       \
		_Pragma("GCC unroll 10") for (int r_ = 0; r_ < 10; ++r_)                           \
		{                                                                                  \
			QR(ADD, XOR, ROL, x[0], x[4], x[8], x[12]);                                \
			QR(ADD, XOR, ROL, x[1], x[5], x[9], x[13]);                                \
			QR(ADD, XOR, ROL, x[2], x[6], x[10], x[14]);                               \
			QR(ADD, XOR, ROL, x[3], x[7], x[11], x[15]);                               \
			QR(ADD, XOR, ROL, x[0], x[5], x[10], x[15]);                               \
			QR(ADD, XOR, ROL, x[1], x[6], x[11], x[12]);                               \
			QR(ADD, XOR, ROL, x[2], x[7], x[8], x[13]);                                \
			QR(ADD, XOR, ROL, x[3], x[4], x[9], x[14]);                                \
		}                                                                                  \
	} while (0)

/* Within each 128-bit lane, words 4q..4q+3 of the lane's four blocks, one block per register. */
#define TRANSPOSE4(UNLO32, UNHI32, UNLO64, UNHI64, x, q, o)                                        \
	do {                                                                                       \
		__typeof__(x[0]) a0 = UNLO32(x[4 * q], x[4 * q + 1]);                              \
		__typeof__(x[0]) a1 = UNHI32(x[4 * q], x[4 * q + 1]);                              \
		__typeof__(x[0]) a2 = UNLO32(x[4 * q + 2], x[4 * q + 3]);                          \
		__typeof__(x[0]) a3 = UNHI32(x[4 * q + 2], x[4 * q + 3]);                          \
		o[0][q] = UNLO64(a0, a2);                                                          \
		o[1][q] = UNHI64(a0, a2);                                                          \
		o[2][q] = UNLO64(a1, a3);                                                          \
		o[3][q] = UNHI64(a1, a3);                                                          \
	} while (0)

static inline void xor_block512(uint8_t *dst, const uint8_t *src, __m512i ks, size_t n)
{
	if (n >= 64) {
		if (src)
			ks = _mm512_xor_si512(ks, _mm512_loadu_si512(src));
		_mm512_storeu_si512(dst, ks);
	} else {
		__mmask64 m = ~0ULL >> (64 - n); /* 0 < n < 64 */

		if (src)
			ks = _mm512_xor_si512(ks, _mm512_maskz_loadu_epi8(m, src));
		_mm512_mask_storeu_epi8(dst, m, ks);
	}
}

static inline void xor_half256(uint8_t *dst, const uint8_t *src, __m256i ks, size_t n)
{
	if (n >= 32) {
		if (src)
			ks = _mm256_xor_si256(ks, _mm256_loadu_si256((const __m256i *)src));
		_mm256_storeu_si256((__m256i *)dst, ks);
	} else {
		__mmask32 m = ~0U >> (32 - n);

		if (src)
			ks = _mm256_xor_si256(ks, _mm256_maskz_loadu_epi8(m, src));
		_mm256_mask_storeu_epi8(dst, m, ks);
	}
}

#define INLINE static inline __attribute__((always_inline))

INLINE void init16(__m512i v[16], const uint32_t st[16], uint32_t ctr)
{
	for (int i = 0; i < 16; ++i)
		v[i] = _mm512_set1_epi32((int)st[i]);
	v[12] = _mm512_add_epi32(
		_mm512_set1_epi32((int)ctr),
		_mm512_set_epi32(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0));
}

INLINE void init8(__m256i v[16], const uint32_t st[16], uint32_t ctr)
{
	for (int i = 0; i < 16; ++i)
		v[i] = _mm256_set1_epi32((int)st[i]);
	v[12] = _mm256_add_epi32(_mm256_set1_epi32((int)ctr),
				 _mm256_set_epi32(7, 6, 5, 4, 3, 2, 1, 0));
}

/* Feed-forward, transpose and XOR of up to 1024 bytes. */
INLINE void out16(uint8_t *dst, const uint8_t *src, size_t len, __m512i x[16], const __m512i v[16])
{
	__m512i o[4][4];

	for (int i = 0; i < 16; ++i)
		x[i] = _mm512_add_epi32(x[i], v[i]);
	for (int q = 0; q < 4; ++q)
		TRANSPOSE4(_mm512_unpacklo_epi32, _mm512_unpackhi_epi32, _mm512_unpacklo_epi64,
			   _mm512_unpackhi_epi64, x, q, o);
	/* o[k][q] lane L holds words 4q..4q+3 of block 4L+k; gather the four lanes of one block. */
	for (int k = 0; k < 4; ++k) {
		__m512i f0 = _mm512_shuffle_i32x4(o[k][0], o[k][1], 0x44);
		__m512i f1 = _mm512_shuffle_i32x4(o[k][0], o[k][1], 0xee);
		__m512i g0 = _mm512_shuffle_i32x4(o[k][2], o[k][3], 0x44);
		__m512i g1 = _mm512_shuffle_i32x4(o[k][2], o[k][3], 0xee);
		__m512i blk[4] = {
			_mm512_shuffle_i32x4(f0, g0, 0x88),
			_mm512_shuffle_i32x4(f0, g0, 0xdd),
			_mm512_shuffle_i32x4(f1, g1, 0x88),
			_mm512_shuffle_i32x4(f1, g1, 0xdd),
		};

		for (int l = 0; l < 4; ++l) {
			size_t off = 64 * (size_t)(4 * l + k);

			if (off < len)
				xor_block512(dst + off, src ? src + off : NULL, blk[l], len - off);
		}
	}
}

/* The same for up to 512 bytes. */
INLINE void out8(uint8_t *dst, const uint8_t *src, size_t len, __m256i x[16], const __m256i v[16])
{
	__m256i o[4][4];

	for (int i = 0; i < 16; ++i)
		x[i] = _mm256_add_epi32(x[i], v[i]);
	for (int q = 0; q < 4; ++q)
		TRANSPOSE4(_mm256_unpacklo_epi32, _mm256_unpackhi_epi32, _mm256_unpacklo_epi64,
			   _mm256_unpackhi_epi64, x, q, o);
	for (int k = 0; k < 4; ++k) {
		for (int l = 0; l < 2; ++l) {
			__m256i lo = l ? _mm256_permute2x128_si256(o[k][0], o[k][1], 0x31)
				       : _mm256_permute2x128_si256(o[k][0], o[k][1], 0x20);
			__m256i hi = l ? _mm256_permute2x128_si256(o[k][2], o[k][3], 0x31)
				       : _mm256_permute2x128_si256(o[k][2], o[k][3], 0x20);
			size_t off = 64 * (size_t)(4 * l + k);

			if (off < len)
				xor_half256(dst + off, src ? src + off : NULL, lo, len - off);
			if (off + 32 < len)
				xor_half256(dst + off + 32, src ? src + off + 32 : NULL, hi,
					    len - off - 32);
		}
	}
}

/* Up to 1024 bytes: blocks ctr..ctr+15. */
static void pass16(uint8_t *dst, const uint8_t *src, size_t len, const uint32_t st[16],
		   uint32_t ctr)
{
	__m512i v[16], x[16];

	init16(v, st, ctr);
	memcpy(x, v, sizeof(x));
	ROUNDS(_mm512_add_epi32, _mm512_xor_si512, _mm512_rol_epi32, x);
	out16(dst, src, len, x, v);
}

/* Up to 512 bytes: blocks ctr..ctr+7. */
static void pass8(uint8_t *dst, const uint8_t *src, size_t len, const uint32_t st[16], uint32_t ctr)
{
	__m256i v[16], x[16];

	init8(v, st, ctr);
	memcpy(x, v, sizeof(x));
	ROUNDS(_mm256_add_epi32, _mm256_xor_si256, _mm256_rol_epi32, x);
	out8(dst, src, len, x, v);
}

/*
 * Blocks 0..7 in ymm and 8..23 in zmm, rounds interleaved: each chain of dependent rotations
 * alone leaves the vector units half idle, and the 32 registers hold both states exactly.
 */
void chacha20_avx512_x24(uint8_t ks[512], uint8_t *dst, const uint8_t *src, size_t len,
			 const uint32_t st[16])
{
	__m256i v8[16], y[16];
	__m512i v16[16], x[16];

	init8(v8, st, 0);
	init16(v16, st, 8);
	memcpy(y, v8, sizeof(y));
	memcpy(x, v16, sizeof(x));
	_Pragma("GCC unroll 10") for (int r = 0; r < 10; ++r)
	{
		QR(_mm512_add_epi32, _mm512_xor_si512, _mm512_rol_epi32, x[0], x[4], x[8], x[12]);
		QR(_mm256_add_epi32, _mm256_xor_si256, _mm256_rol_epi32, y[0], y[4], y[8], y[12]);
		QR(_mm512_add_epi32, _mm512_xor_si512, _mm512_rol_epi32, x[1], x[5], x[9], x[13]);
		QR(_mm256_add_epi32, _mm256_xor_si256, _mm256_rol_epi32, y[1], y[5], y[9], y[13]);
		QR(_mm512_add_epi32, _mm512_xor_si512, _mm512_rol_epi32, x[2], x[6], x[10], x[14]);
		QR(_mm256_add_epi32, _mm256_xor_si256, _mm256_rol_epi32, y[2], y[6], y[10], y[14]);
		QR(_mm512_add_epi32, _mm512_xor_si512, _mm512_rol_epi32, x[3], x[7], x[11], x[15]);
		QR(_mm256_add_epi32, _mm256_xor_si256, _mm256_rol_epi32, y[3], y[7], y[11], y[15]);
		QR(_mm512_add_epi32, _mm512_xor_si512, _mm512_rol_epi32, x[0], x[5], x[10], x[15]);
		QR(_mm256_add_epi32, _mm256_xor_si256, _mm256_rol_epi32, y[0], y[5], y[10], y[15]);
		QR(_mm512_add_epi32, _mm512_xor_si512, _mm512_rol_epi32, x[1], x[6], x[11], x[12]);
		QR(_mm256_add_epi32, _mm256_xor_si256, _mm256_rol_epi32, y[1], y[6], y[11], y[12]);
		QR(_mm512_add_epi32, _mm512_xor_si512, _mm512_rol_epi32, x[2], x[7], x[8], x[13]);
		QR(_mm256_add_epi32, _mm256_xor_si256, _mm256_rol_epi32, y[2], y[7], y[8], y[13]);
		QR(_mm512_add_epi32, _mm512_xor_si512, _mm512_rol_epi32, x[3], x[4], x[9], x[14]);
		QR(_mm256_add_epi32, _mm256_xor_si256, _mm256_rol_epi32, y[3], y[4], y[9], y[14]);
	}
	out8(ks, NULL, 512, y, v8);
	out16(dst, src, len, x, v16);
}

void chacha20_avx512(uint8_t *dst, const uint8_t *src, size_t len, const uint32_t st[16],
		     uint32_t ctr)
{
	while (len > 512) {
		size_t n = len < 1024 ? len : 1024;

		pass16(dst, src, n, st, ctr);
		dst += n;
		if (src)
			src += n;
		len -= n;
		ctr += 16;
	}
	if (len)
		pass8(dst, src, len, st, ctr);
}

SIMD_TARGET_END
