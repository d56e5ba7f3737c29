// SPDX-License-Identifier: MIT
/*
 * How the system libinih is made to read WireGuard files:
 *
 * - We read physical lines ourselves (any length) and hand inih a rewritten stream through
 *   ini_parse_stream(). Every byte inih would interpret - ';' (inline comment), ':' (its second
 *   separator), '#', '[', ']', '=', whitespace and control bytes - is escaped as ESC, byte^0x40,
 *   so inih splits exactly at the '=' we choose and trims nothing that matters.
 * - An entry longer than inih's 200-byte buffer is cut into chunks sent as continuation lines
 *   (a leading space), which inih hands back under the same key; we join them.
 * - Each section header is followed by a marker entry, so the handler sees every header,
 *   including consecutive and empty [Peer] sections, which inih alone cannot report.
 * - Blank lines and comments never reach inih; lines it cannot carry (no '=') go to ->other.
 * An entry is delivered only when the reader moves past it, so callbacks arrive in file order.
 */
#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <stdlib.h>
#include <string.h>

#include "model/ini_stream.h"
#include "util/strbuf.h"

#define ESC '\x10'
#define SECTION_MARKER "\x10S"
/* inih reads at most 199 bytes a line; stay well below, leaving room for the continuation space. */
#define CHUNK_MAX 160

enum expect {
	EXPECT_NOTHING,
	EXPECT_ENTRY,
	EXPECT_CONTINUATION,
	EXPECT_MARKER,
};

struct stream {
	FILE *f;
	const struct ini_stream_ops *ops;
	void *ctx;
	int err;
	char *line;
	size_t line_cap;
	char *raw;
	unsigned int lineno;
	struct strbuf esc;
	size_t esc_pos;
	enum expect expect;
	bool marker_due, pending;
	struct strbuf key, value;
};

/*
 * Bytes from 0x80 up are escaped too: inih drops a UTF-8 byte-order mark at the start of the
 * first line it reads, which may be our first entry's key (a BOM after leading blanks).
 */
static bool must_escape(unsigned char c)
{
	return c == ESC || c == ';' || c == ':' || c == '#' || c == '[' || c == ']' || c == '=' || c < 0x20 ||
	       c >= 0x7f || isspace(c);
}

static void escape_into(struct strbuf *sb, const char *s, size_t len)
{
	for (size_t i = 0; i < len; ++i) {
		unsigned char c = (unsigned char)s[i];

		if (must_escape(c)) {
			strbuf_putc(sb, ESC);
			strbuf_putc(sb, (char)(c ^ 0x40));
		} else {
			strbuf_putc(sb, (char)c);
		}
	}
}

static void unescape_into(struct strbuf *sb, const char *s)
{
	for (; *s; ++s) {
		if (*s == ESC && s[1]) {
			++s;
			strbuf_putc(sb, (char)(*s ^ 0x40));
		} else {
			strbuf_putc(sb, *s);
		}
	}
}

static char *trim(char *s, size_t *len)
{
	size_t n = *len;

	while (n && isspace((unsigned char)*s)) {
		++s;
		--n;
	}
	while (n && isspace((unsigned char)s[n - 1]))
		--n;
	s[n] = '\0';
	*len = n;
	return s;
}

static void flush(struct stream *st)
{
	if (!st->pending)
		return;
	st->pending = false;
	if (st->key.oom || st->value.oom) {
		st->err = -ENOMEM;
		return;
	}
	/* An entry always has a key; should inih ever hand one back without, the line is not one. */
	if (!st->key.len) {
		st->ops->other(st->ctx, st->raw, st->lineno);
		return;
	}
	st->ops->entry(st->ctx, st->key.buf, st->value.buf ? st->value.buf : "", st->raw, st->lineno);
}

/* Hands inih the next slice of st->esc; the first slice carries "key=". */
static char *emit_chunk(struct stream *st, char *str, size_t room, bool first)
{
	size_t take = st->esc.len - st->esc_pos, o = 0;

	if (take > room - 2)
		take = room - 2;
	if (take > CHUNK_MAX)
		take = CHUNK_MAX;
	/* Never split an escape pair: the first byte of a pair is the only place ESC occurs. */
	if (st->esc_pos + take < st->esc.len && st->esc.buf[st->esc_pos + take - 1] == ESC)
		--take;
	if (!first)
		str[o++] = ' ';
	memcpy(str + o, st->esc.buf + st->esc_pos, take);
	str[o + take] = '\0';
	st->esc_pos += take;
	st->expect = first ? EXPECT_ENTRY : EXPECT_CONTINUATION;
	return str;
}

