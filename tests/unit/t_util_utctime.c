// SPDX-License-Identifier: MIT
/*
 * UTC times and durations as peer-list headers and `wgctl sign --expires` write them: the one
 * spelling parsed exactly, everything else refused, and parse/format checked against the C
 * library's timegm/gmtime over 100,000 random instants from 1970 to 9999.
 */
#include <time.h>

#include "prng.h"
#include "tap.h"
#include "util/utctime.h"

static void test_known(void)
{
	char buf[UTC_TEXT_SIZE];
	int64_t t;

	ok(utc_parse("1970-01-01T00:00:00Z", &t) && t == 0, "the epoch");
	ok(utc_parse("2027-01-07T12:00:00Z", &t) && t == 1799323200, "2027-01-07T12:00:00Z");
	ok(utc_parse("2024-02-29T23:59:59Z", &t) && t == 1709251199, "a leap day");
	ok(utc_parse_date("2027-01-07", &t) && t == 1799280000, "a date alone is its midnight UTC");
	utc_format(buf, 1799323200);
	is_str(buf, "2027-01-07T12:00:00Z", "formatted back");
}

static void test_refused(void)
{
	static const char *const bad[] = {
		"",
		"2027-01-07",
		"2027-01-07T12:00:00",
		"2027-01-07T12:00:00+00:00",
		"2027-01-07 12:00:00Z",
		"2027-1-07T12:00:00Z",
		"2027-13-01T00:00:00Z",
		"2023-02-29T00:00:00Z",
		"2027-01-32T00:00:00Z",
		"2027-01-07T24:00:00Z",
		"2027-01-07T12:60:00Z",
		"2027-01-07T12:00:60Z",
		"1969-12-31T23:59:59Z",
		"2027-01-07T12:00:00.5Z",
		"2027-01-07t12:00:00z",
		" 2027-01-07T12:00:00Z",
		"+027-01-07T12:00:00Z",
	};
	int64_t t;
	bool all = true;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); ++i) {
		if (utc_parse(bad[i], &t)) {
			printf("# accepted: `%s'\n", bad[i]);
			all = false;
		}
	}
	ok(all, "every other spelling is refused (%zu forms)", sizeof(bad) / sizeof(bad[0]));
}

static void test_durations(void)
{
	static const struct {
		const char *text;
		int64_t seconds;
	} good[] = { { "90s", 90 },
		     { "30m", 1800 },
		     { "12h", 43200 },
		     { "30d", 2592000 },
		     { "2w", 1209600 } };
	static const char *const bad[] = { "",   "s",    "30",   "30x",          "-5d",
					   "0d", "1.5h", "30 d", "99999999999d", "3700d" };
	int64_t t;
	bool all = true;

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); ++i)
		all = all && duration_parse(good[i].text, &t) && t == good[i].seconds;
	ok(all, "durations in s, m, h, d and w");
	all = true;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); ++i)
		all = all && !duration_parse(bad[i], &t);
	ok(all, "zero, signed, fractional, unitless and over-ten-year durations refused");
}

/* Differential: our civil-date arithmetic against the C library's. */
static void test_against_libc(void)
{
	char buf[UTC_TEXT_SIZE], want[64];
	unsigned int bad = 0;

	for (unsigned int i = 0; i < 100000; ++i) {
		int64_t t = (int64_t)(rnd() % 253402300800ULL),
			back; /* up to 9999-12-31T23:59:59Z */
		time_t tt = (time_t)t;
		struct tm tm;

		gmtime_r(&tt, &tm);
		strftime(want, sizeof(want), "%Y-%m-%dT%H:%M:%SZ", &tm);
		utc_format(buf, t);
		if (strcmp(buf, want) || !utc_parse(buf, &back) || back != t ||
		    timegm(&tm) != (time_t)back)
			++bad;
	}
	ok(!bad, "100,000 random instants: format, parse and timegm agree (%u differ)", bad);
}

int main(void)
{
	test_known();
	test_refused();
	test_durations();
	test_against_libc();
	return done_testing();
}
