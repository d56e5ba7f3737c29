// SPDX-License-Identifier: MIT
#include <string.h>

#include "noise/replay.h"

_Static_assert((REPLAY_WORDS & (REPLAY_WORDS - 1)) == 0, "ring size must be a power of two");

void replay_counter_init(struct replay_counter *c)
{
	memset(c, 0, sizeof(*c));
}

bool replay_counter_validate(struct replay_counter *c, uint64_t counter, uint64_t reject_after)
{
	uint64_t pos, word, cur_word, bit;

	if (c->rc_next > reject_after || counter >= reject_after)
		return false;

	/* Bit positions are counter + 1, so that position 0 means "nothing seen yet". */
	pos = counter + 1;
	if (c->rc_next > COUNTER_WINDOW_SIZE && pos < c->rc_next - COUNTER_WINDOW_SIZE)
		return false;

	word = pos / REPLAY_WORD_BITS;
	if (pos > c->rc_next) {
		uint64_t n;

		cur_word = c->rc_next / REPLAY_WORD_BITS;
		n = word - cur_word;
		if (n > REPLAY_WORDS)
			n = REPLAY_WORDS;
		for (uint64_t i = 1; i <= n; ++i)
			c->rc_bitmap[(cur_word + i) & (REPLAY_WORDS - 1)] = 0;
		c->rc_next = pos;
	}

	word &= REPLAY_WORDS - 1;
	bit = 1ULL << (pos & (REPLAY_WORD_BITS - 1));
	if (c->rc_bitmap[word] & bit)
		return false;
	c->rc_bitmap[word] |= bit;
	return true;
}
