/* SPDX-License-Identifier: MIT */
/*
 * A config's `PeerList =` sources turned into peers. Local files are read in place, URLs fetched
 * conditionally; the last good copy of each is cached. With PeerListKeys every copy must be
 * signed by one of them and carry a header (model/peerlist_header.h) whose name is the one its
 * PeerList line expects, whose serial is not below the highest this host accepted
 * (fleet/liststate.h) and which has not expired. One list that cannot be used costs only itself:
 *
 *   used      its peers join the config's, as model/peerlist.h admits them. A fresh copy that
 *             cannot be had or is refused falls back to the last good copy while that is still
 *             valid (not expired, serial not lower), so the list's peers stay as they were.
 *   expired   the newest copy the host may use has expired: its peers are not used (sync and
 *             reload remove them from the interface).
 *   refused   no copy has ever been good here: the list has no peers.
 */
#ifndef WGCTL_FLEET_LISTS_H
#define WGCTL_FLEET_LISTS_H

#include "model/config.h"
#include "model/peerlist_header.h"

enum fleet_list_mode {
	FLEET_LIST_FETCH,      /* up, reload, sync, strip */
	FLEET_LIST_CACHE_ONLY, /* save, down, check, reresolve: no network, no freshness rules; only
				to know which peers are the lists' */
};

enum fleet_list_origin {
	FLEET_LIST_LOCAL,
	FLEET_LIST_FRESH,
	FLEET_LIST_NOT_MODIFIED,
	FLEET_LIST_CACHED, /* the last good copy */
};

enum fleet_list_outcome {
	FLEET_LIST_USED,
	FLEET_LIST_EXPIRED,
	FLEET_LIST_REFUSED,
};

struct fleet_list_result {
	const char *source;
	enum fleet_list_outcome outcome;
	enum fleet_list_origin origin; /* of the copy used */
	bool fell_back;                /* a fresh copy could not be had or was refused */
	struct peerlist_header header; /* of the copy used or expired, when it has one */
	size_t peers, refused_peers;
};

struct fleet_lists {
	struct fleet_list_result *lists;
	size_t n;
	/* Lists whose newest copy was not used: refused, expired, or fallen back to the last good.
	 */
	size_t not_current;
	/* Warnings, each naming its list (and line). */
	struct diag_list diag;
};

/*
 * Adds the admitted peers of every list to conf->device, tagged with their source; `own` is the
 * host's public key (NULL: the config's PrivateKey decides, when it has one). `conf_path`
 * anchors relative list paths and names the config in messages; `ifname` names cache and state
 * files. Returns 0 or -errno for a failure that is not one list's (out of memory); what
 * happened to each list is in `out`.
 */
int fleet_lists_expand(struct wg_config *conf, const char *conf_path, const char *ifname,
		       enum fleet_list_mode mode, const uint8_t *own, struct fleet_lists *out);
void fleet_lists_free(struct fleet_lists *pl);
const char *fleet_list_origin_name(enum fleet_list_origin origin);

#endif
