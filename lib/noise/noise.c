// SPDX-License-Identifier: MIT
/*
 * Noise_IKpsk2 as WireGuard uses it (whitepaper section 5.4):
 *
 *   initiator -> responder: e, es, s, ss, {timestamp}
 *   responder -> initiator: e, ee, se, psk, {}
 *
 * then (T_send, T_recv) = KDF2(C, empty) for the initiator and the reverse for the responder.
 * Every function copies the handshake state into locals, works on those and commits only when
 * the whole message checked out; temporaries are wiped at the single exit label.
 */
#include <endian.h>
#include <errno.h>
#include <limits.h>
#include <string.h>

#include "crypto/crypto.h"
#include "noise/noise.h"
#include "noise/tai64n.h"
#include "util/secmem.h"

_Static_assert((int)NOISE_HASH_LEN == (int)BLAKE2S_HASH_SIZE, "HASH is BLAKE2s-256");

/* Every remote's keypair slots, while it has a session (struct noise_remote). */
static struct secmem_pool keypairs_pool = SECMEM_POOL_INIT(sizeof(struct noise_keypairs));

static uint64_t elapsed(uint64_t since, uint64_t now)
{
	return now > since ? now - since : 0;
}

/* HKDF over HMAC-BLAKE2s: T1 = HMAC(PRK, 0x1), Tn = HMAC(PRK, Tn-1 || n). */
static void kdf(uint8_t *first, uint8_t *second, uint8_t *third, const uint8_t *data,
		size_t data_len, const uint8_t ck[NOISE_HASH_LEN])
{
	uint8_t prk[NOISE_HASH_LEN], in[NOISE_HASH_LEN + 1], out[NOISE_HASH_LEN];

	blake2s_hmac(prk, data, data_len, ck, NOISE_HASH_LEN);

	in[0] = 1;
	blake2s_hmac(out, in, 1, prk, NOISE_HASH_LEN);
	memcpy(first, out, NOISE_HASH_LEN);
	if (!second)
		goto out;

	memcpy(in, out, NOISE_HASH_LEN);
	in[NOISE_HASH_LEN] = 2;
	blake2s_hmac(out, in, sizeof(in), prk, NOISE_HASH_LEN);
	memcpy(second, out, NOISE_HASH_LEN);
	if (!third)
		goto out;

	memcpy(in, out, NOISE_HASH_LEN);
	in[NOISE_HASH_LEN] = 3;
	blake2s_hmac(out, in, sizeof(in), prk, NOISE_HASH_LEN);
	memcpy(third, out, NOISE_HASH_LEN);
out:
	memzero_explicit(prk, sizeof(prk));
	memzero_explicit(in, sizeof(in));
	memzero_explicit(out, sizeof(out));
}

static void mix_hash(uint8_t h[NOISE_HASH_LEN], const uint8_t *src, size_t len)
{
	struct blake2s_state b;

	blake2s_init(&b);
	blake2s_update(&b, h, NOISE_HASH_LEN);
	blake2s_update(&b, src, len);
	blake2s_final(&b, h);
	memzero_explicit(&b, sizeof(b));
}

/*
 * key may be NULL: ee and se only advance the chaining key. 0, -EKEYREJECTED for a low-order
 * point (which would contribute a known secret), or -ENOMEM.
 */
static int __must_check mix_dh(uint8_t ck[NOISE_HASH_LEN], uint8_t key[NOISE_SYMMETRIC_KEY_LEN],
			       const uint8_t private_key[NOISE_PUBLIC_KEY_LEN],
			       const uint8_t public_key[NOISE_PUBLIC_KEY_LEN])
{
	uint8_t dh[NOISE_PUBLIC_KEY_LEN];
	int ret = curve25519(dh, private_key, public_key);

	if (ret < 0)
		return ret;
	kdf(ck, key, NULL, dh, sizeof(dh), ck);
	memzero_explicit(dh, sizeof(dh));
	return 0;
}

static bool __must_check mix_precomputed_dh(uint8_t ck[NOISE_HASH_LEN],
					    uint8_t key[NOISE_SYMMETRIC_KEY_LEN],
					    const uint8_t precomputed[NOISE_PUBLIC_KEY_LEN])
{
	if (ct_is_zero(precomputed, NOISE_PUBLIC_KEY_LEN))
		return false;
	kdf(ck, key, NULL, precomputed, NOISE_PUBLIC_KEY_LEN, ck);
	return true;
}

static void mix_psk(uint8_t ck[NOISE_HASH_LEN], uint8_t h[NOISE_HASH_LEN],
		    uint8_t key[NOISE_SYMMETRIC_KEY_LEN],
		    const uint8_t psk[NOISE_SYMMETRIC_KEY_LEN])
{
	uint8_t tau[NOISE_HASH_LEN];

	kdf(ck, tau, key, psk, NOISE_SYMMETRIC_KEY_LEN, ck);
	mix_hash(h, tau, sizeof(tau));
	memzero_explicit(tau, sizeof(tau));
}

