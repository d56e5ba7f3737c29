/* SPDX-License-Identifier: MIT */
/*
 * Shared peer lists (WireGuard's "one peers.conf everywhere"): the pure part. A list is wg's
 * [Peer] sections only; the peers a host accepts from it join the config's own. What a list may
 * not do to the host is decided here: take the host's own key, redefine a peer the file (or an
 * earlier list) defines, claim a prefix outside PeerListAllowedIPs (a default route when there is
 * none), or claim addresses a peer of the file routes. The file always wins.
 */
#ifndef WGCTL_MODEL_PEERLIST_H
#define WGCTL_MODEL_PEERLIST_H

#include <stddef.h>

#include "model/config.h"

/* Parses a list body; diagnostics go to `d` (its source names the list). 0, -EINVAL or -ENOMEM. */
int peerlist_parse(struct wg_config *list, const char *body, size_t len, struct diag_list *d);

struct peerlist_policy {
	const uint8_t *own; /* the host's own public key: skipped silently; may be NULL */
	const struct wg_peer
		*scope; /* PeerListAllowedIPs (allowed IPs only); none: all but default routes */
	const char *conf_source;  /* the config file, as messages name it */
	unsigned int list_lineno; /* its PeerList line */
};

/*
 * Moves every peer of `list` that the policy admits to the end of `dev`, tagged with `source`,
 * and frees the others, each refusal one warning in `d` naming both places. Returns how many
 * were moved (or -ENOMEM); *refused counts the peers refused, the host's own key not included.
 */
long peerlist_admit(struct wg_device *dev, struct wg_device *list, const char *source,
		    const struct peerlist_policy *policy, struct diag_list *d, size_t *refused);

/* Whether a list may claim this prefix without a PeerListAllowedIPs: anything but a default route.
 */
bool peerlist_prefix_unscoped_ok(const struct wg_allowedip *aip);

#endif
