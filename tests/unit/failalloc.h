/* SPDX-License-Identifier: MIT */
/*
 * OpenSSL's allocations, counted and failed on demand through CRYPTO_set_mem_functions(), which
 * only this test binary calls: how the tests show what the crypto seam and its callers do when
 * the library runs out of memory. failalloc_install() must run before any OpenSSL call.
 */
#ifndef WGCTL_TESTS_FAILALLOC_H
#define WGCTL_TESTS_FAILALLOC_H

#include <stdbool.h>
#include <stdlib.h>

#include <openssl/crypto.h>

static unsigned long failalloc_allocs, failalloc_failures;
/* Allocations that still succeed before every later one fails; -1: none fails. */
static long failalloc_budget = -1;

static inline bool failalloc_now(void)
{
	long left = __atomic_load_n(&failalloc_budget, __ATOMIC_RELAXED);

	__atomic_fetch_add(&failalloc_allocs, 1, __ATOMIC_RELAXED);
	if (left < 0)
		return false;
	if (left > 0 && __atomic_compare_exchange_n(&failalloc_budget, &left, left - 1, false,
						    __ATOMIC_RELAXED, __ATOMIC_RELAXED))
		return false;
	__atomic_fetch_add(&failalloc_failures, 1, __ATOMIC_RELAXED);
	return true;
}

static inline void *failalloc_malloc(size_t n, const char *file, int line)
{
	(void)file;
	(void)line;
	return failalloc_now() ? NULL : malloc(n);
}

static inline void *failalloc_realloc(void *p, size_t n, const char *file, int line)
{
	(void)file;
	(void)line;
	return failalloc_now() ? NULL : realloc(p, n);
}

static inline void failalloc_free(void *p, const char *file, int line)
{
	(void)file;
	(void)line;
	free(p);
}

static inline bool failalloc_install(void)
{
	return CRYPTO_set_mem_functions(failalloc_malloc, failalloc_realloc, failalloc_free);
}

/* From now on, n more allocations succeed and every one after them fails. */
static inline void failalloc_after(long n)
{
	__atomic_store_n(&failalloc_failures, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&failalloc_budget, n, __ATOMIC_RELAXED);
}

/* Every allocation succeeds again; how many failed since failalloc_after(). */
static inline unsigned long failalloc_off(void)
{
	__atomic_store_n(&failalloc_budget, -1, __ATOMIC_RELAXED);
	return __atomic_load_n(&failalloc_failures, __ATOMIC_RELAXED);
}

#endif
