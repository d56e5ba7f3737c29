// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "cmd/common.h"

int cmd_load_config(const char *arg, struct wg_config *conf, struct config_location *loc, struct diag_list *d)
{
	char *tried;
	int ret;

	memset(conf, 0, sizeof(*conf));
	ret = config_locate(arg, loc, &tried);
	if (ret == -ENOENT) {
		fprintf(stderr, "%s: `%s' does not exist\n", prog_name, tried);
		free(tried);
		return 1;
	}
	if (ret == -EINVAL) {
		fprintf(stderr, "%s: The config file must be a valid interface name, followed by .conf\n", prog_name);
		return 1;
	}
	if (ret) {
		fprintf(stderr, "%s: `%s': %s\n", prog_name, arg, strerror(-ret));
		return 1;
	}
	if (loc->world_accessible)
		fprintf(stderr, "Warning: `%s' is world accessible\n", loc->path);
	diag_init(d, strchr(arg, '/') ? arg : loc->path);
	ret = config_read_file(conf, loc->path, CONFIG_GRAMMAR_QUICK, d);
	diag_print(d, stderr);
	if (ret == -EINVAL) {
		fprintf(stderr, "%s: %s: %u error%s; nothing was applied\n", prog_name, d->source, d->errors,
			d->errors == 1 ? "" : "s");
	} else if (ret) {
		fprintf(stderr, "%s: `%s': %s\n", prog_name, loc->path, strerror(-ret));
	}
	if (ret) {
		cmd_unload_config(conf, loc, d);
		return 1;
	}
	return 0;
}

void cmd_unload_config(struct wg_config *conf, struct config_location *loc, struct diag_list *d)
{
	config_free(conf);
	config_location_free(loc);
	diag_free(d);
}

int cmd_expand_peer_lists(struct wg_config *conf, const struct config_location *loc, enum peerlist_mode mode,
			  const uint8_t *own, bool report, bool required)
{
	struct peerlists pl;
	int ret;

	ret = peerlists_expand(conf, loc->path, loc->ifname, mode, own, &pl);
	diag_print(&pl.diag, stderr);
	for (size_t i = 0; report && ret == 0 && i < pl.n; ++i)
		printf("%s: %s, %zu peer%s\n", pl.lists[i].source, peerlist_origin_name(pl.lists[i].origin),
		       pl.lists[i].peers, pl.lists[i].peers == 1 ? "" : "s");
	if (ret == -ENOMEM)
		fprintf(stderr, "%s: %s\n", prog_name, strerror(ENOMEM));
	if (ret)
		fprintf(stderr, "%s: %s: the shared peer lists could not be used; %s\n", prog_name, loc->path,
			required ? "nothing was applied" : "going on without them");
	peerlists_free(&pl);
	return ret ? 1 : 0;
}
