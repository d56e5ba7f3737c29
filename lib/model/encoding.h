/* SPDX-License-Identifier: MIT */
/*
 * Constant-time base64 and hex, for 32-byte keys and for any byte string (signatures): no branch
 * or table index depends on the data's bits.
 */
#ifndef WGCTL_MODEL_ENCODING_H
#define WGCTL_MODEL_ENCODING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/model.h"

/* Base64 of `len` bytes, padded: 4 * ((len + 2) / 3) characters and the terminator in `out`. */
void base64_encode(char *out, const uint8_t *in, size_t len);
/*
 * Exactly `len` bytes from their canonical padded base64 (`in_len` characters, no whitespace,
 * unused bits zero); on failure `out` is wiped and false returned.
 */
bool base64_decode(uint8_t *out, size_t len, const char *in, size_t in_len);
void key_to_base64(char base64[WG_KEY_LEN_BASE64], const uint8_t key[WG_KEY_LEN]);
bool key_from_base64(uint8_t key[WG_KEY_LEN], const char *base64);
void key_to_hex(char hex[WG_KEY_LEN_HEX], const uint8_t key[WG_KEY_LEN]);
bool key_from_hex(uint8_t key[WG_KEY_LEN], const char *hex);
bool key_is_zero(const uint8_t key[WG_KEY_LEN]);

#endif
