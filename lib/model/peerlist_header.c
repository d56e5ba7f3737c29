// SPDX-License-Identifier: MIT
#include <ctype.h>
#include <errno.h>
#include <string.h>

#include "model/peerlist_header.h"
#include "util/number.h"
#include "util/utctime.h"

/* Where the fields start when `line` is a header ('#', blanks, the tag, then a blank or the end); 0
 * if not. */
static size_t header_fields(const char *line, size_t len)
{
	size_t i = 1, tag = strlen(PEERLIST_HEADER_TAG);

	if (!len || line[0] != '#')
		return 0;
	while (i < len && (line[i] == ' ' || line[i] == '\t'))
		++i;
	if (len - i < tag || memcmp(line + i, PEERLIST_HEADER_TAG, tag))
		return 0;
	i += tag;
	return i == len || line[i] == ' ' || line[i] == '\t' || line[i] == '\r' ? i : 0;
}

/*
 * A UTF-8 byte-order mark opening the list: the config reader drops it, so the line after it is
 * line 1 as far as the header goes, and a header put on top of the list must not leave it on
 * line 2, where it is no longer a BOM but a byte sequence no line may start with.
 */
static size_t bom_len(const char *body, size_t len)
{
	return len >= 3 && !memcmp(body, "\xef\xbb\xbf", 3) ? 3 : 0;
}

bool peerlist_name_valid(const char *name)
{
	size_t n = strlen(name);

	if (!n || n > PEERLIST_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; ++i) {
		if ((unsigned char)name[i] <= 0x20 || (unsigned char)name[i] >= 0x7f)
			return false;
	}
	return true;
}

/* One spelling per number: no leading zeros. */
static bool parse_serial(const char *s, uint64_t *out)
{
	return (s[0] != '0' || !s[1]) && parse_uint_str(s, 10, UINT64_MAX, out);
}

/* "key=value" words after the tag, exactly name, serial and expires in that order. */
static bool parse_fields(struct peerlist_header *h, char *fields)
{
	static const char *const keys[] = { "name=", "serial=", "expires=" };
	char *save = NULL, *word = strtok_r(fields, " \t\r", &save);

	for (size_t k = 0; k < 3; ++k, word = strtok_r(NULL, " \t\r", &save)) {
		size_t klen = strlen(keys[k]);

		if (!word || strncmp(word, keys[k], klen))
			return false;
		word += klen;
		if (k == 0 && !peerlist_name_valid(word))
			return false;
		if (k == 0)
			strcpy(h->name, word);
		if (k == 1 && !parse_serial(word, &h->serial))
			return false;
		if (k == 2 && !utc_parse(word, &h->expires))
			return false;
	}
	return word == NULL;
}

static int parse_line(struct peerlist_header *h, const char *line, size_t len, size_t at,
		      struct diag_list *d)
{
	char fields[PEERLIST_NAME_MAX + 128];

	if (len - at >= sizeof(fields)) {
		diag_error(d, 1, "The " PEERLIST_HEADER_TAG " header is too long");
		return -EINVAL;
	}
	memcpy(fields, line + at, len - at);
	fields[len - at] = '\0';
	h->present = true;
	if (!parse_fields(h, fields)) {
		diag_error(d, 1,
			   "The " PEERLIST_HEADER_TAG " header is not `name=NAME serial=NUMBER "
			   "expires=YYYY-MM-DDTHH:MM:SSZ'");
		memset(h, 0, sizeof(*h));
		return -EINVAL;
	}
	return 0;
}

int peerlist_header_parse(struct peerlist_header *h, const char *body, size_t len,
			  struct diag_list *d)
{
	const char *line = body, *end = body + len;
	unsigned int lineno = 0;
	int ret;

	memset(h, 0, sizeof(*h));
	line += bom_len(body, len);
	while (line < end) {
		const char *nl = memchr(line, '\n', (size_t)(end - line));
		size_t n = nl ? (size_t)(nl - line) : (size_t)(end - line),
		       at = header_fields(line, n);

		++lineno;
		/* Only the first line may be the header: a second one would tell readers something
		 * else. */
		if (at && lineno > 1) {
			diag_error(d, lineno,
				   "A " PEERLIST_HEADER_TAG
				   " header belongs on the first line only");
			memset(h, 0, sizeof(*h));
			return -EINVAL;
		}
		if (at && (ret = parse_line(h, line, n, at, d)) < 0)
			return ret;
		line = nl ? nl + 1 : end;
	}
	return 0;
}

int peerlist_header_set(struct strbuf *out, const char *body, size_t len,
			const struct peerlist_header *h)
{
	size_t bom = bom_len(body, len);
	const char *nl = memchr(body + bom, '\n', len - bom);
	size_t first;
	char expires[UTC_TEXT_SIZE];

	body += bom;
	len -= bom;
	first = nl ? (size_t)(nl - body) : len;

	utc_format(expires, h->expires);
	strbuf_printf(out, "# %s name=%s serial=%llu expires=%s\n", PEERLIST_HEADER_TAG, h->name,
		      (unsigned long long)h->serial, expires);
	if (header_fields(body, first)) {
		body += nl ? first + 1 : first;
		len -= nl ? first + 1 : first;
	}
	strbuf_append(out, body, len);
	return out->oom ? -ENOMEM : 0;
}
