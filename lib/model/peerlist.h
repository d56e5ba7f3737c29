/* SPDX-License-Identifier: MIT */
/*
 * Shared peer lists (WireGuard's "one peers.conf everywhere"): the pure part. A list is wg's
 * [Peer] sections only; its peers join the config's own, the host's own key is skipped, and a
 * public key defined in two places is an error that names both.
 */
#ifndef WGCTL_MODEL_PEERLIST_H
#define WGCTL_MODEL_PEERLIST_H

#include <stddef.h>

#include "model/config.h"

/* Parses a list body; diagnostics go to `d` (its source names the list). 0, -EINVAL or -ENOMEM. */
int peerlist_parse(struct wg_config *list, const char *body, size_t len, struct diag_list *d);

/*
 * Moves every peer of `list` to the end of `dev`, tagged with `source`, except the one whose
 * public key is `own` (may be NULL). Returns how many were moved.
 */
size_t peerlist_merge(struct wg_device *dev, struct wg_device *list, const char *source,
		      const uint8_t own[WG_KEY_LEN]);

/*
 * Errors (into `d`, whose source should be NULL: each message carries both places) for every
 * public key defined twice where at least one definition comes from a list; `conf_source` names
 * the config file. 0, -EINVAL or -ENOMEM.
 */
int peerlist_check_duplicates(const struct wg_device *dev, const char *conf_source, struct diag_list *d);

#endif
