// SPDX-License-Identifier: MIT
/*
 * `DNS =` for up, down, reload and save: through resolvconf(8) as wg-quick uses it, its record,
 * input and `[#]` lines byte for byte.
 */
#include <stdio.h>

#include "orch/orch_impl.h"
#include "orch/resolvconf.h"

static void resolvconf_undo(struct orch *o, const void *arg)
{
	char rec[64];

	(void)arg;
	resolvconf_record(rec, sizeof(rec), o->ifname);
	orch_say(o, "resolvconf -d %s -f", rec);
	if (!o->opts->dry_run)
		(void)resolvconf_del(o->ifname);
}

int orch_dns_up(struct orch *o)
{
	char rec[64];
	int ret;

	if (!o->conf->dns.n)
		return 0;
	resolvconf_record(rec, sizeof(rec), o->ifname);
	orch_say(o, "resolvconf -a %s -m 0 -x", rec);
	if (o->opts->dry_run)
		return 0;
	ret = resolvconf_add(o->ifname, &o->conf->dns, &o->conf->dns_search);
	if (ret == 0 && (ret = undo_push(&o->undo, resolvconf_undo, NULL, 0)) < 0)
		(void)resolvconf_del(o->ifname);
	return ret;
}

void orch_dns_down(struct orch *o, bool present)
{
	struct strlist servers = { 0 };
	bool left;

	if (!o->conf->dns.n)
		return;
	/* Without the interface, only a record that is really still there is worth a command. */
	left = present || (resolvconf_servers(o->ifname, &servers) == 0 && servers.n);
	strlist_free(&servers);
	if (left)
		resolvconf_undo(o, NULL);
}

int orch_dns_reload(struct orch *o)
{
	struct strlist servers = { 0 };
	char rec[64];
	int ret = 0;

	resolvconf_record(rec, sizeof(rec), o->ifname);
	if (o->conf->dns.n) {
		orch_say(o, "resolvconf -a %s -m 0 -x", rec);
		if (!o->opts->dry_run)
			ret = resolvconf_add(o->ifname, &o->conf->dns, &o->conf->dns_search);
	} else if (resolvconf_servers(o->ifname, &servers) == 0 && servers.n) {
		orch_say(o, "resolvconf -d %s -f", rec);
		if (!o->opts->dry_run)
			ret = resolvconf_del(o->ifname);
	}
	strlist_free(&servers);
	return ret;
}

int orch_dns_saved(struct orch *o, struct strlist *out)
{
	return resolvconf_servers(o->ifname, out);
}
