// SPDX-License-Identifier: MIT
/*
 * fleet_check() on fleets parsed from strings: for every finding one fleet that has it (code and
 * every location checked) and one that does not. {privX}/{pubX} stand for host X's keys.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "model/encoding.h"
#include "model/fleet_check.h"
#include "util/strbuf.h"
#include "tap.h"

static const char *const priv[] = {
	"WNP7t74QoBAIHeHYDk4gTMHV+YWY18CtB2btrsTvOlg=",
	"GN4LYIk0WacMDb9MqFO3Cx/3iJaubiq0+G9X6JJ/lnU=",
	"UNcvbpJout+UwFcj2GC3DcSn73ZUvcsoQ6MEqBfrtVE=",
	"wPgo3q+IScNDfc+3H9KHu+Rk5mbbIK8Gzh5cCLOJZ0s=",
};
static char pub[4][WG_KEY_LEN_BASE64];
static const char *const names[] = { "a.conf", "b.conf", "c.conf" };

/* A clean hub (a, relaying IPv4) with two spokes behind NAT that keep their mappings open. */
#define HUB_HEAD "[Interface]\nPrivateKey = {privA}\nAddress = 10.0.0.1/24\nListenPort = 51820\n"
#define HUB_PEERS                                                                                  \
	"[Peer]\nPublicKey = {pubB}\nAllowedIPs = 10.0.0.2/32\n[Peer]\nPublicKey = "               \
	"{pubC}\nAllowedIPs = 10.0.0.3/32\n"
#define HUB HUB_HEAD "Forwarding = ipv4\n" HUB_PEERS
#define SPOKE(x, n)                                                                                \
	"[Interface]\nPrivateKey = {priv" x "}\nAddress = 10.0.0." n                               \
	"/24\n[Peer]\nPublicKey = {pubA}\n"                                                        \
	"AllowedIPs = 10.0.0.0/24\nEndpoint = 192.0.2.1:51820\nPersistentKeepalive = 25\n"
/* A spoke with a host Address: lint_relay() then leaves its peers inside 10.0.0.0/24 alone. */
#define MESH(x, n)                                                                                 \
	"[Interface]\nPrivateKey = {priv" x "}\nAddress = 10.0.0." n                               \
	"/32\n[Peer]\nPublicKey = {pubA}\n"                                                        \
	"AllowedIPs = 10.0.0.0/24\nEndpoint = 192.0.2.1:51820\nPersistentKeepalive = 25\n"
#define B SPOKE("B", "2")
#define C SPOKE("C", "3")

static char *expand(const char *text)
{
	struct strbuf sb;

	strbuf_init(&sb);
	while (*text) {
		int h;

		if (!strncmp(text, "{priv", 5) || !strncmp(text, "{pub", 4)) {
			const char *x = text + (text[2] == 'r' ? 5 : 4);

			h = *x - 'A';
			strbuf_puts(&sb, text[2] == 'r' ? priv[h] : pub[h]);
			text = x + 2;
			continue;
		}
		strbuf_putc(&sb, *text++);
	}
	return strbuf_detach(&sb);
}

/* Parses up to three files as a.conf, b.conf, c.conf and checks them; findings land in r. */
static bool run(const char *a, const char *b, const char *c, bool whole, struct fleet_result *r)
{
	const char *texts[] = { a, b, c };
	struct fleet_host hosts[3];
	struct wg_config conf[3];
	bool good = true;
	size_t n = 0;

	fleet_result_init(r);
	for (; n < 3 && texts[n]; ++n) {
		char *text = expand(texts[n]);
		FILE *f = fmemopen(text, strlen(text), "r");
		struct diag_list d;

		diag_init(&d, names[n]);
		memset(&conf[n], 0, sizeof(conf[n]));
		good &= f && !config_read_stream(&conf[n], f, CONFIG_GRAMMAR_QUICK, &d);
		if (f)
			fclose(f);
		diag_print(&d, stdout);
		diag_free(&d);
		free(text);
		hosts[n] = (struct fleet_host){ .conf = &conf[n], .source = names[n] };
	}
	good &= !fleet_check(hosts, n, whole, r);
	while (n--)
		config_free(&conf[n]);
	return good;
}

