// SPDX-License-Identifier: MIT
/*
 * `sync`: the peers a config names (its own and its shared lists') applied to the running
 * interface with syncconf semantics, but minimally: peers the interface already has exactly as
 * asked are not sent at all, so a timer may run it every few minutes without touching sessions
 * or roamed endpoints. The interface's own keys, port and fwmark are left alone; routes follow
 * the peers' allowed IPs by difference, as in `reload`.
 */
#include <errno.h>
#include <stdio.h>

#include "backend/backend.h"
#include "model/syncconf.h"
#include "orch/orch_impl.h"

static int sync_request(struct orch *o, const struct wg_device *old, struct model_syncconf_counts *counts)
{
	struct wg_device *want = o->dev;
	int ret;

	if ((ret = orch_resolve_endpoints(o)) < 0 || (ret = model_syncconf(want, old)) < 0)
		return ret;
	want->flags &= WGDEVICE_REPLACE_PEERS;
	/* REPLACE_PEERS stays only when the interface has no peers, or the config wants none. */
	if (!(want->flags & WGDEVICE_REPLACE_PEERS))
		model_syncconf_prune(want, old, counts);
	else {
		counts->added = model_peer_count(want);
		counts->removed = model_peer_count(old);
		counts->updated = counts->unchanged = 0;
		if (!counts->removed)
			want->flags &= ~WGDEVICE_REPLACE_PEERS;
	}
	return 0;
}

int orch_sync(const struct wg_config *conf, const char *ifname, const char *path, const struct orch_opts *opts,
	      struct orch_report *report)
{
	struct model_syncconf_counts counts = { 0 };
	const char *step = "reading the interface";
	struct wg_device *old = NULL;
	struct orch o;
	int ret;

	if ((ret = orch_begin(&o, conf, ifname, path, opts, report)) < 0)
		return orch_end(&o, ret);
	if (!orch_is_wireguard(ifname))
		return orch_end(&o, orch_failed(&o, -ENODEV, 0, "`%s' is not a WireGuard interface", ifname));
	if ((ret = backend_get(ifname, &old)) < 0)
		goto out;
	step = "updating peers";
	if ((ret = sync_request(&o, old, &counts)) < 0)
		goto out;
	printf("%s: %zu added, %zu updated, %zu removed, %zu unchanged\n", ifname, counts.added, counts.updated,
	       counts.removed, counts.unchanged);
	if (opts->dry_run || !(counts.added + counts.updated + counts.removed))
		goto out;
	orch_say(&o, "wg syncconf %s /dev/fd/63", ifname);
	if ((ret = backend_set(ifname, o.dev)) < 0)
		goto out;
	step = "updating routes";
	ret = orch_routes_follow(&o, old);
out:
	if (ret < 0)
		ret = orch_fail(&o, step, ret);
	model_device_free(old);
	return orch_end(&o, ret);
}
