// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/emit.h"
#include "model/encoding.h"
#include "model/peerlist.h"

int peerlist_parse(struct wg_config *list, const char *body, size_t len, struct diag_list *d)
{
	FILE *f = fmemopen((void *)body, len, "r");
	int ret;

	if (!f) {
		memset(list, 0, sizeof(*list));
		return -errno;
	}
	ret = config_read_stream(list, f, CONFIG_GRAMMAR_PEERS, d);
	fclose(f);
	return ret;
}

/*
 * A /1 is a default route too: 0.0.0.0/1 and 128.0.0.0/1 together take all traffic without
 * replacing the default route, as VPN clients do (OpenVPN's def1), and a list could do the same.
 */
bool peerlist_prefix_unscoped_ok(const struct wg_allowedip *aip)
{
	return aip->cidr > 1;
}

/* A key the device already has, and where it was defined. */
struct defined {
	const struct wg_peer *peer;
};

static int by_key(const void *a, const void *b)
{
	const struct defined *x = a, *y = b;

	return memcmp(x->peer->public_key, y->peer->public_key, WG_KEY_LEN);
}

static const struct wg_peer *find_defined(const struct defined *v, size_t n,
					  const uint8_t key[WG_KEY_LEN])
{
	struct wg_peer probe;
	struct defined want = { .peer = &probe }, *found;

	memcpy(probe.public_key, key, WG_KEY_LEN);
	found = bsearch(&want, v, n, sizeof(*v), by_key);
	return found ? found->peer : NULL;
}

/* Sorted by key: a list of 10,000 peers is checked against the device in O(n log n). */
static struct defined *index_keys(const struct wg_device *dev, size_t *n)
{
	const struct wg_peer *peer;
	struct defined *v;
	size_t i = 0;

	*n = model_peer_count(dev);
	v = calloc(*n ? *n : 1, sizeof(*v));
	if (!v)
		return NULL;
	for_each_wgpeer (dev, peer)
		v[i++].peer = peer;
	qsort(v, *n, sizeof(*v), by_key);
	return v;
}

/* A prefix a peer of the file routes: no list peer may take any of its addresses. */
struct routed {
	const struct wg_peer *peer;
	const struct wg_allowedip *aip;
};

struct admission {
	const struct peerlist_policy *policy;
	const struct defined *keys;
	size_t n_keys;
	struct routed *routed;
	size_t n_routed;
	struct diag_list *d;
};

static struct routed *index_routed(const struct wg_device *dev, size_t *n)
{
	const struct wg_allowedip *aip;
	const struct wg_peer *peer;
	struct routed *v;
	size_t i = 0;

	*n = 0;
	for_each_wgpeer (dev, peer) {
		for_each_wgallowedip (peer, aip)
			*n += !peer->source;
	}
	v = calloc(*n ? *n : 1, sizeof(*v));
	if (!v)
		return NULL;
	for_each_wgpeer (dev, peer) {
		for_each_wgallowedip (peer, aip) {
			if (!peer->source)
				v[i++] = (struct routed){ .peer = peer, .aip = aip };
		}
	}
	return v;
}

static void prefix_text(char *buf, size_t len, const struct wg_allowedip *aip)
{
	emit_prefix(buf, len, aip->family, &aip->ip6, aip->cidr);
}

static bool in_scope(const struct wg_peer *scope, const struct wg_allowedip *aip)
{
	const struct wg_allowedip *s;

	for_each_wgallowedip (scope, s) {
		if (model_prefix_contains(s, aip->family, &aip->ip6, aip->cidr))
			return true;
	}
	return false;
}

static const struct routed *file_owner(const struct admission *a, const struct wg_allowedip *aip)
{
	for (size_t i = 0; i < a->n_routed; ++i) {
		if (model_prefix_contains(a->routed[i].aip, aip->family, &aip->ip6, aip->cidr))
			return &a->routed[i];
	}
	return NULL;
}

/* The prefix claims that make this peer unacceptable; false after one warning. */
static bool claims_ok(const struct admission *a, const struct wg_peer *peer, const char *key)
{
	const struct peerlist_policy *pol = a->policy;
	const struct wg_allowedip *aip;
	const struct routed *owner;
	char text[64], other[64];
	bool scoped = pol->scope && pol->scope->first_allowedip;

	for_each_wgallowedip (peer, aip) {
		unsigned int line = aip->lineno ? aip->lineno : peer->lineno;

		prefix_text(text, sizeof(text), aip);
		if (scoped && !in_scope(pol->scope, aip)) {
			diag_warn(a->d, line,
				  "peer %s claims %s, outside PeerListAllowedIPs (%s:%u); the peer "
				  "is not used",
				  key, text, pol->conf_source, pol->scope->first_allowedip->lineno);
			return false;
		}
		if (!scoped && !peerlist_prefix_unscoped_ok(aip)) {
			diag_warn(a->d, line,
				  "peer %s claims %s, a default route, which a list may claim only "
				  "within "
				  "PeerListAllowedIPs (none at %s:%u); the peer is not used",
				  key, text, pol->conf_source, pol->list_lineno);
			return false;
		}
		if ((owner = file_owner(a, aip))) {
			prefix_text(other, sizeof(other), owner->aip);
			diag_warn(a->d, line,
				  "peer %s claims %s, which the peer at %s:%u routes (%s); the "
				  "file wins and this "
				  "peer is not used",
				  key, text, pol->conf_source, owner->peer->lineno, other);
			return false;
		}
	}
	return true;
}

static bool admitted(const struct admission *a, const struct wg_peer *peer)
{
	const struct wg_peer *first = find_defined(a->keys, a->n_keys, peer->public_key);
	char key[WG_KEY_LEN_BASE64];

	key_to_base64(key, peer->public_key);
	if (first) {
		diag_warn(a->d, peer->lineno,
			  "peer %s is already defined at %s:%u; that definition is used", key,
			  first->source ? first->source : a->policy->conf_source, first->lineno);
		return false;
	}
	return claims_ok(a, peer, key);
}

long peerlist_admit(struct wg_device *dev, struct wg_device *list, const char *source,
		    const struct peerlist_policy *policy, struct diag_list *d, size_t *refused)
{
	struct admission a = { .policy = policy, .d = d };
	const char *item_source = d->item_source;
	struct wg_peer *peer, *next, *tail = dev->last_peer;
	struct defined *keys;
	long moved = 0;

	*refused = 0;
	keys = index_keys(dev, &a.n_keys);
	a.routed = index_routed(dev, &a.n_routed);
	if (!keys || !a.routed) {
		free(keys);
		free(a.routed);
		return -ENOMEM;
	}
	a.keys = keys;
	d->item_source = source;
	for (peer = list->first_peer; peer; peer = next) {
		next = peer->next_peer;
		peer->next_peer = NULL;
		if (policy->own && !memcmp(peer->public_key, policy->own, WG_KEY_LEN)) {
			model_peer_free(peer);
			continue;
		}
		if (!admitted(&a, peer)) {
			model_peer_free(peer);
			++*refused;
			continue;
		}
		peer->source = source;
		/* Appended after the index was built: a list names each key once (its parser says
		 * so). */
		if (tail)
			tail->next_peer = peer;
		else
			dev->first_peer = peer;
		tail = peer;
		++moved;
	}
	dev->last_peer = tail;
	list->first_peer = list->last_peer = NULL;
	d->item_source = item_source;
	free(keys);
	free(a.routed);
	return moved;
}
