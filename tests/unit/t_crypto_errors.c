// SPDX-License-Identifier: MIT
/*
 * What the crypto seam says when something fails, with OpenSSL's allocations failed on demand
 * (failalloc.h): X25519 (libsodium's) allocates nothing, so no allocation can turn into a
 * rejected key; a thread without cipher contexts gets -ENOMEM from the AEAD (no abort, no plaintext
 * left, no "forged" verdict), and one that made them ahead never allocates again; BLAKE2s refuses
 * bad lengths; crypto_forget_key() empties the contexts of every thread, which then key afresh.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "crypto/crypto.h"
#include "failalloc.h"
#include "tap.h"

static void unhex32(uint8_t out[32], const char *hex)
{
	if (unhex(out, 32, hex) != 32)
		abort();
}

/* RFC 7748 6.1: Alice's secret and Bob's public key, and what they share. */
static uint8_t alice[32], bob_pub[32], shared[32], alice_pub[32];

static int x25519_shared(uint8_t out[32])
{
	return curve25519(out, alice, bob_pub);
}

static int x25519_public(uint8_t out[32])
{
	return curve25519_generate_public(out, alice);
}

static void test_x25519(void)
{
	uint8_t low[32] = { 0 }, out[32];

	unhex32(alice, "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a");
	unhex32(alice_pub, "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a");
	unhex32(bob_pub, "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f");
	unhex32(shared, "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742");
	/* libsodium's X25519 allocates nothing: OpenSSL without memory changes no verdict. */
	failalloc_after(0);
	ok(x25519_shared(out) == 0 && !memcmp(out, shared, 32),
	   "x25519 computes the RFC 7748 value with every OpenSSL allocation failing");
	ok(x25519_public(out) == 0 && !memcmp(out, alice_pub, 32), "x25519 public key likewise");
	memset(out, 0xaa, sizeof(out));
	ok(curve25519(out, alice, low) == -EKEYREJECTED && ct_is_zero(out, sizeof(out)),
	   "a low-order point is -EKEYREJECTED, output zeroed, whatever the memory");
	failalloc_off();
}

enum { LEN = 1420 };

struct aead_case {
	uint8_t key[32], nonce[12], pt[LEN], ct[LEN + 16];
};

static struct aead_case c;

static void aead_case_init(void)
{
	unsigned long long clen;

	crypto_random(c.key, sizeof(c.key));
	crypto_random(c.nonce, sizeof(c.nonce));
	memset(c.pt, 0x5a, sizeof(c.pt));
	crypto_aead_chacha20poly1305_ietf_encrypt(c.ct, &clen, c.pt, LEN, NULL, 0, NULL, c.nonce,
						  c.key);
}

struct fresh_result {
	int enc, dec, init, enc_after, dec_after;
	bool enc_wiped, dec_wiped, right_after;
};

/* A thread with no cipher contexts yet, while OpenSSL can allocate nothing. */
static void *fresh_thread(void *arg)
{
	static uint8_t buf[LEN + 16];
	struct fresh_result *r = arg;

	failalloc_after(0);
	memcpy(buf, c.pt, LEN);
	r->enc = chacha20poly1305_encrypt_ietf(buf, buf, LEN, NULL, 0, c.nonce, c.key);
	r->enc_wiped = ct_is_zero(buf, sizeof(buf));
	memset(buf, 0xaa, sizeof(buf));
	r->dec = chacha20poly1305_decrypt_ietf(buf, c.ct, sizeof(c.ct), NULL, 0, c.nonce, c.key);
	r->dec_wiped = ct_is_zero(buf, LEN);
	r->init = crypto_thread_init();
	failalloc_off();
	r->enc_after = chacha20poly1305_encrypt_ietf(buf, c.pt, LEN, NULL, 0, c.nonce, c.key);
	r->right_after = !memcmp(buf, c.ct, sizeof(c.ct));
	r->dec_after =
		chacha20poly1305_decrypt_ietf(buf, c.ct, sizeof(c.ct), NULL, 0, c.nonce, c.key);
	r->right_after &= !memcmp(buf, c.pt, LEN);
	crypto_thread_exit();
	return NULL;
}

/* A thread that made its contexts ahead, and then may allocate nothing at all. */
static void *prepared_thread(void *arg)
{
	static uint8_t buf[LEN + 16], key[32];
	bool *good = arg;

	*good = crypto_thread_init() == 0;
	failalloc_after(0);
	for (int i = 0; i < 300; ++i) {
		/* New keys, the same key again, forgotten keys, and forged tags. */
		memcpy(key, c.key, sizeof(key));
		key[0] ^= (uint8_t)(i % 3);
		if (i % 7 == 0)
			crypto_forget_key(key);
		*good &= chacha20poly1305_encrypt_ietf(buf, c.pt, LEN, NULL, 0, c.nonce, key) == 0;
		*good &= (i % 3 != 0) || !memcmp(buf, c.ct, sizeof(c.ct));
		*good &= chacha20poly1305_decrypt_ietf(buf, buf, sizeof(buf), NULL, 0, c.nonce,
						       key) == 0;
		buf[0] ^= 1;
		*good &= chacha20poly1305_decrypt_ietf(buf, c.ct, sizeof(c.ct), NULL, 0, c.nonce,
						       key) == (i % 3 ? -EBADMSG : 0);
	}
	*good &= failalloc_off() == 0;
	crypto_thread_exit();
	return NULL;
}

