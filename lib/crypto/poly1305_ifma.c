// SPDX-License-Identifier: MIT
/*
 * Poly1305 (RFC 8439 §2.5) in radix 2^44: h = h0 + h1·2^44 + h2·2^88 with 44, 44 and 42-bit limbs,
 * so a product of limbs fits the 52-bit multipliers of AVX-512 IFMA and 2^130 = 2^132 / 4 folds
 * back as ·5 (·20 across the limb boundary). Long messages run 8 blocks at a time, lane j holding
 * every 8th block: each pass multiplies by r^8, the last by r^(8-j), and the lanes sum to h.
 * The one-time key changes every packet, so r^2..r^8 are computed per message (three dependent
 * multiplications). Short tails and the associated data go through the same scalar limb code.
 */
#include <immintrin.h>
#include <string.h>

#include "crypto/simd.h"
#include "util/mem.h"

SIMD_TARGET_BEGIN("avx512f,avx512vl,avx512ifma")

typedef unsigned __int128 u128;

#define M44   ((1ULL << 44) - 1)
#define M42   ((1ULL << 42) - 1)
#define HIBIT (1ULL << 40) /* 2^128 in limb 2 */

/* Whole-register load of a little-endian word: this file only builds for x86-64. */
static inline uint64_t le64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/*
 * h = a·b mod 2^130-5 for limbs below 2^46 (b below 2^45), partially reduced to limbs below
 * 2^44 + 2^16. The carries go in two parallel rounds instead of a chain of four: the scalar
 * path is bound by latency, one block after the other.
 */
static inline __attribute__((always_inline)) void fe_mul(uint64_t h[3], const uint64_t a[3],
							 const uint64_t b[3])
{
	uint64_t s1 = b[1] * 20, s2 = b[2] * 20, h0, h1, h2, c0, c1, c2;
	u128 d0 = (u128)a[0] * b[0] + (u128)a[1] * s2 + (u128)a[2] * s1;
	u128 d1 = (u128)a[0] * b[1] + (u128)a[1] * b[0] + (u128)a[2] * s2;
	u128 d2 = (u128)a[0] * b[2] + (u128)a[1] * b[1] + (u128)a[2] * b[0];

	/* d < 2^98: the carries are below 2^56, so the sums stay below 2^60. */
	c0 = (uint64_t)(d0 >> 44);
	c1 = (uint64_t)(d1 >> 44);
	c2 = (uint64_t)(d2 >> 42);
	h0 = ((uint64_t)d0 & M44) + c2 * 5;
	h1 = ((uint64_t)d1 & M44) + c0;
	h2 = ((uint64_t)d2 & M42) + c1;
	c0 = h0 >> 44;
	c1 = h1 >> 44;
	c2 = h2 >> 42;
	h[0] = (h0 & M44) + c2 * 5;
	h[1] = (h1 & M44) + c0;
	h[2] = (h2 & M42) + c1;
}

/* One carry round in limb order, 2^130 folding back as 5: h0 < 2^44, h1 <= 2^44, h2 < 2^42. */
static void carry(uint64_t h[3])
{
	uint64_t c;

	c = h[0] >> 44;
	h[0] &= M44;
	h[1] += c;
	c = h[1] >> 44;
	h[1] &= M44;
	h[2] += c;
	c = h[2] >> 42;
	h[2] &= M42;
	h[0] += c * 5;
	c = h[0] >> 44;
	h[0] &= M44;
	h[1] += c;
}

static void absorb_words(uint64_t h[3], const uint64_t r[3], uint64_t lo, uint64_t hi,
			 uint64_t hibit)
{
	h[0] += lo & M44;
	h[1] += ((lo >> 44) | (hi << 20)) & M44;
	h[2] += (hi >> 24) | hibit;
	fe_mul(h, h, r);
}

/*
 * Whole 16-byte blocks, then a short last one: zero-padded as a whole block for the AEAD's pad16
 * (aead), or closed by a 1 byte in place of the 2^128 bit for plain Poly1305.
 */
static void absorb(uint64_t h[3], const uint64_t r[3], const uint8_t *p, size_t len, bool aead)
{
	uint8_t last[16] = { 0 };

	for (; len >= 16; p += 16, len -= 16)
		absorb_words(h, r, le64(p), le64(p + 8), HIBIT);
	if (len) {
		memcpy(last, p, len);
		if (!aead)
			last[len] = 1;
		absorb_words(h, r, le64(last), le64(last + 8), aead ? HIBIT : 0);
	}
}

static inline __m512i times20(__m512i x)
{
	return _mm512_add_epi64(_mm512_slli_epi64(x, 4), _mm512_slli_epi64(x, 2));
}

