/* SPDX-License-Identifier: MIT */
/*
 * The WireGuard handshake (Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s) and transport keypairs, sans-I/O.
 *
 * The caller owns all memory but the keypair slots (nothing else is allocated here, nor by the
 * crypto seam's X25519): those come from a locked pool at a remote's first session and go back
 * when its keypairs are cleared, so noise_begin_session() may fail with -ENOMEM. The caller
 * passes CLOCK_BOOTTIME nanoseconds as `now` and wall time for TAI64N labels, and owns the peer
 * and index tables: the core reaches them through the upcalls in struct noise_local. Index
 * upcalls map a random 32-bit index to a remote; the keypair or handshake behind an index is
 * found on the remote.
 *
 * Not thread-safe. All state that changes per packet lives in struct noise_remote and its
 * keypairs, so the caller can serialise per peer; noise_local changes only on reconfiguration.
 *
 * Errors are -errno: -EINVAL malformed or unexpected message, -ENOKEY no usable key or no such
 * peer, -EKEYREJECTED a low-order (all-zero) Diffie-Hellman result, -EBADMSG failed
 * authentication, -ESTALE a replayed/old timestamp or counter, -EBUSY an initiation flood,
 * -EKEYEXPIRED a keypair past REJECT_AFTER_TIME or REJECT_AFTER_MESSAGES, -EMSGSIZE no room.
 * -ENOMEM and -EIO are the crypto library's own failures (crypto.h), never the message's: state
 * is left as if the message had not arrived, so it may be tried again.
 */
#ifndef WGCTL_NOISE_NOISE_H
#define WGCTL_NOISE_NOISE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "noise/cookie.h"
#include "noise/messages.h"
#include "noise/replay.h"

struct noise_remote;

struct noise_upcall {
	void *u_arg;
	/* The remote whose public key this is, or NULL. */
	struct noise_remote *(*u_remote_get)(void *arg,
					     const uint8_t public_key[NOISE_PUBLIC_KEY_LEN]);
	/* Pick a fresh random index not in use and map it to r; 0 or -errno. */
	int (*u_index_set)(void *arg, struct noise_remote *r, uint32_t *index);
	/* Forget an index handed out by u_index_set. */
	void (*u_index_drop)(void *arg, uint32_t index);
};

struct noise_local {
	bool l_has_identity;
	uint8_t l_public[NOISE_PUBLIC_KEY_LEN];
	uint8_t l_private[NOISE_PUBLIC_KEY_LEN];
	/* C0 = HASH(CONSTRUCTION) and HASH(C0 || prologue); the prologue is IDENTIFIER. */
	uint8_t l_ck0[NOISE_HASH_LEN];
	uint8_t l_h0[NOISE_HASH_LEN];
	struct cookie_checker l_cookie;
	struct noise_rng l_rng;
	struct noise_upcall l_upcall;
};

enum noise_handshake_state {
	NOISE_HANDSHAKE_ZEROED,
	NOISE_HANDSHAKE_CREATED_INITIATION,
	NOISE_HANDSHAKE_CONSUMED_INITIATION,
	NOISE_HANDSHAKE_CREATED_RESPONSE,
	NOISE_HANDSHAKE_CONSUMED_RESPONSE,
};

struct noise_handshake {
	enum noise_handshake_state hs_state;
	bool hs_has_index;
	uint32_t hs_local_index;
	uint32_t hs_remote_index;
	/* When this side last created or consumed a message of this handshake. */
	uint64_t hs_birthdate;
	uint8_t hs_e[NOISE_PUBLIC_KEY_LEN];
	uint8_t hs_remote_e[NOISE_PUBLIC_KEY_LEN];
	uint8_t hs_hash[NOISE_HASH_LEN];
	uint8_t hs_ck[NOISE_HASH_LEN];
};

struct noise_keypair {
	bool kp_sending_valid;
	bool kp_is_initiator;
	uint32_t kp_local_index;
	uint32_t kp_remote_index;
	uint8_t kp_send[NOISE_SYMMETRIC_KEY_LEN];
	uint8_t kp_recv[NOISE_SYMMETRIC_KEY_LEN];
	uint64_t kp_birthdate;
	uint64_t kp_sending_counter;
	struct replay_counter kp_replay;
};

struct noise_keypairs {
	struct noise_keypair slot[3];
};

