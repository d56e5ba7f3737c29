/* SPDX-License-Identifier: MIT */
/*
 * Drives the system libinih through ini_parse_stream() so that it reads WireGuard files right
 * although Debian builds it with a 200-byte line limit, ';' inline comments, continuation lines
 * and no new-section callback. See ini_stream.c for how.
 */
#ifndef WGCTL_MODEL_INI_STREAM_H
#define WGCTL_MODEL_INI_STREAM_H

#include <stdio.h>

struct ini_stream_ops {
	/* A section header; `name` is the text between the brackets with whitespace removed. */
	void (*section)(void *ctx, const char *name, const char *raw, unsigned int lineno);
	/* A key = value line of any length; key and value are trimmed, `raw` is the whole line. */
	void (*entry)(void *ctx, const char *key, const char *value, const char *raw, unsigned int lineno);
	/* Blank lines, comments, lines that are neither a header nor contain '='; NULL raw: a NUL byte. */
	void (*other)(void *ctx, const char *raw, unsigned int lineno);
};

/* Lines reach the callbacks trimmed of surrounding whitespace. Returns 0 or -errno. */
int ini_stream_parse(FILE *f, const struct ini_stream_ops *ops, void *ctx);

#endif
