// SPDX-License-Identifier: MIT
/*
 * `peer remove` (under the same lock as `peer add`: the file first, then the interface, the
 * file restored when the interface refuses) and `peer list`: the file's peers with their names,
 * joined with what the running interface says about them, and running peers the file lacks.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "backend/backend.h"
#include "cmd/cmd.h"
#include "cmd/common.h"
#include "cmd/peer.h"
#include "model/emit.h"
#include "model/encoding.h"
#include "model/peeredit.h"
#include "util/file.h"

enum { MAX_CONF = 1 << 24 };

static const struct wg_peer *find_peer(const struct wg_config *conf, const char *what)
{
	const struct wg_peer *p;
	uint8_t key[WG_KEY_LEN];

	for_each_wgpeer (conf->device, p) {
		if (p->name && !strcmp(p->name, what))
			return p;
	}
	if (!key_from_base64(key, what))
		return NULL;
	return model_find_peer(conf->device, key);
}

static int remove_locked(const char *ifarg, const char *what)
{
	struct wg_device *running = NULL;
	struct config_location loc;
	struct wg_config conf;
	struct diag_list d;
	const struct wg_peer *p;
	char *text = NULL, *new_text = NULL, key[WG_KEY_LEN_BASE64];
	unsigned int removed = 0;
	struct wg_device delta = { 0 };
	struct wg_peer gone = { 0 };
	size_t len;
	int ret;

	if (cmd_load_config(ifarg, &conf, &loc, &d, KEY_FILES_NONE))
		return -EINVAL;
	p = find_peer(&conf, what);
	if (!p || p->source) {
		fprintf(stderr, "%s: %s: no peer named `%s' or with that public key\n", prog_name,
			loc.path, what);
		ret = -ENOENT;
		goto out;
	}
	key_to_base64(key, p->public_key);
	ret = file_read_all(loc.path, MAX_CONF, &text, &len);
	if (!ret)
		ret = peeredit_remove(text, p->public_key, &new_text, &removed);
	if (ret) {
		fprintf(stderr, "%s: `%s': %s\n", prog_name, loc.path, strerror(-ret));
		goto out;
	}
	if ((ret = peer_running(loc.ifname, &running)) < 0)
		goto out;
	if ((ret = peer_write_config(loc.path, new_text))) {
		fprintf(stderr, "%s: `%s': %s; nothing was changed\n", prog_name, loc.path,
			strerror(-ret));
		goto out;
	}
	if (running && model_find_peer(running, p->public_key)) {
		memcpy(gone.public_key, p->public_key, WG_KEY_LEN);
		gone.flags = WGPEER_HAS_PUBLIC_KEY | WGPEER_REMOVE_ME;
		delta.first_peer = delta.last_peer = &gone;
		ret = backend_set(loc.ifname, &delta);
		if (ret) {
			fprintf(stderr,
				"%s: %s: Unable to remove the peer: %s; nothing was changed\n",
				prog_name, loc.ifname, strerror(-ret));
			if (peer_write_config(loc.path, text))
				fprintf(stderr, "%s: `%s': could not be restored\n", prog_name,
					loc.path);
			goto out;
		}
	}
	fprintf(stderr, "%s: removed peer %s%s%s\n", loc.ifname, p->name ? p->name : "",
		p->name ? " " : "", key);
out:
	model_device_free(running);
	free(text);
	free(new_text);
	cmd_unload_config(&conf, &loc, &d);
	return ret;
}

int cmd_peer_remove(int argc, const char *argv[])
{
	struct config_location loc;
	char *tried = NULL;
	int lock, ret;

	if (argc != 3) {
		fprintf(stderr,
			"Usage: %s peer remove <interface | config file> <name | public key>\n",
			prog_name);
		return 1;
	}
	if (config_locate(argv[1], &loc, &tried)) {
		struct wg_config conf;
		struct diag_list d;

		free(tried);
		/* Says why, in wg-quick's words. */
		if (!cmd_load_config(argv[1], &conf, &loc, &d, KEY_FILES_NONE))
			cmd_unload_config(&conf, &loc, &d);
		return 1;
	}
	lock = peer_lock(loc.path);
	config_location_free(&loc);
	if (lock < 0)
		return 1;
	ret = remove_locked(argv[1], argv[2]);
	close(lock);
	return ret ? 1 : 0;
}

