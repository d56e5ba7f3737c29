// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "model/emit.h"
#include "model/encoding.h"
#include "model/fleet_check.h"
#include "model/lint.h"

struct host_key {
	uint8_t pub[WG_KEY_LEN];
	bool known;
	unsigned int relay_reported; /* WGCONF_FORWARD_* already warned about */
};

struct fleet {
	const struct fleet_host *hosts;
	size_t n;
	struct host_key *keys;
	struct fleet_result *r;
};

/* config_lint() gives no codes, so its two checks that are fleet findings are told by wording. */
static const struct {
	const char *fragment, *code;
} lint_codes[] = {
	{ "but not ::/0", FLEET_IPV6_LEAK },
	{ "forwarding is off", FLEET_RELAY },
};

void fleet_result_init(struct fleet_result *r)
{
	memset(r, 0, sizeof(*r));
}

void fleet_result_free(struct fleet_result *r)
{
	for (size_t i = 0; i < r->count; ++i)
		free(r->items[i].message);
	free(r->items);
	fleet_result_init(r);
}

int fleet_add(struct fleet_result *r, const struct fleet_finding *f, const char *fmt, ...)
{
	struct fleet_finding *item;
	va_list ap;
	char *msg;
	int len;

	if (r->count == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 16;
		struct fleet_finding *items = realloc(r->items, cap * sizeof(*items));

		if (!items)
			return -ENOMEM;
		r->items = items;
		r->cap = cap;
	}
	va_start(ap, fmt);
	len = vasprintf(&msg, fmt, ap);
	va_end(ap);
	if (len < 0)
		return -ENOMEM;
	item = &r->items[r->count++];
	*item = *f;
	item->message = msg;
	if (f->severity == DIAG_ERROR)
		++r->errors;
	else
		++r->warnings;
	return 0;
}

static struct fleet_location at(const struct fleet *fl, size_t h, unsigned int line)
{
	return (struct fleet_location){ .file = fl->hosts[h].source, .line = line };
}

/* A peer (or one of its lines) read from a shared list is located in that list, not the host file.
 */
static struct fleet_location at_peer(const struct fleet *fl, size_t h, const struct wg_peer *peer,
				     unsigned int line)
{
	return (struct fleet_location){ .file = peer->source ? peer->source : fl->hosts[h].source,
					.line = line };
}

static const struct wg_config *conf_of(const struct fleet *fl, size_t h)
{
	return fl->hosts[h].conf;
}

static unsigned int full_cidr(uint16_t family)
{
	return family == AF_INET ? 32 : 128;
}

static unsigned int family_bit(uint16_t family)
{
	return family == AF_INET ? WGCONF_FORWARD_IPV4 : WGCONF_FORWARD_IPV6;
}

/* Whether every address of addr/cidr is inside `outer`, unless `outer` is being removed. */
static bool contains(const struct wg_allowedip *outer, uint16_t family, const void *addr,
		     unsigned int cidr)
{
	return !(outer->flags & WGALLOWEDIP_REMOVE_ME) &&
	       model_prefix_contains(outer, family, addr, (uint8_t)cidr);
}

/* A default route holds everything: a more specific route beside it is the usual split. */
static bool overlaps(const struct wg_allowedip *a, const struct wg_allowedip *b)
{
	if (a->cidr != b->cidr && (!a->cidr || !b->cidr))
		return false;
	return contains(a, b->family, &b->ip6, b->cidr) || contains(b, a->family, &a->ip6, a->cidr);
}

static size_t host_of(const struct fleet *fl, const uint8_t key[WG_KEY_LEN])
{
	for (size_t h = 0; h < fl->n; ++h) {
		if (fl->keys[h].known && !memcmp(fl->keys[h].pub, key, WG_KEY_LEN))
			return h;
	}
	return fl->n;
}

/* Hosts sharing a key are one to their peers: the first of them. */
static size_t canonical(const struct fleet *fl, size_t h)
{
	return fl->keys[h].known ? host_of(fl, fl->keys[h].pub) : h;
}

/* The host a [Peer] of host h stands for; n when unknown, keyless or h itself. */
static size_t peer_host(const struct fleet *fl, size_t h, const struct wg_peer *peer)
{
	size_t t;

	if (!(peer->flags & WGPEER_HAS_PUBLIC_KEY))
		return fl->n;
	t = host_of(fl, peer->public_key);
	return t == h ? fl->n : t;
}

