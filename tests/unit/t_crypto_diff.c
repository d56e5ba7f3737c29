// SPDX-License-Identifier: MIT
/*
 * Differential tests of the crypto seam: OpenSSL's EVP X25519 is the oracle for X25519 (which the
 * seam takes from libsodium), libsodium for ChaCha20-Poly1305 and XChaCha20-Poly1305; OpenSSL's own
 * EVP BLAKE2s/BLAKE2SMAC/HMAC for our BLAKE2s. Inputs come from a seeded generator; WGCTL_SEED=<n>
 * replays a run. Also counts OpenSSL allocations to hold the seam to "no allocation per packet".
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <sodium.h>

#include "crypto/crypto.h"
#include "failalloc.h"
#include "tap.h"

enum { MAX_LEN = 2000, ROUNDS = 1000 };

static uint64_t rng_state;

/* splitmix64: reproducible from the printed seed, unlike the system RNG. */
static uint64_t rng(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static void rng_fill(void *buf, size_t len)
{
	uint8_t *p = buf;

	while (len--)
		*p++ = (uint8_t)rng();
}

static size_t rng_below(size_t n)
{
	return (size_t)(rng() % n);
}

static void test_no_alloc(void)
{
	uint8_t key[32], nonce[12], buf[1500 + 16], ad[16];
	unsigned long before;
	bool good = true;
	int i;

	rng_fill(key, sizeof(key));
	rng_fill(nonce, sizeof(nonce));
	rng_fill(ad, sizeof(ad));
	rng_fill(buf, sizeof(buf));
	/* First use on this thread may allocate, including the error-queue state of a failed
	 * decrypt. */
	must(chacha20poly1305_encrypt_ietf(buf, buf, 1420, ad, sizeof(ad), nonce, key));
	good &= chacha20poly1305_decrypt_ietf(buf, buf, 1436, ad, sizeof(ad), nonce, key) == 0;
	buf[0] ^= 1;
	good &= chacha20poly1305_decrypt_ietf(buf, buf, 1436, ad, sizeof(ad), nonce, key) ==
		-EBADMSG;

	before = failalloc_allocs;
	for (i = 0; i < 1000; ++i) {
		key[0] = (uint8_t)i;
		must(chacha20poly1305_encrypt(buf, buf, 1420, ad, sizeof(ad), (uint64_t)i, key));
		good &= chacha20poly1305_decrypt(buf, buf, 1436, ad, sizeof(ad), (uint64_t)i,
						 key) == 0;
		must(chacha20poly1305_encrypt(buf, buf, 0, NULL, 0, (uint64_t)i, key));
		good &= chacha20poly1305_decrypt(buf, buf, 16, NULL, 0, (uint64_t)i, key) == 0;
		buf[3] ^= 1;
		good &= chacha20poly1305_decrypt(buf, buf, 16, NULL, 0, (uint64_t)i, key) ==
			-EBADMSG;
	}
	ok(good, "aead round trips around the allocation count");
	ok(failalloc_allocs == before, "no OpenSSL allocation in 5000 AEAD calls (got %lu)",
	   failalloc_allocs - before);
	if (failalloc_allocs == before && before == 0)
		printf("# note: allocation hook saw nothing at all; check "
		       "CRYPTO_set_mem_functions\n");
}

/* OpenSSL's X25519 through EVP_PKEY, the oracle: 0, or -1 when it refuses (all-zero result). */
static int evp_x25519(uint8_t out[32], const uint8_t s[32], const uint8_t p[32])
{
	EVP_PKEY *priv = EVP_PKEY_new_raw_private_key_ex(NULL, "X25519", NULL, s, 32);
	EVP_PKEY *peer = EVP_PKEY_new_raw_public_key_ex(NULL, "X25519", NULL, p, 32);
	EVP_PKEY_CTX *ctx = priv ? EVP_PKEY_CTX_new_from_pkey(NULL, priv, NULL) : NULL;
	size_t len = 32;
	int ret = -1;

	if (!priv || !peer || !ctx)
		abort();
	if (EVP_PKEY_derive_init(ctx) > 0 && EVP_PKEY_derive_set_peer_ex(ctx, peer, 0) > 0 &&
	    EVP_PKEY_derive(ctx, out, &len) > 0 && len == 32)
		ret = 0;
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(peer);
	EVP_PKEY_free(priv);
	return ret;
}

static void evp_x25519_public(uint8_t pub[32], const uint8_t s[32])
{
	EVP_PKEY *priv = EVP_PKEY_new_raw_private_key_ex(NULL, "X25519", NULL, s, 32);
	size_t len = 32;

	if (!priv || EVP_PKEY_get_raw_public_key(priv, pub, &len) <= 0 || len != 32)
		abort();
	EVP_PKEY_free(priv);
}

/*
 * The seam (libsodium) against OpenSSL on random scalars and points, and on random scalars with
 * each low-order point: two independent implementations must agree on every value and verdict.
 */
static void test_x25519(void)
{
	static const char *const low[] = {
		"0000000000000000000000000000000000000000000000000000000000000000",
		"0100000000000000000000000000000000000000000000000000000000000000",
		"e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800",
		"5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157",
		"ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
		"edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
		"eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
	};
	uint8_t s[32], p[32], ours[32], theirs[32];
	bool same = true, pub_same = true, low_same = true;
	int i, rejected = 0;
	unsigned long before;

	for (i = 0; i < ROUNDS; ++i) {
		int r_ours, r_theirs;

		rng_fill(s, sizeof(s));
		rng_fill(p, sizeof(p));
		r_ours = curve25519(ours, s, p);
		r_theirs = evp_x25519(theirs, s, p);
		if ((r_ours == 0) != (r_theirs == 0) || (r_ours && r_ours != -EKEYREJECTED) ||
		    (r_ours == 0 && memcmp(ours, theirs, 32))) {
			tap_hexdump("scalar", s, 32);
			tap_hexdump("point ", p, 32);
			same = false;
		}
		rejected += r_ours != 0;

		evp_x25519_public(theirs, s);
		if (curve25519_generate_public(ours, s) || memcmp(ours, theirs, 32)) {
			tap_hexdump("secret", s, 32);
			pub_same = false;
		}
	}
	for (i = 0; i < (int)(ARRAY_SIZE(low) * 8); ++i) {
		rng_fill(s, sizeof(s));
		if (unhex(p, 32, low[i % ARRAY_SIZE(low)]) != 32)
			abort();
		p[31] |= (uint8_t)(i & 8) << 4; /* bit 255, which both must ignore */
		memset(ours, 0xaa, sizeof(ours));
		low_same &= curve25519(ours, s, p) == -EKEYREJECTED && ct_is_zero(ours, 32) &&
			    evp_x25519(theirs, s, p) != 0;
	}
	before = failalloc_allocs;
	for (i = 0; i < 100; ++i) {
		rng_fill(p, sizeof(p));
		rejected += curve25519(ours, s, p) != 0;
		rejected += curve25519_generate_public(ours, s) != 0;
	}
	ok(failalloc_allocs == before, "x25519 makes no OpenSSL allocation (got %lu in 200 calls)",
	   failalloc_allocs - before);
	ok(same, "x25519 == OpenSSL EVP X25519 for %d random scalars/points (%d rejected by both)",
	   ROUNDS, rejected);
	ok(pub_same, "x25519 public key == OpenSSL's for %d random secrets", ROUNDS);
	ok(low_same,
	   "each low-order point, with and without bit 255: rejected by both, output zeroed");
}

static bool check_aead(bool x, size_t len, size_t adlen, const uint8_t *key, const uint8_t *nonce,
		       uint8_t *pt, uint8_t *ad, uint8_t *ours, uint8_t *theirs, uint8_t *back)
{
	unsigned long long clen;
	bool good = true;
	size_t at;

	if (x) {
		must(xchacha20poly1305_encrypt(ours, pt, len, ad, adlen, nonce, key));
		crypto_aead_xchacha20poly1305_ietf_encrypt(theirs, &clen, pt, len, ad, adlen, NULL,
							   nonce, key);
	} else {
		must(chacha20poly1305_encrypt_ietf(ours, pt, len, ad, adlen, nonce, key));
		crypto_aead_chacha20poly1305_ietf_encrypt(theirs, &clen, pt, len, ad, adlen, NULL,
							  nonce, key);
	}
	good &= clen == len + 16 && !memcmp(ours, theirs, len + 16);

	/* In place: encrypt over a copy of the plaintext, decrypt it back over itself. */
	memcpy(back, pt, len);
	if (x)
		must(xchacha20poly1305_encrypt(back, back, len, ad, adlen, nonce, key));
	else
		must(chacha20poly1305_encrypt_ietf(back, back, len, ad, adlen, nonce, key));
	good &= !memcmp(back, theirs, len + 16);
	if (x)
		good &= xchacha20poly1305_decrypt(back, back, len + 16, ad, adlen, nonce, key) == 0;
	else
		good &= chacha20poly1305_decrypt_ietf(back, back, len + 16, ad, adlen, nonce,
						      key) == 0;
	good &= !memcmp(back, pt, len);

	/* Out of place, and the oracle must agree with our decryption. */
	memset(back, 0, len + 16);
	if (x)
		good &= xchacha20poly1305_decrypt(back, theirs, len + 16, ad, adlen, nonce, key) ==
			0;
	else
		good &= chacha20poly1305_decrypt_ietf(back, theirs, len + 16, ad, adlen, nonce,
						      key) == 0;
	good &= !memcmp(back, pt, len);

	/* Any flipped bit in ciphertext, tag or ad must be refused. */
	at = rng_below(len + 16 + adlen);
	if (at < len + 16)
		theirs[at] ^= (uint8_t)(1U << rng_below(8));
	else
		ad[at - len - 16] ^= (uint8_t)(1U << rng_below(8));
	if (x)
		good &= xchacha20poly1305_decrypt(back, theirs, len + 16, ad, adlen, nonce, key) ==
			-EBADMSG;
	else
		good &= chacha20poly1305_decrypt_ietf(back, theirs, len + 16, ad, adlen, nonce,
						      key) == -EBADMSG;
	return good;
}

static void test_aead(bool x)
{
	static uint8_t pt[MAX_LEN], ours[MAX_LEN + 16], theirs[MAX_LEN + 16], back[MAX_LEN + 16];
	uint8_t key[32], nonce[24], ad[64];
	bool good = true;
	int i;

	for (i = 0; i < ROUNDS; ++i) {
		size_t len = i < 40 ? (size_t)i : rng_below(MAX_LEN + 1),
		       adlen = rng_below(sizeof(ad) + 1);

		rng_fill(key, sizeof(key));
		rng_fill(nonce, sizeof(nonce));
		rng_fill(ad, sizeof(ad));
		rng_fill(pt, len);
		if (!check_aead(x, len, adlen, key, nonce, pt, ad, ours, theirs, back)) {
			printf("# %s len %zu adlen %zu\n", x ? "xchacha" : "chacha", len, adlen);
			good = false;
		}
	}
	ok(good, "%s == libsodium, lengths 0..%d, in-place and out-of-place, tamper rejected",
	   x ? "xchacha20poly1305" : "chacha20poly1305_ietf", MAX_LEN);
}

static void test_wg_nonce(void)
{
	uint8_t key[32], n12[12] = { 0 }, pt[100], ours[116], theirs[116];
	unsigned long long clen;
	bool good = true;
	uint64_t counter;
	int i, j;

	for (i = 0; i < 100; ++i) {
		rng_fill(key, sizeof(key));
		rng_fill(pt, sizeof(pt));
		counter = i < 3 ? (uint64_t)i - 1 : rng();
		for (j = 0; j < 8; ++j)
			n12[4 + j] = (uint8_t)(counter >> (8 * j));
		must(chacha20poly1305_encrypt(ours, pt, sizeof(pt), NULL, 0, counter, key));
		crypto_aead_chacha20poly1305_ietf_encrypt(theirs, &clen, pt, sizeof(pt), NULL, 0,
							  NULL, n12, key);
		good &= !memcmp(ours, theirs, sizeof(ours));
	}
	ok(good, "wireguard nonce (0^32 || LE64 counter) == libsodium ietf");
}

/*
 * The contexts remember their last key: a few keys reused in random order, both directions
 * interleaved, nonces varying, and a forget in between must change nothing in the output.
 */
static void test_key_reuse(void)
{
	uint8_t keys[3][32], nonce[12], pt[300], ours[316], theirs[316], back[300];
	unsigned long long clen;
	bool good = true;

	rng_fill(keys, sizeof(keys));
	for (int i = 0; i < 3000; ++i) {
		size_t k = rng_below(3);
		const uint8_t *key = keys[k];
		size_t len = rng_below(sizeof(pt) + 1);

		rng_fill(nonce, sizeof(nonce));
		rng_fill(pt, len);
		if (rng_below(50) == 0)
			crypto_forget_key(keys[rng_below(3)]);
		must(chacha20poly1305_encrypt_ietf(ours, pt, len, NULL, 0, nonce, key));
		crypto_aead_chacha20poly1305_ietf_encrypt(theirs, &clen, pt, len, NULL, 0, NULL,
							  nonce, key);
		good &= !memcmp(ours, theirs, len + 16);
		good &= chacha20poly1305_decrypt_ietf(back, theirs, len + 16, NULL, 0, nonce,
						      key) == 0 &&
			!memcmp(back, pt, len);
		/* A failed open (wrong key) must not leave that key or a broken state behind. */
		good &= chacha20poly1305_decrypt_ietf(back, theirs, len + 16, NULL, 0, nonce,
						      keys[(k + 1) % 3]) == -EBADMSG;
	}
	ok(good,
	   "3000 seals and opens under 3 reused keys, interleaved and forgotten: == libsodium");
}

/* Each thread gets its own context; one that never calls crypto_thread_exit() must not leak it. */
static void *thread_fn(void *arg)
{
	uint8_t key[32], nonce[12], pt[1420], ours[1436], theirs[1436];
	unsigned long long clen;
	uintptr_t good = 1;
	int i;

	memset(key, (int)(uintptr_t)arg, sizeof(key));
	memset(nonce, 7, sizeof(nonce));
	memset(pt, 0x42, sizeof(pt));
	for (i = 0; i < 200; ++i) {
		nonce[0] = (uint8_t)i;
		must(chacha20poly1305_encrypt_ietf(ours, pt, sizeof(pt), NULL, 0, nonce, key));
		crypto_aead_chacha20poly1305_ietf_encrypt(theirs, &clen, pt, sizeof(pt), NULL, 0,
							  NULL, nonce, key);
		good &= !memcmp(ours, theirs, sizeof(ours));
		good &= chacha20poly1305_decrypt_ietf(ours, ours, sizeof(ours), NULL, 0, nonce,
						      key) == 0;
	}
	if ((uintptr_t)arg & 1)
		crypto_thread_exit();
	return (void *)good;
}

static void test_threads(void)
{
	pthread_t t[4];
	bool good = true;
	uintptr_t i;

	for (i = 0; i < ARRAY_SIZE(t); ++i)
		good &= !pthread_create(&t[i], NULL, thread_fn, (void *)(i + 1));
	for (i = 0; i < ARRAY_SIZE(t); ++i) {
		void *r = NULL;

		good &= !pthread_join(t[i], &r) && r == (void *)1;
	}
	ok(good, "aead from 4 threads with per-thread contexts == libsodium");
}

static void test_hchacha(void)
{
	uint8_t key[32], in[16], ours[32], theirs[32];
	bool good = true;
	int i;

	for (i = 0; i < ROUNDS; ++i) {
		rng_fill(key, sizeof(key));
		rng_fill(in, sizeof(in));
		hchacha20(ours, in, key);
		crypto_core_hchacha20(theirs, in, key, NULL);
		good &= !memcmp(ours, theirs, 32);
	}
	ok(good, "hchacha20 == libsodium crypto_core_hchacha20");
}

static bool evp_blake2s(uint8_t *out, size_t outlen, const void *in, size_t inlen, const void *key,
			size_t keylen)
{
	OSSL_PARAM params[2] = { OSSL_PARAM_END, OSSL_PARAM_END };
	EVP_MAC_CTX *ctx;
	EVP_MAC *mac;
	size_t n;
	bool r;

	if (!keylen && outlen == 32) {
		unsigned int len;

		return EVP_Digest(in, inlen, out, &len, EVP_blake2s256(), NULL) && len == 32;
	}
	/* BLAKE2SMAC takes a key of 1..32 bytes only. */
	if (!keylen)
		return false;
	mac = EVP_MAC_fetch(NULL, "BLAKE2SMAC", NULL);
	ctx = mac ? EVP_MAC_CTX_new(mac) : NULL;
	params[0] = OSSL_PARAM_construct_size_t(OSSL_MAC_PARAM_SIZE, &outlen);
	r = ctx && EVP_MAC_init(ctx, key, keylen, params) && EVP_MAC_update(ctx, in, inlen) &&
	    EVP_MAC_final(ctx, out, &n, outlen) && n == outlen;
	EVP_MAC_CTX_free(ctx);
	EVP_MAC_free(mac);
	return r;
}

static bool evp_hmac(uint8_t out[32], const void *in, size_t inlen, const void *key, size_t keylen)
{
	OSSL_PARAM params[2];
	EVP_MAC_CTX *ctx;
	EVP_MAC *mac;
	size_t n;
	bool r;

	mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	ctx = mac ? EVP_MAC_CTX_new(mac) : NULL;
	params[0] =
		OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)"BLAKE2S-256", 0);
	params[1] = OSSL_PARAM_construct_end();
	r = ctx && EVP_MAC_CTX_set_params(ctx, params) && EVP_MAC_init(ctx, key, keylen, NULL) &&
	    EVP_MAC_update(ctx, in, inlen) && EVP_MAC_final(ctx, out, &n, 32) && n == 32;
	EVP_MAC_CTX_free(ctx);
	EVP_MAC_free(mac);
	return r;
}

