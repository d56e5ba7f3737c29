// SPDX-License-Identifier: MIT
/*
 * The helper pool: every job of every batch runs exactly once, on more than one thread, and a
 * batch returns only when all of its jobs are done; against a plain counting loop. And the default
 * thread count: helpers only from 4 online CPUs unless WGCTL_THREADS names a count.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crypto/crypto.h"
#include "daemon/workers.h"
#include "tap.h"

#define JOBS 4096

static _Atomic uint32_t runs[JOBS];
static _Atomic uint32_t threads_seen;
static pthread_t first_thread;
static uint64_t slow;

static void job(void *ctx, size_t i)
{
	uint32_t *gen = ctx;

	atomic_fetch_add(&runs[i], *gen);
	if (!pthread_equal(pthread_self(), first_thread))
		atomic_store(&threads_seen, 2);
	/* Some jobs are slow, so that a helper can be caught holding a claim. */
	if (i % 97 == 0)
		for (volatile int k = 0; k < 20000; ++k)
			++slow;
}

static bool batch(struct workers *w, uint32_t gen, size_t n)
{
	bool exact = true;

	for (size_t i = 0; i < JOBS; ++i)
		atomic_store(&runs[i], 0);
	workers_run(w, job, &gen, n);
	/* Nothing may still be running: a job finishing late would show up here. */
	for (size_t i = 0; i < JOBS; ++i)
		exact &= atomic_load(&runs[i]) == (i < n ? gen : 0);
	return exact;
}

int main(void)
{
	struct workers w;
	bool exact = true;
	uint32_t gen = 1;

	crypto_init();
	first_thread = pthread_self();
	ok(workers_start(&w, 1) == 0 && w.count == 0, "one thread: no helpers");
	ok(batch(&w, 7, 100) && atomic_load(&threads_seen) == 0, "runs inline without helpers");
	workers_stop(&w);

	ok(workers_start(&w, 4) == 0 && w.count == 3, "four threads: three helpers");
	for (int round = 0; round < 3000; ++round) {
		size_t n = (size_t)((round * 2654435761u) % JOBS) + 1;

		exact &= batch(&w, ++gen, n);
		/* Idle gaps let helpers fall asleep, so wakeups are exercised too. */
		if (round % 500 == 0)
			usleep(20000);
	}
	ok(exact, "3,000 batches of 1 to 4,096 jobs: each job exactly once, all done on return");
	ok(atomic_load(&threads_seen) == 2, "helpers took part");
	ok(batch(&w, ++gen, 0) && batch(&w, ++gen, 1) && batch(&w, ++gen, 7), "tiny batches");
	workers_stop(&w);
	ok(w.count == 0 && !w.threads, "stopped and joined");

	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	int want = cpus < 4 ? 1 : cpus > 8 ? 8 : (int)cpus;

	unsetenv("WGCTL_THREADS");
	ok(workers_default_threads() == want, "default on %ld online CPUs: %d thread(s)", cpus, want);
	setenv("WGCTL_THREADS", "", 1);
	ok(workers_default_threads() == want, "empty WGCTL_THREADS: the default");
	setenv("WGCTL_THREADS", "2", 1);
	ok(workers_default_threads() == 2, "WGCTL_THREADS=2 asks for a helper on any CPU count");
	setenv("WGCTL_THREADS", "0", 1);
	ok(workers_default_threads() == 1, "WGCTL_THREADS=0: one thread");
	setenv("WGCTL_THREADS", "64", 1);
	ok(workers_default_threads() == 8, "WGCTL_THREADS=64: at most 8");
	unsetenv("WGCTL_THREADS");
	printf("1..%u\n", tap_run);
	return tap_failed ? 1 : 0;
}
