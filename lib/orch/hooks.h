/* SPDX-License-Identifier: MIT */
/*
 * Pre/PostUp/Down hooks: each line, with every %i replaced by the interface name, run by
 * `bash -c` with LC_ALL=C and a PATH whose first entry is a private directory holding a `wg`
 * that is this wgctl (so `PostUp = wg set %i private-key <(cmd)` works without wireguard-tools).
 * The directory belongs to one run of up or down: made by its first hook, removed at its end.
 */
#ifndef WGCTL_ORCH_HOOKS_H
#define WGCTL_ORCH_HOOKS_H

#include <limits.h>

struct hook_env {
	char dir[PATH_MAX]; /* "" until the first hook runs */
	char wg[PATH_MAX];  /* what its `wg` runs: this binary unless set */
};

void hook_env_init(struct hook_env *env);
/* Points the hooks' `wg` at another program (tests use a wgctl build). 0 or -errno. */
int hook_env_set_wg(struct hook_env *env, const char *path);
/* Removes the directory, if a hook made one. */
void hook_env_cleanup(struct hook_env *env);

/* The command line after %i substitution (what the `[#]` line shows); malloc'd, NULL on ENOMEM. */
char *hook_expand(const char *hook, const char *ifname);
/* Runs one expanded hook: 0, its exit status (128 + signal) as a positive int, or -errno. */
int hook_run(struct hook_env *env, const char *expanded);

#endif
