// SPDX-License-Identifier: MIT
#include <endian.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "crypto/crypto.h"
#include "noise/cookie.h"

_Static_assert(sizeof(struct message_macs) == 2 * COOKIE_LEN, "macs trail every handshake message");
_Static_assert((int)NOISE_SYMMETRIC_KEY_LEN == (int)BLAKE2S_HASH_SIZE, "keys are HASH outputs");

static void precompute_key(uint8_t key[NOISE_SYMMETRIC_KEY_LEN], const char label[COOKIE_LABEL_LEN],
			   const uint8_t public_key[NOISE_PUBLIC_KEY_LEN])
{
	struct blake2s_state b;

	blake2s_init(&b);
	blake2s_update(&b, label, COOKIE_LABEL_LEN);
	blake2s_update(&b, public_key, NOISE_PUBLIC_KEY_LEN);
	blake2s_final(&b, key);
	memzero_explicit(&b, sizeof(b));
}

/*
 * MAC1 covers the message up to its mac1 field, MAC2 up to its mac2 field. The lengths are
 * constants BLAKE2s accepts, but a MAC that was not computed must never be compared or sent:
 * 0 or -EINVAL all the same.
 */
static int __must_check compute_mac1(uint8_t mac1[COOKIE_LEN], const uint8_t *msg, size_t len,
				     const uint8_t key[NOISE_SYMMETRIC_KEY_LEN])
{
	return blake2s(mac1, COOKIE_LEN, msg, len - sizeof(struct message_macs), key,
		       NOISE_SYMMETRIC_KEY_LEN);
}

static int __must_check compute_mac2(uint8_t mac2[COOKIE_LEN], const uint8_t *msg, size_t len,
				     const uint8_t cookie[COOKIE_LEN])
{
	return blake2s(mac2, COOKIE_LEN, msg, len - COOKIE_LEN, cookie, COOKIE_LEN);
}

static int make_cookie(struct cookie_checker *cc, uint8_t cookie[COOKIE_LEN],
		       const struct cookie_src *src, uint64_t now)
{
	uint8_t in[sizeof(struct in6_addr) + sizeof(in_port_t)];
	size_t alen;
	int ret;

	if (src->family == AF_INET)
		alen = sizeof(src->addr.v4);
	else if (src->family == AF_INET6)
		alen = sizeof(src->addr.v6);
	else
		return -EINVAL;

	if (!cc->cc_has_secret || now - cc->cc_secret_birthdate >= COOKIE_SECRET_MAX_AGE) {
		ret = noise_rng_fill(&cc->cc_rng, cc->cc_secret, sizeof(cc->cc_secret));
		if (ret < 0) {
			memzero_explicit(cc->cc_secret, sizeof(cc->cc_secret));
			cc->cc_has_secret = false;
			return ret;
		}
		cc->cc_secret_birthdate = now;
		cc->cc_has_secret = true;
	}

	memcpy(in, &src->addr, alen);
	memcpy(in + alen, &src->port, sizeof(src->port));
	return blake2s(cookie, COOKIE_LEN, in, alen + sizeof(src->port), cc->cc_secret,
		       sizeof(cc->cc_secret));
}

void cookie_checker_init(struct cookie_checker *cc, const struct noise_rng *rng)
{
	memset(cc, 0, sizeof(*cc));
	if (rng)
		cc->cc_rng = *rng;
}

void cookie_checker_precompute(struct cookie_checker *cc,
			       const uint8_t public_key[NOISE_PUBLIC_KEY_LEN])
{
	if (!public_key) {
		memzero_explicit(cc->cc_mac1_key, sizeof(cc->cc_mac1_key));
		memzero_explicit(cc->cc_cookie_key, sizeof(cc->cc_cookie_key));
		cc->cc_has_keys = false;
		return;
	}
	precompute_key(cc->cc_mac1_key, COOKIE_LABEL_MAC1, public_key);
	precompute_key(cc->cc_cookie_key, COOKIE_LABEL_COOKIE, public_key);
	cc->cc_has_keys = true;
}

void cookie_checker_clear(struct cookie_checker *cc)
{
	struct noise_rng rng = cc->cc_rng;

	memzero_explicit(cc, sizeof(*cc));
	cc->cc_rng = rng;
}

