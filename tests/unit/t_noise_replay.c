// SPDX-License-Identifier: MIT
/*
 * Replay window: the kernel selftest's numbered cases and extra blocks, then a randomized
 * differential run against a naive model that remembers every accepted counter.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "noise/replay.h"
#include "tap.h"

#define W ((uint64_t)COUNTER_WINDOW_SIZE)
#define R REJECT_AFTER_MESSAGES

static struct replay_counter rc;
static unsigned int case_no, case_failed;

static unsigned long check_disagreed;

/* validate, after asking check (which must answer the same and change nothing). */
static bool checked_validate(struct replay_counter *c, uint64_t n, uint64_t reject_after)
{
	static struct replay_counter before;
	bool would;

	before = *c;
	would = replay_counter_check(c, n, reject_after);
	check_disagreed += memcmp(&before, c, sizeof(before)) != 0;
	check_disagreed += would != replay_counter_validate(c, n, reject_after);
	return would;
}

static void T(uint64_t n, bool want)
{
	bool got = checked_validate(&rc, n, R);

	++case_no;
	if (got != want) {
		++case_failed;
		printf("# case %u: counter %llu: got %s, want %s\n", case_no, (unsigned long long)n,
		       got ? "accept" : "reject", want ? "accept" : "reject");
	}
}

static void numbered_cases(void)
{
	const uint64_t L = W + 1;

	replay_counter_init(&rc);
	case_no = case_failed = 0;
	/*  1 */ T(0, true);
	/*  2 */ T(1, true);
	/*  3 */ T(1, false);
	/*  4 */ T(9, true);
	/*  5 */ T(8, true);
	/*  6 */ T(7, true);
	/*  7 */ T(7, false);
	/*  8 */ T(L, true);
	/*  9 */ T(L - 1, true);
	/* 10 */ T(L - 1, false);
	/* 11 */ T(L - 2, true);
	/* 12 */ T(2, true);
	/* 13 */ T(2, false);
	/* 14 */ T(L + 16, true);
	/* 15 */ T(3, false);
	/* 16 */ T(L + 16, false);
	/* 17 */ T(L * 4, true);
	/* 18 */ T(L * 4 - (L - 1), true);
	/* 19 */ T(10, false);
	/* 20 */ T(L * 4 - L, false);
	/* 21 */ T(L * 4 - (L + 1), false);
	/* 22 */ T(L * 4 - (L - 2), true);
	/* 23 */ T(L * 4 + 1 - L, false);
	/* 24 */ T(0, false);
	/* 25 */ T(R, false);
	/* 26 */ T(R - 1, true);
	/* 27 */ T(R, false);
	/* 28 */ T(R - 1, false);
	/* 29 */ T(R - 2, true);
	/* 30 */ T(R + 1, false);
	/* 31 */ T(R + 2, false);
	/* 32 */ T(R - 2, false);
	/* 33 */ T(R - 3, true);
	/* 34 */ T(0, false);
	ok(case_no == 34 && !case_failed, "34 numbered cases (%u failed)", case_failed);
}

static void block_begin(void)
{
	replay_counter_init(&rc);
	case_no = case_failed = 0;
}

static void extra_blocks(void)
{
	uint64_t i;

	block_begin();
	for (i = 1; i <= W; ++i)
		T(i, true);
	T(0, true);
	T(0, false);
	ok(!case_failed, "block 1: 1..W, then 0 accepted once");

	block_begin();
	for (i = 2; i <= W + 1; ++i)
		T(i, true);
	T(1, true);
	T(0, false);
	ok(!case_failed, "block 2: 2..W+1, then 1 accepted, 0 too old");

	block_begin();
	for (i = W + 1; i-- > 0;)
		T(i, true);
	ok(!case_failed, "block 3: W down to 0");

	block_begin();
	for (i = W + 2; i-- > 1;)
		T(i, true);
	T(0, false);
	ok(!case_failed, "block 4: W+1 down to 1, then 0 too old");

	block_begin();
	for (i = W + 1; i-- > 1;)
		T(i, true);
	T(W + 1, true);
	T(0, false);
	ok(!case_failed, "block 5: W down to 1, W+1, then 0 too old");

	block_begin();
	for (i = W + 1; i-- > 1;)
		T(i, true);
	T(0, true);
	T(W + 1, true);
	ok(!case_failed, "block 6: W down to 1, 0, then W+1");
}

