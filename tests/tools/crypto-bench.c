// SPDX-License-Identifier: MIT
/*
 * crypto-bench: the measurements behind docs/crypto.md. Not part of make check.
 * Every competitor of a group runs once per round, in turn, so that drift on a noisy machine
 * hits all of them alike; the table shows the median over the rounds.
 *
 *   make bench-crypto            WGCTL_BENCH_ROUNDS=n (default 7), WGCTL_BENCH_MS=n per run (200)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <sodium.h>

#include "crypto/crypto.h"
#include "noise/noise.h"

enum { MAX_ROUNDS = 31, MAX_BUF = 16384 + 16 };

struct bench {
	const char *group;
	const char *name;
	size_t len; /* bytes processed per op, 0 for key agreement */
	void (*fn)(size_t len);
	double rate[MAX_ROUNDS];
	const char *impl; /* the seam's AEAD for this row (crypto_aead_select), or the default */
};

static uint8_t key[32], hkey[32], nonce[12], ad[16], in[MAX_BUF], out[MAX_BUF + 32], pt_x[32],
	pt_y[32];
static volatile uint8_t sink;
static EVP_CIPHER *ossl_aead;
static EVP_MD *ossl_b2s;
static EVP_MD_CTX *ossl_mdctx;
static EVP_MAC *ossl_hmac, *ossl_b2smac;
static EVP_MAC_CTX *ossl_hmacctx, *ossl_b2smacctx;
static EVP_PKEY_CTX *ossl_fromdata;
static uint64_t counter;
static const char *default_impl;

/*
 * This thread's CPU time: rates are per CPU-second, what one core does, however many other jobs
 * share the host (the wall clock would charge their time slices to us).
 */
static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void die(const char *what)
{
	fprintf(stderr, "crypto-bench: %s failed\n", what);
	exit(1);
}

static void aead_seam(size_t len)
{
	if (chacha20poly1305_encrypt(out, in, len, NULL, 0, ++counter, key))
		die("chacha20poly1305_encrypt");
}

/* What code that does not keep a context writes: allocate, initialise, free, every packet. */
static void aead_ossl_oneshot(size_t len)
{
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	uint8_t n[12] = { 0 };
	int outl;

	memcpy(n + 4, &counter, 8);
	++counter;
	if (!ctx || !EVP_EncryptInit_ex2(ctx, EVP_chacha20_poly1305(), key, n, NULL) ||
	    !EVP_EncryptUpdate(ctx, out, &outl, in, (int)len) ||
	    !EVP_EncryptFinal_ex(ctx, out + len, &outl) ||
	    !EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, 16, out + len))
		die("EVP one-shot encrypt");
	EVP_CIPHER_CTX_free(ctx);
}

/* The same, with the cipher fetched once: isolates the context allocation from the fetch. */
static void aead_ossl_newctx(size_t len)
{
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	uint8_t n[12] = { 0 };
	int outl;

	memcpy(n + 4, &counter, 8);
	++counter;
	if (!ctx || !EVP_EncryptInit_ex2(ctx, ossl_aead, key, n, NULL) ||
	    !EVP_EncryptUpdate(ctx, out, &outl, in, (int)len) ||
	    !EVP_EncryptFinal_ex(ctx, out + len, &outl) ||
	    !EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, 16, out + len))
		die("EVP new-ctx encrypt");
	EVP_CIPHER_CTX_free(ctx);
}

static void aead_sodium(size_t len)
{
	uint8_t n[12] = { 0 };
	unsigned long long clen;

	memcpy(n + 4, &counter, 8);
	++counter;
	crypto_aead_chacha20poly1305_ietf_encrypt(out, &clen, in, len, NULL, 0, NULL, n, key);
}

/* Decrypt and verify a ciphertext made once per size in setup(); dec[] is scratch. */
static uint8_t ct[3][MAX_BUF], dec[MAX_BUF];

static const uint8_t *ct_for(size_t len)
{
	return ct[len == 64 ? 0 : len == 1420 ? 1 : 2];
}

static void aead_dec_seam(size_t len)
{
	if (chacha20poly1305_decrypt(dec, ct_for(len), len + 16, NULL, 0, 1, key))
		die("seam decrypt");
}

