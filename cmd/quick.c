// SPDX-License-Identifier: MIT
#include <stdio.h>
#include <string.h>

#include "backend/backend.h"
#include "cmd/cmd.h"
#include "cmd/common.h"
#include "model/emit.h"
#include "orch/orch.h"

/* wg-quick's strip, with the peers of shared lists written out so that plain wg(8) sees them. */
int cmd_strip(int argc, const char *argv[])
{
	struct config_location loc;
	struct wg_config conf;
	struct diag_list d;
	struct wg_peer *peer;
	struct strbuf out;
	int ret;

	if (argc != 2) {
		cmd_usage(cmd_find(argv[0], CMD_WGCTL), true);
		return 1;
	}
	if (cmd_load_config(argv[1], &conf, &loc, &d))
		return 1;
	ret = cmd_expand_peer_lists(&conf, &loc, PEERLIST_FETCH_OR_CACHE, NULL, false, true);
	strbuf_init(&out);
	strbuf_puts(&out, conf.stripped);
	for_each_wgpeer(conf.device, peer) {
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

typedef int orch_fn(const struct wg_config *, const char *, const char *, const struct orch_opts *);

/*
 * up/down/save/reload/sync [--dry-run] <interface | config file>; --dry-run is wgctl's own.
 * `lists` says how the config's shared peer lists are obtained before `fn` runs.
 */
static int run_orch(int argc, const char *argv[], orch_fn *fn, enum peerlist_mode lists, bool lists_required)
{
	struct orch_opts opts = { .prog = prog_name };
	struct wg_device *running = NULL;
	const uint8_t *own = NULL;
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
	/* sync skips the running interface's own key, which a PostUp hook may have set. */
	if (fn == orch_sync && conf.peer_lists.n && backend_get(loc.ifname, &running) == 0 &&
	    (running->flags & WGDEVICE_HAS_PUBLIC_KEY))
		own = running->public_key;
	ret = 0;
	if (lists_required || conf.save_config)
		ret = cmd_expand_peer_lists(&conf, &loc, lists, own, fn == orch_sync, lists_required);
	if (ret == 0 || !lists_required)
		ret = fn(&conf, loc.ifname, loc.path, &opts);
	model_device_free(running);
	cmd_unload_config(&conf, &loc, &d);
	return ret;
}

int cmd_up(int argc, const char *argv[])
{
	return run_orch(argc, argv, orch_up, PEERLIST_FETCH_OR_CACHE, true);
}

/* down needs the lists only to keep their peers out of a SaveConfig file; it goes on without. */
int cmd_down(int argc, const char *argv[])
{
	return run_orch(argc, argv, orch_down, PEERLIST_CACHE_ONLY, false);
}

int cmd_reload(int argc, const char *argv[])
{
	return run_orch(argc, argv, orch_reload, PEERLIST_FETCH_OR_CACHE, true);
}

int cmd_save(int argc, const char *argv[])
{
	return run_orch(argc, argv, orch_save, PEERLIST_CACHE_ONLY, true);
}

int cmd_sync(int argc, const char *argv[])
{
	return run_orch(argc, argv, orch_sync, PEERLIST_FETCH, true);
}
