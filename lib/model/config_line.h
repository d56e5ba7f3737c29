/* SPDX-License-Identifier: MIT */
/*
 * One line of a configuration file, read once the way wg(8) reads it and once the way
 * wg-quick(8) does (features.md §1.5, §2.2). It holds no state: sections are the caller's.
 */
#ifndef WGCTL_MODEL_CONFIG_LINE_H
#define WGCTL_MODEL_CONFIG_LINE_H

#include <stdbool.h>
#include <stddef.h>

#include "util/strbuf.h"

enum config_header {
	CONFIG_HEADER_NONE,      /* not bracketed */
	CONFIG_HEADER_INTERFACE, /* [Interface], any case */
	CONFIG_HEADER_PEER,      /* [Peer], any case */
	CONFIG_HEADER_OTHER,     /* starts with '[': wg-quick leaves [Interface]; wg rejects it */
};

struct config_line {
	unsigned int lineno;
	bool nul;         /* it holds a NUL byte, and every string below is empty */
	const char *text; /* trimmed, and on line 1 without a UTF-8 BOM: what `strip` keeps */
	const char *name; /* the X of a "# Name = X" comment line, else NULL */
	struct {
		const char *line; /* the text before '#', with every whitespace byte removed */
		enum config_header header;
	} wg;
	/*
	 * key: the text before the first '#' or '=', trimmed. When '=' comes first and the key is
	 * not empty, value is the text between '=' and '#', trimmed, and raw_value all the text
	 * after '=', '#' included, trimmed; else both are NULL.
	 */
	struct {
		const char *key, *value, *raw_value;
		enum config_header header;
	} quick;
	struct strbuf mem;
};

void config_line_init(struct config_line *l);
/* Reads `len` bytes (a line without its newline) into `l`, reusing its memory. 0 or -ENOMEM. */
int config_line_read(struct config_line *l, const char *s, size_t len, unsigned int lineno);
void config_line_free(struct config_line *l);

/* wg's key match: the whitespace-free line starts with "key=", in any case. Returns the value. */
const char *config_line_wg_value(const struct config_line *l, const char *key);
/* wg-quick's key match: the line has a value and its whole trimmed key is `key`, in any case. */
bool config_line_quick_is(const struct config_line *l, const char *key);

#endif