/* xorshift64*: deterministic, so a failure is reproducible. */
static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint64_t rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dULL;
}

#define MODEL_SPAN (1U << 25)

/* The naive model: a bit for every counter ever accepted, relative to base. */
struct model {
	uint64_t base;
	bool any;
	uint64_t highest;
	uint8_t *seen;
};

static bool model_validate(struct model *m, uint64_t counter, uint64_t reject_after)
{
	uint64_t off = counter - m->base;

	if (counter >= reject_after)
		return false;
	if (m->any && counter + W < m->highest)
		return false;
	if (m->seen[off / 8] & (1U << (off % 8)))
		return false;
	m->seen[off / 8] |= 1U << (off % 8);
	if (!m->any || counter > m->highest)
		m->highest = counter;
	m->any = true;
	return true;
}

static void differential(unsigned long ops)
{
	struct model m = { .seen = calloc(MODEL_SPAN / 8, 1) };
	unsigned long mismatches = 0, accepted = 0, rounds = 0;
	uint64_t cursor = 0;

	if (!m.seen)
		abort();
	for (unsigned long i = 0; i < ops; ++i) {
		uint64_t counter, r = rnd();
		bool got, want;

		if (i % 200000 == 0) {
			/* New session; every other one sits just below REJECT_AFTER_MESSAGES. */
			replay_counter_init(&rc);
			memset(m.seen, 0, MODEL_SPAN / 8);
			m.any = false;
			m.base = rounds++ % 2 ? R - MODEL_SPAN + 4096 : rnd() >> 8;
			cursor = 0;
		}
		switch (r % 64) {
		case 0 ... 7: /* far behind: mostly outside the window */
			counter =
				cursor > 3 * W ? cursor - (rnd() % (3 * W)) : rnd() % (cursor + 1);
			break;
		case 8: /* big jump forward */
			counter = cursor + rnd() % (2 * W);
			break;
		case 9 ... 15: /* exact window edges */
			counter = cursor > W ? cursor - W + (rnd() % 3) - 1 : cursor;
			break;
		default: /* reordering close to the front */
			counter = cursor + 64 > 300 ? cursor + 64 - rnd() % 300 : rnd() % 64;
			break;
		}
		if (counter >= MODEL_SPAN)
			counter = MODEL_SPAN - 1 - rnd() % 64;
		if (counter > cursor)
			cursor = counter;
		counter += m.base;
		want = model_validate(&m, counter, R);
		got = checked_validate(&rc, counter, R);
		accepted += want;
		if (got != want && mismatches++ < 5)
			printf("# op %lu: counter %llu: got %d want %d\n", i,
			       (unsigned long long)counter, got, want);
	}
	ok(!mismatches, "differential: %lu operations, %lu accepted, %lu mismatches", ops, accepted,
	   mismatches);
	free(m.seen);
}

int main(void)
{
	numbered_cases();
	extra_blocks();

	replay_counter_init(&rc);
	ok(!replay_counter_validate(&rc, 5, 5) && replay_counter_validate(&rc, 4, 5),
	   "custom reject_after bound honoured");
	ok(sizeof(rc.rc_bitmap) * 8 == COUNTER_BITS_TOTAL && W == 8128,
	   "8192-bit ring, window 8128");

	differential(1000000);
	ok(!check_disagreed,
	   "replay_counter_check answered as validate before every call, and changed nothing");
	return done_testing();
}