#define MADLO _mm512_madd52lo_epu64
#define MADHI _mm512_madd52hi_epu64

/* n blocks, a multiple of 8 and at least 8; pw[k] = r^k. */
static void absorb_ifma(uint64_t h[3], const uint8_t *p, size_t n, const uint64_t pw[9][3])
{
	const __m512i m44 = _mm512_set1_epi64((long long)M44),
		      m42 = _mm512_set1_epi64((long long)M42);
	const __m512i hibit = _mm512_set1_epi64((long long)HIBIT), zero = _mm512_setzero_si512();
	const __m512i even = _mm512_set_epi64(14, 12, 10, 8, 6, 4, 2, 0);
	const __m512i odd = _mm512_set_epi64(15, 13, 11, 9, 7, 5, 3, 1);
	__m512i a0 = _mm512_set_epi64(0, 0, 0, 0, 0, 0, 0, (long long)h[0]);
	__m512i a1 = _mm512_set_epi64(0, 0, 0, 0, 0, 0, 0, (long long)h[1]);
	__m512i a2 = _mm512_set_epi64(0, 0, 0, 0, 0, 0, 0, (long long)h[2]);
	__m512i r8[3], rj[3], *r = r8, s8[2], sj[2], *s = s8;

	for (int i = 0; i < 3; ++i) {
		r8[i] = _mm512_set1_epi64((long long)pw[8][i]);
		/* The last pass: lane j takes r^(8-j). */
		rj[i] = _mm512_set_epi64((long long)pw[1][i], (long long)pw[2][i],
					 (long long)pw[3][i], (long long)pw[4][i],
					 (long long)pw[5][i], (long long)pw[6][i],
					 (long long)pw[7][i], (long long)pw[8][i]);
	}
	for (int i = 0; i < 2; ++i) {
		s8[i] = times20(r8[i + 1]);
		sj[i] = times20(rj[i + 1]);
	}
	for (; n; n -= 8, p += 128) {
		__m512i z0 = _mm512_loadu_si512(p), z1 = _mm512_loadu_si512(p + 64);
		__m512i lo = _mm512_permutex2var_epi64(z0, even, z1);
		__m512i hi = _mm512_permutex2var_epi64(z0, odd, z1);
		__m512i l0, l1, l2, u0, u1, u2, c0, c1, c2;

		if (n == 8) {
			r = rj;
			s = sj;
		}
		a0 = _mm512_add_epi64(a0, _mm512_and_si512(lo, m44));
		a1 = _mm512_add_epi64(a1,
				      _mm512_and_si512(_mm512_or_si512(_mm512_srli_epi64(lo, 44),
								       _mm512_slli_epi64(hi, 20)),
						       m44));
		a2 = _mm512_add_epi64(a2, _mm512_or_si512(_mm512_srli_epi64(hi, 24), hibit));

		/* Two-deep multiply-add chains and one parallel carry round: this loop is
		 * latency-bound. */
		l0 = _mm512_add_epi64(MADLO(MADLO(zero, a0, r[0]), a1, s[1]),
				      MADLO(zero, a2, s[0]));
		u0 = _mm512_add_epi64(MADHI(MADHI(zero, a0, r[0]), a1, s[1]),
				      MADHI(zero, a2, s[0]));
		l1 = _mm512_add_epi64(MADLO(MADLO(zero, a0, r[1]), a1, r[0]),
				      MADLO(zero, a2, s[1]));
		u1 = _mm512_add_epi64(MADHI(MADHI(zero, a0, r[1]), a1, r[0]),
				      MADHI(zero, a2, s[1]));
		l2 = _mm512_add_epi64(MADLO(MADLO(zero, a0, r[2]), a1, r[1]),
				      MADLO(zero, a2, r[0]));
		u2 = _mm512_add_epi64(MADHI(MADHI(zero, a0, r[2]), a1, r[1]),
				      MADHI(zero, a2, r[0]));

		/* The high halves weigh 2^52: 2^8 into the next limb, and 2^140 = 5·2^10 from the
		 * top. */
		u2 = _mm512_add_epi64(_mm512_slli_epi64(u2, 10), _mm512_slli_epi64(u2, 12));
		l0 = _mm512_add_epi64(l0, u2);
		l1 = _mm512_add_epi64(l1, _mm512_slli_epi64(u0, 8));
		l2 = _mm512_add_epi64(l2, _mm512_slli_epi64(u1, 8));

		/* l < 2^56: carries below 2^12, so one round leaves limbs below 2^44 + 2^15. */
		c0 = _mm512_srli_epi64(l0, 44);
		c1 = _mm512_srli_epi64(l1, 44);
		c2 = _mm512_srli_epi64(l2, 42);
		a0 = _mm512_add_epi64(_mm512_and_si512(l0, m44),
				      _mm512_add_epi64(c2, _mm512_slli_epi64(c2, 2)));
		a1 = _mm512_add_epi64(_mm512_and_si512(l1, m44), c0);
		a2 = _mm512_add_epi64(_mm512_and_si512(l2, m42), c1);
	}

	h[0] = (uint64_t)_mm512_reduce_add_epi64(a0);
	h[1] = (uint64_t)_mm512_reduce_add_epi64(a1);
	h[2] = (uint64_t)_mm512_reduce_add_epi64(a2);
	carry(h);
}

