// SPDX-License-Identifier: MIT
#include <string.h>
#include <strings.h>

#include "model/encoding.h"
#include "model/keyfile.h"
#include "model/lint.h"

static bool hooks_mention(const struct wg_config *conf, const char *needle)
{
	for (int h = 0; h < WG_HOOK_COUNT; ++h) {
		for (size_t i = 0; i < conf->hooks[h].n; ++i) {
			if (strstr(conf->hooks[h].v[i], needle))
				return true;
		}
	}
	return false;
}

static const struct wg_allowedip *find_default(const struct wg_peer *peer, uint16_t family)
{
	const struct wg_allowedip *aip;

	for_each_wgallowedip (peer, aip) {
		if (aip->family == family && !aip->cidr && !(aip->flags & WGALLOWEDIP_REMOVE_ME))
			return aip;
	}
	return NULL;
}

static bool prefix_within(const struct wg_allowedip *inner, const struct wg_allowedip *outer)
{
	return model_prefix_contains(outer, inner->family, &inner->ip6, inner->cidr);
}

/*
 * A relay (bounce server): two or more peers routed inside the interface's own subnet that have
 * no Endpoint here, so they cannot be reached directly (NAT-ed clients) and talk to each other
 * through this host, which must forward between them. Peers with Endpoints are a mesh (a shared
 * peer list): each reaches the others itself.
 */
static void lint_relay(const struct wg_config *conf, struct diag_list *d)
{
	const struct wg_allowedip *addr, *aip;
	const struct wg_peer *peer;
	unsigned int inside;

	for (addr = conf->addresses.first_allowedip; addr; addr = addr->next_allowedip) {
		unsigned int need =
			addr->family == AF_INET ? WGCONF_FORWARD_IPV4 : WGCONF_FORWARD_IPV6;

		if (addr->cidr == (addr->family == AF_INET ? 32 : 128) || conf->forwarding & need)
			continue;
		inside = 0;
		for_each_wgpeer (conf->device, peer) {
			if (peer->flags & WGPEER_HAS_ENDPOINT || peer->endpoint_text)
				continue;
			for_each_wgallowedip (peer, aip) {
				if (prefix_within(aip, addr)) {
					++inside;
					break;
				}
			}
		}
		if (inside >= 2)
			diag_warn(d, addr->lineno,
				  "%u peers are routed inside this interface's subnet, as on a "
				  "relay, but "
				  "forwarding is off: add `Forwarding = %s' to [Interface] to "
				  "relay between them",
				  inside, addr->family == AF_INET ? "ipv4" : "ipv6");
	}
}

/* wg-quick sets DNS only when there is a server: names alone are dropped without a word. */
static void lint_dns(const struct wg_config *conf, struct diag_list *d)
{
	if (!conf->dns.n && conf->dns_search.n)
		diag_warn(d, conf->dns_search.lineno[0],
			  "DNS names `%s' but no DNS server: without a server, no DNS is set",
			  conf->dns_search.v[0]);
}

/* Namespace = and KillSwitch =: what has no meaning with them, or leaves them nothing to do. */
static void lint_netns_kill_switch(const struct wg_config *conf, struct diag_list *d)
{
	const struct wg_peer *peer;
	bool endpoint = false;

	if (conf->netns && conf->table)
		diag_warn(
			d, conf->table_lineno,
			"Table has no meaning with Namespace = %s: the tunnel is the only way out "
			"there, and its routes go to the namespace's main table",
			conf->netns);
	if (conf->netns && conf->device->flags & WGDEVICE_HAS_FWMARK && conf->device->fwmark)
		diag_warn(d, conf->netns_lineno,
			  "FwMark has no meaning with Namespace = %s: no policy rules are needed "
			  "there, and the mark stays on the UDP socket outside",
			  conf->netns);
	if (conf->kill_switch == WGCONF_KILL_SWITCH_OFF)
		return;
	if (conf->netns)
		diag_warn(d, conf->kill_switch_lineno,
			  "KillSwitch guards the namespace `up' runs in, not %s, which has no way "
			  "out but the tunnel anyway",
			  conf->netns);
	for_each_wgpeer (conf->device, peer)
		endpoint |= (peer->flags & WGPEER_HAS_ENDPOINT) || peer->endpoint_text;
	if (!endpoint)
		diag_warn(d, conf->kill_switch_lineno,
			  "KillSwitch is on but no peer has an Endpoint: until a peer reaches this "
			  "host first, nothing but loopback and KillSwitchAllow can leave");
}

void config_lint(const struct wg_config *conf, struct diag_list *d)
{
	const struct wg_device *dev = conf->device;
	const struct wg_peer *peer;
	char key[WG_KEY_LEN_BASE64];

	if (!(conf->flags & WGCONF_HAS_INTERFACE))
		diag_warn(d, 0, "There is no [Interface] section");
	/* A PrivateKeyFile that could not be read has been warned about at its own line. */
	else if (!(dev->flags & WGDEVICE_HAS_PRIVATE_KEY) && !config_key_file(conf, NULL) &&
		 !hooks_mention(conf, "private-key"))
		diag_warn(d, conf->interface_lineno,
			  "[Interface] has no PrivateKey and no hook sets one: the interface "
			  "cannot handshake");
	for_each_wgpeer (dev, peer) {
		const struct wg_allowedip *v4;

		/* A peer of a shared list is warned about in the list. */
		d->item_source = peer->source;
		key_to_base64(key, peer->public_key);
		if (!peer->first_allowedip) {
			diag_warn(d, peer->lineno,
				  "Peer %s has no AllowedIPs: no traffic can reach it or come from "
				  "it",
				  key);
			continue;
		}
		v4 = find_default(peer, AF_INET);
		/* In a namespace, or behind a kill switch, IPv6 has no other way out. */
		if (v4 && !find_default(peer, AF_INET6) && !conf->netns &&
		    conf->kill_switch == WGCONF_KILL_SWITCH_OFF)
			diag_warn(d, v4->lineno,
				  "Peer %s takes 0.0.0.0/0 but not ::/0: IPv6 traffic will bypass "
				  "the tunnel",
				  key);
	}
	d->item_source = NULL;
	lint_relay(conf, d);
	lint_dns(conf, d);
	lint_netns_kill_switch(conf, d);
}
