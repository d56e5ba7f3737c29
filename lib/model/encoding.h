/* SPDX-License-Identifier: MIT */
/* Constant-time base64 and hex for 32-byte keys: no branch or table index depends on key bits. */
#ifndef WGCTL_MODEL_ENCODING_H
#define WGCTL_MODEL_ENCODING_H

#include <stdbool.h>
#include <stdint.h>

#include "model/model.h"

void key_to_base64(char base64[WG_KEY_LEN_BASE64], const uint8_t key[WG_KEY_LEN]);
bool key_from_base64(uint8_t key[WG_KEY_LEN], const char *base64);
void key_to_hex(char hex[WG_KEY_LEN_HEX], const uint8_t key[WG_KEY_LEN]);
bool key_from_hex(uint8_t key[WG_KEY_LEN], const char *hex);
bool key_is_zero(const uint8_t key[WG_KEY_LEN]);

#endif
