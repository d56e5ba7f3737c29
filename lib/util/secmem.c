// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include "util/mem.h"
#include "util/secmem.h"

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SECMEM_LSAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define SECMEM_LSAN 1
#endif
#ifdef SECMEM_LSAN
/* LeakSanitizer scans the heap, not our own mappings: heap pointers held only here are roots. */
#include <sanitizer/lsan_interface.h>
#define lsan_root(p, n)   __lsan_register_root_region(p, n)
#define lsan_unroot(p, n) __lsan_unregister_root_region(p, n)
#else
#define lsan_root(p, n)   ((void)(p), (void)(n))
#define lsan_unroot(p, n) ((void)(p), (void)(n))
#endif

/*
 * The mapping starts with this header; the caller's bytes follow it. `size` is what was asked
 * for (what free wipes), `map_len` what was mapped. The magic catches a pointer that did not
 * come from secmem_alloc before munmap is given a wrong length.
 */
struct secmem_hdr {
	uint64_t magic;
	size_t size, map_len;
	unsigned int locked;
} __attribute__((aligned(16)));

#define SECMEM_MAGIC 0x7365636d656d2131ULL /* "secmem!1" */

static size_t stat_allocs, stat_bytes, stat_locked, stat_lock_failures, stat_advise_failures;

static void stat_add(size_t *v, size_t n)
{
	__atomic_add_fetch(v, n, __ATOMIC_RELAXED);
}

static void stat_sub(size_t *v, size_t n)
{
	__atomic_sub_fetch(v, n, __ATOMIC_RELAXED);
}

static size_t page_size(void)
{
	long n = sysconf(_SC_PAGESIZE);

	return n > 0 ? (size_t)n : 4096;
}

