// SPDX-License-Identifier: MIT
/*
 * `reload`: a changed file applied to a running interface without taking it down. Peers change
 * with syncconf semantics (unchanged peers keep their sessions); addresses, an explicit MTU, DNS
 * and routes change by difference (DNS on either backend, lib/orch/dns.c). DNS the host cannot
 * apply stops it before anything changes. Nothing is undone on failure: each step stands on its
 * own, as separate `wg`/`ip` commands would, and the message names the step that failed.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "backend/backend.h"
#include "model/syncconf.h"
#include "orch/orch_impl.h"
#include "util/mem.h"

static bool wanted(const struct wg_config *conf, const struct orch_rtnl_prefix *p)
{
	const struct wg_allowedip *a;

	for (a = conf->addresses.first_allowedip; a; a = a->next_allowedip) {
		if (a->family == p->family && a->cidr == p->len &&
		    !memcmp(&a->ip6, &p->addr, p->family == AF_INET ? 4 : 16))
			return true;
	}
	return false;
}

static int reload_addresses(struct orch *o)
{
	static const int families[] = { AF_INET, AF_INET6 };
	struct orch_rtnl_prefix have[256], p;
	const struct wg_allowedip *a;
	char text[64];
	int n, ret;
	bool found;

	for (size_t f = 0; f < 2; ++f) {
		n = orch_rtnl_addr_list(o->rtnl, o->ifname, families[f], have, 256);
		if (n < 0)
			return n;
		for (int i = 0; i < n; ++i) {
			/* Link-local addresses are the kernel's, not the file's. */
			if (have[i].family == AF_INET6 && have[i].addr.ip6.s6_addr[0] == 0xfe &&
			    (have[i].addr.ip6.s6_addr[1] & 0xc0) == 0x80)
				continue;
			if (wanted(o->conf, &have[i]))
				continue;
			orch_prefix_text(text, sizeof(text), &have[i]);
			orch_say(o, "ip %s address delete %s dev %s", f ? "-6" : "-4", text,
				 o->ifname);
			if (!o->opts->dry_run &&
			    (ret = orch_rtnl_addr_del(o->rtnl, o->ifname, &have[i])) < 0)
				return ret;
		}
		for (a = o->conf->addresses.first_allowedip; a; a = a->next_allowedip) {
			if (a->family != families[f])
				continue;
			p.family = a->family;
			memcpy(&p.addr, &a->ip6, a->family == AF_INET ? 4 : 16);
			p.len = a->cidr;
			found = false;
			for (int i = 0; i < n && !found; ++i)
				found = have[i].len == p.len &&
					!memcmp(&have[i].addr, &p.addr, f ? 16 : 4);
			orch_prefix_text(text, sizeof(text), &p);
			if (found || !orch_family_enabled(o, p.family, text))
				continue;
			orch_say(o, "ip %s address add %s dev %s", f ? "-6" : "-4", text,
				 o->ifname);
			if (!o->opts->dry_run &&
			    (ret = orch_rtnl_addr_add(o->rtnl, o->ifname, &p)) < 0)
				return ret;
		}
	}
	return 0;
}

static int reload_mtu(struct orch *o)
{
	unsigned int mtu;
	int ret;

	if (!(o->conf->flags & WGCONF_HAS_MTU))
		return 0;
	if ((ret = orch_rtnl_link_mtu(o->rtnl, o->ifname, &mtu)) < 0 || mtu == o->conf->mtu)
		return ret;
	orch_say(o, "ip link set mtu %u up dev %s", o->conf->mtu, o->ifname);
	return o->opts->dry_run ? 0 : orch_rtnl_link_set_mtu_up(o->rtnl, o->ifname, o->conf->mtu);
}

static int reload_peers(struct orch *o)
{
	const struct wg_device *old = o->old;
	int ret;

	orch_say(o, "wg syncconf %s /dev/fd/63", o->ifname);
	if (o->opts->dry_run)
		return 0;
	ret = orch_resolve_endpoints(o);
	/* The table fwmark up chose is runtime state the file does not carry: keep it. */
	if (ret == 0 && !(o->dev->flags & WGDEVICE_HAS_FWMARK) && old->fwmark) {
		o->dev->fwmark = old->fwmark;
		o->dev->flags |= WGDEVICE_HAS_FWMARK;
	}
	if (ret == 0)
		ret = model_syncconf(o->dev, old);
	return ret < 0 ? ret : backend_set(o->ifname, o->dev);
}

static int reload_routes(struct orch *o)
{
	return o->opts->dry_run ? 0 : orch_routes_follow(o);
}

static const struct orch_step reload_steps[] = {
	{ "reading the interface", orch_read_old }, { "updating peers", reload_peers },
	{ "updating addresses", reload_addresses }, { "setting the MTU", reload_mtu },
	{ "updating DNS", orch_dns_reload },        { "updating routes", reload_routes },
};

int orch_reload(const struct wg_config *conf, const char *ifname, const char *path,
		const struct orch_opts *opts, struct orch_report *report)
{
	struct orch o;
	int ret;

	if ((ret = orch_begin(&o, conf, ifname, path, opts, report)) == 0 &&
	    (ret = orch_dns_check(&o)) == 0)
		ret = orch_steps(&o, reload_steps, ARRAY_SIZE(reload_steps));
	return orch_end(&o, ret);
}
