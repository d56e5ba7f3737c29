// SPDX-License-Identifier: MIT
/*
 * fleet_lists_expand() on a local list in a private directory, with WGCTL_CACHE_DIR and
 * WGCTL_LIST_STATE_DIR inside it: a signed list with a header is used and its serial recorded;
 * then, in order, a lower serial (refused, the last good copy kept; refused outright once the
 * cache is gone), an expired list, a peer claiming a default route (refused unless
 * PeerListAllowedIPs allows it), and unsigned, tampered, misnamed and headerless lists.
 */
#include <errno.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "crypto/crypto.h"
#include "fleet/cache.h"
#include "fleet/liststate.h"
#include "fleet/lists.h"
#include "fleet/signature.h"
#include "model/encoding.h"
#include "tap.h"
#include "util/utctime.h"

static char dir[] = "/tmp/wgctl-lists.XXXXXX";
static char conf_path[256], list_path[256], cache_dir_path[256];
static uint8_t seed[ED25519_SEED_SIZE];
static char signer[WG_KEY_LEN_BASE64], host_private[WG_KEY_LEN_BASE64],
	host_public[WG_KEY_LEN_BASE64];

/* A public key made of one repeated byte, for the peers of the lists and of the file. */
static const char *key(uint8_t b)
{
	static char ring[8][WG_KEY_LEN_BASE64];
	static unsigned int next;
	uint8_t k[WG_KEY_LEN];
	char *out = ring[next++ % 8];

	memset(k, b, sizeof(k));
	key_to_base64(out, k);
	return out;
}

static void write_file(const char *path, const char *text, size_t len)
{
	FILE *f = fopen(path, "w");

	if (!f || fwrite(text, 1, len, f) != len || fclose(f))
		abort();
}

/* The host's file: one PeerList expecting `corp', the signer's key, `extra' lines, one own peer. */
static void write_conf(const char *extra)
{
	char text[2048];

	snprintf(text, sizeof(text),
		 "[Interface]\nPrivateKey = %s\nPeerList = peers.conf name=corp\nPeerListKey = "
		 "%s\n%s\n"
		 "[Peer]\nPublicKey = %s\nAllowedIPs = 10.46.7.0/24\n",
		 host_private, signer, extra, key(0xf0));
	write_file(conf_path, text, strlen(text));
}

enum { SIGNED = 1 << 0, TAMPERED = 1 << 1, NO_HEADER = 1 << 2 };

/*
 * peers.conf (and peers.conf.sig): the header `name', `serial', expiring `expires' seconds from
 * now, then `peers' ([Peer] sections).
 */
static void write_list(const char *name, unsigned int serial, long expires, const char *peers,
		       unsigned int how)
{
	char when[UTC_TEXT_SIZE], text[4096], sig_path[300];
	struct strbuf sb;
	int n = 0;

	utc_format(when, (int64_t)time(NULL) + expires);
	if (!(how & NO_HEADER))
		n = snprintf(text, sizeof(text), "# wgctl-peer-list name=%s serial=%u expires=%s\n",
			     name, serial, when);
	snprintf(text + n, sizeof(text) - (size_t)n, "%s", peers);
	write_file(list_path, text, strlen(text));
	snprintf(sig_path, sizeof(sig_path), "%s.sig", list_path);
	unlink(sig_path);
	if (!(how & SIGNED))
		return;
	strbuf_init(&sb);
	if (signature_create(&sb, seed, text, strlen(text)) < 0)
		abort();
	write_file(sig_path, sb.buf, sb.len);
	strbuf_free(&sb);
	if (how & TAMPERED) {
		text[strlen(text) - 2] ^= 1;
		write_file(list_path, text, strlen(text));
	}
}

static char two_peers[512];

struct run {
	struct wg_config conf;
	struct fleet_lists pl;
	int ret;
};

static void expand(struct run *r)
{
	struct diag_list d;

	memset(r, 0, sizeof(*r));
	diag_init(&d, conf_path);
	if (config_read_file(&r->conf, conf_path, CONFIG_GRAMMAR_QUICK, &d) < 0) {
		diag_print(&d, stdout);
		abort();
	}
	diag_free(&d);
	r->ret = fleet_lists_expand(&r->conf, conf_path, "wg0", FLEET_LIST_FETCH, NULL, &r->pl);
}

static void done(struct run *r)
{
	fleet_lists_free(&r->pl);
	config_free(&r->conf);
}

/* Whether one of the run's messages contains `text'; if not, they are printed. */
static bool said(const struct run *r, const char *text)
{
	for (size_t i = 0; i < r->pl.diag.count; ++i) {
		if (strstr(r->pl.diag.items[i].message, text))
			return true;
	}
	printf("# no message with: %s\n", text);
	for (size_t i = 0; i < r->pl.diag.count; ++i)
		printf("#   %s\n", r->pl.diag.items[i].message);
	return false;
}

