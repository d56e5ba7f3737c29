// SPDX-License-Identifier: MIT
/*
 * `up`, in wg-quick's order (up_steps): link, PreUp, addconf, addresses, MTU and up, DNS,
 * routes, relay sysctls, PostUp. Each step that changes something outside the link pushes its
 * undo; when one fails, the undo log runs backwards and the host is as it was. DNS this host
 * cannot apply (no backend, or a ~domain and only resolvconf) stops it before the first step.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "backend/backend.h"
#include "orch/orch_impl.h"
#include "util/mem.h"

static int step_config(struct orch *o)
{
	int ret;

	orch_say(o, "wg addconf %s /dev/fd/63", o->ifname);
	if (o->opts->dry_run)
		return 0;
	ret = orch_resolve_endpoints(o);
	return ret < 0 ? ret : backend_set(o->ifname, o->dev);
}

static int step_addresses(struct orch *o)
{
	const struct wg_allowedip *a;
	struct orch_rtnl_prefix p;
	char text[64];
	int ret;

	for (a = o->conf->addresses.first_allowedip; a; a = a->next_allowedip) {
		p.family = a->family;
		memcpy(&p.addr, &a->ip6, a->family == AF_INET ? 4 : 16);
		p.len = a->cidr;
		orch_prefix_text(text, sizeof(text), &p);
		if (!orch_family_enabled(o, p.family, text))
			continue;
		orch_say(o, "ip %s address add %s dev %s", p.family == AF_INET ? "-4" : "-6", text,
			 o->ifname);
		if (!o->opts->dry_run && (ret = orch_rtnl_addr_add(o->rtnl, o->ifname, &p)) < 0)
			return ret;
	}
	return 0;
}

/*
 * The running device, for the MTU and route steps (endpoints resolved, fwmark as set); a dry
 * run has none and plans with its own.
 */
static int step_read(struct orch *o)
{
	o->running_owned = !o->opts->dry_run;
	if (o->opts->dry_run) {
		o->running = o->dev;
		return 0;
	}
	return backend_get(o->ifname, &o->running);
}

/* Deleting the link, pushed first, takes the addresses, routes and the daemon with it. */
static int step_link(struct orch *o)
{
	int ret = orch_link_create(o);

	if (ret == 0 && (ret = undo_push(&o->undo, orch_link_undo, NULL, 0)) < 0)
		orch_link_undo(o, NULL);
	/* Moved where its namespace is; its undo then deletes it there. */
	if (ret == 0)
		ret = orch_netns_move(o);
	return ret;
}

static int step_pre_up(struct orch *o)
{
	return orch_hooks(o, WG_HOOK_PRE_UP);
}

static int step_mtu(struct orch *o)
{
	unsigned int mtu = 0;
	int ret;

	if ((ret = orch_mtu(o, o->running, &mtu)) < 0)
		return ret;
	orch_say(o, "ip link set mtu %u up dev %s", mtu, o->ifname);
	return o->opts->dry_run ? 0 : orch_rtnl_link_set_mtu_up(o->rtnl, o->ifname, mtu);
}

static int step_routes(struct orch *o)
{
	return orch_routes_up(o, o->running);
}

static int step_post_up(struct orch *o)
{
	return orch_hooks(o, WG_HOOK_POST_UP);
}

/* wg-quick's cmd_up, in its order. */
static const struct orch_step up_steps[] = {
	{ "installing the kill switch", orch_killswitch_up },
	{ "creating the network namespace", orch_netns_create },
	{ "creating the link", step_link },
	{ "PreUp", step_pre_up },
	{ "configuring the interface", step_config },
	{ "adding addresses", step_addresses },
	{ "reading the interface", step_read },
	{ "setting the MTU", step_mtu },
	{ "setting DNS", orch_dns_up },
	{ "adding routes", step_routes },
	{ "enabling forwarding", orch_relay_up },
	{ "PostUp", step_post_up },
	{ "recording the network namespace", orch_netns_record },
};

int orch_up(const struct wg_config *conf, const char *ifname, const char *path,
	    const struct orch_opts *opts, struct orch_report *report)
{
	struct orch o;
	int ret;

	if ((ret = orch_begin_up(&o, conf, ifname, path, opts, report)) < 0)
		return orch_end(&o, ret);
	/* In a namespace the link is not here: a daemon's socket still tells that it runs. */
	if (orch_rtnl_link_index(o.rtnl, ifname) >= 0 || (o.netns && orch_is_wireguard(ifname)))
		return orch_end(&o, orch_failed(&o, -EEXIST, 0, "`%s' already exists", ifname));
	if ((ret = orch_dns_check(&o)) < 0)
		return orch_end(&o, ret);
	ret = orch_steps(&o, up_steps, ARRAY_SIZE(up_steps));
	if (ret < 0) {
		undo_run(&o.undo, &o);
		if (!opts->dry_run)
			orch_relay_forget(ifname);
	}
	return orch_end(&o, ret);
}
