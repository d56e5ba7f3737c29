// SPDX-License-Identifier: MIT
/*
 * Token-bucket rate limiter with an injected clock: the kernel selftest's sequence for IPv4 and
 * IPv6 (/64 sharing), the capacity cap and garbage collection.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <sys/socket.h>

#include "datapath/ratelimiter.h"
#include "util/mem.h"
#include "tap.h"

#define MSEC 1000000ULL

/* The kernel selftest's table: a burst of five, then one more per 1/20 s of waiting. */
static const struct {
	bool result;
	uint64_t wait_ns;
} expected[] = {
	/* 0 */ { true, 0 },
	/* 1 */ { true, 0 },
	/* 2 */ { true, 0 },
	/* 3 */ { true, 0 },
	/* 4 */ { true, 0 },
	/* 5 */ { false, 0 },
	/* 6 */ { true, 1000 * MSEC / RATELIMITER_PACKETS_PER_SECOND },
	/* 7 */ { false, 0 },
	/* 8 */ { true, 2 * 1000 * MSEC / RATELIMITER_PACKETS_PER_SECOND },
	/* 9 */ { true, 0 },
	/* 10 */ { false, 0 },
};

static const uint8_t test_key[RATELIMITER_KEY_SIZE] = {
	0x8c, 0x1f, 0x55, 0x02, 0xe9, 0x6a, 0x33, 0x70,
	0xd4, 0x0b, 0xa1, 0x5e, 0x47, 0x92, 0xc8, 0x1d,
};

static uint64_t now = 1000 * 1000 * MSEC;

static void v4(uint8_t out[4], uint32_t host)
{
	uint32_t be = htonl(host);

	memcpy(out, &be, 4);
}

static void v6(uint8_t out[16], const char *s)
{
	if (inet_pton(AF_INET6, s, out) != 1)
		abort();
}

static void test_sequence_v4(void)
{
	struct ratelimiter rl;
	uint8_t a[4], b[4], fresh[4];
	bool okay_a = true, okay_b = true, okay_fresh = true;

	ok(!ratelimiter_init(&rl, RATELIMITER_DEFAULT_MAX_ENTRIES, test_key), "v4: init");
	v4(a, 0xc0a80101);
	v4(b, 0xc0a80102);
	for (unsigned int i = 0; i < ARRAY_SIZE(expected); ++i) {
		now += expected[i].wait_ns;
		if (ratelimiter_allow(&rl, AF_INET, a, now) != expected[i].result) {
			okay_a = false;
			printf("# v4 step %u: source A got %d\n", i, !expected[i].result);
		}
		/* A neighbour running the same sequence in lockstep is charged separately. */
		if (ratelimiter_allow(&rl, AF_INET, b, now) != expected[i].result) {
			okay_b = false;
			printf("# v4 step %u: source B got %d\n", i, !expected[i].result);
		}
		v4(fresh, 0x0a000000 + i);
		if (!ratelimiter_allow(&rl, AF_INET, fresh, now))
			okay_fresh = false;
	}
	ok(okay_a, "v4: burst of %d, then one per 1/%d s", RATELIMITER_PACKETS_BURSTABLE,
	   RATELIMITER_PACKETS_PER_SECOND);
	ok(okay_b, "v4: interleaved second source follows its own bucket");
	ok(okay_fresh, "v4: a new source is always allowed");
	ok(ratelimiter_count(&rl) == 2 + ARRAY_SIZE(expected), "v4: one entry per source");
	ratelimiter_uninit(&rl);
}

