// SPDX-License-Identifier: MIT
#include <string.h>

#include "util/number.h"

static unsigned int digit_value(char c)
{
	if (c >= '0' && c <= '9')
		return (unsigned int)(c - '0');
	if (c >= 'a' && c <= 'f')
		return (unsigned int)(c - 'a' + 10);
	if (c >= 'A' && c <= 'F')
		return (unsigned int)(c - 'A' + 10);
	return 36;
}

bool parse_uint(const char *s, size_t n, unsigned int base, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	if (!n)
		return false;
	for (size_t i = 0; i < n; ++i) {
		unsigned int d = digit_value(s[i]);

		if (d >= base || v > (max - d) / base)
			return false;
		v = v * base + d;
	}
	*out = v;
	return true;
}

bool parse_uint_str(const char *s, unsigned int base, uint64_t max, uint64_t *out)
{
	return parse_uint(s, strlen(s), base, max, out);
}
