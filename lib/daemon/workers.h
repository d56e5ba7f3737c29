/* SPDX-License-Identifier: MIT */
/*
 * Threads that help the loop with batches of independent jobs (the device's AEAD work). The
 * caller takes jobs too, so a batch never waits for a helper that has not woken up: at worst
 * for a job one has already claimed. Helpers sleep on a futex between batches, woken only by
 * the next one: keys leave their cipher contexts through crypto_forget_key(), not by polling.
 */
#ifndef WGCTL_DAEMON_WORKERS_H
#define WGCTL_DAEMON_WORKERS_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

struct workers {
	pthread_t *threads;
	int count; /* helpers, not counting the caller */
	/* The batch: its generation in the high half, the next unclaimed job in the low one. */
	_Atomic uint64_t claim;
	_Atomic uint32_t generation; /* futex: a new batch */
	_Atomic uint32_t done;       /* futex: jobs finished, for a waiting caller */
	_Atomic uint32_t sleepers;
	_Atomic uint32_t waiting;
	_Atomic uint32_t stop;
	void (*_Atomic fn)(void *ctx, size_t i);
	void *_Atomic ctx;
	_Atomic uint32_t n;
};

/* threads in all, the caller's included: 1 starts none. 0 or -errno. */
int workers_start(struct workers *w, int threads);
/* fn(ctx, i) for every i < n, spread over the helpers and the caller; returns when all are done. */
void workers_run(struct workers *w, void (*fn)(void *ctx, size_t i), void *ctx, size_t n);
void workers_stop(struct workers *w);
/* The default thread count: WGCTL_THREADS if set, else the online CPUs from 4 up (else 1), at
 * most 8. */
int workers_default_threads(void);

#endif
