/* SPDX-License-Identifier: MIT */
#ifndef WGCTL_UTIL_STRBUF_H
#define WGCTL_UTIL_STRBUF_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

/* A growable NUL-terminated byte buffer. On allocation failure `oom` sticks and appends stop. */
struct strbuf {
	char *buf;
	size_t len, cap;
	bool oom;
};

void strbuf_init(struct strbuf *sb);
void strbuf_append(struct strbuf *sb, const char *data, size_t len);
void strbuf_puts(struct strbuf *sb, const char *s);
void strbuf_putc(struct strbuf *sb, char c);
void strbuf_printf(struct strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void strbuf_vprintf(struct strbuf *sb, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));
void strbuf_reset(struct strbuf *sb);
/* Wipes before freeing: buffers may hold configuration text with keys. */
void strbuf_free(struct strbuf *sb);
/* Hands the buffer to the caller (never NULL unless oom). */
char *strbuf_detach(struct strbuf *sb);

#endif
