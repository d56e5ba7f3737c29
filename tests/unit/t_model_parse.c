// SPDX-License-Identifier: MIT
/*
 * Table of config files with the exact result expected: every diagnostic with its line, and
 * a dump of the model (showconf form plus the wg-quick keys). Semantics follow current
 * upstream wg(8)/wg-quick(8): features.md §1.5 and §2.2.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/config.h"
#include "model/emit.h"
#include "model/encoding.h"
#include "tap.h"

#define K1 "yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk="
#define K2 "xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg="
#define K3 "TrMvSoP4jYQlY6RIzBgbssQqY3vxI2Pi+y71lOWWXX0="

static const char *hook_names[] = { "PreUp", "PostUp", "PreDown", "PostDown" };

static void dump_list(struct strbuf *sb, const char *name, const struct strlist *l)
{
	for (size_t i = 0; i < l->n; ++i)
		strbuf_printf(sb, "%s[%u] <%s>\n", name, l->lineno[i], l->v[i]);
}

static char *dump(const struct wg_config *conf)
{
	struct wg_allowedip *a;
	struct wg_peer *peer;
	struct strbuf sb;
	char text[128];

	strbuf_init(&sb);
	emit_showconf(&sb, conf->device);
	strbuf_puts(&sb, "--\n");
	for_each_wgallowedip (&conf->addresses, a) {
		emit_prefix(text, sizeof(text), a->family, &a->ip6, a->cidr);
		strbuf_printf(&sb, "Address[%u] %s\n", a->lineno, text);
	}
	dump_list(&sb, "DNS", &conf->dns);
	dump_list(&sb, "Search", &conf->dns_search);
	if (conf->flags & WGCONF_HAS_MTU)
		strbuf_printf(&sb, "MTU %u\n", conf->mtu);
	if (conf->flags & WGCONF_HAS_TABLE)
		strbuf_printf(&sb, "Table %s\n", conf->table);
	for (int h = 0; h < WG_HOOK_COUNT; ++h)
		dump_list(&sb, hook_names[h], &conf->hooks[h]);
	if (conf->flags & WGCONF_HAS_SAVE_CONFIG)
		strbuf_printf(&sb, "SaveConfig %s\n", conf->save_config ? "true" : "false");
	for (size_t i = 0; i < conf->n_peer_lists; ++i)
		strbuf_printf(&sb, "PeerList[%u] <%s> name <%s>\n", conf->peer_lists[i].lineno,
			      conf->peer_lists[i].source,
			      peer_list_expected_name(&conf->peer_lists[i]));
	for_each_wgallowedip (&conf->peer_list_scope, a) {
		emit_prefix(text, sizeof(text), a->family, &a->ip6, a->cidr);
		strbuf_printf(&sb, "PeerListAllowedIPs[%u] %s\n", a->lineno, text);
	}
	for_each_wgpeer (conf->device, peer) {
		if (peer->name)
			strbuf_printf(&sb, "Name[%u] %s\n", peer->lineno, peer->name);
		if (!(peer->flags & WGPEER_REPLACE_ALLOWEDIPS))
			strbuf_printf(&sb, "Incremental[%u]\n", peer->lineno);
		for_each_wgallowedip (peer, a) {
			if (a->flags & WGALLOWEDIP_REMOVE_ME) {
				emit_prefix(text, sizeof(text), a->family, &a->ip6, a->cidr);
				strbuf_printf(&sb, "Remove %s\n", text);
			}
		}
	}
	return strbuf_detach(&sb);
}

static char *diags(const struct diag_list *d)
{
	struct strbuf sb;

	strbuf_init(&sb);
	for (size_t i = 0; i < d->count; ++i)
		strbuf_printf(&sb, "%s%u: %s\n", d->items[i].severity == DIAG_WARNING ? "W" : "E",
			      d->items[i].line, d->items[i].message);
	strbuf_puts(&sb, "");
	return strbuf_detach(&sb);
}

struct tcase {
	const char *name;
	enum config_grammar grammar;
	const char *input;
	int ret;
	const char *diags;
	const char *dump; /* NULL: not checked */
};

