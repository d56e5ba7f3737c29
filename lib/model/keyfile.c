// SPDX-License-Identifier: MIT
/*
 * Key files (keyfile.h). Each is judged in this order, and its first problem is the one said:
 * what the reader could not do (an errno), not a regular file, longer than a key file can be,
 * who else may access it (a warning only), then its contents. Their bytes live in one buffer
 * of locked memory, wiped after each file, and are only ever decoded, never printed or compared
 * other than in constant time.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/encoding.h"
#include "model/keyfile.h"
#include "util/mem.h"
#include "util/secmem.h"

static const char *key_name(const struct wg_key_file *ref)
{
	return ref->peer ? "PresharedKeyFile" : "PrivateKeyFile";
}

char *key_file_path(const struct key_file_env *env, const char *name)
{
	const char *slash = strrchr(env->config_path, '/');
	char *path;
	int n;

	if (name[0] == '/')
		n = asprintf(&path, "%s", name);
	else if (!strchr(name, '/') && env->credentials_dir && *env->credentials_dir)
		n = asprintf(&path, "%s/%s", env->credentials_dir, name);
	else if (slash)
		n = asprintf(&path, "%.*s/%s", (int)(slash - env->config_path), env->config_path,
			     name);
	else
		n = asprintf(&path, "%s", name);
	return n < 0 ? NULL : path;
}

/*
 * wg-quick warns when others may access a config; a key file is also held to its group. Group
 * bits count unless the group is root's (gid 0), whose members may read any file anyway (on
 * Debian, root alone): root:root 0640 passes, and root:systemd-network 0640 (what networkd asks of
 * its own key files) is group accessible. Only the file's own mode counts, not its directory's as
 * in wg-quick's rule for configs: key files get copied, templated and moved with their mode, and
 * a credential's directory is systemd's.
 */
static const char *exposed(const struct stat *st)
{
	if (st->st_mode & S_IRWXO)
		return "world";
	if ((st->st_mode & S_IRWXG) && st->st_gid != 0)
		return "group";
	return NULL;
}

/* Comparisons, not isspace(3): no table is indexed by a byte of the key. */
static bool blank(uint8_t c)
{
	return c == ' ' || (c >= '\t' && c <= '\r');
}

/* One base64 key with only whitespace around it; constant time in the key's bits. */
static bool parse_key(uint8_t key[WG_KEY_LEN], const uint8_t *buf, size_t len)
{
	size_t from = 0;

	while (from < len && blank(buf[from]))
		++from;
	while (len > from && blank(buf[len - 1]))
		--len;
	if (len - from != WG_KEY_LEN_BASE64 - 1) {
		memzero_explicit(key, WG_KEY_LEN);
		return false;
	}
	return base64_decode(key, WG_KEY_LEN, (const char *)buf + from, len - from);
}

static void store(struct wg_config *conf, struct wg_key_file *ref, const uint8_t key[WG_KEY_LEN])
{
	if (ref->peer) {
		memcpy(ref->peer->preshared_key, key, WG_KEY_LEN);
		ref->peer->flags |= WGPEER_HAS_PRESHARED_KEY;
	} else {
		memcpy(conf->device->private_key, key, WG_KEY_LEN);
		conf->device->flags |= WGDEVICE_HAS_PRIVATE_KEY;
	}
	ref->loaded = true;
}

static void say(struct diag_list *d, enum diag_severity severity, const struct wg_key_file *ref,
		const char *why)
{
	diag_add(d, severity, ref->lineno, "%s `%s': %s", key_name(ref), ref->path, why);
}

/* 0 or -ENOMEM; what is wrong with the file goes to `d`. buf: KEY_FILE_MAX bytes, wiped here. */
static int read_one(struct wg_config *conf, struct wg_key_file *ref, const struct key_file_env *env,
		    uint8_t *buf, struct diag_list *d)
{
	/* Missing or unreadable here: check and down go on (keyfile.h, enum key_files_need). */
	enum diag_severity unreachable = env->need == KEY_FILES_LINT || env->need == KEY_FILES_SAVE
						 ? DIAG_WARNING
						 : DIAG_ERROR;
	enum diag_severity bad = env->need == KEY_FILES_SAVE ? DIAG_WARNING : DIAG_ERROR;
	uint8_t key[WG_KEY_LEN];
	struct stat st = { 0 };
	const char *who;
	char why[96];
	size_t len = 0;
	int ret;

	free(ref->path);
	ref->path = key_file_path(env, ref->name);
	if (!ref->path)
		return -ENOMEM;
	ret = env->read(ref->path, buf, KEY_FILE_MAX, &len, &st);
	if (ret == -ENOMEM) {
		memzero_explicit(buf, KEY_FILE_MAX);
		return ret;
	}
	if (ret == -EFBIG) {
		snprintf(why, sizeof(why), "longer than a key file can be (%d bytes)",
			 KEY_FILE_MAX);
		say(d, bad, ref, why);
	} else if (ret) {
		say(d, unreachable, ref, strerror(-ret));
	} else if (!S_ISREG(st.st_mode)) {
		say(d, bad, ref, "not a regular file");
	} else {
		if ((who = exposed(&st)))
			diag_warn(d, ref->lineno, "`%s' is %s accessible", ref->path, who);
		if (parse_key(key, buf, len <= KEY_FILE_MAX ? len : KEY_FILE_MAX)) {
			store(conf, ref, key);
		} else if (!len) {
			say(d, bad, ref, "the file is empty");
		} else {
			snprintf(why, sizeof(why),
				 "not one base64 key (%zu bytes; the contents are not shown)", len);
			say(d, bad, ref, why);
		}
	}
	memzero_explicit(key, sizeof(key));
	memzero_explicit(buf, KEY_FILE_MAX);
	return 0;
}

