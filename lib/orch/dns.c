// SPDX-License-Identifier: MIT
/*
 * `DNS =` for up, down, reload and save, on one of two backends chosen once per run, at its
 * first use:
 *   - systemd-resolved, when it owns org.freedesktop.resolve1 on the system bus: running now,
 *     not merely installed (its runtime directory outlives it, and a bus name that can only be
 *     activated is not owned). Settings are per link: the servers; each name as a search
 *     domain, as wg-quick makes it, and `~name` as a routing-only domain (its queries go to this
 *     link's servers only); for a full tunnel also `~.` and the link as DNS default route, so no
 *     query leaves by another link; LLMNR and mDNS off on the link, whose datapath may be a TUN
 *     that says it can multicast. Each call is printed as the resolvectl command that makes it,
 *     and RevertLink (`resolvectl revert`) takes them all back.
 *   - resolvconf(8) otherwise: wg-quick's record, input and `[#]` lines, byte for byte.
 * DNS servers with no backend, or a `~name` on resolvconf (which would turn it into a search
 * domain), stop up and reload before they change anything; `check` warns of the same.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "orch/orch_impl.h"
#include "orch/resolvconf.h"
#include "orch/resolved.h"
#include "orch/spawn.h"
#include "util/strbuf.h"

static enum orch_dns detect(struct resolved **r)
{
	char path[PATH_MAX];

	if (resolved_open(r) > 0)
		return ORCH_DNS_RESOLVED;
	return spawn_which("resolvconf", path, sizeof(path)) ? ORCH_DNS_RESOLVCONF : ORCH_DNS_NONE;
}

enum orch_dns orch_dns_detect(void)
{
	struct resolved *r = NULL;
	enum orch_dns backend = detect(&r);

	resolved_close(r);
	return backend;
}

/* The run's backend: detected at its first use, kept (with resolved's connection) to the end. */
static enum orch_dns chosen(struct orch *o)
{
	if (!o->dns_known) {
		o->dns = detect(&o->resolved);
		o->dns_known = true;
	}
	return o->dns;
}

/* What the backend cannot do with the config; DNS applies only when there are servers. */
static void problems(const struct wg_config *conf, enum orch_dns backend,
		     enum diag_severity severity, struct diag_list *d)
{
	if (!conf->dns.n)
		return;
	if (backend == ORCH_DNS_NONE)
		diag_add(d, severity, conf->dns.lineno[0],
			 "DNS servers are set, but this host has no DNS backend: systemd-resolved "
			 "is not running and resolvconf is not installed");
	if (backend != ORCH_DNS_RESOLVCONF)
		return;
	for (size_t i = 0; i < conf->dns_search.n; ++i) {
		if (conf->dns_search.v[i][0] == '~')
			diag_add(d, severity, conf->dns_search.lineno[i],
				 "`%s' is a routing-only domain, which needs systemd-resolved: "
				 "resolvconf can only make it a search domain",
				 conf->dns_search.v[i]);
	}
}

void orch_dns_lint(const struct wg_config *conf, enum orch_dns backend, struct diag_list *d)
{
	problems(conf, backend, DIAG_WARNING, d);
}

int orch_dns_check(struct orch *o)
{
	struct diag_list d;
	int ret = 0;

	if (!o->conf->dns.n || o->netns)
		return 0;
	diag_init(&d, NULL);
	problems(o->conf, chosen(o), DIAG_ERROR, &d);
	for (size_t i = 0; i < d.count; ++i)
		ret = orch_failed(o, -EINVAL, d.items[i].line, "%s", d.items[i].message);
	diag_free(&d);
	return ret;
}

/* resolvconf: wg-quick's set_dns, unset_dns, and save's `resolvconf -l`. */

static void resolvconf_undo(struct orch *o, const void *arg)
{
	char rec[64];

	(void)arg;
	resolvconf_record(rec, sizeof(rec), o->ifname);
	orch_say(o, "resolvconf -d %s -f", rec);
	if (!o->opts->dry_run)
		(void)resolvconf_del(o->ifname);
}

static int resolvconf_up(struct orch *o)
{
	char rec[64];
	int ret;

	resolvconf_record(rec, sizeof(rec), o->ifname);
	orch_say(o, "resolvconf -a %s -m 0 -x", rec);
	if (o->opts->dry_run)
		return 0;
	ret = resolvconf_add(o->ifname, &o->conf->dns, &o->conf->dns_search);
	if (ret == 0 && (ret = undo_push(&o->undo, resolvconf_undo, NULL, 0)) < 0)
		(void)resolvconf_del(o->ifname);
	return ret;
}

static void resolvconf_down(struct orch *o, bool present)
{
	struct strlist servers = { 0 };
	bool left;

	/* Without the interface, only a record that is really still there is worth a command. */
	left = present || (resolvconf_servers(o->ifname, &servers) == 0 && servers.n);
	strlist_free(&servers);
	if (left)
		resolvconf_undo(o, NULL);
}

static int resolvconf_reload(struct orch *o)
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

/* systemd-resolved. */

