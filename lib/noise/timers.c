// SPDX-License-Identifier: MIT
/*
 * Per-peer timers, as in the whitepaper section 6 and the kernel's timers.c:
 *
 * - retransmit handshake: REKEY_TIMEOUT + jitter after an initiation, while no response came.
 *   After MAX_TIMER_HANDSHAKES retries (REKEY_ATTEMPT_TIME) give up: drop staged packets and
 *   schedule key zeroing.
 * - send keepalive: KEEPALIVE_TIMEOUT after data was received, unless we sent something since.
 * - new handshake: KEEPALIVE_TIMEOUT + REKEY_TIMEOUT + jitter after data was sent, unless an
 *   authenticated packet was received since.
 * - zero key material: REJECT_AFTER_TIME * 3 after the last new session (or a give-up).
 * - persistent keepalive: the configured interval after the last authenticated packet in
 *   either direction.
 *
 * A timer fires once; what re-arms it is the event the caller reports after acting on it.
 */
#include <string.h>

#include "crypto/crypto.h"
#include "noise/timers.h"

static void arm(uint64_t *deadline, uint64_t when)
{
	/* 0 means disarmed, so a deadline of exactly 0 ns is pushed to 1 ns. */
	*deadline = when ? when : 1;
}

static bool expired(uint64_t deadline, uint64_t now)
{
	return deadline && deadline <= now;
}

static uint64_t jitter(struct timers *t)
{
	uint64_t r = 0;
	int ret;

	ret = noise_rng_fill(&t->t_rng, &r, sizeof(r));
	if (ret < 0)
		return 0;
	return r % (REKEY_TIMEOUT_JITTER_MAX + 1);
}

void timers_init(struct timers *t, const struct noise_rng *rng)
{
	memset(t, 0, sizeof(*t));
	if (rng)
		t->t_rng = *rng;
}

void timers_stop(struct timers *t)
{
	t->t_retransmit_handshake = 0;
	t->t_send_keepalive = 0;
	t->t_new_handshake = 0;
	t->t_zero_key_material = 0;
	t->t_persistent_keepalive = 0;
	t->t_need_another_keepalive = false;
}

void timers_event_data_sent(struct timers *t, uint64_t now)
{
	if (!t->t_new_handshake)
		arm(&t->t_new_handshake, now + KEEPALIVE_TIMEOUT + REKEY_TIMEOUT + jitter(t));
}

void timers_event_data_received(struct timers *t, uint64_t now)
{
	if (!t->t_send_keepalive)
		arm(&t->t_send_keepalive, now + KEEPALIVE_TIMEOUT);
	else
		t->t_need_another_keepalive = true;
}

void timers_event_any_authenticated_packet_sent(struct timers *t, uint64_t now)
{
	(void)now;
	t->t_send_keepalive = 0;
}

void timers_event_any_authenticated_packet_received(struct timers *t, uint64_t now)
{
	(void)now;
	t->t_new_handshake = 0;
}

void timers_event_any_authenticated_packet_traversal(struct timers *t, uint64_t now)
{
	if (t->t_persistent_keepalive_interval)
		arm(&t->t_persistent_keepalive,
		    now + t->t_persistent_keepalive_interval * NSEC_PER_SEC);
}

void timers_event_handshake_initiated(struct timers *t, uint64_t now)
{
	t->t_last_sent_handshake = now;
	t->t_has_sent_handshake = true;
	arm(&t->t_retransmit_handshake, now + REKEY_TIMEOUT + jitter(t));
}

void timers_event_handshake_complete(struct timers *t, uint64_t now)
{
	(void)now;
	t->t_retransmit_handshake = 0;
	t->t_handshake_attempts = 0;
	t->t_sent_lastminute_handshake = false;
}

void timers_event_session_derived(struct timers *t, uint64_t now)
{
	arm(&t->t_zero_key_material, now + KEY_ZEROING_TIME);
}