/*
 * Handshake AEADs use nonce 0: every key encrypts exactly one field, so no cipher context keeps
 * it. 0 or -errno as chacha20poly1305_encrypt()/_decrypt() (-EBADMSG: not authentic).
 */
static int __must_check message_encrypt(uint8_t *dst, const uint8_t *src, size_t len,
					const uint8_t key[NOISE_SYMMETRIC_KEY_LEN],
					uint8_t h[NOISE_HASH_LEN])
{
	int ret = chacha20poly1305_encrypt(dst, src, len, h, NOISE_HASH_LEN, 0, key);

	crypto_forget_key(key);
	if (ret == 0)
		mix_hash(h, dst, noise_encrypted_len(len));
	return ret;
}

static int __must_check message_decrypt(uint8_t *dst, const uint8_t *src, size_t src_len,
					const uint8_t key[NOISE_SYMMETRIC_KEY_LEN],
					uint8_t h[NOISE_HASH_LEN])
{
	int ret = chacha20poly1305_decrypt(dst, src, src_len, h, NOISE_HASH_LEN, 0, key);

	crypto_forget_key(key);
	if (ret == 0)
		mix_hash(h, src, src_len);
	return ret;
}

static void message_ephemeral(uint8_t dst[NOISE_PUBLIC_KEY_LEN],
			      const uint8_t src[NOISE_PUBLIC_KEY_LEN], uint8_t ck[NOISE_HASH_LEN],
			      uint8_t h[NOISE_HASH_LEN])
{
	if (dst != src)
		memcpy(dst, src, NOISE_PUBLIC_KEY_LEN);
	mix_hash(h, src, NOISE_PUBLIC_KEY_LEN);
	kdf(ck, NULL, NULL, src, NOISE_PUBLIC_KEY_LEN, ck);
}

static void handshake_init(const struct noise_local *l, uint8_t ck[NOISE_HASH_LEN],
			   uint8_t h[NOISE_HASH_LEN],
			   const uint8_t responder_static[NOISE_PUBLIC_KEY_LEN])
{
	memcpy(ck, l->l_ck0, NOISE_HASH_LEN);
	memcpy(h, l->l_h0, NOISE_HASH_LEN);
	mix_hash(h, responder_static, NOISE_PUBLIC_KEY_LEN);
}

static int __must_check generate_ephemeral(const struct noise_local *l,
					   uint8_t private_key[NOISE_PUBLIC_KEY_LEN],
					   uint8_t public_key[NOISE_PUBLIC_KEY_LEN])
{
	int ret = noise_rng_fill(&l->l_rng, private_key, NOISE_PUBLIC_KEY_LEN);

	if (ret < 0)
		return ret;
	curve25519_clamp_secret(private_key);
	return curve25519_generate_public(public_key, private_key);
}

static void handshake_drop_index(struct noise_remote *r)
{
	struct noise_handshake *hs = &r->r_handshake;
	const struct noise_upcall *u = &r->r_local->l_upcall;

	if (hs->hs_has_index)
		u->u_index_drop(u->u_arg, hs->hs_local_index);
	hs->hs_has_index = false;
	hs->hs_local_index = 0;
}

/* Takes a new index before giving up the old one, so the two never coincide. */
static int handshake_new_index(struct noise_remote *r)
{
	const struct noise_upcall *u = &r->r_local->l_upcall;
	uint32_t idx;
	int ret;

	ret = u->u_index_set(u->u_arg, r, &idx);
	if (ret < 0)
		return ret;
	handshake_drop_index(r);
	r->r_handshake.hs_local_index = idx;
	r->r_handshake.hs_has_index = true;
	return 0;
}

/* Both consume paths end alike: our ephemeral is spent, theirs and the chaining state kept. */
static void handshake_consumed(struct noise_handshake *hs,
			       const uint8_t remote_e[NOISE_PUBLIC_KEY_LEN],
			       const uint8_t ck[NOISE_HASH_LEN], const uint8_t h[NOISE_HASH_LEN],
			       uint32_t sender_index, uint64_t now,
			       enum noise_handshake_state state)
{
	memzero_explicit(hs->hs_e, sizeof(hs->hs_e));
	memcpy(hs->hs_remote_e, remote_e, NOISE_PUBLIC_KEY_LEN);
	memcpy(hs->hs_ck, ck, NOISE_HASH_LEN);
	memcpy(hs->hs_hash, h, NOISE_HASH_LEN);
	hs->hs_remote_index = sender_index;
	hs->hs_birthdate = now;
	hs->hs_state = state;
}

