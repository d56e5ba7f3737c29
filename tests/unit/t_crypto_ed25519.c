// SPDX-License-Identifier: MIT
/*
 * Ed25519 for signed peer lists: RFC 8032 §7.1 vectors 1-3, libsodium as the oracle for seeded
 * random keys and messages, and every single-bit change of signature, message or key rejected.
 */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/ed25519.h"
#include "prng.h"
#include "tap.h"

static const struct {
	const char *seed, *pub, *msg, *sig;
} rfc8032[] = {
	{ "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
	  "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "",
	  "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e3970"
	  "1cf9b46b"
	  "d25bf5f0595bbe24655141438e7a100b" },
	{ "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
	  "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", "72",
	  "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613"
	  "d0f11d8c"
	  "387b2eaeb4302aeeb00d291612bb0c00" },
	{ "c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
	  "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025", "af82",
	  "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760"
	  "984dc659"
	  "4a7c15e9716ed28dc027beceea1ec40a" },
};

static void test_rfc8032(void)
{
	for (size_t i = 0; i < ARRAY_SIZE(rfc8032); ++i) {
		uint8_t seed[32], pub[32], want_pub[32], sig[64], want_sig[64], msg[8];
		size_t mlen = unhex(msg, sizeof(msg), rfc8032[i].msg);

		unhex(seed, 32, rfc8032[i].seed);
		unhex(want_pub, 32, rfc8032[i].pub);
		unhex(want_sig, 64, rfc8032[i].sig);
		ok(!ed25519_public_key(pub, seed), "rfc8032 %zu: public key derived", i + 1);
		is_mem(pub, want_pub, 32, "rfc8032 public key");
		ok(!ed25519_sign(sig, seed, msg, mlen), "rfc8032 %zu: signed", i + 1);
		is_mem(sig, want_sig, 64, "rfc8032 signature");
		ok(ed25519_verify(want_sig, want_pub, msg, mlen), "rfc8032 %zu: verifies", i + 1);
	}
}

static void test_against_libsodium(void)
{
	unsigned int agree = 0, rejected = 0, rounds = 200;

	for (unsigned int r = 0; r < rounds; ++r) {
		uint8_t seed[32], pub[32], sk[64], opub[32], sig[64], osig[64], msg[300];
		size_t len = rnd() % sizeof(msg);
		unsigned long long slen;

		rnd_bytes(seed, 32);
		rnd_bytes(msg, len);
		crypto_sign_ed25519_seed_keypair(opub, sk, seed);
		crypto_sign_ed25519_detached(osig, &slen, msg, len, sk);
		if (!ed25519_public_key(pub, seed) && !memcmp(pub, opub, 32) &&
		    !ed25519_sign(sig, seed, msg, len) && !memcmp(sig, osig, 64) &&
		    ed25519_verify(osig, opub, msg, len))
			++agree;
		/* One flipped bit anywhere: in the signature, the message, or the key. */
		sig[rnd() % 64] ^= (uint8_t)(1U << (rnd() % 8));
		rejected += !ed25519_verify(sig, pub, msg, len);
		memcpy(sig, osig, 64);
		if (len) {
			msg[rnd() % len] ^= (uint8_t)(1U << (rnd() % 8));
			rejected += !ed25519_verify(sig, pub, msg, len);
		} else {
			++rejected;
		}
		pub[rnd() % 32] ^= (uint8_t)(1U << (rnd() % 8));
		rejected += !ed25519_verify(sig, pub, msg, len);
	}
	ok(agree == rounds, "libsodium agrees on %u/%u keys and signatures", agree, rounds);
	ok(rejected == 3 * rounds, "every altered signature, message or key is rejected (%u/%u)",
	   rejected, 3 * rounds);
}

int main(void)
{
	if (sodium_init() < 0)
		abort();
	test_rfc8032();
	test_against_libsodium();
	return done_testing();
}
