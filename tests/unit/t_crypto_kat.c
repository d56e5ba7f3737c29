// SPDX-License-Identifier: MIT
/*
 * Known-answer tests for the crypto seam. Where each vector comes from: tests/vectors/README.
 * WGCTL_SLOW=1 adds the 1,000,000-iteration X25519 case from RFC 7748 §5.2.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "tap.h"
#include "../vectors/crypto/blake2s_kat.h"
#include "../vectors/crypto/x25519_wycheproof.h"

static uint8_t *hexdup(const char *hex, size_t *len)
{
	size_t n = strlen(hex) / 2;
	uint8_t *p = malloc(n ? n : 1);

	if (!p)
		abort();
	*len = unhex(p, n, hex);
	return p;
}

static void unhex32(uint8_t out[32], const char *hex)
{
	if (unhex(out, 32, hex) != 32)
		abort();
}

static void test_x25519_rfc7748(void)
{
	static const struct {
		const char *scalar, *point, *out;
	} v[] = {
		/* §5.2 */
		{ "a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4",
		  "e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c",
		  "c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552" },
		{ "4b66e9d4d1b4673c5ad22691957d6af5c11b6421e0ea01d42ca4169e7918ba0d",
		  "e5210f12786811d3f4b7959d0538ae2c31dbe7106fc03c3efc4cd549c715a493",
		  "95cbde9476e8907d7aade45cb4b873f88b595a68799fa152e6f8f7647aac7957" },
	};
	uint8_t s[32], p[32], want[32], got[32];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(v); ++i) {
		unhex32(s, v[i].scalar);
		unhex32(p, v[i].point);
		unhex32(want, v[i].out);
		ok(curve25519(got, s, p) == 0, "x25519 rfc7748 5.2 #%zu returns 0", i + 1);
		is_mem(got, want, 32, "x25519 rfc7748 5.2 vector");
	}
}

static void x25519_iterate(uint8_t k[32], unsigned long iterations)
{
	uint8_t u[32] = { 9 }, r[32];
	unsigned long i;
	bool good = true;

	memset(k, 0, 32);
	k[0] = 9;
	for (i = 0; i < iterations; ++i) {
		good &= curve25519(r, k, u) == 0;
		memcpy(u, k, 32);
		memcpy(k, r, 32);
	}
	ok(good, "x25519 iteration: every step non-zero (%lu)", iterations);
}

static void test_x25519_iterated(void)
{
	const char *slow = getenv("WGCTL_SLOW");
	uint8_t k[32], want[32];

	x25519_iterate(k, 1);
	unhex32(want, "422c8e7a6227d7bca1350b3e2bb7279f7897b87bb6854b783c60e80311ae3079");
	is_mem(k, want, 32, "x25519 rfc7748 5.2 after 1 iteration");

	x25519_iterate(k, 1000);
	unhex32(want, "684cf59ba83309552800ef566f2f4d3c1c3887c49360e3875f2eb94d99532c51");
	is_mem(k, want, 32, "x25519 rfc7748 5.2 after 1000 iterations");

	if (slow && !strcmp(slow, "1")) {
		x25519_iterate(k, 1000000);
		unhex32(want, "7c3911e0ab2586fd864497297e575e6f3bc601c0883c30df5f4dd2d24f665424");
		is_mem(k, want, 32, "x25519 rfc7748 5.2 after 1000000 iterations");
	} else {
		ok(true, "x25519 rfc7748 5.2 after 1000000 iterations # SKIP set WGCTL_SLOW=1");
	}
}

static void test_x25519_alice_bob(void)
{
	uint8_t a[32], b[32], apub[32], bpub[32], want[32], got[32], s1[32], s2[32];

	unhex32(a, "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a");
	unhex32(b, "5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb");

	ok(curve25519_generate_public(got, a) == 0, "x25519 6.1 alice public generated");
	unhex32(apub, "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a");
	is_mem(got, apub, 32, "x25519 6.1 alice public");
	ok(curve25519_generate_public(got, b) == 0, "x25519 6.1 bob public generated");
	unhex32(bpub, "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f");
	is_mem(got, bpub, 32, "x25519 6.1 bob public");

	unhex32(want, "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742");
	ok(curve25519(s1, a, bpub) == 0, "x25519 6.1 alice shared");
	is_mem(s1, want, 32, "x25519 6.1 alice shared value");
	ok(curve25519(s2, b, apub) == 0, "x25519 6.1 bob shared");
	is_mem(s2, want, 32, "x25519 6.1 bob shared value");
}

