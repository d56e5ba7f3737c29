// SPDX-License-Identifier: MIT
/*
 * Constant-time key and byte-string codecs: fixed vectors, rejection cases, and differential runs
 * against OpenSSL.
 */
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
	is_str(hex, "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
	       "hex of 00..1f");
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
		"",
		"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1",
		"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1g",
		"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f0",
	};
	uint8_t key[WG_KEY_LEN];

	for (size_t i = 0; i < sizeof(bad64) / sizeof(bad64[0]); ++i) {
		memset(key, 0xaa, sizeof(key));
		ok(!key_from_base64(key, bad64[i]) && key_is_zero(key),
		   "base64 rejects `%s' and wipes output", bad64[i]);
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
		if (strcmp(b64, (char *)ref) || !key_from_base64(back, b64) ||
		    memcmp(back, key, WG_KEY_LEN))
			++mismatches;
		key_to_hex(hex, key);
		if (!key_from_hex(back, hex) || memcmp(back, key, WG_KEY_LEN))
			++mismatches;
	}
	ok(!mismatches,
	   "100000 random keys: base64 equals OpenSSL's and both codecs round-trip (seed %u)",
	   seed);
}

/* Any length: RFC 4648 section 10's vectors, then padding and canonical-form rejections. */
static void strings(void)
{
	static const struct {
		const char *in, *b64;
	} rfc[] = {
		{ "", "" },
		{ "f", "Zg==" },
		{ "fo", "Zm8=" },
		{ "foo", "Zm9v" },
		{ "foob", "Zm9vYg==" },
		{ "fooba", "Zm9vYmE=" },
		{ "foobar", "Zm9vYmFy" },
	};
	static const struct {
		size_t len;
		const char *b64, *why;
	} bad[] = {
		{ 1, "Zh==", "low bits set after 8 bits" },
		{ 2, "Zm9=", "low bits set after 16 bits" },
		{ 1, "Zg=", "one '=' short" },
		{ 1, "Zg", "no padding" },
		{ 2, "Zm8", "no padding after 16 bits" },
		{ 2, "Zm==", "two '=' after 16 bits" },
		{ 1, "Zm8=", "one '=' after 8 bits" },
		{ 3, "Zm9v====", "padding after a whole group" },
		{ 3, "Zm=v", "'=' inside the data" },
		{ 4, "Zm9=Yg==", "'=' inside an earlier group" },
		{ 3, "Zm9 ", "whitespace" },
		{ 3, "Zm9-", "URL-safe alphabet" },
	};
	uint8_t out[8];
	char text[16];

	for (size_t i = 0; i < sizeof(rfc) / sizeof(rfc[0]); ++i) {
		size_t n = strlen(rfc[i].in);

		base64_encode(text, (const uint8_t *)rfc[i].in, n);
		ok(!strcmp(text, rfc[i].b64) && base64_decode(out, n, text, strlen(text)) &&
			   !memcmp(out, rfc[i].in, n),
		   "base64 of `%s' is `%s' and decodes back", rfc[i].in, rfc[i].b64);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); ++i) {
		memset(out, 0xaa, sizeof(out));
		ok(!base64_decode(out, bad[i].len, bad[i].b64, strlen(bad[i].b64)) &&
			   !memcmp(out, (uint8_t[8]){ 0 }, bad[i].len),
		   "base64 of %zu bytes rejects `%s' (%s) and wipes output", bad[i].len, bad[i].b64,
		   bad[i].why);
	}
}

static void strings_differential(void)
{
	unsigned int mismatches = 0;

	srand(5678);
	for (int n = 0; n < 20000; ++n) {
		uint8_t in[100], back[100];
		unsigned char ref[140];
		char b64[140];
		size_t len = (size_t)n % sizeof(in);

		for (size_t i = 0; i < len; ++i)
			in[i] = (uint8_t)rand();
		base64_encode(b64, in, len);
		EVP_EncodeBlock(ref, in, (int)len);
		if (strcmp(b64, (char *)ref) || !base64_decode(back, len, b64, strlen(b64)) ||
		    memcmp(back, in, len))
			++mismatches;
	}
	ok(!mismatches,
	   "20000 byte strings of 0..99 bytes: base64 equals OpenSSL's and round-trips");
}

int main(void)
{
	vectors();
	rejects();
	differential();
	strings();
	strings_differential();
	return done_testing();
}
