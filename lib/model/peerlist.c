// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

size_t peerlist_merge(struct wg_device *dev, struct wg_device *list, const char *source,
		      const uint8_t own[WG_KEY_LEN])
{
	struct wg_peer *peer, *next;
	size_t moved = 0;

	for (peer = list->first_peer; peer; peer = next) {
		next = peer->next_peer;
		peer->next_peer = NULL;
		if (own && !memcmp(peer->public_key, own, WG_KEY_LEN)) {
			model_peer_free(peer);
			continue;
		}
		peer->source = source;
		if (dev->last_peer)
			dev->last_peer->next_peer = peer;
		else
			dev->first_peer = peer;
		dev->last_peer = peer;
		++moved;
	}
	list->first_peer = list->last_peer = NULL;
	return moved;
}

struct entry {
	const struct wg_peer *peer;
	size_t order;
};

static int by_key_then_order(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;
	int c = memcmp(x->peer->public_key, y->peer->public_key, WG_KEY_LEN);

	return c ? c : (x->order > y->order) - (x->order < y->order);
}

static int by_order(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;

	return (x->order > y->order) - (x->order < y->order);
}

int peerlist_check_duplicates(const struct wg_device *dev, const char *conf_source, struct diag_list *d)
{
	size_t n = model_peer_count(dev), i = 0, found = 0;
	char key[WG_KEY_LEN_BASE64];
	const struct wg_peer *peer;
	struct entry *v, *pairs;

	if (n < 2)
		return 0;
	v = calloc(n, sizeof(*v));
	pairs = calloc(n, 2 * sizeof(*pairs));
	if (!v || !pairs) {
		free(v);
		free(pairs);
		return -ENOMEM;
	}
	for_each_wgpeer(dev, peer) {
		v[i].peer = peer;
		v[i].order = i;
		++i;
	}
	/* Sorted, equal keys are adjacent and each keeps file order: O(n log n) for 10,000 peers. */
	qsort(v, n, sizeof(*v), by_key_then_order);
	for (size_t start = 0; start < n; start = i) {
		/* v[start] is the first definition of its key; each later one from a list repeats it. */
		for (i = start + 1; i < n && !memcmp(v[start].peer->public_key, v[i].peer->public_key, WG_KEY_LEN); ++i) {
			if (!v[start].peer->source && !v[i].peer->source)
				continue;
			pairs[2 * found] = v[i];
			pairs[2 * found + 1] = v[start];
			++found;
		}
	}
	/* Reported in the order of the later definitions, as a reader meets them. */
	qsort(pairs, found, 2 * sizeof(*pairs), by_order);
	for (i = 0; i < found; ++i) {
		const struct wg_peer *again = pairs[2 * i].peer, *first = pairs[2 * i + 1].peer;

		key_to_base64(key, again->public_key);
		diag_error(d, 0, "%s:%u: peer %s is already defined at %s:%u", again->source ? again->source : conf_source,
			   again->lineno, key, first->source ? first->source : conf_source, first->lineno);
	}
	free(v);
	free(pairs);
	return found ? -EINVAL : 0;
}
