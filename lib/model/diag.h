/* SPDX-License-Identifier: MIT */
/* Diagnostics collected while reading input, printed as "source:line: message". */
#ifndef WGCTL_MODEL_DIAG_H
#define WGCTL_MODEL_DIAG_H

#include <stdio.h>

enum diag_severity {
	DIAG_ERROR,
	DIAG_WARNING,
};

struct diag {
	enum diag_severity severity;
	unsigned int line;
	char *message;
	const char *source; /* not owned; NULL: the list's source */
};

struct diag_list {
	const char *source;
	/* Items added while this is set name it instead: a peer read from a shared list. */
	const char *item_source;
	struct diag *items;
	size_t count, cap;
	unsigned int errors, warnings;
};

void diag_init(struct diag_list *d, const char *source);
void diag_add(struct diag_list *d, enum diag_severity severity, unsigned int line, const char *fmt,
	      ...) __attribute__((format(printf, 4, 5)));
void diag_print(const struct diag_list *d, FILE *f);
void diag_free(struct diag_list *d);
/* Copies every item of `from` into `to` (whose source is NULL), prefixed with from's source:line.
 */
void diag_absorb(struct diag_list *to, const struct diag_list *from);

#define diag_error(d, line, ...) diag_add(d, DIAG_ERROR, line, __VA_ARGS__)
#define diag_warn(d, line, ...)  diag_add(d, DIAG_WARNING, line, __VA_ARGS__)

#endif
