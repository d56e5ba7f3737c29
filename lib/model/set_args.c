// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/encoding.h"
#include "model/set_args.h"
#include "util/mem.h"

/*
 * A key file holds exactly 44 base64 characters and then only whitespace; an empty file (such
 * as /dev/null) means the all-zero key, which removes the key.
 */
static bool read_keyfile(uint8_t key[WG_KEY_LEN], const char *path, struct diag_list *d)
{
	char b64[WG_KEY_LEN_BASE64] = { 0 };
	bool ok = false;
	FILE *f = fopen(path, "r");
	int c;

	if (!f) {
		diag_error(d, 0, "fopen: %s", strerror(errno));
		return false;
	}
	if (fread(b64, WG_KEY_LEN_BASE64 - 1, 1, f) != 1) {
		if (!ferror(f) && feof(f) && !ftell(f)) {
			memzero_explicit(key, WG_KEY_LEN);
			ok = true;
		} else {
			diag_error(d, 0, "Invalid length key in key file");
		}
		goto out;
	}
	while ((c = getc(f)) != EOF) {
		if (c != ' ' && c != '\t' && c != '\n' && c != '\r' && c != '\v' && c != '\f') {
			diag_error(d, 0, "Found trailing character in key file: `%c'", c);
			goto out;
		}
	}
	if (ferror(f) && errno) {
		diag_error(d, 0, "getc: %s", strerror(errno));
		goto out;
	}
	ok = model_parse_secret_key(key, b64, d, 0);
out:
	memzero_explicit(b64, sizeof(b64));
	fclose(f);
	return ok;
}

static char *strip_spaces(const char *in)
{
	char *out = malloc(strlen(in) + 1), *o = out;

	if (!out)
		return NULL;
	for (; *in; ++in) {
		if (*in != ' ' && *in != '\t' && *in != '\n' && *in != '\r' && *in != '\v' &&
		    *in != '\f')
			*o++ = *in;
	}
	*o = '\0';
	return out;
}

bool model_parse_set_args(struct wg_device *dev, int argc, const char *const argv[],
			  model_resolve_fn *resolve, struct diag_list *d)
{
	struct wg_peer *peer = NULL;
	char *list;
	bool ok;

	while (argc > 0) {
		const char *opt = argv[0], *val = argc >= 2 ? argv[1] : NULL;
		int used = 2;

		if (!strcmp(opt, "listen-port") && val && !peer) {
			ok = model_parse_port(&dev->listen_port, val, d, 0);
			dev->flags |= WGDEVICE_HAS_LISTEN_PORT;
		} else if (!strcmp(opt, "fwmark") && val && !peer) {
			ok = model_parse_fwmark(&dev->fwmark, val, d, 0);
			dev->flags |= WGDEVICE_HAS_FWMARK;
		} else if (!strcmp(opt, "private-key") && val && !peer) {
			ok = read_keyfile(dev->private_key, val, d);
			dev->flags |= WGDEVICE_HAS_PRIVATE_KEY;
		} else if (!strcmp(opt, "peer") && val) {
			peer = model_peer_new(dev);
			ok = peer && model_parse_key(peer->public_key, val, d, 0);
			if (peer)
				peer->flags |= WGPEER_HAS_PUBLIC_KEY;
		} else if (!strcmp(opt, "remove") && peer) {
			peer->flags |= WGPEER_REMOVE_ME;
			ok = true;
			used = 1;
		} else if (!strcmp(opt, "endpoint") && val && peer) {
			ok = model_parse_endpoint(peer, val, d, 0) &&
			     (!peer->endpoint_text || !resolve ||
			      resolve(&peer->endpoint, peer->endpoint_text, d, 0) == 0);
			peer->flags |= WGPEER_HAS_ENDPOINT;
		} else if (!strcmp(opt, "allowed-ips") && val && peer) {
			list = strip_spaces(val);
			model_peer_free_allowedips(peer);
			peer->flags |= WGPEER_REPLACE_ALLOWEDIPS;
			ok = list && (!*list || model_parse_allowedips(peer, list, d, 0));
			free(list);
		} else if (!strcmp(opt, "persistent-keepalive") && val && peer) {
			ok = model_parse_keepalive(&peer->persistent_keepalive_interval, val, d, 0);
			peer->flags |= WGPEER_HAS_PERSISTENT_KEEPALIVE_INTERVAL;
		} else if (!strcmp(opt, "preshared-key") && val && peer) {
			ok = read_keyfile(peer->preshared_key, val, d);
			peer->flags |= WGPEER_HAS_PRESHARED_KEY;
		} else {
			diag_error(d, 0, "Invalid argument: %s", opt);
			return false;
		}
		if (!ok)
			return false;
		argv += used;
		argc -= used;
	}
	return true;
}
