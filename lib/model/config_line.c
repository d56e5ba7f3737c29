// SPDX-License-Identifier: MIT
/*
 * Each rule for reading a line is in one function:
 * - text_of: what the line says, trimmed (a BOM opening the file is not part of it);
 * - comment_at: where its comment starts, the first '#', for both tools (hooks keep it:
 *   quick.raw_value);
 * - header_of: whether text is a section header. Each tool applies it to its own view of the
 *   line: wg to the whitespace-free text before '#', wg-quick to its key. So "[ Peer ]" opens a
 *   section for wg but only leaves [Interface] for wg-quick, and only wg-quick enters
 *   [Interface] on "[Interface] = x";
 * - config_line_wg_value and config_line_quick_is: how each tool matches a key;
 * - name_of: wgctl's friendly "# Name = X" comment.
 */
#include <ctype.h>
#include <errno.h>
#include <string.h>
#include <strings.h>

#include "model/config_line.h"

static bool space(char c)
{
	return isspace((unsigned char)c);
}

static void text_of(const char **s, size_t *len, unsigned int lineno)
{
	if (lineno == 1 && *len >= 3 && !memcmp(*s, "\xef\xbb\xbf", 3)) {
		*s += 3;
		*len -= 3;
	}
	for (; *len && space(**s); --*len)
		++*s;
	while (*len && space((*s)[*len - 1]))
		--*len;
}

static size_t comment_at(const char *s, size_t len)
{
	const char *hash = memchr(s, '#', len);

	return hash ? (size_t)(hash - s) : len;
}

static enum config_header header_of(const char *s)
{
	if (s[0] != '[')
		return CONFIG_HEADER_NONE;
	if (!strcasecmp(s, "[Interface]"))
		return CONFIG_HEADER_INTERFACE;
	if (!strcasecmp(s, "[Peer]"))
		return CONFIG_HEADER_PEER;
	return CONFIG_HEADER_OTHER;
}

static const char *name_of(const char *text)
{
	const char *s = text;

	if (*s++ != '#')
		return NULL;
	while (space(*s))
		++s;
	if (strncasecmp(s, "Name", 4))
		return NULL;
	for (s += 4; space(*s); ++s)
		;
	if (*s++ != '=')
		return NULL;
	while (space(*s))
		++s;
	return *s ? s : NULL;
}

/* Appends s[from, to) with surrounding whitespace trimmed and a NUL; returns where it went. */
static size_t put_trimmed(struct strbuf *m, const char *s, size_t from, size_t to)
{
	size_t at = m->len;

	while (from < to && space(s[from]))
		++from;
	while (to > from && space(s[to - 1]))
		--to;
	strbuf_append(m, s + from, to - from);
	strbuf_putc(m, '\0');
	return at;
}

int config_line_read(struct config_line *l, const char *s, size_t len, unsigned int lineno)
{
	struct strbuf *m = &l->mem;
	size_t text, wg, key, value = 0, raw = 0, cut, sep = 0;
	bool has_value;

	strbuf_reset(m);
	l->lineno = lineno;
	l->nul = memchr(s, '\0', len) != NULL;
	if (l->nul)
		len = 0;
	text_of(&s, &len, lineno);
	text = put_trimmed(m, s, 0, len);
	cut = comment_at(s, len);
	wg = m->len;
	for (size_t i = 0; i < cut; ++i) {
		if (!space(s[i]))
			strbuf_putc(m, s[i]);
	}
	strbuf_putc(m, '\0');
	while (sep < cut && s[sep] != '=')
		++sep;
	key = put_trimmed(m, s, 0, sep);
	has_value = sep < cut && !m->oom && m->buf[key];
	if (has_value) {
		value = put_trimmed(m, s, sep + 1, cut);
		for (raw = sep + 1; raw < len && space(s[raw]); ++raw)
			;
	}
	if (m->oom)
		return -ENOMEM;
	l->text = m->buf + text;
	l->name = name_of(l->text);
	l->wg.line = m->buf + wg;
	l->wg.header = header_of(l->wg.line);
	l->quick.key = m->buf + key;
	l->quick.value = has_value ? m->buf + value : NULL;
	l->quick.raw_value = has_value ? l->text + raw : NULL;
	l->quick.header = header_of(l->quick.key);
	return 0;
}

void config_line_init(struct config_line *l)
{
	memset(l, 0, sizeof(*l));
	strbuf_init(&l->mem);
}

void config_line_free(struct config_line *l)
{
	strbuf_free(&l->mem);
	config_line_init(l);
}

const char *config_line_wg_value(const struct config_line *l, const char *key)
{
	size_t n = strlen(key);

	return !strncasecmp(l->wg.line, key, n) && l->wg.line[n] == '=' ? l->wg.line + n + 1 : NULL;
}

bool config_line_quick_is(const struct config_line *l, const char *key)
{
	return l->quick.value && !strcasecmp(l->quick.key, key);
}