static void keypair_drop(struct noise_remote *r, struct noise_keypair *kp)
{
	const struct noise_upcall *u = &r->r_local->l_upcall;

	if (!kp)
		return;
	u->u_index_drop(u->u_arg, kp->kp_local_index);
	/* Whichever threads sealed or opened under these keys keep them until told. */
	crypto_forget_key(kp->kp_send);
	crypto_forget_key(kp->kp_recv);
	memzero_explicit(kp, sizeof(*kp));
}

void noise_local_init(struct noise_local *l, const struct noise_upcall *upcall,
		      const struct noise_rng *rng)
{
	memset(l, 0, sizeof(*l));
	l->l_upcall = *upcall;
	if (rng)
		l->l_rng = *rng;
	cookie_checker_init(&l->l_cookie, rng);
	noise_local_set_prologue(l, NOISE_IDENTIFIER, strlen(NOISE_IDENTIFIER));
}

void noise_local_set_prologue(struct noise_local *l, const void *prologue, size_t len)
{
	struct blake2s_state b;

	blake2s_init(&b);
	blake2s_update(&b, NOISE_CONSTRUCTION, strlen(NOISE_CONSTRUCTION));
	blake2s_final(&b, l->l_ck0);
	memcpy(l->l_h0, l->l_ck0, NOISE_HASH_LEN);
	mix_hash(l->l_h0, prologue, len);
}

int noise_local_set_private(struct noise_local *l, const uint8_t private_key[NOISE_PUBLIC_KEY_LEN])
{
	uint8_t private[NOISE_PUBLIC_KEY_LEN], public[NOISE_PUBLIC_KEY_LEN];
	int ret;

	if (!private_key) {
		memzero_explicit(l->l_private, NOISE_PUBLIC_KEY_LEN);
		memzero_explicit(l->l_public, NOISE_PUBLIC_KEY_LEN);
		l->l_has_identity = false;
		cookie_checker_precompute(&l->l_cookie, NULL);
		return 0;
	}
	memcpy(private, private_key, NOISE_PUBLIC_KEY_LEN);
	curve25519_clamp_secret(private);
	ret = curve25519_generate_public(public, private);
	if (ret == 0) {
		memcpy(l->l_private, private, NOISE_PUBLIC_KEY_LEN);
		memcpy(l->l_public, public, NOISE_PUBLIC_KEY_LEN);
		l->l_has_identity = true;
		cookie_checker_precompute(&l->l_cookie, l->l_public);
	}
	memzero_explicit(private, sizeof(private));
	return ret;
}

void noise_local_clear(struct noise_local *l)
{
	(void)noise_local_set_private(l, NULL);
	cookie_checker_clear(&l->l_cookie);
}

int noise_remote_init(struct noise_remote *r, struct noise_local *l,
		      const uint8_t public_key[NOISE_PUBLIC_KEY_LEN])
{
	memset(r, 0, sizeof(*r));
	r->r_local = l;
	memcpy(r->r_public, public_key, NOISE_PUBLIC_KEY_LEN);
	cookie_maker_init(&r->r_cookie, public_key);
	if (l->l_has_identity && ct_memeq(public_key, l->l_public, NOISE_PUBLIC_KEY_LEN))
		return -EINVAL;
	return 0;
}

void noise_remote_set_psk(struct noise_remote *r, const uint8_t psk[NOISE_SYMMETRIC_KEY_LEN])
{
	if (psk)
		memcpy(r->r_psk, psk, NOISE_SYMMETRIC_KEY_LEN);
	else
		memzero_explicit(r->r_psk, NOISE_SYMMETRIC_KEY_LEN);
}

int noise_static_dh(const struct noise_local *l, const uint8_t public_key[NOISE_PUBLIC_KEY_LEN],
		    uint8_t ss[NOISE_PUBLIC_KEY_LEN])
{
	int ret;

	if (!l->l_has_identity) {
		memzero_explicit(ss, NOISE_PUBLIC_KEY_LEN);
		return 0;
	}
	ret = curve25519(ss, l->l_private, public_key);
	/* Zeroed by curve25519(): what the handshake refuses, not an error of the configuration. */
	return ret == -EKEYREJECTED ? 0 : ret;
}

void noise_remote_set_static_dh(struct noise_remote *r, const uint8_t ss[NOISE_PUBLIC_KEY_LEN])
{
	memcpy(r->r_ss, ss, NOISE_PUBLIC_KEY_LEN);
	r->r_ss_valid = !ct_is_zero(ss, NOISE_PUBLIC_KEY_LEN);
}

int noise_remote_precompute(struct noise_remote *r)
{
	uint8_t ss[NOISE_PUBLIC_KEY_LEN];
	int ret = noise_static_dh(r->r_local, r->r_public, ss);

	if (ret == 0)
		noise_remote_set_static_dh(r, ss);
	memzero_explicit(ss, sizeof(ss));
	return ret;
}

void noise_remote_handshake_clear(struct noise_remote *r)
{
	handshake_drop_index(r);
	memzero_explicit(&r->r_handshake, sizeof(r->r_handshake));
	r->r_handshake.hs_state = NOISE_HANDSHAKE_ZEROED;
}

