// SPDX-License-Identifier: MIT
/*
 * The one number parser: digits of the base and nothing else, at most max; compared with a
 * naive reference (strtoull plus the checks the callers used to make) on 200,000 random strings.
 */
#include <ctype.h>
#include <errno.h>

#include "prng.h"
#include "tap.h"
#include "util/number.h"

/* What the three old parsers accepted: a leading digit, no trailing byte, no overflow. */
static bool naive(const char *s, unsigned int base, uint64_t max, uint64_t *out)
{
	unsigned long long v;
	char *end;

	if (!*s || !isxdigit((unsigned char)s[0]) || (base == 10 && !isdigit((unsigned char)s[0])))
		return false;
	if (base == 16 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		return false;
	errno = 0;
	v = strtoull(s, &end, (int)base);
	if (errno || *end || v > max)
		return false;
	*out = v;
	return true;
}

static void test_known(void)
{
	uint64_t v = 7;

	ok(parse_uint_str("0", 10, 0, &v) && v == 0, "0");
	ok(parse_uint_str("18446744073709551615", 10, UINT64_MAX, &v) && v == UINT64_MAX,
	   "the largest");
	ok(!parse_uint_str("18446744073709551616", 10, UINT64_MAX, &v), "one over");
	ok(!parse_uint_str("65536", 10, 65535, &v) && parse_uint_str("65535", 10, 65535, &v),
	   "max is inclusive");
	ok(parse_uint_str("ffFFffFF", 16, UINT32_MAX, &v) && v == 0xffffffff,
	   "hex digits in both cases");
	ok(!parse_uint_str("", 10, 9, &v) && !parse_uint_str("+1", 10, 9, &v) &&
		   !parse_uint_str(" 1", 10, 9, &v) && !parse_uint_str("1 ", 10, 9, &v) &&
		   !parse_uint_str("-0", 10, 9, &v) && !parse_uint_str("0x1", 16, 9, &v),
	   "no empty string, sign, blank or prefix");
	ok(parse_uint("12345", 3, 10, 999, &v) && v == 123, "the first n bytes only");
}

static void test_against_naive(void)
{
	static const char alphabet[] = "0123456789abcdefABCDEFx+- ";
	unsigned int differ = 0, accepted = 0;

	for (unsigned int i = 0; i < 200000; ++i) {
		char s[24];
		size_t n = rnd() % 22;
		unsigned int base = rnd() % 2 ? 10 : 16;
		uint64_t max = rnd() % 3 == 0 ? UINT64_MAX
			       : rnd() % 3    ? UINT32_MAX
					      : 65535,
			 a = 1, b = 2;
		bool got, want;

		for (size_t k = 0; k < n; ++k)
			s[k] = alphabet[rnd() % (rnd() % 4 ? 10 : sizeof(alphabet) - 1)];
		s[n] = '\0';
		got = parse_uint_str(s, base, max, &a);
		want = naive(s, base, max, &b);
		differ += got != want || (got && a != b);
		accepted += got;
	}
	ok(!differ && accepted > 50000,
	   "200,000 random strings: the same answers as strtoull (%u differ, %u accepted)", differ,
	   accepted);
}

int main(void)
{
	test_known();
	test_against_naive();
	return done_testing();
}