static const struct wg_peer *peer_for(const struct fleet *fl, size_t h, size_t t)
{
	const struct wg_peer *peer;

	for_each_wgpeer (conf_of(fl, h)->device, peer) {
		if (peer_host(fl, h, peer) == t)
			return peer;
	}
	return NULL;
}

static const char *lint_code(const char *message)
{
	for (size_t i = 0; i < sizeof(lint_codes) / sizeof(lint_codes[0]); ++i) {
		if (strstr(message, lint_codes[i].fragment))
			return lint_codes[i].code;
	}
	return FLEET_LINT;
}

/* lint_relay() warns on an Address line: the families there need no second, fleet-wide warning. */
static unsigned int families_on_line(const struct wg_config *conf, unsigned int line)
{
	const struct wg_allowedip *addr;
	unsigned int bits = 0;

	for_each_wgallowedip (&conf->addresses, addr) {
		if (addr->lineno == line)
			bits |= family_bit(addr->family);
	}
	return bits;
}

static int lint_host(struct fleet *fl, size_t h)
{
	struct diag_list d;
	int ret = 0;

	diag_init(&d, fl->hosts[h].source);
	config_lint(conf_of(fl, h), &d);
	for (size_t i = 0; i < d.count && !ret; ++i) {
		struct fleet_finding f = { .severity = d.items[i].severity,
					   .code = lint_code(d.items[i].message),
					   .loc = { at(fl, h, d.items[i].line) },
					   .nloc = 1 };

		if (d.items[i].source)
			f.loc[0].file = d.items[i].source;
		if (!strcmp(f.code, FLEET_RELAY))
			fl->keys[h].relay_reported |=
				families_on_line(conf_of(fl, h), d.items[i].line);
		ret = fleet_add(fl->r, &f, "%s", d.items[i].message);
	}
	diag_free(&d);
	return ret;
}

static bool same_key(const struct wg_peer *p, const struct wg_peer *q)
{
	return p->flags & q->flags & WGPEER_HAS_PUBLIC_KEY &&
	       !memcmp(p->public_key, q->public_key, WG_KEY_LEN);
}

/* The first prefix of a peer before q that overlaps b; two sections for one key share theirs. */
static const struct wg_allowedip *earlier_overlap(const struct wg_device *dev,
						  const struct wg_peer *q,
						  const struct wg_allowedip *b,
						  const struct wg_peer **owner)
{
	const struct wg_allowedip *a;

	for (*owner = dev->first_peer; *owner != q; *owner = (*owner)->next_peer) {
		if (same_key(*owner, q))
			continue;
		for_each_wgallowedip (*owner, a) {
			if (overlaps(a, b))
				return a;
		}
	}
	return NULL;
}

static int overlap_host(struct fleet *fl, size_t h)
{
	const struct wg_device *dev = conf_of(fl, h)->device;
	const struct wg_allowedip *a, *b;
	const struct wg_peer *p, *q;
	char pa[64], pb[64];
	int ret = 0;

	for_each_wgpeer (dev, q) {
		for (b = q->first_allowedip; b && !ret; b = b->next_allowedip) {
			struct fleet_finding f = { .severity = DIAG_WARNING,
						   .code = FLEET_OVERLAP,
						   .nloc = 2 };

			if ((b->flags & WGALLOWEDIP_REMOVE_ME) ||
			    !(a = earlier_overlap(dev, q, b, &p)))
				continue;
			f.loc[0] = at_peer(fl, h, q, b->lineno);
			f.loc[1] = at_peer(fl, h, p, a->lineno);
			emit_prefix(pa, sizeof(pa), a->family, &a->ip6, a->cidr);
			emit_prefix(pb, sizeof(pb), b->family, &b->ip6, b->cidr);
			if (a->cidr == b->cidr)
				ret = fleet_add(fl->r, &f,
						"AllowedIPs %s of the [Peer] at line %u is also in "
						"the [Peer] at line %u (%s:%u): only one of the "
						"two peers gets it",
						pb, q->lineno, p->lineno, f.loc[1].file,
						f.loc[1].line);
			else
				ret = fleet_add(fl->r, &f,
						"AllowedIPs %s of the [Peer] at line %u overlaps "
						"%s of the [Peer] at line %u (%s:%u): the longer "
						"prefix takes the addresses they share",
						pb, q->lineno, pa, p->lineno, f.loc[1].file,
						f.loc[1].line);
		}
		if (ret)
			return ret;
	}
	return 0;
}