static void json_string(const char *s)
{
	putchar('"');
	for (; *s; ++s) {
		if (*s == '"' || *s == '\\')
			printf("\\%c", *s);
		else if ((unsigned char)*s < 0x20 || *s == 0x7f)
			printf("\\u%04x", (unsigned char)*s);
		else
			putchar(*s);
	}
	putchar('"');
}

static void prefixes(char *buf, size_t len, const struct wg_peer *p)
{
	const struct wg_allowedip *aip;
	char one[64];
	size_t at = 0;

	buf[0] = '\0';
	for_each_wgallowedip (p, aip) {
		emit_prefix(one, sizeof(one), aip->family, &aip->ip6, aip->cidr);
		at += (size_t)snprintf(buf + at, len - at, "%s%s", at ? "," : "", one);
		if (at >= len) {
			buf[len - 1] = '\0';
			break;
		}
	}
}

static void list_one(const struct wg_peer *fp, const struct wg_peer *rp, bool json, bool *first)
{
	const struct wg_peer *p = fp ? fp : rp;
	char key[WG_KEY_LEN_BASE64], ips[1024], ep[128] = "", when[32] = "never";
	int64_t hs = rp ? rp->last_handshake_time.tv_sec : 0;

	key_to_base64(key, p->public_key);
	prefixes(ips, sizeof(ips), p);
	if (rp)
		emit_endpoint(ep, sizeof(ep), rp);
	if (hs) {
		time_t t = (time_t)hs;
		struct tm tm;

		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&t, &tm));
	}
	if (!json) {
		printf("%-16s %s %-24s %-20s %-22s rx %" PRIu64 " tx %" PRIu64 "\n",
		       fp && fp->name ? fp->name : "-", key, ips[0] ? ips : "-", when,
		       ep[0] ? ep : "-", rp ? rp->rx_bytes : 0, rp ? rp->tx_bytes : 0);
		return;
	}
	printf("%s\n  {\"name\":", *first ? "" : ",");
	*first = false;
	if (fp && fp->name)
		json_string(fp->name);
	else
		fputs("null", stdout);
	printf(",\"public_key\":\"%s\",\"allowed_ips\":[", key);
	for (char *s = ips, *e; *s; s = *e ? e + 1 : e) {
		e = s + strcspn(s, ",");
		printf("%s\"%.*s\"", s == ips ? "" : ",", (int)(e - s), s);
	}
	printf("],\"in_config\":%s,\"running\":%s,\"endpoint\":", fp ? "true" : "false",
	       rp ? "true" : "false");
	if (ep[0])
		json_string(ep);
	else
		fputs("null", stdout);
	printf(",\"latest_handshake\":%lld,\"transfer_rx\":%" PRIu64 ",\"transfer_tx\":%" PRIu64
	       "}",
	       (long long)hs, rp ? rp->rx_bytes : 0, rp ? rp->tx_bytes : 0);
}

int cmd_peer_list(int argc, const char *argv[])
{
	struct wg_device *running = NULL;
	struct config_location loc;
	struct wg_config conf;
	struct diag_list d;
	const struct wg_peer *p;
	bool json = argc == 3 && !strcmp(argv[1], "--json"), first = true;
	const char *ifarg = argv[json ? 2 : 1];

	if (argc != (json ? 3 : 2)) {
		fprintf(stderr, "Usage: %s peer list [--json] <interface | config file>\n",
			prog_name);
		return 1;
	}
	if (cmd_load_config(ifarg, &conf, &loc, &d, KEY_FILES_NONE))
		return 1;
	if (peer_running(loc.ifname, &running) < 0) {
		cmd_unload_config(&conf, &loc, &d);
		return 1;
	}
	if (json)
		fputs("[", stdout);
	else
		printf("%-16s %-44s %-24s %-20s %-22s %s\n", "NAME", "PUBLIC KEY", "ADDRESSES",
		       "LATEST HANDSHAKE", "ENDPOINT", "TRANSFER");
	for_each_wgpeer (conf.device, p)
		list_one(p, running ? model_find_peer(running, p->public_key) : NULL, json, &first);
	if (running) {
		for_each_wgpeer (running, p) {
			if (!model_find_peer(conf.device, p->public_key))
				list_one(NULL, p, json, &first);
		}
	}
	if (json)
		puts(first ? "]" : "\n]");
	model_device_free(running);
	cmd_unload_config(&conf, &loc, &d);
	return 0;
}