static void aead_dec_sodium(size_t len)
{
	uint8_t n[12] = { 0, 0, 0, 0, 1 };
	unsigned long long mlen;

	if (crypto_aead_chacha20poly1305_ietf_decrypt(dec, &mlen, NULL, ct_for(len), len + 16, NULL,
						      0, n, key))
		die("libsodium decrypt");
}

static void x25519_seam(size_t len)
{
	(void)len;
	pt_x[0]++;
	if (curve25519(out, pt_x, pt_y))
		die("curve25519");
}

/* What the seam did before libsodium: four OpenSSL objects allocated per call. */
static void x25519_ossl_pkey(size_t len)
{
	EVP_PKEY *priv, *peer;
	EVP_PKEY_CTX *ctx;
	size_t n = 32;

	(void)len;
	pt_x[0]++;
	priv = EVP_PKEY_new_raw_private_key_ex(NULL, "X25519", NULL, pt_x, 32);
	peer = EVP_PKEY_new_raw_public_key_ex(NULL, "X25519", NULL, pt_y, 32);
	ctx = priv ? EVP_PKEY_CTX_new_from_pkey(NULL, priv, NULL) : NULL;
	if (!peer || !ctx || EVP_PKEY_derive_init(ctx) <= 0 ||
	    EVP_PKEY_derive_set_peer_ex(ctx, peer, 0) <= 0 || EVP_PKEY_derive(ctx, out, &n) <= 0)
		die("EVP_PKEY_derive");
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(peer);
	EVP_PKEY_free(priv);
}

static void x25519_pub_ossl_pkey(size_t len)
{
	EVP_PKEY *priv;
	size_t n = 32;

	(void)len;
	pt_x[0]++;
	priv = EVP_PKEY_new_raw_private_key_ex(NULL, "X25519", NULL, pt_x, 32);
	if (!priv || EVP_PKEY_get_raw_public_key(priv, out, &n) <= 0)
		die("EVP_PKEY_get_raw_public_key");
	EVP_PKEY_free(priv);
}

/*
 * Not used by the seam: importing the private key together with some public key skips the
 * fixed-base multiplication EVP_PKEY_new_raw_private_key does, but leans on OpenSSL 3.0 not
 * checking that the pair matches. Measured here so docs/crypto.md can put a number on it.
 */
static void x25519_ossl_fromdata(size_t len)
{
	OSSL_PARAM p[3];
	EVP_PKEY *priv = NULL, *peer;
	EVP_PKEY_CTX *ctx;
	size_t n = 32;

	(void)len;
	pt_x[0]++;
	p[0] = OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PRIV_KEY, pt_x, 32);
	p[1] = OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, pt_y, 32);
	p[2] = OSSL_PARAM_construct_end();
	if (EVP_PKEY_fromdata(ossl_fromdata, &priv, EVP_PKEY_KEYPAIR, p) <= 0)
		die("EVP_PKEY_fromdata");
	peer = EVP_PKEY_new_raw_public_key_ex(NULL, "X25519", NULL, pt_y, 32);
	ctx = EVP_PKEY_CTX_new_from_pkey(NULL, priv, NULL);
	if (!peer || !ctx || EVP_PKEY_derive_init(ctx) <= 0 ||
	    EVP_PKEY_derive_set_peer_ex(ctx, peer, 0) <= 0 || EVP_PKEY_derive(ctx, out, &n) <= 0)
		die("EVP_PKEY_derive");
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(peer);
	EVP_PKEY_free(priv);
}

static void x25519_sodium(size_t len)
{
	(void)len;
	pt_x[0]++;
	if (crypto_scalarmult_curve25519(out, pt_x, pt_y))
		die("crypto_scalarmult_curve25519");
}

static void x25519_pub_seam(size_t len)
{
	(void)len;
	pt_x[0]++;
	if (curve25519_generate_public(out, pt_x))
		die("curve25519_generate_public");
}

static void x25519_pub_sodium(size_t len)
{
	(void)len;
	pt_x[0]++;
	crypto_scalarmult_curve25519_base(out, pt_x);
}

/*
 * The responder's noise work for one handshake: consume an initiation (es, and ss
 * precomputed), create the response (a fresh ephemeral, ee, se). Three variable-base and one
 * fixed-base X25519 plus the hashing; no MAC checks, no I/O. The same initiation is taken again
 * each time, its timestamp and flood state reset, with the clock one second on.
 */
