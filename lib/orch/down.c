// SPDX-License-Identifier: MIT
/*
 * `down`, in wg-quick's order: PreDown, save, the policy rules of the default routes, the link,
 * DNS, firewall, PostDown; then the relay sysctls come back. (systemd-resolved's settings go just
 * before the link: they are the link's, and resolved forgets a link that is gone.) Every step runs
 * even when an earlier one failed, so that a half-broken interface is cleaned up completely; the
 * status says whether all of it went well.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "backend/backend.h"
#include "orch/firewall.h"
#include "orch/orch_impl.h"

static bool has_default_route(const struct wg_device *dev)
{
	const struct wg_allowedip *aip;
	const struct wg_peer *peer;

	for_each_wgpeer (dev, peer) {
		for_each_wgallowedip (peer, aip) {
			if (aip->cidr == 0)
				return true;
		}
	}
	return false;
}

static void remove_rules(struct orch *o)
{
	const char *table = o->conf->table;
	struct wg_device *dev = NULL;

	if (table && strcmp(table, "auto"))
		return;
	if (backend_get(o->ifname, &dev) == 0 && dev->fwmark && has_default_route(dev)) {
		if (o->opts->dry_run)
			orch_say(o, "ip -4|-6 rule delete table %u (while present)", dev->fwmark);
		else
			orch_rules_down(o, dev->fwmark);
	}
	model_device_free(dev);
}

/* Keeps the first failure: down goes on after one, and reports each. */
static void keep(int *first, int ret)
{
	if (ret < 0 && !*first)
		*first = ret;
}

int orch_down(const struct wg_config *conf, const char *ifname, const char *path,
	      const struct orch_opts *opts, struct orch_report *report)
{
	int first = 0, ret;
	struct orch o;
	bool present;

	if ((ret = orch_begin(&o, conf, ifname, path, opts, report)) < 0)
		return orch_end(&o, ret);
	present = orch_is_wireguard(ifname);
	if (!present)
		keep(&first,
		     orch_failed(&o, -ENODEV, 0, "`%s' is not a WireGuard interface", ifname));
	if (present)
		keep(&first, orch_hooks(&o, WG_HOOK_PRE_DOWN));
	if (present && conf->save_config)
		keep(&first, orch_save_run(&o));
	if (present) {
		remove_rules(&o);
		orch_dns_down(&o, present, false);
		orch_link_undo(&o, NULL);
	}
	orch_dns_down(&o, present, true);
	if (!opts->dry_run)
		firewall_remove(ifname);
	orch_killswitch_down(&o);
	orch_relay_down(&o);
	if (present)
		keep(&first, orch_hooks(&o, WG_HOOK_POST_DOWN));
	orch_netns_down(&o);
	return orch_end(&o, first);
}