static void test_x25519_low_order(void)
{
	/*
	 * The seven points of the kernel's netns.sh low-order peers (also in Wycheproof), then the
	 * same u values with bit 255 set, which X25519 must ignore.
	 */
	static const char *const pts[] = {
		"0000000000000000000000000000000000000000000000000000000000000000",
		"0100000000000000000000000000000000000000000000000000000000000000",
		"e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800",
		"5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157",
		"ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
		"edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
		"eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
		"0000000000000000000000000000000000000000000000000000000000000080",
		"0100000000000000000000000000000000000000000000000000000000000080",
		"e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b880",
		"5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f11d7",
		"ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
		"edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
		"eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
	};
	static const uint8_t zero[32];
	uint8_t s[32], p[32], out[32];
	size_t i;

	unhex32(s, "a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4");
	for (i = 0; i < ARRAY_SIZE(pts); ++i) {
		unhex32(p, pts[i]);
		memset(out, 0xaa, sizeof(out));
		ok(curve25519(out, s, p) == -EKEYREJECTED && !memcmp(out, zero, 32),
		   "x25519 low-order point %zu rejected (-EKEYREJECTED) and output zeroed", i);
	}
	/* Clamping turns the all-zero secret into 2^254; wg(8) prints its public key, so do we. */
	memset(s, 0, sizeof(s));
	unhex32(p, "2fe57da347cd62431528daac5fbb290730fff684afc4cfc2ed90995f58cb3b74");
	ok(curve25519_generate_public(out, s) == 0 && !memcmp(out, p, 32),
	   "x25519 all-zero secret clamps like wg(8)");
}

/*
 * Every Wycheproof X25519 test: valid and "acceptable" ones (non-canonical and twist points) all
 * have one right answer, and those with an all-zero shared secret must be refused, output zeroed.
 */
static void test_x25519_wycheproof(void)
{
	size_t i, bad = 0, refused = 0;
	uint8_t s[32], p[32], want[32], got[32];

	for (i = 0; i < ARRAY_SIZE(x25519_wycheproof); ++i) {
		const struct x25519_wycheproof *t = &x25519_wycheproof[i];
		int ret;

		unhex32(s, t->priv);
		unhex32(p, t->pub);
		unhex32(want, t->shared);
		memset(got, 0xaa, sizeof(got));
		ret = curve25519(got, s, p);
		if (t->zero ? ret != -EKEYREJECTED : ret != 0) {
			printf("# wycheproof tcId %d: returned %d\n", t->tc_id, ret);
			++bad;
		} else if (memcmp(got, want, 32)) {
			printf("# wycheproof tcId %d: wrong shared secret\n", t->tc_id);
			++bad;
		}
		refused += ret == -EKEYREJECTED;
	}
	ok(bad == 0 && i == 518, "x25519: all %zu Wycheproof vectors (%zu refused as all-zero)", i,
	   refused);
}

static void test_clamp(void)
{
	uint8_t s[32];

	memset(s, 0xff, sizeof(s));
	curve25519_clamp_secret(s);
	ok(s[0] == 0xf8 && s[31] == 0x7f && s[15] == 0xff, "clamp of ff..ff");
	memset(s, 0, sizeof(s));
	curve25519_clamp_secret(s);
	ok(s[0] == 0 && s[31] == 0x40, "clamp of 00..00");
}

static const char ladies[] =
	"Ladies and Gentlemen of the class of '99: If I could offer you only one tip for "
	"the future, sunscreen would be it.";

