/* SPDX-License-Identifier: MIT */
/*
 * The crypto seam: the only interface through which wgctl touches a crypto library. Everything
 * is safe for dst == src (in place).
 *
 * Errors are -errno and say what failed: -ENOMEM the library could not allocate (nothing is wrong
 * with the input; try again later), -EKEYREJECTED a low-order Diffie-Hellman result, -EBADMSG
 * failed authentication, -EINVAL a length out of range, -EIO the library failed otherwise. A
 * failed call leaves no plaintext and no partial result in its output.
 *
 * ChaCha20-Poly1305 keeps per-thread cipher contexts. crypto_thread_init() creates the calling
 * thread's ahead of the packet path, after which its AEAD calls never allocate and so cannot
 * fail for memory; without it the first call on a thread creates them, or fails with -ENOMEM.
 * X25519 (libsodium's) never allocates either.
 */
#ifndef WGCTL_CRYPTO_H
#define WGCTL_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/mem.h"

enum {
	CURVE25519_KEY_SIZE = 32,
	CHACHA20POLY1305_KEY_SIZE = 32,
	CHACHA20POLY1305_AUTHTAG_SIZE = 16,
	XCHACHA20POLY1305_NONCE_SIZE = 24,
	BLAKE2S_HASH_SIZE = 32,
	BLAKE2S_BLOCK_SIZE = 64,
	BLAKE2S_KEY_SIZE = 32,
};

/* Process-wide setup: 0, or -EOPNOTSUPP when the library lacks an algorithm. Idempotent. */
int crypto_init(void);
/* This thread's cipher contexts, created ahead of the packet path: 0 or -ENOMEM. Idempotent. */
int crypto_thread_init(void);
void crypto_thread_exit(void);
/*
 * A cipher context keeps the last key it was given, so that the next packet under the same key
 * skips the key setup. Call this before a key used with the AEAD functions is wiped or its memory
 * reused: when it returns, no thread's context holds that key any more (one that is in use is
 * waited for). It is the only way keys leave the contexts; none is dropped behind the caller's
 * back.
 */
void crypto_forget_key(const uint8_t key[CHACHA20POLY1305_KEY_SIZE]);
/* How many threads' contexts hold key: for tests of the above. */
size_t crypto_key_holders(const uint8_t key[CHACHA20POLY1305_KEY_SIZE]);

/* Kernel getrandom(); 0 or -errno. */
int crypto_random(void *buf, size_t len);

void curve25519_clamp_secret(uint8_t secret[CURVE25519_KEY_SIZE]);
/*
 * out = scalar * point, in constant time: 0, -EKEYREJECTED when the result is all-zero (point
 * of low order), or -EIO when the library could not be set up. On error out is zeroed.
 */
int __must_check curve25519(uint8_t out[CURVE25519_KEY_SIZE],
			    const uint8_t scalar[CURVE25519_KEY_SIZE],
			    const uint8_t point[CURVE25519_KEY_SIZE]);
/* pub = scalar * basepoint: 0, or -EIO (pub zeroed) as above. Every secret has a public key. */
int __must_check curve25519_generate_public(uint8_t pub[CURVE25519_KEY_SIZE],
					    const uint8_t secret[CURVE25519_KEY_SIZE]);
/* Scalar multiplications so far, process-wide: what a flood may not make grow (`stats=1`). */
uint64_t curve25519_operations(void);

struct blake2s_state {
	uint32_t h[8];
	uint32_t t[2];
	uint32_t f[2];
	uint8_t buf[BLAKE2S_BLOCK_SIZE];
	size_t buflen;
	size_t outlen;
};

/* Unkeyed BLAKE2s-256, WireGuard's HASH: no length to get wrong, so it cannot fail. */
void blake2s_init(struct blake2s_state *state);
/*
 * Any digest length 1..32 and key length 0..32: 0, or -EINVAL for a length out of range, and
 * then the state is empty and blake2s_final() writes nothing.
 */
int __must_check blake2s_init_key(struct blake2s_state *state, size_t outlen, const void *key,
				  size_t keylen);