static struct {
	struct noise_local ini_l, resp_l;
	struct noise_remote ini_r, resp_r;
	struct message_handshake_initiation init;
	struct message_handshake_response resp;
	uint64_t now;
} hs;

static struct noise_remote *hs_remote_get(void *arg, const uint8_t pub[NOISE_PUBLIC_KEY_LEN])
{
	(void)arg;
	return memcmp(pub, hs.resp_r.r_public, NOISE_PUBLIC_KEY_LEN) ? NULL : &hs.resp_r;
}

static int hs_index_set(void *arg, struct noise_remote *r, uint32_t *index)
{
	static uint32_t next;

	(void)arg;
	(void)r;
	*index = ++next;
	return 0;
}

static void hs_index_drop(void *arg, uint32_t index)
{
	(void)arg;
	(void)index;
}

static const struct noise_upcall hs_upcall = { NULL, hs_remote_get, hs_index_set, hs_index_drop };

static void hs_setup(void)
{
	uint8_t ini_priv[32], resp_priv[32];
	struct timespec wall;

	if (crypto_random(ini_priv, 32) || crypto_random(resp_priv, 32))
		die("crypto_random");
	noise_local_init(&hs.ini_l, &hs_upcall, NULL);
	noise_local_init(&hs.resp_l, &hs_upcall, NULL);
	if (noise_local_set_private(&hs.ini_l, ini_priv) ||
	    noise_local_set_private(&hs.resp_l, resp_priv) ||
	    noise_remote_init(&hs.ini_r, &hs.ini_l, hs.resp_l.l_public) ||
	    noise_remote_init(&hs.resp_r, &hs.resp_l, hs.ini_l.l_public) ||
	    noise_remote_precompute(&hs.ini_r) || noise_remote_precompute(&hs.resp_r))
		die("noise setup");
	hs.now = 1000000000ULL;
	clock_gettime(CLOCK_REALTIME, &wall);
	if (noise_create_initiation(&hs.ini_r, &hs.init, &wall, hs.now))
		die("noise_create_initiation");
}

static void noise_responder(size_t len)
{
	struct noise_remote *found;

	(void)len;
	memset(hs.resp_r.r_timestamp, 0, sizeof(hs.resp_r.r_timestamp));
	hs.resp_r.r_has_consumed_initiation = false;
	hs.now += 1000000000ULL;
	if (noise_consume_initiation(&hs.resp_l, &hs.init, &found, hs.now) || found != &hs.resp_r)
		die("noise_consume_initiation");
	if (noise_create_response(found, &hs.resp, hs.now))
		die("noise_create_response");
	out[0] ^= hs.resp.encrypted_nothing[0];
}

static void b2s_own(size_t len)
{
	if (blake2s(out, 32, in, len, NULL, 0))
		die("blake2s");
	in[0] = out[0];
}

/* OpenSSL at its best: digest fetched once, one EVP_MD_CTX reused. */
static void b2s_ossl(size_t len)
{
	unsigned int n;

	if (!EVP_DigestInit_ex2(ossl_mdctx, ossl_b2s, NULL) ||
	    !EVP_DigestUpdate(ossl_mdctx, in, len) || !EVP_DigestFinal_ex(ossl_mdctx, out, &n))
		die("EVP BLAKE2S-256");
	in[0] = out[0];
}

static void b2s_ossl_oneshot(size_t len)
{
	unsigned int n;

	if (!EVP_Digest(in, len, out, &n, EVP_blake2s256(), NULL))
		die("EVP_Digest");
	in[0] = out[0];
}

static void mac_own(size_t len)
{
	if (blake2s(out, 16, in, len, key, 32))
		die("blake2s");
	in[0] = out[0];
}

static void mac_ossl(size_t len)
{
	size_t n, outlen = 16;
	OSSL_PARAM p[2] = { OSSL_PARAM_construct_size_t(OSSL_MAC_PARAM_SIZE, &outlen),
			    OSSL_PARAM_END };

	if (!EVP_MAC_init(ossl_b2smacctx, key, 32, p) || !EVP_MAC_update(ossl_b2smacctx, in, len) ||
	    !EVP_MAC_final(ossl_b2smacctx, out, &n, 16))
		die("EVP BLAKE2SMAC");
	in[0] = out[0];
}