bool orch_dns_full_tunnel(const struct wg_config *conf, const struct wg_device *dev)
{
	const struct wg_allowedip *aip;
	const struct wg_peer *peer;
	uint32_t table;

	/* Another table is policy routing of the user's own: the host's default route stays. */
	if (conf->table && strcmp(conf->table, "auto") &&
	    (orch_table_number(conf->table, &table) < 0 || table != 254))
		return false;
	for_each_wgpeer (dev, peer) {
		for_each_wgallowedip (peer, aip) {
			if (!aip->cidr && !(aip->flags & WGALLOWEDIP_REMOVE_ME))
				return true;
		}
	}
	return false;
}

int orch_dns_plan(const struct wg_config *conf, const struct wg_device *dev,
		  struct orch_dns_plan *p)
{
	bool routing = false, every = false, full = orch_dns_full_tunnel(conf, dev);
	int ret = 0;

	memset(p, 0, sizeof(*p));
	for (size_t i = 0; i < conf->dns.n && !ret; ++i)
		ret = strlist_push(&p->servers, conf->dns.v[i], strlen(conf->dns.v[i]), 0);
	for (size_t i = 0; i < conf->dns_search.n && !ret; ++i) {
		const char *name = conf->dns_search.v[i];

		routing |= name[0] == '~';
		/* resolved reads `~' as the root domain, as `~.'. */
		every |= !strcmp(name, "~.") || !strcmp(name, "~");
		ret = strlist_push(&p->domains, name, strlen(name), 0);
	}
	if (!ret && full && !every)
		ret = strlist_push(&p->domains, "~.", 2, 0);
	/* resolved's own rule for a link without the setting, made explicit so that reload can
	 * compare it, and overridden by a full tunnel. */
	p->default_route = full || !routing;
	if (ret)
		orch_dns_plan_free(p);
	return ret;
}

void orch_dns_plan_free(struct orch_dns_plan *p)
{
	strlist_free(&p->servers);
	strlist_free(&p->domains);
}

/* `resolvectl VERB IF a b c`; an empty list is the one argument '' (which clears it). */
static void say_list(struct orch *o, const char *verb, const struct strlist *l)
{
	struct strbuf sb;

	strbuf_init(&sb);
	for (size_t i = 0; i < l->n; ++i)
		strbuf_printf(&sb, " %s", l->v[i]);
	orch_say(o, "resolvectl %s %s%s", verb, o->ifname, !l->n ? " ''" : sb.buf ? sb.buf : "");
	strbuf_free(&sb);
}

/* resolved keeps servers as addresses: compared as inet_ntop prints them. */
static bool same_servers(const struct strlist *have, const struct strlist *want)
{
	char text[INET6_ADDRSTRLEN];
	struct in6_addr addr;
	int family;

	if (have->n != want->n)
		return false;
	for (size_t i = 0; i < want->n; ++i) {
		family = strchr(want->v[i], ':') ? AF_INET6 : AF_INET;
		if (inet_pton(family, want->v[i], &addr) != 1 ||
		    !inet_ntop(family, &addr, text, sizeof(text)) || strcmp(have->v[i], text))
			return false;
	}
	return true;
}

/* Domain names compare without case and without a trailing dot ("." is the root, as ""). */
static bool same_domain(const char *a, const char *b)
{
	size_t la, lb;

	if ((a[0] == '~') != (b[0] == '~'))
		return false;
	a += a[0] == '~';
	b += b[0] == '~';
	la = strlen(a);
	lb = strlen(b);
	la -= la && a[la - 1] == '.';
	lb -= lb && b[lb - 1] == '.';
	return la == lb && !strncasecmp(a, b, la);
}

static bool same_domains(const struct strlist *have, const struct strlist *want)
{
	if (have->n != want->n)
		return false;
	for (size_t i = 0; i < want->n; ++i) {
		if (!same_domain(have->v[i], want->v[i]))
			return false;
	}
	return true;
}

static int resolved_fail(struct orch *o)
{
	return orch_failed(o, -ECANCELED, 0, "%s: systemd-resolved: %s", o->step ? o->step : "DNS",
			   resolved_error(o->resolved));
}

