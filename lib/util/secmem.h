/* SPDX-License-Identifier: MIT */
/*
 * Memory for key material: whole pages of their own (mmap), locked so they are never swapped
 * (mlock; a refusal, such as RLIMIT_MEMLOCK, is counted and tolerated), left out of core dumps
 * (MADV_DONTDUMP), not inherited by a forked child (MADV_WIPEONFORK, where the kernel has it),
 * zeroed when handed out and wiped before they are given back. Thread-safe.
 */
#ifndef WGCTL_UTIL_SECMEM_H
#define WGCTL_UTIL_SECMEM_H

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
