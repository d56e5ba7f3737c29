/* SPDX-License-Identifier: MIT */
/*
 * Wall-clock times as a peer list's header writes them: UTC only, "YYYY-MM-DDTHH:MM:SSZ" (the
 * RFC 3339 subset without offsets or fractions, so one instant has one spelling), and the
 * durations `wgctl sign --expires` takes ("90s", "30m", "12h", "30d", "2w").
 */
#ifndef WGCTL_UTIL_UTCTIME_H
#define WGCTL_UTIL_UTCTIME_H

#include <stdbool.h>
#include <stdint.h>

enum { UTC_TEXT_SIZE = 21 }; /* "2026-12-07T22:41:02Z" and the terminator */

/* Exactly "YYYY-MM-DDTHH:MM:SSZ", a real date from 1970 to 9999. */
bool utc_parse(const char *s, int64_t *seconds);
/* "YYYY-MM-DD" as that day's 00:00:00Z, or the full form. */
bool utc_parse_date(const char *s, int64_t *seconds);
void utc_format(char buf[UTC_TEXT_SIZE], int64_t seconds);
/* A positive number and one unit of s, m, h, d or w; at most ten years. */
bool duration_parse(const char *s, int64_t *seconds);

#endif
