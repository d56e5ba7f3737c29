// SPDX-License-Identifier: MIT
/*
 * `save` (and `down` with SaveConfig = true): wg-quick's [Interface] header rebuilt from the live
 * interface (addresses, DNS from its backend, MTU when the file set one, Table, hooks) followed by
 * the running wg configuration, written with file_write_atomic (0600), so that a crash leaves
 * either the old file or the new one.
 *
 * Keys the config takes from files (PrivateKeyFile, PresharedKeyFile) stay there: their *File
 * lines are written back as they were, never the keys. When the running key is no longer the
 * file's (a `wg set` since up), writing the line back would lose the running key, and writing
 * the key would put it in the config: neither is done, the file is left as it was, and the
 * message names the line and the key file.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/backend.h"
#include "model/emit.h"
#include "model/keyfile.h"
#include "orch/orch_impl.h"
#include "util/file.h"

static const char *const hook_names[WG_HOOK_COUNT] = { "PreUp", "PostUp", "PreDown", "PostDown" };

static int header(struct orch *o, const struct wg_device *dev, struct strbuf *out)
{
	static const int families[] = { AF_INET, AF_INET6 };
	struct strlist servers = { 0 };
	struct orch_rtnl_prefix addrs[256];
	const struct wg_allowedip *a;
	unsigned int mtu;
	char text[64];
	int n;

	strbuf_puts(out, "[Interface]\n");
	for (size_t f = 0; f < 2; ++f) {
		n = orch_rtnl_addr_list(o->rtnl, o->ifname, families[f], addrs, 256);
		for (int i = 0; i < n; ++i) {
			orch_prefix_text(text, sizeof(text), &addrs[i]);
			strbuf_printf(out, "Address = %s\n", text);
		}
	}
	if (orch_dns_saved(o, dev, &servers) == 0) {
		for (size_t i = 0; i < servers.n; ++i)
			strbuf_printf(out, "DNS = %s\n", servers.v[i]);
	}
	strlist_free(&servers);
	if (o->conf->flags & WGCONF_HAS_MTU && orch_rtnl_link_mtu(o->rtnl, o->ifname, &mtu) == 0)
		strbuf_printf(out, "MTU = %u\n", mtu);
	if (o->conf->table)
		strbuf_printf(out, "Table = %s\n", o->conf->table);
	if (o->conf->flags & WGCONF_HAS_FORWARDING) {
		unsigned int fw = o->conf->forwarding;

		strbuf_printf(out, "Forwarding = %s\n",
			      fw == (WGCONF_FORWARD_IPV4 | WGCONF_FORWARD_IPV6) ? "ipv4, ipv6"
			      : fw == WGCONF_FORWARD_IPV4                       ? "ipv4"
			      : fw                                              ? "ipv6"
										: "off");
	}
	if (o->conf->flags & WGCONF_HAS_PROXY_ARP)
		strbuf_printf(out, "ProxyARP = %s\n", o->conf->proxy_arp ? "true" : "false");
	if (o->conf->save_config)
		strbuf_puts(out, "SaveConfig = true\n");
	for (int h = 0; h < WG_HOOK_COUNT; ++h) {
		for (size_t i = 0; i < o->conf->hooks[h].n; ++i)
			strbuf_printf(out, "%s = %s\n", hook_names[h], o->conf->hooks[h].v[i]);
	}
	for (size_t i = 0; i < o->conf->n_peer_lists; ++i) {
		const struct wg_peer_list_ref *ref = &o->conf->peer_lists[i];

		strbuf_printf(out, "PeerList = %s%s%s\n", ref->source, ref->name ? " name=" : "",
			      ref->name ? ref->name : "");
	}
	for (size_t i = 0; i < o->conf->peer_list_keys.n; ++i)
		strbuf_printf(out, "PeerListKey = %s\n", o->conf->peer_list_keys.v[i]);
	if (o->conf->peer_list_ca)
		strbuf_printf(out, "PeerListCA = %s\n", o->conf->peer_list_ca);
	for (a = o->conf->peer_list_scope.first_allowedip; a; a = a->next_allowedip) {
		emit_prefix(text, sizeof(text), a->family, &a->ip6, a->cidr);
		strbuf_printf(out, "PeerListAllowedIPs = %s\n", text);
	}
	if (o->conf->netns)
		strbuf_printf(out, "Namespace = %s\n", o->conf->netns);
	if (o->conf->flags & WGCONF_HAS_KILL_SWITCH)
		strbuf_printf(out, "KillSwitch = %s\n",
			      o->conf->kill_switch == WGCONF_KILL_SWITCH_PERSISTENT ? "persistent"
			      : o->conf->kill_switch == WGCONF_KILL_SWITCH_ON       ? "on"
										    : "off");
	for (a = o->conf->kill_switch_allow.first_allowedip; a; a = a->next_allowedip) {
		emit_prefix(text, sizeof(text), a->family, &a->ip6, a->cidr);
		strbuf_printf(out, "KillSwitchAllow = %s\n", text);
	}
	return out->oom ? -ENOMEM : 0;
}

/* Each running key that its key file no longer holds, at the config's line; -ECANCELED if any. */
static int keys_still_in_files(struct orch *o, const struct wg_device *running)
{
	struct diag_list d;
	int ret = 0;

	diag_init(&d, o->path);
	if (config_key_files_match(o->conf, running, &d))
		ret = -ECANCELED;
	for (size_t i = 0; i < d.count; ++i)
		orch_failed(o, ret, d.items[i].line, "%s", d.items[i].message);
	diag_free(&d);
	return ret;
}