/* The link as the plan says, with only the calls that change something when `have` is known. */
static int resolved_apply(struct orch *o, const struct orch_dns_plan *p,
			  const struct resolved_link *have)
{
	bool domains = have ? !same_domains(&have->domains, &p->domains) : p->domains.n > 0;
	bool dry = o->opts->dry_run;
	struct resolved *r = o->resolved;
	int ifindex = 0, ret = 0;

	if (!dry && (ifindex = orch_rtnl_link_index(o->rtnl, o->ifname)) < 0)
		return ifindex;
	if (!have || !same_servers(&have->servers, &p->servers)) {
		say_list(o, "dns", &p->servers);
		ret = dry ? 0 : resolved_set_dns(r, ifindex, &p->servers);
	}
	if (ret == 0 && domains) {
		say_list(o, "domain", &p->domains);
		ret = dry ? 0 : resolved_set_domains(r, ifindex, &p->domains);
	}
	/* With new domains too: a link whose setting is resolved's automatic one follows them. */
	if (ret == 0 && (!have || domains || have->default_route != p->default_route)) {
		orch_say(o, "resolvectl default-route %s %s", o->ifname,
			 p->default_route ? "yes" : "no");
		ret = dry ? 0 : resolved_set_default_route(r, ifindex, p->default_route);
	}
	if (ret == 0 && (!have || strcmp(have->llmnr, "no"))) {
		orch_say(o, "resolvectl llmnr %s no", o->ifname);
		ret = dry ? 0 : resolved_set_llmnr(r, ifindex, "no");
	}
	if (ret == 0 && (!have || strcmp(have->mdns, "no"))) {
		orch_say(o, "resolvectl mdns %s no", o->ifname);
		ret = dry ? 0 : resolved_set_mdns(r, ifindex, "no");
	}
	return ret < 0 ? resolved_fail(o) : 0;
}

/* `resolvectl revert IF`: 0 or -errno. A link that is gone took its settings with it. */
static int revert(struct orch *o)
{
	int ifindex = 0;

	if (!o->opts->dry_run && (ifindex = orch_rtnl_link_index(o->rtnl, o->ifname)) < 0)
		return 0;
	orch_say(o, "resolvectl revert %s", o->ifname);
	return o->opts->dry_run ? 0 : resolved_revert(o->resolved, ifindex);
}

static void resolved_undo(struct orch *o, const void *arg)
{
	(void)arg;
	(void)revert(o);
}

int orch_dns_up(struct orch *o)
{
	struct orch_dns_plan p;
	int ret;

	if (!o->conf->dns.n)
		return 0;
	if (o->netns)
		return orch_netns_dns_up(o);
	if (chosen(o) != ORCH_DNS_RESOLVED)
		return resolvconf_up(o);
	if ((ret = orch_dns_plan(o->conf, o->dev, &p)) < 0)
		return ret;
	ret = resolved_apply(o, &p, NULL);
	orch_dns_plan_free(&p);
	if (o->opts->dry_run)
		return ret;
	/* A call that failed may follow others that did not: nothing of them stays. */
	if (ret < 0 || (ret = undo_push(&o->undo, resolved_undo, NULL, 0)) < 0)
		resolved_undo(o, NULL);
	return ret;
}

void orch_dns_down(struct orch *o, bool present, bool link_gone)
{
	if (o->netns) {
		if (link_gone)
			orch_netns_dns_remove(o);
		return;
	}
	if (!o->conf->dns.n)
		return;
	if (chosen(o) == ORCH_DNS_RESOLVED) {
		/* resolved forgets a link that is gone: revert is for a link still there. */
		if (present && !link_gone)
			(void)revert(o);
	} else if (link_gone) {
		resolvconf_down(o, present);
	}
}

int orch_dns_reload(struct orch *o)
{
	struct resolved_link have;
	struct orch_dns_plan p;
	int ifindex, ret;

	if (o->netns) {
		if (!o->conf->dns.n)
			orch_netns_dns_remove(o);
		return o->conf->dns.n ? orch_netns_dns_write(o) : 0;
	}
	if (chosen(o) != ORCH_DNS_RESOLVED)
		return resolvconf_reload(o);
	if ((ifindex = orch_rtnl_link_index(o->rtnl, o->ifname)) < 0)
		return ifindex;
	if (resolved_read(o->resolved, ifindex, &have) < 0)
		return resolved_fail(o);
	if (!o->conf->dns.n)
		ret = (have.servers.n || have.domains.n) && revert(o) < 0 ? resolved_fail(o) : 0;
	else if ((ret = orch_dns_plan(o->conf, o->dev, &p)) == 0) {
		ret = resolved_apply(o, &p, &have);
		orch_dns_plan_free(&p);
	}
	resolved_link_free(&have);
	return ret;
}

int orch_dns_saved(struct orch *o, const struct wg_device *running, struct strlist *out)
{
	struct resolved_link have;
	int ifindex, ret = 0;
	bool full;

	if (o->netns)
		return orch_netns_dns_read(o, out);
	if (chosen(o) != ORCH_DNS_RESOLVED)
		return resolvconf_servers(o->ifname, out);
	if ((ifindex = orch_rtnl_link_index(o->rtnl, o->ifname)) < 0 ||
	    resolved_read(o->resolved, ifindex, &have) < 0)
		return 0;
	/* A full tunnel's `~.' is up's to add, not the file's. */
	full = orch_dns_full_tunnel(o->conf, running);
	for (size_t i = 0; i < have.servers.n && !ret; ++i)
		ret = strlist_push(out, have.servers.v[i], strlen(have.servers.v[i]), 0);
	for (size_t i = 0; i < have.domains.n && !ret; ++i) {
		if (!(full && !strcmp(have.domains.v[i], "~.")))
			ret = strlist_push(out, have.domains.v[i], strlen(have.domains.v[i]), 0);
	}
	resolved_link_free(&have);
	return ret;
}
