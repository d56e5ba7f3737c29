// SPDX-License-Identifier: MIT
#include <stdio.h>
#include <string.h>

#include "cmd/cmd.h"
#include "daemon/daemon.h"

int cmd_daemon(int argc, const char *argv[])
{
	const char *ifname = NULL;
	bool foreground = false;

	for (int i = 1; i < argc; ++i) {
		if (!strcmp(argv[i], "-f") || !strcmp(argv[i], "--foreground"))
			foreground = true;
		else if (argv[i][0] == '-' || ifname)
			goto usage;
		else
			ifname = argv[i];
	}
	if (!ifname)
		goto usage;
	return daemon_run(ifname, foreground);
usage:
	fprintf(stderr, "Usage: %s%s [-f|--foreground] <interface>\n", prog_name,
		strcmp(prog_name, "wgctl-daemon") ? " daemon" : "");
	return 1;
}
