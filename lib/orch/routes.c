// SPDX-License-Identifier: MIT
/*
 * Routes for every allowed IP, longest prefix first. With Table = auto a default route goes to
 * its own table, chosen with the fwmark that WireGuard's own UDP carries, behind two policy rules
 * (everything not so marked uses that table; main's non-default routes still win), plus the
 * firewall rules and the src_valid_mark sysctl that make replies pass rp_filter.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/backend.h"
#include "orch/firewall.h"
#include "orch/orch_impl.h"
#include "orch/sysctl.h"

#define FWMARK_TABLE_FIRST 51820

struct rule_undo {
	int family;
	enum orch_rtnl_rule_kind kind;
	uint32_t table;
};

struct sysctl_undo {
	char name[64];
	char value[16];
};

static const char *fam_flag(int family)
{
	return family == AF_INET6 ? "-6" : "-4";
}

static int lookup_table_file(const char *path, const char *name, uint32_t *table)
{
	char line[256], word[128];
	unsigned long n;
	FILE *f = fopen(path, "r");
	int ret = -ENOENT;

	if (!f)
		return -ENOENT;
	while (ret && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lu %127s", &n, word) == 2 && !strcmp(word, name) &&
		    n <= UINT32_MAX) {
			*table = (uint32_t)n;
			ret = 0;
		}
	}
	fclose(f);
	return ret;
}

int orch_table_number(const char *name, uint32_t *table)
{
	char *end;
	unsigned long n;

	if (isdigit((unsigned char)name[0])) {
		n = strtoul(name, &end, 10);
		if (*end || n > UINT32_MAX)
			return -EINVAL;
		*table = (uint32_t)n;
		return 0;
	}
	if (lookup_table_file("/etc/iproute2/rt_tables", name, table) == 0 ||
	    lookup_table_file("/usr/share/iproute2/rt_tables", name, table) == 0)
		return 0;
	if (!strcmp(name, "main"))
		*table = 254;
	else if (!strcmp(name, "local"))
		*table = 255;
	else if (!strcmp(name, "default"))
		*table = 253;
	else
		return -EINVAL;
	return 0;
}

static void rule_undo(struct orch *o, const void *arg)
{
	const struct rule_undo *u = arg;

	if (u->kind == ORCH_RTNL_RULE_NOT_FWMARK)
		orch_say(o, "ip %s rule delete table %u", fam_flag(u->family), u->table);
	else
		orch_say(o, "ip %s rule delete table main suppress_prefixlength 0",
			 fam_flag(u->family));
	if (!o->opts->dry_run)
		(void)orch_rtnl_rule_del(o->rtnl, u->family, u->kind, u->table);
}

static void firewall_undo(struct orch *o, const void *arg)
{
	(void)arg;
	if (!o->opts->dry_run)
		firewall_remove(o->ifname);
}

static void sysctl_undo(struct orch *o, const void *arg)
{
	const struct sysctl_undo *u = arg;

	orch_say(o, "sysctl -q %s=%s", u->name, u->value);
	if (!o->opts->dry_run)
		(void)sysctl_write(u->name, u->value);
}

static int add_rule(struct orch *o, int family, enum orch_rtnl_rule_kind kind)
{
	struct rule_undo u = { family, kind, o->table };
	int ret;

	if (kind == ORCH_RTNL_RULE_NOT_FWMARK)
		orch_say(o, "ip %s rule add not fwmark %u table %u", fam_flag(family), o->table,
			 o->table);
	else
		orch_say(o, "ip %s rule add table main suppress_prefixlength 0", fam_flag(family));
	if (o->opts->dry_run)
		return 0;
	ret = orch_rtnl_rule_add(o->rtnl, family, kind, o->table);
	if (ret == 0 && (ret = undo_push(&o->undo, rule_undo, &u, sizeof(u))) < 0)
		(void)orch_rtnl_rule_del(o->rtnl, family, kind, o->table);
	return ret;
}

int orch_free_table(struct orch *o, uint32_t *table)
{
	bool used4, used6;
	int ret;

	for (*table = FWMARK_TABLE_FIRST;; ++*table) {
		if ((ret = orch_rtnl_table_in_use(o->rtnl, AF_INET, *table, &used4)) < 0 ||
		    (ret = orch_rtnl_table_in_use(o->rtnl, AF_INET6, *table, &used6)) < 0)
			return ret;
		if (!used4 && !used6)
			return 0;
	}
}

/* The fwmark already set (FwMark in the file), or the first table free in both families. */
static int choose_table(struct orch *o, const struct wg_device *running)
{
	struct wg_device delta = { 0 };
	int ret;

	if (o->table)
		return 0;
	if (running->fwmark) {
		o->table = running->fwmark;
		return 0;
	}
	if ((ret = orch_free_table(o, &o->table)) < 0)
		return ret;
	orch_say(o, "wg set %s fwmark %u", o->ifname, o->table);
	if (o->opts->dry_run)
		return 0;
	delta.flags = WGDEVICE_HAS_FWMARK;
	delta.fwmark = o->table;
	return backend_set(o->ifname, &delta);
}

