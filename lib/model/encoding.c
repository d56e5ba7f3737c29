// SPDX-License-Identifier: MIT
/*
 * Every character class is selected with arithmetic masks: for 0 <= c < 256, the expression
 * ((lo - 1 - c) & (c - hi - 1)) >> 8 is all ones exactly when lo <= c <= hi.
 */
#include <string.h>

#include "model/encoding.h"
#include "util/mem.h"

#define IN_RANGE(c, lo, hi) ((((lo)-1 - (c)) & ((c) - (hi)-1)) >> 8)

static char b64_encode6(int v)
{
	int c = 'A' + v;

	/* Each step moves the remaining range onto the next alphabet: a-z, 0-9, '+', '/'. */
	c += ((25 - v) >> 8) & 6;
	c -= ((51 - v) >> 8) & 75;
	c -= ((61 - v) >> 8) & 15;
	c += ((62 - v) >> 8) & 3;
	return (char)c;
}

static int b64_decode6(int c)
{
	int v = -1;

	v += IN_RANGE(c, 'A', 'Z') & (c - 'A' + 1);
	v += IN_RANGE(c, 'a', 'z') & (c - 'a' + 26 + 1);
	v += IN_RANGE(c, '0', '9') & (c - '0' + 52 + 1);
	v += IN_RANGE(c, '+', '+') & (62 + 1);
	v += IN_RANGE(c, '/', '/') & (63 + 1);
	return v;
}

void base64_encode(char *out, const uint8_t *in, size_t len)
{
	size_t i, o = 0;

	for (i = 0; i + 3 <= len; i += 3) {
		uint32_t w = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];

		out[o++] = b64_encode6((w >> 18) & 63);
		out[o++] = b64_encode6((w >> 12) & 63);
		out[o++] = b64_encode6((w >> 6) & 63);
		out[o++] = b64_encode6(w & 63);
	}
	/* One or two bytes left: the last group carries 8 or 16 bits and two or one '=' of padding.
	 */
	if (i < len) {
		uint32_t w = (uint32_t)in[i] << 16 | (i + 1 < len ? (uint32_t)in[i + 1] << 8 : 0);

		out[o++] = b64_encode6((w >> 18) & 63);
		out[o++] = b64_encode6((w >> 12) & 63);
		out[o++] = i + 1 < len ? b64_encode6((w >> 6) & 63) : '=';
		out[o++] = '=';
	}
	out[o] = '\0';
}

static uint32_t b64_decode_group(const char *in, size_t n, volatile unsigned int *bad)
{
	uint32_t w = 0;

	for (size_t j = 0; j < n; ++j) {
		int v = b64_decode6((unsigned char)in[j]);

		*bad |= (unsigned int)v >> 8;
		w |= ((uint32_t)v & 63) << (18 - 6 * j);
	}
	return w;
}

bool base64_decode(uint8_t *out, size_t len, const char *in, size_t in_len)
{
	size_t full = len / 3, tail = len % 3, o = 0;
	volatile unsigned int bad = 0;
	uint32_t w;

	/* The padding is not secret: one '=' after 16 bits, two after 8, none after a whole group.
	 */
	if (in_len != (full + !!tail) * 4 ||
	    (tail && (in[in_len - 1] != '=' || (in[in_len - 2] == '=') != (tail == 1)))) {
		memzero_explicit(out, len);
		return false;
	}
	for (size_t g = 0; g < full; ++g) {
		w = b64_decode_group(in + g * 4, 4, &bad);
		out[o++] = (w >> 16) & 0xff;
		out[o++] = (w >> 8) & 0xff;
		out[o++] = w & 0xff;
	}
	if (tail) {
		w = b64_decode_group(in + full * 4, tail + 1, &bad);
		out[o++] = (w >> 16) & 0xff;
		if (tail == 2)
			out[o++] = (w >> 8) & 0xff;
		/* The bits of the last character past the data must be zero for a canonical
		 * encoding. */
		bad |= tail == 1 ? (w >> 12) & 15 : (w >> 6) & 3;
	}
	if (bad)
		memzero_explicit(out, len);
	return !bad;
}

void key_to_base64(char base64[WG_KEY_LEN_BASE64], const uint8_t key[WG_KEY_LEN])
{
	base64_encode(base64, key, WG_KEY_LEN);
}

bool key_from_base64(uint8_t key[WG_KEY_LEN], const char *base64)
{
	if (!base64) {
		memzero_explicit(key, WG_KEY_LEN);
		return false;
	}
	return base64_decode(key, WG_KEY_LEN, base64, strlen(base64));
}

void key_to_hex(char hex[WG_KEY_LEN_HEX], const uint8_t key[WG_KEY_LEN])
{
	for (unsigned int i = 0; i < WG_KEY_LEN; ++i) {
		int hi = key[i] >> 4, lo = key[i] & 0xf;

		hex[i * 2] = (char)('0' + hi + (((9 - hi) >> 8) & ('a' - '0' - 10)));
		hex[i * 2 + 1] = (char)('0' + lo + (((9 - lo) >> 8) & ('a' - '0' - 10)));
	}
	hex[WG_KEY_LEN_HEX - 1] = '\0';
}

static int hex_decode4(int c)
{
	int v = -1;

	v += IN_RANGE(c, '0', '9') & (c - '0' + 1);
	v += IN_RANGE(c, 'a', 'f') & (c - 'a' + 10 + 1);
	v += IN_RANGE(c, 'A', 'F') & (c - 'A' + 10 + 1);
	return v;
}

bool key_from_hex(uint8_t key[WG_KEY_LEN], const char *hex)
{
	volatile unsigned int bad = 0;

	if (!hex || strlen(hex) != WG_KEY_LEN_HEX - 1) {
		memzero_explicit(key, WG_KEY_LEN);
		return false;
	}
	for (unsigned int i = 0; i < WG_KEY_LEN; ++i) {
		int hi = hex_decode4((unsigned char)hex[i * 2]),
		    lo = hex_decode4((unsigned char)hex[i * 2 + 1]);

		bad |= (unsigned int)(hi | lo) >> 8;
		key[i] = (uint8_t)((hi & 0xf) << 4 | (lo & 0xf));
	}
	if (bad)
		memzero_explicit(key, WG_KEY_LEN);
	return !bad;
}

bool key_is_zero(const uint8_t key[WG_KEY_LEN])
{
	return ct_is_zero(key, WG_KEY_LEN);
}
