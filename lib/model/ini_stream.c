// SPDX-License-Identifier: MIT
/*
 * How the system libinih is made to carry any line:
 *
 * - Each physical line becomes one inih entry, "l=<line>", with every byte inih could interpret
 *   escaped as ESC, byte^0x40 (must_escape). inih then trims nothing, and finds no comment,
 *   section or second separator in the line. It cannot drop a UTF-8 BOM from it either.
 * - An escaped line longer than CHUNK_MAX goes on in continuation lines (" <chunk>"), which inih
 *   hands back under the same key. A chunk never ends inside an escape pair.
 * - The handler checks that each call gives back exactly the chunk the reader has just sent. It
 *   unescapes the chunk, and after the last chunk of a line it passes the line on.
 */
#include <errno.h>
#include <ini.h>
#include <stdlib.h>
#include <string.h>

#include "model/ini_stream.h"
#include "util/strbuf.h"

#define ESC '\x10'
#define KEY "l"
/* inih reads at most 199 bytes a line; stay well below. */
#define CHUNK_MAX 160

struct stream {
	FILE *f;
	ini_stream_line_fn *fn;
	void *ctx;
	int err;
	char *raw;
	size_t raw_cap;
	unsigned int lineno;
	struct strbuf esc;  /* the current line, escaped */
	size_t sent, chunk; /* how much of `esc` inih has been given; the size of the last chunk */
	bool awaiting;      /* a chunk is out and inih has not given it back yet */
	struct strbuf line; /* the current line as inih gives it back */
};

/*
 * Whitespace (inih trims it), ';' ':' '#' '[' ']' '=' (its syntax), control bytes (NUL among
 * them), ESC itself, and bytes from 0x80 up: inih drops a UTF-8 BOM from the start of the first
 * line it reads.
 */
static bool must_escape(unsigned char c)
{
	return c == ESC || c == ';' || c == ':' || c == '#' || c == '[' || c == ']' || c == '=' ||
	       c == ' ' || c < 0x20 || c >= 0x7f;
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

/* Reads the next physical line into st->esc, escaped. False at the end of the file or on error. */
static bool next_line(struct stream *st)
{
	ssize_t n = getline(&st->raw, &st->raw_cap, st->f);
	size_t len;

	if (n < 0) {
		if (ferror(st->f))
			st->err = -EIO;
		return false;
	}
	len = (size_t)n;
	if (len && st->raw[len - 1] == '\n')
		--len;
	++st->lineno;
	strbuf_reset(&st->esc);
	strbuf_reset(&st->line);
	for (size_t i = 0; i < len; ++i) {
		unsigned char c = (unsigned char)st->raw[i];

		if (must_escape(c)) {
			strbuf_putc(&st->esc, ESC);
			strbuf_putc(&st->esc, (char)(c ^ 0x40));
		} else {
			strbuf_putc(&st->esc, (char)c);
		}
	}
	if (st->esc.oom) {
		st->err = -ENOMEM;
		return false;
	}
	st->sent = 0;
	return true;
}

/* inih's fgets(): "l=" and the first chunk of the next line, or " " and the next chunk. */
static char *reader(char *str, int num, void *arg)
{
	struct stream *st = arg;
	size_t o = 0, take;

	if (st->err)
		return NULL;
	if (st->awaiting || num < 8) {
		st->err = -EPROTO;
		return NULL;
	}
	if (st->sent < st->esc.len) {
		str[o++] = ' ';
	} else {
		if (!next_line(st))
			return NULL;
		memcpy(str, KEY "=", 2);
		o = 2;
	}
	take = st->esc.len - st->sent;
	if (take > CHUNK_MAX)
		take = CHUNK_MAX;
	if (take > (size_t)num - 1 - o)
		take = (size_t)num - 1 - o;
	/* ESC is only ever the first byte of a pair (ESC^0x40 is 'P', never escaped). */
	if (st->sent + take < st->esc.len && st->esc.buf[st->sent + take - 1] == ESC)
		--take;
	if (take)
		memcpy(str + o, st->esc.buf + st->sent, take);
	str[o + take] = '\0';
	st->sent += take;
	st->chunk = take;
	st->awaiting = true;
	return str;
}

/* inih gives back exactly what it was given: one entry per chunk, under our key, in no section. */
static bool given_back(const struct stream *st, const char *section, const char *name,
		       const char *value)
{
	return st->awaiting && !*section && !strcmp(name, KEY) && strlen(value) == st->chunk &&
	       (!st->chunk || !memcmp(value, st->esc.buf + st->sent - st->chunk, st->chunk));
}

static int handler(void *arg, const char *section, const char *name, const char *value)
{
	struct stream *st = arg;

	if (st->err || !given_back(st, section, name, value)) {
		st->err = st->err ? st->err : -EPROTO;
		return 0;
	}
	st->awaiting = false;
	unescape_into(&st->line, value);
	if (st->sent < st->esc.len)
		return 1;
	if (st->line.oom) {
		st->err = -ENOMEM;
		return 0;
	}
	st->fn(st->ctx, st->line.buf ? st->line.buf : "", st->line.len, st->lineno);
	return 1;
}

int ini_stream_parse(FILE *f, ini_stream_line_fn *fn, void *ctx)
{
	struct stream st = { .f = f, .fn = fn, .ctx = ctx };
	int ret;

	strbuf_init(&st.esc);
	strbuf_init(&st.line);
	ret = ini_parse_stream(reader, &st, handler, &st);
	if (!st.err && (ret || st.awaiting))
		st.err = ret == -2 ? -ENOMEM : -EPROTO;
	strbuf_free(&st.esc);
	strbuf_free(&st.line);
	if (st.raw) {
		explicit_bzero(st.raw, st.raw_cap);
		free(st.raw);
	}
	return st.err;
}
