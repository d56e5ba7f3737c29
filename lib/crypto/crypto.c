// SPDX-License-Identifier: MIT
/*
 * The only file that includes OpenSSL. ChaCha20-Poly1305 runs on two EVP_CIPHER_CTX per thread
 * (one per direction), created on first use. Keying a context costs as much as sealing a whole
 * 1420-byte packet, so each remembers its key and a packet under the same key only sets the
 * nonce; the copy is compared in constant time and wiped by crypto_thread_forget(). The packet
 * path never allocates. X25519 goes through EVP_PKEY, which allocates per call; that is a
 * handshake-rate cost only.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "crypto/crypto.h"
#include "crypto/simd.h"

#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

/* Multiple of the ChaCha20 block and well below INT_MAX, the EVP length type. */
#define EVP_CHUNK (1U << 30)

enum { DECRYPT, ENCRYPT };

struct aead_state {
	EVP_CIPHER_CTX *ctx[2];
	uint8_t key[2][CHACHA20POLY1305_KEY_SIZE];
	bool keyed[2];
	unsigned int forgotten; /* forget_generation when this thread last forgot */
};

/* Bumped by every crypto_thread_forget(): the other threads forget at their next use. */
static _Atomic unsigned int forget_generation;

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static int init_err;
static EVP_CIPHER *aead;
static pthread_key_t ctx_key;
static __thread struct aead_state *thread_state;

static void state_free(struct aead_state *st)
{
	for (int d = DECRYPT; d <= ENCRYPT; ++d)
		EVP_CIPHER_CTX_free(st->ctx[d]);
	memzero_explicit(st, sizeof(*st));
	free(st);
}

static void ctx_destroy(void *p)
{
	state_free(p);
}

static void do_init(void)
{
	int ret;

	/* Fetched once: passing a NULL cipher on re-key then skips the per-call provider lookup. */
	aead = EVP_CIPHER_fetch(NULL, "ChaCha20-Poly1305", NULL);
	if (!aead) {
		init_err = -EOPNOTSUPP;
		return;
	}
	ret = pthread_key_create(&ctx_key, ctx_destroy);
	if (ret) {
		EVP_CIPHER_free(aead);
		aead = NULL;
		init_err = -ret;
	}
}

int crypto_init(void)
{
	pthread_once(&init_once, do_init);
	return init_err;
}

int crypto_thread_init(void)
{
	struct aead_state *st;
	int ret;

	ret = crypto_init();
	if (ret)
		return ret;
	if (thread_state)
		return 0;
	st = calloc(1, sizeof(*st));
	if (!st)
		return -ENOMEM;
	for (int d = DECRYPT; d <= ENCRYPT; ++d) {
		st->ctx[d] = EVP_CIPHER_CTX_new();
		if (!st->ctx[d] || !EVP_CipherInit_ex2(st->ctx[d], aead, NULL, NULL, d, NULL)) {
			ret = -ENOMEM;
			goto err;
		}
	}
	ret = -pthread_setspecific(ctx_key, st);
	if (ret)
		goto err;
	thread_state = st;
	return 0;

err:
	state_free(st);
	ERR_clear_error();
	return ret;
}

void crypto_thread_exit(void)
{
	if (!thread_state)
		return;
	pthread_setspecific(ctx_key, NULL);
	state_free(thread_state);
	thread_state = NULL;
}

static void state_forget(struct aead_state *st)
{
	static const uint8_t zero[CHACHA20POLY1305_KEY_SIZE], zero_nonce[12];

	st->forgotten = forget_generation;
	for (int d = DECRYPT; d <= ENCRYPT; ++d) {
		if (!st->keyed[d])
			continue;
		/* Overwrites the key schedule inside the context as well as our copy. */
		(void)EVP_CipherInit_ex2(st->ctx[d], NULL, zero, zero_nonce, d, NULL);
		memzero_explicit(st->key[d], sizeof(st->key[d]));
		st->keyed[d] = false;
	}
	ERR_clear_error();
}

void crypto_thread_forget(void)
{
	++forget_generation;
	if (thread_state)
		state_forget(thread_state);
}

void crypto_thread_forget_if_stale(void)
{
	if (thread_state && thread_state->forgotten != forget_generation)
		state_forget(thread_state);
}

enum aead_impl { IMPL_UNSET, IMPL_OPENSSL, IMPL_AVX512 };

static const char *const impl_names[] = {
	[IMPL_OPENSSL] = "openssl",
	[IMPL_AVX512] = "avx512-ifma",
};
static _Atomic int aead_impl;

static bool avx512_usable(void)
{
	/* libgcc reports AVX-512 only when the kernel saves the zmm and mask state (XCR0). */
	__builtin_cpu_init();
	return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") &&
	       __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512ifma");
}