static void test_sequence_v6(void)
{
	struct ratelimiter rl;
	uint8_t a[16], a_same64[16], b[16], fresh[16], v4_alias[16], v4a[4];
	bool okay_a = true, okay_b = true, okay_fresh = true, apart = true;
	char buf[64];

	ok(!ratelimiter_init(&rl, RATELIMITER_DEFAULT_MAX_ENTRIES, test_key), "v6: init");
	v6(a, "2001:db8:1:2::1");
	v6(a_same64, "2001:db8:1:2:ffff:eeee:dddd:cccc");
	v6(b, "2001:db8:1:3::1");
	for (unsigned int i = 0; i < ARRAY_SIZE(expected); ++i) {
		now += expected[i].wait_ns;
		/* Alternate between two hosts of one /64: they must drain one bucket. */
		if (ratelimiter_allow(&rl, AF_INET6, i & 1 ? a_same64 : a, now) !=
		    expected[i].result) {
			okay_a = false;
			printf("# v6 step %u: /64 A got %d\n", i, !expected[i].result);
		}
		if (ratelimiter_allow(&rl, AF_INET6, b, now) != expected[i].result) {
			okay_b = false;
			printf("# v6 step %u: /64 B got %d\n", i, !expected[i].result);
		}
		snprintf(buf, sizeof(buf), "2001:db8:2:%x::1", i);
		v6(fresh, buf);
		if (!ratelimiter_allow(&rl, AF_INET6, fresh, now))
			okay_fresh = false;
	}
	ok(okay_a, "v6: two addresses in one /64 share the bucket");
	ok(okay_b, "v6: the neighbouring /64 has its own bucket");
	ok(okay_fresh, "v6: a new /64 is always allowed");
	ok(ratelimiter_count(&rl) == 2 + ARRAY_SIZE(expected), "v6: one entry per /64");
	ok(!ratelimiter_allow(&rl, AF_INET6, a, now), "v6: bucket A is still empty");

	ok(!ratelimiter_allow(&rl, AF_UNIX, a, now), "unknown family is denied");
	ratelimiter_uninit(&rl);

	/*
	 * An IPv4 source and a v6 /64 whose first bytes match hold equal 64-bit keys; the family
	 * must keep them apart. With only 16 hash chains, some of the 64 pairs share one.
	 */
	for (unsigned int i = 0; i < 64; ++i) {
		ratelimiter_init(&rl, 16, test_key);
		memset(v4_alias, 0, sizeof(v4_alias));
		v4(v4a, 0x0a000000 + i);
		memcpy(v4_alias, v4a, 4);
		for (unsigned int j = 0; j < 6; ++j)
			ratelimiter_allow(&rl, AF_INET6, v4_alias, now);
		if (ratelimiter_allow(&rl, AF_INET6, v4_alias, now) ||
		    !ratelimiter_allow(&rl, AF_INET, v4a, now))
			apart = false;
		ratelimiter_uninit(&rl);
	}
	ok(apart, "v4 and v6 sources with equal key bits never share a token bucket");
}

static void test_refill(void)
{
	struct ratelimiter rl;
	uint8_t a[4];
	unsigned int n = 0;

	ratelimiter_init(&rl, 16, test_key);
	v4(a, 0x01020304);
	while (ratelimiter_allow(&rl, AF_INET, a, now))
		++n;
	ok(n == RATELIMITER_PACKETS_BURSTABLE, "fresh source: %u allowed before a denial", n);

	/* Ten idle seconds (no gc in between) refill only up to the burst. */
	now += 10000 * MSEC;
	n = 0;
	while (ratelimiter_allow(&rl, AF_INET, a, now))
		++n;
	ok(n == RATELIMITER_PACKETS_BURSTABLE, "long idle refills to the burst only (%u)", n);

	/* 400 idle ms also stop at the burst: the cap applies to any excess. */
	now += 400 * MSEC;
	n = 0;
	while (ratelimiter_allow(&rl, AF_INET, a, now))
		++n;
	ok(n == RATELIMITER_PACKETS_BURSTABLE, "400 ms idle refills to the burst only (%u)", n);

	/* 49 ms is not enough for one packet; 1 more ms is. */
	now += 49 * MSEC;
	ok(!ratelimiter_allow(&rl, AF_INET, a, now), "49 ms later: denied");
	now += 1 * MSEC;
	ok(ratelimiter_allow(&rl, AF_INET, a, now), "50 ms later: allowed");
	ok(!ratelimiter_allow(&rl, AF_INET, a, now), "and denied again");

	/* Denied attempts do not dig a debt: waiting one cost always buys one packet. */
	for (unsigned int i = 0; i < 100; ++i)
		ratelimiter_allow(&rl, AF_INET, a, now);
	now += 50 * MSEC;
	ok(ratelimiter_allow(&rl, AF_INET, a, now), "denied attempts cost nothing");

	/* A clock that steps back must not mint tokens. */
	ok(!ratelimiter_allow(&rl, AF_INET, a, now - 5000 * MSEC), "clock stepping back: denied");
	ok(!ratelimiter_allow(&rl, AF_INET, a, now), "and no refill on return");
	ratelimiter_uninit(&rl);
}

