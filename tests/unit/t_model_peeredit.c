// SPDX-License-Identifier: MIT
/* peer add / remove without I/O: address allocation and edits of the server's config text. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/config.h"
#include "model/emit.h"
#include "model/encoding.h"
#include "model/peeredit.h"
#include "tests/unit/tap.h"

#define KEY_A "YFbZn6O0ZD6EVnJ/mKqhr+W5dRGjUZiB4XUBhmRRjE0="
#define KEY_B "aL2JQ2oPQFEBhVvXQ1X2V+6UDHXDy7mhE93S/CRJ0Fk="
#define KEY_C "2pvD3Yc2eG3x3MphlK0H1gw1kETkjXO8bvG7cNgOQmk="

static int parse(struct wg_config *conf, const char *text, struct diag_list *d)
{
	FILE *f = fmemopen((void *)text, strlen(text), "r");
	int ret;

	diag_init(d, "wg0.conf");
	ret = config_read_stream(conf, f, CONFIG_GRAMMAR_QUICK, d);
	fclose(f);
	return ret;
}

static void prefixes(char *buf, size_t len, const struct wg_peer *p)
{
	const struct wg_allowedip *aip;
	char one[64];

	buf[0] = '\0';
	for_each_wgallowedip (p, aip) {
		emit_prefix(one, sizeof(one), aip->family, &aip->ip6, aip->cidr);
		if (buf[0])
			strncat(buf, " ", len - strlen(buf) - 1);
		strncat(buf, one, len - strlen(buf) - 1);
	}
}

/* What the next peer of `text` gets, "ERR:<errno>" when it gets none. */
static void allocate(const char *text, const struct wg_device *running, const char *want,
		     const char *name)
{
	struct wg_config conf = { 0 };
	struct wg_peer out = { 0 };
	struct diag_list d;
	char got[256];
	int ret = parse(&conf, text, &d);

	if (ret) {
		ok(false, "%s: parses", name);
		goto out;
	}
	ret = peeredit_allocate(&conf, running, &out, &d);
	if (ret)
		snprintf(got, sizeof(got), "ERR:%d:%s", -ret, d.count ? d.items[0].message : "");
	else
		prefixes(got, sizeof(got), &out);
	if (!strncmp(want, "ERR:", 4))
		ok(!strncmp(got, want, strlen(want)), "%s (%s)", name, got);
	else
		is_str(got, want, name);
	model_peer_free_allowedips(&out);
out:
	config_free(&conf);
	diag_free(&d);
}

static void test_allocate(void)
{
	struct wg_device *running = model_device_new();
	struct wg_peer *p = model_peer_new(running);
	struct wg_allowedip *aip = model_allowedip_new(p);

	allocate("[Interface]\nAddress = 10.0.0.1/24\n", NULL, "10.0.0.2/32",
		 "first free after the server");
	allocate("[Interface]\nAddress = 10.0.0.5/24\n", NULL, "10.0.0.1/32",
		 "network address skipped, server's kept");
	allocate("[Interface]\nAddress = 10.0.0.1/24, fd00::1/64\n[Peer]\nPublicKey = " KEY_A
		 "\nAllowedIPs = 10.0.0.2/32, fd00::2/128\n[Peer]\nPublicKey = " KEY_B
		 "\nAllowedIPs = 10.0.0.4/31\n",
		 NULL, "10.0.0.3/32 fd00::3/128",
		 "peers' addresses and prefixes skipped, each subnet");
	allocate("[Interface]\nAddress = 10.0.0.1/30\n[Peer]\nPublicKey = " KEY_A
		 "\nAllowedIPs = 10.0.0.2/32\n",
		 NULL, "ERR:28:no free address left in `10.0.0.1/30'",
		 "broadcast never given: full");
	allocate("[Interface]\nAddress = 10.0.0.1/32\n", NULL, "ERR:28", "a /32 has no room");
	allocate("[Interface]\nPrivateKey = " KEY_C "\n", NULL, "ERR:2:no `Address ='",
		 "no Address");
	allocate("[Interface]\nAddress = 10.0.0.1/24\n[Peer]\nPublicKey = " KEY_A
		 "\nAllowedIPs = 0.0.0.0/0\n",
		 NULL, "ERR:28", "a peer routing everything holds every address");
	aip->family = AF_INET;
	aip->cidr = 32;
	inet_pton(AF_INET, "10.0.0.2", &aip->ip4);
	allocate("[Interface]\nAddress = 10.0.0.1/24\n", running, "10.0.0.3/32",
		 "a running peer's address is taken too");
	allocate("[Interface]\nAddress = 192.168.7.1/16\n", NULL, "192.168.0.1/32",
		 "host bits of Address cleared to find the subnet");
	model_device_free(running);
}

