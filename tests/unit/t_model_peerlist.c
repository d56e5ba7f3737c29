// SPDX-License-Identifier: MIT
/*
 * Shared peer lists, the pure part: what a list may not do to a host. Its peers join the file's
 * in order, tagged with their source; the host's own key is dropped silently; a key the file or
 * an earlier list defines, a prefix outside PeerListAllowedIPs (a default route without one) and
 * a prefix a file peer routes are each refused with one warning naming both places, the rest of
 * the list still admitted. The duplicate and overlap checks are compared with naive scans.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/emit.h"
#include "model/encoding.h"
#include "model/peerlist.h"
#include "prng.h"
#include "tap.h"

#define K1 "yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk="
#define K2 "xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg="
#define K3 "TrMvSoP4jYQlY6RIzBgbssQqY3vxI2Pi+y71lOWWXX0="
#define K4 "HIgo9xNzJMWLKASShiTqIybxZ0U3wGLiUeJ1PKf8ykw="

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

static struct wg_config parse_list(const char *body)
{
	struct wg_config list;
	struct diag_list d;

	diag_init(&d, "list");
	if (peerlist_parse(&list, body, strlen(body), &d))
		abort();
	diag_free(&d);
	return list;
}

/* Admits `body` into conf as list `source`; returns how many were moved. */
static long admit(struct wg_config *conf, const char *body, const char *source, const uint8_t *own,
		  struct diag_list *d, size_t *refused)
{
	struct peerlist_policy policy = { .own = own,
					  .scope = &conf->peer_list_scope,
					  .conf_source = "wg0.conf",
					  .list_lineno = 2 };
	struct wg_config list = parse_list(body);
	long moved = peerlist_admit(conf->device, list.device, source, &policy, d, refused);

	config_free(&list);
	return moved;
}

static const char *message(const struct diag_list *d, size_t i)
{
	static char buf[512];

	if (i >= d->count)
		return "(none)";
	snprintf(buf, sizeof(buf), "%s:%u: %s", d->items[i].source ? d->items[i].source : "?",
		 d->items[i].line, d->items[i].message);
	return buf;
}

static void test_merge_and_own_key(void)
{
	struct wg_config conf =
		parse_quick("[Interface]\n[Peer]\nPublicKey = " K1 "\nAllowedIPs = 10.0.0.1/32\n");
	struct diag_list d;
	uint8_t own[WG_KEY_LEN];
	size_t refused;
	struct wg_peer *p;

	diag_init(&d, NULL);
	key_from_base64(own, K3);
	ok(admit(&conf, "[Peer]\n# Name = b\nPublicKey = " K2 "\n\n[Peer]\nPublicKey = " K3 "\n",
		 "https://x/peers.conf", own, &d, &refused) == 1 &&
		   refused == 0 && d.count == 0,
	   "own key dropped silently, one moved");
	p = conf.device->first_peer;
	ok(p && !p->source && p->next_peer && p->next_peer->source &&
		   !strcmp(p->next_peer->source, "https://x/peers.conf") &&
		   p->next_peer->lineno == 1 && !strcmp(p->next_peer->name, "b") &&
		   conf.device->last_peer == p->next_peer,
	   "the file's peer first, the list's after it, tagged with its source, line and name");
	config_free(&conf);
	diag_free(&d);
}

static void test_duplicates(void)
{
	struct wg_config conf = parse_quick("[Interface]\n[Peer]\nPublicKey = " K1 "\n");
	struct diag_list d;
	size_t refused;

	diag_init(&d, NULL);
	ok(admit(&conf, "[Peer]\nPublicKey = " K2 "\n", "a.conf", NULL, &d, &refused) == 1,
	   "the first list's peer");
	ok(admit(&conf,
		 "\n[Peer]\nPublicKey = " K2 "\n[Peer]\nPublicKey = " K1 "\n[Peer]\nPublicKey = " K3
		 "\n",
		 "https://h/b.conf", NULL, &d, &refused) == 1 &&
		   refused == 2,
	   "a list repeating the file's key and an earlier list's: both dropped, the rest "
	   "admitted");
	is_str(message(&d, 0),
	       "https://h/b.conf:2: peer " K2
	       " is already defined at a.conf:1; that definition is used",
	       "a repeat of an earlier list's peer names both places");
	is_str(message(&d, 1),
	       "https://h/b.conf:4: peer " K1
	       " is already defined at wg0.conf:2; that definition is used",
	       "a repeat of the file's peer names both places");
	ok(d.count == 2 && d.warnings == 2 && d.errors == 0,
	   "warnings, not errors: one peer costs only itself");
	ok(model_peer_count(conf.device) == 3, "the file's peer, a.conf's and b.conf's third");
	config_free(&conf);
	diag_free(&d);
}

