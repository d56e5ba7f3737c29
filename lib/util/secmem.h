/* SPDX-License-Identifier: MIT */
/*
 * Memory for key material: whole pages of their own (mmap), locked so they are never swapped
 * (mlock; a refusal, such as RLIMIT_MEMLOCK, is counted and tolerated), left out of core dumps
 * (MADV_DONTDUMP), not inherited by a forked child (MADV_WIPEONFORK, where the kernel has it),
 * zeroed when handed out and wiped before they are given back. Thread-safe.
 */
#ifndef WGCTL_UTIL_SECMEM_H
#define WGCTL_UTIL_SECMEM_H

#include <pthread.h>
#include <stddef.h>

/*
 * size zeroed bytes, 16-byte aligned, or NULL with errno set (ENOMEM, or EOVERFLOW when size
 * plus the bookkeeping overflows). Each call maps its own pages: meant for long-lived objects
 * (devices, peers, keypairs), not for per-packet buffers. size 0 is NULL with EINVAL.
 */
void *secmem_alloc(size_t size);
/* nmemb * size bytes as secmem_alloc; NULL with EOVERFLOW if the product overflows. */
void *secmem_calloc(size_t nmemb, size_t size);
/*
 * Wipes every byte the allocation asked for, unlocks and unmaps. NULL is fine; a pointer that
 * did not come from secmem_alloc/secmem_calloc, or one freed already, traps (never free(3) these,
 * never pass malloc'd memory here).
 */
void secmem_free(void *p);

/*
 * A pool of equal objects in secmem slabs: the same protections (locked, out of core dumps, not
 * inherited, zeroed when handed out, wiped when given back), without a mapping and page rounding
 * per object. For many long-lived objects of one size (a device's peers). Thread-safe. A slab
 * that empties is unmapped unless it is the pool's last one with room.
 */
struct secmem_slab;
struct secmem_pool {
	size_t size; /* of an object, as asked */
	pthread_mutex_t lock;
	struct secmem_slab *partial; /* slabs with a free object */
	size_t objects, slabs;
};
#define SECMEM_POOL_INIT(object_size)                                                              \
	{                                                                                          \
		.size = (object_size), .lock = PTHREAD_MUTEX_INITIALIZER                           \
	}

/* A zeroed object of pool->size bytes, 16-byte aligned, or NULL (errno ENOMEM). */
void *secmem_pool_alloc(struct secmem_pool *pool);
/* Wipes obj and gives it back; NULL is fine. obj must come from this pool. */
void secmem_pool_free(struct secmem_pool *pool, void *obj);

struct secmem_stats {
	size_t live_allocs;     /* allocations not yet freed */
	size_t live_bytes;      /* their mapped bytes, whole pages */
	size_t locked_bytes;    /* of those, locked */
	size_t lock_failures;   /* mlock refusals since start (never reset) */
	size_t advise_failures; /* MADV_DONTDUMP refusals since start */
};

void secmem_get_stats(struct secmem_stats *out);

/*
 * Process-wide protections for a process that holds keys (the daemon): not dumpable
 * (PR_SET_DUMPABLE 0: no core file, no ptrace or /proc/PID/mem by other processes without
 * CAP_SYS_PTRACE) and RLIMIT_CORE 0. 0, or -errno of the first step that failed (the others
 * are still attempted).
 */
int secmem_harden_process(void);

#endif
