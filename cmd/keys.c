// SPDX-License-Identifier: MIT
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "cmd/common.h"
#include "crypto/crypto.h"
#include "crypto/ed25519.h"
#include "model/encoding.h"

/* genkey and genpsk share one entry point, as in wg(8); argv[0] tells them apart. */
int cmd_genkey(int argc, const char *argv[])
{
	char base64[WG_KEY_LEN_BASE64];
	uint8_t key[WG_KEY_LEN];
	struct stat st;
	int ret;

	if (argc != 1) {
		fprintf(stderr, "Usage: %s %s\n", prog_name, argv[0]);
		return 1;
	}
	if (!fstat(STDOUT_FILENO, &st) && S_ISREG(st.st_mode) && (st.st_mode & S_IRWXO))
		fputs("Warning: writing to world accessible file.\nConsider setting the umask to "
		      "077 and trying again.\n",
		      stderr);
	ret = crypto_random(key, sizeof(key));
	if (ret) {
		fprintf(stderr, "%s: Unable to generate random bytes: %s\n", prog_name,
			strerror(-ret));
		return 1;
	}
	if (!strcmp(argv[0], "genkey"))
		curve25519_clamp_secret(key);
	key_to_base64(base64, key);
	puts(base64);
	memzero_explicit(key, sizeof(key));
	memzero_explicit(base64, sizeof(base64));
	return 0;
}

bool cmd_read_key(FILE *f, uint8_t key[WG_KEY_LEN])
{
	char base64[WG_KEY_LEN_BASE64];
	bool ok = false;
	int c;

	if (fread(base64, 1, sizeof(base64) - 1, f) != sizeof(base64) - 1) {
		fprintf(stderr, "%s: Key is not the correct length or format\n", prog_name);
		goto out;
	}
	base64[WG_KEY_LEN_BASE64 - 1] = '\0';
	/* Only whitespace and NUL may follow, like wg(8): `echo KEY | wg pubkey` must work. */
	while ((c = getc(f)) != EOF) {
		if (c && c != ' ' && (c < '\t' || c > '\r')) {
			fprintf(stderr, "%s: Trailing characters found after key\n", prog_name);
			goto out;
		}
	}
	ok = key_from_base64(key, base64);
	if (!ok)
		fprintf(stderr, "%s: Key is not the correct length or format\n", prog_name);
out:
	memzero_explicit(base64, sizeof(base64));
	return ok;
}

/* `--ed25519` (wgctl only): the key that verifies peer-list signatures made with this seed. */
int cmd_pubkey(int argc, const char *argv[])
{
	uint8_t private_key[WG_KEY_LEN], public_key[WG_KEY_LEN];
	char base64[WG_KEY_LEN_BASE64];
	bool ed25519 = argc == 2 && !strcmp(argv[1], "--ed25519") && strcmp(prog_name, "wg");
	int ret = 1, err;

	if (argc != 1 && !ed25519) {
		fprintf(stderr, "Usage: %s %s%s\n", prog_name, argv[0],
			strcmp(prog_name, "wg") ? " [--ed25519]" : "");
		return 1;
	}
	if (!cmd_read_key(stdin, private_key))
		goto out;
	err = ed25519 ? ed25519_public_key(public_key, private_key)
		      : curve25519_generate_public(public_key, private_key);
	if (err < 0) {
		fprintf(stderr, "%s: Unable to derive a public key: %s\n", prog_name,
			strerror(-err));
		goto out;
	}
	key_to_base64(base64, public_key);
	puts(base64);
	ret = 0;
out:
	memzero_explicit(private_key, sizeof(private_key));
	memzero_explicit(base64, sizeof(base64));
	return ret;
}
