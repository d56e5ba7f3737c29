/* SPDX-License-Identifier: MIT */
/*
 * Carries the lines of a file through the system libinih, unchanged, although Debian builds it
 * with a 200-byte line limit, ';' inline comments, continuation lines and BOM stripping. It knows
 * no WireGuard grammar: see config.c for how a line goes on from here.
 */
#ifndef WGCTL_MODEL_INI_STREAM_H
#define WGCTL_MODEL_INI_STREAM_H

#include <stddef.h>
#include <stdio.h>

/*
 * One physical line: the bytes before its newline, any number, NULs included (line[len] is a
 * NUL as well), numbered from 1. Called once for every line of the file, in order.
 */
typedef void ini_stream_line_fn(void *ctx, const char *line, size_t len, unsigned int lineno);

/* Returns 0, or -errno: -EIO reading, -ENOMEM, -EPROTO when inih gave back something else. */
int ini_stream_parse(FILE *f, ini_stream_line_fn *fn, void *ctx);

#endif