void timers_event_persistent_keepalive_set(struct timers *t, uint16_t interval, uint64_t now)
{
	t->t_persistent_keepalive_interval = interval;
	/* Like the kernel, a newly enabled interval sends one keepalive at once. */
	if (interval)
		arm(&t->t_persistent_keepalive, now);
	else
		t->t_persistent_keepalive = 0;
}

void timers_allow_initiation(struct timers *t)
{
	t->t_has_sent_handshake = false;
}

bool timers_may_initiate(const struct timers *t, uint64_t now)
{
	return !t->t_has_sent_handshake || now - t->t_last_sent_handshake >= REKEY_TIMEOUT;
}

/* A new (not retried) initiation: the retry budget starts over, even when rate-limited. */
static bool want_new_handshake(struct timers *t, uint64_t now)
{
	t->t_handshake_attempts = 0;
	return timers_may_initiate(t, now);
}

static unsigned int expired_retransmit_handshake(struct timers *t, uint64_t now)
{
	if (t->t_handshake_attempts > MAX_TIMER_HANDSHAKES) {
		t->t_send_keepalive = 0;
		t->t_need_another_keepalive = false;
		if (!t->t_zero_key_material)
			arm(&t->t_zero_key_material, now + KEY_ZEROING_TIME);
		return TIMERS_CLEAR_STAGED_PACKETS;
	}
	++t->t_handshake_attempts;
	return TIMERS_SEND_HANDSHAKE_INITIATION | TIMERS_CLEAR_ENDPOINT_SRC;
}

static unsigned int expired_send_keepalive(struct timers *t, uint64_t now)
{
	if (t->t_need_another_keepalive) {
		t->t_need_another_keepalive = false;
		arm(&t->t_send_keepalive, now + KEEPALIVE_TIMEOUT);
	}
	return TIMERS_SEND_KEEPALIVE;
}

static unsigned int expired_new_handshake(struct timers *t, uint64_t now)
{
	unsigned int actions = TIMERS_CLEAR_ENDPOINT_SRC;

	if (want_new_handshake(t, now))
		actions |= TIMERS_SEND_HANDSHAKE_INITIATION;
	return actions;
}

unsigned int timers_tick(struct timers *t, uint64_t now)
{
	unsigned int actions = 0;

	if (expired(t->t_retransmit_handshake, now)) {
		t->t_retransmit_handshake = 0;
		actions |= expired_retransmit_handshake(t, now);
	}
	if (expired(t->t_new_handshake, now)) {
		t->t_new_handshake = 0;
		actions |= expired_new_handshake(t, now);
	}
	if (expired(t->t_send_keepalive, now)) {
		t->t_send_keepalive = 0;
		actions |= expired_send_keepalive(t, now);
	}
	if (expired(t->t_persistent_keepalive, now)) {
		t->t_persistent_keepalive = 0;
		if (t->t_persistent_keepalive_interval)
			actions |= TIMERS_SEND_KEEPALIVE;
	}
	if (expired(t->t_zero_key_material, now)) {
		t->t_zero_key_material = 0;
		actions |= TIMERS_ZERO_KEYS;
	}
	return actions;
}

static uint64_t earliest(uint64_t a, uint64_t b)
{
	if (!a)
		return b;
	if (!b)
		return a;
	return a < b ? a : b;
}

uint64_t timers_next_deadline(const struct timers *t)
{
	uint64_t d = t->t_retransmit_handshake;

	d = earliest(d, t->t_send_keepalive);
	d = earliest(d, t->t_new_handshake);
	d = earliest(d, t->t_zero_key_material);
	return earliest(d, t->t_persistent_keepalive);
}

bool timers_keep_key_fresh_send(struct timers *t, struct noise_remote *r, uint64_t now)
{
	if (noise_remote_current(r) && !noise_remote_should_rekey_send(r, now))
		return false;
	return want_new_handshake(t, now);
}

bool timers_keep_key_fresh_recv(struct timers *t, struct noise_remote *r, uint64_t now)
{
	if (t->t_sent_lastminute_handshake || !noise_remote_should_rekey_recv(r, now))
		return false;
	t->t_sent_lastminute_handshake = true;
	return want_new_handshake(t, now);
}
