// SPDX-License-Identifier: MIT
/*
 * The publisher's side of signed peer lists: `sign` gives the list its header (name, the next
 * serial, an expiry), rewrites it in place and writes a detached signature of the result;
 * `verify` checks one exactly as a host will and says what the header promises. Signing keys
 * come from `genkey`; `pubkey --ed25519` gives the key that hosts put in PeerListKey.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cmd/cmd.h"
#include "cmd/common.h"
#include "fleet/fetch.h"
#include "fleet/signature.h"
#include "model/encoding.h"
#include "model/peerlist.h"
#include "model/peerlist_header.h"
#include "util/file.h"
#include "util/number.h"
#include "util/utctime.h"

enum { DEFAULT_VALIDITY = 30 * 86400 };

struct sign_opts {
	const char *name, *serial, *expires;
	const char *key_file, *list;
};

static int read_list(const char *path, char **body, size_t *len)
{
	int ret = file_read_all(path, fetch_max_size(), body, len);

	if (ret < 0)
		fprintf(stderr, "%s: `%s': %s\n", prog_name, path, strerror(-ret));
	return ret;
}

/* --name NAME, --serial N, --expires WHEN (or --opt=value), then the two files. */
static bool parse_sign_args(int argc, const char *argv[], struct sign_opts *o)
{
	static const char *const names[] = { "--name", "--serial", "--expires" };
	const char **slots[] = { &o->name, &o->serial, &o->expires };
	int files = 0;

	for (int i = 1; i < argc; ++i) {
		bool matched = false;

		for (size_t k = 0; k < 3 && !matched; ++k) {
			size_t n = strlen(names[k]);

			if (strncmp(argv[i], names[k], n) || (argv[i][n] && argv[i][n] != '='))
				continue;
			matched = true;
			if (argv[i][n] == '=')
				*slots[k] = argv[i] + n + 1;
			else if (i + 1 < argc)
				*slots[k] = argv[++i];
			else
				return false;
		}
		if (matched)
			continue;
		if (files == 2)
			return false;
		*(files++ ? &o->list : &o->key_file) = argv[i];
	}
	return files == 2;
}

/* The header the list gets: what was asked, else its current name, the next serial, 30 days. */
static bool new_header(const struct sign_opts *o, const struct peerlist_header *old,
		       struct peerlist_header *h)
{
	int64_t now = (int64_t)time(NULL), span;

	memset(h, 0, sizeof(*h));
	h->present = true;
	if (o->name && !peerlist_name_valid(o->name)) {
		fprintf(stderr,
			"%s: --name is not 1 to %d printable characters without spaces: `%s'\n",
			prog_name, PEERLIST_NAME_MAX, o->name);
		return false;
	}
	if (!o->name && !old->present) {
		fprintf(stderr,
			"%s: `%s' has no name yet: give --name (what hosts expect, by default the "
			"PeerList URL "
			"they fetch it from)\n",
			prog_name, o->list);
		return false;
	}
	snprintf(h->name, sizeof(h->name), "%s", o->name ? o->name : old->name);
	h->serial = old->present ? old->serial + 1 : 1;
	if (o->serial && !parse_uint_str(o->serial, 10, UINT64_MAX, &h->serial)) {
		fprintf(stderr, "%s: --serial is not a number: `%s'\n", prog_name, o->serial);
		return false;
	}
	if (old->present && h->serial <= old->serial)
		fprintf(stderr,
			"Warning: serial %" PRIu64 " is not above the list's %" PRIu64
			": hosts that accepted that one refuse this one\n",
			h->serial, old->serial);
	h->expires = now + DEFAULT_VALIDITY;
	if (o->expires && duration_parse(o->expires, &span))
		h->expires = now + span;
	else if (o->expires && !utc_parse_date(o->expires, &h->expires)) {
		fprintf(stderr,
			"%s: --expires is neither a duration (90s, 30m, 12h, 30d, 2w) nor a date "
			"(YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ): `%s'\n",
			prog_name, o->expires);
		return false;
	}
	if (h->expires <= now)
		fprintf(stderr, "Warning: the list expires in the past: every host refuses it\n");
	return true;
}