static void test_default_routes(void)
{
	struct wg_config conf = parse_quick("[Interface]\nPeerList = https://h/l\n");
	struct diag_list d;
	size_t refused;

	diag_init(&d, NULL);
	ok(admit(&conf,
		 "[Peer]\nPublicKey = " K1 "\nAllowedIPs = 0.0.0.0/0\n[Peer]\nPublicKey = " K2
		 "\nAllowedIPs = 10.0.0.0/8, ::/0\n[Peer]\nPublicKey = " K3
		 "\nAllowedIPs = 128.0.0.0/1\n[Peer]\nPublicKey = " K4
		 "\nAllowedIPs = 10.9.0.0/16, 2001:db8::/32\n",
		 "l", NULL, &d, &refused) == 1 &&
		   refused == 3,
	   "without PeerListAllowedIPs, 0.0.0.0/0, ::/0 and a /1 are refused; other prefixes "
	   "admitted");
	is_str(message(&d, 0),
	       "l:3: peer " K1
	       " claims 0.0.0.0/0, a default route, which a list may claim only within "
	       "PeerListAllowedIPs (none at wg0.conf:2); the peer is not used",
	       "the message names the list's line and the config's PeerList line");
	config_free(&conf);
	diag_free(&d);

	conf = parse_quick(
		"[Interface]\nPeerListAllowedIPs = 0.0.0.0/0\nPeerListAllowedIPs = 10.0.0.0/8\n");
	diag_init(&d, NULL);
	ok(admit(&conf,
		 "[Peer]\nPublicKey = " K1 "\nAllowedIPs = 0.0.0.0/0\n[Peer]\nPublicKey = " K2
		 "\nAllowedIPs = ::/0\n",
		 "l", NULL, &d, &refused) == 1 &&
		   refused == 1 && conf.device->first_peer &&
		   conf.device->first_peer->first_allowedip->cidr == 0,
	   "a scope of 0.0.0.0/0 lets a list take the IPv4 default route, and only that");
	is_str(message(&d, 0),
	       "l:6: peer " K2
	       " claims ::/0, outside PeerListAllowedIPs (wg0.conf:2); the peer is not used",
	       "the message names the list's line and the scope's");
	config_free(&conf);
	diag_free(&d);
}

static void test_scope(void)
{
	struct wg_config conf =
		parse_quick("[Interface]\nPeerListAllowedIPs = 10.44.0.0/16, fd44::/16\n");
	struct diag_list d;
	size_t refused;

	diag_init(&d, NULL);
	ok(admit(&conf,
		 "[Peer]\nPublicKey = " K1
		 "\nAllowedIPs = 10.44.1.0/24, fd44:1::/64\n[Peer]\nPublicKey = " K2
		 "\nAllowedIPs = 10.44.2.0/24\nAllowedIPs = 10.45.0.0/24\n[Peer]\nPublicKey = " K3
		 "\nAllowedIPs = 10.44.0.0/15\n",
		 "l", NULL, &d, &refused) == 1 &&
		   refused == 2,
	   "inside the scope admitted; a peer with one prefix outside it, or one wider than it, "
	   "refused whole");
	is_str(message(&d, 0),
	       "l:7: peer " K2 " claims 10.45.0.0/24, outside PeerListAllowedIPs (wg0.conf:2); the "
	       "peer is not used",
	       "the refusal names the line of the prefix");
	config_free(&conf);
	diag_free(&d);
}

