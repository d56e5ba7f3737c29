/* SPDX-License-Identifier: MIT */
#ifndef WGCTL_UTIL_MEM_H
#define WGCTL_UTIL_MEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Wipe that the compiler may not elide. */
static inline void memzero_explicit(void *p, size_t n)
{
	explicit_bzero(p, n);
}

/* Constant-time equality: time depends only on n. */
static inline bool ct_memeq(const void *a, const void *b, size_t n)
{
	const volatile uint8_t *x = a, *y = b;
	uint8_t d = 0;

	for (size_t i = 0; i < n; ++i)
		d |= x[i] ^ y[i];
	return d == 0;
}

/* Constant-time test for an all-zero buffer (low-order DH results, "no key"). */
static inline bool ct_is_zero(const void *a, size_t n)
{
	const volatile uint8_t *x = a;
	uint8_t d = 0;

	for (size_t i = 0; i < n; ++i)
		d |= x[i];
	return d == 0;
}

#define ARRAY_SIZE(a)                   (sizeof(a) / sizeof((a)[0]))
#define container_of(ptr, type, member) ((type *)((char *)(ptr)-offsetof(type, member)))
#define __must_check                    __attribute__((warn_unused_result))

#endif
