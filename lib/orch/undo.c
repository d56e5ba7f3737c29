// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "orch/undo.h"

int undo_push(struct undo_log *log, undo_fn fn, const void *arg, size_t size)
{
	struct undo_step *steps;
	void *copy = NULL;

	if (log->n == log->cap) {
		steps = realloc(log->steps, (log->cap ? log->cap * 2 : 16) * sizeof(*steps));
		if (!steps)
			return -ENOMEM;
		log->steps = steps;
		log->cap = log->cap ? log->cap * 2 : 16;
	}
	if (size && !(copy = malloc(size)))
		return -ENOMEM;
	if (size)
		memcpy(copy, arg, size);
	log->steps[log->n].fn = fn;
	log->steps[log->n++].arg = copy;
	return 0;
}

void undo_run(struct undo_log *log, struct orch *o)
{
	while (log->n) {
		struct undo_step *s = &log->steps[--log->n];

		s->fn(o, s->arg);
		free(s->arg);
	}
	undo_clear(log);
}

void undo_clear(struct undo_log *log)
{
	for (size_t i = 0; i < log->n; ++i)
		free(log->steps[i].arg);
	free(log->steps);
	memset(log, 0, sizeof(*log));
}