void noise_remote_keypairs_clear(struct noise_remote *r)
{
	keypair_drop(r, r->r_previous);
	keypair_drop(r, r->r_current);
	keypair_drop(r, r->r_next);
	r->r_previous = r->r_current = r->r_next = NULL;
	/* Wiped as it goes back. */
	secmem_pool_free(&keypairs_pool, r->r_keypairs);
	r->r_keypairs = NULL;
}

/* The latest timestamp survives on purpose: forgetting it would re-open old initiations. */
void noise_remote_clear(struct noise_remote *r)
{
	noise_remote_handshake_clear(r);
	noise_remote_keypairs_clear(r);
}

void noise_remote_expire_current(struct noise_remote *r)
{
	if (r->r_next)
		r->r_next->kp_sending_valid = false;
	if (r->r_current)
		r->r_current->kp_sending_valid = false;
}

static int create_initiation(struct noise_remote *r, uint8_t ue[NOISE_PUBLIC_KEY_LEN],
			     uint8_t es[noise_encrypted_len(NOISE_PUBLIC_KEY_LEN)], uint8_t *ets,
			     const uint8_t *payload, size_t len, uint64_t now)
{
	struct noise_handshake *hs = &r->r_handshake;
	struct noise_local *l = r->r_local;
	uint8_t ck[NOISE_HASH_LEN], h[NOISE_HASH_LEN], key[NOISE_SYMMETRIC_KEY_LEN];
	uint8_t e[NOISE_PUBLIC_KEY_LEN];
	int ret = -ENOKEY;

	if (!l->l_has_identity)
		goto out;
	ret = -EKEYREJECTED;
	if (!r->r_ss_valid)
		goto out;

	handshake_init(l, ck, h, r->r_public);

	/* e */
	ret = generate_ephemeral(l, e, ue);
	if (ret < 0)
		goto out;
	message_ephemeral(ue, ue, ck, h);

	/* es */
	ret = mix_dh(ck, key, e, r->r_public);
	if (ret < 0)
		goto out;

	/* s */
	ret = message_encrypt(es, l->l_public, NOISE_PUBLIC_KEY_LEN, key, h);
	if (ret < 0)
		goto out;

	/* ss */
	ret = -EKEYREJECTED;
	if (!mix_precomputed_dh(ck, key, r->r_ss))
		goto out;

	/* {t} */
	ret = message_encrypt(ets, payload, len, key, h);
	if (ret < 0)
		goto out;

	ret = handshake_new_index(r);
	if (ret < 0)
		goto out;
	memcpy(hs->hs_e, e, sizeof(e));
	memcpy(hs->hs_ck, ck, sizeof(ck));
	memcpy(hs->hs_hash, h, sizeof(h));
	memzero_explicit(hs->hs_remote_e, sizeof(hs->hs_remote_e));
	hs->hs_remote_index = 0;
	hs->hs_birthdate = now;
	hs->hs_state = NOISE_HANDSHAKE_CREATED_INITIATION;
out:
	memzero_explicit(ck, sizeof(ck));
	memzero_explicit(h, sizeof(h));
	memzero_explicit(key, sizeof(key));
	memzero_explicit(e, sizeof(e));
	return ret;
}

/* payload gets ets_len - 16 bytes; with wg_policy it is the TAI64N label and is checked. */
static int consume_initiation(struct noise_local *l, struct noise_remote **rp,
			      const uint8_t ue[NOISE_PUBLIC_KEY_LEN],
			      const uint8_t es[noise_encrypted_len(NOISE_PUBLIC_KEY_LEN)],
			      const uint8_t *ets, size_t ets_len, uint8_t *payload, bool wg_policy,
			      uint32_t sender_index, uint64_t now)
{
	struct noise_remote *r = NULL;
	uint8_t ck[NOISE_HASH_LEN], h[NOISE_HASH_LEN], key[NOISE_SYMMETRIC_KEY_LEN];
	uint8_t e[NOISE_PUBLIC_KEY_LEN], s[NOISE_PUBLIC_KEY_LEN];
	bool flood;
	int ret = -ENOKEY;

	if (!l->l_has_identity)
		goto out;

	handshake_init(l, ck, h, l->l_public);

	/* e */
	message_ephemeral(e, ue, ck, h);

	/* es */
	ret = mix_dh(ck, key, l->l_private, e);
	if (ret < 0)
		goto out;

	/* s */
	ret = message_decrypt(s, es, noise_encrypted_len(NOISE_PUBLIC_KEY_LEN), key, h);
	if (ret < 0)
		goto out;
	ret = -ENOKEY;
	r = l->l_upcall.u_remote_get(l->l_upcall.u_arg, s);
	if (!r)
		goto out;

	/* ss */
	ret = -EKEYREJECTED;
	if (!mix_precomputed_dh(ck, key, r->r_ss))
		goto out;

	/* {t} */
	ret = message_decrypt(payload, ets, ets_len, key, h);
	if (ret < 0)
		goto out;

	if (wg_policy) {
		ret = -ESTALE;
		if (tai64n_compare(payload, r->r_timestamp) <= 0)
			goto out;
		flood = r->r_has_consumed_initiation &&
			elapsed(r->r_last_initiation_consumed, now) <
				NSEC_PER_SEC / INITIATIONS_PER_SECOND;
		ret = -EBUSY;
		if (flood)
			goto out;
		memcpy(r->r_timestamp, payload, NOISE_TIMESTAMP_LEN);
		r->r_last_initiation_consumed = now;
		r->r_has_consumed_initiation = true;
	}

	handshake_drop_index(r);
	handshake_consumed(&r->r_handshake, e, ck, h, sender_index, now,
			   NOISE_HANDSHAKE_CONSUMED_INITIATION);
	*rp = r;
	ret = 0;
out:
	memzero_explicit(ck, sizeof(ck));
	memzero_explicit(h, sizeof(h));
	memzero_explicit(key, sizeof(key));
	memzero_explicit(e, sizeof(e));
	memzero_explicit(s, sizeof(s));
	return ret;
}

