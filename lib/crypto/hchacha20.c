// SPDX-License-Identifier: MIT
/*
 * HChaCha20 and XChaCha20-Poly1305 (draft-irtf-cfrg-xchacha-03). OpenSSL 3.0 has no XChaCha, so
 * the 24-byte nonce is reduced here to a subkey plus a 12-byte nonce for the seam's
 * ChaCha20-Poly1305.
 */
#include <string.h>

#include "crypto/crypto.h"
#include "util/bytes.h"

#define QR(a, b, c, d)                                                                             \
	do {                                                                                       \
		a += b;                                                                            \
		d = rol32(d ^ a, 16);                                                              \
		c += d;                                                                            \
		b = rol32(b ^ c, 12);                                                              \
		a += b;                                                                            \
		d = rol32(d ^ a, 8);                                                               \
		c += d;                                                                            \
		b = rol32(b ^ c, 7);                                                               \
	} while (0)

void hchacha20(uint8_t out[32], const uint8_t nonce[16], const uint8_t key[32])
{
	/* "expand 32-byte k" */
	uint32_t x[16] = { 0x61707865U, 0x3320646eU, 0x79622d32U, 0x6b206574U };
	int i;

	for (i = 0; i < 8; ++i)
		x[4 + i] = get_le32(key + 4 * i);
	for (i = 0; i < 4; ++i)
		x[12 + i] = get_le32(nonce + 4 * i);

	for (i = 0; i < 10; ++i) {
		QR(x[0], x[4], x[8], x[12]);
		QR(x[1], x[5], x[9], x[13]);
		QR(x[2], x[6], x[10], x[14]);
		QR(x[3], x[7], x[11], x[15]);
		QR(x[0], x[5], x[10], x[15]);
		QR(x[1], x[6], x[11], x[12]);
		QR(x[2], x[7], x[8], x[13]);
		QR(x[3], x[4], x[9], x[14]);
	}

	/* Unlike the block function, no feed-forward: words 0..3 and 12..15 are the subkey. */
	for (i = 0; i < 4; ++i) {
		put_le32(out + 4 * i, x[i]);
		put_le32(out + 16 + 4 * i, x[12 + i]);
	}
	memzero_explicit(x, sizeof(x));
}

#undef QR

static void xchacha_derive(uint8_t subkey[CHACHA20POLY1305_KEY_SIZE], uint8_t nonce12[12],
			   const uint8_t nonce[XCHACHA20POLY1305_NONCE_SIZE],
			   const uint8_t key[CHACHA20POLY1305_KEY_SIZE])
{
	hchacha20(subkey, nonce, key);
	memset(nonce12, 0, 4);
	memcpy(nonce12 + 4, nonce + 16, 8);
}

/* The subkey serves one message: no cipher context may keep it. */
static void xchacha_done(uint8_t subkey[CHACHA20POLY1305_KEY_SIZE])
{
	crypto_forget_key(subkey);
	memzero_explicit(subkey, CHACHA20POLY1305_KEY_SIZE);
}

int xchacha20poly1305_encrypt(uint8_t *dst, const uint8_t *src, size_t src_len, const uint8_t *ad,
			      size_t ad_len, const uint8_t nonce[XCHACHA20POLY1305_NONCE_SIZE],
			      const uint8_t key[CHACHA20POLY1305_KEY_SIZE])
{
	uint8_t subkey[CHACHA20POLY1305_KEY_SIZE], nonce12[12];
	int ret;

	xchacha_derive(subkey, nonce12, nonce, key);
	ret = chacha20poly1305_encrypt_ietf(dst, src, src_len, ad, ad_len, nonce12, subkey);
	xchacha_done(subkey);
	return ret;
}

int xchacha20poly1305_decrypt(uint8_t *dst, const uint8_t *src, size_t src_len, const uint8_t *ad,
			      size_t ad_len, const uint8_t nonce[XCHACHA20POLY1305_NONCE_SIZE],
			      const uint8_t key[CHACHA20POLY1305_KEY_SIZE])
{
	uint8_t subkey[CHACHA20POLY1305_KEY_SIZE], nonce12[12];
	int ret;

	xchacha_derive(subkey, nonce12, nonce, key);
	ret = chacha20poly1305_decrypt_ietf(dst, src, src_len, ad, ad_len, nonce12, subkey);
	xchacha_done(subkey);
	return ret;
}