int config_read_key_files(struct wg_config *conf, const struct key_file_env *env,
			  struct diag_list *d)
{
	unsigned int errors = d->errors;
	uint8_t *buf;
	int ret = 0;

	if (env->need == KEY_FILES_NONE || (env->need == KEY_FILES_SAVE && !conf->save_config) ||
	    !conf->n_key_files)
		return 0;
	buf = secmem_alloc(KEY_FILE_MAX);
	if (!buf)
		return -ENOMEM;
	for (size_t i = 0; i < conf->n_key_files && !ret; ++i) {
		if (env->need != KEY_FILES_PEERS || conf->key_files[i].peer)
			ret = read_one(conf, &conf->key_files[i], env, buf, d);
	}
	secmem_free(buf);
	if (ret)
		return ret;
	return d->errors > errors ? -EINVAL : 0;
}

/* Public keys are not secret: compared plainly. */
const struct wg_key_file *config_key_file(const struct wg_config *conf, const uint8_t *public_key)
{
	for (size_t i = 0; i < conf->n_key_files; ++i) {
		const struct wg_key_file *ref = &conf->key_files[i];

		if (!public_key ? !ref->peer
				: ref->peer && (ref->peer->flags & WGPEER_HAS_PUBLIC_KEY) &&
					  !memcmp(ref->peer->public_key, public_key, WG_KEY_LEN))
			return ref;
	}
	return NULL;
}

int config_strip_text(const struct wg_config *conf, struct strbuf *out)
{
	char base64[WG_KEY_LEN_BASE64];
	const char *text = conf->stripped ? conf->stripped : "";
	size_t at = 0;

	for (size_t i = 0; i < conf->n_key_files; ++i) {
		const struct wg_key_file *ref = &conf->key_files[i];

		if (!ref->loaded)
			return -ENOKEY;
		strbuf_append(out, text + at, ref->strip_at - at);
		at = ref->strip_at;
		key_to_base64(base64,
			      ref->peer ? ref->peer->preshared_key : conf->device->private_key);
		strbuf_printf(out, "%s = %s\n", ref->peer ? "PresharedKey" : "PrivateKey", base64);
	}
	strbuf_puts(out, text + at);
	memzero_explicit(base64, sizeof(base64));
	return out->oom ? -ENOMEM : 0;
}

unsigned int config_key_files_match(const struct wg_config *conf, const struct wg_device *running,
				    struct diag_list *d)
{
	unsigned int errors = 0;

	for (size_t i = 0; i < conf->n_key_files; ++i) {
		const struct wg_key_file *ref = &conf->key_files[i];
		const struct wg_peer *rp = NULL;
		const uint8_t *have, *want;
		bool present;

		if (ref->peer) {
			rp = model_find_peer(running, ref->peer->public_key);
			/* A peer removed from the interface is not saved, nor its key file line. */
			if (!rp)
				continue;
			have = rp->preshared_key;
			want = ref->peer->preshared_key;
			present = rp->flags & WGPEER_HAS_PRESHARED_KEY;
		} else {
			have = running->private_key;
			want = conf->device->private_key;
			present = running->flags & WGDEVICE_HAS_PRIVATE_KEY;
		}
		if (!ref->loaded)
			diag_error(d, ref->lineno,
				   "%s `%s' was not read, so the running key cannot be checked "
				   "against it: not saved",
				   key_name(ref), ref->path ? ref->path : ref->name);
		else if (!present || !ct_memeq(have, want, WG_KEY_LEN))
			diag_error(
				d, ref->lineno,
				"the running %s key is not the one in %s `%s': not saved, since "
				"the file would lose it (put the running key in that file, or set "
				"the file's back)",
				ref->peer ? "preshared" : "private", key_name(ref), ref->path);
		else
			continue;
		++errors;
	}
	return errors;
}