static int create_response(struct noise_remote *r, uint8_t ue[NOISE_PUBLIC_KEY_LEN], uint8_t *en,
			   const uint8_t *payload, size_t len, uint64_t now)
{
	struct noise_handshake *hs = &r->r_handshake;
	struct noise_local *l = r->r_local;
	uint8_t ck[NOISE_HASH_LEN], h[NOISE_HASH_LEN], key[NOISE_SYMMETRIC_KEY_LEN];
	uint8_t e[NOISE_PUBLIC_KEY_LEN];
	int ret = -EINVAL;

	if (hs->hs_state != NOISE_HANDSHAKE_CONSUMED_INITIATION)
		goto out;
	ret = -ENOKEY;
	if (!l->l_has_identity)
		goto out;

	memcpy(ck, hs->hs_ck, sizeof(ck));
	memcpy(h, hs->hs_hash, sizeof(h));

	/* e */
	ret = generate_ephemeral(l, e, ue);
	if (ret < 0)
		goto out;
	message_ephemeral(ue, ue, ck, h);

	/* ee */
	ret = mix_dh(ck, NULL, e, hs->hs_remote_e);
	if (ret < 0)
		goto out;

	/* se */
	ret = mix_dh(ck, NULL, e, r->r_public);
	if (ret < 0)
		goto out;

	/* psk */
	mix_psk(ck, h, key, r->r_psk);

	/* {} */
	ret = message_encrypt(en, payload, len, key, h);
	if (ret < 0)
		goto out;

	ret = handshake_new_index(r);
	if (ret < 0)
		goto out;
	memcpy(hs->hs_e, e, sizeof(e));
	memcpy(hs->hs_ck, ck, sizeof(ck));
	memcpy(hs->hs_hash, h, sizeof(h));
	hs->hs_birthdate = now;
	hs->hs_state = NOISE_HANDSHAKE_CREATED_RESPONSE;
out:
	memzero_explicit(ck, sizeof(ck));
	memzero_explicit(h, sizeof(h));
	memzero_explicit(key, sizeof(key));
	memzero_explicit(e, sizeof(e));
	return ret;
}

static int consume_response(struct noise_remote *r, const uint8_t ue[NOISE_PUBLIC_KEY_LEN],
			    const uint8_t *en, size_t en_len, uint8_t *payload,
			    uint32_t sender_index, uint64_t now)
{
	struct noise_handshake *hs = &r->r_handshake;
	struct noise_local *l = r->r_local;
	uint8_t ck[NOISE_HASH_LEN], h[NOISE_HASH_LEN], key[NOISE_SYMMETRIC_KEY_LEN];
	uint8_t e[NOISE_PUBLIC_KEY_LEN], re[NOISE_PUBLIC_KEY_LEN];
	int ret = -EINVAL;

	if (hs->hs_state != NOISE_HANDSHAKE_CREATED_INITIATION)
		goto out;
	ret = -ENOKEY;
	if (!l->l_has_identity)
		goto out;

	memcpy(ck, hs->hs_ck, sizeof(ck));
	memcpy(h, hs->hs_hash, sizeof(h));
	memcpy(e, hs->hs_e, sizeof(e));

	/* e */
	message_ephemeral(re, ue, ck, h);

	/* ee */
	ret = mix_dh(ck, NULL, e, re);
	if (ret < 0)
		goto out;

	/* se */
	ret = mix_dh(ck, NULL, l->l_private, re);
	if (ret < 0)
		goto out;

	/* psk */
	mix_psk(ck, h, key, r->r_psk);

	/* {} */
	ret = message_decrypt(payload, en, en_len, key, h);
	if (ret < 0)
		goto out;

	handshake_consumed(hs, re, ck, h, sender_index, now, NOISE_HANDSHAKE_CONSUMED_RESPONSE);
	ret = 0;
out:
	memzero_explicit(ck, sizeof(ck));
	memzero_explicit(h, sizeof(h));
	memzero_explicit(key, sizeof(key));
	memzero_explicit(e, sizeof(e));
	memzero_explicit(re, sizeof(re));
	return ret;
}