static void hmac_own(size_t len)
{
	blake2s_hmac(out, in, len, hkey, 32);
	hkey[0] = out[0];
}

/* Reused EVP_MAC_CTX; a new key per call, as in the KDF where each step keys with the last. */
static void hmac_ossl(size_t len)
{
	size_t n;

	if (!EVP_MAC_init(ossl_hmacctx, hkey, 32, NULL) || !EVP_MAC_update(ossl_hmacctx, in, len) ||
	    !EVP_MAC_final(ossl_hmacctx, out, &n, 32))
		die("EVP HMAC(BLAKE2S-256)");
	hkey[0] = out[0];
}

static struct bench benches[] = {
	{ "aead", "seam: AVX-512 + IFMA (own)", 64, aead_seam, { 0 }, "avx512-ifma" },
	{ "aead", "seam: EVP, reused ctx", 64, aead_seam, { 0 }, "openssl" },
	{ "aead", "EVP one-shot (new ctx, implicit fetch)", 64, aead_ossl_oneshot, { 0 }, NULL },
	{ "aead", "EVP new ctx, cipher prefetched", 64, aead_ossl_newctx, { 0 }, NULL },
	{ "aead", "libsodium ietf_encrypt", 64, aead_sodium, { 0 }, NULL },
	{ "aead", "seam: AVX-512 + IFMA (own)", 1420, aead_seam, { 0 }, "avx512-ifma" },
	{ "aead", "seam: EVP, reused ctx", 1420, aead_seam, { 0 }, "openssl" },
	{ "aead", "EVP one-shot (new ctx, implicit fetch)", 1420, aead_ossl_oneshot, { 0 }, NULL },
	{ "aead", "EVP new ctx, cipher prefetched", 1420, aead_ossl_newctx, { 0 }, NULL },
	{ "aead", "libsodium ietf_encrypt", 1420, aead_sodium, { 0 }, NULL },
	{ "aead", "seam: AVX-512 + IFMA (own)", 16384, aead_seam, { 0 }, "avx512-ifma" },
	{ "aead", "seam: EVP, reused ctx", 16384, aead_seam, { 0 }, "openssl" },
	{ "aead", "EVP one-shot (new ctx, implicit fetch)", 16384, aead_ossl_oneshot, { 0 }, NULL },
	{ "aead", "EVP new ctx, cipher prefetched", 16384, aead_ossl_newctx, { 0 }, NULL },
	{ "aead", "libsodium ietf_encrypt", 16384, aead_sodium, { 0 }, NULL },
	{ "aead-dec", "seam: AVX-512 + IFMA (own)", 64, aead_dec_seam, { 0 }, "avx512-ifma" },
	{ "aead-dec", "seam: EVP, reused ctx", 64, aead_dec_seam, { 0 }, "openssl" },
	{ "aead-dec", "libsodium ietf_decrypt", 64, aead_dec_sodium, { 0 }, NULL },
	{ "aead-dec", "seam: AVX-512 + IFMA (own)", 1420, aead_dec_seam, { 0 }, "avx512-ifma" },
	{ "aead-dec", "seam: EVP, reused ctx", 1420, aead_dec_seam, { 0 }, "openssl" },
	{ "aead-dec", "libsodium ietf_decrypt", 1420, aead_dec_sodium, { 0 }, NULL },
	{ "aead-dec", "seam: AVX-512 + IFMA (own)", 16384, aead_dec_seam, { 0 }, "avx512-ifma" },
	{ "aead-dec", "seam: EVP, reused ctx", 16384, aead_dec_seam, { 0 }, "openssl" },
	{ "aead-dec", "libsodium ietf_decrypt", 16384, aead_dec_sodium, { 0 }, NULL },
	{ "x25519", "seam: libsodium scalarmult", 0, x25519_seam, { 0 }, NULL },
	{ "x25519", "EVP_PKEY derive (seam until 2026-12)", 0, x25519_ossl_pkey, { 0 }, NULL },
	{ "x25519", "EVP fromdata priv+pub (not adopted)", 0, x25519_ossl_fromdata, { 0 }, NULL },
	{ "x25519", "libsodium scalarmult, direct", 0, x25519_sodium, { 0 }, NULL },
	{ "x25519-pub", "seam: libsodium scalarmult_base", 0, x25519_pub_seam, { 0 }, NULL },
	{ "x25519-pub",
	  "EVP_PKEY raw public (seam until 2026-12)",
	  0,
	  x25519_pub_ossl_pkey,
	  { 0 },
	  NULL },
	{ "x25519-pub", "libsodium scalarmult_base, direct", 0, x25519_pub_sodium, { 0 }, NULL },
	{ "handshake",
	  "noise responder: consume init + response",
	  0,
	  noise_responder,
	  { 0 },
	  NULL },
	{ "blake2s", "own", 32, b2s_own, { 0 }, NULL },
	{ "blake2s", "EVP, md+ctx reused", 32, b2s_ossl, { 0 }, NULL },
	{ "blake2s", "EVP_Digest one-shot", 32, b2s_ossl_oneshot, { 0 }, NULL },
	{ "blake2s", "own", 148, b2s_own, { 0 }, NULL },
	{ "blake2s", "EVP, md+ctx reused", 148, b2s_ossl, { 0 }, NULL },
	{ "blake2s", "EVP_Digest one-shot", 148, b2s_ossl_oneshot, { 0 }, NULL },
	{ "blake2s", "own", 1420, b2s_own, { 0 }, NULL },
	{ "blake2s", "EVP, md+ctx reused", 1420, b2s_ossl, { 0 }, NULL },
	{ "blake2s", "EVP_Digest one-shot", 1420, b2s_ossl_oneshot, { 0 }, NULL },
	{ "mac1", "own keyed, 16-byte out", 116, mac_own, { 0 }, NULL },
	{ "mac1", "EVP BLAKE2SMAC, ctx reused", 116, mac_ossl, { 0 }, NULL },
	{ "hmac", "own", 33, hmac_own, { 0 }, NULL },
	{ "hmac", "EVP HMAC(BLAKE2S-256), ctx reused", 33, hmac_ossl, { 0 }, NULL },
};

