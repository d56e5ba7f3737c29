/* SPDX-License-Identifier: MIT */
/* The undo log of a transaction: what to run, last first, to take back each change made. */
#ifndef WGCTL_ORCH_UNDO_H
#define WGCTL_ORCH_UNDO_H

#include <stddef.h>

struct orch;
typedef void (*undo_fn)(struct orch *o, const void *arg);

struct undo_step {
	undo_fn fn;
	void *arg;
};

struct undo_log {
	struct undo_step *steps;
	size_t n, cap;
};

/* Copies size bytes of arg. 0 or -ENOMEM (then the caller must undo the change itself). */
int undo_push(struct undo_log *log, undo_fn fn, const void *arg, size_t size);
/* Runs every step, last first, and empties the log. */
void undo_run(struct undo_log *log, struct orch *o);
/* Forgets the steps: the transaction committed. */
void undo_clear(struct undo_log *log);

#endif
