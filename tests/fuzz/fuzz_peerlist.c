// SPDX-License-Identifier: MIT
/*
 * libFuzzer harness for what a fleet reads from the network or its cache: the first byte picks
 * a shared peer list (parsed, merged into a device with duplicates checked, written back out), a
 * detached signature file, or a cache file.
 */
#include <stdint.h>
#include <stdlib.h>

#include "fleet/cache.h"
#include "fleet/signature.h"
#include "model/emit.h"
#include "model/peerlist.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void peer_list(const char *body, size_t len)
{
	struct wg_device *dev = model_device_new();
	struct wg_config list;
	struct diag_list d, dup;
	struct wg_peer *peer;
	struct strbuf sb;
	uint8_t own[WG_KEY_LEN] = { 0 };

	if (!dev)
		return;
	diag_init(&d, "list");
	diag_init(&dup, NULL);
	if (peerlist_parse(&list, body, len, &d) == 0) {
		peerlist_merge(dev, list.device, "list", own);
		peerlist_check_duplicates(dev, "conf", &dup);
		strbuf_init(&sb);
		for_each_wgpeer(dev, peer)
			emit_peer(&sb, peer);
		strbuf_free(&sb);
	}
	config_free(&list);
	model_device_free(dev);
	diag_free(&d);
	diag_free(&dup);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t sig[ED25519_SIGNATURE_SIZE];
	struct cache_entry e;
	char *copy;

	if (!size)
		return 0;
	/* A private, NUL-terminated copy: the parsers may assume a terminator past `len`. */
	copy = malloc(size);
	if (!copy)
		return 0;
	memcpy(copy, data + 1, size - 1);
	copy[size - 1] = '\0';
	switch (data[0] % 3) {
	case 0:
		peer_list(copy, size - 1);
		break;
	case 1:
		signature_parse(sig, copy, size - 1);
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