static const struct tcase cases[] = {
	{ "minimal interface and peer", CONFIG_GRAMMAR_QUICK,
	  "[Interface]\nPrivateKey = " K1 "\nListenPort = 51820\n\n[Peer]\nPublicKey = " K2
	  "\nAllowedIPs = 10.0.0.2/32\nEndpoint = 192.0.2.1:51820\n",
	  0, "",
	  "[Interface]\nListenPort = 51820\nPrivateKey = " K1 "\n\n[Peer]\nPublicKey = " K2
	  "\nAllowedIPs = 10.0.0.2/32\nEndpoint = 192.0.2.1:51820\n--\n" },
	{ "case-insensitive keys and sections, whitespace inside keys", CONFIG_GRAMMAR_WG,
	  "[INTERFACE]\nprivate key = " K1 "\n[peer]\nPUBLIC KEY=" K2
	  "\nAllowed IPs = 10.0.0.0 / 8 ,fd00::/8\n"
	  "Persistent Keepalive = 25\n",
	  0, "",
	  "[Interface]\nPrivateKey = " K1 "\n\n[Peer]\nPublicKey = " K2
	  "\nAllowedIPs = 10.0.0.0/8, fd00::/8\nPersistentKeepalive = 25\n--\n" },
	{ "comments anywhere, CRLF, BOM, indentation", CONFIG_GRAMMAR_QUICK,
	  "\xef\xbb\xbf# top\r\n  [Interface] # c\r\n\tPrivateKey = " K1
	  " # trailing\r\n ; semicolon is not a comment\r\n",
	  -22, "E4: Line unrecognized: `;semicolonisnotacomment'\n", NULL },
	{ "semicolons are literal, not inih comments", CONFIG_GRAMMAR_QUICK,
	  "[Interface]\nPostUp = iptables -A FORWARD -i %i -j ACCEPT; iptables -t nat -A "
	  "POSTROUTING -o eth0 ; true\n",
	  0, "",
	  "[Interface]\n\n--\nPostUp[2] <iptables -A FORWARD -i %i -j ACCEPT; iptables -t nat -A "
	  "POSTROUTING -o eth0 ; true>\n" },
	{ "hooks keep '#' and '=' and ':'", CONFIG_GRAMMAR_QUICK,
	  "[Interface]\nPreUp = echo a=b:c # not a comment for bash\nPostDown = wg set %i "
	  "private-key <(cat /k)\n",
	  0, "",
	  "[Interface]\n\n--\nPreUp[2] <echo a=b:c # not a comment for bash>\nPostDown[3] <wg set "
	  "%i private-key <(cat /k)>\n" },
	{ "consecutive and empty peers", CONFIG_GRAMMAR_WG,
	  "[Peer]\nPublicKey = " K2 "\n[Peer]\n[Peer]\nPublicKey = " K3 "\n", -22,
	  "E3: A peer is missing a public key\n", NULL },
	{ "consecutive peers without keys between", CONFIG_GRAMMAR_WG,
	  "[Peer]\nPublicKey = " K2 "\n[Peer]\nPublicKey = " K3 "\n", 0, "",
	  "[Interface]\n\n[Peer]\nPublicKey = " K2 "\n\n[Peer]\nPublicKey = " K3 "\n--\n" },
	{ "repeated AllowedIPs accumulate; repeated scalar keys: last wins", CONFIG_GRAMMAR_WG,
	  "[Interface]\nListenPort = 1\nListenPort = 2\n[Peer]\nPublicKey = " K2
	  "\nAllowedIPs = 10.0.0.1\nAllowedIPs = 10.0.0.2/32, ::1\n",
	  0, "",
	  "[Interface]\nListenPort = 2\n\n[Peer]\nPublicKey = " K2
	  "\nAllowedIPs = 10.0.0.1/32, 10.0.0.2/32, ::1/128\n--\n" },
	{ "incremental AllowedIPs (+/-)", CONFIG_GRAMMAR_WG,
	  "[Peer]\nPublicKey = " K2 "\nAllowedIPs = +10.0.0.1/32, -10.0.0.2/32\n", 0, "",
	  "[Interface]\n\n[Peer]\nPublicKey = " K2
	  "\nAllowedIPs = 10.0.0.1/32, 10.0.0.2/32\n--\nIncremental[1]\nRemove 10.0.0.2/32\n" },
	{ "empty AllowedIPs clears", CONFIG_GRAMMAR_WG,
	  "[Peer]\nPublicKey = " K2 "\nAllowedIPs =\n", 0, "",
	  "[Interface]\n\n[Peer]\nPublicKey = " K2 "\n--\n" },
	{ "nonzero host bits warn", CONFIG_GRAMMAR_WG,
	  "[Peer]\nPublicKey = " K2 "\nAllowedIPs = 10.0.0.1/8\n", 0,
	  "W3: AllowedIP has nonzero host part: 10.0.0.1/8\n", NULL },
	{ "bad key", CONFIG_GRAMMAR_WG, "[Interface]\nPrivateKey = abc\n", -22,
	  "E2: Key is not the correct length or format: `abc'\n", NULL },
	{ "non-canonical key", CONFIG_GRAMMAR_WG,
	  "[Interface]\nPrivateKey = yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmn=\n", -22,
	  "E2: Key is not the correct length or format: 44 characters (a secret: not shown)\n",
	  NULL },
	{ "port out of range is an error, not port 4464", CONFIG_GRAMMAR_WG,
	  "[Interface]\nListenPort = 70000\n", -22,
	  "E2: Port is not in the range 0-65535: `70000'\n", NULL },
	{ "port by service name", CONFIG_GRAMMAR_WG, "[Interface]\nListenPort = domain\n", 0, "",
	  "[Interface]\nListenPort = 53\n\n--\n" },
	{ "fwmark forms", CONFIG_GRAMMAR_WG, "[Interface]\nFwMark = 0x10\n", 0, "",
	  "[Interface]\nFwMark = 0x10\n\n--\n" },
	{ "fwmark off and bad", CONFIG_GRAMMAR_WG,
	  "[Interface]\nFwMark = off\nFwMark = 0x100000000\nFwMark = -1\n", -22,
	  "E3: Fwmark is neither 0/off nor 0-0xffffffff: `0x100000000'\nE4: Fwmark is neither "
	  "0/off nor 0-0xffffffff: `-1'\n",
	  NULL },
	{ "keepalive bad", CONFIG_GRAMMAR_WG,
	  "[Peer]\nPublicKey = " K2 "\nPersistentKeepalive = 65536\n", -22,
	  "E3: Persistent keepalive interval is neither 0/off nor 1-65535: `65536'\n", NULL },
	{ "endpoint forms", CONFIG_GRAMMAR_WG,
	  "[Peer]\nPublicKey = " K2 "\nEndpoint = [2001:db8::1]:51820\n[Peer]\nPublicKey = " K3
	  "\nEndpoint = vpn.example.com:443\n",
	  0, "",
	  "[Interface]\n\n[Peer]\nPublicKey = " K2
	  "\nEndpoint = [2001:db8::1]:51820\n\n[Peer]\nPublicKey = " K3
	  "\nEndpoint = vpn.example.com:443\n--\n" },
	{ "endpoint errors", CONFIG_GRAMMAR_WG,
	  "[Peer]\nPublicKey = " K2
	  "\nEndpoint = [::1\nEndpoint = host\nEndpoint = [::1]51820\nEndpoint =\n",
	  -22,
	  "E3: Unable to find matching brace of endpoint: `[::1'\nE4: Unable to find port of "
	  "endpoint: `host'\n"
	  "E5: Unable to find port of endpoint: `[::1]51820'\nE6: Unable to parse empty endpoint\n",
	  NULL },
	{ "allowed-ip errors", CONFIG_GRAMMAR_WG,
	  "[Peer]\nPublicKey = " K2 "\nAllowedIPs = 10.0.0.300/32\nAllowedIPs = 10.0.0.0/33\n", -22,
	  "E3: Unable to parse IP address: `10.0.0.300'\nE4: AllowedIP is not in the correct "
	  "format: `10.0.0.0/33'\n",
	  NULL },
	{ "key outside section / unknown key", CONFIG_GRAMMAR_WG,
	  "PrivateKey = " K1 "\n[Interface]\nFoo = bar\n[Peer]\nListenPort = 1\n", -22,
	  "E1: Line unrecognized: `PrivateKey=' and a value not shown (it may be a key)\nE3: Line "
	  "unrecognized: `Foo=bar'\nE5: Line unrecognized: `ListenPort=1'\n"
	  "E4: A peer is missing a public key\n",
	  NULL },
	{ "unknown section and garbage", CONFIG_GRAMMAR_WG,
	  "[Interfaces]\n[Peer]junk\nnot a key value line\n", -22,
	  "E1: Line unrecognized: `[Interfaces]'\nE2: Line unrecognized: `[Peer]junk'\nE3: Line "
	  "unrecognized: `notakeyvalueline'\n",
	  NULL },
	{ "wg grammar rejects wg-quick keys", CONFIG_GRAMMAR_WG,
	  "[Interface]\nAddress = 10.0.0.1/24\n", -22,
	  "E2: Line unrecognized: `Address=10.0.0.1/24'\n", NULL },
	{ "wg-quick keys are only wg-quick's inside [Interface]", CONFIG_GRAMMAR_QUICK,
	  "[Peer]\nPublicKey = " K2 "\nAddress = 10.0.0.1/24\n", -22,
	  "E3: Line unrecognized: `Address=10.0.0.1/24'\n", NULL },
	{ "wg-quick keys", CONFIG_GRAMMAR_QUICK,
	  "[Interface]\nAddress = 10.0.0.1/24,fd00::1/64 10.0.1.1\nADDRESS=10.0.2.1/24\nDNS = "
	  "1.1.1.1, example.com,2606:4700::1111 corp\n"
	  "MTU = 1280\nTable = 1234\nSaveConfig = True\nPreUp = a\nPreUp = b\nPostUp = c\nPreDown "
	  "= d\nPostDown = e\n",
	  0, "",
	  "[Interface]\n\n--\nAddress[2] 10.0.0.1/24\nAddress[2] fd00::1/64\nAddress[2] "
	  "10.0.1.1/32\nAddress[3] 10.0.2.1/24\n"
	  "DNS[4] <1.1.1.1>\nDNS[4] <2606:4700::1111>\nSearch[4] <example.com>\nSearch[4] "
	  "<corp>\nMTU 1280\nTable 1234\n"
	  "PreUp[8] <a>\nPreUp[9] <b>\nPostUp[10] <c>\nPreDown[11] <d>\nPostDown[12] "
	  "<e>\nSaveConfig true\n" },
	{ "wg-quick value errors", CONFIG_GRAMMAR_QUICK,
	  "[Interface]\nAddress = 10.0.0.256/24\nDNS = 1.2.3\nMTU = 9x\nMTU = 70000\nTable = a "
	  "b\nSaveConfig = yes\n",
	  -22,
	  "E2: Address is not an IP address with an optional prefix length: `10.0.0.256/24'\n"
	  "E3: DNS server is not an IP address: `1.2.3'\nE4: MTU is not a number in the range "
	  "68-65535: `9x'\n"
	  "E5: MTU is not a number in the range 68-65535: `70000'\n"
	  "E6: Table is neither off, auto, a number nor a table name: `a b'\nE7: `yes' is neither "
	  "true nor false\n",
	  NULL },
	{ "Table names and empty values reset", CONFIG_GRAMMAR_QUICK,
	  "[Interface]\nTable = main\nMTU = 1400\nMTU =\nTable = off\n", 0, "",
	  "[Interface]\n\n--\nTable off\n" },
	{ "friendly peer names from comments", CONFIG_GRAMMAR_QUICK,
	  "[Peer]\n# Name = laptop of Alice\nPublicKey = " K2
	  "\n[Peer]\n#name=phone\nPublicKey = " K3 "\n",
	  0, "",
	  "[Interface]\n\n[Peer]\nPublicKey = " K2 "\n\n[Peer]\nPublicKey = " K3
	  "\n--\nName[1] laptop of Alice\nName[4] phone\n" },
	{ "a peer listed twice warns", CONFIG_GRAMMAR_WG,
	  "[Peer]\nPublicKey = " K2 "\n[Peer]\nPublicKey = " K2 "\n", 0,
	  "W3: The peer of line 1 appears again; this section replaces its AllowedIPs\n", NULL },
	{ "wg-quick's bracket rule: [ Interface ] is not its [Interface]", CONFIG_GRAMMAR_QUICK,
	  "[ Interface ]\nAddress = 10.0.0.1/24\n", -22,
	  "E2: Line unrecognized: `Address=10.0.0.1/24'\n", NULL },
	{ "empty file", CONFIG_GRAMMAR_QUICK, "", 0, "", "[Interface]\n\n--\n" },
	{ "shared peer list keys: URL schemes and Ed25519 keys checked", CONFIG_GRAMMAR_QUICK,
	  "[Interface]\nPeerList = https://x/p.conf\nPeerList = peers.conf\nPeerList = "
	  "ftp://x/p\nPeerListKey = abc\n"
	  "PeerListKey = " K1 "\nPeerListCA = /ca.pem\n",
	  -22,
	  "E4: PeerList is neither a path nor an http://, https:// or file:// URL: `ftp://x/p'\n"
	  "E5: PeerListKey is not a base64 Ed25519 public key: `abc'\n",
	  NULL },
	{ "PeerList names, PeerListAllowedIPs; plain http needs a PeerListKey, https without one "
	  "warns",
	  CONFIG_GRAMMAR_QUICK,
	  "[Interface]\nPeerList = http://x/p.conf\nPeerList = https://x/q.conf   name=corp\n"
	  "PeerListAllowedIPs = 10.0.0.0/8, ::/0 10.0.0.1/8, bogus\nPeerList = peers.conf name=\n"
	  "PeerList = a file.conf\n",
	  -22,
	  "E4: PeerListAllowedIPs is not a list of network prefixes: `10.0.0.1/8'\n"
	  "E4: PeerListAllowedIPs is not a list of network prefixes: `bogus'\n"
	  "E5: PeerList name is not 1 to 255 printable characters: `'\n"
	  "E2: PeerList `http://x/p.conf' is fetched in clear and no PeerListKey verifies it: "
	  "anyone on the network "
	  "path could choose this host's peers (use https://, add PeerListKey, or both)\n"
	  "W3: PeerList `https://x/q.conf' is not signed: whoever controls that server can choose "
	  "this host's peers "
	  "(add PeerListKey)\n",
	  "[Interface]\n\n--\nPeerList[2] <http://x/p.conf> name <http://x/p.conf>\n"
	  "PeerList[3] <https://x/q.conf> name <corp>\nPeerList[6] <a file.conf> name <a "
	  "file.conf>\n"
	  "PeerListAllowedIPs[4] 10.0.0.0/8\nPeerListAllowedIPs[4] ::/0\n" },
	{ "a signed list may come over plain http", CONFIG_GRAMMAR_QUICK,
	  "[Interface]\nPeerList = http://x/p.conf\nPeerListKey = " K1 "\n", 0, "", NULL },
	{ "a byte-order mark after blanks is no key, in a list too (a fuzzer's crash)",
	  CONFIG_GRAMMAR_PEERS, "\t\t\t\xef\xbb\xbf\t\t= alp\n# \n\n\xaa=\nAl\x05\t\t= alpha\n",
	  -22,
	  "E1: Line unrecognized: `\xef\xbb\xbf=alp'\nE4: Line unrecognized: `\xaa='\nE5: Line "
	  "unrecognized: `Al\x05=alpha'\n",
	  "[Interface]\n\n--\n" },
	{ "PeerList is wgctl's, not wg's", CONFIG_GRAMMAR_WG, "[Interface]\nPeerList = x\n", -22,
	  "E2: Line unrecognized: `PeerList=x'\n", NULL },
	{ "a peer list holds no [Interface]", CONFIG_GRAMMAR_PEERS,
	  "[Interface]\nPrivateKey = " K1 "\n[Peer]\nPublicKey = " K2 "\n", -22,
	  "E1: A peer list holds only [Peer] sections, not [Interface]\nE2: Line unrecognized: "
	  "`PrivateKey=' and a value not shown (it may be a key)\n",
	  NULL },
	{ "a peer list names each peer once", CONFIG_GRAMMAR_PEERS,
	  "[Peer]\nPublicKey = " K2 "\n[Peer]\n# Name = x\nPublicKey = " K2 "\n", -22,
	  "E3: The peer of line 1 appears again; a peer list names each peer once\n", NULL },
	{ "wg-quick enters [Interface] on `[Interface] = x'; wg does not", CONFIG_GRAMMAR_QUICK,
	  "[Peer]\nPublicKey = " K2 "\n[Interface] = x\nAddress = 10.0.0.1/24\n", -22,
	  "E3: Line unrecognized: `[Interface]=x'\n",
	  "[Interface]\n\n[Peer]\nPublicKey = " K2 "\n--\nAddress[4] 10.0.0.1/24\n" },
	{ "wg's bracket rule: [ interface ] and [ Peer ] # c are its sections", CONFIG_GRAMMAR_WG,
	  "[ interface ]\nListenPort = 1\n[ Peer ] # c\nPublicKey = " K2 "\n", 0, "",
	  "[Interface]\nListenPort = 1\n\n[Peer]\nPublicKey = " K2 "\n--\n" },
	{ "a '#' before '=' leaves the line to wg; a comment after a value is cut, but a hook "
	  "keeps it",
	  CONFIG_GRAMMAR_QUICK,
	  "[Interface]\nPostUp # = x\nAddress\nMTU = 1400 # c\nPreUp =   # x\n", -22,
	  "E2: Line unrecognized: `PostUp'\nE3: Line unrecognized: `Address'\n",
	  "[Interface]\n\n--\nMTU 1400\nPreUp[5] <# x>\n" },
	{ "a header-shaped line is quoted whole, as wg quotes it, however long or odd",
	  CONFIG_GRAMMAR_WG,
	  "[this-section-name-is-far-longer-than-the-fifty-bytes-of-inih]\n[Inter\x1d"
	  "face]\n",
	  -22,
	  "E1: Line unrecognized: "
	  "`[this-section-name-is-far-longer-than-the-fifty-bytes-of-inih]'\n"
	  "E2: Line unrecognized: `[Inter\x1d"
	  "face]'\n",
	  NULL },
	{ "NUL byte", CONFIG_GRAMMAR_WG, "[Interface]\nListen\0Port = 1\n", -22,
	  "E2: Line contains a NUL byte\n", NULL },
};

