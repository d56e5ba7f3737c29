// SPDX-License-Identifier: MIT
/*
 * `KillSwitch = on | persistent`: an nft table of wgctl's own, `inet wgctl-ks-IF`, whose output
 * and forward chains drop everything but
 *   - loopback, and what leaves by the tunnel interface IF,
 *   - the tunnel's own encrypted UDP, told by its fwmark (up gives the link one if the file
 *     has none: the first routing table free, as for a default route),
 *   - the prefixes of `KillSwitchAllow =` (the LAN, say),
 *   - IPv6 neighbour discovery, when IPv6 is used at all (the tunnel carries it, or an endpoint
 *     or an allowed prefix is IPv6); otherwise IPv6 has only loopback and IF.
 * It is the first thing `up` does, before the link exists, and it replaces a table left by an
 * earlier run in one nft transaction, so there is no instant without it. A failed `up` takes
 * back only a table it added: one that was there stays, closed. `down` removes it unless it is
 * persistent; `wgctl killswitch off IF` removes it in any case.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "model/emit.h"
#include "orch/orch_impl.h"
#include "orch/spawn.h"
#include "util/strbuf.h"

static void table_name(char *buf, size_t len, const char *ifname)
{
	snprintf(buf, len, "inet wgctl-ks-%s", ifname);
}

static int nft(const struct strbuf *script, struct strbuf *out, unsigned int flags)
{
	const char *argv[] = { "nft", "-f", "-", NULL };
	int ret;

	if (script->oom)
		return -ENOMEM;
	ret = spawn_run(argv, NULL, script->buf ? script->buf : "", script->len, out, flags);
	return ret > 0 ? -EIO : ret;
}

static bool present(const char *ifname)
{
	char t[64];
	struct strbuf sb;
	bool found;

	table_name(t, sizeof(t), ifname);
	strbuf_init(&sb);
	strbuf_printf(&sb, "list table %s\n", t);
	found = nft(&sb, NULL, SPAWN_QUIET) == 0;
	strbuf_free(&sb);
	return found;
}

static bool carries_ipv6(const struct wg_config *conf, const struct wg_device *dev)
{
	const struct wg_allowedip *a;
	const struct wg_peer *peer;

	for (a = conf->kill_switch_allow.first_allowedip; a; a = a->next_allowedip) {
		if (a->family == AF_INET6)
			return true;
	}
	for_each_wgpeer (dev, peer) {
		if (peer->endpoint.addr.sa_family == AF_INET6)
			return true;
		for_each_wgallowedip (peer, a) {
			if (a->family == AF_INET6)
				return true;
		}
	}
	return false;
}

static void allow_rules(struct strbuf *sb, const char *t, const char *chain,
			const struct wg_config *conf)
{
	const struct wg_allowedip *a;
	char text[INET6_ADDRSTRLEN + 8];

	for (a = conf->kill_switch_allow.first_allowedip; a; a = a->next_allowedip) {
		emit_prefix(text, sizeof(text), a->family, &a->ip6, a->cidr);
		strbuf_printf(sb, "add rule %s %s %s daddr %s accept\n", t, chain,
			      a->family == AF_INET ? "ip" : "ip6", text);
	}
}

static void script(struct strbuf *sb, const char *ifname, uint32_t mark,
		   const struct wg_config *conf, const struct wg_device *dev)
{
	char t[64];

	table_name(t, sizeof(t), ifname);
	/* Made if missing, then deleted and made afresh: one transaction, no gap. */
	strbuf_printf(sb, "add table %s\ndelete table %s\nadd table %s\n", t, t, t);
	strbuf_printf(
		sb, "add chain %s output { type filter hook output priority -10; policy drop; }\n",
		t);
	strbuf_printf(
		sb,
		"add chain %s forward { type filter hook forward priority -10; policy drop; }\n",
		t);
	strbuf_printf(sb, "add rule %s output oifname \"lo\" accept\n", t);
	strbuf_printf(sb, "add rule %s output oifname \"%s\" accept\n", t, ifname);
	strbuf_printf(sb, "add rule %s output meta mark %u accept\n", t, mark);
	strbuf_printf(sb, "add rule %s forward oifname \"%s\" accept\n", t, ifname);
	allow_rules(sb, t, "output", conf);
	allow_rules(sb, t, "forward", conf);
	if (carries_ipv6(conf, dev))
		strbuf_printf(sb,
			      "add rule %s output icmpv6 type { nd-router-solicit, "
			      "nd-neighbor-solicit, nd-neighbor-advert } accept\n",
			      t);
	strbuf_printf(sb, "add rule %s output counter drop\n", t);
	strbuf_printf(sb, "add rule %s forward counter drop\n", t);
}

static void remove_table(struct orch *o, const char *ifname)
{
	char t[64];
	struct strbuf sb;

	table_name(t, sizeof(t), ifname);
	orch_say(o, "nft delete table %s", t);
	if (o->opts->dry_run)
		return;
	strbuf_init(&sb);
	strbuf_printf(&sb, "delete table %s\n", t);
	(void)nft(&sb, NULL, SPAWN_QUIET);
	strbuf_free(&sb);
}

static void undo_table(struct orch *o, const void *arg)
{
	(void)arg;
	remove_table(o, o->ifname);
}

int orch_killswitch_up(struct orch *o)
{
	const struct wg_config *conf = o->conf;
	struct strbuf sb;
	uint32_t mark;
	bool was;
	char t[64];
	int ret;

	if (conf->kill_switch == WGCONF_KILL_SWITCH_OFF)
		return 0;
	/* The mark that lets the tunnel's own UDP out: the file's, or one chosen now for it. */
	if (o->dev->flags & WGDEVICE_HAS_FWMARK && o->dev->fwmark) {
		mark = o->dev->fwmark;
	} else {
		if ((ret = orch_free_table(o, &mark)) < 0)
			return ret;
		o->dev->fwmark = mark;
		o->dev->flags |= WGDEVICE_HAS_FWMARK;
	}
	table_name(t, sizeof(t), o->ifname);
	orch_say(o, "nft -f /dev/stdin # %s: out only by %s, fwmark %u, loopback%s", t, o->ifname,
		 mark, conf->kill_switch_allow.first_allowedip ? ", KillSwitchAllow" : "");
	if (o->opts->dry_run)
		return 0;
	was = present(o->ifname);
	strbuf_init(&sb);
	script(&sb, o->ifname, mark, conf, o->dev);
	ret = nft(&sb, NULL, 0);
	strbuf_free(&sb);
	if (ret < 0 || was)
		return ret;
	if ((ret = undo_push(&o->undo, undo_table, NULL, 0)) < 0)
		undo_table(o, NULL);
	return ret;
}

void orch_killswitch_down(struct orch *o)
{
	if (o->conf->kill_switch == WGCONF_KILL_SWITCH_PERSISTENT || o->opts->dry_run ||
	    !present(o->ifname))
		return;
	remove_table(o, o->ifname);
}

int orch_killswitch_off(const char *ifname, const struct orch_opts *opts)
{
	struct orch_report report;
	struct orch o;

	if (!present(ifname)) {
		fprintf(stderr, "wgctl: killswitch: no kill switch for `%s'\n", ifname);
		return -ENOENT;
	}
	memset(&o, 0, sizeof(o));
	o.opts = opts;
	o.report = &report;
	remove_table(&o, ifname);
	return present(ifname) ? -EIO : 0;
}
