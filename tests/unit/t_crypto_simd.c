// SPDX-License-Identifier: MIT
/*
 * The AVX-512 ChaCha20-Poly1305 against known answers (RFC 8439 §2.5.2 and A.3, whose vectors
 * aim at the modular reduction), against libsodium for every length 0..2100, and against the
 * OpenSSL path of the seam: both must seal identically and open each other's packets. Skipped on
 * CPUs without AVX-512 IFMA.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "crypto/crypto.h"
#include "crypto/simd.h"
#include "prng.h"
#include "tap.h"

enum { MAX_LEN = 2100, OFF = 64 };

static const char ietf_text[] =
	"Any submission to the IETF intended by the Contributor for publication as all or part of "
	"an IETF Internet-Draft or RFC and any statement made within the context of an IETF "
	"activity "
	"is considered an \"IETF Contribution\". Such statements include oral statements in IETF "
	"sessions, as well as written and electronic communications made at any time or place, "
	"which "
	"are addressed to";

static const char jabberwocky[] =
	"'Twas brillig, and the slithy toves\nDid gyre and gimble in the "
	"wabe:\nAll mimsy were the borogoves,\nAnd the mome raths outgrabe.";

static const struct {
	const char *name, *key, *msg, *tag;
	const char *text;
} poly_kat[] = {
	{ "2.5.2", "85d6be7857556d337f4452fe42d506a80103808afb0db2fd4abff6af4149f51b", NULL,
	  "a8061dc1305136c6c22b8baf0c0127a9", "Cryptographic Forum Research Group" },
	{ "A.3 #1", "0000000000000000000000000000000000000000000000000000000000000000",
	  "00000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
	  "000000000000000000000000000000000000000000",
	  "00000000000000000000000000000000", NULL },
	{ "A.3 #2", "0000000000000000000000000000000036e5f6b5c5e06070f0efca96227a863e", NULL,
	  "36e5f6b5c5e06070f0efca96227a863e", ietf_text },
	{ "A.3 #4", "1c9240a5eb55d38af333888604f6b5f0473917c1402b80099dca5cbc207075c0", NULL,
	  "4541669a7eaaee61e708dc7cbcc5eb62", jabberwocky },
	{ "A.3 #5", "0200000000000000000000000000000000000000000000000000000000000000",
	  "ffffffffffffffffffffffffffffffff", "03000000000000000000000000000000", NULL },
	{ "A.3 #6", "02000000000000000000000000000000ffffffffffffffffffffffffffffffff",
	  "02000000000000000000000000000000", "03000000000000000000000000000000", NULL },
	{ "A.3 #7", "0100000000000000000000000000000000000000000000000000000000000000",
	  "fffffffffffffffffffffffffffffffff0ffffffffffffffffffffffffffffff110000000000000000000000"
	  "0"
	  "0000000",
	  "05000000000000000000000000000000", NULL },
	{ "A.3 #8", "0100000000000000000000000000000000000000000000000000000000000000",
	  "fffffffffffffffffffffffffffffffffbfefefefefefefefefefefefefefefe010101010101010101010101"
	  "0"
	  "1010101",
	  "00000000000000000000000000000000", NULL },
	{ "A.3 #9", "0200000000000000000000000000000000000000000000000000000000000000",
	  "fdffffffffffffffffffffffffffffff", "faffffffffffffffffffffffffffffff", NULL },
	{ "A.3 #10", "0100000000000000040000000000000000000000000000000000000000000000",
	  "e33594d7505e43b900000000000000003394d7505e4379cd0100000000000000000000000000000000000000"
	  "0"
	  "000000"
	  "001000000000000000000000000000000",
	  "14000000000000005500000000000000", NULL },
	{ "A.3 #11", "0100000000000000040000000000000000000000000000000000000000000000",
	  "e33594d7505e43b900000000000000003394d7505e4379cd0100000000000000000000000000000000000000"
	  "0"
	  "0000000",
	  "13000000000000000000000000000000", NULL },
};

static void test_poly_kat(void)
{
	for (size_t i = 0; i < ARRAY_SIZE(poly_kat); ++i) {
		uint8_t key[32], msg[512], want[16], got[16], oracle[16];
		size_t len;
		char name[64];

		unhex(key, sizeof(key), poly_kat[i].key);
		unhex(want, sizeof(want), poly_kat[i].tag);
		if (poly_kat[i].text) {
			len = strlen(poly_kat[i].text);
			memcpy(msg, poly_kat[i].text, len);
		} else {
			len = unhex(msg, sizeof(msg), poly_kat[i].msg);
		}
		poly1305_ifma(got, key, msg, len);
		crypto_onetimeauth_poly1305(oracle, msg, len, key);
		snprintf(name, sizeof(name), "poly1305 rfc8439 %s (%zu bytes)", poly_kat[i].name,
			 len);
		is_mem(got, want, 16, name);
		snprintf(name, sizeof(name), "poly1305 rfc8439 %s == libsodium", poly_kat[i].name);
		is_mem(got, oracle, 16, name);
	}
}

/* Keys and messages that maximise every limb and carry, as well as random ones. */
static void fill_case(uint8_t *key, uint8_t *msg, size_t len, int kind)
{
	rnd_bytes(key, 32);
	rnd_bytes(msg, len);
	if (kind & 1)
		memset(key, 0xff, 16); /* r at its clamped maximum */
	if (kind & 2)
		memset(key + 16, 0xff, 16);
	if (kind & 4)
		memset(msg, 0xff, len);
}