void blake2s_update(struct blake2s_state *state, const void *in, size_t inlen);
void blake2s_final(struct blake2s_state *state, uint8_t *out);
/*
 * One-shot BLAKE2s (keyed when keylen > 0): WireGuard's HASH (outlen 32) and MAC (outlen 16).
 * 0, or -EINVAL for a length out of range, and then out is not written.
 */
int __must_check blake2s(uint8_t *out, size_t outlen, const void *in, size_t inlen, const void *key,
			 size_t keylen);
/* HMAC-BLAKE2s-256 (RFC 2104 over BLAKE2s, 64-byte block); any key length, so it cannot fail. */
void blake2s_hmac(uint8_t out[BLAKE2S_HASH_SIZE], const void *in, size_t inlen, const void *key,
		  size_t keylen);

/*
 * ChaCha20-Poly1305 (RFC 8439). dst holds src_len + 16 on encrypt; src_len includes the tag on
 * decrypt. Encrypting returns 0, -ENOMEM or -EIO, and on error dst[0..src_len + 16) is zeroed,
 * so nothing unauthenticated is left to send. Decrypting returns 0, -EBADMSG (not authentic),
 * -ENOMEM or -EIO, and on error dst[0..src_len - 16) is zeroed.
 */
int __must_check chacha20poly1305_encrypt_ietf(uint8_t *dst, const uint8_t *src, size_t src_len,
					       const uint8_t *ad, size_t ad_len,
					       const uint8_t nonce[12],
					       const uint8_t key[CHACHA20POLY1305_KEY_SIZE]);
int __must_check chacha20poly1305_decrypt_ietf(uint8_t *dst, const uint8_t *src, size_t src_len,
					       const uint8_t *ad, size_t ad_len,
					       const uint8_t nonce[12],
					       const uint8_t key[CHACHA20POLY1305_KEY_SIZE]);
/*
 * Which ChaCha20-Poly1305 runs: "avx512-ifma" (aead_avx512.c and its parts) on CPUs with
 * AVX-512F/VL/BW and IFMA unless WGCTL_CRYPTO=openssl, else "openssl". Selecting by name is for
 * tests and benchmarks: -ENOTSUP when this CPU cannot run it, -EINVAL for an unknown name.
 */
const char *crypto_aead_impl(void);
int crypto_aead_select(const char *name);
/* WireGuard's nonce: 4 zero bytes followed by the little-endian 64-bit counter. */
int __must_check chacha20poly1305_encrypt(uint8_t *dst, const uint8_t *src, size_t src_len,
					  const uint8_t *ad, size_t ad_len, uint64_t nonce,
					  const uint8_t key[CHACHA20POLY1305_KEY_SIZE]);
int __must_check chacha20poly1305_decrypt(uint8_t *dst, const uint8_t *src, size_t src_len,
					  const uint8_t *ad, size_t ad_len, uint64_t nonce,
					  const uint8_t key[CHACHA20POLY1305_KEY_SIZE]);

/*
 * XChaCha20-Poly1305 (draft-irtf-cfrg-xchacha), used for cookie replies; returns as above. The
 * subkey is used for one message, and no context keeps it.
 */
void hchacha20(uint8_t out[32], const uint8_t nonce[16], const uint8_t key[32]);
int __must_check xchacha20poly1305_encrypt(uint8_t *dst, const uint8_t *src, size_t src_len,
					   const uint8_t *ad, size_t ad_len,
					   const uint8_t nonce[XCHACHA20POLY1305_NONCE_SIZE],
					   const uint8_t key[CHACHA20POLY1305_KEY_SIZE]);
int __must_check xchacha20poly1305_decrypt(uint8_t *dst, const uint8_t *src, size_t src_len,
					   const uint8_t *ad, size_t ad_len,
					   const uint8_t nonce[XCHACHA20POLY1305_NONCE_SIZE],
					   const uint8_t key[CHACHA20POLY1305_KEY_SIZE]);

#endif