static int impl(void)
{
	int i = aead_impl;

	if (likely(i != IMPL_UNSET))
		return i;
	const char *env = getenv("WGCTL_CRYPTO");

	i = (env && !strcmp(env, "openssl")) || !avx512_usable() ? IMPL_OPENSSL : IMPL_AVX512;
	aead_impl = i;
	return i;
}

const char *crypto_aead_impl(void)
{
	return impl_names[impl()];
}

int crypto_aead_select(const char *name)
{
	for (int i = IMPL_OPENSSL; i <= IMPL_AVX512; ++i) {
		if (strcmp(name, impl_names[i]))
			continue;
		if (i == IMPL_AVX512 && !avx512_usable())
			return -ENOTSUP;
		aead_impl = i;
		return 0;
	}
	return -EINVAL;
}

/*
 * The AEAD calls return void, so a thread that cannot get its context has no way to report it;
 * sending garbage would be worse than stopping. Callers that want -ENOMEM call crypto_thread_init().
 */
static EVP_CIPHER_CTX *get_ctx(int dir, const uint8_t key[CHACHA20POLY1305_KEY_SIZE],
			       const uint8_t nonce[12])
{
	struct aead_state *st = thread_state;
	int ret;

	if (unlikely(!st)) {
		ret = crypto_thread_init();
		if (ret) {
			fprintf(stderr, "wgctl: crypto: cannot create cipher context: %s\n",
				strerror(-ret));
			abort();
		}
		st = thread_state;
	}
	if (unlikely(st->forgotten != forget_generation))
		state_forget(st);
	if (likely(st->keyed[dir] && !CRYPTO_memcmp(st->key[dir], key, CHACHA20POLY1305_KEY_SIZE)))
		key = NULL;
	if (!EVP_CipherInit_ex2(st->ctx[dir], NULL, key, nonce, dir, NULL)) {
		st->keyed[dir] = false;
		return NULL;
	}
	if (key) {
		memcpy(st->key[dir], key, CHACHA20POLY1305_KEY_SIZE);
		st->keyed[dir] = true;
	}
	return st->ctx[dir];
}

static bool cipher_update(EVP_CIPHER_CTX *ctx, uint8_t *out, const uint8_t *in, size_t len)
{
	while (len) {
		int n = len > EVP_CHUNK ? (int)EVP_CHUNK : (int)len, outl;

		if (!EVP_CipherUpdate(ctx, out, &outl, in, n))
			return false;
		if (out)
			out += n;
		in += n;
		len -= (size_t)n;
	}
	return true;
}

void chacha20poly1305_encrypt_ietf(uint8_t *dst, const uint8_t *src, size_t src_len, const uint8_t *ad,
				   size_t ad_len, const uint8_t nonce[12],
				   const uint8_t key[CHACHA20POLY1305_KEY_SIZE])
{
	EVP_CIPHER_CTX *ctx;
	OSSL_PARAM params[2];
	int outl;

	if (likely(impl() == IMPL_AVX512)) {
		aead_avx512_seal(dst, src, src_len, ad, ad_len, nonce, key);
		return;
	}
	ctx = get_ctx(ENCRYPT, key, nonce);
	params[0] = OSSL_PARAM_construct_octet_string(OSSL_CIPHER_PARAM_AEAD_TAG, dst + src_len,
						      CHACHA20POLY1305_AUTHTAG_SIZE);
	params[1] = OSSL_PARAM_construct_end();
	if (unlikely(!ctx || !cipher_update(ctx, NULL, ad, ad_len) ||
		     !cipher_update(ctx, dst, src, src_len) ||
		     !EVP_CipherFinal_ex(ctx, dst + src_len, &outl) ||
		     !EVP_CIPHER_CTX_get_params(ctx, params))) {
		/* Cannot fail for valid arguments; an unauthenticated packet must never leave. */
		fprintf(stderr, "wgctl: crypto: ChaCha20-Poly1305 encryption failed\n");
		abort();
	}
}

bool chacha20poly1305_decrypt_ietf(uint8_t *dst, const uint8_t *src, size_t src_len, const uint8_t *ad,
				   size_t ad_len, const uint8_t nonce[12],
				   const uint8_t key[CHACHA20POLY1305_KEY_SIZE])
{
	uint8_t tag[CHACHA20POLY1305_AUTHTAG_SIZE];
	EVP_CIPHER_CTX *ctx;
	OSSL_PARAM params[2];
	size_t len;
	int outl;

	if (src_len < CHACHA20POLY1305_AUTHTAG_SIZE)
		return false;
	len = src_len - CHACHA20POLY1305_AUTHTAG_SIZE;
	if (likely(impl() == IMPL_AVX512))
		return aead_avx512_open(dst, src, len, ad, ad_len, nonce, key);
	/* Copied first: with dst == src the tag must survive whatever EVP writes. */
	memcpy(tag, src + len, sizeof(tag));
	params[0] = OSSL_PARAM_construct_octet_string(OSSL_CIPHER_PARAM_AEAD_TAG, tag, sizeof(tag));
	params[1] = OSSL_PARAM_construct_end();
	ctx = get_ctx(DECRYPT, key, nonce);
	if (unlikely(!ctx || !EVP_CIPHER_CTX_set_params(ctx, params) ||
		     !cipher_update(ctx, NULL, ad, ad_len) || !cipher_update(ctx, dst, src, len) ||
		     !EVP_CipherFinal_ex(ctx, dst + len, &outl))) {
		/* Forged packets arrive at line rate: leave no plaintext and no error-queue growth. */
		memzero_explicit(dst, len);
		ERR_clear_error();
		return false;
	}
	return true;
}