static void test_poly_diff(void)
{
	static uint8_t msg[OFF + MAX_LEN];
	bool good = true, good_aead = true;

	for (size_t len = 0; len <= MAX_LEN; ++len) {
		for (int kind = 0; kind < 8; ++kind) {
			uint8_t key[32], got[16], want[16], ad[80],
				mac_in[16 * 5 + MAX_LEN + 32] = { 0 };
			size_t off = (len + (size_t)kind) % OFF,
			       adlen = (len * 7 + (size_t)kind) % sizeof(ad);
			size_t n = 0;

			fill_case(key, msg + off, len, kind);
			poly1305_ifma(got, key, msg + off, len);
			crypto_onetimeauth_poly1305(want, msg + off, len, key);
			if (memcmp(got, want, 16)) {
				printf("# poly1305 len %zu kind %d\n", len, kind);
				good = false;
			}

			/* The AEAD framing, built by hand for the oracle. */
			rnd_bytes(ad, adlen);
			memcpy(mac_in, ad, adlen);
			n = (adlen + 15) & ~(size_t)15;
			memcpy(mac_in + n, msg + off, len);
			n += (len + 15) & ~(size_t)15;
			for (int i = 0; i < 8; ++i) {
				mac_in[n + i] = (uint8_t)((uint64_t)adlen >> (8 * i));
				mac_in[n + 8 + i] = (uint8_t)((uint64_t)len >> (8 * i));
			}
			n += 16;
			poly1305_aead_ifma(got, key, ad, adlen, msg + off, len);
			crypto_onetimeauth_poly1305(want, mac_in, n, key);
			if (memcmp(got, want, 16)) {
				printf("# poly1305 aead len %zu adlen %zu kind %d\n", len, adlen,
				       kind);
				good_aead = false;
			}
		}
	}
	ok(good, "poly1305 == libsodium, every length 0..%d, unaligned, maximal r, s and blocks",
	   MAX_LEN);
	ok(good_aead,
	   "poly1305 AEAD framing == libsodium over ad|pad|ct|pad|lengths, lengths 0..%d", MAX_LEN);
}

static void test_chacha_diff(void)
{
	static uint8_t in[OFF + MAX_LEN], got[OFF + MAX_LEN], want[MAX_LEN];
	bool good = true, good_ks = true, good_inplace = true;

	for (size_t len = 0; len <= MAX_LEN; ++len) {
		uint8_t key[32], nonce[12];
		uint32_t st[16], ctr = (uint32_t)(len % 3 ? rnd() % 1000000 : 0);
		size_t soff = len % OFF, doff = (len * 5) % OFF;

		rnd_bytes(key, sizeof(key));
		rnd_bytes(nonce, sizeof(nonce));
		rnd_bytes(in + soff, len);
		chacha20_state(st, key, nonce);
		crypto_stream_chacha20_ietf_xor_ic(want, in + soff, len, nonce, ctr, key);
		memset(got, 0xa5, sizeof(got));
		chacha20_avx512(got + doff, in + soff, len, st, ctr);
		good &= !memcmp(got + doff, want, len);
		/* Nothing written past the end. */
		for (size_t i = doff + len; i < sizeof(got); ++i)
			good &= got[i] == 0xa5;
		memcpy(got + soff, in + soff, len);
		chacha20_avx512(got + soff, got + soff, len, st, ctr);
		good_inplace &= !memcmp(got + soff, want, len);
		memset(in, 0, len);
		crypto_stream_chacha20_ietf_xor_ic(want, in, len, nonce, ctr, key);
		chacha20_avx512(got, NULL, len, st, ctr);
		good_ks &= !memcmp(got, want, len);
	}
	ok(good,
	   "chacha20 == libsodium, every length 0..%d, unaligned, random counters, no overrun",
	   MAX_LEN);
	ok(good_inplace, "chacha20 in place");
	ok(good_ks, "chacha20 keystream (src NULL) == libsodium");
}

