// SPDX-License-Identifier: MIT
#include <stdio.h>

#include "cmd/cmd.h"
#include "cmd/common.h"
#include "model/lint.h"

static int check_one(const char *arg)
{
	struct config_location loc;
	struct wg_config conf;
	struct diag_list d, lint;
	int ret;

	if (cmd_load_config(arg, &conf, &loc, &d))
		return 1;
	diag_init(&lint, d.source);
	config_lint(&conf, &lint);
	diag_print(&lint, stderr);
	printf("%s: ok", d.source);
	if (d.warnings + lint.warnings)
		printf(" (%u warning%s)", d.warnings + lint.warnings, d.warnings + lint.warnings == 1 ? "" : "s");
	putchar('\n');
	ret = 0;
	diag_free(&lint);
	cmd_unload_config(&conf, &loc, &d);
	return ret;
}

int cmd_check(int argc, const char *argv[])
{
	int ret = 0;

	if (argc < 2) {
		cmd_usage(cmd_find(argv[0], CMD_WGCTL), true);
		return 1;
	}
	for (int i = 1; i < argc; ++i)
		ret |= check_one(argv[i]);
	return ret;
}
