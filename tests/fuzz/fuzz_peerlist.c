// SPDX-License-Identifier: MIT
/*
 * libFuzzer harness for what a fleet reads from the network or its cache: the first byte picks
 * a shared peer list (its header read, its peers parsed and admitted next to a config's own peer
 * under a PeerListAllowedIPs, written back out), a detached signature file, a cache file, or a
 * serial state file.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fleet/cache.h"
#include "fleet/liststate.h"
#include "fleet/signature.h"
#include "model/emit.h"
#include "model/encoding.h"
#include "model/peerlist.h"
#include "model/peerlist_header.h"
#include "util/strbuf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char host_conf[] = "[Interface]\nPeerListAllowedIPs = 10.0.0.0/8, fd00::/8\n"
				"[Peer]\nPublicKey = xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=\n"
				"AllowedIPs = 10.1.0.0/16\n";

static void peer_list(const char *body, size_t len)
{
	struct peerlist_policy policy = { .conf_source = "conf", .list_lineno = 3 };
	struct peerlist_header h;
	struct wg_config conf, list;
	struct diag_list d;
	struct wg_peer *peer;
	struct strbuf sb;
	uint8_t own[WG_KEY_LEN] = { 0 };
	size_t refused;
	FILE *f = fmemopen((void *)host_conf, sizeof(host_conf) - 1, "r");

	if (!f)
		return;
	diag_init(&d, "list");
	if (config_read_stream(&conf, f, CONFIG_GRAMMAR_QUICK, &d) == 0) {
		policy.own = own;
		policy.scope = &conf.peer_list_scope;
		peerlist_header_parse(&h, body, len, &d);
		if (peerlist_parse(&list, body, len, &d) == 0) {
			peerlist_admit(conf.device, list.device, "list", &policy, &d, &refused);
			strbuf_init(&sb);
			for_each_wgpeer (conf.device, peer)
				emit_peer(&sb, peer);
			strbuf_free(&sb);
		}
		config_free(&list);
	}
	fclose(f);
	config_free(&conf);
	diag_free(&d);
}

static void fail(const char *what, const char *a, const char *b)
{
	fprintf(stderr, "%s\n%s\n---\n%s\n", what, a ? a : "", b ? b : "");
	abort();
}

/* The peers of a list as showconf writes them; false when it does not parse. */
static bool list_peers(struct strbuf *sb, const char *body, size_t len)
{
	struct wg_config list;
	struct diag_list d;
	struct wg_peer *peer;
	bool ok;

	diag_init(&d, "list");
	ok = peerlist_parse(&list, body, len, &d) == 0;
	if (ok) {
		for_each_wgpeer (list.device, peer)
			emit_peer(sb, peer);
	}
	config_free(&list);
	diag_free(&d);
	return ok;
}

/*
 * What `wgctl sign` does to a list that reads: a header with the name, serial and expiry the
 * input's first bytes pick, replacing the one it had. The new header reads back as set; the
 * peers are the same.
 */
static void header_roundtrip(const char *body, size_t len)
{
	static const char *const names[] = { "corp", "a", "x.example/peers-1",
					     "~!\"$%&'()*+,-./:;<=>?@[\\]^_`{|}" };
	struct peerlist_header h = { .present = true }, old, back;
	struct strbuf out, before, after;
	struct diag_list d;
	uint64_t v = 0;

	for (size_t i = 0; i < 8 && i < len; ++i)
		v = v << 8 | (uint8_t)body[i];
	snprintf(h.name, sizeof(h.name), "%s", names[v % 4]);
	h.serial = v >> 2;
	h.expires = (int64_t)(v % 253402300800ULL); /* up to 9999-12-31T23:59:59Z */
	diag_init(&d, "list");
	strbuf_init(&out);
	strbuf_init(&before);
	strbuf_init(&after);
	if (peerlist_header_parse(&old, body, len, &d) || !list_peers(&before, body, len))
		goto out;
	if (peerlist_header_set(&out, body, len, &h))
		goto out;
	if (peerlist_header_parse(&back, out.buf, out.len, &d))
		fail("a header as set does not read back", out.buf, NULL);
	if (!back.present || strcmp(back.name, h.name) || back.serial != h.serial ||
	    back.expires != h.expires)
		fail("the header reads back different", out.buf, NULL);
	if (!list_peers(&after, out.buf, out.len))
		fail("the list with its new header does not parse", body, out.buf);
	if (!before.oom && !after.oom &&
	    (before.len != after.len || (before.len && memcmp(before.buf, after.buf, before.len))))
		fail("a new header changed the peers", before.buf, after.buf);
out:
	strbuf_free(&out);
	strbuf_free(&before);
	strbuf_free(&after);
	diag_free(&d);
}

/* A list signed as `wgctl sign` signs it verifies; changed in one byte, it does not. */
static void sign_and_verify(char *body, size_t len)
{
	static const uint8_t seed[ED25519_SEED_SIZE] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	static char key[48];
	char *keys[1] = { key };
	uint8_t pub[ED25519_PUBLIC_KEY_SIZE];
	struct strbuf sig;

	if (!key[0]) {
		if (ed25519_public_key(pub, seed))
			abort();
		key_to_base64(key, pub);
	}
	strbuf_init(&sig);
	if (signature_create(&sig, seed, body, len) || sig.oom)
		abort();
	if (!signature_check(sig.buf, sig.len, keys, 1, body, len))
		fail("a list as signed does not verify", sig.buf, NULL);
	if (len) {
		body[len / 2] ^= 1;
		if (signature_check(sig.buf, sig.len, keys, 1, body, len))
			fail("a changed list still verifies", sig.buf, NULL);
	}
	strbuf_free(&sig);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t sig[ED25519_SIGNATURE_SIZE];
	struct cache_entry e;
	uint64_t serial;
	char *copy;

	if (!size)
		return 0;
	/* A private, NUL-terminated copy: the parsers may assume a terminator past `len`. */
	copy = malloc(size);
	if (!copy)
		return 0;
	memcpy(copy, data + 1, size - 1);
	copy[size - 1] = '\0';
	switch (data[0] % 6) {
	case 0:
		peer_list(copy, size - 1);
		break;
	case 1:
		signature_parse(sig, copy, size - 1);
		break;
	case 4:
		header_roundtrip(copy, size - 1);
		break;
	case 5:
		sign_and_verify(copy, size - 1);
		break;
	case 3:
		liststate_parse(copy, size - 1, "https://h/peers.conf", &serial);
		break;
	default:
		memset(&e, 0, sizeof(e));
		cache_parse(&e, copy, size - 1);
		cache_entry_free(&e);
		break;
	}
	free(copy);
	return 0;
}