static int src_valid_mark(struct orch *o)
{
	struct sysctl_undo u = { "net.ipv4.conf.all.src_valid_mark", "" };
	int ret;

	if (sysctl_read(u.name, u.value, sizeof(u.value)) == 0 && !strcmp(u.value, "1"))
		return 0;
	orch_say(o, "sysctl -q %s=1", u.name);
	if (o->opts->dry_run)
		return 0;
	ret = sysctl_write(u.name, "1");
	if (ret == 0 && u.value[0])
		ret = undo_push(&o->undo, sysctl_undo, &u, sizeof(u));
	return ret;
}

static int add_firewall(struct orch *o, int family)
{
	struct orch_rtnl_prefix addrs[64];
	char text[4096];
	int n = 0, ret;

	if (!o->opts->dry_run &&
	    (n = orch_rtnl_addr_list(o->rtnl, o->ifname, family, addrs, 64)) < 0)
		return n;
	firewall_describe(text, sizeof(text), o->ifname, family);
	orch_say(o, "%s", text);
	if (o->opts->dry_run)
		return 0;
	ret = firewall_add(o->ifname, family, o->table, addrs, n);
	if (ret == 0 && (ret = undo_push(&o->undo, firewall_undo, NULL, 0)) < 0)
		firewall_remove(o->ifname);
	return ret;
}

static int add_route(struct orch *o, const struct orch_rtnl_prefix *p, uint32_t table)
{
	char text[64];

	orch_prefix_text(text, sizeof(text), p);
	if (table && table != o->table)
		orch_say(o, "ip %s route add %s dev %s table %s", fam_flag(p->family), text,
			 o->ifname, o->conf->table);
	else if (table)
		orch_say(o, "ip %s route add %s dev %s table %u", fam_flag(p->family), text,
			 o->ifname, table);
	else
		orch_say(o, "ip %s route add %s dev %s", fam_flag(p->family), text, o->ifname);
	return o->opts->dry_run ? 0 : orch_rtnl_route_add(o->rtnl, o->ifname, p, table);
}

static int add_default(struct orch *o, const struct wg_device *running,
		       const struct orch_rtnl_prefix *p)
{
	int ret;

	if ((ret = choose_table(o, running)) < 0 ||
	    (ret = add_rule(o, p->family, ORCH_RTNL_RULE_NOT_FWMARK)) < 0 ||
	    (ret = add_rule(o, p->family, ORCH_RTNL_RULE_SUPPRESS_DEFAULT)) < 0 ||
	    (ret = add_route(o, p, o->table)) < 0)
		return ret;
	if (p->family == AF_INET && (ret = src_valid_mark(o)) < 0)
		return ret;
	return add_firewall(o, p->family);
}

/*
 * wg-quick's order, `sort -nr -k 2 -t /` in the C locale: longest prefix first, and equal
 * lengths by sort's last resort, the whole text compared bytewise, reversed (so ::/0 comes
 * before 0.0.0.0/0).
 */
static int by_length_desc(const void *a, const void *b)
{
	const struct orch_rtnl_prefix *x = a, *y = b;
	char tx[64], ty[64];

	if (x->len != y->len)
		return (int)y->len - (int)x->len;
	orch_prefix_text(tx, sizeof(tx), x);
	orch_prefix_text(ty, sizeof(ty), y);
	return strcmp(ty, tx);
}

static bool has_prefix(const struct wg_device *dev, const struct orch_rtnl_prefix *p)
{
	const struct wg_allowedip *aip;
	const struct wg_peer *peer;

	if (!dev)
		return false;
	for_each_wgpeer (dev, peer) {
		for_each_wgallowedip (peer, aip) {
			if (aip->family == p->family && aip->cidr == p->len &&
			    !memcmp(&aip->ip6, &p->addr, p->family == AF_INET ? 4 : 16))
				return true;
		}
	}
	return false;
}

static int route_table(struct orch *o, uint32_t *table)
{
	const char *name = o->conf->table;

	*table = 0;
	if (name && !strcmp(name, "off"))
		return 1;
	if (name && strcmp(name, "auto"))
		return orch_table_number(name, table);
	return 0;
}

int orch_routes_up(struct orch *o, const struct wg_device *running)
{
	return orch_routes_add(o, running, NULL);
}

/* Routes of `old` that `now` no longer has: deleted, with the default-route rules when the last
 * goes. */