static void test_aead(void)
{
	struct fresh_result r;
	pthread_t t;
	bool good;

	if (crypto_aead_select("openssl")) {
		ok(false, "the OpenSSL AEAD, whose contexts can fail to be made");
		return;
	}
	aead_case_init();
	if (pthread_create(&t, NULL, fresh_thread, &r) || pthread_join(t, NULL))
		abort();
	ok(r.enc == -ENOMEM && r.enc_wiped, "no cipher context and no memory: sealing is -ENOMEM, "
					    "the buffer zeroed (was plaintext)");
	ok(r.dec == -ENOMEM && r.dec_wiped,
	   "and opening is -ENOMEM, not -EBADMSG: the packet is not blamed");
	ok(r.init == -ENOMEM, "crypto_thread_init() says -ENOMEM too");
	ok(r.enc_after == 0 && r.dec_after == 0 && r.right_after,
	   "with memory back, the same thread seals and opens");

	if (pthread_create(&t, NULL, prepared_thread, &good) || pthread_join(t, NULL))
		abort();
	ok(good, "contexts made ahead: 300 seals and opens under changing keys, with every OpenSSL "
		 "allocation failing, all succeed and none allocates");
}

static void test_blake2s(void)
{
	uint8_t out[40], key[40] = { 1 };
	struct blake2s_state st;

	memset(out, 0xaa, sizeof(out));
	ok(blake2s(out, 0, "abc", 3, NULL, 0) == -EINVAL &&
		   blake2s(out, 33, "abc", 3, NULL, 0) == -EINVAL &&
		   blake2s(out, 16, "abc", 3, key, 33) == -EINVAL,
	   "blake2s: digest length 0 or 33, key length 33: -EINVAL");
	ok(out[0] == 0xaa && !memcmp(out, out + 1, sizeof(out) - 1), "and nothing written");
	ok(blake2s_init_key(&st, 33, key, 32) == -EINVAL, "blake2s_init_key: -EINVAL");
	blake2s_update(&st, "abc", 3);
	blake2s_final(&st, out);
	ok(out[0] == 0xaa && !memcmp(out, out + 1, sizeof(out) - 1),
	   "and its final writes nothing, no digest anyone could compare against");
	ok(blake2s(out, 32, "abc", 3, key, 32) == 0 && blake2s(out, 1, "abc", 3, NULL, 0) == 0,
	   "lengths 1..32 are fine");
}

enum { THREADS = 3 };

static pthread_barrier_t used, forgotten;

/* Encrypts under c.key, waits while the main thread forgets it, then encrypts again. */
static void *holder_thread(void *arg)
{
	uint8_t buf[LEN + 16];
	bool *good = arg;

	*good = crypto_thread_init() == 0;
	*good &= chacha20poly1305_encrypt_ietf(buf, c.pt, LEN, NULL, 0, c.nonce, c.key) == 0;
	pthread_barrier_wait(&used);
	pthread_barrier_wait(&forgotten);
	memset(buf, 0, sizeof(buf));
	*good &= chacha20poly1305_encrypt_ietf(buf, c.pt, LEN, NULL, 0, c.nonce, c.key) == 0 &&
		 !memcmp(buf, c.ct, sizeof(buf));
	pthread_barrier_wait(&used);
	crypto_thread_exit();
	return NULL;
}

static void test_forget(void)
{
	pthread_t t[THREADS];
	bool good[THREADS];
	uint8_t other[32];
	size_t before, after, again;

	memcpy(other, c.key, sizeof(other));
	other[31] ^= 0x80;
	pthread_barrier_init(&used, NULL, THREADS + 1);
	pthread_barrier_init(&forgotten, NULL, THREADS + 1);
	for (int i = 0; i < THREADS; ++i)
		pthread_create(&t[i], NULL, holder_thread, &good[i]);
	pthread_barrier_wait(&used);
	before = crypto_key_holders(c.key);
	crypto_forget_key(other);
	after = crypto_key_holders(c.key);
	crypto_forget_key(c.key);
	again = crypto_key_holders(c.key);
	pthread_barrier_wait(&forgotten);
	pthread_barrier_wait(&used);
	for (int i = 0; i < THREADS; ++i)
		pthread_join(t[i], NULL);
	ok(before == THREADS && after == THREADS,
	   "%d threads hold the key; forgetting another key keeps it", THREADS);
	ok(again == 0,
	   "crypto_forget_key(): at once no thread holds it, none of them having run since");
	ok(good[0] && good[1] && good[2],
	   "and each keys afresh on its next use, with the right result");
	pthread_barrier_destroy(&used);
	pthread_barrier_destroy(&forgotten);
}

int main(void)
{
	/* Before any OpenSSL call, or OpenSSL refuses to switch allocators. */
	if (!failalloc_install() || crypto_init() || sodium_init() < 0) {
		ok(false, "set up");
		return done_testing();
	}
	test_x25519();
	test_aead();
	test_blake2s();
	test_forget();
	return done_testing();
}
