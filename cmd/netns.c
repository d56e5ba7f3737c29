// SPDX-License-Identifier: MIT
#include <string.h>

#include "cmd/cmd.h"
#include "orch/orch.h"

/* exec NAME [-u USER] -- COMMAND [ARGS...] */
int cmd_exec(int argc, const char *argv[])
{
	const char *user = NULL;
	int i = 2;

	if (argc > 3 && !strcmp(argv[2], "-u")) {
		user = argv[3];
		i = 4;
	}
	if (i < argc && !strcmp(argv[i], "--"))
		++i;
	if (argc < 2 || i >= argc || argv[1][0] == '-') {
		cmd_usage(cmd_find(argv[0], CMD_WGCTL), true);
		return 1;
	}
	orch_netns_exec(argv[1], user, (char *const *)(argv + i));
	return 1;
}

/* killswitch off IF */
int cmd_killswitch(int argc, const char *argv[])
{
	struct orch_opts opts = { 0 };

	if (argc != 3 || strcmp(argv[1], "off")) {
		cmd_usage(cmd_find(argv[0], CMD_WGCTL), true);
		return 1;
	}
	return orch_killswitch_off(argv[2], &opts) < 0;
}
