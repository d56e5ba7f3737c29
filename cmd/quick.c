// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "backend/backend.h"
#include "cmd/cmd.h"
#include "cmd/common.h"
#include "model/emit.h"
#include "orch/orch.h"

/*
 * wg-quick's strip, with the keys of key files written in their lines' place and the peers of
 * shared lists written out, so that plain wg(8) sees them.
 */
int cmd_strip(int argc, const char *argv[])
{
	struct config_location loc;
	struct wg_config conf;
	struct diag_list d;
	struct wg_peer *peer;
	struct strbuf out;
	int ret, err;

	if (argc != 2) {
		cmd_usage(cmd_find(argv[0], CMD_WGCTL), true);
		return 1;
	}
	if (cmd_load_config(argv[1], &conf, &loc, &d, KEY_FILES_ALL))
		return 1;
	/* Its output replaces an interface's peers (`wg syncconf`): a list missing would remove its
	 * own. */
	ret = cmd_expand_peer_lists(&conf, &loc, FLEET_LIST_FETCH, NULL, LISTS_ALL, false) < 0;
	strbuf_init(&out);
	if (!ret && (err = config_strip_text(&conf, &out)) < 0) {
		fprintf(stderr, "%s: %s: %s\n", prog_name, loc.path, strerror(-err));
		ret = 1;
	}
	for_each_wgpeer (conf.device, peer) {
		if (!peer->source)
			continue;
		strbuf_printf(&out, "\n# From %s\n", peer->source);
		emit_peer(&out, peer);
	}
	/* wg-quick prints its buffer with echo, which adds one more newline. */
	if (ret == 0)
		printf("%s\n", out.buf ? out.buf : "");
	strbuf_free(&out);
	cmd_unload_config(&conf, &loc, &d);
	return ret;
}

typedef int orch_fn(const struct wg_config *, const char *, const char *, const struct orch_opts *,
		    struct orch_report *);

/* How each quick command treats the config's shared lists. */
struct quick_cmd {
	orch_fn *fn;
	enum fleet_list_mode lists;
	enum lists_need need;
	/* Only with SaveConfig: the lists then keep their peers out of the saved file. */
	bool lists_for_save_only;
	/* Skips the running interface's own key, which a PostUp hook may have set. */
	bool own_from_interface;
	/* One status line per list; exit 1 when one was not current, after applying the rest. */
	bool report;
	/* The key files it reads (model/keyfile.h). */
	enum key_files_need keys;
};

static const struct quick_cmd quick_up = {
	.fn = orch_up, .lists = FLEET_LIST_FETCH, .need = LISTS_SOME, .keys = KEY_FILES_ALL
};
static const struct quick_cmd quick_down = { .fn = orch_down,
					     .lists = FLEET_LIST_CACHE_ONLY,
					     .need = LISTS_OPTIONAL,
					     .lists_for_save_only = true,
					     .keys = KEY_FILES_SAVE };
static const struct quick_cmd quick_reload = {
	.fn = orch_reload, .lists = FLEET_LIST_FETCH, .need = LISTS_SOME, .keys = KEY_FILES_ALL
};
static const struct quick_cmd quick_save = {
	.fn = orch_save, .lists = FLEET_LIST_CACHE_ONLY, .need = LISTS_ALL, .keys = KEY_FILES_ALL
};
static const struct quick_cmd quick_sync = { .fn = orch_sync,
					     .lists = FLEET_LIST_FETCH,
					     .need = LISTS_SOME,
					     .own_from_interface = true,
					     .report = true,
					     .keys = KEY_FILES_PEERS };

/* up/down/save/reload/sync [--dry-run] <interface | config file>; --dry-run is wgctl's own. */
static int run_orch(int argc, const char *argv[], const struct quick_cmd *qc)
{
	struct orch_opts opts = { 0 };
	struct orch_report report;
	struct wg_device *running = NULL;
	const uint8_t *own = NULL;
	struct config_location loc;
	struct wg_config conf;
	struct diag_list d;
	int ret = 0, not_current = 0;

	/* wgctl's own options, before the interface: --dry-run, --netns NAME. */
	while (argc > 2 && strcmp(prog_name, "wg-quick")) {
		int used = 0;

		if (!strcmp(argv[1], "--dry-run")) {
			opts.dry_run = true;
			used = 1;
		} else if (!strcmp(argv[1], "--netns") && argc > 3) {
			if (!config_netns_name_ok(argv[2])) {
				fprintf(stderr, "%s: `%s' is not a network namespace name\n",
					prog_name, argv[2]);
				return 1;
			}
			opts.netns = argv[2];
			used = 2;
		} else {
			break;
		}
		for (int i = 1; i + used < argc; ++i)
			argv[i] = argv[i + used];
		argc -= used;
	}
	if (argc != 2) {
		cmd_usage(cmd_find(argv[0], CMD_WGCTL), true);
		return 1;
	}
	if (cmd_load_config(argv[1], &conf, &loc, &d, qc->keys))
		return 1;
	if (qc->own_from_interface && conf.n_peer_lists && backend_get(loc.ifname, &running) == 0 &&
	    (running->flags & WGDEVICE_HAS_PUBLIC_KEY))
		own = running->public_key;
	if (!qc->lists_for_save_only || conf.save_config)
		not_current =
			cmd_expand_peer_lists(&conf, &loc, qc->lists, own, qc->need, qc->report);
	orch_report_init(&report);
	if (not_current >= 0)
		ret = qc->fn(&conf, loc.ifname, loc.path, &opts, &report);
	orch_report_print(&report, prog_name, stderr);
	orch_report_free(&report);
	if (ret == 0 && qc->report && not_current > 0)
		fprintf(stderr, "%s: %s: %d shared peer list%s not current; the rest was applied\n",
			prog_name, loc.ifname, not_current, not_current == 1 ? " is" : "s are");
	model_device_free(running);
	cmd_unload_config(&conf, &loc, &d);
	return not_current < 0 || ret || (qc->report && not_current > 0);
}

int cmd_up(int argc, const char *argv[])
{
	return run_orch(argc, argv, &quick_up);
}

int cmd_down(int argc, const char *argv[])
{
	return run_orch(argc, argv, &quick_down);
}

int cmd_reload(int argc, const char *argv[])
{
	return run_orch(argc, argv, &quick_reload);
}

int cmd_save(int argc, const char *argv[])
{
	return run_orch(argc, argv, &quick_save);
}

int cmd_sync(int argc, const char *argv[])
{
	return run_orch(argc, argv, &quick_sync);
}
