// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "cmd/common.h"
#include "util/file.h"

int cmd_load_config(const char *arg, struct wg_config *conf, struct config_location *loc,
		    struct diag_list *d, enum key_files_need keys)
{
	struct key_file_env env = { .credentials_dir = getenv("CREDENTIALS_DIRECTORY"),
				    .read = file_read_secret,
				    .need = keys };
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
		fprintf(stderr,
			"%s: The config file must be a valid interface name, followed by .conf\n",
			prog_name);
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
	env.config_path = loc->path;
	if (!ret)
		ret = config_read_key_files(conf, &env, d);
	diag_print(d, stderr);
	if (ret == -EINVAL) {
		fprintf(stderr, "%s: %s: %u error%s; nothing was applied\n", prog_name, d->source,
			d->errors, d->errors == 1 ? "" : "s");
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

static void report_list(const struct fleet_list_result *r)
{
	static const char *const outcome[] = {
		[FLEET_LIST_EXPIRED] = "expired",
		[FLEET_LIST_REFUSED] = "refused",
	};

	printf("%s: %s", r->source,
	       r->outcome == FLEET_LIST_USED ? fleet_list_origin_name(r->origin)
					     : outcome[r->outcome]);
	if (r->header.present)
		printf(", serial %llu", (unsigned long long)r->header.serial);
	if (r->outcome != FLEET_LIST_USED)
		printf(", no peers");
	else
		printf(", %zu peer%s", r->peers, r->peers == 1 ? "" : "s");
	if (r->refused_peers)
		printf(", %zu refused", r->refused_peers);
	putchar('\n');
}

int cmd_expand_peer_lists(struct wg_config *conf, const struct config_location *loc,
			  enum fleet_list_mode mode, const uint8_t *own, enum lists_need need,
			  bool report)
{
	struct fleet_lists pl;
	size_t refused = 0;
	int ret;

	ret = fleet_lists_expand(conf, loc->path, loc->ifname, mode, own, &pl);
	diag_print(&pl.diag, stderr);
	for (size_t i = 0; i < pl.n; ++i) {
		refused += pl.lists[i].outcome == FLEET_LIST_REFUSED;
		if (report && ret == 0)
			report_list(&pl.lists[i]);
	}
	if (ret < 0) {
		fprintf(stderr, "%s: %s: the shared peer lists could not be read: %s; %s\n",
			prog_name, loc->path, strerror(-ret),
			need == LISTS_OPTIONAL ? "going on without them" : "nothing was done");
		ret = need == LISTS_OPTIONAL ? 0 : -1;
	} else if (refused && need == LISTS_ALL) {
		fprintf(stderr,
			"%s: %s: %zu shared peer list%s could not be used; nothing was done\n",
			prog_name, loc->path, refused, refused == 1 ? "" : "s");
		ret = -1;
	} else {
		ret = (int)pl.not_current;
	}
	fleet_lists_free(&pl);
	return ret;
}
