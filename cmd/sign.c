// SPDX-License-Identifier: MIT
/*
 * The publisher's side of signed peer lists: `sign` writes a detached signature, `verify` checks
 * one exactly as `sync` will. Signing keys come from `genkey`; `pubkey --ed25519` gives the key
 * that hosts put in PeerListKey.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "cmd/common.h"
#include "fleet/fetch.h"
#include "fleet/signature.h"
#include "model/encoding.h"
#include "util/file.h"

static int read_list(const char *path, char **body, size_t *len)
{
	int ret = file_read_all(path, fetch_max_size(), body, len);

	if (ret < 0)
		fprintf(stderr, "%s: `%s': %s\n", prog_name, path, strerror(-ret));
	return ret;
}

int cmd_sign(int argc, const char *argv[])
{
	uint8_t seed[ED25519_SEED_SIZE];
	struct strbuf out;
	char *body = NULL;
	size_t len;
	FILE *f;
	int ret = 1;

	if (argc != 3) {
		cmd_usage(cmd_find(argv[0], CMD_WGCTL), true);
		return 1;
	}
	f = fopen(argv[1], "r");
	if (!f) {
		fprintf(stderr, "%s: `%s': %s\n", prog_name, argv[1], strerror(errno));
		return 1;
	}
	strbuf_init(&out);
	if (!cmd_read_key(f, seed) || read_list(argv[2], &body, &len) < 0)
		goto out;
	if (signature_create(&out, seed, body, len) < 0 || out.oom) {
		fprintf(stderr, "%s: cannot sign `%s'\n", prog_name, argv[2]);
		goto out;
	}
	ret = fwrite(out.buf, 1, out.len, stdout) == out.len && !fflush(stdout) ? 0 : 1;
out:
	memzero_explicit(seed, sizeof(seed));
	strbuf_free(&out);
	free(body);
	fclose(f);
	return ret;
}

/* A key given inline (44 base64 characters) or as a file holding one. */
static bool read_public_key(const char *arg, char key[WG_KEY_LEN_BASE64])
{
	uint8_t raw[WG_KEY_LEN];
	FILE *f;
	bool ok;

	if (key_from_base64(raw, arg)) {
		snprintf(key, WG_KEY_LEN_BASE64, "%s", arg);
		return true;
	}
	f = fopen(arg, "r");
	if (!f) {
		fprintf(stderr, "%s: `%s' is neither a base64 public key nor a readable file\n", prog_name, arg);
		return false;
	}
	ok = cmd_read_key(f, raw);
	fclose(f);
	if (ok)
		key_to_base64(key, raw);
	return ok;
}

int cmd_verify(int argc, const char *argv[])
{
	char key[WG_KEY_LEN_BASE64], sig_path[4104], *keys[1] = { key };
	char *body = NULL, *sig = NULL;
	size_t len, sig_len;
	int ret = 1;

	if (argc != 3 && argc != 4) {
		cmd_usage(cmd_find(argv[0], CMD_WGCTL), true);
		return 1;
	}
	if (!read_public_key(argv[1], key) || read_list(argv[2], &body, &len) < 0)
		goto out;
	if (argc == 4)
		snprintf(sig_path, sizeof(sig_path), "%s", argv[3]);
	else
		signature_location(sig_path, sizeof(sig_path), argv[2]);
	ret = file_read_all(sig_path, SIGNATURE_MAX_SIZE, &sig, &sig_len);
	if (ret < 0) {
		fprintf(stderr, "%s: `%s': %s\n", prog_name, sig_path, strerror(-ret));
		ret = 1;
		goto out;
	}
	if (signature_check(sig, sig_len, keys, 1, body, len)) {
		printf("%s: good signature by %s\n", argv[2], key);
		ret = 0;
	} else {
		fprintf(stderr, "%s: %s: the signature in `%s' does not verify with %s\n", prog_name, argv[2], sig_path,
			key);
		ret = 1;
	}
out:
	free(body);
	free(sig);
	return ret;
}
