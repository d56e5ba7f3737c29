// SPDX-License-Identifier: MIT
/*
 * The helper pool: every job of every batch runs exactly once, on more than one thread, and a
 * batch returns only when all of its jobs are done; against a plain counting loop. Keys the
 * helpers' cipher contexts hold leave them the moment they are forgotten, with the helpers
 * asleep, and the next batch keys afresh. And the default thread count: helpers only from 4
 * online CPUs unless WGCTL_THREADS names a count.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <endian.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

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

enum { SEALS = 256, LEN = 1420 };

/* A batch of seals under one key, as the device's, and which threads ran them. */
static struct {
	uint8_t key[32];
	uint8_t out[SEALS][LEN + 16];
	_Atomic int failed;
	pthread_t seen[8];
	_Atomic uint32_t nseen;
} aead;

static const uint8_t plain[LEN];

static void seal_job(void *ctx, size_t i)
{
	uint64_t counter = i;
	uint32_t n;

	(void)ctx;
	if (chacha20poly1305_encrypt(aead.out[i], plain, LEN, NULL, 0, counter, aead.key))
		atomic_fetch_add(&aead.failed, 1);
	n = atomic_load(&aead.nseen);
	for (uint32_t k = 0; k < n; ++k) {
		if (pthread_equal(aead.seen[k], pthread_self()))
			return;
	}
	if (n < 8 && atomic_compare_exchange_strong(&aead.nseen, &n, n + 1))
		aead.seen[n] = pthread_self();
}

/* Every seal of the last batch is right for aead.key (libsodium), none failed. */
static bool seals_right(void)
{
	uint8_t want[LEN + 16], nonce[12] = { 0 };
	unsigned long long len;
	bool right = !atomic_load(&aead.failed);

	for (size_t i = 0; i < SEALS; ++i) {
		memcpy(nonce + 4, &(uint64_t){ htole64(i) }, 8);
		crypto_aead_chacha20poly1305_ietf_encrypt(want, &len, plain, LEN, NULL, 0, NULL,
							  nonce, aead.key);
		right &= !memcmp(want, aead.out[i], sizeof(want));
	}
	return right;
}

static void test_forget(void)
{
	uint8_t first[32];
	size_t held, after;
	struct workers w;

	if (crypto_aead_select("openssl") || sodium_init() < 0) {
		ok(false, "the OpenSSL AEAD, whose contexts keep keys");
		return;
	}
	must(workers_start(&w, 4));
	crypto_random(aead.key, sizeof(aead.key));
	memcpy(first, aead.key, sizeof(first));
	/* On a busy machine the caller may do a whole batch before a helper wakes. */
	for (int i = 0; i < 1000 && atomic_load(&aead.nseen) < 2; ++i)
		workers_run(&w, seal_job, NULL, SEALS);
	held = crypto_key_holders(first);
	ok(seals_right() && atomic_load(&aead.nseen) >= 2 && held == atomic_load(&aead.nseen),
	   "%zu threads sealed under a key, and their contexts hold it", held);
	usleep(20000);
	crypto_forget_key(first);
	after = crypto_key_holders(first);
	ok(after == 0, "forgotten: at once no context holds it, the helpers asleep and not woken");

	/* The key's memory reused for another, as a keypair slot is. */
	crypto_random(aead.key, sizeof(aead.key));
	atomic_store(&aead.nseen, 0);
	workers_run(&w, seal_job, NULL, SEALS);
	ok(seals_right() && crypto_key_holders(first) == 0 && crypto_key_holders(aead.key) >= 1,
	   "a new key in the same memory: every seal right under it, the old key held by none");
	memcpy(aead.key, first, sizeof(first));
	workers_run(&w, seal_job, NULL, SEALS);
	ok(seals_right(), "the forgotten key used again: keyed afresh, every seal right");
	crypto_forget_key(aead.key);
	workers_stop(&w);
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
	test_forget();

	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	int want = cpus < 4 ? 1 : cpus > 8 ? 8 : (int)cpus;

	unsetenv("WGCTL_THREADS");
	ok(workers_default_threads() == want, "default on %ld online CPUs: %d thread(s)", cpus,
	   want);
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
