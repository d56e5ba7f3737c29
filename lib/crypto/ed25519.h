/* SPDX-License-Identifier: MIT */
/*
 * Ed25519 (RFC 8032) for detached signatures over shared peer lists. Not on the packet path:
 * these may allocate. A signing key is a 32-byte seed, the same shape `genkey` prints.
 */
#ifndef WGCTL_CRYPTO_ED25519_H
#define WGCTL_CRYPTO_ED25519_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/mem.h"

enum {
	ED25519_SEED_SIZE = 32,
	ED25519_PUBLIC_KEY_SIZE = 32,
	ED25519_SIGNATURE_SIZE = 64,
};

/* 0 or -errno. */
int ed25519_public_key(uint8_t pub[ED25519_PUBLIC_KEY_SIZE], const uint8_t seed[ED25519_SEED_SIZE]);
int ed25519_sign(uint8_t sig[ED25519_SIGNATURE_SIZE], const uint8_t seed[ED25519_SEED_SIZE],
		 const void *msg, size_t len);
bool __must_check ed25519_verify(const uint8_t sig[ED25519_SIGNATURE_SIZE],
				 const uint8_t pub[ED25519_PUBLIC_KEY_SIZE], const void *msg,
				 size_t len);

#endif
