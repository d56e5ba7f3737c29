/* SPDX-License-Identifier: MIT */
#ifndef WGCTL_MODEL_SYNCCONF_H
#define WGCTL_MODEL_SYNCCONF_H

#include "model/model.h"

/*
 * Turns a parsed file into the `syncconf` request against the running device: peers only on
 * the device are removed, peers in both are updated in place (so their sessions survive), and
 * a PSK or keepalive present at runtime but absent from the file is explicitly cleared.
 * Returns 0 or -ENOMEM.
 */
int model_syncconf(struct wg_device *file, const struct wg_device *runtime);

struct model_syncconf_counts {
	size_t added, updated, removed, unchanged;
};

/*
 * Drops from a model_syncconf() request every peer the runtime already has exactly as asked (keys,
 * keepalive, allowed IPs; the endpoint when the request names one), so that applying it does not
 * touch them at all, and counts what is left by kind.
 */
void model_syncconf_prune(struct wg_device *request, const struct wg_device *runtime,
			  struct model_syncconf_counts *counts);

#endif