enum cookie_mac_state cookie_checker_validate(struct cookie_checker *cc, const uint8_t *msg,
					      size_t len, const struct cookie_src *src,
					      bool check_cookie, uint64_t now)
{
	const struct message_macs *macs;
	uint8_t computed[COOKIE_LEN], cookie[COOKIE_LEN];
	enum cookie_mac_state ret = COOKIE_MAC_INVALID;

	if (!cc->cc_has_keys || len < sizeof(struct message_header) + sizeof(*macs))
		return ret;
	macs = (const struct message_macs *)(msg + len - sizeof(*macs));

	if (compute_mac1(computed, msg, len, cc->cc_mac1_key) < 0 ||
	    !ct_memeq(computed, macs->mac1, COOKIE_LEN))
		goto out;
	ret = COOKIE_MAC_VALID_NO_COOKIE;
	if (!check_cookie)
		goto out;

	if (make_cookie(cc, cookie, src, now) < 0)
		goto out;
	if (compute_mac2(computed, msg, len, cookie) < 0 ||
	    !ct_memeq(computed, macs->mac2, COOKIE_LEN))
		goto out;
	ret = COOKIE_MAC_VALID_WITH_COOKIE;
out:
	memzero_explicit(cookie, sizeof(cookie));
	memzero_explicit(computed, sizeof(computed));
	return ret;
}

int cookie_checker_create_reply(struct cookie_checker *cc, struct message_handshake_cookie *out,
				const uint8_t *msg, size_t len, uint32_t sender_index,
				const struct cookie_src *src, uint64_t now)
{
	const struct message_macs *macs;
	uint8_t cookie[COOKIE_LEN];
	int ret;

	if (!cc->cc_has_keys || len < sizeof(struct message_header) + sizeof(*macs))
		return -EINVAL;
	macs = (const struct message_macs *)(msg + len - sizeof(*macs));

	out->header.type = htole32(MESSAGE_HANDSHAKE_COOKIE);
	out->receiver_index = htole32(sender_index);
	ret = noise_rng_fill(&cc->cc_rng, out->nonce, sizeof(out->nonce));
	if (ret < 0)
		goto out;
	ret = make_cookie(cc, cookie, src, now);
	if (ret < 0)
		goto out;
	/* The AD binds the reply to the initiator's own MAC1: no third party can plant a cookie. */
	ret = xchacha20poly1305_encrypt(out->encrypted_cookie, cookie, COOKIE_LEN, macs->mac1,
					COOKIE_LEN, out->nonce, cc->cc_cookie_key);
out:
	memzero_explicit(cookie, sizeof(cookie));
	return ret;
}

void cookie_maker_init(struct cookie_maker *cm, const uint8_t their_public[NOISE_PUBLIC_KEY_LEN])
{
	memset(cm, 0, sizeof(*cm));
	precompute_key(cm->cm_mac1_key, COOKIE_LABEL_MAC1, their_public);
	precompute_key(cm->cm_cookie_key, COOKIE_LABEL_COOKIE, their_public);
}

void cookie_maker_clear(struct cookie_maker *cm)
{
	memzero_explicit(cm, sizeof(*cm));
}

void cookie_maker_mac(struct cookie_maker *cm, uint8_t *msg, size_t len, uint64_t now)
{
	struct message_macs *macs = (struct message_macs *)(msg + len - sizeof(*macs));

	/* A zero MAC1, should it not be computed, is one that every responder refuses. */
	if (compute_mac1(macs->mac1, msg, len, cm->cm_mac1_key) < 0) {
		memset(macs, 0, sizeof(*macs));
		return;
	}
	memcpy(cm->cm_last_mac1, macs->mac1, COOKIE_LEN);
	cm->cm_have_sent_mac1 = true;

	/* The responder may rotate its secret any time; stop COOKIE_SECRET_LATENCY short of it. */
	if (cm->cm_cookie_valid &&
	    now - cm->cm_cookie_birthdate >= COOKIE_SECRET_MAX_AGE - COOKIE_SECRET_LATENCY) {
		memzero_explicit(cm->cm_cookie, sizeof(cm->cm_cookie));
		cm->cm_cookie_valid = false;
	}
	if (!cm->cm_cookie_valid || compute_mac2(macs->mac2, msg, len, cm->cm_cookie) < 0)
		memset(macs->mac2, 0, COOKIE_LEN);
}

int cookie_maker_consume_reply(struct cookie_maker *cm,
			       const struct message_handshake_cookie *reply, uint64_t now)
{
	uint8_t cookie[COOKIE_LEN];
	int ret = -EINVAL;

	if (!cm->cm_have_sent_mac1)
		return ret;
	ret = xchacha20poly1305_decrypt(cookie, reply->encrypted_cookie,
					sizeof(reply->encrypted_cookie), cm->cm_last_mac1,
					COOKIE_LEN, reply->nonce, cm->cm_cookie_key);
	if (ret < 0)
		goto out;
	memcpy(cm->cm_cookie, cookie, COOKIE_LEN);
	cm->cm_cookie_birthdate = now;
	cm->cm_cookie_valid = true;
	cm->cm_have_sent_mac1 = false;
	ret = 0;
out:
	memzero_explicit(cookie, sizeof(cookie));
	return ret;
}