struct noise_remote {
	struct noise_local *r_local;
	uint8_t r_public[NOISE_PUBLIC_KEY_LEN];
	/* DH(our static, their static); all-zero (r_ss_valid false) for a low-order key. */
	uint8_t r_ss[NOISE_PUBLIC_KEY_LEN];
	bool r_ss_valid;
	uint8_t r_psk[NOISE_SYMMETRIC_KEY_LEN];
	struct cookie_maker r_cookie;
	struct noise_handshake r_handshake;
	/* Only moves forward; an initiation must carry a strictly newer label. */
	uint8_t r_timestamp[NOISE_TIMESTAMP_LEN];
	uint64_t r_last_initiation_consumed;
	bool r_has_consumed_initiation;
	/*
	 * Storage for the three slots, a slot free when no pointer refers to it: NULL until a
	 * session begins and again once every keypair is dropped, so that an idle remote carries
	 * no keypair memory (3.4 KiB, mostly replay windows).
	 */
	struct noise_keypairs *r_keypairs;
	struct noise_keypair *r_previous, *r_current, *r_next;
};

/* rng may be NULL (crypto_random()); upcall must provide all three functions. */
void noise_local_init(struct noise_local *l, const struct noise_upcall *upcall,
		      const struct noise_rng *rng);
/*
 * Set (clamped) or, with NULL, remove our static private key: 0, or -ENOMEM and nothing changed.
 * Remotes keep a precomputed DH with it: recompute it on each afterwards.
 */
int noise_local_set_private(struct noise_local *l, const uint8_t private_key[NOISE_PUBLIC_KEY_LEN]);
/* Replace the IDENTIFIER prologue; only for known-answer tests against generic Noise vectors. */
void noise_local_set_prologue(struct noise_local *l, const void *prologue, size_t len);
void noise_local_clear(struct noise_local *l);

/*
 * 0, or -EINVAL for a key equal to ours. The remote cannot handshake until its DH with our
 * static key is set: noise_remote_precompute().
 */
int noise_remote_init(struct noise_remote *r, struct noise_local *l,
		      const uint8_t public_key[NOISE_PUBLIC_KEY_LEN]);
/* NULL for no preshared key (all zeros, as the protocol defines it). */
void noise_remote_set_psk(struct noise_remote *r, const uint8_t psk[NOISE_SYMMETRIC_KEY_LEN]);
/*
 * DH(l's static key, public_key), which a remote keeps precomputed: 0 or -ENOMEM. A low-order key
 * and a missing private key are no error: ss is then all zero, and the remote never handshakes.
 * Computed apart from the remote so that a configuration can do all of it before committing.
 */
int noise_static_dh(const struct noise_local *l, const uint8_t public_key[NOISE_PUBLIC_KEY_LEN],
		    uint8_t ss[NOISE_PUBLIC_KEY_LEN]);
void noise_remote_set_static_dh(struct noise_remote *r, const uint8_t ss[NOISE_PUBLIC_KEY_LEN]);
/* Both of the above, under r's local: 0, or -ENOMEM and r unchanged. */
int noise_remote_precompute(struct noise_remote *r);
void noise_remote_handshake_clear(struct noise_remote *r);
void noise_remote_keypairs_clear(struct noise_remote *r);
/*
 * Both of the above: every key wiped, every index dropped. The latest timestamp and flood state
 * stay, or an old initiation could be replayed after the keys were zeroed.
 */
void noise_remote_clear(struct noise_remote *r);
/* Stop sending on the current and next keypairs (they still decrypt until replaced). */
void noise_remote_expire_current(struct noise_remote *r);

/*
 * Handshake messages. Creating fills in everything but the MACs (cookie_maker_mac() on
 * r->r_cookie does those); consuming assumes MAC1 (and, under load, MAC2) were checked.
 */
int noise_create_initiation(struct noise_remote *r, struct message_handshake_initiation *m,
			    const struct timespec *wall, uint64_t now);
/* On success *rp is the initiating remote, found with u_remote_get. */
int noise_consume_initiation(struct noise_local *l, const struct message_handshake_initiation *m,
			     struct noise_remote **rp, uint64_t now);
int noise_create_response(struct noise_remote *r, struct message_handshake_response *m,
			  uint64_t now);
/* r is the remote that the caller's index table maps m->receiver_index to. */
int noise_consume_response(struct noise_remote *r, const struct message_handshake_response *m,
			   uint64_t now);
/*
 * Derive transport keys after noise_consume_response() (initiator: the keypair becomes current)
 * or noise_create_response() (responder: it waits in next until data arrives on it).
 */
int noise_begin_session(struct noise_remote *r, uint64_t now);

