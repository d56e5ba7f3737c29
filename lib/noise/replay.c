// SPDX-License-Identifier: MIT
#include <string.h>

#include "noise/replay.h"

_Static_assert((REPLAY_WORDS & (REPLAY_WORDS - 1)) == 0, "ring size must be a power of two");

void replay_counter_init(struct replay_counter *c)
{
	memset(c, 0, sizeof(*c));
}

bool replay_counter_check(const struct replay_counter *c, uint64_t counter, uint64_t reject_after)
{
	/* Bit positions are counter + 1, so that position 0 means "nothing seen yet". */
	uint64_t pos = counter + 1;

	if (c->rc_next > reject_after || counter >= reject_after)
		return false;
	if (c->rc_next > COUNTER_WINDOW_SIZE && pos < c->rc_next - COUNTER_WINDOW_SIZE)
		return false;
	/* Ahead of everything: the words it moves into are cleared when it is recorded. */
	if (pos > c->rc_next)
		return true;
	return !(c->rc_bitmap[(pos / REPLAY_WORD_BITS) & (REPLAY_WORDS - 1)] &
		 1ULL << (pos & (REPLAY_WORD_BITS - 1)));
}

bool replay_counter_validate(struct replay_counter *c, uint64_t counter, uint64_t reject_after)
{
	uint64_t pos = counter + 1, word = pos / REPLAY_WORD_BITS;

	if (!replay_counter_check(c, counter, reject_after))
		return false;
	if (pos > c->rc_next) {
		uint64_t cur_word = c->rc_next / REPLAY_WORD_BITS, n = word - cur_word;

		if (n > REPLAY_WORDS)
			n = REPLAY_WORDS;
		for (uint64_t i = 1; i <= n; ++i)
			c->rc_bitmap[(cur_word + i) & (REPLAY_WORDS - 1)] = 0;
		c->rc_next = pos;
	}
	c->rc_bitmap[word & (REPLAY_WORDS - 1)] |= 1ULL << (pos & (REPLAY_WORD_BITS - 1));
	return true;
}
