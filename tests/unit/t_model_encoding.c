// SPDX-License-Identifier: MIT
/* Constant-time key codecs: fixed vectors, rejection cases, and a differential run against OpenSSL. */
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#include "model/encoding.h"
#include "tap.h"

static void vectors(void)
{
	uint8_t key[WG_KEY_LEN], back[WG_KEY_LEN];
	char b64[WG_KEY_LEN_BASE64], hex[WG_KEY_LEN_HEX];

	for (int i = 0; i < WG_KEY_LEN; ++i)
		key[i] = (uint8_t)i;
	key_to_base64(b64, key);
	is_str(b64, "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=", "base64 of 00..1f");
	key_to_hex(hex, key);
	is_str(hex, "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f", "hex of 00..1f");
	memset(key, 0xff, sizeof(key));
	key_to_base64(b64, key);
	is_str(b64, "//////////////////////////////////////////8=", "base64 of ff..ff");
	ok(key_from_base64(back, b64) && !memcmp(back, key, WG_KEY_LEN), "decode ff..ff");
	ok(key_from_hex(back, "FFffFFffFFffFFffFFffFFffFFffFFffFFffFFffFFffFFffFFffFFffFFffFFff") &&
		   !memcmp(back, key, WG_KEY_LEN),
	   "hex decode accepts both cases");
}

static void rejects(void)
{
	static const char *const bad64[] = {
		"",
		"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8",   /* 43 chars */
		"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8==", /* 45 chars */
		"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8A",  /* no '=' */
		"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh9=",  /* low bits set: not canonical */
		"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd*h8=",  /* bad character */
		"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd h8=",
		"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh=8",
		"-AECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
	};
	static const char *const badhex[] = {
		"", "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1",
		"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1g",
		"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f0",
	};
	uint8_t key[WG_KEY_LEN];

	for (size_t i = 0; i < sizeof(bad64) / sizeof(bad64[0]); ++i) {
		memset(key, 0xaa, sizeof(key));
		ok(!key_from_base64(key, bad64[i]) && key_is_zero(key), "base64 rejects `%s' and wipes output", bad64[i]);
	}
	for (size_t i = 0; i < sizeof(badhex) / sizeof(badhex[0]); ++i)
		ok(!key_from_hex(key, badhex[i]), "hex rejects case %zu", i);
}

static void differential(void)
{
	unsigned int seed = getenv("SEED") ? (unsigned int)atoi(getenv("SEED")) : 1234;
	unsigned int mismatches = 0;

	srand(seed);
	for (int n = 0; n < 100000; ++n) {
		uint8_t key[WG_KEY_LEN], back[WG_KEY_LEN];
		unsigned char ref[64];
		char b64[WG_KEY_LEN_BASE64], hex[WG_KEY_LEN_HEX];

		for (int i = 0; i < WG_KEY_LEN; ++i)
			key[i] = (uint8_t)rand();
		key_to_base64(b64, key);
		EVP_EncodeBlock(ref, key, WG_KEY_LEN);
		if (strcmp(b64, (char *)ref) || !key_from_base64(back, b64) || memcmp(back, key, WG_KEY_LEN))
			++mismatches;
		key_to_hex(hex, key);
		if (!key_from_hex(back, hex) || memcmp(back, key, WG_KEY_LEN))
			++mismatches;
	}
	ok(!mismatches, "100000 random keys: base64 equals OpenSSL's and both codecs round-trip (seed %u)", seed);
}

int main(void)
{
	vectors();
	rejects();
	differential();
	return done_testing();
}