static void test_blake2s(void)
{
	static uint8_t in[MAX_LEN];
	uint8_t key[100], ours[32], theirs[32];
	bool good_h = true, good_k = true, good_m = true, eval = true;
	int i;

	for (i = 0; i < ROUNDS; ++i) {
		size_t len = i < 200 ? (size_t)i : rng_below(MAX_LEN + 1);
		size_t keylen = 1 + rng_below(32), outlen = 1 + rng_below(32);

		rng_fill(in, len);
		rng_fill(key, sizeof(key));

		must(blake2s(ours, 32, in, len, NULL, 0));
		eval &= evp_blake2s(theirs, 32, in, len, NULL, 0);
		good_h &= !memcmp(ours, theirs, 32);

		/* WireGuard's MAC1/MAC2 are 16-byte keyed digests; cover every key and output size.
		 */
		if (i % 4 == 0)
			outlen = 16;
		must(blake2s(ours, outlen, in, len, key, keylen));
		eval &= evp_blake2s(theirs, outlen, in, len, key, keylen);
		if (memcmp(ours, theirs, outlen)) {
			printf("# keyed len %zu keylen %zu outlen %zu\n", len, keylen, outlen);
			good_k = false;
		}

		keylen = i < 100 ? (size_t)i : rng_below(sizeof(key) + 1);
		blake2s_hmac(ours, in, len, key, keylen);
		eval &= evp_hmac(theirs, in, len, key, keylen);
		if (memcmp(ours, theirs, 32)) {
			printf("# hmac len %zu keylen %zu\n", len, keylen);
			good_m = false;
		}
	}
	ok(eval, "OpenSSL EVP BLAKE2s oracle available");
	ok(good_h, "blake2s-256 == EVP BLAKE2S-256, random lengths 0..%d", MAX_LEN);
	ok(good_k, "keyed blake2s == EVP BLAKE2SMAC, key 1..32, outlen 1..32");
	ok(good_m, "blake2s_hmac == EVP HMAC(BLAKE2S-256), key 0..100 bytes");
}