static int check_keys(struct fleet *fl)
{
	int ret = 0;

	for (size_t j = 0; j < fl->n && !ret; ++j) {
		struct fleet_finding f = { .severity = DIAG_ERROR,
					   .code = FLEET_DUPLICATE_KEY,
					   .fleet = true,
					   .nloc = 2 };
		size_t i = canonical(fl, j);

		if (i == j)
			continue;
		f.loc[0] = at(fl, j, conf_of(fl, j)->interface_lineno);
		f.loc[1] = at(fl, i, conf_of(fl, i)->interface_lineno);
		ret = fleet_add(fl->r, &f,
				"the same PrivateKey as %s:%u (two hosts cannot share a key)",
				f.loc[1].file, f.loc[1].line);
	}
	return ret;
}

/* A list shared by several hosts names its unknown peer once, not once per host. */
static bool listed_by_earlier_host(const struct fleet *fl, size_t h, const struct wg_peer *peer)
{
	const struct wg_peer *q;

	if (!peer->source)
		return false;
	for (size_t e = 0; e < h; ++e) {
		for_each_wgpeer (conf_of(fl, e)->device, q) {
			if (q->source && q->lineno == peer->lineno &&
			    !strcmp(q->source, peer->source))
				return true;
		}
	}
	return false;
}

/* Unknown only means something when every host's public key is known. */
static int check_unknown(struct fleet *fl)
{
	const struct wg_peer *peer;
	char key[WG_KEY_LEN_BASE64];
	int ret = 0;

	for (size_t h = 0; h < fl->n; ++h) {
		if (!fl->keys[h].known)
			return 0;
	}
	for (size_t h = 0; h < fl->n && !ret; ++h) {
		for_each_wgpeer (conf_of(fl, h)->device, peer) {
			struct fleet_finding f = { .severity = DIAG_ERROR,
						   .code = FLEET_UNKNOWN_PEER,
						   .fleet = true,
						   .loc = { at_peer(fl, h, peer, peer->lineno) },
						   .nloc = 1 };

			if (!(peer->flags & WGPEER_HAS_PUBLIC_KEY) ||
			    host_of(fl, peer->public_key) < fl->n ||
			    listed_by_earlier_host(fl, h, peer))
				continue;
			key_to_base64(key, peer->public_key);
			ret = fleet_add(fl->r, &f,
					"[Peer] %s is no host's public key: no file of this fleet "
					"has its PrivateKey",
					key);
			if (ret)
				break;
		}
	}
	return ret;
}

static int check_routes(struct fleet *fl, size_t a, const struct wg_peer *p, size_t b)
{
	const struct wg_allowedip *x, *aip;
	char text[64];
	int ret = 0;

	for_each_wgallowedip (&conf_of(fl, b)->addresses, x) {
		struct fleet_finding f = { .severity = DIAG_WARNING,
					   .code = FLEET_UNROUTED_ADDRESS,
					   .fleet = true,
					   .loc = { at_peer(fl, a, p, p->lineno),
						    at(fl, b, x->lineno) },
					   .nloc = 2 };

		for_each_wgallowedip (p, aip) {
			if (contains(aip, x->family, &x->ip6, full_cidr(x->family)))
				break;
		}
		if (aip)
			continue;
		emit_prefix(text, sizeof(text), x->family, &x->ip6, x->cidr);
		ret = fleet_add(fl->r, &f,
				"the [Peer] for %s does not route its Address %s (%s:%u) in "
				"AllowedIPs: this host cannot reach that tunnel address",
				f.loc[1].file, text, f.loc[1].file, f.loc[1].line);
		if (ret)
			break;
	}
	return ret;
}