static void test_taken(void)
{
	struct wg_config conf = { 0 };
	struct diag_list d;
	uint8_t a[16];

	must(parse(&conf,
		   "[Interface]\nAddress = 10.1.0.1/24, fd00::1/64\n[Peer]\nPublicKey = " KEY_A
		   "\nAllowedIPs = 10.1.0.7/32\n",
		   &d));
	inet_pton(AF_INET, "10.1.0.7", a);
	ok(peeredit_address_taken(&conf, NULL, AF_INET, a), "peer's address taken");
	inet_pton(AF_INET, "10.1.0.1", a);
	ok(peeredit_address_taken(&conf, NULL, AF_INET, a), "server's address taken");
	inet_pton(AF_INET, "10.1.0.0", a);
	ok(peeredit_address_taken(&conf, NULL, AF_INET, a), "network address taken");
	inet_pton(AF_INET, "10.1.0.255", a);
	ok(peeredit_address_taken(&conf, NULL, AF_INET, a), "broadcast taken");
	inet_pton(AF_INET, "10.1.0.8", a);
	ok(!peeredit_address_taken(&conf, NULL, AF_INET, a), "a free one is free");
	inet_pton(AF_INET6, "fd00::", a);
	ok(peeredit_address_taken(&conf, NULL, AF_INET6, a), "v6 network address taken");
	inet_pton(AF_INET6, "fd00::ffff:ffff:ffff:ffff", a);
	ok(!peeredit_address_taken(&conf, NULL, AF_INET6, a), "v6 has no broadcast");
	ok(peeredit_valid_name("alice-phone.2") && !peeredit_valid_name("") &&
		   !peeredit_valid_name("a b") && !peeredit_valid_name("a\nb") &&
		   !peeredit_valid_name("a#"),
	   "names");
	config_free(&conf);
	diag_free(&d);
}

static const char server[] = "# office server\n"
			     "[Interface]\n"
			     "PrivateKey = " KEY_C "   # keep me\n"
			     "Address = 10.0.0.1/24\n"
			     "#   PublicEndpoint =  vpn.example.com:51820  \n"
			     "\n"
			     "[Peer]\n"
			     "# Name = alice\n"
			     "PublicKey=" KEY_A "\n"
			     "AllowedIPs = 10.0.0.2/32\n"
			     "# user's note about bob\n"
			     "\n"
			     "[peer]\n"
			     "# Name = bob\n"
			     "PublicKey = " KEY_B "\n"
			     "AllowedIPs = 10.0.0.3/32";

static void test_text(void)
{
	uint8_t a[WG_KEY_LEN], b[WG_KEY_LEN], c[WG_KEY_LEN];
	char *out = NULL, *back = NULL, *ep = NULL;
	unsigned int removed;

	key_from_base64(a, KEY_A);
	key_from_base64(b, KEY_B);
	key_from_base64(c, KEY_C);
	must(peeredit_append(server, "[Peer]\nX = 1\n", &out));
	ok(!strncmp(out, server, sizeof(server) - 1) &&
		   !strcmp(out + sizeof(server) - 1, "\n\n[Peer]\nX = 1\n"),
	   "append: the text kept byte for byte, newline and one blank line added");
	free(out);
	must(peeredit_append("", "[Peer]\n", &out));
	is_str(out, "[Peer]\n", "append to an empty file");
	free(out);
	must(peeredit_append("[Interface]\n\n", "[Peer]\n", &out));
	is_str(out, "[Interface]\n\n[Peer]\n", "no second blank line");
	free(out);

	must(peeredit_remove(server, a, &out, &removed));
	ok(removed == 1, "remove alice: one section");
	is_str(out,
	       "# office server\n[Interface]\nPrivateKey = " KEY_C "   # keep me\n"
	       "Address = 10.0.0.1/24\n#   PublicEndpoint =  vpn.example.com:51820  \n"
	       "# user's note about bob\n\n[peer]\n# Name = bob\nPublicKey = " KEY_B
	       "\nAllowedIPs = 10.0.0.3/32",
	       "remove alice: her lines and the blank before go, the note before bob stays");
	free(out);
	must(peeredit_remove(server, b, &out, &removed));
	ok(removed == 1 && !strstr(out, KEY_B) && strstr(out, "# user's note about bob\n") &&
		   !strstr(out, "bob\n\n"),
	   "remove bob, the last section without a final newline");
	must(peeredit_append(
		out, "[Peer]\n# Name = bob\nPublicKey = " KEY_B "\nAllowedIPs = 10.0.0.3/32\n",
		&back));
	ok(strstr(back, "10.0.0.3/32\n") != NULL, "and back");
	free(out);
	free(back);
	must(peeredit_remove(server, c, &out, &removed));
	ok(removed == 0 && !strcmp(out, server), "an unknown key: text unchanged");
	free(out);

	must(peeredit_interface_comment(server, "PublicEndpoint", &ep));
	is_str(ep, "vpn.example.com:51820", "# PublicEndpoint = read, trimmed");
	free(ep);
	must(peeredit_interface_comment("[Peer]\n# PublicEndpoint = x:1\n", "PublicEndpoint", &ep));
	ok(!ep, "only in [Interface]");
}

