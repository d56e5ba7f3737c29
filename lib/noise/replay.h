/* SPDX-License-Identifier: MIT */
/*
 * Sliding-window replay protection for transport counters (RFC 6479 style): a ring of
 * COUNTER_BITS_TOTAL bits, of which COUNTER_WINDOW_SIZE are usable behind the highest counter.
 */
#ifndef WGCTL_NOISE_REPLAY_H
#define WGCTL_NOISE_REPLAY_H

#include <stdbool.h>
#include <stdint.h>

#include "noise/messages.h"

#define REPLAY_WORD_BITS 64
#define REPLAY_WORDS     (COUNTER_BITS_TOTAL / REPLAY_WORD_BITS)

struct replay_counter {
	/* One past the highest counter accepted so far; 0 when none was. */
	uint64_t rc_next;
	uint64_t rc_bitmap[REPLAY_WORDS];
};

void replay_counter_init(struct replay_counter *c);
/*
 * Checks counter against the window and records it. Call only after the packet authenticated,
 * so forged packets cannot move the window. Counters >= reject_after are always refused.
 */
bool replay_counter_validate(struct replay_counter *c, uint64_t counter, uint64_t reject_after);
/* What replay_counter_validate() would answer, without recording anything. */
bool replay_counter_check(const struct replay_counter *c, uint64_t counter, uint64_t reject_after);

#endif
