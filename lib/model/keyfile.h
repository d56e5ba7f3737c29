/* SPDX-License-Identifier: MIT */
/*
 * wgctl's key files (issue 22): `PrivateKeyFile = NAME` in [Interface] and `PresharedKeyFile =
 * NAME` in [Peer] put a key in a file of its own, or in a systemd credential, instead of in the
 * config. The parser (config.c) only records the lines; this reads them once the caller needs the
 * keys, through a reader it is given (so the model opens no file itself, and tests and fuzzers
 * hand it files that exist only in memory), and writes the keys back where wg(8) expects them.
 *
 * Where NAME is looked for:
 *   - an absolute path is that file;
 *   - a bare name (no '/') is a systemd credential when $CREDENTIALS_DIRECTORY is set (the
 *     service's LoadCredential=): that directory's NAME, and only there (a credential that did
 *     not arrive must not be replaced by a stale file on disk);
 *   - anything else, and a bare name without $CREDENTIALS_DIRECTORY, is relative to the config
 *     file's directory (`./NAME` always is).
 * What a file must hold: one base64 key, with only whitespace around it (`wgctl genkey >FILE`).
 * An empty file is an error, not "no key" as for `wg set private-key /dev/null`: a key file that
 * lost its contents must not quietly leave the interface without its key.
 */
#ifndef WGCTL_MODEL_KEYFILE_H
#define WGCTL_MODEL_KEYFILE_H

#include <stddef.h>
#include <sys/stat.h>

#include "model/config.h"
#include "util/strbuf.h"

/* A key file holds a key and whitespace; anything longer is not one. */
enum { KEY_FILE_MAX = 1024 };

/*
 * Reads the regular file at `path`: fills *st (fstat of what was opened) and, if it is a regular
 * file, reads it into buf (at most cap bytes) and sets *len. Returns 0 or -errno (-EFBIG: longer
 * than cap). For anything but a regular file it fills *st and reads nothing. util/file.h's
 * file_read_secret is the real one.
 */
typedef int key_file_reader(const char *path, void *buf, size_t cap, size_t *len, struct stat *st);

/* Which keys a command needs, and how sure it must be of them. */
enum key_files_need {
	KEY_FILES_NONE,  /* reresolve: no key is used */
	KEY_FILES_ALL,   /* up, reload, strip, save: any problem is an error, nothing is applied */
	KEY_FILES_PEERS, /* sync: only the PresharedKeyFiles (it sets peers, never the key) */
	KEY_FILES_LINT,  /* check: a file missing or unreadable here is a warning (the fleet's files
			    are often checked away from the hosts that hold the keys); a file that
			    is there and holds no key is an error */
	KEY_FILES_SAVE,  /* down: read only with SaveConfig, every problem a warning, so that down
			    goes on; save then refuses to write a file it cannot vouch for */
};

struct key_file_env {
	const char *config_path;     /* the config file: relative names start from its directory */
	const char *credentials_dir; /* $CREDENTIALS_DIRECTORY; NULL or "": not set */
	key_file_reader *read;
	enum key_files_need need;
};

/*
 * Resolves and reads the key files `need` asks for into conf->device (setting the HAS_* flags and
 * each one's `loaded`), with every problem in `d` at the line of its *File key, naming the file:
 * "PrivateKeyFile `PATH': REASON". Warns about a file that others (or a group other than root's)
 * may access, in wg-quick's words. Never shows a byte of a file. Returns 0, -EINVAL when `d`
 * got errors (then nothing may be applied), or -ENOMEM.
 */
int config_read_key_files(struct wg_config *conf, const struct key_file_env *env,
			  struct diag_list *d);

/* Where NAME is looked for, by the rule above; malloc'd, NULL on ENOMEM. */
char *key_file_path(const struct key_file_env *env, const char *name);

/* The key file of the interface (public_key NULL) or of the config's peer with that key, or NULL.
 */
const struct wg_key_file *config_key_file(const struct wg_config *conf, const uint8_t *public_key);

/*
 * What `strip` prints: conf->stripped with `PrivateKey = KEY` / `PresharedKey = KEY` where each
 * key file's line was, so that the text suits wg(8). 0, -ENOKEY when a key file was not read,
 * or -ENOMEM.
 */
int config_strip_text(const struct wg_config *conf, struct strbuf *out);

/*
 * Whether the running interface still holds the keys of the config's key files, as `save` needs
 * before it writes the *File lines back instead of the keys: each key file not read, and each
 * running key that differs from its file's (or is absent), is an error in `d` at its line.
 * Keys are compared in constant time. Returns the number of errors.
 */
unsigned int config_key_files_match(const struct wg_config *conf, const struct wg_device *running,
				    struct diag_list *d);

#endif
