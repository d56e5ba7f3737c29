/* SPDX-License-Identifier: MIT */
#ifndef WGCTL_CMD_H
#define WGCTL_CMD_H

#include <stdbool.h>

/* Which personalities expose a subcommand: wgctl itself, a `wg` link, a `wg-quick` link. */
enum {
	CMD_WGCTL = 1U << 0,
	CMD_WG = 1U << 1,
	CMD_QUICK = 1U << 2,
};

struct cmd {
	const char *name;
	int (*fn)(int argc, const char *argv[]);
	unsigned int flags;
	const char *usage; /* after "Usage: <prog> <name> " */
	const char *summary;
};

/* The program name users typed: "wgctl", "wg" or "wg-quick". Set once by main. */
extern const char *prog_name;

const struct cmd *cmd_find(const char *name, unsigned int personality);
void cmd_usage(const struct cmd *c, bool to_stderr);

int cmd_genkey(int argc, const char *argv[]);
int cmd_pubkey(int argc, const char *argv[]);
int cmd_strip(int argc, const char *argv[]);
int cmd_check(int argc, const char *argv[]);
int cmd_show(int argc, const char *argv[]);
int cmd_set(int argc, const char *argv[]);
int cmd_setconf(int argc, const char *argv[]);
int cmd_addconf(int argc, const char *argv[]);
int cmd_syncconf(int argc, const char *argv[]);
int cmd_showconf(int argc, const char *argv[]);
int cmd_up(int argc, const char *argv[]);
int cmd_down(int argc, const char *argv[]);
int cmd_save(int argc, const char *argv[]);
int cmd_reload(int argc, const char *argv[]);
int cmd_reresolve(int argc, const char *argv[]);
int cmd_sync(int argc, const char *argv[]);
int cmd_sign(int argc, const char *argv[]);
int cmd_verify(int argc, const char *argv[]);
int cmd_daemon(int argc, const char *argv[]);
int cmd_exec(int argc, const char *argv[]);
int cmd_killswitch(int argc, const char *argv[]);
int cmd_peer(int argc, const char *argv[]);
int cmd_metrics(int argc, const char *argv[]);
int cmd_events(int argc, const char *argv[]);
int cmd_reresolve_watch(int argc, const char *argv[]);

#endif