/* Routes not mirrored: a peering kept on one side only, or a peer's own Address left unrouted. */
static int check_peerings(struct fleet *fl)
{
	const struct wg_peer *p;
	int ret = 0;

	for (size_t a = 0; a < fl->n && !ret; ++a) {
		for_each_wgpeer (conf_of(fl, a)->device, p) {
			struct fleet_finding f = { .severity = DIAG_WARNING,
						   .code = FLEET_ONE_SIDED,
						   .fleet = true,
						   .nloc = 2 };
			size_t b = peer_host(fl, a, p);

			if (b == fl->n)
				continue;
			f.loc[0] = at_peer(fl, a, p, p->lineno);
			f.loc[1] = at(fl, b, conf_of(fl, b)->interface_lineno);
			if (!peer_for(fl, b, a))
				ret = fleet_add(
					fl->r, &f,
					"the [Peer] for %s is one-sided: %s has no [Peer] for this "
					"host (%s:%u), so no handshake between them completes",
					f.loc[1].file, f.loc[1].file, f.loc[1].file, f.loc[1].line);
			if (ret || (ret = check_routes(fl, a, p, b)))
				break;
		}
	}
	return ret;
}

static bool has_keepalive(const struct wg_peer *p)
{
	return p->flags & WGPEER_HAS_PERSISTENT_KEEPALIVE_INTERVAL &&
	       p->persistent_keepalive_interval;
}

static bool has_endpoint_for(const struct fleet *fl, size_t h)
{
	const struct wg_peer *p;

	for (size_t a = 0; a < fl->n; ++a) {
		for_each_wgpeer (conf_of(fl, a)->device, p) {
			if (p->flags & WGPEER_HAS_ENDPOINT && peer_host(fl, a, p) == h)
				return true;
		}
	}
	return false;
}

/* A host nobody has an Endpoint for is reachable only through the mappings it keeps open itself. */
static int check_nat(struct fleet *fl, size_t h)
{
	char key[WG_KEY_LEN_BASE64];
	const struct wg_peer *p, *q;
	int ret = 0;

	if (!fl->keys[h].known || has_endpoint_for(fl, h))
		return 0;
	for_each_wgpeer (conf_of(fl, h)->device, p) {
		struct fleet_finding f = { .severity = DIAG_WARNING,
					   .code = FLEET_NAT_KEEPALIVE,
					   .fleet = true,
					   .loc = { at_peer(fl, h, p, p->lineno) },
					   .nloc = 1 };
		size_t s = peer_host(fl, h, p);

		if (!(p->flags & WGPEER_HAS_ENDPOINT) || has_keepalive(p))
			continue;
		q = s < fl->n ? peer_for(fl, s, h) : NULL;
		if (q) {
			f.loc[f.nloc++] = at_peer(fl, s, q, q->lineno);
			ret = fleet_add(
				fl->r, &f,
				"no host has an Endpoint for this host, so it is likely behind "
				"NAT, but its [Peer] for %s has no PersistentKeepalive: the [Peer] "
				"for this host at %s:%u cannot reach it until it speaks first; add "
				"PersistentKeepalive = 25",
				f.loc[1].file, f.loc[1].file, f.loc[1].line);
		} else {
			key_to_base64(key, p->public_key);
			ret = fleet_add(fl->r, &f,
					"no host has an Endpoint for this host, so it is likely "
					"behind NAT, but its [Peer] %s has no PersistentKeepalive: "
					"that peer cannot reach it until it speaks first; add "
					"PersistentKeepalive = 25",
					key);
		}
		if (ret)
			break;
	}
	return ret;
}

/* The [Peer] WireGuard sends addr to: the longest prefix holding it, the last one on a tie. */
static const struct wg_peer *route_of(const struct wg_device *dev, uint16_t family,
				      const void *addr, const struct wg_allowedip **via)
{
	const struct wg_peer *peer, *best = NULL;
	const struct wg_allowedip *aip;

	*via = NULL;
	for_each_wgpeer (dev, peer) {
		for_each_wgallowedip (peer, aip) {
			if (contains(aip, family, addr, full_cidr(family)) &&
			    (!*via || aip->cidr >= (*via)->cidr)) {
				best = peer;
				*via = aip;
			}
		}
	}
	return best;
}