static void wg_nonce(uint8_t out[12], uint64_t nonce)
{
	int i;

	memset(out, 0, 4);
	for (i = 0; i < 8; ++i)
		out[4 + i] = (uint8_t)(nonce >> (8 * i));
}

void chacha20poly1305_encrypt(uint8_t *dst, const uint8_t *src, size_t src_len, const uint8_t *ad,
			      size_t ad_len, uint64_t nonce, const uint8_t key[CHACHA20POLY1305_KEY_SIZE])
{
	uint8_t n[12];

	wg_nonce(n, nonce);
	chacha20poly1305_encrypt_ietf(dst, src, src_len, ad, ad_len, n, key);
}

bool chacha20poly1305_decrypt(uint8_t *dst, const uint8_t *src, size_t src_len, const uint8_t *ad,
			      size_t ad_len, uint64_t nonce, const uint8_t key[CHACHA20POLY1305_KEY_SIZE])
{
	uint8_t n[12];

	wg_nonce(n, nonce);
	return chacha20poly1305_decrypt_ietf(dst, src, src_len, ad, ad_len, n, key);
}

int crypto_random(void *buf, size_t len)
{
	uint8_t *p = buf;

	while (len) {
		ssize_t r = getrandom(p, len, 0);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += r;
		len -= (size_t)r;
	}
	return 0;
}

void curve25519_clamp_secret(uint8_t secret[CURVE25519_KEY_SIZE])
{
	secret[0] &= 248;
	secret[31] = (secret[31] & 127) | 64;
}

static uint64_t x25519_count;

uint64_t curve25519_operations(void)
{
	return __atomic_load_n(&x25519_count, __ATOMIC_RELAXED);
}

bool curve25519(uint8_t out[CURVE25519_KEY_SIZE], const uint8_t scalar[CURVE25519_KEY_SIZE],
		const uint8_t point[CURVE25519_KEY_SIZE])
{
	EVP_PKEY *priv, *peer = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	size_t len = CURVE25519_KEY_SIZE;
	bool ret = false;

	__atomic_fetch_add(&x25519_count, 1, __ATOMIC_RELAXED);
	priv = EVP_PKEY_new_raw_private_key_ex(NULL, "X25519", NULL, scalar, CURVE25519_KEY_SIZE);
	if (!priv)
		goto out;
	peer = EVP_PKEY_new_raw_public_key_ex(NULL, "X25519", NULL, point, CURVE25519_KEY_SIZE);
	if (!peer)
		goto out;
	ctx = EVP_PKEY_CTX_new_from_pkey(NULL, priv, NULL);
	if (!ctx)
		goto out;
	/*
	 * OpenSSL already refuses an all-zero result, but that is a library detail; the seam's
	 * contract is checked here in constant time all the same.
	 */
	if (EVP_PKEY_derive_init(ctx) <= 0 || EVP_PKEY_derive_set_peer_ex(ctx, peer, 0) <= 0 ||
	    EVP_PKEY_derive(ctx, out, &len) <= 0 || len != CURVE25519_KEY_SIZE)
		goto out;
	ret = !ct_is_zero(out, CURVE25519_KEY_SIZE);

out:
	if (!ret) {
		memzero_explicit(out, CURVE25519_KEY_SIZE);
		ERR_clear_error();
	}
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(peer);
	EVP_PKEY_free(priv);
	return ret;
}

bool curve25519_generate_public(uint8_t pub[CURVE25519_KEY_SIZE], const uint8_t secret[CURVE25519_KEY_SIZE])
{
	EVP_PKEY *priv;
	size_t len = CURVE25519_KEY_SIZE;
	bool ret = false;

	__atomic_fetch_add(&x25519_count, 1, __ATOMIC_RELAXED);
	priv = EVP_PKEY_new_raw_private_key_ex(NULL, "X25519", NULL, secret, CURVE25519_KEY_SIZE);
	if (!priv)
		goto out;
	ret = EVP_PKEY_get_raw_public_key(priv, pub, &len) > 0 && len == CURVE25519_KEY_SIZE;
	EVP_PKEY_free(priv);

out:
	if (!ret) {
		memzero_explicit(pub, CURVE25519_KEY_SIZE);
		ERR_clear_error();
	}
	return ret;
}