static void test_sections(void)
{
	struct wg_peer addrs = { 0 }, routes = { 0 };
	struct wg_config conf = { 0 };
	struct strbuf sb;
	struct diag_list d;
	uint8_t a[WG_KEY_LEN], b[WG_KEY_LEN], c[WG_KEY_LEN];
	struct peeredit_peer p = { .name = "carol",
				   .private_key = a,
				   .public_key = b,
				   .preshared_key = c,
				   .server_public_key = a,
				   .addresses = &addrs,
				   .routes = &routes,
				   .endpoint = "vpn.example.com:51820",
				   .dns = "10.0.0.1",
				   .keepalive = 25 };

	key_from_base64(a, KEY_A);
	key_from_base64(b, KEY_B);
	key_from_base64(c, KEY_C);
	must(parse(&conf, "[Interface]\nAddress = 10.0.0.1/24, fd00::1/64, 10.0.0.9/24\n", &d));
	must(peeredit_allocate(&conf, NULL, &addrs, &d));
	must(peeredit_subnets(&conf, &routes));
	strbuf_init(&sb);
	peeredit_server_section(&sb, &p);
	is_str(sb.buf,
	       "[Peer]\n# Name = carol\nPublicKey = " KEY_B "\nPresharedKey = " KEY_C
	       "\nAllowedIPs = 10.0.0.2/32, fd00::2/128\n",
	       "server section: no private key");
	strbuf_reset(&sb);
	peeredit_client_config(&sb, &p);
	is_str(sb.buf,
	       "[Interface]\n# Name = carol\nPrivateKey = " KEY_A
	       "\nAddress = 10.0.0.2/32, fd00::2/128\nDNS = 10.0.0.1\n\n[Peer]\n"
	       "PublicKey = " KEY_A "\nPresharedKey = " KEY_C
	       "\nAllowedIPs = 10.0.0.0/24, fd00::/64\nEndpoint = vpn.example.com:51820\n"
	       "PersistentKeepalive = 25\n",
	       "client config; each subnet once");
	strbuf_free(&sb);
	model_peer_free_allowedips(&addrs);
	model_peer_free_allowedips(&routes);
	config_free(&conf);
	diag_free(&d);
}

static void test_comments(void)
{
	struct peeredit_comment *v;
	uint8_t a[WG_KEY_LEN], b[WG_KEY_LEN];
	size_t n;

	key_from_base64(a, KEY_A);
	key_from_base64(b, KEY_B);
	must(peeredit_peer_comments("[Interface]\n# Endpoints = no:1\n[Peer]\n# Endpoints = "
				    "b:51820, [2001:db8::1]:51820\nPublicKey = " KEY_A
				    "\n[Peer]\nPublicKey = " KEY_B "\n[Peer]\n# Endpoints = x:1\n"
				    "[Peer]\nPublicKey=" KEY_B "\n#endpoints=c:2",
				    "Endpoints", &v, &n));
	ok(n == 2 && !memcmp(v[0].public_key, a, WG_KEY_LEN) &&
		   !strcmp(v[0].value, "b:51820, [2001:db8::1]:51820") &&
		   !memcmp(v[1].public_key, b, WG_KEY_LEN) && !strcmp(v[1].value, "c:2"),
	   "# Endpoints = per peer; [Interface]'s and keyless sections' ignored");
	peeredit_comments_free(v, n);
}

int main(void)
{
	test_comments();
	test_allocate();
	test_taken();
	test_text();
	test_sections();
	return done_testing();
}
