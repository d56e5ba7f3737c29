// SPDX-License-Identifier: MIT
/*
 * MAC1/MAC2 and cookie replies. Expected MAC1 values and the IPv6 cookie were computed with
 * Python's hashlib.blake2s, independently of lib/.
 */
#include <arpa/inet.h>
#include <endian.h>
#include <errno.h>
#include <string.h>

#include "crypto/crypto.h"
#include "noise/cookie.h"
#include "tap.h"

struct script_rng {
	const uint8_t *bytes;
	size_t len;
	unsigned int calls;
	uint8_t fill;
};

/* Scripted bytes first, then a running counter byte; counts calls so rotations are visible. */
static int test_rng(void *arg, void *buf, size_t len)
{
	struct script_rng *s = arg;
	uint8_t *p = buf;

	++s->calls;
	if (s->len >= len) {
		memcpy(buf, s->bytes, len);
		s->bytes += len;
		s->len -= len;
		return 0;
	}
	for (size_t i = 0; i < len; ++i)
		p[i] = ++s->fill;
	return 0;
}

static int failing_rng(void *arg, void *buf, size_t len)
{
	(void)arg;
	(void)buf;
	(void)len;
	return -EAGAIN;
}

static void src4(struct cookie_src *s, const char *addr, uint16_t port)
{
	memset(s, 0, sizeof(*s));
	s->family = AF_INET;
	inet_pton(AF_INET, addr, &s->addr.v4);
	s->port = htons(port);
}

static void src6(struct cookie_src *s, const char *addr, uint16_t port)
{
	memset(s, 0, sizeof(*s));
	s->family = AF_INET6;
	inet_pton(AF_INET6, addr, &s->addr.v6);
	s->port = htons(port);
}

static enum cookie_mac_state check(struct cookie_checker *cc, const uint8_t *msg, size_t len,
				   const struct cookie_src *src, uint64_t now)
{
	return cookie_checker_validate(cc, msg, len, src, true, now);
}

