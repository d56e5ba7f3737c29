// SPDX-License-Identifier: MIT
#include <stdio.h>

#include "cmd/cmd.h"
#include "cmd/common.h"

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
