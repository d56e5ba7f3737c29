/* SPDX-License-Identifier: MIT */
/* A growable list of owned strings, each with the config line it came from (0: none). */
#ifndef WGCTL_UTIL_STRLIST_H
#define WGCTL_UTIL_STRLIST_H

#include <stddef.h>

struct strlist {
	char **v;
	unsigned int *lineno;
	size_t n, cap;
};

/* Appends a copy of the first len bytes of s. 0 or -ENOMEM. */
int strlist_push(struct strlist *l, const char *s, size_t len, unsigned int lineno);
void strlist_free(struct strlist *l);

#endif