static void test_file_wins(void)
{
	struct wg_config conf = parse_quick("[Interface]\n[Peer]\nPublicKey = " K1
					    "\nAllowedIPs = 10.44.0.0/24, fd44::/64\n");
	struct diag_list d;
	size_t refused;

	diag_init(&d, NULL);
	ok(admit(&conf,
		 "[Peer]\nPublicKey = " K2 "\nAllowedIPs = 10.44.0.2/32\n[Peer]\nPublicKey = " K3
		 "\nAllowedIPs = fd44::/64\n[Peer]\nPublicKey = " K4
		 "\nAllowedIPs = 10.0.0.0/8, 10.44.1.0/24\n",
		 "l", NULL, &d, &refused) == 1 &&
		   refused == 2,
	   "a prefix inside or equal to a file peer's is refused; a wider one (longest match keeps "
	   "the file's) is not");
	is_str(message(&d, 0),
	       "l:3: peer " K2
	       " claims 10.44.0.2/32, which the peer at wg0.conf:2 routes (10.44.0.0/24); the file "
	       "wins and this peer is not used",
	       "one message naming both places");
	config_free(&conf);
	diag_free(&d);
}

/* Against naive scans: the same peers refused for repeated keys and for the file's prefixes. */
static void test_many(void)
{
	struct wg_config conf = parse_quick("[Interface]\n");
	struct wg_device *list = model_device_new();
	struct peerlist_policy policy = { .scope = &conf.peer_list_scope,
					  .conf_source = "wg0.conf" };
	unsigned int naive = 0;
	struct wg_peer *p, *q, *file_last;
	struct wg_allowedip *a, *fa;
	struct diag_list d;
	size_t refused;
	long moved;

	for (unsigned int i = 0; i < 2000; ++i) {
		p = model_peer_new(conf.device);
		p->flags = WGPEER_HAS_PUBLIC_KEY;
		p->lineno = i + 1;
		rnd_bytes(p->public_key, WG_KEY_LEN);
		a = model_allowedip_new(p);
		a->family = AF_INET;
		a->cidr = (uint8_t)(16 + rnd() % 17);
		a->ip4.s_addr = htonl((uint32_t)((10U << 24) | (rnd() & 0xffffff)) &
				      ~(a->cidr == 32 ? 0 : 0xffffffffU >> a->cidr));
	}
	file_last = conf.device->last_peer;
	for (unsigned int i = 0; i < 10000; ++i) {
		p = model_peer_new(list);
		p->flags = WGPEER_HAS_PUBLIC_KEY;
		p->lineno = i + 1;
		rnd_bytes(p->public_key, WG_KEY_LEN);
		if (i % 500 == 7) {
			unsigned int pick = (unsigned int)(rnd() % 2000);

			for (q = conf.device->first_peer; pick--; q = q->next_peer)
				;
			memcpy(p->public_key, q->public_key, WG_KEY_LEN);
		}
		a = model_allowedip_new(p);
		a->family = AF_INET;
		a->cidr = 32;
		a->ip4.s_addr = htonl((uint32_t)((10U << 24) | (rnd() & 0xffffff)));
	}
	/* Naively: every list peer against every file peer. */
	for (p = list->first_peer; p; p = p->next_peer) {
		bool bad = false;

		for (q = conf.device->first_peer; q && !bad;
		     q = q == file_last ? NULL : q->next_peer) {
			bad = !memcmp(p->public_key, q->public_key, WG_KEY_LEN);
			for_each_wgallowedip (q, fa) {
				for_each_wgallowedip (p, a)
					bad = bad || model_prefix_contains(fa, a->family, &a->ip6,
									   a->cidr);
			}
		}
		naive += bad;
	}
	diag_init(&d, NULL);
	moved = peerlist_admit(conf.device, list, "list", &policy, &d, &refused);
	ok(refused == naive && moved == (long)(10000 - naive) && d.count == naive && naive > 20,
	   "10,000 list peers against 2,000 file peers: %zu refused, %u by the naive scan", refused,
	   naive);
	model_device_free(list);
	config_free(&conf);
	diag_free(&d);
}

int main(void)
{
	test_merge_and_own_key();
	test_duplicates();
	test_default_routes();
	test_scope();
	test_file_wins();
	test_many();
	return done_testing();
}