static void seal_with(const char *impl, uint8_t *dst, const uint8_t *src, size_t len,
		      const uint8_t *ad, size_t adlen, const uint8_t *nonce, const uint8_t *key)
{
	if (crypto_aead_select(impl))
		abort();
	must(chacha20poly1305_encrypt_ietf(dst, src, len, ad, adlen, nonce, key));
}

static int open_with(const char *impl, uint8_t *dst, const uint8_t *src, size_t len,
		     const uint8_t *ad, size_t adlen, const uint8_t *nonce, const uint8_t *key)
{
	if (crypto_aead_select(impl))
		abort();
	return chacha20poly1305_decrypt_ietf(dst, src, len, ad, adlen, nonce, key);
}

static void test_aead_diff(void)
{
	static uint8_t pt[OFF + MAX_LEN], ours[OFF + MAX_LEN + 16], theirs[MAX_LEN + 16],
		back[OFF + MAX_LEN + 16];
	bool seal = true, cross = true, inplace = true, tamper = true;

	for (size_t len = 0; len <= MAX_LEN; ++len) {
		uint8_t key[32], nonce[12], ad[81];
		size_t adlen = len % sizeof(ad), off = (len * 3) % OFF;
		unsigned long long clen;

		rnd_bytes(key, sizeof(key));
		rnd_bytes(nonce, sizeof(nonce));
		rnd_bytes(ad, adlen);
		rnd_bytes(pt + off, len);
		seal_with("avx512-ifma", ours + off, pt + off, len, ad, adlen, nonce, key);
		crypto_aead_chacha20poly1305_ietf_encrypt(theirs, &clen, pt + off, len, ad, adlen,
							  NULL, nonce, key);
		seal &= clen == len + 16 && !memcmp(ours + off, theirs, len + 16);

		cross &= open_with("openssl", back, ours + off, len + 16, ad, adlen, nonce, key) ==
				 0 &&
			 !memcmp(back, pt + off, len);
		seal_with("openssl", back + 1, pt + off, len, ad, adlen, nonce, key);
		cross &= open_with("avx512-ifma", back + 1, back + 1, len + 16, ad, adlen, nonce,
				   key) == 0 &&
			 !memcmp(back + 1, pt + off, len);

		memcpy(back + off, pt + off, len);
		seal_with("avx512-ifma", back + off, back + off, len, ad, adlen, nonce, key);
		inplace &= !memcmp(back + off, theirs, len + 16) &&
			   open_with("avx512-ifma", back + off, back + off, len + 16, ad, adlen,
				     nonce, key) == 0 &&
			   !memcmp(back + off, pt + off, len);

		/* A flipped bit anywhere in ad, ciphertext or tag: rejected, and no plaintext left.
		 */
		size_t pos = rnd() % (adlen + len + 16);
		uint8_t bit = (uint8_t)(1u << (rnd() % 8));

		memcpy(back, theirs, len + 16);
		if (pos < adlen)
			ad[pos] ^= bit;
		else
			back[pos - adlen] ^= bit;
		memset(ours, 0x5a, len);
		tamper &= open_with("avx512-ifma", ours, back, len + 16, ad, adlen, nonce, key) ==
			  -EBADMSG;
		for (size_t i = 0; i < len; ++i)
			tamper &= ours[i] == 0;
	}
	ok(seal,
	   "chacha20poly1305 avx512 seal == libsodium, every length 0..%d, ad 0..80, unaligned",
	   MAX_LEN);
	ok(cross, "avx512 and openssl open each other's packets");
	ok(inplace, "avx512 seal and open in place");
	ok(tamper, "avx512 open rejects a flipped bit in ad, ciphertext or tag and leaves zeros");
	ok(open_with("avx512-ifma", back, theirs, 15, NULL, 0, theirs, theirs) == -EBADMSG,
	   "shorter than a tag rejected");
}

int main(void)
{
	if (sodium_init() < 0 || crypto_init()) {
		printf("Bail out! crypto init\n");
		return 1;
	}
	if (crypto_aead_select("avx512-ifma") == -ENOTSUP) {
		printf("1..0 # SKIP this CPU has no AVX-512 IFMA\n");
		return 0;
	}
	ok(crypto_aead_select("no-such") == -EINVAL, "unknown implementation name refused");
	test_poly_kat();
	test_poly_diff();
	test_chacha_diff();
	test_aead_diff();
	return done_testing();
}