static void test_aead_rfc8439(void)
{
	static const char ct_hex[] =
		"d31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d6"
		"3dbea45e8ca9671282fafb69da92728b1a71de0a9e060b2905d6a5b67ecd3b36"
		"92ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc"
		"3ff4def08e4b7a9de576d26586cec64b6116"
		"1ae10b594f09e26a7e902ecbd0600691";
	size_t len = sizeof(ladies) - 1, ctlen, adlen;
	uint8_t key[32], nonce[12], ad[12], buf[256], *ct;

	unhex32(key, "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f");
	unhex(nonce, 12, "070000004041424344454647");
	adlen = unhex(ad, sizeof(ad), "50515253c0c1c2c3c4c5c6c7");
	ct = hexdup(ct_hex, &ctlen);
	ok(ctlen == len + 16, "rfc8439 2.8.2 lengths");

	must(chacha20poly1305_encrypt_ietf(buf, (const uint8_t *)ladies, len, ad, adlen, nonce,
					   key));
	is_mem(buf, ct, ctlen, "rfc8439 2.8.2 encrypt (ciphertext || tag)");

	memcpy(buf, ladies, len);
	must(chacha20poly1305_encrypt_ietf(buf, buf, len, ad, adlen, nonce, key));
	is_mem(buf, ct, ctlen, "rfc8439 2.8.2 encrypt in place");

	ok(chacha20poly1305_decrypt_ietf(buf, ct, ctlen, ad, adlen, nonce, key) == 0,
	   "rfc8439 2.8.2 decrypt");
	is_mem(buf, ladies, len, "rfc8439 2.8.2 decrypted plaintext");

	memcpy(buf, ct, ctlen);
	ok(chacha20poly1305_decrypt_ietf(buf, buf, ctlen, ad, adlen, nonce, key) == 0,
	   "rfc8439 2.8.2 decrypt in place");
	is_mem(buf, ladies, len, "rfc8439 2.8.2 in-place plaintext");

	/* The WireGuard nonce form: 4 zero bytes, then LE64. This vector's nonce is not of that
	 * form. */
	must(chacha20poly1305_encrypt(buf, (const uint8_t *)ladies, len, ad, adlen,
				      0x4746454443424140ULL, key));
	ok(memcmp(buf, ct, ctlen) != 0,
	   "wg nonce 0x4746..40 differs from the rfc nonce (constant 07000000)");

	ct[ctlen - 1] ^= 1;
	memset(buf, 0x55, sizeof(buf));
	ok(chacha20poly1305_decrypt_ietf(buf, ct, ctlen, ad, adlen, nonce, key) == -EBADMSG,
	   "rfc8439 tampered tag rejected");
	ok(ct_is_zero(buf, len), "rejected decrypt leaves no plaintext");
	ct[ctlen - 1] ^= 1;
	ct[0] ^= 0x80;
	ok(chacha20poly1305_decrypt_ietf(buf, ct, ctlen, ad, adlen, nonce, key) == -EBADMSG,
	   "rfc8439 tampered ciphertext rejected");
	ct[0] ^= 0x80;
	ad[0] ^= 1;
	ok(chacha20poly1305_decrypt_ietf(buf, ct, ctlen, ad, adlen, nonce, key) == -EBADMSG,
	   "rfc8439 tampered ad rejected");
	ad[0] ^= 1;
	ok(chacha20poly1305_decrypt_ietf(buf, ct, 15, ad, adlen, nonce, key) == -EBADMSG,
	   "ciphertext shorter than a tag rejected");
	ok(chacha20poly1305_decrypt_ietf(buf, ct, ctlen, ad, adlen, nonce, key) == 0,
	   "untampered still decrypts");
	free(ct);
}