static void test_capacity(size_t max)
{
	struct ratelimiter rl;
	uint8_t a[4];
	size_t accepted = 0;
	bool extra;

	ok(!ratelimiter_init(&rl, max, test_key), "capacity %zu: init", max);
	for (size_t i = 0; i < max; ++i) {
		v4(a, 0x0a000000 + (uint32_t)i);
		accepted += ratelimiter_allow(&rl, AF_INET, a, now);
	}
	ok(accepted == max, "capacity %zu: %zu distinct sources accepted", max, accepted);
	ok(ratelimiter_count(&rl) == max, "capacity %zu: table full", max);
	v4(a, 0x0a000000 + (uint32_t)max);
	extra = ratelimiter_allow(&rl, AF_INET, a, now);
	ok(!extra, "capacity %zu: the next new source is denied", max);
	v4(a, 0x0a000000);
	ok(ratelimiter_allow(&rl, AF_INET, a, now), "capacity %zu: known sources still pass", max);
	ratelimiter_uninit(&rl);
}

static void test_gc(void)
{
	struct ratelimiter rl;
	uint8_t a[4], b[4], c[4];
	unsigned int n = 0;

	ratelimiter_init(&rl, 2, test_key);
	v4(a, 0xc6336401);
	v4(b, 0xc6336402);
	v4(c, 0xc6336403);
	for (unsigned int i = 0; i < 5; ++i)
		ratelimiter_allow(&rl, AF_INET, a, now);
	ratelimiter_allow(&rl, AF_INET, b, now + 600 * MSEC);
	ok(!ratelimiter_allow(&rl, AF_INET, c, now), "gc: full table denies a third source");

	ratelimiter_gc(&rl, now + 1000 * MSEC);
	ok(ratelimiter_count(&rl) == 2, "gc: an entry idle exactly 1 s is kept");
	ratelimiter_gc(&rl, now + 1000 * MSEC + 1);
	ok(ratelimiter_count(&rl) == 1, "gc: idle over 1 s is dropped, a younger one kept");
	ok(ratelimiter_allow(&rl, AF_INET, c, now + 1001 * MSEC), "gc: the freed slot is reused");
	ok(ratelimiter_count(&rl) == 2, "gc: count back to 2");

	ratelimiter_gc(&rl, now + 5000 * MSEC);
	ok(ratelimiter_count(&rl) == 0, "gc: everything idle is dropped");
	now += 5000 * MSEC;
	while (ratelimiter_allow(&rl, AF_INET, a, now))
		++n;
	ok(n == RATELIMITER_PACKETS_BURSTABLE, "gc: a forgotten source starts with a fresh burst");
	ratelimiter_uninit(&rl);
}

int main(void)
{
	struct ratelimiter rl;

	ok(ratelimiter_init(&rl, 0, test_key) == -EINVAL, "max_entries 0 is rejected");
	ok(RATELIMITER_PACKET_COST == 50 * MSEC && RATELIMITER_TOKEN_MAX == 250 * MSEC,
	   "constants: cost 50 ms, bucket 250 ms");
	test_sequence_v4();
	test_sequence_v6();
	test_refill();
	test_capacity(1);
	test_capacity(1000);
	test_capacity(RATELIMITER_DEFAULT_MAX_ENTRIES);
	test_gc();
	return done_testing();
}
