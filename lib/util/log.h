/* SPDX-License-Identifier: MIT */
/*
 * One process-wide logger: stderr until the daemon detaches, syslog after. LOG_LEVEL in the
 * environment (error|verbose|silent, as wireguard-go reads it) picks what is written. Callers
 * never pass key material; peers are named by a short public-key prefix at most.
 */
#ifndef WGCTL_UTIL_LOG_H
#define WGCTL_UTIL_LOG_H

#include <stdbool.h>

enum log_level {
	LOG_LEVEL_SILENT,
	LOG_LEVEL_ERROR,
	LOG_LEVEL_VERBOSE,
};

/* ident prefixes every line ("wgctl(wg0)"); level from LOG_LEVEL, default error. */
void log_init(const char *ident);
void log_set_level(enum log_level level);
enum log_level log_level_from_env(void);
/* From now on write to syslog(3) (daemon facility) instead of stderr. */
void log_use_syslog(void);
bool log_verbose_enabled(void);
void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_verbose(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