/* The keypair to send with: current if valid, else NULL. */
struct noise_keypair *noise_remote_current(struct noise_remote *r);
/* The keypair whose local index is idx (from a data message's key_idx), or NULL. */
struct noise_keypair *noise_remote_keypair_lookup(struct noise_remote *r, uint32_t idx);
/*
 * Call after a data packet authenticated under kp. Returns true when kp was the responder's
 * unconfirmed next keypair and has just become current (the handshake is complete).
 */
bool noise_remote_received_with_keypair(struct noise_remote *r, struct noise_keypair *kp);
/* Sender side: counter past REKEY_AFTER_MESSAGES, or we initiated and REKEY_AFTER_TIME passed. */
bool noise_remote_should_rekey_send(struct noise_remote *r, uint64_t now);
/* Receiver side: we initiated and the keypair is within KEEPALIVE + REKEY_TIMEOUT of rejection. */
bool noise_remote_should_rekey_recv(struct noise_remote *r, uint64_t now);

/* Zero bytes to append to a plaintext of len bytes: a multiple of 16, capped at mtu (0: no cap). */
size_t noise_padding_len(size_t len, size_t mtu);
/*
 * Write a data message for the plaintext in[0..len) to out (room for len + MESSAGE_DATA_OVERHEAD;
 * in may be out + MESSAGE_DATA_HEADER_LEN). Returns the message length or -errno; when sealing
 * itself failed (-ENOMEM, -EIO) the message in out is zeroed.
 */
int noise_keypair_encrypt(struct noise_keypair *kp, uint8_t *out, size_t out_cap, const uint8_t *in,
			  size_t len, uint64_t now);
/*
 * Authenticate and decrypt the data message msg[0..len) into out (room for len - 32; out may be
 * msg + MESSAGE_DATA_HEADER_LEN), then check the counter against the replay window. Returns the
 * plaintext length (padding included) or -errno.
 */
int noise_keypair_decrypt(struct noise_keypair *kp, uint8_t *out, const uint8_t *msg, size_t len,
			  uint64_t now);

/*
 * The same two operations in three steps, so that the AEAD, the costly middle one, can run
 * anywhere (another thread) and in any order, while whatever orders packets (the counter on
 * send, the replay window on receive) stays in the caller's sequence: prepare, run the job,
 * then (receive only) finish. A job carries a copy of its key, so the keypair may change
 * meanwhile; running it wipes the copy. Its buffers must stay until it has run, and it should
 * run before its keypair is dropped: dropping makes every cipher context forget the keys, and a
 * job run afterwards would hand them to one again.
 */
struct noise_crypt_job {
	uint8_t key[NOISE_SYMMETRIC_KEY_LEN];
	uint64_t counter;
	const uint8_t *src;
	uint8_t *dst;
	uint32_t len; /* of src: plaintext on seal, ciphertext with its tag on open */
	bool seal;
	/*
	 * -EINPROGRESS until run, then 0 or as chacha20poly1305_encrypt()/_decrypt(): a failed seal
	 * leaves dst zeroed, and its datagram must not be sent.
	 */
	int ret;
};

/* As noise_keypair_encrypt, but the sealing is left to the job. Message length or -errno. */
int noise_keypair_seal_prepare(struct noise_keypair *kp, uint8_t *out, size_t out_cap,
			       const uint8_t *in, size_t len, uint64_t now,
			       struct noise_crypt_job *job);
/* As noise_keypair_decrypt, all checks but the tag (the window is only peeked at). 0 or -errno. */
int noise_keypair_open_prepare(struct noise_keypair *kp, uint8_t *out, const uint8_t *msg,
			       size_t len, uint64_t now, struct noise_crypt_job *job);
void noise_crypt_job_run(struct noise_crypt_job *job);
/* After an open ran: the tag, then the window, which only now moves. Plaintext length or -errno. */
int noise_keypair_open_finish(struct noise_keypair *kp, const struct noise_crypt_job *job);

/*
 * The bare IKpsk2 pattern with an arbitrary payload in messages 1 and 2 and neither WireGuard
 * framing nor timestamp/flood policy: ue || s || payload and ue || payload. Known-answer tests
 * against generic Noise vectors use these; the functions above are built on the same code.
 */
int noise_pattern_create_initiation(struct noise_remote *r, uint8_t *out, const uint8_t *payload,
				    size_t len);
int noise_pattern_consume_initiation(struct noise_local *l, struct noise_remote **rp,
				     const uint8_t *in, size_t in_len, uint8_t *payload);
int noise_pattern_create_response(struct noise_remote *r, uint8_t *out, const uint8_t *payload,
				  size_t len);
int noise_pattern_consume_response(struct noise_remote *r, const uint8_t *in, size_t in_len,
				   uint8_t *payload);

#endif
