/* SPDX-License-Identifier: MIT */
/*
 * The per-peer WireGuard timer state machine, sans-I/O: the caller reports events with the
 * CLOCK_BOOTTIME nanoseconds `now`, calls timers_tick() when timers_next_deadline() has passed,
 * and performs the TIMERS_* actions it returns. No clock, no allocation, no sockets here.
 *
 * Not thread-safe; serialise per peer together with the peer's struct noise_remote.
 */
#ifndef WGCTL_NOISE_TIMERS_H
#define WGCTL_NOISE_TIMERS_H

#include <stdbool.h>
#include <stdint.h>

#include "noise/noise.h"

enum timers_action {
	/* Create and send a handshake initiation, then call timers_event_handshake_initiated(). */
	TIMERS_SEND_HANDSHAKE_INITIATION = 1U << 0,
	/* Send an empty data message (passive or persistent keepalive). */
	TIMERS_SEND_KEEPALIVE = 1U << 1,
	/* Wipe the handshake and every keypair: noise_remote_clear(). */
	TIMERS_ZERO_KEYS = 1U << 2,
	/* Drop the packets staged while waiting for a session. */
	TIMERS_CLEAR_STAGED_PACKETS = 1U << 3,
	/* Forget the cached local source address of the endpoint; it may be why nobody answers. */
	TIMERS_CLEAR_ENDPOINT_SRC = 1U << 4,
};

/* Deadlines are CLOCK_BOOTTIME ns; 0 means not armed. */
struct timers {
	uint64_t t_retransmit_handshake;
	uint64_t t_send_keepalive;
	uint64_t t_new_handshake;
	uint64_t t_zero_key_material;
	uint64_t t_persistent_keepalive;
	/* Seconds, as configured (persistent-keepalive); 0 is off. */
	uint16_t t_persistent_keepalive_interval;
	unsigned int t_handshake_attempts;
	bool t_need_another_keepalive;
	bool t_sent_lastminute_handshake;
	bool t_has_sent_handshake;
	uint64_t t_last_sent_handshake;
	/* Source of the 0..REKEY_TIMEOUT_JITTER_MAX jitter; fill NULL means crypto_random(). */
	struct noise_rng t_rng;
};

/* rng may be NULL (crypto_random()). All timers start disarmed. */
void timers_init(struct timers *t, const struct noise_rng *rng);
/* Disarm everything, e.g. when the peer is removed or the interface goes down. */
void timers_stop(struct timers *t);

/* Call after an authenticated data packet (not a keepalive) is sent. */
void timers_event_data_sent(struct timers *t, uint64_t now);
/* Call after an authenticated data packet (not a keepalive) is received. */
void timers_event_data_received(struct timers *t, uint64_t now);
/* Call after any authenticated packet (data, keepalive or handshake) is sent. */
void timers_event_any_authenticated_packet_sent(struct timers *t, uint64_t now);
/* Call after any authenticated packet (data, keepalive or handshake) is received. */
void timers_event_any_authenticated_packet_received(struct timers *t, uint64_t now);
/* Call after any authenticated packet is sent or received. */
void timers_event_any_authenticated_packet_traversal(struct timers *t, uint64_t now);
/* Call after a handshake initiation is sent. */
void timers_event_handshake_initiated(struct timers *t, uint64_t now);
/* Call after a handshake response is consumed, or data confirms the responder's keypair. */
void timers_event_handshake_complete(struct timers *t, uint64_t now);
/* Call after noise_begin_session() derived a new keypair. */
void timers_event_session_derived(struct timers *t, uint64_t now);
/* Call after the persistent keepalive interval (seconds, 0 = off) is configured. */
void timers_event_persistent_keepalive_set(struct timers *t, uint16_t interval, uint64_t now);

/* Fire every timer whose deadline is <= now; returns the TIMERS_* actions to perform. */
unsigned int timers_tick(struct timers *t, uint64_t now);
/* The earliest armed deadline, or 0 when nothing is armed. */
uint64_t timers_next_deadline(const struct timers *t);

/* Keys were expired (e.g. a new private key): the next initiation need not wait REKEY_TIMEOUT. */
void timers_allow_initiation(struct timers *t);
/* Whether REKEY_TIMEOUT has passed since the last initiation (the per-peer minimum gap). */
bool timers_may_initiate(const struct timers *t, uint64_t now);
/*
 * Call after sending through r, or when a packet is staged because r has no keypair. True:
 * send a (new, not retried) handshake initiation now.
 */
bool timers_keep_key_fresh_send(struct timers *t, struct noise_remote *r, uint64_t now);
/* Call after receiving data through r. True: send the one "last-minute" initiation now. */
bool timers_keep_key_fresh_recv(struct timers *t, struct noise_remote *r, uint64_t now);

#endif