int noise_create_initiation(struct noise_remote *r, struct message_handshake_initiation *m,
			    const struct timespec *wall, uint64_t now)
{
	uint8_t ts[NOISE_TIMESTAMP_LEN];
	int ret;

	tai64n_from_timespec(ts, wall);
	ret = create_initiation(r, m->unencrypted_ephemeral, m->encrypted_static,
				m->encrypted_timestamp, ts, sizeof(ts), now);
	if (ret < 0) {
		memzero_explicit(m, sizeof(*m));
		return ret;
	}
	m->header.type = htole32(MESSAGE_HANDSHAKE_INITIATION);
	m->sender_index = htole32(r->r_handshake.hs_local_index);
	memset(&m->macs, 0, sizeof(m->macs));
	return 0;
}

int noise_consume_initiation(struct noise_local *l, const struct message_handshake_initiation *m,
			     struct noise_remote **rp, uint64_t now)
{
	uint8_t ts[NOISE_TIMESTAMP_LEN];
	int ret;

	if (le32toh(m->header.type) != MESSAGE_HANDSHAKE_INITIATION)
		return -EINVAL;
	ret = consume_initiation(l, rp, m->unencrypted_ephemeral, m->encrypted_static,
				 m->encrypted_timestamp, sizeof(m->encrypted_timestamp), ts, true,
				 le32toh(m->sender_index), now);
	memzero_explicit(ts, sizeof(ts));
	return ret;
}

int noise_create_response(struct noise_remote *r, struct message_handshake_response *m,
			  uint64_t now)
{
	int ret = create_response(r, m->unencrypted_ephemeral, m->encrypted_nothing,
				  (const uint8_t *)"", 0, now);

	if (ret < 0) {
		memzero_explicit(m, sizeof(*m));
		return ret;
	}
	m->header.type = htole32(MESSAGE_HANDSHAKE_RESPONSE);
	m->sender_index = htole32(r->r_handshake.hs_local_index);
	m->receiver_index = htole32(r->r_handshake.hs_remote_index);
	memset(&m->macs, 0, sizeof(m->macs));
	return 0;
}

int noise_consume_response(struct noise_remote *r, const struct message_handshake_response *m,
			   uint64_t now)
{
	const struct noise_handshake *hs = &r->r_handshake;
	uint8_t nothing[1];

	if (le32toh(m->header.type) != MESSAGE_HANDSHAKE_RESPONSE || !hs->hs_has_index ||
	    le32toh(m->receiver_index) != hs->hs_local_index)
		return -EINVAL;
	return consume_response(r, m->unencrypted_ephemeral, m->encrypted_nothing,
				sizeof(m->encrypted_nothing), nothing, le32toh(m->sender_index),
				now);
}

int noise_begin_session(struct noise_remote *r, uint64_t now)
{
	struct noise_handshake *hs = &r->r_handshake;
	struct noise_keypair *kp = NULL;
	bool initiator;

	if (hs->hs_state == NOISE_HANDSHAKE_CONSUMED_RESPONSE)
		initiator = true;
	else if (hs->hs_state == NOISE_HANDSHAKE_CREATED_RESPONSE)
		initiator = false;
	else
		return -EINVAL;
	/* Before anything changes: without memory the handshake stays as it was. */
	if (!r->r_keypairs) {
		r->r_keypairs = secmem_pool_alloc(&keypairs_pool);
		if (!r->r_keypairs)
			return -ENOMEM;
	}

	/*
	 * Free slots before taking one. The initiator's keypair is confirmed by the response and
	 * becomes current at once; a pending next is demoted to previous rather than dropped. The
	 * responder's waits in next for the first data packet, and no older next or previous stays.
	 */
	if (initiator) {
		keypair_drop(r, r->r_previous);
		if (r->r_next) {
			r->r_previous = r->r_next;
			r->r_next = NULL;
			keypair_drop(r, r->r_current);
		} else {
			r->r_previous = r->r_current;
		}
		r->r_current = NULL;
	} else {
		keypair_drop(r, r->r_next);
		keypair_drop(r, r->r_previous);
		r->r_next = r->r_previous = NULL;
	}
	for (size_t i = 0; i < ARRAY_SIZE(r->r_keypairs->slot); ++i) {
		struct noise_keypair *slot = &r->r_keypairs->slot[i];

		if (slot != r->r_previous && slot != r->r_current && slot != r->r_next) {
			kp = slot;
			break;
		}
	}

	if (!kp)
		return -ENOSPC;
	memset(kp, 0, sizeof(*kp));
	if (initiator)
		kdf(kp->kp_send, kp->kp_recv, NULL, (const uint8_t *)"", 0, hs->hs_ck);
	else
		kdf(kp->kp_recv, kp->kp_send, NULL, (const uint8_t *)"", 0, hs->hs_ck);
	kp->kp_is_initiator = initiator;
	kp->kp_local_index = hs->hs_local_index;
	kp->kp_remote_index = hs->hs_remote_index;
	kp->kp_birthdate = now;
	kp->kp_sending_counter = 0;
	replay_counter_init(&kp->kp_replay);
	kp->kp_sending_valid = true;
	if (initiator)
		r->r_current = kp;
	else
		r->r_next = kp;

	/* The index now belongs to the keypair. */
	hs->hs_has_index = false;
	noise_remote_handshake_clear(r);
	return 0;
}

