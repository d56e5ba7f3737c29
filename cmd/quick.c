// SPDX-License-Identifier: MIT
#include <stdio.h>
#include <string.h>

#include "cmd/cmd.h"
#include "cmd/common.h"
#include "orch/orch.h"

int cmd_strip(int argc, const char *argv[])
{
	struct config_location loc;
	struct wg_config conf;
	struct diag_list d;

	if (argc != 2) {
		cmd_usage(cmd_find(argv[0], CMD_WGCTL), true);
		return 1;
	}
	if (cmd_load_config(argv[1], &conf, &loc, &d))
		return 1;
	/* wg-quick prints its buffer with echo, which adds one more newline. */
	fputs(conf.stripped, stdout);
	putchar('\n');
	cmd_unload_config(&conf, &loc, &d);
	return 0;
}

/* up/down/save [--dry-run] <interface | config file>; --dry-run is wgctl's own. */
static int run_orch(int argc, const char *argv[],
		    int (*fn)(const struct wg_config *, const char *, const char *, const struct orch_opts *))
{
	struct orch_opts opts = { .prog = prog_name };
	struct config_location loc;
	struct wg_config conf;
	struct diag_list d;
	int ret;

	if (argc == 3 && !strcmp(argv[1], "--dry-run") && strcmp(prog_name, "wg-quick")) {
		opts.dry_run = true;
		argv[1] = argv[2];
		--argc;
	}
	if (argc != 2) {
		cmd_usage(cmd_find(argv[0], CMD_WGCTL), true);
		return 1;
	}
	if (cmd_load_config(argv[1], &conf, &loc, &d))
		return 1;
	ret = fn(&conf, loc.ifname, loc.path, &opts);
	cmd_unload_config(&conf, &loc, &d);
	return ret;
}

int cmd_up(int argc, const char *argv[])
{
	return run_orch(argc, argv, orch_up);
}

int cmd_down(int argc, const char *argv[])
{
	return run_orch(argc, argv, orch_down);
}

int cmd_reload(int argc, const char *argv[])
{
	return run_orch(argc, argv, orch_reload);
}

int cmd_save(int argc, const char *argv[])
{
	return run_orch(argc, argv, orch_save);
}