static unsigned int count(const struct fleet_result *r, const char *code)
{
	unsigned int c = 0;

	for (size_t i = 0; i < r->count; ++i)
		c += !strcmp(r->items[i].code, code);
	return c;
}

static const struct fleet_finding *first(const struct fleet_result *r, const char *code)
{
	for (size_t i = 0; i < r->count; ++i) {
		if (!strcmp(r->items[i].code, code))
			return &r->items[i];
	}
	return NULL;
}

/* A finding with this code whose locations are exactly (file, line) pairs, NULL-terminated. */
static bool has(const struct fleet_result *r, const char *code, ...)
{
	for (size_t i = 0; i < r->count; ++i) {
		const struct fleet_finding *f = &r->items[i];
		bool match = !strcmp(f->code, code);
		const char *file;
		size_t l = 0;
		va_list ap;

		va_start(ap, code);
		while (match && (file = va_arg(ap, const char *))) {
			unsigned int line = va_arg(ap, unsigned int);

			match = l < f->nloc && !strcmp(f->loc[l].file, file) &&
				f->loc[l].line == line;
			++l;
		}
		va_end(ap);
		if (match && l == f->nloc)
			return true;
	}
	for (size_t i = 0; i < r->count; ++i)
		printf("# %s %s:%u: %s\n", r->items[i].code, r->items[i].loc[0].file,
		       r->items[i].loc[0].line, r->items[i].message);
	return false;
}

static bool no_secrets(const struct fleet_result *r)
{
	for (size_t i = 0; i < r->count; ++i) {
		for (size_t k = 0; k < 4; ++k) {
			if (strstr(r->items[i].message, priv[k]))
				return false;
		}
	}
	return true;
}

#define CASE(name, a, b, c, whole, check)                                                          \
	do {                                                                                       \
		struct fleet_result r;                                                             \
		ok(run(a, b, c, whole, &r), "%s: parsed", name);                                   \
		ok(check, "%s", name);                                                             \
		ok(no_secrets(&r), "%s: no private key in any message", name);                     \
		fleet_result_free(&r);                                                             \
	} while (0)

