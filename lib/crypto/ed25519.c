// SPDX-License-Identifier: MIT
#include <errno.h>
#include <openssl/evp.h>

#include "crypto/ed25519.h"

int ed25519_public_key(uint8_t pub[ED25519_PUBLIC_KEY_SIZE], const uint8_t seed[ED25519_SEED_SIZE])
{
	EVP_PKEY *key =
		EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, seed, ED25519_SEED_SIZE);
	size_t len = ED25519_PUBLIC_KEY_SIZE;
	int ret;

	if (!key)
		return -ENOMEM;
	ret = EVP_PKEY_get_raw_public_key(key, pub, &len) == 1 && len == ED25519_PUBLIC_KEY_SIZE
		      ? 0
		      : -EINVAL;
	EVP_PKEY_free(key);
	return ret;
}

int ed25519_sign(uint8_t sig[ED25519_SIGNATURE_SIZE], const uint8_t seed[ED25519_SEED_SIZE],
		 const void *msg, size_t len)
{
	EVP_PKEY *key =
		EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, seed, ED25519_SEED_SIZE);
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	size_t sig_len = ED25519_SIGNATURE_SIZE;
	int ret = -ENOMEM;

	if (key && ctx) {
		ret = EVP_DigestSignInit(ctx, NULL, NULL, NULL, key) == 1 &&
				      EVP_DigestSign(ctx, sig, &sig_len, msg, len) == 1 &&
				      sig_len == ED25519_SIGNATURE_SIZE
			      ? 0
			      : -EINVAL;
	}
	EVP_MD_CTX_free(ctx);
	EVP_PKEY_free(key);
	return ret;
}

bool ed25519_verify(const uint8_t sig[ED25519_SIGNATURE_SIZE],
		    const uint8_t pub[ED25519_PUBLIC_KEY_SIZE], const void *msg, size_t len)
{
	EVP_PKEY *key =
		EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, pub, ED25519_PUBLIC_KEY_SIZE);
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	bool ok = false;

	if (key && ctx)
		ok = EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, key) == 1 &&
		     EVP_DigestVerify(ctx, sig, ED25519_SIGNATURE_SIZE, msg, len) == 1;
	EVP_MD_CTX_free(ctx);
	EVP_PKEY_free(key);
	return ok;
}