/* A header is "[name]" once whitespace before any '#' is removed. */
static bool header_name(const char *raw, struct strbuf *name)
{
	const char *p = raw, *end = strchr(raw, '#');
	bool closed = false;

	if (!end)
		end = raw + strlen(raw);
	strbuf_reset(name);
	for (++p; p < end; ++p) {
		if (isspace((unsigned char)*p))
			continue;
		if (closed || *p == '[')
			return false;
		if (*p == ']')
			closed = true;
		else
			strbuf_putc(name, *p);
	}
	return closed && name->len;
}

static char *reader(char *str, int num, void *arg)
{
	struct stream *st = arg;
	size_t room = (size_t)num;

	if (st->err)
		return NULL;
	if (st->marker_due) {
		st->marker_due = false;
		st->expect = EXPECT_MARKER;
		snprintf(str, room, "%s=", SECTION_MARKER);
		return str;
	}
	if (st->esc_pos < st->esc.len)
		return emit_chunk(st, str, room, false);
	flush(st);
	st->expect = EXPECT_NOTHING;
	for (;;) {
		ssize_t n = getline(&st->line, &st->line_cap, st->f);
		size_t len, keylen;
		char *eq;

		if (n < 0) {
			if (ferror(st->f))
				st->err = -EIO;
			return NULL;
		}
		++st->lineno;
		len = (size_t)n;
		st->raw = st->line;
		if (st->lineno == 1 && len >= 3 && !memcmp(st->raw, "\xef\xbb\xbf", 3)) {
			st->raw += 3;
			len -= 3;
		}
		st->raw = trim(st->raw, &len);
		if (strlen(st->raw) != len) {
			st->ops->other(st->ctx, NULL, st->lineno);
			continue;
		}
		if (!len || st->raw[0] == '#') {
			st->ops->other(st->ctx, st->raw, st->lineno);
			continue;
		}
		if (st->raw[0] == '[' && header_name(st->raw, &st->key)) {
			strbuf_reset(&st->esc);
			strbuf_putc(&st->esc, '[');
			escape_into(&st->esc, st->key.buf, st->key.len);
			strbuf_putc(&st->esc, ']');
			if (st->esc.oom || st->esc.len >= room) {
				st->ops->other(st->ctx, st->raw, st->lineno);
				continue;
			}
			memcpy(str, st->esc.buf, st->esc.len + 1);
			strbuf_reset(&st->esc);
			st->esc_pos = 0;
			st->marker_due = true;
			return str;
		}
		eq = strchr(st->raw, '=');
		if (!eq || st->raw[0] == '[') {
			st->ops->other(st->ctx, st->raw, st->lineno);
			continue;
		}
		keylen = (size_t)(eq - st->raw);
		while (keylen && isspace((unsigned char)st->raw[keylen - 1]))
			--keylen;
		strbuf_reset(&st->esc);
		st->esc_pos = 0;
		escape_into(&st->esc, st->raw, keylen);
		if (!keylen || st->esc.len > CHUNK_MAX / 2) {
			strbuf_reset(&st->esc);
			st->ops->other(st->ctx, st->raw, st->lineno);
			continue;
		}
		strbuf_putc(&st->esc, '=');
		for (++eq; isspace((unsigned char)*eq); ++eq)
			;
		escape_into(&st->esc, eq, strlen(eq));
		if (st->esc.oom) {
			st->err = -ENOMEM;
			return NULL;
		}
		return emit_chunk(st, str, room, true);
	}
}

static int handler(void *arg, const char *section, const char *name, const char *value)
{
	struct stream *st = arg;

	switch (st->expect) {
	case EXPECT_MARKER:
		if (strcmp(name, SECTION_MARKER))
			break;
		strbuf_reset(&st->key);
		unescape_into(&st->key, section);
		if (!st->key.oom)
			st->ops->section(st->ctx, st->key.buf, st->raw, st->lineno);
		return 1;
	case EXPECT_ENTRY:
		strbuf_reset(&st->key);
		strbuf_reset(&st->value);
		unescape_into(&st->key, name);
		unescape_into(&st->value, value);
		st->pending = true;
		return 1;
	case EXPECT_CONTINUATION:
		unescape_into(&st->value, value);
		return 1;
	case EXPECT_NOTHING:
		break;
	}
	st->err = -EPROTO;
	return 0;
}

int ini_stream_parse(FILE *f, const struct ini_stream_ops *ops, void *ctx)
{
	struct stream st = { .f = f, .ops = ops, .ctx = ctx };
	int ret;

	strbuf_init(&st.esc);
	strbuf_init(&st.key);
	strbuf_init(&st.value);
	ret = ini_parse_stream(reader, &st, handler, &st);
	if (!st.err)
		flush(&st);
	if (!st.err && ret)
		st.err = ret == -2 ? -ENOMEM : -EPROTO;
	strbuf_free(&st.esc);
	strbuf_free(&st.key);
	strbuf_free(&st.value);
	if (st.line) {
		explicit_bzero(st.line, st.line_cap);
		free(st.line);
	}
	return st.err;
}
