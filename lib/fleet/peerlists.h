/* SPDX-License-Identifier: MIT */
/*
 * A config's `PeerList =` sources turned into peers: local files read in place, URLs fetched
 * conditionally and cached, every list checked against the config's `PeerListKey`s when it names
 * any, and all lists obtained before any is merged, so that one failure changes nothing.
 */
#ifndef WGCTL_FLEET_PEERLISTS_H
#define WGCTL_FLEET_PEERLISTS_H

#include "model/config.h"

enum peerlist_mode {
	PEERLIST_FETCH,          /* sync: a list that cannot be fetched is an error */
	PEERLIST_FETCH_OR_CACHE, /* up, reload, strip: a failed fetch falls back to the last good copy */
	PEERLIST_CACHE_ONLY,     /* save, check: no network */
};

enum peerlist_origin {
	PEERLIST_LOCAL,
	PEERLIST_FRESH,
	PEERLIST_NOT_MODIFIED,
	PEERLIST_CACHED, /* the last good copy, because the fetch failed or was not wanted */
};

struct peerlist_result {
	const char *source;
	enum peerlist_origin origin;
	size_t peers;
};

struct peerlists {
	struct peerlist_result *lists;
	size_t n;
	/* Errors and warnings, each message naming its list (and line). */
	struct diag_list diag;
};

/*
 * Adds the peers of every list to conf->device, tagged with their source, except the one whose
 * public key is `own` (NULL: the config's PrivateKey decides, when it has one). `conf_path`
 * anchors relative list paths and names the config in messages; `ifname` names cache files.
 * Returns 0 or -errno with errors in out->diag; after an error conf must not be applied.
 */
int peerlists_expand(struct wg_config *conf, const char *conf_path, const char *ifname, enum peerlist_mode mode,
		     const uint8_t *own, struct peerlists *out);
void peerlists_free(struct peerlists *pl);
const char *peerlist_origin_name(enum peerlist_origin origin);

#endif