static double run(struct bench *b, double seconds)
{
	unsigned long ops = 0, batch = 1;
	double start, t;

	/* A CPU without the instructions shows 0 for that row. */
	if (crypto_aead_select(b->impl ? b->impl : default_impl))
		return 0;
	start = now();

	/* Grow the batch until one takes about a millisecond, so reading the clock costs nothing.
	 */
	for (;;) {
		unsigned long i;

		for (i = 0; i < batch; ++i)
			b->fn(b->len);
		ops += batch;
		t = now() - start;
		if (t >= seconds)
			break;
		if (t < 1e-3 * (double)ops / (double)batch)
			batch *= 2;
	}
	sink ^= out[0];
	return (double)ops / t;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(const double *v, int n)
{
	double s[MAX_ROUNDS];

	memcpy(s, v, sizeof(double) * (size_t)n);
	qsort(s, (size_t)n, sizeof(double), cmp_double);
	return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

static double spread(const double *v, int n)
{
	double lo = v[0], hi = v[0];
	int i;

	for (i = 1; i < n; ++i) {
		lo = v[i] < lo ? v[i] : lo;
		hi = v[i] > hi ? v[i] : hi;
	}
	return 100.0 * (hi - lo) / median(v, n);
}

static void setup(void)
{
	OSSL_PARAM p[2];

	if (crypto_init() || crypto_thread_init() || sodium_init() < 0)
		die("init");
	default_impl = crypto_aead_impl();
	ossl_aead = EVP_CIPHER_fetch(NULL, "ChaCha20-Poly1305", NULL);
	ossl_b2s = EVP_MD_fetch(NULL, "BLAKE2S-256", NULL);
	ossl_mdctx = EVP_MD_CTX_new();
	ossl_hmac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	ossl_b2smac = EVP_MAC_fetch(NULL, "BLAKE2SMAC", NULL);
	if (!ossl_aead || !ossl_b2s || !ossl_mdctx || !ossl_hmac || !ossl_b2smac)
		die("EVP fetch");
	ossl_hmacctx = EVP_MAC_CTX_new(ossl_hmac);
	ossl_b2smacctx = EVP_MAC_CTX_new(ossl_b2smac);
	if (!ossl_hmacctx || !ossl_b2smacctx)
		die("EVP_MAC_CTX_new");
	ossl_fromdata = EVP_PKEY_CTX_new_from_name(NULL, "X25519", NULL);
	if (!ossl_fromdata || EVP_PKEY_fromdata_init(ossl_fromdata) <= 0)
		die("EVP_PKEY_fromdata_init");
	p[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)"BLAKE2S-256", 0);
	p[1] = OSSL_PARAM_construct_end();
	if (!EVP_MAC_CTX_set_params(ossl_hmacctx, p))
		die("HMAC digest");
	if (crypto_random(key, sizeof(key)) || crypto_random(hkey, sizeof(hkey)) ||
	    crypto_random(nonce, sizeof(nonce)) || crypto_random(ad, sizeof(ad)) ||
	    crypto_random(in, sizeof(in)) || crypto_random(pt_x, sizeof(pt_x)))
		die("crypto_random");
	if (curve25519_generate_public(pt_y, key))
		die("public key");
	hs_setup();
	if (chacha20poly1305_encrypt(ct[0], in, 64, NULL, 0, 1, key) ||
	    chacha20poly1305_encrypt(ct[1], in, 1420, NULL, 0, 1, key) ||
	    chacha20poly1305_encrypt(ct[2], in, 16384, NULL, 0, 1, key))
		die("chacha20poly1305_encrypt");
}

static void print_rate(const struct bench *b, double r, double ref, int rounds)
{
	char thr[32] = "";

	if (b->len >= 1000)
		snprintf(thr, sizeof(thr), "%8.2f Gbit/s", r * (double)b->len * 8 / 1e9);
	else if (b->len)
		snprintf(thr, sizeof(thr), "%8.1f MB/s", r * (double)b->len / 1e6);
	printf("%-10s %5zu  %-40s %12.0f  %-15s %6.2fx  ±%.0f%%\n", b->group, b->len, b->name, r,
	       thr, r / ref, spread(b->rate, rounds) / 2);
}

int main(void)
{
	const char *env_r = getenv("WGCTL_BENCH_ROUNDS"), *env_ms = getenv("WGCTL_BENCH_MS");
	int rounds = env_r ? atoi(env_r) : 7, r;
	double seconds = (env_ms ? atoi(env_ms) : 200) / 1000.0;
	size_t i, first;

	if (rounds < 1 || rounds > MAX_ROUNDS || seconds <= 0) {
		fprintf(stderr,
			"crypto-bench: WGCTL_BENCH_ROUNDS must be 1..%d, WGCTL_BENCH_MS > 0\n",
			MAX_ROUNDS);
		return 1;
	}
	setup();
	for (i = 0; i < sizeof(benches) / sizeof(benches[0]); ++i)
		run(&benches[i], 0.02);
	for (r = 0; r < rounds; ++r) {
		fprintf(stderr, "round %d/%d\n", r + 1, rounds);
		for (i = 0; i < sizeof(benches) / sizeof(benches[0]); ++i) {
			/* Odd rounds walk the list backwards: no competitor always runs first in
			 * its group. */
			size_t j = r % 2 ? sizeof(benches) / sizeof(benches[0]) - 1 - i : i;

			benches[j].rate[r] = run(&benches[j], seconds);
		}
	}

	printf("# %s, %s; seam default %s; median of %d rounds x %.0f ms; ratio is to the first "
	       "row of each group\n",
	       OpenSSL_version(OPENSSL_VERSION), "libsodium " SODIUM_VERSION_STRING, default_impl,
	       rounds, seconds * 1000);
	printf("%-10s %5s  %-40s %12s  %-15s %7s  %s\n", "group", "bytes", "implementation",
	       "ops/s", "throughput", "ratio", "±half-range");
	for (i = 0, first = 0; i < sizeof(benches) / sizeof(benches[0]); ++i) {
		if (strcmp(benches[i].group, benches[first].group) ||
		    benches[i].len != benches[first].len)
			first = i;
		print_rate(&benches[i], median(benches[i].rate, rounds),
			   median(benches[first].rate, rounds), rounds);
	}

	EVP_PKEY_CTX_free(ossl_fromdata);
	EVP_MAC_CTX_free(ossl_hmacctx);
	EVP_MAC_CTX_free(ossl_b2smacctx);
	EVP_MAC_free(ossl_hmac);
	EVP_MAC_free(ossl_b2smac);
	EVP_MD_CTX_free(ossl_mdctx);
	EVP_MD_free(ossl_b2s);
	EVP_CIPHER_free(ossl_aead);
	crypto_thread_exit();
	return 0;
}