struct noise_keypair *noise_remote_current(struct noise_remote *r)
{
	struct noise_keypair *kp = r->r_current;

	return kp && kp->kp_sending_valid ? kp : NULL;
}

struct noise_keypair *noise_remote_keypair_lookup(struct noise_remote *r, uint32_t idx)
{
	struct noise_keypair *slots[] = { r->r_current, r->r_previous, r->r_next };

	for (size_t i = 0; i < ARRAY_SIZE(slots); ++i) {
		if (slots[i] && slots[i]->kp_local_index == idx)
			return slots[i];
	}
	return NULL;
}

bool noise_remote_received_with_keypair(struct noise_remote *r, struct noise_keypair *kp)
{
	if (!kp || kp != r->r_next)
		return false;
	keypair_drop(r, r->r_previous);
	r->r_previous = r->r_current;
	r->r_current = kp;
	r->r_next = NULL;
	return true;
}

bool noise_remote_should_rekey_send(struct noise_remote *r, uint64_t now)
{
	const struct noise_keypair *kp = r->r_current;

	return kp && kp->kp_sending_valid &&
	       (kp->kp_sending_counter > REKEY_AFTER_MESSAGES ||
		(kp->kp_is_initiator && elapsed(kp->kp_birthdate, now) >= REKEY_AFTER_TIME));
}

bool noise_remote_should_rekey_recv(struct noise_remote *r, uint64_t now)
{
	const struct noise_keypair *kp = r->r_current;

	return kp && kp->kp_sending_valid && kp->kp_is_initiator &&
	       elapsed(kp->kp_birthdate, now) >=
		       REJECT_AFTER_TIME - KEEPALIVE_TIMEOUT - REKEY_TIMEOUT;
}

size_t noise_padding_len(size_t len, size_t mtu)
{
	size_t last = len, padded;

	if (!mtu)
		return -len & (MESSAGE_PADDING_MULTIPLE - 1);
	/* An oversized packet pads its last MTU-sized unit, so the cap can never undercut it. */
	if (last > mtu)
		last %= mtu;
	padded = (last + MESSAGE_PADDING_MULTIPLE - 1) & ~(size_t)(MESSAGE_PADDING_MULTIPLE - 1);
	if (padded > mtu)
		padded = mtu;
	return padded - last;
}

int noise_keypair_seal_prepare(struct noise_keypair *kp, uint8_t *out, size_t out_cap,
			       const uint8_t *in, size_t len, uint64_t now,
			       struct noise_crypt_job *job)
{
	struct message_data *m = (struct message_data *)out;

	if (!kp || !kp->kp_sending_valid)
		return -ENOKEY;
	if (elapsed(kp->kp_birthdate, now) >= REJECT_AFTER_TIME ||
	    kp->kp_sending_counter >= REJECT_AFTER_MESSAGES) {
		kp->kp_sending_valid = false;
		return -EKEYEXPIRED;
	}
	if (len > INT_MAX - MESSAGE_DATA_OVERHEAD || out_cap < len + MESSAGE_DATA_OVERHEAD)
		return -EMSGSIZE;
	job->counter = kp->kp_sending_counter++;
	memcpy(job->key, kp->kp_send, sizeof(job->key));
	job->src = in;
	job->dst = m->encrypted_data;
	job->len = (uint32_t)len;
	job->seal = true;
	job->ret = -EINPROGRESS;
	m->header.type = htole32(MESSAGE_DATA);
	m->key_idx = htole32(kp->kp_remote_index);
	m->counter = htole64(job->counter);
	return (int)(len + MESSAGE_DATA_OVERHEAD);
}