static uint64_t recorded_serial(const struct run *r)
{
	char path[4096];
	uint64_t serial = 99999;

	if (liststate_path(path, sizeof(path), "wg0", r->conf.peer_lists[0].source) < 0 ||
	    liststate_load(path, r->conf.peer_lists[0].source, &serial) < 0)
		return 99999;
	return serial;
}

static void clear_cache(void)
{
	char cmd[300];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", cache_dir_path);
	if (system(cmd) != 0)
		abort();
}

static bool has_peer(const struct wg_device *dev, const char *b64, const char *source)
{
	const struct wg_peer *p;
	uint8_t k[WG_KEY_LEN];

	key_from_base64(k, b64);
	for_each_wgpeer (dev, p) {
		if (!memcmp(p->public_key, k, WG_KEY_LEN))
			return source ? p->source && !strcmp(p->source, source) : !p->source;
	}
	return false;
}

static void accepted(void)
{
	char own_peer[1024], path[4096];
	struct cache_entry e;
	struct run r;

	/* The host's own key in the list is skipped silently, not refused. */
	snprintf(own_peer, sizeof(own_peer),
		 "%s[Peer]\nPublicKey = %s\nAllowedIPs = 10.46.0.1/32\n", two_peers, host_public);
	write_list("corp", 5, 86400, own_peer, SIGNED);
	expand(&r);
	ok(r.ret == 0 && r.pl.n == 1 && r.pl.lists[0].outcome == FLEET_LIST_USED &&
		   r.pl.lists[0].origin == FLEET_LIST_LOCAL && !r.pl.lists[0].fell_back &&
		   r.pl.not_current == 0,
	   "a signed list with a header: used, read from its file, current");
	ok(r.pl.lists[0].header.present && r.pl.lists[0].header.serial == 5 &&
		   !strcmp(r.pl.lists[0].header.name, "corp"),
	   "... its header: name corp, serial 5");
	ok(r.pl.lists[0].peers == 2 && r.pl.lists[0].refused_peers == 0 &&
		   model_peer_count(r.conf.device) == 3 &&
		   has_peer(r.conf.device, key(0xf0), NULL) &&
		   has_peer(r.conf.device, key(0x01), "peers.conf") &&
		   has_peer(r.conf.device, key(0x02), "peers.conf") &&
		   !has_peer(r.conf.device, host_public, "peers.conf"),
	   "... its two peers join the file's, tagged with the list; the host's own key skipped, "
	   "not refused");
	ok(r.pl.diag.count == 0, "... without a message");
	ok(recorded_serial(&r) == 5, "... serial 5 recorded in WGCTL_LIST_STATE_DIR");
	cache_path(path, sizeof(path), "wg0", r.conf.peer_lists[0].source);
	ok(!strncmp(path, cache_dir_path, strlen(cache_dir_path)) &&
		   cache_load(path, "peers.conf", &e) == 0 && e.signature &&
		   strlen(e.signature) == SIGNATURE_TEXT_SIZE - 1,
	   "... and kept, with its signature, as the last good copy in WGCTL_CACHE_DIR");
	cache_entry_free(&e);
	done(&r);
}

static void rollback(void)
{
	struct run r;

	write_list("corp", 4, 86400, two_peers, SIGNED);
	expand(&r);
	ok(r.pl.lists[0].outcome == FLEET_LIST_USED && r.pl.lists[0].fell_back &&
		   r.pl.lists[0].origin == FLEET_LIST_CACHED && r.pl.lists[0].header.serial == 5 &&
		   r.pl.not_current == 1,
	   "serial 4 after 5: the file is refused, the last good copy (serial 5) used instead");
	ok(said(&r, "serial 4 is lower than serial 5, which this host accepted before: refused as "
		    "a rollback") &&
		   said(&r, "using the last good copy"),
	   "... saying so");
	ok(recorded_serial(&r) == 5, "... the recorded serial stays 5");
	done(&r);

	clear_cache();
	expand(&r);
	ok(r.ret == 0 && r.pl.lists[0].outcome == FLEET_LIST_REFUSED && r.pl.lists[0].peers == 0 &&
		   model_peer_count(r.conf.device) == 1,
	   "with the cache gone: refused, only the file's peer");
	ok(said(&r, "refused as a rollback") &&
		   said(&r, "no copy can be used; its peers are not used"),
	   "... saying so");
	done(&r);
}

static void expired(void)
{
	struct run r;

	clear_cache();
	write_list("corp", 6, -60, two_peers, SIGNED);
	expand(&r);
	ok(r.pl.lists[0].outcome == FLEET_LIST_EXPIRED && r.pl.lists[0].header.serial == 6 &&
		   r.pl.lists[0].peers == 0 && model_peer_count(r.conf.device) == 1,
	   "a list that expired a minute ago: expired, its peers not used");
	ok(said(&r, "the list expired at ") && said(&r, "(serial 6); its peers are not used"),
	   "... saying when");
	ok(recorded_serial(&r) == 5, "... and its serial is not recorded");
	done(&r);
}

