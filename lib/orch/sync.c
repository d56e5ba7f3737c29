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
#include "util/mem.h"

/* The request, narrowed to what differs; the counts go to stdout. Sent only if there is any. */
static int sync_peers(struct orch *o)
{
	struct model_syncconf_counts counts = { 0 };
	const struct wg_device *old = o->old;
	struct wg_device *want = o->dev;
	int ret;

	if ((ret = orch_resolve_endpoints(o)) < 0 || (ret = model_syncconf(want, old)) < 0)
		return ret;
	want->flags &= WGDEVICE_REPLACE_PEERS;
	/* REPLACE_PEERS stays only when the interface has no peers, or the config wants none. */
	if (!(want->flags & WGDEVICE_REPLACE_PEERS))
		model_syncconf_prune(want, old, &counts);
	else {
		counts.added = model_peer_count(want);
		counts.removed = model_peer_count(old);
		if (!counts.removed)
			want->flags &= ~WGDEVICE_REPLACE_PEERS;
	}
	printf("%s: %zu added, %zu updated, %zu removed, %zu unchanged\n", o->ifname, counts.added,
	       counts.updated, counts.removed, counts.unchanged);
	o->changed = counts.added + counts.updated + counts.removed > 0;
	if (o->opts->dry_run || !o->changed)
		return 0;
	orch_say(o, "wg syncconf %s /dev/fd/63", o->ifname);
	return backend_set(o->ifname, want);
}

static int sync_routes(struct orch *o)
{
	return o->opts->dry_run || !o->changed ? 0 : orch_routes_follow(o);
}

static const struct orch_step sync_steps[] = {
	{ "reading the interface", orch_read_old },
	{ "updating peers", sync_peers },
	{ "updating routes", sync_routes },
};

int orch_sync(const struct wg_config *conf, const char *ifname, const char *path,
	      const struct orch_opts *opts, struct orch_report *report)
{
	struct orch o;
	int ret;

	if ((ret = orch_begin(&o, conf, ifname, path, opts, report)) < 0)
		return orch_end(&o, ret);
	if (!orch_is_wireguard(ifname))
		return orch_end(&o, orch_failed(&o, -ENODEV, 0, "`%s' is not a WireGuard interface",
						ifname));
	ret = orch_steps(&o, sync_steps, ARRAY_SIZE(sync_steps));
	return orch_end(&o, ret);
}