int noise_keypair_open_prepare(struct noise_keypair *kp, uint8_t *out, const uint8_t *msg,
			       size_t len, uint64_t now, struct noise_crypt_job *job)
{
	const struct message_data *m = (const struct message_data *)msg;
	uint64_t counter;

	if (len < MESSAGE_DATA_MIN_LEN || len > INT_MAX || le32toh(m->header.type) != MESSAGE_DATA)
		return -EINVAL;
	/* Receiving needs only a live slot and age: an expired sender may still decrypt, as the
	 * kernel's. */
	if (!kp || le32toh(m->key_idx) != kp->kp_local_index)
		return -ENOKEY;
	counter = le64toh(m->counter);
	if (elapsed(kp->kp_birthdate, now) >= REJECT_AFTER_TIME || counter >= REJECT_AFTER_MESSAGES)
		return -EKEYEXPIRED;
	/* A replay costs no AEAD; finish checks again, in order, once the tag is known good. */
	if (!replay_counter_check(&kp->kp_replay, counter, REJECT_AFTER_MESSAGES))
		return -ESTALE;
	job->counter = counter;
	memcpy(job->key, kp->kp_recv, sizeof(job->key));
	job->src = m->encrypted_data;
	job->dst = out;
	job->len = (uint32_t)(len - MESSAGE_DATA_HEADER_LEN);
	job->seal = false;
	job->ret = -EINPROGRESS;
	return 0;
}

void noise_crypt_job_run(struct noise_crypt_job *job)
{
	if (job->seal)
		job->ret = chacha20poly1305_encrypt(job->dst, job->src, job->len, NULL, 0,
						    job->counter, job->key);
	else
		job->ret = chacha20poly1305_decrypt(job->dst, job->src, job->len, NULL, 0,
						    job->counter, job->key);
	memzero_explicit(job->key, sizeof(job->key));
}

int noise_keypair_open_finish(struct noise_keypair *kp, const struct noise_crypt_job *job)
{
	if (job->ret < 0)
		return job->ret;
	/* Only now, authenticated, may the counter move the window. */
	if (!replay_counter_validate(&kp->kp_replay, job->counter, REJECT_AFTER_MESSAGES))
		return -ESTALE;
	return (int)(job->len - NOISE_AUTHTAG_LEN);
}

int noise_keypair_encrypt(struct noise_keypair *kp, uint8_t *out, size_t out_cap, const uint8_t *in,
			  size_t len, uint64_t now)
{
	struct noise_crypt_job job;
	int ret = noise_keypair_seal_prepare(kp, out, out_cap, in, len, now, &job);

	if (ret < 0)
		return ret;
	noise_crypt_job_run(&job);
	if (job.ret < 0) {
		memzero_explicit(out, (size_t)ret);
		return job.ret;
	}
	return ret;
}

int noise_keypair_decrypt(struct noise_keypair *kp, uint8_t *out, const uint8_t *msg, size_t len,
			  uint64_t now)
{
	struct noise_crypt_job job;
	int ret = noise_keypair_open_prepare(kp, out, msg, len, now, &job);

	if (ret < 0)
		return ret;
	noise_crypt_job_run(&job);
	return noise_keypair_open_finish(kp, &job);
}

enum {
	PATTERN_MSG1_FIXED = NOISE_PUBLIC_KEY_LEN + noise_encrypted_len(NOISE_PUBLIC_KEY_LEN),
	PATTERN_MSG2_FIXED = NOISE_PUBLIC_KEY_LEN,
};

int noise_pattern_create_initiation(struct noise_remote *r, uint8_t *out, const uint8_t *payload,
				    size_t len)
{
	int ret = create_initiation(r, out, out + NOISE_PUBLIC_KEY_LEN, out + PATTERN_MSG1_FIXED,
				    payload, len, 0);

	if (ret < 0)
		memzero_explicit(out, PATTERN_MSG1_FIXED + noise_encrypted_len(len));
	return ret;
}

int noise_pattern_consume_initiation(struct noise_local *l, struct noise_remote **rp,
				     const uint8_t *in, size_t in_len, uint8_t *payload)
{
	if (in_len < PATTERN_MSG1_FIXED + NOISE_AUTHTAG_LEN)
		return -EINVAL;
	return consume_initiation(l, rp, in, in + NOISE_PUBLIC_KEY_LEN, in + PATTERN_MSG1_FIXED,
				  in_len - PATTERN_MSG1_FIXED, payload, false, 0, 0);
}

int noise_pattern_create_response(struct noise_remote *r, uint8_t *out, const uint8_t *payload,
				  size_t len)
{
	int ret = create_response(r, out, out + PATTERN_MSG2_FIXED, payload, len, 0);

	if (ret < 0)
		memzero_explicit(out, PATTERN_MSG2_FIXED + noise_encrypted_len(len));
	return ret;
}

int noise_pattern_consume_response(struct noise_remote *r, const uint8_t *in, size_t in_len,
				   uint8_t *payload)
{
	if (in_len < PATTERN_MSG2_FIXED + NOISE_AUTHTAG_LEN)
		return -EINVAL;
	return consume_response(r, in, in + PATTERN_MSG2_FIXED, in_len - PATTERN_MSG2_FIXED,
				payload, 0, 0);
}