static void default_route(void)
{
	char peers[1024];
	struct run r;

	snprintf(peers, sizeof(peers), "%s[Peer]\nPublicKey = %s\nAllowedIPs = 0.0.0.0/0\n",
		 two_peers, key(0x03));
	write_list("corp", 7, 86400, peers, SIGNED);
	expand(&r);
	ok(r.pl.lists[0].outcome == FLEET_LIST_USED && r.pl.lists[0].peers == 2 &&
		   r.pl.lists[0].refused_peers == 1 &&
		   !has_peer(r.conf.device, key(0x03), "peers.conf"),
	   "a peer claiming 0.0.0.0/0 without PeerListAllowedIPs: that peer refused, the others "
	   "used");
	ok(said(&r, "claims 0.0.0.0/0, a default route, which a list may claim only within "
		    "PeerListAllowedIPs"),
	   "... saying so");
	ok(recorded_serial(&r) == 7, "... the list's serial 7 recorded");
	done(&r);

	write_conf("PeerListAllowedIPs = 0.0.0.0/0");
	expand(&r);
	ok(r.pl.lists[0].peers == 3 && r.pl.lists[0].refused_peers == 0 &&
		   has_peer(r.conf.device, key(0x03), "peers.conf"),
	   "within PeerListAllowedIPs = 0.0.0.0/0 the same peer is used");
	done(&r);
	write_conf("");
}

static void untrusted(void)
{
	static const struct {
		const char *name;
		unsigned int how;
		const char *message, *why;
	} t[] = {
		{ "corp", 0, "no signature, and PeerListKey requires one", "unsigned" },
		{ "corp", SIGNED | TAMPERED, "the signature does not verify with any PeerListKey",
		  "changed after signing" },
		{ "other", SIGNED, "the list is named `other', but ", "signed for another name" },
		{ "corp", SIGNED | NO_HEADER,
		  "no wgctl-peer-list header (name, serial, expiry), which a signed list needs",
		  "signed without a header" },
	};
	struct run r;

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); ++i) {
		clear_cache();
		write_list(t[i].name, 8, 86400, two_peers, t[i].how);
		expand(&r);
		ok(r.ret == 0 && r.pl.lists[0].outcome == FLEET_LIST_REFUSED &&
			   model_peer_count(r.conf.device) == 1 && said(&r, t[i].message) &&
			   recorded_serial(&r) == 7,
		   "%s: refused, only the file's peer, serial not recorded", t[i].why);
		done(&r);
	}
}

/*
 * Issue 26: this list (tabs, a byte-order mark inside a line, a lone 0xAA byte) made the inih
 * shim hand on an entry without a key, and strip, up, reload and sync died reading it. Signed,
 * so that the parser is what refuses it.
 */
static void keyless_entry(void)
{
	static const char crash[] =
		"\t\t\t\t\t\t\t\t\t\t\t\xef\xbb\xbf\t\t\t\t\t\t\t\t\t\t\t\t\t"
		"\t\t\t\t\t\t\t= alp\n# \n\n\xaa=\nAl\x05\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t"
		"\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t= alph";
	struct run r;

	clear_cache();
	write_list("corp", 9, 86400, crash, SIGNED);
	expand(&r);
	ok(r.ret == 0 && r.pl.lists[0].outcome == FLEET_LIST_REFUSED &&
		   model_peer_count(r.conf.device) == 1 && said(&r, "Line unrecognized"),
	   "issue 26's list: refused with the line named, only the file's peer");
	done(&r);
}

int main(void)
{
	uint8_t priv[WG_KEY_LEN], pub[WG_KEY_LEN];
	char path[300], cmd[300];

	if (!mkdtemp(dir))
		return 1;
	snprintf(conf_path, sizeof(conf_path), "%s/wg0.conf", dir);
	snprintf(list_path, sizeof(list_path), "%s/peers.conf", dir);
	snprintf(cache_dir_path, sizeof(cache_dir_path), "%s/cache", dir);
	setenv("WGCTL_CACHE_DIR", cache_dir_path, 1);
	snprintf(path, sizeof(path), "%s/state", dir);
	setenv("WGCTL_LIST_STATE_DIR", path, 1);
	for (int i = 0; i < ED25519_SEED_SIZE; ++i)
		seed[i] = (uint8_t)(0x40 + i);
	if (ed25519_public_key(pub, seed) < 0)
		return 1;
	key_to_base64(signer, pub);
	memset(priv, 0x48, sizeof(priv));
	key_to_base64(host_private, priv);
	if (curve25519_generate_public(pub, priv))
		return 1;
	key_to_base64(host_public, pub);
	snprintf(two_peers, sizeof(two_peers),
		 "[Peer]\nPublicKey = %s\nAllowedIPs = 10.46.0.2/32\n\n[Peer]\nPublicKey = "
		 "%s\nAllowedIPs = 10.46.3.0/24\n\n",
		 key(0x01), key(0x02));
	write_conf("");
	accepted();
	rollback();
	expired();
	default_route();
	untrusted();
	keyless_entry();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		return 1;
	return done_testing();
}