/* Full reduction mod 2^130-5, then + s mod 2^128; h < 2^130 + 2^89 after carry() and h1's. */
static void finish(uint8_t tag[16], uint64_t h[3], const uint8_t s[16])
{
	uint64_t h0, h1, h2, g0, g1, g2, c, mask, lo, hi;
	u128 t;

	carry(h);
	h0 = h[0];
	h1 = h[1] & M44;
	h2 = h[2] + (h[1] >> 44);

	/* h < 2p: subtract p once when h + 5 reaches 2^130, selecting without a branch. */
	g0 = h0 + 5;
	c = g0 >> 44;
	g0 &= M44;
	g1 = h1 + c;
	c = g1 >> 44;
	g1 &= M44;
	g2 = h2 + c - (1ULL << 42);
	mask = (g2 >> 63) - 1;
	h0 = (h0 & ~mask) | (g0 & mask);
	h1 = (h1 & ~mask) | (g1 & mask);
	h2 = (h2 & ~mask) | (g2 & mask);

	lo = h0 | (h1 << 44);
	hi = (h1 >> 20) | (h2 << 24);
	t = (u128)lo + le64(s);
	lo = (uint64_t)t;
	hi = hi + le64(s + 8) + (uint64_t)(t >> 64);
	memcpy(tag, &lo, 8);
	memcpy(tag + 8, &hi, 8);
}

static void key_setup(uint64_t r[3], const uint8_t key[32])
{
	uint64_t t0 = le64(key) & 0x0ffffffc0fffffffULL, t1 = le64(key + 8) & 0x0ffffffc0ffffffcULL;

	r[0] = t0 & M44;
	r[1] = ((t0 >> 44) | (t1 << 20)) & M44;
	r[2] = t1 >> 24;
}

/* The whole blocks of m: 8 lanes when there are 16 or more, else none; returns the bytes taken. */
static size_t absorb_long(uint64_t h[3], uint64_t pw[9][3], const uint8_t *m, size_t len)
{
	size_t n = len / 16 >= 16 ? (len / 16) & ~(size_t)7 : 0;

	if (!n)
		return 0;
	fe_mul(pw[2], pw[1], pw[1]);
	fe_mul(pw[3], pw[2], pw[1]);
	fe_mul(pw[4], pw[2], pw[2]);
	for (int k = 5; k <= 8; ++k)
		fe_mul(pw[k], pw[4], pw[k - 4]);
	absorb_ifma(h, m, n, pw);
	return 16 * n;
}

void poly1305_ifma(uint8_t tag[16], const uint8_t key[32], const uint8_t *m, size_t len)
{
	uint64_t pw[9][3], h[3] = { 0, 0, 0 };
	size_t done;

	key_setup(pw[1], key);
	done = absorb_long(h, pw, m, len);
	absorb(h, pw[1], m + done, len - done, false);
	finish(tag, h, key + 16);
	memzero_explicit(pw, sizeof(pw));
	memzero_explicit(h, sizeof(h));
}

void poly1305_aead_ifma(uint8_t tag[16], const uint8_t key[32], const uint8_t *ad, size_t ad_len,
			const uint8_t *ct, size_t ct_len)
{
	uint64_t pw[9][3], h[3] = { 0, 0, 0 };
	size_t done;

	key_setup(pw[1], key);
	absorb(h, pw[1], ad, ad_len, true);
	done = absorb_long(h, pw, ct, ct_len);
	absorb(h, pw[1], ct + done, ct_len - done, true);
	absorb_words(h, pw[1], (uint64_t)ad_len, (uint64_t)ct_len, HIBIT);
	finish(tag, h, key + 16);
	memzero_explicit(pw, sizeof(pw));
	memzero_explicit(h, sizeof(h));
}

SIMD_TARGET_END