static void test_aead_rfc8439_a5(void)
{
	static const char pt_hex[] =
		"496e7465726e65742d4472616674732061726520647261667420646f63756d65"
		"6e74732076616c696420666f722061206d6178696d756d206f6620736978206d"
		"6f6e74687320616e64206d617920626520757064617465642c207265706c6163"
		"65642c206f72206f62736f6c65746564206279206f7468657220646f63756d65"
		"6e747320617420616e792074696d652e20497420697320696e617070726f7072"
		"6961746520746f2075736520496e7465726e65742d4472616674732061732072"
		"65666572656e6365206d6174657269616c206f7220746f206369746520746865"
		"6d206f74686572207468616e206173202fe2809c776f726b20696e2070726f67"
		"726573732e2fe2809d";
	static const char ct_hex[] =
		"64a0861575861af460f062c79be643bd5e805cfd345cf389f108670ac76c8cb2"
		"4c6cfc18755d43eea09ee94e382d26b0bdb7b73c321b0100d4f03b7f355894cf"
		"332f830e710b97ce98c8a84abd0b948114ad176e008d33bd60f982b1ff37c855"
		"9797a06ef4f0ef61c186324e2b3506383606907b6a7c02b0f9f6157b53c867e4"
		"b9166c767b804d46a59b5216cde7a4e99040c5a40433225ee282a1b0a06c523e"
		"af4534d7f83fa1155b0047718cbc546a0d072b04b3564eea1b422273f548271a"
		"0bb2316053fa76991955ebd63159434ecebb4e466dae5a1073a6727627097a10"
		"49e617d91d361094fa68f0ff77987130305beaba2eda04df997b714d6c6f2c29"
		"a6ad5cb4022b02709b"
		"eead9d67890cbb22392336fea1851f38";
	uint8_t key[32], nonce[12], ad[12], buf[512], *pt, *ct;
	size_t ptlen, ctlen;

	unhex32(key, "1c9240a5eb55d38af333888604f6b5f0473917c1402b80099dca5cbc207075c0");
	unhex(nonce, 12, "000000000102030405060708");
	unhex(ad, 12, "f33388860000000000004e91");
	pt = hexdup(pt_hex, &ptlen);
	ct = hexdup(ct_hex, &ctlen);

	ok(chacha20poly1305_decrypt_ietf(buf, ct, ctlen, ad, 12, nonce, key) == 0,
	   "rfc8439 A.5 decrypt");
	is_mem(buf, pt, ptlen, "rfc8439 A.5 plaintext");
	/* Same nonce through the WireGuard form: 00000000 || LE64(0x0807060504030201). */
	ok(chacha20poly1305_decrypt(buf, ct, ctlen, ad, 12, 0x0807060504030201ULL, key) == 0,
	   "rfc8439 A.5 via wg nonce");
	is_mem(buf, pt, ptlen, "rfc8439 A.5 plaintext via wg nonce");
	must(chacha20poly1305_encrypt(buf, pt, ptlen, ad, 12, 0x0807060504030201ULL, key));
	is_mem(buf, ct, ctlen, "rfc8439 A.5 re-encrypt via wg nonce");
	free(pt);
	free(ct);
}

static void test_xchacha(void)
{
	static const char ct_hex[] =
		"bd6d179d3e83d43b9576579493c0e939572a1700252bfaccbed2902c21396cbb"
		"731c7f1b0b4aa6440bf3a82f4eda7e39ae64c6708c54c216cb96b72e1213b452"
		"2f8c9ba40db5d945b11b69b982c1bb9e3f3fac2bc369488f76b2383565d3fff9"
		"21f9664c97637da9768812f615c68b13b52e"
		"c0875924c1c7987947deafd8780acf49";
	uint8_t key[32], hnonce[16], out[32], want[32], nonce[24], ad[12], buf[256], *ct;
	size_t len = sizeof(ladies) - 1, ctlen;

	unhex32(key, "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");
	unhex(hnonce, 16, "000000090000004a0000000031415927");
	unhex32(want, "82413b4227b27bfed30e42508a877d73a0f9e4d58a74a853c12ec41326d3ecdc");
	hchacha20(out, hnonce, key);
	is_mem(out, want, 32, "hchacha20 draft-irtf-cfrg-xchacha 2.2.1");

	unhex32(key, "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f");
	unhex(nonce, 24, "404142434445464748494a4b4c4d4e4f5051525354555657");
	unhex(ad, 12, "50515253c0c1c2c3c4c5c6c7");
	ct = hexdup(ct_hex, &ctlen);
	ok(ctlen == len + 16, "xchacha A.3 lengths");
	must(xchacha20poly1305_encrypt(buf, (const uint8_t *)ladies, len, ad, 12, nonce, key));
	is_mem(buf, ct, ctlen, "xchacha20poly1305 draft A.3 encrypt");
	ok(xchacha20poly1305_decrypt(buf, ct, ctlen, ad, 12, nonce, key) == 0,
	   "xchacha20poly1305 A.3 decrypt");
	is_mem(buf, ladies, len, "xchacha20poly1305 A.3 plaintext");
	ct[20] ^= 4;
	ok(xchacha20poly1305_decrypt(buf, ct, ctlen, ad, 12, nonce, key) == -EBADMSG,
	   "xchacha20poly1305 tampered rejected");
	free(ct);
}

