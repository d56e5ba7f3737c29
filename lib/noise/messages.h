/* SPDX-License-Identifier: MIT */
/*
 * WireGuard wire formats and the whitepaper's protocol constants. All multi-byte header fields
 * are little-endian on the wire; the structs hold them as such (use htole32()/le32toh()).
 * Times are CLOCK_BOOTTIME nanoseconds.
 */
#ifndef WGCTL_NOISE_MESSAGES_H
#define WGCTL_NOISE_MESSAGES_H

#include <stdint.h>

enum noise_lengths {
	NOISE_PUBLIC_KEY_LEN = 32,
	NOISE_SYMMETRIC_KEY_LEN = 32,
	NOISE_TIMESTAMP_LEN = 12,
	NOISE_AUTHTAG_LEN = 16,
	NOISE_HASH_LEN = 32,
};

#define NOISE_CONSTRUCTION  "Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s"
#define NOISE_IDENTIFIER    "WireGuard v1 zx2c4 Jason@zx2c4.com"
#define COOKIE_LABEL_MAC1   "mac1----"
#define COOKIE_LABEL_COOKIE "cookie--"
#define COOKIE_LABEL_LEN    8

#define noise_encrypted_len(plain_len) ((plain_len) + NOISE_AUTHTAG_LEN)

enum cookie_values {
	COOKIE_SECRET_LEN = NOISE_HASH_LEN,
	COOKIE_LEN = 16,
	COOKIE_NONCE_LEN = 24,
};

#ifndef NSEC_PER_SEC
#define NSEC_PER_SEC 1000000000ULL
#endif

enum counter_values {
	COUNTER_BITS_TOTAL = 8192,
	/* The window keeps one word of slack so that advancing never clears live bits. */
	COUNTER_REDUNDANT_BITS = 64,
	COUNTER_WINDOW_SIZE = COUNTER_BITS_TOTAL - COUNTER_REDUNDANT_BITS,
};

/* Specification */
#define REKEY_AFTER_MESSAGES     (1ULL << 60)
#define REJECT_AFTER_MESSAGES    (UINT64_MAX - COUNTER_WINDOW_SIZE - 1)
#define REKEY_TIMEOUT            (5 * NSEC_PER_SEC)
#define REKEY_TIMEOUT_JITTER_MAX (NSEC_PER_SEC / 3)
#define REKEY_AFTER_TIME         (120 * NSEC_PER_SEC)
#define REJECT_AFTER_TIME        (180 * NSEC_PER_SEC)
#define REKEY_ATTEMPT_TIME       (90 * NSEC_PER_SEC)
#define KEEPALIVE_TIMEOUT        (10 * NSEC_PER_SEC)
#define COOKIE_SECRET_MAX_AGE    (120 * NSEC_PER_SEC)
#define COOKIE_SECRET_LATENCY    (5 * NSEC_PER_SEC)
#define INITIATIONS_PER_SECOND   50
#define MAX_TIMER_HANDSHAKES     (REKEY_ATTEMPT_TIME / REKEY_TIMEOUT)

/* Implementation */
#define MAX_PEERS_PER_DEVICE           (1U << 20)
#define MAX_QUEUED_INCOMING_HANDSHAKES 4096
#define UNDER_LOAD_AFTER_TIME          (1 * NSEC_PER_SEC)
#define MAX_STAGED_PACKETS             128
#define MAX_QUEUED_PACKETS             1024
/* Keys are zeroed when no new session was derived for this long. */
#define KEY_ZEROING_TIME (3 * REJECT_AFTER_TIME)

enum message_type {
	MESSAGE_INVALID = 0,
	MESSAGE_HANDSHAKE_INITIATION = 1,
	MESSAGE_HANDSHAKE_RESPONSE = 2,
	MESSAGE_HANDSHAKE_COOKIE = 3,
	MESSAGE_DATA = 4,
};

/* Type in the low byte, three reserved zero bytes: compared as one le32. */
struct message_header {
	uint32_t type;
} __attribute__((packed));

struct message_macs {
	uint8_t mac1[COOKIE_LEN];
	uint8_t mac2[COOKIE_LEN];
} __attribute__((packed));

struct message_handshake_initiation {
	struct message_header header;
	uint32_t sender_index;
	uint8_t unencrypted_ephemeral[NOISE_PUBLIC_KEY_LEN];
	uint8_t encrypted_static[noise_encrypted_len(NOISE_PUBLIC_KEY_LEN)];
	uint8_t encrypted_timestamp[noise_encrypted_len(NOISE_TIMESTAMP_LEN)];
	struct message_macs macs;
} __attribute__((packed));

struct message_handshake_response {
	struct message_header header;
	uint32_t sender_index;
	uint32_t receiver_index;
	uint8_t unencrypted_ephemeral[NOISE_PUBLIC_KEY_LEN];
	uint8_t encrypted_nothing[noise_encrypted_len(0)];
	struct message_macs macs;
} __attribute__((packed));

struct message_handshake_cookie {
	struct message_header header;
	uint32_t receiver_index;
	uint8_t nonce[COOKIE_NONCE_LEN];
	uint8_t encrypted_cookie[noise_encrypted_len(COOKIE_LEN)];
} __attribute__((packed));

struct message_data {
	struct message_header header;
	uint32_t key_idx;
	uint64_t counter;
	uint8_t encrypted_data[];
} __attribute__((packed));

enum message_sizes {
	MESSAGE_INITIATION_LEN = 148,
	MESSAGE_RESPONSE_LEN = 92,
	MESSAGE_COOKIE_LEN = 64,
	MESSAGE_DATA_HEADER_LEN = 16,
	MESSAGE_DATA_MIN_LEN = MESSAGE_DATA_HEADER_LEN + NOISE_AUTHTAG_LEN,
	MESSAGE_DATA_OVERHEAD = MESSAGE_DATA_MIN_LEN,
	MESSAGE_MINIMUM_LENGTH = MESSAGE_DATA_MIN_LEN,
	MESSAGE_MAX_SIZE = 65535,
	MESSAGE_PADDING_MULTIPLE = 16,
};

_Static_assert(sizeof(struct message_handshake_initiation) == MESSAGE_INITIATION_LEN, "initiation");
_Static_assert(sizeof(struct message_handshake_response) == MESSAGE_RESPONSE_LEN, "response");
_Static_assert(sizeof(struct message_handshake_cookie) == MESSAGE_COOKIE_LEN, "cookie reply");
_Static_assert(sizeof(struct message_data) == MESSAGE_DATA_HEADER_LEN, "data header");

#endif
