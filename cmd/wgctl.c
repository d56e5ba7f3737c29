// SPDX-License-Identifier: MIT
/*
 * One binary, three personalities chosen by the name it runs under: wgctl, wg (wg(8)'s command
 * line) and wg-quick (wg-quick(8)'s). wgctl-daemon is `wgctl daemon`.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "crypto/crypto.h"

#ifndef WGCTL_VERSION
#define WGCTL_VERSION "0"
#endif

const char *prog_name = "wgctl";

#define ALL   (CMD_WGCTL | CMD_WG)
#define QUICK (CMD_WGCTL | CMD_QUICK)

static const char show_usage[] = "{ <interface> | all | interfaces } [public-key | private-key | "
				 "listen-port | fwmark | peers | "
				 "preshared-keys | endpoints | allowed-ips | latest-handshakes | "
				 "transfer | persistent-keepalive | dump]";
static const char set_usage[] = "<interface> [listen-port <port>] [fwmark <mark>] [private-key "
				"<file path>] [peer <base64 public key> "
				"[remove] [preshared-key <file path>] [endpoint <ip>:<port>] "
				"[persistent-keepalive <interval seconds>] "
				"[allowed-ips [+|-]<ip1>/<cidr1>[,[+|-]<ip2>/<cidr2>]...] ]...";

static const struct cmd commands[] = {
	{ "show", cmd_show, ALL, show_usage,
	  "Shows the current configuration and device information" },
	{ "showconf", cmd_showconf, ALL, "<interface>",
	  "Shows the current configuration of a given WireGuard interface, for use with "
	  "`setconf'" },
	{ "set", cmd_set, ALL, set_usage,
	  "Change the current configuration, add peers, remove peers, or change peers" },
	{ "setconf", cmd_setconf, ALL, "<interface> <configuration filename>",
	  "Applies a configuration file to a WireGuard interface" },
	{ "addconf", cmd_addconf, ALL, "<interface> <configuration filename>",
	  "Appends a configuration file to a WireGuard interface" },
	{ "syncconf", cmd_syncconf, ALL, "<interface> <configuration filename>",
	  "Synchronizes a configuration file to a WireGuard interface" },
	{ "genkey", cmd_genkey, ALL, "", "Generates a new private key and writes it to stdout" },
	{ "genpsk", cmd_genkey, ALL, "", "Generates a new preshared key and writes it to stdout" },
	{ "pubkey", cmd_pubkey, ALL, "",
	  "Reads a private key from stdin and writes a public key to stdout" },
	{ "up", cmd_up, QUICK, "[--dry-run] [--netns <name>] <interface | config file>",
	  "Creates and configures an interface and its routes, DNS and hooks, as wg-quick does" },
	{ "down", cmd_down, QUICK, "[--dry-run] [--netns <name>] <interface | config file>",
	  "Removes everything `up' made" },
	{ "save", cmd_save, QUICK, "[--dry-run] [--netns <name>] <interface | config file>",
	  "Writes the running configuration back to the config file" },
	{ "strip", cmd_strip, QUICK, "<interface | config file>",
	  "Prints the part of a config file that wg(8) understands" },
	{ "reload", cmd_reload, CMD_WGCTL, "[--dry-run] [--netns <name>] <interface | config file>",
	  "Applies a changed config file to a running interface without taking it down" },
	{ "sync", cmd_sync, CMD_WGCTL, "[--dry-run] [--netns <name>] <interface | config file>",
	  "Fetches the shared peer lists a config names and applies the peers that changed" },
	{ "sign", cmd_sign, CMD_WGCTL,
	  "[--name <name>] [--serial <n>] [--expires <duration | date>] <signing key file> <peer "
	  "list>",
	  "Gives a shared peer list its header and writes a detached Ed25519 signature to stdout" },
	{ "verify", cmd_verify, CMD_WGCTL, "<public key | key file> <peer list> [<signature file>]",
	  "Checks a shared peer list's signature (default: the list's name with .sig appended)" },
	{ "check", cmd_check, CMD_WGCTL, "[--json] <interface | config file>...",
	  "Validates config files, one host or a whole fleet, without touching the system" },
	{ "reresolve", cmd_reresolve, CMD_WGCTL,
	  "[--watch [--interval <seconds>] [--stale <seconds>]] <interface | config file>",
	  "Re-resolves hostname endpoints of peers whose handshake is stale" },
	{ "peer", cmd_peer, CMD_WGCTL,
	  "add <interface> <name> [options] | remove <interface> <name | key> | list [--json] "
	  "<interface>",
	  "Adds a client (keys, address, config, QR code), removes one, or lists them" },
	{ "metrics", cmd_metrics, CMD_WGCTL, "[--textfile <directory>] [<interface>...]",
	  "Prints the interfaces' counters in the Prometheus text format, or writes them for "
	  "node_exporter" },
	{ "events", cmd_events, CMD_WGCTL,
	  "[--interval <seconds>] [--stale <seconds>] [--exec <command>] [--state <file>] "
	  "<interface>",
	  "Prints a JSON line (and runs a command) when a peer connects, disconnects, roams, "
	  "appears or goes" },
	{ "exec", cmd_exec, CMD_WGCTL, "<namespace> [-u <user>] -- <command> [<args>...]",
	  "Runs a program inside a network namespace (Namespace =), optionally as a user" },
	{ "killswitch", cmd_killswitch, CMD_WGCTL, "off <interface>",
	  "Removes an interface's kill switch (KillSwitch = persistent outlives down)" },
	{ "daemon", cmd_daemon, CMD_WGCTL, "[-f|--foreground] <interface>",
	  "Runs the bundled userspace WireGuard datapath for an interface" },
};

const struct cmd *cmd_find(const char *name, unsigned int personality)
{
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); ++i) {
		if ((commands[i].flags & personality) && !strcmp(commands[i].name, name))
			return &commands[i];
	}
	return NULL;
}

void cmd_usage(const struct cmd *c, bool to_stderr)
{
	FILE *f = to_stderr ? stderr : stdout;

	fprintf(f, "Usage: %s %s%s%s\n", prog_name, c->name, c->usage[0] ? " " : "", c->usage);
}

static void usage(unsigned int personality, FILE *f)
{
	if (personality == CMD_QUICK) {
		fprintf(f,
			"Usage: %s [ up | down | save | strip ] [ CONFIG_FILE | INTERFACE ]\n\n"
			"  INTERFACE names /etc/wireguard/INTERFACE.conf; CONFIG_FILE is a path "
			"whose file\n"
			"  name is the interface name followed by `.conf'. See wgctl(8) and "
			"wgctl.conf(5).\n",
			prog_name);
		return;
	}
	fprintf(f, "Usage: %s <cmd> [<args>]\n\nAvailable subcommands:\n", prog_name);
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); ++i) {
		if (commands[i].flags & personality)
			fprintf(f, "  %s: %s\n", commands[i].name, commands[i].summary);
	}
	fprintf(f, "You may pass `--help' to any of these subcommands to view usage.\n");
}

static bool is_help(const char *arg)
{
	return !strcmp(arg, "-h") || !strcmp(arg, "--help") || !strcmp(arg, "help");
}

static bool is_version(const char *arg)
{
	return !strcmp(arg, "-v") || !strcmp(arg, "--version") || !strcmp(arg, "version");
}

static int run(const struct cmd *c, int argc, const char *argv[])
{
	if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		cmd_usage(c, false);
		return 0;
	}
	return c->fn(argc, argv);
}

static int run_quick(int argc, const char *argv[])
{
	const struct cmd *c;

	if (argc == 2 && is_help(argv[1])) {
		usage(CMD_QUICK, stdout);
		return 0;
	}
	if (argc != 3 || !(c = cmd_find(argv[1], CMD_QUICK))) {
		usage(CMD_QUICK, stderr);
		return 1;
	}
	return c->fn(argc - 1, argv + 1);
}

static int dispatch(int argc, const char *argv[])
{
	const char *base = strrchr(argv[0], '/');
	unsigned int personality = CMD_WGCTL;
	const struct cmd *c;

	base = base ? base + 1 : argv[0];
	if (!strcmp(base, "wg-quick")) {
		prog_name = "wg-quick";
		return run_quick(argc, argv);
	}
	if (!strcmp(base, "wgctl-daemon")) {
		prog_name = "wgctl-daemon";
		argv[0] = "daemon";
		return run(cmd_find("daemon", CMD_WGCTL), argc, argv);
	}
	if (!strcmp(base, "wg")) {
		prog_name = "wg";
		personality = CMD_WG;
	}
	if (argc == 1)
		return cmd_find("show", personality)->fn(1, (const char *[]){ "show", NULL });
	if (is_version(argv[1])) {
		printf("wgctl %s%s\n", WGCTL_VERSION,
		       personality == CMD_WG ? " (wg(8) compatible)" : "");
		return 0;
	}
	if (is_help(argv[1])) {
		usage(personality, stdout);
		return 0;
	}
	c = cmd_find(argv[1], personality);
	if (!c) {
		fprintf(stderr, "Invalid subcommand: `%s'\n", argv[1]);
		usage(personality, stderr);
		return 1;
	}
	return run(c, argc - 1, argv + 1);
}

int main(int argc, const char *argv[])
{
	int ret = crypto_init();

	if (ret) {
		fprintf(stderr, "wgctl: Unable to initialise the crypto library: %s\n",
			strerror(-ret));
		return 1;
	}
	ret = dispatch(argc, argv);
	/* A full disk or a closed pipe must not pass for success (as git's run_builtin checks). */
	if (fflush(stdout) || ferror(stdout)) {
		fprintf(stderr, "%s: write failure on standard output: %s\n", prog_name,
			strerror(errno));
		return ret ? ret : 1;
	}
	return ret;
}