void *secmem_alloc(size_t size)
{
	size_t page = page_size(), map_len;
	struct secmem_hdr *h;

	if (!size) {
		errno = EINVAL;
		return NULL;
	}
	if (size > SIZE_MAX - sizeof(*h) - page) {
		errno = EOVERFLOW;
		return NULL;
	}
	map_len = (sizeof(*h) + size + page - 1) / page * page;
	h = mmap(NULL, map_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (h == MAP_FAILED) {
		errno = ENOMEM;
		return NULL;
	}
	/* Before anything is written: a dump or a fork must never see these pages' contents. */
	if (madvise(h, map_len, MADV_DONTDUMP) < 0)
		stat_add(&stat_advise_failures, 1);
#ifdef MADV_WIPEONFORK
	/* Kernels before 4.14 refuse it; the pages are then copied into a child as usual. */
	madvise(h, map_len, MADV_WIPEONFORK);
#endif
	h->locked = mlock(h, map_len) == 0;
	if (h->locked)
		stat_add(&stat_locked, map_len);
	else
		stat_add(&stat_lock_failures, 1);
	/* Fresh anonymous pages are zero already; only the header was written. */
	h->magic = SECMEM_MAGIC;
	h->size = size;
	h->map_len = map_len;
	stat_add(&stat_allocs, 1);
	stat_add(&stat_bytes, map_len);
	lsan_root(h, map_len);
	return h + 1;
}

void *secmem_calloc(size_t nmemb, size_t size)
{
	if (size && nmemb > SIZE_MAX / size) {
		errno = EOVERFLOW;
		return NULL;
	}
	return secmem_alloc(nmemb * size);
}

void secmem_free(void *p)
{
	struct secmem_hdr *h;
	size_t map_len;
	unsigned int locked;

	if (!p)
		return;
	h = (struct secmem_hdr *)p - 1;
	if (h->magic != SECMEM_MAGIC)
		__builtin_trap(); /* not ours, or already freed: never munmap a guessed length */
	map_len = h->map_len;
	locked = h->locked;
	lsan_unroot(h, map_len);
	memzero_explicit(p, h->size);
	memzero_explicit(h, sizeof(*h));
	if (locked) {
		munlock(h, map_len);
		stat_sub(&stat_locked, map_len);
	}
	munmap(h, map_len);
	stat_sub(&stat_allocs, 1);
	stat_sub(&stat_bytes, map_len);
}

/*
 * A slab is one secmem_alloc() of SLAB_BYTES: this header, then objects of `stride` bytes, each
 * led by a 16-byte tag naming its slab (how secmem_pool_free finds it). Free objects are chained
 * through their first word; `bump` is the first never-used one.
 */
enum { SLAB_BYTES = 64 * 1024, TAG = 16 };

struct secmem_slab {
	struct secmem_pool *pool;
	struct secmem_slab *prev, *next; /* in pool->partial while it has room */
	void *free;
	size_t used, bump, cap, stride;
} __attribute__((aligned(16)));

static size_t slab_stride(size_t size)
{
	return TAG + (size + 15) / 16 * 16;
}

static void partial_unlink(struct secmem_pool *pool, struct secmem_slab *s)
{
	if (s->prev)
		s->prev->next = s->next;
	else
		pool->partial = s->next;
	if (s->next)
		s->next->prev = s->prev;
	s->prev = s->next = NULL;
}

static void partial_push(struct secmem_pool *pool, struct secmem_slab *s)
{
	s->prev = NULL;
	s->next = pool->partial;
	if (s->next)
		s->next->prev = s;
	pool->partial = s;
}

void *secmem_pool_alloc(struct secmem_pool *pool)
{
	size_t stride = slab_stride(pool->size), cap;
	struct secmem_slab *s;
	unsigned char *obj;

	if (!pool->size || stride > SLAB_BYTES - sizeof(struct secmem_hdr) - sizeof(*s)) {
		errno = pool->size ? EOVERFLOW : EINVAL;
		return NULL;
	}
	/* The slab and secmem's own header fill SLAB_BYTES exactly: one mapping, no rounding. */
	cap = (SLAB_BYTES - sizeof(struct secmem_hdr) - sizeof(*s)) / stride;
	pthread_mutex_lock(&pool->lock);
	s = pool->partial;
	if (!s) {
		s = secmem_alloc(SLAB_BYTES - sizeof(struct secmem_hdr));
		if (!s) {
			pthread_mutex_unlock(&pool->lock);
			errno = ENOMEM;
			return NULL;
		}
		s->pool = pool;
		s->cap = cap;
		s->stride = stride;
		partial_push(pool, s);
		++pool->slabs;
	}
	if (s->free) {
		obj = s->free;
		memcpy(&s->free, obj + TAG, sizeof(s->free));
		memset(obj + TAG, 0, sizeof(s->free));
	} else {
		obj = (unsigned char *)(s + 1) + s->bump++ * stride;
		memcpy(obj, &s, sizeof(s));
	}
	if (++s->used == s->cap)
		partial_unlink(pool, s);
	++pool->objects;
	pthread_mutex_unlock(&pool->lock);
	return obj + TAG;
}

void secmem_pool_free(struct secmem_pool *pool, void *p)
{
	unsigned char *obj;
	struct secmem_slab *s;

	if (!p)
		return;
	obj = (unsigned char *)p - TAG;
	memcpy(&s, obj, sizeof(s));
	if (s->pool != pool)
		__builtin_trap(); /* not from this pool */
	memzero_explicit(p, s->stride - TAG);
	pthread_mutex_lock(&pool->lock);
	memcpy(obj + TAG, &s->free, sizeof(s->free));
	s->free = obj;
	if (s->used-- == s->cap)
		partial_push(pool, s);
	--pool->objects;
	/* An empty slab goes, unless it is the only one with room left. */
	if (!s->used && (s->prev || s->next)) {
		partial_unlink(pool, s);
		--pool->slabs;
		pthread_mutex_unlock(&pool->lock);
		secmem_free(s);
		return;
	}
	pthread_mutex_unlock(&pool->lock);
}

void secmem_get_stats(struct secmem_stats *out)
{
	out->live_allocs = __atomic_load_n(&stat_allocs, __ATOMIC_RELAXED);
	out->live_bytes = __atomic_load_n(&stat_bytes, __ATOMIC_RELAXED);
	out->locked_bytes = __atomic_load_n(&stat_locked, __ATOMIC_RELAXED);
	out->lock_failures = __atomic_load_n(&stat_lock_failures, __ATOMIC_RELAXED);
	out->advise_failures = __atomic_load_n(&stat_advise_failures, __ATOMIC_RELAXED);
}

int secmem_harden_process(void)
{
	const struct rlimit none = { 0, 0 };
	int ret = 0;

	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		ret = -errno;
	if (setrlimit(RLIMIT_CORE, &none) < 0 && !ret)
		ret = -errno;
	return ret;
}
