/* SPDX-License-Identifier: MIT */
/* Minimal TAP producer for unit tests: ok()/is_mem()/done_testing(), read by prove. */
#ifndef WGCTL_TESTS_TAP_H
#define WGCTL_TESTS_TAP_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static unsigned int tap_run, tap_failed;

static inline bool __attribute__((format(printf, 2, 3))) ok(bool cond, const char *fmt, ...)
{
	va_list ap;

	++tap_run;
	if (!cond)
		++tap_failed;
	printf("%sok %u - ", cond ? "" : "not ", tap_run);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	return cond;
}

static inline void tap_hexdump(const char *tag, const void *p, size_t n)
{
	const unsigned char *b = p;

	printf("# %s: ", tag);
	for (size_t i = 0; i < n; ++i)
		printf("%02x", b[i]);
	putchar('\n');
}

static inline bool is_mem(const void *got, const void *want, size_t n, const char *name)
{
	bool r = ok(!memcmp(got, want, n), "%s", name);

	if (!r) {
		tap_hexdump("got ", got, n);
		tap_hexdump("want", want, n);
	}
	return r;
}

static inline bool is_str(const char *got, const char *want, const char *name)
{
	bool r = ok(got && want && !strcmp(got, want), "%s", name);

	if (!r)
		printf("# got:  %s\n# want: %s\n", got ? got : "(null)", want ? want : "(null)");
	return r;
}

/* Decode hex into buf; returns byte count. Test helper only. */
static inline size_t unhex(unsigned char *buf, size_t cap, const char *hex)
{
	size_t n = 0;

	while (hex[0] && hex[1] && n < cap) {
		unsigned int v;

		if (sscanf(hex, "%2x", &v) != 1)
			break;
		buf[n++] = (unsigned char)v;
		hex += 2;
	}
	return n;
}

/* A call whose failure leaves nothing to test: TAP's "Bail out!", with the call and its error. */
#define must(call) must_succeed((call), #call)

static inline void must_succeed(int ret, const char *call)
{
	if (ret) {
		printf("Bail out! %s: %d\n", call, ret);
		exit(1);
	}
}

static inline int done_testing(void)
{
	printf("1..%u\n", tap_run);
	return tap_failed ? 1 : 0;
}

#endif
