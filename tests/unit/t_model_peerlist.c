// SPDX-License-Identifier: MIT
/*
 * Shared peer lists, the pure part: a list's peers join the file's in order and tagged with
 * their source, the host's own key is dropped, and a key defined twice is an error naming both
 * places (the file's own repeats stay wg's warning); sorting finds them among 10,000 peers.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/encoding.h"
#include "model/peerlist.h"
#include "prng.h"
#include "tap.h"

#define K1 "yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk="
#define K2 "xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg="
#define K3 "TrMvSoP4jYQlY6RIzBgbssQqY3vxI2Pi+y71lOWWXX0="

static struct wg_config parse_quick(const char *text)
{
	struct wg_config conf;
	struct diag_list d;
	FILE *f = fmemopen((void *)text, strlen(text), "r");

	diag_init(&d, "wg0.conf");
	if (config_read_stream(&conf, f, CONFIG_GRAMMAR_QUICK, &d))
		abort();
	fclose(f);
	diag_free(&d);
	return conf;
}

static void test_merge_and_own_key(void)
{
	struct wg_config conf = parse_quick("[Interface]\n[Peer]\nPublicKey = " K1 "\nAllowedIPs = 10.0.0.1/32\n");
	struct wg_config list;
	struct diag_list d, dup;
	uint8_t own[WG_KEY_LEN];
	const char body[] = "[Peer]\n# Name = b\nPublicKey = " K2 "\n\n[Peer]\nPublicKey = " K3 "\n";
	struct wg_peer *p;

	diag_init(&d, "list");
	diag_init(&dup, NULL);
	key_from_base64(own, K3);
	ok(peerlist_parse(&list, body, strlen(body), &d) == 0 && d.count == 0, "a list of two peers parses");
	ok(peerlist_merge(conf.device, list.device, "https://x/peers.conf", own) == 1, "own key dropped, one moved");
	p = conf.device->first_peer;
	ok(p && !p->source && p->next_peer && p->next_peer->source && !strcmp(p->next_peer->source, "https://x/peers.conf") &&
		   p->next_peer->lineno == 1 && !strcmp(p->next_peer->name, "b") && conf.device->last_peer == p->next_peer,
	   "the file's peer first, the list's after it, tagged with its source, line and name");
	ok(!list.device->first_peer && !list.device->last_peer, "the list device is left empty");
	ok(peerlist_check_duplicates(conf.device, "wg0.conf", &dup) == 0 && dup.count == 0, "no duplicates");
	config_free(&list);
	config_free(&conf);
	diag_free(&d);
	diag_free(&dup);
}

static void test_duplicates(void)
{
	struct wg_config conf = parse_quick("[Interface]\n[Peer]\nPublicKey = " K1 "\n[Peer]\nPublicKey = " K1 "\n");
	struct wg_config a, b;
	struct diag_list d, dup;
	const char la[] = "[Peer]\nPublicKey = " K2 "\n", lb[] = "\n[Peer]\nPublicKey = " K2 "\n[Peer]\nPublicKey = " K1 "\n";

	diag_init(&d, "list");
	diag_init(&dup, NULL);
	ok(peerlist_parse(&a, la, strlen(la), &d) == 0 && peerlist_parse(&b, lb, strlen(lb), &d) == 0, "lists parse");
	peerlist_merge(conf.device, a.device, "a.conf", NULL);
	peerlist_merge(conf.device, b.device, "https://h/b.conf", NULL);
	ok(peerlist_check_duplicates(conf.device, "wg0.conf", &dup) == -22 && dup.count == 2,
	   "two cross-source duplicates are errors; the file's own repeat is not (wg warns about it)");
	ok(dup.count == 2 && !strcmp(dup.items[0].message, "https://h/b.conf:2: peer " K2 " is already defined at a.conf:1") &&
		   !strcmp(dup.items[1].message, "https://h/b.conf:4: peer " K1 " is already defined at wg0.conf:2"),
	   "each names both places, in the order of the later definitions (got `%s')",
	   dup.count ? dup.items[0].message : "");
	config_free(&a);
	config_free(&b);
	config_free(&conf);
	diag_free(&d);
	diag_free(&dup);
}

/* Against a naive quadratic scan: the sorted check finds the same duplicates. */
static void test_many(void)
{
	struct wg_device *dev = model_device_new();
	struct diag_list dup;
	unsigned int planted = 0, naive = 0;
	struct wg_peer *p, *q;

	diag_init(&dup, NULL);
	for (unsigned int i = 0; i < 10000; ++i) {
		p = model_peer_new(dev);
		p->flags = WGPEER_HAS_PUBLIC_KEY;
		p->lineno = i + 1;
		p->source = i % 2 ? "list" : NULL;
		rnd_bytes(p->public_key, WG_KEY_LEN);
		if (i >= 5000 && i % 997 == 0) {
			memcpy(p->public_key, dev->first_peer->public_key, WG_KEY_LEN); /* line 1, the file's */
			planted += (p->source != NULL);
		}
	}
	/* Naively: each later definition against the first one of its key. */
	for (p = dev->first_peer; p; p = p->next_peer) {
		for (q = dev->first_peer; q != p; q = q->next_peer) {
			if (!memcmp(p->public_key, q->public_key, WG_KEY_LEN)) {
				naive += p->source || q->source;
				break;
			}
		}
	}
	peerlist_check_duplicates(dev, "wg0.conf", &dup);
	ok(dup.count == naive && naive >= planted && planted > 0,
	   "10,000 peers: %zu found, %u by the naive scan, %u planted in lists",
	   dup.count, naive, planted);
	model_device_free(dev);
	diag_free(&dup);
}

int main(void)
{
	test_merge_and_own_key();
	test_duplicates();
	test_many();
	return done_testing();
}