int main(void)
{
	uint8_t key[WG_KEY_LEN];

	if (crypto_init())
		return 1;
	for (size_t k = 0; k < 4; ++k) {
		if (!key_from_base64(key, priv[k]) || curve25519_generate_public(key, key))
			return 1;
		key_to_base64(pub[k], key);
	}
	explicit_bzero(key, sizeof(key));

	CASE("a clean hub and two spokes: nothing", HUB, B, C, true, r.count == 0);
	CASE("a clean single file: nothing", HUB, NULL, NULL, false, r.count == 0);

	/* 1 */
	CASE("two hosts with one key: error at both [Interface] lines", HUB, B, SPOKE("B", "3"),
	     true,
	     has(&r, FLEET_DUPLICATE_KEY, "c.conf", 1, "b.conf", 1, NULL) && r.errors >= 1 &&
		     count(&r, FLEET_DUPLICATE_KEY) == 1);
	CASE("distinct keys: no duplicate", HUB, B, C, true, count(&r, FLEET_DUPLICATE_KEY) == 0);

	/* 2 */
	CASE("a [Peer] no host has the key of: error",
	     HUB "[Peer]\nPublicKey = {pubD}\nAllowedIPs = 10.0.0.4/32\n", B, C, true,
	     has(&r, FLEET_UNKNOWN_PEER, "a.conf", 12, NULL) && count(&r, FLEET_UNKNOWN_PEER) == 1);
	CASE("an unknown [Peer] of a single file: not an error",
	     HUB "[Peer]\nPublicKey = {pubD}\nAllowedIPs = 10.0.0.4/32\n", NULL, NULL, false,
	     count(&r, FLEET_UNKNOWN_PEER) == 0 && r.errors == 0);

	/* 3 */
	CASE("a prefix inside another peer's: overlap with both lines",
	     "[Interface]\nPrivateKey = {privA}\n[Peer]\nPublicKey = {pubB}\nAllowedIPs = "
	     "10.0.0.0/24\n[Peer]\nPublicKey = {pubC}\nAllowedIPs = 10.0.0.3/32\n",
	     NULL, NULL, false, has(&r, FLEET_OVERLAP, "a.conf", 8, "a.conf", 5, NULL));
	CASE("the same prefix on two peers: overlap",
	     "[Interface]\nPrivateKey = {privA}\n[Peer]\nPublicKey = {pubB}\nAllowedIPs = "
	     "10.9.0.0/16, fd00::/64\n[Peer]\nPublicKey = {pubC}\nAllowedIPs = "
	     "10.8.0.0/16\nAllowedIPs = fd00::/64\n",
	     NULL, NULL, false,
	     has(&r, FLEET_OVERLAP, "a.conf", 9, "a.conf", 5, NULL) &&
		     count(&r, FLEET_OVERLAP) == 1 &&
		     strstr(first(&r, FLEET_OVERLAP)->message, "fd00::/64") &&
		     strstr(first(&r, FLEET_OVERLAP)->message, "line 6") &&
		     strstr(first(&r, FLEET_OVERLAP)->message, "line 3"));
	CASE("disjoint prefixes and a default route beside a host route: no overlap",
	     "[Interface]\nPrivateKey = {privA}\n[Peer]\nPublicKey = {pubB}\nAllowedIPs = "
	     "0.0.0.0/0, ::/0\n[Peer]\nPublicKey = {pubC}\nAllowedIPs = "
	     "10.0.0.3/32\n[Peer]\nPublicKey = {pubD}\nAllowedIPs = 10.0.0.4/32\n",
	     NULL, NULL, false, count(&r, FLEET_OVERLAP) == 0);

	/* 4 */
	CASE("a [Peer] not routing its host's Address: warning at the [Peer] and the Address",
	     HUB_HEAD "Forwarding = ipv4\n[Peer]\nPublicKey = {pubB}\nAllowedIPs = "
		      "10.0.1.0/24\n[Peer]\nPublicKey = {pubC}\nAllowedIPs = 10.0.0.3/32\n",
	     B, C, true,
	     has(&r, FLEET_UNROUTED_ADDRESS, "a.conf", 6, "b.conf", 3, NULL) &&
		     count(&r, FLEET_UNROUTED_ADDRESS) == 1);
	CASE("every [Peer] routes its host's Address: no warning", HUB, B, C, true,
	     count(&r, FLEET_UNROUTED_ADDRESS) == 0);
	CASE("a [Peer] whose host has no [Peer] back: one-sided", HUB, B,
	     "[Interface]\nPrivateKey = {privC}\nAddress = 10.0.0.3/24\n", true,
	     has(&r, FLEET_ONE_SIDED, "a.conf", 9, "c.conf", 1, NULL) &&
		     count(&r, FLEET_ONE_SIDED) == 1);
	CASE("peerings on both sides: not one-sided", HUB, B, C, true,
	     count(&r, FLEET_ONE_SIDED) == 0);

	/* 5 */
	CASE("a NAT-ed host without PersistentKeepalive to its server: warning", HUB,
	     "[Interface]\nPrivateKey = {privB}\nAddress = 10.0.0.2/24\n[Peer]\nPublicKey = "
	     "{pubA}\nAllowedIPs = 10.0.0.0/24\nEndpoint = 192.0.2.1:51820\n",
	     C, true,
	     has(&r, FLEET_NAT_KEEPALIVE, "b.conf", 4, "a.conf", 6, NULL) &&
		     count(&r, FLEET_NAT_KEEPALIVE) == 1);
	CASE("a host others have an Endpoint for needs no keepalive",
	     HUB_HEAD
	     "Forwarding = ipv4\n[Peer]\nPublicKey = {pubB}\nAllowedIPs = 10.0.0.2/32\nEndpoint = "
	     "192.0.2.2:51820\n[Peer]\nPublicKey = {pubC}\nAllowedIPs = 10.0.0.3/32\n",
	     "[Interface]\nPrivateKey = {privB}\nAddress = 10.0.0.2/24\nListenPort = "
	     "51820\n[Peer]\nPublicKey = {pubA}\nAllowedIPs = 10.0.0.0/24\nEndpoint = "
	     "192.0.2.1:51820\n",
	     C, true, count(&r, FLEET_NAT_KEEPALIVE) == 0);

	/* 6 */
	CASE("0.0.0.0/0 without ::/0: IPv6 leak on the AllowedIPs line",
	     "[Interface]\nPrivateKey = {privB}\n[Peer]\nPublicKey = {pubA}\nEndpoint = "
	     "192.0.2.1:51820\nAllowedIPs = 0.0.0.0/0\n",
	     NULL, NULL, false, has(&r, FLEET_IPV6_LEAK, "a.conf", 6, NULL) && r.warnings == 1);
	CASE("0.0.0.0/0 with ::/0: no leak",
	     "[Interface]\nPrivateKey = {privB}\n[Peer]\nPublicKey = {pubA}\nAllowedIPs = "
	     "0.0.0.0/0, ::/0\n",
	     NULL, NULL, false, count(&r, FLEET_IPV6_LEAK) == 0);

	/* 7 */
	CASE("a hub relaying its subnet without Forwarding: warned once, at its Address",
	     HUB_HEAD HUB_PEERS, B, C, true,
	     has(&r, FLEET_RELAY, "a.conf", 3, NULL) && count(&r, FLEET_RELAY) == 1);
	CASE("a host routing another's Address through a host without Forwarding: warning at all "
	     "three",
	     "[Interface]\nPrivateKey = {privA}\nAddress = 10.0.0.1/32\n" HUB_PEERS, B, C, true,
	     has(&r, FLEET_RELAY, "a.conf", 1, "b.conf", 6, "c.conf", 3, NULL) &&
		     count(&r, FLEET_RELAY) == 1);
	CASE("a hub with Forwarding = ipv4: no relay warning", HUB, B, C, true,
	     count(&r, FLEET_RELAY) == 0);
	CASE("an exit node without IPv6 forwarding: warning naming the default route", HUB,
	     "[Interface]\nPrivateKey = {privB}\nAddress = 10.0.0.2/24\n[Peer]\nPublicKey = "
	     "{pubA}\nAllowedIPs = 0.0.0.0/0, ::/0\nEndpoint = "
	     "192.0.2.1:51820\nPersistentKeepalive = 25\n",
	     C, true,
	     has(&r, FLEET_RELAY, "a.conf", 1, "b.conf", 6, NULL) && count(&r, FLEET_RELAY) == 1 &&
		     strstr(first(&r, FLEET_RELAY)->message, "::/0"));
	CASE("a host reached directly, not through the hub: no relay warning",
	     "[Interface]\nPrivateKey = {privA}\nAddress = 10.0.0.1/32\n" HUB_PEERS,
	     MESH("B", "2") "[Peer]\nPublicKey = {pubC}\nAllowedIPs = 10.0.0.3/32\n",
	     MESH("C", "3") "[Peer]\nPublicKey = {pubB}\nAllowedIPs = 10.0.0.2/32\n", true,
	     count(&r, FLEET_RELAY) == 0);

	CASE("a mesh of peers with Endpoints inside the subnet (a shared list) is not a relay",
	     "[Interface]\nPrivateKey = {privA}\nAddress = 10.0.0.1/24\n[Peer]\nPublicKey = "
	     "{pubB}\n"
	     "AllowedIPs = 10.0.0.2/32\nEndpoint = 192.0.2.2:51820\n[Peer]\nPublicKey = {pubC}\n"
	     "AllowedIPs = 10.0.0.3/32\nEndpoint = peer-c.example:51820\n",
	     NULL, NULL, false, count(&r, FLEET_RELAY) == 0);

	return done_testing();
}
