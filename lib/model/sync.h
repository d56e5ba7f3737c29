/* SPDX-License-Identifier: MIT */
#ifndef WGCTL_MODEL_SYNC_H
#define WGCTL_MODEL_SYNC_H

#include "model/model.h"

/*
 * Turns a parsed file into the `syncconf` request against the running device: peers only on
 * the device are removed, peers in both are updated in place (so their sessions survive), and
 * a PSK or keepalive present at runtime but absent from the file is explicitly cleared.
 * Returns 0 or -ENOMEM.
 */
int model_sync(struct wg_device *file, const struct wg_device *runtime);

#endif
