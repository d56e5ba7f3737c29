// SPDX-License-Identifier: MIT
/*
 * The only file that includes OpenSSL or libsodium. ChaCha20-Poly1305 runs on two EVP_CIPHER_CTX
 * per thread (one per direction). Keying a context costs as much as sealing a whole 1420-byte
 * packet, so each remembers its key and a packet under the same key only sets the nonce; the copy
 * is compared in constant time. Remembered keys leave only through crypto_forget_key(), which
 * reaches every thread's contexts through a registry, each context behind a spinlock that its
 * own thread alone takes per packet, so the lock costs one uncontended atomic operation.
 *
 * The contexts are allocated by crypto_thread_init(), or at a thread's first AEAD call; after
 * that the AEAD never allocates. X25519 is libsodium's (the only call into it): no allocation, no
 * per-call setup, constant time, about three times the rate of OpenSSL's EVP_PKEY path, which
 * allocates four objects per call (docs/crypto.md has the measurement).
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <sodium.h>

#include "crypto/crypto.h"
#include "crypto/simd.h"

#define likely(x)   __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

/* Multiple of the ChaCha20 block and well below INT_MAX, the EVP length type. */
#define EVP_CHUNK (1U << 30)

enum { DECRYPT, ENCRYPT };

struct aead_state {
	/* Held by the owning thread around each use, and by crypto_forget_key() to wipe. */
	pthread_spinlock_t lock;
	struct aead_state *prev, *next; /* in states */
	EVP_CIPHER_CTX *ctx[2];
	uint8_t key[2][CHACHA20POLY1305_KEY_SIZE];
	bool keyed[2];
};

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static int init_err;
static EVP_CIPHER *aead;
static pthread_key_t ctx_key;
static __thread struct aead_state *thread_state;
/* Every thread's state, for crypto_forget_key(). */
static pthread_mutex_t states_lock = PTHREAD_MUTEX_INITIALIZER;
static struct aead_state *states;

static void state_free(struct aead_state *st)
{
	pthread_mutex_lock(&states_lock);
	if (st->prev)
		st->prev->next = st->next;
	else if (states == st)
		states = st->next;
	if (st->next)
		st->next->prev = st->prev;
	pthread_mutex_unlock(&states_lock);
	for (int d = DECRYPT; d <= ENCRYPT; ++d)
		EVP_CIPHER_CTX_free(st->ctx[d]);
	pthread_spin_destroy(&st->lock);
	memzero_explicit(st, sizeof(*st));
	free(st);
}

static void ctx_destroy(void *p)
{
	state_free(p);
}

static pthread_once_t sodium_once = PTHREAD_ONCE_INIT;
static int sodium_err;

/*
 * sodium_init() picks the fastest X25519 for this CPU; until it has run, libsodium uses its
 * portable one. Once, before the first multiplication, whoever comes first.
 */
static void sodium_setup(void)
{
	sodium_err = sodium_init() < 0 ? -EOPNOTSUPP : 0;
}