/* One warning per relay and family; lint_relay() may have given it already. */
static int relay_warn(struct fleet *fl, size_t r, uint16_t family, struct fleet_finding *f,
		      const char *what)
{
	unsigned int bit = family_bit(family);
	const char *name = family == AF_INET ? "ipv4" : "ipv6";

	if (conf_of(fl, r)->forwarding & bit || fl->keys[r].relay_reported & bit)
		return 0;
	fl->keys[r].relay_reported |= bit;
	f->loc[0] = at(fl, r, conf_of(fl, r)->interface_lineno);
	return fleet_add(fl->r, f,
			 "relays %s but forwarding is off: %s:%u routes %s through this host; add "
			 "`Forwarding = %s' to [Interface]",
			 family == AF_INET ? "IPv4" : "IPv6", f->loc[1].file, f->loc[1].line, what,
			 name);
}

/*
 * A relay forwards what other hosts send through it: another host's Address that a host
 * routes via it (and not directly), or a default route (it is that host's exit).
 */
static int check_relays(struct fleet *fl)
{
	const struct wg_allowedip *y, *via;
	const struct wg_peer *p;
	char text[64], what[256];
	int ret = 0;

	for (size_t b = 0; b < fl->n && !ret; ++b) {
		for (size_t c = 0; c < fl->n && !ret; ++c) {
			if (c == b)
				continue;
			for (y = conf_of(fl, c)->addresses.first_allowedip; y && !ret;
			     y = y->next_allowedip) {
				struct fleet_finding f = { .severity = DIAG_WARNING,
							   .code = FLEET_RELAY,
							   .fleet = true,
							   .nloc = 3 };
				size_t r;

				p = route_of(conf_of(fl, b)->device, y->family, &y->ip6, &via);
				r = p ? peer_host(fl, b, p) : fl->n;
				if (r == fl->n || r == canonical(fl, c))
					continue;
				f.loc[1] = at_peer(fl, b, p, via->lineno);
				f.loc[2] = at(fl, c, y->lineno);
				emit_prefix(text, sizeof(text), y->family, &y->ip6, y->cidr);
				snprintf(what, sizeof(what), "%s's Address %s (%s:%u)",
					 f.loc[2].file, text, f.loc[2].file, f.loc[2].line);
				ret = relay_warn(fl, r, y->family, &f, what);
			}
		}
		for_each_wgpeer (conf_of(fl, b)->device, p) {
			size_t r = peer_host(fl, b, p);

			for (via = p->first_allowedip; via && r < fl->n && !ret;
			     via = via->next_allowedip) {
				struct fleet_finding f = { .severity = DIAG_WARNING,
							   .code = FLEET_RELAY,
							   .fleet = true,
							   .loc = { [1] = at_peer(fl, b, p,
										  via->lineno) },
							   .nloc = 2 };

				if (via->cidr || via->flags & WGALLOWEDIP_REMOVE_ME)
					continue;
				emit_prefix(text, sizeof(text), via->family, &via->ip6, via->cidr);
				snprintf(what, sizeof(what), "%s as its exit", text);
				ret = relay_warn(fl, r, via->family, &f, what);
			}
		}
	}
	return ret;
}

static int check_whole(struct fleet *fl)
{
	int ret;

	ret = check_keys(fl);
	if (!ret)
		ret = check_unknown(fl);
	if (!ret)
		ret = check_peerings(fl);
	for (size_t h = 0; h < fl->n && !ret; ++h)
		ret = check_nat(fl, h);
	if (!ret)
		ret = check_relays(fl);
	return ret;
}

int fleet_check(const struct fleet_host *hosts, size_t n, bool whole, struct fleet_result *r)
{
	struct fleet fl = { .hosts = hosts, .n = n, .r = r };
	int ret = 0;

	fl.keys = calloc(n ? n : 1, sizeof(*fl.keys));
	if (!fl.keys)
		return -ENOMEM;
	for (size_t h = 0; h < n && !ret; ++h) {
		const struct wg_device *dev = hosts[h].conf->device;

		if (dev->flags & WGDEVICE_HAS_PRIVATE_KEY) {
			ret = curve25519_generate_public(fl.keys[h].pub, dev->private_key);
			fl.keys[h].known = ret == 0;
		}
	}
	for (size_t h = 0; h < n && !ret; ++h) {
		ret = lint_host(&fl, h);
		if (!ret)
			ret = overlap_host(&fl, h);
	}
	if (whole && !ret)
		ret = check_whole(&fl);
	explicit_bzero(fl.keys, n * sizeof(*fl.keys));
	free(fl.keys);
	return ret;
}
