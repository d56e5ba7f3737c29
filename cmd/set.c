// SPDX-License-Identifier: MIT
/* `set`: wg(8)'s argument grammar (model/set_args.c) into a model delta, then one backend call. */
#include <stdio.h>
#include <string.h>

#include "backend/backend.h"
#include "backend/resolve.h"
#include "cmd/cmd.h"
#include "model/set_args.h"
#include "orch/orch.h"

int cmd_set(int argc, const char *argv[])
{
	struct wg_device *dev;
	struct diag_list d;
	int ret = 1;
	bool ok;

	if (argc < 3) {
		cmd_usage(cmd_find("set", CMD_WGCTL), true);
		return 1;
	}
	dev = model_device_new();
	if (!dev) {
		perror("calloc");
		return 1;
	}
	diag_init(&d, NULL);
	ok = model_parse_set_args(dev, argc - 2, argv + 2, resolve_endpoint, &d);
	diag_print(&d, stderr);
	if (ok) {
		/* Endpoints were resolved here; a kernel link moved by `up` is set where it is. */
		ret = orch_netns_enter_recorded(argv[1]);
		if (!ret)
			ret = backend_set(argv[1], dev);
		if (ret < 0)
			fprintf(stderr, "Unable to modify interface: %s\n", strerror(-ret));
		ret = ret < 0;
	}
	diag_free(&d);
	model_device_free(dev);
	return ret;
}
