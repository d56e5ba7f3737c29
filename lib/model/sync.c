// SPDX-License-Identifier: MIT
#include <errno.h>
#include <string.h>

#include "model/config.h"
#include "model/encoding.h"
#include "model/sync.h"

int model_sync(struct wg_device *file, const struct wg_device *runtime)
{
	const struct wg_peer *rp;
	struct wg_peer *fp;

	config_mark_setconf(file);
	if (!file->first_peer || !runtime->first_peer)
		return 0;
	file->flags &= ~WGDEVICE_REPLACE_PEERS;
	for_each_wgpeer(runtime, rp) {
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
		if (!(fp->flags & WGPEER_HAS_PERSISTENT_KEEPALIVE_INTERVAL) && rp->persistent_keepalive_interval) {
			fp->persistent_keepalive_interval = 0;
			fp->flags |= WGPEER_HAS_PERSISTENT_KEEPALIVE_INTERVAL;
		}
	}
	return 0;
}