/* Peers that came from shared lists stay in their lists: the file keeps only its own. */
static void drop_listed(struct wg_device *running, const struct wg_device *conf)
{
	struct wg_peer *peer, *next, *prev = NULL;
	const struct wg_peer *listed;

	for (peer = running->first_peer; peer; peer = next) {
		next = peer->next_peer;
		listed = model_find_peer(conf, peer->public_key);
		if (!listed || !listed->source) {
			prev = peer;
			continue;
		}
		model_peer_remove(running, prev, peer);
	}
}

int orch_save_run(struct orch *o)
{
	struct wg_device *dev = NULL;
	struct strbuf out, wg;
	const char *rest;
	int ret;

	strbuf_init(&out);
	strbuf_init(&wg);
	orch_say(o, "wg showconf %s", o->ifname);
	if ((ret = backend_get(o->ifname, &dev)) < 0 || (ret = header(o, dev, &out)) < 0)
		goto out;
	drop_listed(dev, o->conf->device);
	if ((ret = keys_still_in_files(o, dev)) < 0)
		goto out;
	emit_saved(&wg, dev, o->conf);
	/* showconf starts with its own "[Interface]\n", which the header replaces. */
	rest = wg.buf && !strncmp(wg.buf, "[Interface]\n", 12) ? wg.buf + 12 : wg.buf ? wg.buf : "";
	strbuf_puts(&out, rest);
	/* wg-quick writes "$(wg showconf)" with echo: trailing newlines become exactly one. */
	while (out.len && out.buf[out.len - 1] == '\n')
		out.buf[--out.len] = '\0';
	strbuf_putc(&out, '\n');
	ret = out.oom || wg.oom  ? -ENOMEM
	      : o->opts->dry_run ? 0
				 : file_write_atomic(o->path, out.buf, out.len, 0600);
out:
	model_device_free(dev);
	strbuf_free(&out);
	strbuf_free(&wg);
	return ret < 0 ? orch_fail(o, "saving the configuration", ret) : 0;
}

int orch_save(const struct wg_config *conf, const char *ifname, const char *path,
	      const struct orch_opts *opts, struct orch_report *report)
{
	struct orch o;
	int ret;

	if ((ret = orch_begin(&o, conf, ifname, path, opts, report)) == 0)
		ret = orch_save_run(&o);
	return orch_end(&o, ret);
}