static void test_blake2s(void)
{
	uint8_t in[256], key[32], want[32], got[32];
	struct blake2s_state st;
	bool good_u = true, good_k = true, good_s = true;
	size_t i, j;

	unhex32(want, "508c5e8c327c14e2e1a72ba34eeb452f37458b209ed63a294d999b4c86675982");
	must(blake2s(got, 32, "abc", 3, NULL, 0));
	is_mem(got, want, 32, "blake2s-256(\"abc\") rfc7693 appendix B");

	for (i = 0; i < sizeof(in); ++i)
		in[i] = (uint8_t)i;
	for (i = 0; i < sizeof(key); ++i)
		key[i] = (uint8_t)i;

	for (i = 0; i < 256; ++i) {
		unhex32(want, blake2s_kat_unkeyed[i]);
		must(blake2s(got, 32, in, i, NULL, 0));
		if (memcmp(got, want, 32)) {
			printf("# unkeyed length %zu\n", i);
			good_u = false;
		}
		unhex32(want, blake2s_kat_keyed[i]);
		must(blake2s(got, 32, in, i, key, 32));
		if (memcmp(got, want, 32)) {
			printf("# keyed length %zu\n", i);
			good_k = false;
		}
		/* Streaming in uneven pieces must match one-shot. */
		must(blake2s_init_key(&st, 32, key, 32));
		for (j = 0; j < i;) {
			size_t n = (j * 7 + 1) % 67 + 1;

			if (n > i - j)
				n = i - j;
			blake2s_update(&st, in + j, n);
			j += n;
		}
		blake2s_final(&st, got);
		if (memcmp(got, want, 32)) {
			printf("# streaming keyed length %zu\n", i);
			good_s = false;
		}
	}
	ok(good_u, "blake2s unkeyed lengths 0..255 (hashlib.blake2s)");
	ok(good_k, "blake2s keyed 00..1f lengths 0..255 (hashlib.blake2s)");
	ok(good_s, "blake2s keyed streaming in uneven pieces");
}

static void test_wg_constants(void)
{
	static const char construction[] = "Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s";
	static const char identifier[] = "WireGuard v1 zx2c4 Jason@zx2c4.com";
	uint8_t ci[32], hi[32], want[32];
	struct blake2s_state st;

	must(blake2s(ci, 32, construction, sizeof(construction) - 1, NULL, 0));
	unhex32(want, "60e26daef327efc02ec335e2a025d2d016eb4206f87277f52d38d1988b78cd36");
	is_mem(ci, want, 32, "wireguard Ci = HASH(construction)");

	blake2s_init(&st);
	blake2s_update(&st, ci, 32);
	blake2s_update(&st, identifier, sizeof(identifier) - 1);
	blake2s_final(&st, hi);
	unhex32(want, "2211b361081ac566691243db458ad5322d9c6c662293e8b70ee19c65ba079ef3");
	is_mem(hi, want, 32, "wireguard Hi = HASH(Ci || identifier)");
}

