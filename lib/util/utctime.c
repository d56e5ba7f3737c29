// SPDX-License-Identifier: MIT
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "util/number.h"
#include "util/utctime.h"

static bool digits(const char *s, size_t n, int *out)
{
	uint64_t v;

	if (!parse_uint(s, n, 10, 9999, &v))
		return false;
	*out = (int)v;
	return true;
}

static int days_in_month(int year, int month)
{
	static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;

	return month == 2 && leap ? 29 : days[month - 1];
}

/* Days from 1970-01-01 to year-month-day (proleptic Gregorian), without the C library's TZ. */
static int64_t days_from_civil(int year, int month, int day)
{
	int64_t y = year - (month <= 2), era = y / 400, yoe = y - era * 400;
	int64_t doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

	return era * 146097 + doe - 719468;
}

static bool parse_day(const char *s, int64_t *days)
{
	int year, month, day;

	if (!digits(s, 4, &year) || s[4] != '-' || !digits(s + 5, 2, &month) || s[7] != '-' ||
	    !digits(s + 8, 2, &day))
		return false;
	if (year < 1970 || month < 1 || month > 12 || day < 1 || day > days_in_month(year, month))
		return false;
	*days = days_from_civil(year, month, day);
	return true;
}

bool utc_parse(const char *s, int64_t *seconds)
{
	int64_t days;
	int h, m, sec;

	if (strlen(s) != UTC_TEXT_SIZE - 1 || !parse_day(s, &days) || s[10] != 'T' ||
	    !digits(s + 11, 2, &h) || s[13] != ':' || !digits(s + 14, 2, &m) || s[16] != ':' ||
	    !digits(s + 17, 2, &sec) || s[19] != 'Z')
		return false;
	if (h > 23 || m > 59 || sec > 59)
		return false;
	*seconds = days * 86400 + h * 3600 + m * 60 + sec;
	return true;
}

bool utc_parse_date(const char *s, int64_t *seconds)
{
	int64_t days;

	if (strlen(s) == 10 && parse_day(s, &days)) {
		*seconds = days * 86400;
		return true;
	}
	return utc_parse(s, seconds);
}

void utc_format(char buf[UTC_TEXT_SIZE], int64_t seconds)
{
	time_t t = (time_t)seconds;
	struct tm tm;

	if (seconds < 0 || !gmtime_r(&t, &tm) || tm.tm_year + 1900 > 9999) {
		snprintf(buf, UTC_TEXT_SIZE, "%s", "9999-12-31T23:59:59Z");
		return;
	}
	/* strftime, not snprintf: the compiler cannot see that struct tm's fields fit two digits.
	 */
	strftime(buf, UTC_TEXT_SIZE, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

bool duration_parse(const char *s, int64_t *seconds)
{
	static const struct {
		char unit;
		int64_t seconds;
	} units[] = { { 's', 1 }, { 'm', 60 }, { 'h', 3600 }, { 'd', 86400 }, { 'w', 7 * 86400 } };
	size_t n = strlen(s);
	int64_t v = 0;

	if (n < 2 || n > 12)
		return false;
	for (size_t i = 0; i + 1 < n; ++i) {
		if (!isdigit((unsigned char)s[i]))
			return false;
		v = v * 10 + (s[i] - '0');
	}
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); ++i) {
		if (s[n - 1] != units[i].unit)
			continue;
		if (!v || v > 10 * 366 * 86400 / units[i].seconds)
			return false;
		*seconds = v * units[i].seconds;
		return true;
	}
	return false;
}