static void run_case(const struct tcase *t, size_t len)
{
	struct wg_config conf;
	struct diag_list d;
	char *got_diags, *got_dump;
	FILE *f = fmemopen((void *)t->input, len, "r");
	int ret;

	diag_init(&d, "t");
	ret = config_read_stream(&conf, f, t->grammar, &d);
	fclose(f);
	got_diags = diags(&d);
	ok(ret == t->ret, "%s: returns %d (got %d)", t->name, t->ret, ret);
	is_str(got_diags, t->diags, t->name);
	if (t->dump) {
		got_dump = dump(&conf);
		is_str(got_dump, t->dump, t->name);
		free(got_dump);
	}
	free(got_diags);
	config_free(&conf);
	diag_free(&d);
}

/* Lines far beyond inih's 200 bytes: a 4 KB AllowedIPs line and a long hook, split and rejoined. */
static void long_lines(void)
{
	struct strbuf in, want;
	struct wg_config conf;
	struct diag_list d;
	FILE *f;
	int ret, n = 0;

	strbuf_init(&in);
	strbuf_init(&want);
	strbuf_puts(&in, "[Interface]\nPostUp = echo");
	for (int i = 0; i < 300; ++i)
		strbuf_printf(&in, " ;%d:", i);
	strbuf_puts(&in, "\n[Peer]\nPublicKey = " K2 "\nAllowedIPs = ");
	for (int a = 0; a < 16; ++a) {
		for (int b = 0; b < 16; ++b, ++n)
			strbuf_printf(&in, "%s10.%d.%d.0/24", n ? ", " : "", a, b);
	}
	strbuf_puts(&in, "\n");
	ok(in.len > 4096, "input has a line over 4 KB (%zu bytes total)", in.len);
	diag_init(&d, "t");
	f = fmemopen(in.buf, in.len, "r");
	ret = config_read_stream(&conf, f, CONFIG_GRAMMAR_QUICK, &d);
	fclose(f);
	ok(ret == 0 && d.count == 0, "long lines parse cleanly");
	n = 0;
	for (struct wg_allowedip *a = conf.device->first_peer->first_allowedip; a;
	     a = a->next_allowedip)
		++n;
	ok(n == 256, "all 256 prefixes of the long line arrived (%d)", n);
	strbuf_puts(&want, "echo");
	for (int i = 0; i < 300; ++i)
		strbuf_printf(&want, " ;%d:", i);
	ok(conf.hooks[WG_HOOK_POST_UP].n == 1, "long hook is one hook");
	if (conf.hooks[WG_HOOK_POST_UP].n == 1)
		is_str(conf.hooks[WG_HOOK_POST_UP].v[0], want.buf,
		       "long hook arrives byte for byte");
	config_free(&conf);
	diag_free(&d);
	strbuf_free(&in);
	strbuf_free(&want);
}

