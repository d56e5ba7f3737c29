// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util/strlist.h"

int strlist_push(struct strlist *l, const char *s, size_t len, unsigned int lineno)
{
	char *copy;

	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 4;
		char **v = realloc(l->v, cap * sizeof(*v));
		unsigned int *ln;

		if (!v)
			return -ENOMEM;
		l->v = v;
		ln = realloc(l->lineno, cap * sizeof(*ln));
		if (!ln)
			return -ENOMEM;
		l->lineno = ln;
		l->cap = cap;
	}
	copy = strndup(s, len);
	if (!copy)
		return -ENOMEM;
	l->v[l->n] = copy;
	l->lineno[l->n++] = lineno;
	return 0;
}

void strlist_free(struct strlist *l)
{
	for (size_t i = 0; i < l->n; ++i)
		free(l->v[i]);
	free(l->v);
	free(l->lineno);
	memset(l, 0, sizeof(*l));
}
