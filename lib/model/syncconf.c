// SPDX-License-Identifier: MIT
#include <errno.h>
#include <string.h>

#include "model/config.h"
#include "model/encoding.h"
#include "model/syncconf.h"
#include "util/mem.h"

int model_syncconf(struct wg_device *file, const struct wg_device *runtime)
{
	const struct wg_peer *rp;
	struct wg_peer *fp;

	config_mark_setconf(file);
	if (!file->first_peer || !runtime->first_peer)
		return 0;
	file->flags &= ~WGDEVICE_REPLACE_PEERS;
	for_each_wgpeer (runtime, rp) {
		fp = model_find_peer(file, rp->public_key);
		if (!fp) {
			fp = model_peer_new(file);
			if (!fp)
				return -ENOMEM;
			memcpy(fp->public_key, rp->public_key, WG_KEY_LEN);
			fp->flags = WGPEER_HAS_PUBLIC_KEY | WGPEER_REMOVE_ME;
			continue;
		}
		if (!(fp->flags & WGPEER_HAS_PRESHARED_KEY) && !key_is_zero(rp->preshared_key)) {
			memset(fp->preshared_key, 0, WG_KEY_LEN);
			fp->flags |= WGPEER_HAS_PRESHARED_KEY;
		}
		if (!(fp->flags & WGPEER_HAS_PERSISTENT_KEEPALIVE_INTERVAL) &&
		    rp->persistent_keepalive_interval) {
			fp->persistent_keepalive_interval = 0;
			fp->flags |= WGPEER_HAS_PERSISTENT_KEEPALIVE_INTERVAL;
		}
	}
	return 0;
}

static bool peer_unchanged(const struct wg_peer *want, const struct wg_peer *have)
{
	if (want->flags & (WGPEER_REMOVE_ME | WGPEER_UPDATE_ONLY))
		return false;
	if ((want->flags & WGPEER_HAS_PRESHARED_KEY)
		    ? !ct_memeq(want->preshared_key, have->preshared_key, WG_KEY_LEN)
		    : !key_is_zero(have->preshared_key))
		return false;
	if ((want->flags & WGPEER_HAS_PERSISTENT_KEEPALIVE_INTERVAL)
		    ? want->persistent_keepalive_interval != have->persistent_keepalive_interval
		    : have->persistent_keepalive_interval != 0)
		return false;
	if ((want->flags & WGPEER_HAS_ENDPOINT) &&
	    !model_endpoint_equal(&want->endpoint, &have->endpoint))
		return false;
	return model_allowedips_equal(want, have);
}

void model_syncconf_prune(struct wg_device *request, const struct wg_device *runtime,
			  struct model_syncconf_counts *counts)
{
	struct wg_peer *peer, *next, *prev = NULL;
	const struct wg_peer *have;

	memset(counts, 0, sizeof(*counts));
	for (peer = request->first_peer; peer; peer = next) {
		next = peer->next_peer;
		have = model_find_peer(runtime, peer->public_key);
		if (peer->flags & WGPEER_REMOVE_ME) {
			++counts->removed;
		} else if (!have) {
			++counts->added;
		} else if (!peer_unchanged(peer, have)) {
			++counts->updated;
		} else {
			++counts->unchanged;
			model_peer_remove(request, prev, peer);
			continue;
		}
		prev = peer;
	}
}