/* The list as it will be signed: parsed as a host parses it, with the new header. */
static int prepare(const struct sign_opts *o, const char *body, size_t len, struct strbuf *out)
{
	struct peerlist_header old, h;
	char expires[UTC_TEXT_SIZE];
	struct wg_config parsed;
	struct diag_list d;
	int ret;

	diag_init(&d, o->list);
	ret = peerlist_header_parse(&old, body, len, &d);
	if (!ret) {
		ret = peerlist_parse(&parsed, body, len, &d);
		config_free(&parsed);
	}
	diag_print(&d, stderr);
	diag_free(&d);
	if (ret) {
		fprintf(stderr,
			"%s: `%s' is not a peer list hosts would accept; nothing was signed\n",
			prog_name, o->list);
		return ret;
	}
	if (!new_header(o, &old, &h))
		return -EINVAL;
	if ((ret = peerlist_header_set(out, body, len, &h)) < 0)
		return ret;
	utc_format(expires, h.expires);
	fprintf(stderr, "%s: name %s, serial %" PRIu64 ", expires %s\n", o->list, h.name, h.serial,
		expires);
	return 0;
}

int cmd_sign(int argc, const char *argv[])
{
	struct sign_opts o = { 0 };
	uint8_t seed[ED25519_SEED_SIZE];
	struct strbuf list, sig;
	char *body = NULL;
	struct stat st;
	size_t len;
	FILE *f = NULL;
	int ret = 1;

	if (!parse_sign_args(argc, argv, &o)) {
		cmd_usage(cmd_find(argv[0], CMD_WGCTL), true);
		return 1;
	}
	strbuf_init(&list);
	strbuf_init(&sig);
	f = fopen(o.key_file, "r");
	if (!f) {
		fprintf(stderr, "%s: `%s': %s\n", prog_name, o.key_file, strerror(errno));
		goto out;
	}
	if (!cmd_read_key(f, seed) || read_list(o.list, &body, &len) < 0 || stat(o.list, &st) < 0 ||
	    prepare(&o, body, len, &list) < 0)
		goto out;
	if (signature_create(&sig, seed, list.buf, list.len) < 0 || sig.oom) {
		fprintf(stderr, "%s: cannot sign `%s'\n", prog_name, o.list);
		goto out;
	}
	/* The list first: a signature on stdout for a list left unchanged would verify nothing. */
	if ((ret = file_write_atomic(o.list, list.buf, list.len, st.st_mode & 07777)) < 0) {
		fprintf(stderr, "%s: `%s': %s\n", prog_name, o.list, strerror(-ret));
		ret = 1;
		goto out;
	}
	ret = fwrite(sig.buf, 1, sig.len, stdout) == sig.len && !fflush(stdout) ? 0 : 1;
out:
	memzero_explicit(seed, sizeof(seed));
	strbuf_free(&list);
	strbuf_free(&sig);
	free(body);
	if (f)
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
		fprintf(stderr, "%s: `%s' is neither a base64 public key nor a readable file\n",
			prog_name, arg);
		return false;
	}
	ok = cmd_read_key(f, raw);
	fclose(f);
	if (ok)
		key_to_base64(key, raw);
	return ok;
}

/* What a host will make of the header of a list whose signature is good. 0 or 1. */
static int report_header(const char *list, const char *body, size_t len)
{
	int64_t now = (int64_t)time(NULL);
	struct peerlist_header h;
	char expires[UTC_TEXT_SIZE];
	struct diag_list d;
	int ret;

	diag_init(&d, list);
	ret = peerlist_header_parse(&h, body, len, &d);
	diag_print(&d, stderr);
	diag_free(&d);
	if (ret)
		return 1;
	if (!h.present) {
		fprintf(stderr,
			"%s: %s: no " PEERLIST_HEADER_TAG
			" header: hosts with a PeerListKey refuse it (sign it "
			"with `wgctl sign')\n",
			prog_name, list);
		return 1;
	}
	utc_format(expires, h.expires);
	printf("name: %s\nserial: %" PRIu64 "\nexpires: %s\n", h.name, h.serial, expires);
	if (h.expires <= now) {
		fprintf(stderr, "%s: %s: expired at %s: hosts refuse it\n", prog_name, list,
			expires);
		return 1;
	}
	return 0;
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
		ret = report_header(argv[2], body, len);
	} else {
		fprintf(stderr, "%s: %s: the signature in `%s' does not verify with %s\n",
			prog_name, argv[2], sig_path, key);
		ret = 1;
	}
out:
	free(body);
	free(sig);
	return ret;
}
