/* SPDX-License-Identifier: MIT */
/*
 * The one way the orch layer runs other programs (nft, iptables-restore, resolvconf, and the
 * shell of a hook): posix_spawnp with files for stdin and pipes for stdout, never a shell.
 */
#ifndef WGCTL_ORCH_SPAWN_H
#define WGCTL_ORCH_SPAWN_H

#include <stdbool.h>
#include <stddef.h>

struct strbuf;

enum {
	/* The child's stderr goes to /dev/null (wg-quick's `2>/dev/null`). */
	SPAWN_QUIET = 1U << 0,
};
/*
 * Runs argv (argv[0] looked up in PATH) with envp (NULL: ours), input on its stdin (NULL:
 * ours), its stdout appended to out (NULL: ours), its stderr ours unless SPAWN_QUIET. Returns
 * its exit status (128 + signal when killed), or -errno when it could not be started.
 */
int spawn_run(const char *const argv[], char *const envp[], const char *input, size_t input_len,
	      struct strbuf *out, unsigned int flags);
/* Whether name is an executable file in PATH (bash's `type -p`); its path into buf. */
bool spawn_which(const char *name, char *buf, size_t len);

#endif
