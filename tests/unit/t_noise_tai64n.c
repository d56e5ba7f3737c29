// SPDX-License-Identifier: MIT
#include <stdint.h>
#include <time.h>

#include "noise/tai64n.h"
#include "tap.h"

static void label(uint8_t out[TAI64N_LEN], time_t sec, long nsec)
{
	struct timespec ts = { .tv_sec = sec, .tv_nsec = nsec };

	tai64n_from_timespec(out, &ts);
}

int main(void)
{
	uint8_t a[TAI64N_LEN], b[TAI64N_LEN], want[TAI64N_LEN];

	label(a, 0, 0);
	unhex(want, sizeof(want), "400000000000000a00000000");
	is_mem(a, want, sizeof(want), "epoch is 2^62 + 10");

	/* 2^24 = 16777216: 999999999 rounds down to 59 * 2^24 = 989855744 = 0x3b000000. */
	label(a, 1700000000, 999999999);
	unhex(want, sizeof(want), "400000006553f10a3b000000");
	is_mem(a, want, sizeof(want), "2023-11-14T22:13:20.999999999Z, nanoseconds whitened");

	label(a, 1, (1L << 24) - 1);
	unhex(want, sizeof(want), "400000000000000b00000000");
	is_mem(a, want, sizeof(want), "just under 2^24 ns rounds to zero");

	label(a, 1, 1L << 24);
	unhex(want, sizeof(want), "400000000000000b01000000");
	is_mem(a, want, sizeof(want), "exactly 2^24 ns is kept");

	label(a, 100, 5000000);
	label(b, 100, 9000000);
	ok(tai64n_compare(a, b) == 0, "labels within one 2^24 ns slot compare equal");
	label(b, 100, 20000000);
	ok(tai64n_compare(a, b) < 0 && tai64n_compare(b, a) > 0, "next slot is newer");
	label(b, 99, 999999999);
	ok(tai64n_compare(a, b) > 0, "previous second is older despite larger nanoseconds");
	label(a, 0x100, 0);
	label(b, 0xff, 0);
	ok(tai64n_compare(a, b) > 0, "comparison is big-endian across bytes");
	label(a, 4102444800, 0);
	unhex(want, sizeof(want), "40000000f486570a00000000");
	is_mem(a, want, sizeof(want), "2100-01-01: seconds beyond 32 bits");
	return done_testing();
}
