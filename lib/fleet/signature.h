/* SPDX-License-Identifier: MIT */
/*
 * Detached Ed25519 signatures over a peer list's exact bytes. The signature file is '#' comment
 * lines and one line of base64 (88 characters); keys are base64 of 32 bytes, like WireGuard's.
 */
#ifndef WGCTL_FLEET_SIGNATURE_H
#define WGCTL_FLEET_SIGNATURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crypto/ed25519.h"
#include "util/strbuf.h"

/* Reads the signature out of a signature file's text. */
bool signature_parse(uint8_t sig[ED25519_SIGNATURE_SIZE], const char *text, size_t len);
enum {
	SIGNATURE_TEXT_SIZE = 89,  /* 88 base64 characters and the terminator */
	SIGNATURE_MAX_SIZE = 4096, /* a signature file: comment lines and the signature */
};

/* The signature's one line of base64. */
void signature_format(char text[SIGNATURE_TEXT_SIZE], const uint8_t sig[ED25519_SIGNATURE_SIZE]);
/* The signature file for `body`, signed with `seed`. 0 or -errno. */
int signature_create(struct strbuf *out, const uint8_t seed[ED25519_SEED_SIZE], const void *body,
		     size_t len);
/* True when the signature file's signature verifies under any of the `n` base64 keys. */
bool signature_check(const char *sig_text, size_t sig_len, char *const *keys_base64, size_t n,
		     const void *body, size_t len);
/* The URL or path of a list's signature: ".sig" appended to the path part. 0 or -ENAMETOOLONG. */
int signature_location(char *buf, size_t len, const char *list);

#endif