static void stripped_text(void)
{
	static const char in[] =
		"# c\n  [Interface]  \nPrivateKey = " K1 "\nAddress = 10.0.0.1/24\n\n  [Peer]\n"
		"PublicKey = " K2 "   \n";
	static const char messy[] =
		"\xef\xbb\xbf[Interface] # c\r\nPrivateKey = " K1 "\r\nPostUp = echo # x\n"
		"  Address = 10.0.0.1/24  \n\t\n[Peer]\n  # Name = a  \nPublicKey = " K2 " # k\n";
	struct wg_config conf;
	struct diag_list d;
	FILE *f = fmemopen((void *)in, sizeof(in) - 1, "r");

	diag_init(&d, "t");
	ok(config_read_stream(&conf, f, CONFIG_GRAMMAR_QUICK, &d) == 0, "strip input parses");
	fclose(f);
	is_str(conf.stripped,
	       "# c\n[Interface]\nPrivateKey = " K1 "\n\n[Peer]\nPublicKey = " K2 "\n",
	       "stripped keeps wg lines trimmed, drops wg-quick keys");
	config_free(&conf);
	diag_free(&d);
	diag_init(&d, "t");
	f = fmemopen((void *)messy, sizeof(messy) - 1, "r");
	ok(config_read_stream(&conf, f, CONFIG_GRAMMAR_QUICK, &d) == 0, "messy strip input parses");
	fclose(f);
	is_str(conf.stripped,
	       "[Interface] # c\nPrivateKey = " K1 "\n\n[Peer]\n# Name = a\nPublicKey = " K2
	       " # k\n",
	       "stripped drops the BOM, CRs and hooks, keeps comments after wg's values");
	config_free(&conf);
	diag_free(&d);
}