/* KDF as in the whitepaper; t1..t3 are wireguard-go kdf_test.go's t0..t2. */
static void kdf(uint8_t t[3][32], const void *key, size_t keylen, const void *in, size_t inlen)
{
	uint8_t prk[32], buf[33];

	blake2s_hmac(prk, in, inlen, key, keylen);
	buf[0] = 1;
	blake2s_hmac(t[0], buf, 1, prk, 32);
	memcpy(buf, t[0], 32);
	buf[32] = 2;
	blake2s_hmac(t[1], buf, 33, prk, 32);
	memcpy(buf, t[1], 32);
	buf[32] = 3;
	blake2s_hmac(t[2], buf, 33, prk, 32);
}

static void test_kdf(void)
{
	static const struct {
		const char *key, *in, *t[3];
	} v[] = {
		{ "test-key",
		  "test-input",
		  { "6f0e5ad38daba1bea8a0d213688736f19763239305e0f58aba697f9ffc41c633",
		    "df1194df20802a4fe594cde27e92991c8cae66c366e8106aaa937a55fa371e8a",
		    "fac6e2745a325f5dc5d11a5b165aad08b0ada28e7b4e666b7c077934a4d76c24" } },
		{ "wireguard",
		  "wireguard",
		  { "491d43bbfdaa8750aaf535e334ecbfe5129967cd64635101c566d4caefda96e8",
		    "1e71a379baefd8a79aa4662212fcafe19a23e2b609a3db7d6bcba8f560e3d25f",
		    "31e1ae48bddfbe5de38f295e5452b1909a1b4e38e183926af3780b0c1e1f0160" } },
		{ "",
		  "",
		  { "8387b46bf43eccfcf349552a095d8315c4055beb90208fb1be23b894bc2ed5d0",
		    "58a0e5f6faefccf4807bff1f05fa8a9217945762040bcec2f4b4a62bdfe0e86e",
		    "0ce6ea98ec548f8e281e93e32db65621c45eb18dc6f0a7ad94178610a2f7338e" } },
	};
	uint8_t t[3][32], want[32];
	size_t i, j;

	for (i = 0; i < ARRAY_SIZE(v); ++i) {
		kdf(t, v[i].key, strlen(v[i].key), v[i].in, strlen(v[i].in));
		for (j = 0; j < 3; ++j) {
			unhex32(want, v[i].t[j]);
			if (!is_mem(t[j], want, 32, "hmac-blake2s kdf (wireguard-go kdf_test.go)"))
				printf("# key '%s' output %zu\n", v[i].key, j);
		}
	}
}

static void test_random(void)
{
	uint8_t a[300], b[300];

	ok(crypto_random(a, sizeof(a)) == 0 && crypto_random(b, sizeof(b)) == 0,
	   "crypto_random 300 bytes");
	ok(memcmp(a, b, sizeof(a)) != 0 && !ct_is_zero(a, sizeof(a)),
	   "crypto_random differs across calls");
	ok(crypto_random(a, 0) == 0, "crypto_random 0 bytes");
}

static const char *const aead_impls[] = { "openssl", "avx512-ifma" };

int main(void)
{
	ok(crypto_init() == 0 && crypto_init() == 0, "crypto_init idempotent");
	ok(crypto_thread_init() == 0 && crypto_thread_init() == 0, "crypto_thread_init idempotent");
	test_x25519_rfc7748();
	test_x25519_iterated();
	test_x25519_alice_bob();
	test_x25519_low_order();
	test_x25519_wycheproof();
	test_clamp();
	/* Every implementation of the seam's AEAD this CPU can run answers the same vectors. */
	for (size_t i = 0; i < ARRAY_SIZE(aead_impls); ++i) {
		if (crypto_aead_select(aead_impls[i])) {
			ok(true, "%s # SKIP not supported by this CPU", aead_impls[i]);
			continue;
		}
		printf("# AEAD implementation: %s\n", crypto_aead_impl());
		test_aead_rfc8439();
		test_aead_rfc8439_a5();
		test_xchacha();
	}
	test_blake2s();
	test_wg_constants();
	test_kdf();
	test_random();
	crypto_thread_exit();
	crypto_thread_exit();
	/* A fresh context on first use after exit. */
	test_aead_rfc8439_a5();
	crypto_thread_exit();
	return done_testing();
}