void orch_routes_remove(struct orch *o, const struct wg_device *old, const struct wg_device *now)
{
	const struct wg_allowedip *aip;
	const struct wg_peer *peer;
	struct orch_rtnl_prefix p;
	bool defaults_gone = false;
	uint32_t table;
	char text[64];

	if (route_table(o, &table))
		return;
	for_each_wgpeer (old, peer) {
		for_each_wgallowedip (peer, aip) {
			p.family = aip->family;
			memcpy(&p.addr, &aip->ip6, aip->family == AF_INET ? 4 : 16);
			p.len = aip->cidr;
			if (has_prefix(now, &p))
				continue;
			orch_prefix_text(text, sizeof(text), &p);
			if (!table && !p.len && !o->netns) {
				defaults_gone = true;
				orch_say(o, "ip %s route delete %s dev %s table %u",
					 fam_flag(p.family), text, o->ifname, old->fwmark);
				if (!o->opts->dry_run)
					(void)orch_rtnl_route_del(o->rtnl, o->ifname, &p,
								  old->fwmark);
				continue;
			}
			if (table)
				orch_say(o, "ip %s route delete %s dev %s table %u",
					 fam_flag(p.family), text, o->ifname, table);
			else
				orch_say(o, "ip %s route delete %s dev %s", fam_flag(p.family),
					 text, o->ifname);
			if (!o->opts->dry_run)
				(void)orch_rtnl_route_del(o->rtnl, o->ifname, &p, table);
		}
	}
	if (defaults_gone && old->fwmark) {
		struct orch_rtnl_prefix v4 = { .family = AF_INET }, v6 = { .family = AF_INET6 };

		if (!has_prefix(now, &v4) && !has_prefix(now, &v6)) {
			if (!o->opts->dry_run)
				orch_rules_down(o, old->fwmark);
			if (!o->opts->dry_run)
				firewall_remove(o->ifname);
		}
	}
}

int orch_routes_add(struct orch *o, const struct wg_device *running,
		    const struct wg_device *already)
{
	struct orch_rtnl_prefix *all = NULL;
	const struct wg_allowedip *aip;
	const struct wg_peer *peer;
	uint32_t table = 0;
	size_t n = 0, cap = 0;
	bool covered;
	char text[64];
	int ret = 0;

	if ((ret = route_table(o, &table)) != 0)
		return ret < 0 ? ret : 0;
	for_each_wgpeer (running, peer) {
		for_each_wgallowedip (peer, aip) {
			if (n == cap) {
				struct orch_rtnl_prefix *bigger =
					realloc(all, (cap = cap ? cap * 2 : 64) * sizeof(*all));

				if (!bigger) {
					free(all);
					return -ENOMEM;
				}
				all = bigger;
			}
			all[n].family = aip->family;
			memcpy(&all[n].addr, &aip->ip6, aip->family == AF_INET ? 4 : 16);
			all[n].len = aip->cidr;
			n += !has_prefix(already, &all[n]);
		}
	}
	if (n)
		qsort(all, n, sizeof(*all), by_length_desc);
	for (size_t i = 0; i < n && ret == 0; ++i) {
		orch_prefix_text(text, sizeof(text), &all[i]);
		if (!orch_family_enabled(o, all[i].family, text))
			continue;
		if (table)
			ret = add_route(o, &all[i], table);
		/* In a namespace the tunnel is the only way out: no rules, no other route. */
		else if (all[i].len == 0 && !o->netns)
			ret = add_default(o, running, &all[i]);
		else if (all[i].len == 0)
			ret = add_route(o, &all[i], 0);
		else if (o->opts->dry_run ||
			 ((ret = orch_rtnl_route_dev_covers(o->rtnl, o->ifname, &all[i],
							    &covered)) == 0 &&
			  !covered))
			ret = add_route(o, &all[i], 0);
	}
	free(all);
	return ret;
}

/* What down does: every rule of the table, and every suppress rule, in both families. */
void orch_rules_down(struct orch *o, uint32_t table)
{
	static const int families[] = { AF_INET, AF_INET6 };

	for (size_t i = 0; i < 2; ++i) {
		while (orch_rtnl_rule_del_table(o->rtnl, families[i], table) == 0)
			orch_say(o, "ip %s rule delete table %u", fam_flag(families[i]), table);
		while (orch_rtnl_rule_del(o->rtnl, families[i], ORCH_RTNL_RULE_SUPPRESS_DEFAULT,
					  0) == 0)
			orch_say(o, "ip %s rule delete table main suppress_prefixlength 0",
				 fam_flag(families[i]));
	}
}

int orch_routes_follow(struct orch *o)
{
	struct wg_device *now = NULL;
	int ret;

	if ((ret = backend_get(o->ifname, &now)) < 0)
		return ret;
	orch_routes_remove(o, o->old, now);
	ret = orch_routes_add(o, now, o->old);
	/* Each route stands on its own here, as separate `ip` commands would: nothing to undo. */
	undo_clear(&o->undo);
	model_device_free(now);
	return ret;
}