/*
 * Endpoint names of every length up to what DNS allows are written back whole (a fuzzer found
 * showconf, strip and save cutting a long one short, its port with it); longer ones are refused.
 */
static void long_endpoints(void)
{
	static const size_t lens[] = { 93, 94, 200, 253, 254 };

	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); ++i) {
		struct strbuf in, host, out;
		struct wg_config conf;
		struct diag_list d;
		FILE *f;
		int ret;

		strbuf_init(&in);
		strbuf_init(&host);
		strbuf_init(&out);
		for (size_t k = 0; k < lens[i]; ++k)
			strbuf_putc(&host, k % 64 == 63 ? '.' : 'a' + (char)(k % 26));
		strbuf_printf(&in, "[Peer]\nPublicKey = " K2 "\nEndpoint = %s:51820\n", host.buf);
		diag_init(&d, "t");
		f = fmemopen(in.buf, in.len, "r");
		ret = config_read_stream(&conf, f, CONFIG_GRAMMAR_WG, &d);
		fclose(f);
		if (lens[i] <= WG_ENDPOINT_HOST_MAX) {
			emit_showconf(&out, conf.device);
			ok(ret == 0, "a %zu-character endpoint name parses", lens[i]);
			ok(strstr(out.buf, host.buf) && strstr(out.buf, ":51820\n"),
			   "a %zu-character endpoint name is written whole", lens[i]);
		} else {
			ok(ret == -22 && d.errors == 1 &&
				   strstr(d.items[0].message, "Endpoint host is longer than 253"),
			   "a %zu-character endpoint name is refused", lens[i]);
		}
		config_free(&conf);
		diag_free(&d);
		strbuf_free(&in);
		strbuf_free(&host);
		strbuf_free(&out);
	}
}

int main(void)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); ++i) {
		size_t len = strlen(cases[i].input);

		if (!strcmp(cases[i].name, "NUL byte"))
			len = sizeof("[Interface]\nListen\0Port = 1\n") - 1;
		run_case(&cases[i], len);
	}
	long_lines();
	stripped_text();
	long_endpoints();
	return done_testing();
}
