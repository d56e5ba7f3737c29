// SPDX-License-Identifier: MIT
#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "crypto/crypto.h"
#include "daemon/workers.h"

enum {
	/* Jobs taken per claim: a helper preempted mid-claim holds up the batch by this many. */
	CLAIM = 2,
	/*
	 * Smaller batches are not worth a wakeup: about a 64 KB segment's worth of datagrams
	 * (docs/bench.md#min-parallel).
	 */
	MIN_PARALLEL = 48,
	MAX_THREADS = 8,
	/*
	 * Fewer online CPUs run everything on the loop's thread unless WGCTL_THREADS says
	 * otherwise: on so few, shared with the kernel's UDP, TUN and TCP work, a helper gains no
	 * rate and costs CPU, as the kernel then copies what it sealed from the other core's cache
	 * (docs/bench.md#helpers).
	 */
	MIN_CPUS_FOR_HELPERS = 4,
	SPINS = 4000,
};

#define CLOSED 0xffffffffU

static void futex_wait(_Atomic uint32_t *addr, uint32_t val, const struct timespec *timeout)
{
	(void)syscall(SYS_futex, addr, FUTEX_WAIT_PRIVATE, val, timeout, NULL, 0);
}

static void futex_wake(_Atomic uint32_t *addr)
{
	(void)syscall(SYS_futex, addr, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0);
}

/* Claims and runs jobs of batch gen until none is left; how many this thread ran. */
static uint32_t take(struct workers *w, uint32_t gen)
{
	uint32_t ran = 0;

	for (;;) {
		uint64_t c = atomic_load(&w->claim);
		/*
		 * Read before the claim: the caller closes the claim word before it rewrites these,
		 * so a successful exchange on gen proves they were gen's.
		 */
		void (*fn)(void *, size_t) = atomic_load(&w->fn);
		void *ctx = atomic_load(&w->ctx);
		uint32_t n = atomic_load(&w->n), i = (uint32_t)c, k;

		if ((uint32_t)(c >> 32) != gen || i >= n)
			return ran;
		k = n - i < CLAIM ? n - i : CLAIM;
		if (!atomic_compare_exchange_weak(&w->claim, &c, c + k))
			continue;
		for (uint32_t j = i; j < i + k; ++j)
			fn(ctx, j);
		ran += k;
	}
}

static void finish(struct workers *w, uint32_t ran)
{
	if (ran && atomic_fetch_add(&w->done, ran) + ran == atomic_load(&w->n) &&
	    atomic_load(&w->waiting))
		futex_wake(&w->done);
}

static void *helper(void *arg)
{
	struct workers *w = arg;
	uint32_t seen = atomic_load(&w->generation);
	sigset_t all;

	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);
	/*
	 * Without cipher contexts made ahead, a job could fail for memory at any time: such a
	 * helper takes none, and the others (the caller among them) run the batches.
	 */
	if (crypto_thread_init() < 0)
		return NULL;
	while (!atomic_load(&w->stop)) {
		uint32_t gen = atomic_load(&w->generation);

		if (gen == seen) {
			atomic_fetch_add(&w->sleepers, 1);
			futex_wait(&w->generation, seen, NULL);
			atomic_fetch_sub(&w->sleepers, 1);
			continue;
		}
		seen = gen;
		finish(w, take(w, gen));
	}
	crypto_thread_exit();
	return NULL;
}

int workers_start(struct workers *w, int threads)
{
	int ret;

	memset(w, 0, sizeof(*w));
	if (threads <= 1)
		return 0;
	w->threads = calloc((size_t)threads - 1, sizeof(*w->threads));
	if (!w->threads)
		return -ENOMEM;
	for (; w->count < threads - 1; ++w->count) {
		ret = pthread_create(&w->threads[w->count], NULL, helper, w);
		if (ret) {
			workers_stop(w);
			return -ret;
		}
	}
	return 0;
}

void workers_run(struct workers *w, void (*fn)(void *ctx, size_t i), void *ctx, size_t n)
{
	uint32_t gen;

	if (!w->count || n < MIN_PARALLEL || n >= CLOSED) {
		for (size_t i = 0; i < n; ++i)
			fn(ctx, i);
		return;
	}
	gen = atomic_load(&w->generation) + 1;
	atomic_store(&w->claim, (uint64_t)gen << 32 | CLOSED);
	atomic_store(&w->fn, fn);
	atomic_store(&w->ctx, ctx);
	atomic_store(&w->n, (uint32_t)n);
	atomic_store(&w->done, 0);
	atomic_store(&w->claim, (uint64_t)gen << 32);
	atomic_store(&w->generation, gen);
	if (atomic_load(&w->sleepers))
		futex_wake(&w->generation);
	finish(w, take(w, gen));
	for (int spin = 0; atomic_load(&w->done) < n; ++spin) {
		uint32_t d = atomic_load(&w->done);

		if (spin < SPINS) {
#if defined(__x86_64__) || defined(__i386__)
			__builtin_ia32_pause();
#endif
			continue;
		}
		/* A helper was preempted holding a claim: sleep until it finishes. */
		atomic_store(&w->waiting, 1);
		if (d < n)
			futex_wait(&w->done, d, NULL);
		atomic_store(&w->waiting, 0);
	}
}

void workers_stop(struct workers *w)
{
	atomic_store(&w->stop, 1);
	atomic_fetch_add(&w->generation, 1);
	futex_wake(&w->generation);
	for (int i = 0; i < w->count; ++i)
		pthread_join(w->threads[i], NULL);
	free(w->threads);
	w->threads = NULL;
	w->count = 0;
}

int workers_default_threads(void)
{
	const char *env = getenv("WGCTL_THREADS");
	long n;

	if (env && *env)
		n = strtol(env, NULL, 10);
	else if ((n = sysconf(_SC_NPROCESSORS_ONLN)) < MIN_CPUS_FOR_HELPERS)
		n = 1;
	if (n < 1)
		n = 1;
	return n > MAX_THREADS ? MAX_THREADS : (int)n;
}