static const char *const aead_impls[] = { "openssl", "avx512-ifma" };

int main(void)
{
	const char *env = getenv("WGCTL_SEED");
	uint64_t seed;

	/* Before any OpenSSL call, or OpenSSL refuses to switch allocators. */
	ok(failalloc_install(), "OpenSSL allocation hook installed");
	ok(sodium_init() >= 0, "libsodium oracle initialised");
	ok(crypto_thread_init() == 0, "crypto_thread_init");

	if (env)
		seed = strtoull(env, NULL, 0);
	else if (crypto_random(&seed, sizeof(seed)))
		seed = 1;
	printf("# WGCTL_SEED=%" PRIu64 "\n", seed);
	rng_state = seed;

	test_no_alloc();
	test_x25519();
	for (size_t i = 0; i < ARRAY_SIZE(aead_impls); ++i) {
		if (crypto_aead_select(aead_impls[i])) {
			ok(true, "%s # SKIP not supported by this CPU", aead_impls[i]);
			continue;
		}
		printf("# AEAD implementation: %s\n", crypto_aead_impl());
		test_aead(false);
		test_aead(true);
		test_wg_nonce();
		test_key_reuse();
	}
	test_threads();
	test_hchacha();
	test_blake2s();
	crypto_thread_exit();
	return done_testing();
}
