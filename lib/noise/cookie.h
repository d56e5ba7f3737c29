/* SPDX-License-Identifier: MIT */
/*
 * MAC1/MAC2 and cookie replies (whitepaper section 5.4.7).
 *
 * The checker is the responder side, one per device: it verifies MAC1 with a key derived from our
 * public key, computes cookies from a random secret that is replaced every COOKIE_SECRET_MAX_AGE,
 * checks MAC2 under load and builds cookie replies. The maker is the initiator side, one per peer:
 * it stamps MAC1 (and MAC2 while it holds a fresh cookie) on outgoing handshake messages and takes
 * a cookie reply only as an answer to the last MAC1 it sent.
 *
 * Sans-I/O: time is CLOCK_BOOTTIME nanoseconds passed in, randomness comes from the rng callback.
 */
#ifndef WGCTL_NOISE_COOKIE_H
#define WGCTL_NOISE_COOKIE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>

#include "noise/messages.h"
#include "noise/rng.h"

/* The source a handshake message came from, as the cookie binds it: address bytes and port. */
struct cookie_src {
	sa_family_t family; /* AF_INET or AF_INET6 */
	union {
		struct in_addr v4;
		struct in6_addr v6;
	} addr;
	in_port_t port; /* network byte order, as in sin_port */
};

enum cookie_mac_state {
	COOKIE_MAC_INVALID,
	COOKIE_MAC_VALID_NO_COOKIE,
	COOKIE_MAC_VALID_WITH_COOKIE,
};

struct cookie_checker {
	struct noise_rng cc_rng;
	uint8_t cc_secret[COOKIE_SECRET_LEN];
	uint64_t cc_secret_birthdate;
	bool cc_has_secret;
	bool cc_has_keys;
	uint8_t cc_mac1_key[NOISE_SYMMETRIC_KEY_LEN];
	uint8_t cc_cookie_key[NOISE_SYMMETRIC_KEY_LEN];
};

struct cookie_maker {
	uint8_t cm_mac1_key[NOISE_SYMMETRIC_KEY_LEN];
	uint8_t cm_cookie_key[NOISE_SYMMETRIC_KEY_LEN];
	uint8_t cm_cookie[COOKIE_LEN];
	uint64_t cm_cookie_birthdate;
	bool cm_cookie_valid;
	uint8_t cm_last_mac1[COOKIE_LEN];
	bool cm_have_sent_mac1;
};

void cookie_checker_init(struct cookie_checker *cc, const struct noise_rng *rng);
/* Derive the MAC1 and cookie-encryption keys from our public key; NULL forgets them. */
void cookie_checker_precompute(struct cookie_checker *cc,
			       const uint8_t public_key[NOISE_PUBLIC_KEY_LEN]);
void cookie_checker_clear(struct cookie_checker *cc);
/*
 * Check the MACs at the end of a handshake message of len bytes (initiation or response).
 * MAC2 is only looked at when check_cookie (we are under load); the per-source rate limit for
 * COOKIE_MAC_VALID_WITH_COOKIE is the caller's. May refresh the secret, hence non-const.
 */
enum cookie_mac_state cookie_checker_validate(struct cookie_checker *cc, const uint8_t *msg,
					      size_t len, const struct cookie_src *src,
					      bool check_cookie, uint64_t now);
/*
 * Build the cookie reply to the handshake message msg (len bytes, MAC1 already validated) whose
 * sender index is sender_index. 0 or -errno (-EINVAL for a bad source, rng failure, -ENOMEM or
 * -EIO from the cipher); on error out must not be sent.
 */
int cookie_checker_create_reply(struct cookie_checker *cc, struct message_handshake_cookie *out,
				const uint8_t *msg, size_t len, uint32_t sender_index,
				const struct cookie_src *src, uint64_t now);

void cookie_maker_init(struct cookie_maker *cm, const uint8_t their_public[NOISE_PUBLIC_KEY_LEN]);
void cookie_maker_clear(struct cookie_maker *cm);
/* Fill in the MACs of an outgoing handshake message of len bytes (the last 32 bytes). */
void cookie_maker_mac(struct cookie_maker *cm, uint8_t *msg, size_t len, uint64_t now);
/*
 * Take a cookie reply, already matched to this peer by its receiver index. Refused (-EINVAL)
 * unless a MAC1 is outstanding; -EBADMSG when it does not decrypt, -ENOMEM or -EIO when the
 * cipher failed (then the reply may be taken again).
 */
int cookie_maker_consume_reply(struct cookie_maker *cm,
			       const struct message_handshake_cookie *reply, uint64_t now);

#endif
