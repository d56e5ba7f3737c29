// SPDX-License-Identifier: MIT
/*
 * Every character class is selected with arithmetic masks: for 0 <= c < 256, the expression
 * ((lo - 1 - c) & (c - hi - 1)) >> 8 is all ones exactly when lo <= c <= hi.
 */
#include <string.h>

#include "model/encoding.h"
#include "util/mem.h"

#define IN_RANGE(c, lo, hi) ((((lo) - 1 - (c)) & ((c) - (hi) - 1)) >> 8)

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

void key_to_base64(char base64[WG_KEY_LEN_BASE64], const uint8_t key[WG_KEY_LEN])
{
	unsigned int i, o = 0;

	for (i = 0; i + 3 <= WG_KEY_LEN; i += 3) {
		uint32_t w = (uint32_t)key[i] << 16 | (uint32_t)key[i + 1] << 8 | key[i + 2];

		base64[o++] = b64_encode6((w >> 18) & 63);
		base64[o++] = b64_encode6((w >> 12) & 63);
		base64[o++] = b64_encode6((w >> 6) & 63);
		base64[o++] = b64_encode6(w & 63);
	}
	/* 32 = 30 + 2: the last group carries 16 bits and one '=' of padding. */
	{
		uint32_t w = (uint32_t)key[30] << 16 | (uint32_t)key[31] << 8;

		base64[o++] = b64_encode6((w >> 18) & 63);
		base64[o++] = b64_encode6((w >> 12) & 63);
		base64[o++] = b64_encode6((w >> 6) & 63);
		base64[o++] = '=';
	}
	base64[o] = '\0';
}

bool key_from_base64(uint8_t key[WG_KEY_LEN], const char *base64)
{
	volatile unsigned int bad = 0;
	unsigned int i, o = 0;
	int v[4];

	if (!base64 || strlen(base64) != WG_KEY_LEN_BASE64 - 1 || base64[WG_KEY_LEN_BASE64 - 2] != '=') {
		memzero_explicit(key, WG_KEY_LEN);
		return false;
	}
	for (i = 0; i < 40; i += 4) {
		uint32_t w = 0;

		for (int j = 0; j < 4; ++j) {
			v[j] = b64_decode6((unsigned char)base64[i + j]);
			bad |= (unsigned int)v[j] >> 8;
			w = w << 6 | ((uint32_t)v[j] & 63);
		}
		key[o++] = (w >> 16) & 0xff;
		key[o++] = (w >> 8) & 0xff;
		key[o++] = w & 0xff;
	}
	for (int j = 0; j < 3; ++j) {
		v[j] = b64_decode6((unsigned char)base64[40 + j]);
		bad |= (unsigned int)v[j] >> 8;
	}
	{
		uint32_t w = ((uint32_t)v[0] & 63) << 18 | ((uint32_t)v[1] & 63) << 12 | ((uint32_t)v[2] & 63) << 6;

		key[o++] = (w >> 16) & 0xff;
		key[o++] = (w >> 8) & 0xff;
		/* The two low bits of the last character must be zero for a canonical encoding. */
		bad |= (w >> 6) & 3;
	}
	if (bad)
		memzero_explicit(key, WG_KEY_LEN);
	return !bad;
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
		int hi = hex_decode4((unsigned char)hex[i * 2]), lo = hex_decode4((unsigned char)hex[i * 2 + 1]);

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
