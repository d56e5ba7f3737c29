// SPDX-License-Identifier: MIT
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "model/diag.h"

void diag_init(struct diag_list *d, const char *source)
{
	memset(d, 0, sizeof(*d));
	d->source = source;
}

void diag_add(struct diag_list *d, enum diag_severity severity, unsigned int line, const char *fmt,
	      ...)
{
	struct diag *item;
	va_list ap;
	char *msg;
	int len;

	if (severity == DIAG_ERROR)
		++d->errors;
	else
		++d->warnings;
	va_start(ap, fmt);
	len = vasprintf(&msg, fmt, ap);
	va_end(ap);
	if (len < 0)
		return;
	if (d->count == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 8;
		struct diag *items = realloc(d->items, cap * sizeof(*items));

		if (!items) {
			free(msg);
			return;
		}
		d->items = items;
		d->cap = cap;
	}
	item = &d->items[d->count++];
	item->severity = severity;
	item->line = line;
	item->message = msg;
	item->source = d->item_source;
}

void diag_print(const struct diag_list *d, FILE *f)
{
	for (size_t i = 0; i < d->count; ++i) {
		const struct diag *item = &d->items[i];
		const char *warn =
			item->severity == DIAG_WARNING && strncmp(item->message, "Warning: ", 9)
				? "Warning: "
				: "";
		const char *source = item->source ? item->source : d->source;

		if (source && item->line)
			fprintf(f, "%s:%u: %s%s\n", source, item->line, warn, item->message);
		else if (source)
			fprintf(f, "%s: %s%s\n", source, warn, item->message);
		else
			fprintf(f, "%s%s\n", warn, item->message);
	}
}

void diag_free(struct diag_list *d)
{
	for (size_t i = 0; i < d->count; ++i)
		free(d->items[i].message);
	free(d->items);
	d->items = NULL;
	d->count = d->cap = 0;
}

void diag_absorb(struct diag_list *to, const struct diag_list *from)
{
	for (size_t i = 0; i < from->count; ++i) {
		const struct diag *item = &from->items[i];
		const char *source = item->source ? item->source : from->source;

		if (source && item->line)
			diag_add(to, item->severity, 0, "%s:%u: %s", source, item->line,
				 item->message);
		else if (source)
			diag_add(to, item->severity, 0, "%s: %s", source, item->message);
		else
			diag_add(to, item->severity, 0, "%s", item->message);
	}
}
