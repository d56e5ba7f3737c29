// SPDX-License-Identifier: MIT
/*
 * `reresolve`: contrib/reresolve-dns.sh as a subcommand. Every peer of the file whose Endpoint
 * is a hostname and whose latest handshake is older than 135 s (REKEY_AFTER_TIME + REKEY_TIMEOUT
 * + KEEPALIVE_TIMEOUT: a live session would have re-keyed) gets its name resolved again and set
 * with update-only, so a peer removed meanwhile is not re-created. One failing peer does not
 * stop the others; the exit status says whether all of them went well.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "backend/backend.h"
#include "backend/resolve.h"
#include "cmd/cmd.h"
#include "cmd/common.h"
#include "model/emit.h"
#include "model/encoding.h"

#define RERESOLVE_STALE_SECONDS 135

static bool stale(const struct wg_peer *running, time_t now)
{
	return now - running->last_handshake_time.tv_sec > RERESOLVE_STALE_SECONDS;
}

static int reresolve_peer(const char *ifname, const struct wg_peer *file,
			  const struct wg_peer *running, struct diag_list *d)
{
	struct wg_device delta = { 0 };
	struct wg_peer peer = { 0 };
	char key[WG_KEY_LEN_BASE64], was[128], now[128];
	int ret;

	d->item_source = file->source;
	ret = resolve_endpoint(&peer.endpoint, file->endpoint_text, d, file->lineno);
	d->item_source = NULL;
	if (ret < 0)
		return -1;
	memcpy(peer.public_key, file->public_key, WG_KEY_LEN);
	peer.flags = WGPEER_HAS_PUBLIC_KEY | WGPEER_UPDATE_ONLY | WGPEER_HAS_ENDPOINT;
	delta.first_peer = delta.last_peer = &peer;
	ret = backend_set(ifname, &delta);
	key_to_base64(key, file->public_key);
	if (ret < 0) {
		fprintf(stderr, "%s: %s: peer %s: %s\n", prog_name, ifname, key, strerror(-ret));
		return -1;
	}
	emit_endpoint(was, sizeof(was), running);
	emit_endpoint(now, sizeof(now), &peer);
	if (strcmp(was, now))
		printf("%s: peer %s: %s now resolves to %s (was %s)\n", ifname, key,
		       file->endpoint_text, now, running->endpoint.addr.sa_family ? was : "none");
	return 0;
}

int cmd_reresolve(int argc, const char *argv[])
{
	struct wg_device *running = NULL;
	struct config_location loc;
	struct wg_config conf;
	const struct wg_peer *fp, *rp;
	struct diag_list d, rd;
	time_t now = time(NULL);
	int ret, failed = 0;

	if (argc >= 2 && !strcmp(argv[1], "--watch"))
		return cmd_reresolve_watch(argc, argv);
	if (argc != 2) {
		cmd_usage(cmd_find(argv[0], CMD_WGCTL), true);
		return 1;
	}
	/* Endpoints are all it uses: no key file is read, so none needs to be at hand. */
	if (cmd_load_config(argv[1], &conf, &loc, &d, KEY_FILES_NONE))
		return 1;
	ret = backend_get(loc.ifname, &running);
	/* Peers of shared lists count too, from the local files or cached copies: no fetch here. */
	if (ret == 0)
		failed = cmd_expand_peer_lists(&conf, &loc, FLEET_LIST_CACHE_ONLY,
					       running->public_key, LISTS_SOME, false) != 0;
	if (ret < 0) {
		fprintf(stderr, "Unable to access interface: %s\n", strerror(-ret));
		cmd_unload_config(&conf, &loc, &d);
		return 1;
	}
	diag_init(&rd, loc.path);
	for_each_wgpeer (conf.device, fp) {
		if (!fp->endpoint_text || !(rp = model_find_peer(running, fp->public_key)))
			continue;
		if (stale(rp, now) && reresolve_peer(loc.ifname, fp, rp, &rd) < 0)
			++failed;
		diag_print(&rd, stderr);
		diag_free(&rd);
		diag_init(&rd, loc.path);
	}
	diag_free(&rd);
	model_device_free(running);
	cmd_unload_config(&conf, &loc, &d);
	return failed ? 1 : 0;
}
