// SPDX-License-Identifier: MIT
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "util/log.h"

static enum log_level level = LOG_LEVEL_ERROR;
static bool to_syslog;
static char ident[64] = "wgctl";

enum log_level log_level_from_env(void)
{
	const char *v = getenv("LOG_LEVEL");

	if (!v)
		return LOG_LEVEL_ERROR;
	if (!strcmp(v, "verbose") || !strcmp(v, "debug"))
		return LOG_LEVEL_VERBOSE;
	if (!strcmp(v, "silent"))
		return LOG_LEVEL_SILENT;
	return LOG_LEVEL_ERROR;
}

void log_init(const char *name)
{
	snprintf(ident, sizeof(ident), "%s", name);
	level = log_level_from_env();
}

void log_set_level(enum log_level l)
{
	level = l;
}

void log_use_syslog(void)
{
	/* openlog keeps the pointer, so ident must outlive it: it is static. */
	openlog(ident, LOG_PID, LOG_DAEMON);
	to_syslog = true;
}

bool log_verbose_enabled(void)
{
	return level >= LOG_LEVEL_VERBOSE;
}

static void vlog(enum log_level l, const char *fmt, va_list ap)
{
	struct timespec ts;
	struct tm tm;
	char when[32];

	if (level < l)
		return;
	if (to_syslog) {
		vsyslog(l == LOG_LEVEL_ERROR ? LOG_ERR : LOG_INFO, fmt, ap);
		return;
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	localtime_r(&ts.tv_sec, &tm);
	strftime(when, sizeof(when), "%Y/%m/%d %H:%M:%S", &tm);
	fprintf(stderr, "%s: %s: %s", l == LOG_LEVEL_ERROR ? "ERROR" : "DEBUG", when, ident);
	fputs(": ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void log_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_LEVEL_ERROR, fmt, ap);
	va_end(ap);
}

void log_verbose(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_LEVEL_VERBOSE, fmt, ap);
	va_end(ap);
}
