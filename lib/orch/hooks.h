/* SPDX-License-Identifier: MIT */
/*
 * Pre/PostUp/Down hooks: each line, with every %i replaced by the interface name, run by
 * `bash -c` with LC_ALL=C and a PATH whose first entry holds a `wg` that is this wgctl (so
 * `PostUp = wg set %i private-key <(cmd)` works without wireguard-tools).
 * Also the one way the orch layer runs other programs (nft, iptables-restore, resolvconf):
 * posix_spawnp with files for stdin and pipes for stdout, never a shell.
 */
#ifndef WGCTL_ORCH_HOOKS_H
#define WGCTL_ORCH_HOOKS_H

#include <stdbool.h>
#include <stddef.h>

struct strbuf;

/* The command line after %i substitution (what the `[#]` line shows); malloc'd, NULL on ENOMEM. */
char *hook_expand(const char *hook, const char *ifname);
/* Runs one expanded hook: 0, its exit status (128 + signal) as a positive int, or -errno. */
int hook_run(const char *expanded);

/*
 * The program a hook's `wg` runs: by default this process's own binary (/proc/self/exe); tests
 * point it at a wgctl build. 0 or -errno.
 */
int hook_set_wg_program(const char *path);

enum {
	/* The child's stderr goes to /dev/null (wg-quick's `2>/dev/null`). */
	HOOK_SPAWN_QUIET = 1U << 0,
};
/*
 * Runs argv (argv[0] looked up in PATH) with input on its stdin (NULL: ours), its stdout
 * appended to out (NULL: ours), its stderr ours unless HOOK_SPAWN_QUIET. Returns its exit
 * status (128 + signal when killed), or -errno when it could not be started.
 */
int hook_spawn(const char *const argv[], const char *input, size_t input_len, struct strbuf *out,
	       unsigned int flags);
/* Whether name is an executable file in PATH (bash's `type -p`); its path into buf. */
bool hook_which(const char *name, char *buf, size_t len);

#endif
