// SPDX-License-Identifier: MIT
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/mem.h"
#include "util/strbuf.h"

void strbuf_init(struct strbuf *sb)
{
	memset(sb, 0, sizeof(*sb));
}

static bool grow(struct strbuf *sb, size_t extra)
{
	size_t need = sb->len + extra + 1, cap;
	char *nbuf;

	if (sb->oom)
		return false;
	if (need <= sb->cap)
		return true;
	cap = sb->cap ? sb->cap : 64;
	while (cap < need)
		cap *= 2;
	nbuf = malloc(cap);
	if (!nbuf) {
		sb->oom = true;
		return false;
	}
	if (sb->buf) {
		memcpy(nbuf, sb->buf, sb->len + 1);
		memzero_explicit(sb->buf, sb->cap);
		free(sb->buf);
	} else {
		nbuf[0] = '\0';
	}
	sb->buf = nbuf;
	sb->cap = cap;
	return true;
}

void strbuf_append(struct strbuf *sb, const char *data, size_t len)
{
	if (!grow(sb, len))
		return;
	memcpy(sb->buf + sb->len, data, len);
	sb->len += len;
	sb->buf[sb->len] = '\0';
}

void strbuf_puts(struct strbuf *sb, const char *s)
{
	strbuf_append(sb, s, strlen(s));
}

void strbuf_putc(struct strbuf *sb, char c)
{
	strbuf_append(sb, &c, 1);
}

void strbuf_vprintf(struct strbuf *sb, const char *fmt, va_list ap)
{
	va_list copy;
	int n;

	va_copy(copy, ap);
	n = vsnprintf(NULL, 0, fmt, copy);
	va_end(copy);
	if (n < 0 || !grow(sb, (size_t)n))
		return;
	vsnprintf(sb->buf + sb->len, (size_t)n + 1, fmt, ap);
	sb->len += (size_t)n;
}

void strbuf_printf(struct strbuf *sb, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	strbuf_vprintf(sb, fmt, ap);
	va_end(ap);
}

void strbuf_reset(struct strbuf *sb)
{
	sb->len = 0;
	if (sb->buf)
		sb->buf[0] = '\0';
}

void strbuf_free(struct strbuf *sb)
{
	if (sb->buf) {
		memzero_explicit(sb->buf, sb->cap);
		free(sb->buf);
	}
	strbuf_init(sb);
}

char *strbuf_detach(struct strbuf *sb)
{
	char *b;

	if (sb->oom) {
		strbuf_free(sb);
		return NULL;
	}
	if (!grow(sb, 0))
		return NULL;
	b = sb->buf;
	strbuf_init(sb);
	return b;
}