int main(void)
{
	uint8_t priv[32], pub[32], want[32], msg[MESSAGE_INITIATION_LEN],
		resp[MESSAGE_RESPONSE_LEN];
	uint8_t saved_cookie[COOKIE_LEN], old[MESSAGE_INITIATION_LEN];
	struct script_rng srng = { 0 };
	struct noise_rng rng = { .fill = test_rng, .arg = &srng };
	struct cookie_checker cc;
	struct cookie_maker cm;
	struct message_handshake_cookie reply, bad_reply;
	struct cookie_src src, other;
	uint64_t now = 1000 * NSEC_PER_SEC, t;
	unsigned int calls;
	int ret;

	if (crypto_init() < 0) {
		ok(false, "crypto_init");
		return done_testing();
	}
	for (int i = 0; i < 32; ++i)
		priv[i] = (uint8_t)(0x41 + i);
	curve25519_clamp_secret(priv);
	ok(curve25519_generate_public(pub, priv) == 0, "responder public key");
	unhex(want, 32, "64b101b1d0be5a8704bd078f9895001fc03e8e9f9522f188dd128d9846d48466");
	is_mem(pub, want, 32, "responder public key value");

	cookie_checker_init(&cc, &rng);
	cookie_maker_init(&cm, pub);
	for (size_t i = 0; i < sizeof(msg); ++i)
		msg[i] = (uint8_t)i;
	for (size_t i = 0; i < sizeof(resp); ++i)
		resp[i] = (uint8_t)(3 * i + 1);
	src4(&src, "192.0.2.7", 40000);
	ok(check(&cc, msg, sizeof(msg), &src, now) == COOKIE_MAC_INVALID,
	   "no keys yet: nothing validates");
	cookie_checker_precompute(&cc, pub);
	unhex(want, 32, "376bf7166fcca639d72ff35a0fe5886cac5cd9bec3cce33285e4f865bf9b3008");
	is_mem(cc.cc_mac1_key, want, 32, "mac1 key = HASH(\"mac1----\" || public key)");
	is_mem(cm.cm_mac1_key, want, 32, "maker derives the same mac1 key");
	unhex(want, 32, "938c1de9d5d2d5d98c6e1c5723aedb083f0a17bad4a87a535f0f385f0003ed8b");
	is_mem(cc.cc_cookie_key, want, 32, "cookie key = HASH(\"cookie--\" || public key)");

	/* MAC1 over fixed messages */
	cookie_maker_mac(&cm, msg, sizeof(msg), now);
	unhex(want, COOKIE_LEN, "280b6dbd213ce01ec7fd7fcb6325d234");
	is_mem(msg + 116, want, COOKIE_LEN, "MAC1 of a fixed 148-byte message");
	ok(ct_is_zero(msg + 132, COOKIE_LEN), "no cookie yet: MAC2 is zero");
	cookie_maker_mac(&cm, resp, sizeof(resp), now);
	unhex(want, COOKIE_LEN, "beb4245e63cf978fc066366ab2e09e29");
	is_mem(resp + 60, want, COOKIE_LEN, "MAC1 of a fixed 92-byte message");
	ok(cookie_checker_validate(&cc, resp, sizeof(resp), &src, false, now) ==
		   COOKIE_MAC_VALID_NO_COOKIE,
	   "checker accepts the response's MAC1");
	ok(srng.calls == 0, "no secret drawn while not under load");

	/* Not under load, under load without cookie, flipped bits */
	cookie_maker_mac(&cm, msg, sizeof(msg), now);
	ok(cookie_checker_validate(&cc, msg, sizeof(msg), &src, false, now) ==
		   COOKIE_MAC_VALID_NO_COOKIE,
	   "valid MAC1, not under load");
	ok(check(&cc, msg, sizeof(msg), &src, now) == COOKIE_MAC_VALID_NO_COOKIE,
	   "under load, no cookie: MAC2 fails");
	msg[40] ^= 0x08;
	ok(check(&cc, msg, sizeof(msg), &src, now) == COOKIE_MAC_INVALID,
	   "flipped body bit breaks MAC1");
	msg[40] ^= 0x08;
	msg[120] ^= 0x80;
	ok(check(&cc, msg, sizeof(msg), &src, now) == COOKIE_MAC_INVALID,
	   "flipped MAC1 bit breaks MAC1");
	msg[120] ^= 0x80;
	ok(check(&cc, msg, 31, &src, now) == COOKIE_MAC_INVALID, "too short for MACs");

	/* Cookie reply round trip */
	ok(cookie_maker_consume_reply(&cm, &(struct message_handshake_cookie){ 0 }, now) ==
		   -EBADMSG,
	   "garbage reply refused");
	calls = srng.calls;
	ret = cookie_checker_create_reply(&cc, &reply, msg, sizeof(msg), 0x11223344, &src, now);
	ok(!ret && le32toh(reply.header.type) == MESSAGE_HANDSHAKE_COOKIE &&
		   le32toh(reply.receiver_index) == 0x11223344,
	   "cookie reply built: type 3, receiver = the message's sender index");
	ok(srng.calls == calls + 1,
	   "only a nonce drawn: the secret from the first MAC2 check is reused");
	bad_reply = reply;
	bad_reply.nonce[0] ^= 1;
	ok(cookie_maker_consume_reply(&cm, &bad_reply, now) == -EBADMSG,
	   "reply with a changed nonce refused");
	bad_reply = reply;
	bad_reply.encrypted_cookie[31] ^= 1;
	ok(cookie_maker_consume_reply(&cm, &bad_reply, now) == -EBADMSG,
	   "reply with a changed tag refused");
	ok(!cm.cm_cookie_valid, "refused replies leave no cookie");
	ok(!cookie_maker_consume_reply(&cm, &reply, now) && cm.cm_cookie_valid,
	   "maker takes the cookie");
	ok(cookie_maker_consume_reply(&cm, &reply, now) == -EINVAL,
	   "same reply again refused: no MAC1 outstanding");

	t = now + NSEC_PER_SEC;
	cookie_maker_mac(&cm, msg, sizeof(msg), t);
	ok(!ct_is_zero(msg + 132, COOKIE_LEN), "MAC2 present while the cookie is fresh");
	ok(check(&cc, msg, sizeof(msg), &src, t) == COOKIE_MAC_VALID_WITH_COOKIE, "MAC2 valid");
	msg[132] ^= 0x01;
	ok(check(&cc, msg, sizeof(msg), &src, t) == COOKIE_MAC_VALID_NO_COOKIE,
	   "flipped MAC2 bit breaks MAC2");
	msg[132] ^= 0x01;
	msg[10] ^= 0x01;
	ok(check(&cc, msg, sizeof(msg), &src, t) == COOKIE_MAC_INVALID,
	   "flipped body bit breaks MAC1 (and MAC2)");
	msg[10] ^= 0x01;
	src4(&other, "192.0.2.8", 40000);
	ok(check(&cc, msg, sizeof(msg), &other, t) == COOKIE_MAC_VALID_NO_COOKIE,
	   "other source address: no MAC2");
	src4(&other, "192.0.2.7", 40001);
	ok(check(&cc, msg, sizeof(msg), &other, t) == COOKIE_MAC_VALID_NO_COOKIE,
	   "other source port: no MAC2");
	other = src;
	other.family = AF_UNIX;
	ok(check(&cc, msg, sizeof(msg), &other, t) == COOKIE_MAC_VALID_NO_COOKIE,
	   "unknown family: no MAC2");
	ok(cookie_checker_create_reply(&cc, &reply, msg, sizeof(msg), 1, &other, t) == -EINVAL,
	   "no reply for an unknown family");

	/* Maker stops using the cookie COOKIE_SECRET_LATENCY before the secret may rotate. */
	memcpy(saved_cookie, cm.cm_cookie, COOKIE_LEN);
	cookie_maker_mac(&cm, msg, sizeof(msg),
			 now + COOKIE_SECRET_MAX_AGE - COOKIE_SECRET_LATENCY - 1);
	ok(!ct_is_zero(msg + 132, COOKIE_LEN), "cookie still used at 115 s - 1 ns");
	memcpy(old, msg, sizeof(msg));
	cookie_maker_mac(&cm, msg, sizeof(msg),
			 now + COOKIE_SECRET_MAX_AGE - COOKIE_SECRET_LATENCY);
	ok(ct_is_zero(msg + 132, COOKIE_LEN), "cookie dropped at 115 s");
	ok(!cm.cm_cookie_valid && ct_is_zero(cm.cm_cookie, COOKIE_LEN),
	   "the expired cookie is wiped, not just ignored");

	/* Checker rotates its secret once it is COOKIE_SECRET_MAX_AGE old. */
	calls = srng.calls;
	ok(check(&cc, old, sizeof(old), &src, now + COOKIE_SECRET_MAX_AGE - 1) ==
			   COOKIE_MAC_VALID_WITH_COOKIE &&
		   srng.calls == calls,
	   "secret kept until 120 s");
	ok(check(&cc, old, sizeof(old), &src, now + COOKIE_SECRET_MAX_AGE) ==
			   COOKIE_MAC_VALID_NO_COOKIE &&
		   srng.calls == calls + 1,
	   "secret replaced at 120 s: the old cookie no longer gives MAC2");
	ok(check(&cc, old, sizeof(old), &src, now + COOKIE_SECRET_MAX_AGE + 1) ==
			   COOKIE_MAC_VALID_NO_COOKIE &&
		   srng.calls == calls + 1,
	   "and it is not replaced again right away");

	/* Known cookie value over an IPv6 source from a scripted secret. */
	{
		uint8_t script[24 + 32];

		memset(script, 0xee, 24);
		for (int i = 0; i < 32; ++i)
			script[24 + i] = (uint8_t)i;
		srng.bytes = script;
		srng.len = sizeof(script);
		cookie_checker_init(&cc, &rng);
		cookie_checker_precompute(&cc, pub);
		src6(&other, "2001:db8::1", 443);
		cookie_maker_mac(&cm, msg, sizeof(msg), t);
		ok(!cookie_checker_create_reply(&cc, &reply, msg, sizeof(msg), 7, &other, t) &&
			   !cookie_maker_consume_reply(&cm, &reply, t),
		   "IPv6 cookie reply round trip");
		unhex(want, COOKIE_LEN, "676b666b316ad2e45afe14d4f01dd80c");
		is_mem(cm.cm_cookie, want, COOKIE_LEN,
		       "cookie = MAC(secret, IPv6 address || port)");
		ok(memcmp(cm.cm_cookie, saved_cookie, COOKIE_LEN),
		   "a different cookie than before");
		cookie_maker_mac(&cm, msg, sizeof(msg), t);
		ok(check(&cc, msg, sizeof(msg), &other, t) == COOKIE_MAC_VALID_WITH_COOKIE,
		   "IPv6 MAC2 valid");
	}

	/* A reply to an older MAC1 is refused once a newer message went out. */
	cookie_maker_mac(&cm, msg, sizeof(msg), t);
	memcpy(old, msg, sizeof(msg));
	ok(!cookie_checker_create_reply(&cc, &reply, old, sizeof(old), 7, &src, t),
	   "reply to message one");
	msg[50] ^= 0xff;
	cookie_maker_mac(&cm, msg, sizeof(msg), t);
	ok(cookie_maker_consume_reply(&cm, &reply, t) == -EBADMSG,
	   "reply bound to an older MAC1 refused");
	ok(cm.cm_have_sent_mac1, "the newer MAC1 is still outstanding");

	/* rng failure and clearing */
	cookie_checker_init(&cc, &(struct noise_rng){ .fill = failing_rng });
	cookie_checker_precompute(&cc, pub);
	ok(cookie_checker_create_reply(&cc, &reply, msg, sizeof(msg), 1, &src, t) == -EAGAIN,
	   "rng failure reported");
	ok(check(&cc, msg, sizeof(msg), &src, t) == COOKIE_MAC_VALID_NO_COOKIE && !cc.cc_has_secret,
	   "no secret, no MAC2, MAC1 still checked");
	cookie_checker_clear(&cc);
	cookie_maker_clear(&cm);
	ok(!cc.cc_has_keys && ct_is_zero(cc.cc_mac1_key, 32) && ct_is_zero(&cm, sizeof(cm)),
	   "clear wipes keys");
	return done_testing();
}
