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
#include "model/peerlist.h"
#include "model/peerlist_header.h"

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
	switch (data[0] % 4) {
	case 0:
		peer_list(copy, size - 1);
		break;
	case 1:
		signature_parse(sig, copy, size - 1);
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