static void do_init(void)
{
	int ret;

	/* Fetched once: passing a NULL cipher on re-key then skips the per-call provider lookup. */
	aead = EVP_CIPHER_fetch(NULL, "ChaCha20-Poly1305", NULL);
	pthread_once(&sodium_once, sodium_setup);
	if (!aead || sodium_err) {
		EVP_CIPHER_free(aead);
		aead = NULL;
		init_err = -EOPNOTSUPP;
		return;
	}
	ret = -pthread_key_create(&ctx_key, ctx_destroy);
	if (ret) {
		EVP_CIPHER_free(aead);
		aead = NULL;
		init_err = ret;
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
	ret = -pthread_spin_init(&st->lock, PTHREAD_PROCESS_PRIVATE);
	if (ret) {
		free(st);
		return ret;
	}
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
	pthread_mutex_lock(&states_lock);
	st->next = states;
	if (states)
		states->prev = st;
	states = st;
	pthread_mutex_unlock(&states_lock);
	thread_state = st;
	/* Allocates this thread's OpenSSL error queue too, or the first forged packet would. */
	ERR_clear_error();
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

/* Overwrites the key schedule inside the context as well as our copy. */
static void state_wipe(struct aead_state *st, int d)
{
	static const uint8_t zero[CHACHA20POLY1305_KEY_SIZE], zero_nonce[12];

	(void)EVP_CipherInit_ex2(st->ctx[d], NULL, zero, zero_nonce, d, NULL);
	memzero_explicit(st->key[d], sizeof(st->key[d]));
	st->keyed[d] = false;
	ERR_clear_error();
}

/* Another thread's state: its owner holds the lock for one AEAD call at most, or is preempted. */
static void state_lock_other(struct aead_state *st)
{
	while (pthread_spin_trylock(&st->lock))
		sched_yield();
}

static bool holds(const struct aead_state *st, int d, const uint8_t key[CHACHA20POLY1305_KEY_SIZE])
{
	return st->keyed[d] && !CRYPTO_memcmp(st->key[d], key, CHACHA20POLY1305_KEY_SIZE);
}

void crypto_forget_key(const uint8_t key[CHACHA20POLY1305_KEY_SIZE])
{
	pthread_mutex_lock(&states_lock);
	for (struct aead_state *st = states; st; st = st->next) {
		state_lock_other(st);
		for (int d = DECRYPT; d <= ENCRYPT; ++d) {
			if (holds(st, d, key))
				state_wipe(st, d);
		}
		pthread_spin_unlock(&st->lock);
	}
	pthread_mutex_unlock(&states_lock);
}

size_t crypto_key_holders(const uint8_t key[CHACHA20POLY1305_KEY_SIZE])
{
	size_t n = 0;

	pthread_mutex_lock(&states_lock);
	for (struct aead_state *st = states; st; st = st->next) {
		state_lock_other(st);
		n += holds(st, DECRYPT, key) || holds(st, ENCRYPT, key);
		pthread_spin_unlock(&st->lock);
	}
	pthread_mutex_unlock(&states_lock);
	return n;
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
 * This thread's state, locked; NULL when it has none and cannot get one (-ENOMEM for the
 * caller: no plaintext may leave unsealed, so the packet is dropped, never sent or aborted on).
 */
static struct aead_state *state_get(void)
{
	struct aead_state *st = thread_state;

	if (unlikely(!st)) {
		if (crypto_thread_init() < 0) {
			ERR_clear_error();
			return NULL;
		}
		st = thread_state;
	}
	pthread_spin_lock(&st->lock);
	return st;
}

/* Keys (or, under the remembered key, only re-nonces) the context of direction dir. */
static EVP_CIPHER_CTX *state_key(struct aead_state *st, int dir,
				 const uint8_t key[CHACHA20POLY1305_KEY_SIZE],
				 const uint8_t nonce[12])
{
	if (likely(holds(st, dir, key)))
		key = NULL;
	if (!EVP_CipherInit_ex2(st->ctx[dir], NULL, key, nonce, dir, NULL))
		return NULL;
	if (key) {
		memcpy(st->key[dir], key, CHACHA20POLY1305_KEY_SIZE);
		st->keyed[dir] = true;
	}
	return st->ctx[dir];
}

/* A context left mid-operation by a failure is wiped: it keys afresh next time. */
static void state_put(struct aead_state *st, int dir, bool failed)
{
	if (unlikely(failed)) {
		state_wipe(st, dir);
		ERR_clear_error();
	}
	pthread_spin_unlock(&st->lock);
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

int chacha20poly1305_encrypt_ietf(uint8_t *dst, const uint8_t *src, size_t src_len,
				  const uint8_t *ad, size_t ad_len, const uint8_t nonce[12],
				  const uint8_t key[CHACHA20POLY1305_KEY_SIZE])
{
	struct aead_state *st;
	EVP_CIPHER_CTX *ctx;
	OSSL_PARAM params[2];
	int outl, ret = -ENOMEM;

	if (likely(impl() == IMPL_AVX512)) {
		aead_avx512_seal(dst, src, src_len, ad, ad_len, nonce, key);
		return 0;
	}
	st = state_get();
	if (unlikely(!st))
		goto out;
	ctx = state_key(st, ENCRYPT, key, nonce);
	params[0] = OSSL_PARAM_construct_octet_string(OSSL_CIPHER_PARAM_AEAD_TAG, dst + src_len,
						      CHACHA20POLY1305_AUTHTAG_SIZE);
	params[1] = OSSL_PARAM_construct_end();
	ret = 0;
	/* Cannot fail for valid arguments; if the library does, the packet is dropped, not sent. */
	if (unlikely(!ctx || !cipher_update(ctx, NULL, ad, ad_len) ||
		     !cipher_update(ctx, dst, src, src_len) ||
		     !EVP_CipherFinal_ex(ctx, dst + src_len, &outl) ||
		     !EVP_CIPHER_CTX_get_params(ctx, params)))
		ret = -EIO;
	state_put(st, ENCRYPT, ret < 0);
out:
	if (unlikely(ret < 0))
		memzero_explicit(dst, src_len + CHACHA20POLY1305_AUTHTAG_SIZE);
	return ret;
}

int chacha20poly1305_decrypt_ietf(uint8_t *dst, const uint8_t *src, size_t src_len,
				  const uint8_t *ad, size_t ad_len, const uint8_t nonce[12],
				  const uint8_t key[CHACHA20POLY1305_KEY_SIZE])
{
	uint8_t tag[CHACHA20POLY1305_AUTHTAG_SIZE];
	struct aead_state *st;
	EVP_CIPHER_CTX *ctx;
	OSSL_PARAM params[2];
	size_t len;
	int outl, ret = -ENOMEM;

	if (src_len < CHACHA20POLY1305_AUTHTAG_SIZE)
		return -EBADMSG;
	len = src_len - CHACHA20POLY1305_AUTHTAG_SIZE;
	if (likely(impl() == IMPL_AVX512))
		return aead_avx512_open(dst, src, len, ad, ad_len, nonce, key) ? 0 : -EBADMSG;
	/* Copied first: with dst == src the tag must survive whatever EVP writes. */
	memcpy(tag, src + len, sizeof(tag));
	params[0] = OSSL_PARAM_construct_octet_string(OSSL_CIPHER_PARAM_AEAD_TAG, tag, sizeof(tag));
	params[1] = OSSL_PARAM_construct_end();
	st = state_get();
	if (unlikely(!st))
		goto out;
	ctx = state_key(st, DECRYPT, key, nonce);
	ret = -EIO;
	if (likely(ctx && EVP_CIPHER_CTX_set_params(ctx, params) &&
		   cipher_update(ctx, NULL, ad, ad_len) && cipher_update(ctx, dst, src, len)))
		ret = EVP_CipherFinal_ex(ctx, dst + len, &outl) ? 0 : -EBADMSG;
	/* Forged packets come at line rate: a bad tag leaves the context keyed, no error queued. */
	if (ret == -EBADMSG)
		ERR_clear_error();
	state_put(st, DECRYPT, ret == -EIO);
out:
	if (unlikely(ret < 0))
		memzero_explicit(dst, len);
	return ret;
}

static void wg_nonce(uint8_t out[12], uint64_t nonce)
{
	int i;

	memset(out, 0, 4);
	for (i = 0; i < 8; ++i)
		out[4 + i] = (uint8_t)(nonce >> (8 * i));
}

int chacha20poly1305_encrypt(uint8_t *dst, const uint8_t *src, size_t src_len, const uint8_t *ad,
			     size_t ad_len, uint64_t nonce,
			     const uint8_t key[CHACHA20POLY1305_KEY_SIZE])
{
	uint8_t n[12];

	wg_nonce(n, nonce);
	return chacha20poly1305_encrypt_ietf(dst, src, src_len, ad, ad_len, n, key);
}

int chacha20poly1305_decrypt(uint8_t *dst, const uint8_t *src, size_t src_len, const uint8_t *ad,
			     size_t ad_len, uint64_t nonce,
			     const uint8_t key[CHACHA20POLY1305_KEY_SIZE])
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

int curve25519(uint8_t out[CURVE25519_KEY_SIZE], const uint8_t scalar[CURVE25519_KEY_SIZE],
	       const uint8_t point[CURVE25519_KEY_SIZE])
{
	__atomic_fetch_add(&x25519_count, 1, __ATOMIC_RELAXED);
	pthread_once(&sodium_once, sodium_setup);
	if (unlikely(sodium_err)) {
		memzero_explicit(out, CURVE25519_KEY_SIZE);
		return -EIO;
	}
	/*
	 * libsodium clamps the scalar, ignores bit 255 of the point and fails for exactly one
	 * reason: an all-zero result (a point of low order, refused before or checked after the
	 * ladder, both in constant time). It allocates nothing, so there is no -ENOMEM any more.
	 */
	if (crypto_scalarmult_curve25519(out, scalar, point) != 0) {
		memzero_explicit(out, CURVE25519_KEY_SIZE);
		return -EKEYREJECTED;
	}
	return 0;
}

int curve25519_generate_public(uint8_t pub[CURVE25519_KEY_SIZE],
			       const uint8_t secret[CURVE25519_KEY_SIZE])
{
	__atomic_fetch_add(&x25519_count, 1, __ATOMIC_RELAXED);
	pthread_once(&sodium_once, sodium_setup);
	/* A clamped scalar is never a multiple of the base point's order: this cannot fail. */
	if (unlikely(sodium_err) || crypto_scalarmult_curve25519_base(pub, secret) != 0) {
		memzero_explicit(pub, CURVE25519_KEY_SIZE);
		return -EIO;
	}
	return 0;
}
