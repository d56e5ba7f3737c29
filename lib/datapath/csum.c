// SPDX-License-Identifier: MIT
/*
 * The RFC 1071 sum over segment payloads, which the sender computes for every TCP segment it
 * cuts. The ones' complement sum of 16-bit words equals, folded, the plain sum of 32-bit words
 * (byte order and carries fold back alike), so wide lanes simply add 32-bit words into 64 bits.
 */
#include <immintrin.h>
#include <string.h>

#include "datapath/offload.h"

static uint64_t sum_words(uint64_t acc, const uint8_t *p, size_t len)
{
	uint32_t w[4];
	uint16_t h;

	for (; len >= 16; p += 16, len -= 16) {
		memcpy(w, p, 16);
		acc += (uint64_t)w[0] + w[1] + w[2] + w[3];
	}
	for (; len >= 4; p += 4, len -= 4) {
		memcpy(w, p, 4);
		acc += w[0];
	}
	if (len >= 2) {
		memcpy(&h, p, 2);
		acc += h;
		p += 2;
		len -= 2;
	}
	if (len) {
		/* The odd last byte is the first of a 16-bit word whose second is zero. */
		uint8_t tail[2] = { p[0], 0 };

		memcpy(&h, tail, 2);
		acc += h;
	}
	return acc;
}

/* 64 bytes per step; a 64-bit lane gains under 2^33 a step, so no length here can overflow it. */
__attribute__((target("avx2"))) static uint64_t sum_avx2(uint64_t acc, const uint8_t *p, size_t len)
{
	const __m256i lo = _mm256_set1_epi64x(0xffffffff);
	__m256i a = _mm256_setzero_si256(), b = _mm256_setzero_si256();
	uint64_t v[4];

	for (; len >= 64; p += 64, len -= 64) {
		__m256i x = _mm256_loadu_si256((const __m256i *)p);
		__m256i y = _mm256_loadu_si256((const __m256i *)(p + 32));

		a = _mm256_add_epi64(
			a, _mm256_add_epi64(_mm256_and_si256(x, lo), _mm256_srli_epi64(x, 32)));
		b = _mm256_add_epi64(
			b, _mm256_add_epi64(_mm256_and_si256(y, lo), _mm256_srli_epi64(y, 32)));
	}
	_mm256_storeu_si256((__m256i *)v, _mm256_add_epi64(a, b));
	return sum_words(acc + v[0] + v[1] + v[2] + v[3], p, len);
}

uint32_t csum_add(uint32_t sum, const void *buf, size_t len)
{
	static _Atomic int avx2 = -1;
	uint64_t acc;

	if (avx2 < 0) {
		__builtin_cpu_init();
		avx2 = __builtin_cpu_supports("avx2");
	}
	acc = avx2 && len >= 128 ? sum_avx2(sum, buf, len) : sum_words(sum, buf, len);
	while (acc >> 32)
		acc = (acc & 0xffffffffu) + (acc >> 32);
	return (uint32_t)acc;
}
