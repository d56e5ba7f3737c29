// SPDX-License-Identifier: MIT
/*
 * Key files (model/keyfile.h) through a reader that serves files from a table: where a name is
 * looked for, what each kind of file gives (every diagnostic with its line and severity, for
 * each command's need), the access warnings, the parse rules (a key and its file, a second file,
 * the wrong section or grammar), strip's text with the keys in place, save's check of the
 * running keys and what it writes. No message may show a byte of a key file.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/config.h"
#include "model/emit.h"
#include "model/encoding.h"
#include "model/keyfile.h"
#include "model/lint.h"
#include "tap.h"

#define K1 "yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk="
#define K2 "xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg="
#define K3 "TrMvSoP4jYQlY6RIzBgbssQqY3vxI2Pi+y71lOWWXX0="
#define K4 "uJPzgCQ6WNlAUp3k3Q4jIStSMqoWxZAYUKvLc7WQbWM="

struct fake_file {
	const char *path;
	const char *content; /* NULL: fails with -err */
	unsigned int mode;   /* with the file type bits */
	unsigned int gid;
	int err;
};

static const struct fake_file *files;
static size_t n_files;
static unsigned int reads;

static int fake_read(const char *path, void *buf, size_t cap, size_t *len, struct stat *st)
{
	++reads;
	*len = 0;
	for (size_t i = 0; i < n_files; ++i) {
		const struct fake_file *f = &files[i];

		if (strcmp(f->path, path))
			continue;
		if (!f->content)
			return -f->err;
		memset(st, 0, sizeof(*st));
		st->st_mode = f->mode;
		st->st_gid = f->gid;
		if (!S_ISREG(st->st_mode))
			return 0;
		*len = strlen(f->content);
		if (*len > cap) {
			*len = 0;
			return -EFBIG;
		}
		memcpy(buf, f->content, *len);
		return 0;
	}
	return -ENOENT;
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

static int parse(struct wg_config *conf, const char *text, enum config_grammar g,
		 struct diag_list *d)
{
	FILE *f = fmemopen((void *)text, strlen(text), "r");
	int ret;

	diag_init(d, "t");
	ret = config_read_stream(conf, f, g, d);
	fclose(f);
	return ret;
}

static void paths(void)
{
	static const struct {
		const char *creds, *name, *want;
	} t[] = {
		/* 1 */ { NULL, "wg0.key", "/etc/wireguard/wg0.key" },
		/* 2 */
		{ "/run/credentials/wgctl@wg0.service", "wg0.key",
		  "/run/credentials/wgctl@wg0.service/wg0.key" },
		/* 3 */ { "/run/creds", "./wg0.key", "/etc/wireguard/./wg0.key" },
		/* 4 */ { "/run/creds", "keys/wg0.key", "/etc/wireguard/keys/wg0.key" },
		/* 5 */ { "/run/creds", "/srv/k/wg0.key", "/srv/k/wg0.key" },
		/* 6 */ { "", "wg0.key", "/etc/wireguard/wg0.key" },
		/* 7 */ { NULL, "../k", "/etc/wireguard/../k" },
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); ++i) {
		struct key_file_env env = { .config_path = "/etc/wireguard/wg0.conf",
					    .credentials_dir = t[i].creds };
		char *got = key_file_path(&env, t[i].name), name[64];

		snprintf(name, sizeof(name), "path %zu: %s", i + 1, t[i].name);
		is_str(got, t[i].want, name);
		free(got);
	}
}

static const char both_conf[] = "[Interface]\n"
				"PrivateKeyFile = wg0.key\n"
				"Address = 10.0.0.1/24\n"
				"ListenPort = 51820\n"
				"\n"
				"[Peer]\n"
				"PublicKey = " K2 "\n"
				"PresharedKeyFile = /k/psk # c\n"
				"AllowedIPs = 10.0.0.2/32\n"
				"[Peer]\n"
				"PublicKey = " K3 "\n"
				"PresharedKey = " K4 "\n";

struct lcase {
	const char *name;
	enum key_files_need need;
	bool save_config;
	struct fake_file f[2]; /* /d/wg0.key and /k/psk */
	int ret;
	const char *diags;
	bool private_loaded, psk_loaded;
	unsigned int reads;
};

#define REG   (S_IFREG | 0600)
#define KEYNL K1 "\n"
#define PSKNL K4 "\n"
#define OK2(m)                                                                                     \
	{                                                                                          \
		{ "/d/wg0.key", KEYNL, m, 0, 0 },                                                  \
		{                                                                                  \
			"/k/psk", PSKNL, REG, 0, 0                                                 \
		}                                                                                  \
	}
#define MISSING_KEY                                                                                \
	{                                                                                          \
		{ "/d/other", KEYNL, REG, 0, 0 },                                                  \
		{                                                                                  \
			"/k/psk", PSKNL, REG, 0, 0                                                 \
		}                                                                                  \
	}

static const struct lcase lcases[] = {
	{ "both read", KEY_FILES_ALL, false, OK2(REG), 0, "", true, true, 2 },
	{ "0644: world accessible, still read", KEY_FILES_ALL, false, OK2(S_IFREG | 0644), 0,
	  "W2: `/d/wg0.key' is world accessible\n", true, true, 2 },
	{ "0602: others may write: world accessible", KEY_FILES_ALL, false, OK2(S_IFREG | 0602), 0,
	  "W2: `/d/wg0.key' is world accessible\n", true, true, 2 },
	{ "0640 root:root: nothing said", KEY_FILES_ALL, false, OK2(S_IFREG | 0640), 0, "", true,
	  true, 2 },
	{ "0640 root:110: group accessible",
	  KEY_FILES_ALL,
	  false,
	  { { "/d/wg0.key", KEYNL, S_IFREG | 0640, 110, 0 }, { "/k/psk", PSKNL, REG, 0, 0 } },
	  0,
	  "W2: `/d/wg0.key' is group accessible\n",
	  true,
	  true,
	  2 },
	{ "0600 root:110: nothing said",
	  KEY_FILES_ALL,
	  false,
	  { { "/d/wg0.key", KEYNL, REG, 110, 0 }, { "/k/psk", PSKNL, REG, 0, 0 } },
	  0,
	  "",
	  true,
	  true,
	  2 },
	{ "missing: an error at its line", KEY_FILES_ALL, false, MISSING_KEY, -EINVAL,
	  "E2: PrivateKeyFile `/d/wg0.key': No such file or directory\n", false, true, 2 },
	{ "missing, for check: a warning", KEY_FILES_LINT, false, MISSING_KEY, 0,
	  "W2: PrivateKeyFile `/d/wg0.key': No such file or directory\n", false, true, 2 },
	{ "missing, for down without SaveConfig: nothing read", KEY_FILES_SAVE, false, MISSING_KEY,
	  0, "", false, false, 0 },
	{ "missing, for down with SaveConfig: a warning", KEY_FILES_SAVE, true, MISSING_KEY, 0,
	  "W2: PrivateKeyFile `/d/wg0.key': No such file or directory\n", false, true, 2 },
	{ "missing, for sync: only the peers' files are read", KEY_FILES_PEERS, false, MISSING_KEY,
	  0, "", false, true, 1 },
	{ "missing, for reresolve: nothing read", KEY_FILES_NONE, false, MISSING_KEY, 0, "", false,
	  false, 0 },
	{ "unreadable (EACCES): an error",
	  KEY_FILES_ALL,
	  false,
	  { { "/d/wg0.key", NULL, 0, 0, EACCES }, { "/k/psk", PSKNL, REG, 0, 0 } },
	  -EINVAL,
	  "E2: PrivateKeyFile `/d/wg0.key': Permission denied\n",
	  false,
	  true,
	  2 },
	{ "unreadable, for check: a warning",
	  KEY_FILES_LINT,
	  false,
	  { { "/d/wg0.key", NULL, 0, 0, EACCES }, { "/k/psk", PSKNL, REG, 0, 0 } },
	  0,
	  "W2: PrivateKeyFile `/d/wg0.key': Permission denied\n",
	  false,
	  true,
	  2 },
	{ "empty",
	  KEY_FILES_ALL,
	  false,
	  { { "/d/wg0.key", "", REG, 0, 0 }, { "/k/psk", PSKNL, REG, 0, 0 } },
	  -EINVAL,
	  "E2: PrivateKeyFile `/d/wg0.key': the file is empty\n",
	  false,
	  true,
	  2 },
	{ "a key with text after it, for check too: an error, contents not shown",
	  KEY_FILES_LINT,
	  false,
	  { { "/d/wg0.key", K1 " x\n", REG, 0, 0 }, { "/k/psk", PSKNL, REG, 0, 0 } },
	  -EINVAL,
	  "E2: PrivateKeyFile `/d/wg0.key': not one base64 key (47 bytes; the contents are not "
	  "shown)\n",
	  false,
	  true,
	  2 },
	{ "a short key",
	  KEY_FILES_ALL,
	  false,
	  { { "/d/wg0.key", "yAnz5TF+lX", REG, 0, 0 }, { "/k/psk", PSKNL, REG, 0, 0 } },
	  -EINVAL,
	  "E2: PrivateKeyFile `/d/wg0.key': not one base64 key (10 bytes; the contents are not "
	  "shown)\n",
	  false,
	  true,
	  2 },
	{ "whitespace around the key: read",
	  KEY_FILES_ALL,
	  false,
	  { { "/d/wg0.key", " \t\r\n" K1 " \r\n\n", REG, 0, 0 }, { "/k/psk", K4, REG, 0, 0 } },
	  0,
	  "",
	  true,
	  true,
	  2 },
	{ "bad content for down with SaveConfig: a warning",
	  KEY_FILES_SAVE,
	  true,
	  { { "/d/wg0.key", "x", REG, 0, 0 }, { "/k/psk", PSKNL, REG, 0, 0 } },
	  0,
	  "W2: PrivateKeyFile `/d/wg0.key': not one base64 key (1 bytes; the contents are not "
	  "shown)\n",
	  false,
	  true,
	  2 },
	{ "a FIFO: not read",
	  KEY_FILES_ALL,
	  false,
	  { { "/d/wg0.key", "", S_IFIFO | 0600, 0, 0 }, { "/k/psk", PSKNL, REG, 0, 0 } },
	  -EINVAL,
	  "E2: PrivateKeyFile `/d/wg0.key': not a regular file\n",
	  false,
	  true,
	  2 },
	{ "a bad preshared key file",
	  KEY_FILES_ALL,
	  false,
	  { { "/d/wg0.key", KEYNL, REG, 0, 0 }, { "/k/psk", K4 K4, S_IFREG | 0666, 0, 0 } },
	  -EINVAL,
	  "W8: `/k/psk' is world accessible\n"
	  "E8: PresharedKeyFile `/k/psk': not one base64 key (88 bytes; the contents are not "
	  "shown)\n",
	  true,
	  false,
	  2 },
};

static bool shows_a_key(const char *text)
{
	static const char *const keys[] = { K1, K4 };

	for (size_t i = 0; i < 2; ++i) {
		if (strstr(text, keys[i]) || strstr(text, "yAnz5TF") || strstr(text, "uJPzgC"))
			return true;
	}
	return false;
}

static void load_case(const struct lcase *t)
{
	struct key_file_env env = { .config_path = "/d/wg0.conf", .read = fake_read };
	uint8_t want[WG_KEY_LEN];
	struct wg_config conf;
	struct diag_list d;
	struct wg_peer *peer;
	char *got;
	int ret;

	must(parse(&conf, both_conf, CONFIG_GRAMMAR_QUICK, &d));
	conf.save_config = t->save_config;
	files = t->f;
	n_files = 2;
	reads = 0;
	env.need = t->need;
	ret = config_read_key_files(&conf, &env, &d);
	got = diags(&d);
	ok(ret == t->ret, "%s: returns %d (got %d)", t->name, t->ret, ret);
	is_str(got, t->diags, t->name);
	ok(!shows_a_key(got), "%s: no message shows the key", t->name);
	ok(reads == t->reads, "%s: %u files read (%u)", t->name, t->reads, reads);
	peer = conf.device->first_peer;
	ok(conf.key_files[0].loaded == t->private_loaded &&
		   !!(conf.device->flags & WGDEVICE_HAS_PRIVATE_KEY) == t->private_loaded,
	   "%s: private key %s", t->name, t->private_loaded ? "read" : "not read");
	ok(conf.key_files[1].loaded == t->psk_loaded &&
		   !!(peer->flags & WGPEER_HAS_PRESHARED_KEY) == t->psk_loaded,
	   "%s: preshared key %s", t->name, t->psk_loaded ? "read" : "not read");
	if (t->private_loaded) {
		key_from_base64(want, K1);
		ok(!memcmp(conf.device->private_key, want, WG_KEY_LEN), "%s: the private key",
		   t->name);
	}
	if (t->psk_loaded) {
		key_from_base64(want, K4);
		ok(!memcmp(peer->preshared_key, want, WG_KEY_LEN), "%s: the preshared key",
		   t->name);
	}
	free(got);
	config_free(&conf);
	diag_free(&d);
}

struct pcase {
	const char *name;
	enum config_grammar grammar;
	const char *input;
	int ret;
	const char *diags;
	size_t n_key_files;
};

static const struct pcase pcases[] = {
	{ "PrivateKey, then PrivateKeyFile", CONFIG_GRAMMAR_QUICK,
	  "[Interface]\nPrivateKey = " K1 "\nPrivateKeyFile = k\n", -EINVAL,
	  "E3: PrivateKeyFile and the PrivateKey of line 2 are the same key: keep one of them\n",
	  0 },
	{ "PrivateKeyFile, then PrivateKey (a second [Interface] too)", CONFIG_GRAMMAR_QUICK,
	  "[Interface]\nPrivateKeyFile = k\n[Interface]\nPrivateKey = " K1 "\n", -EINVAL,
	  "W3: A second [Interface] section; its keys add to the first\n"
	  "E4: PrivateKey and the PrivateKeyFile of line 2 are the same key: keep one of them\n",
	  1 },
	{ "two PrivateKeyFiles", CONFIG_GRAMMAR_QUICK,
	  "[Interface]\nPrivateKeyFile = a\nprivatekeyfile=b\n", -EINVAL,
	  "E3: A second PrivateKeyFile for the same key; the first is on line 2\n", 1 },
	{ "PresharedKey and PresharedKeyFile in one peer", CONFIG_GRAMMAR_QUICK,
	  "[Peer]\nPublicKey = " K2 "\nPresharedKeyFile = p\nPresharedKey = " K4 "\n", -EINVAL,
	  "E4: PresharedKey and the PresharedKeyFile of line 3 are the same key: keep one of "
	  "them\n",
	  1 },
	{ "a PresharedKeyFile in each of two peers, and a PresharedKey in a third",
	  CONFIG_GRAMMAR_QUICK,
	  "[Peer]\nPublicKey = " K2 "\nPresharedKeyFile = p\n[Peer]\nPublicKey = " K3
	  "\nPresharedKeyFile = q\n[Peer]\nPublicKey = " K1 "\nPresharedKey = " K4 "\n",
	  0, "", 2 },
	{ "PrivateKeyFile in [Peer]: wg's message, value not shown", CONFIG_GRAMMAR_QUICK,
	  "[Peer]\nPublicKey = " K2 "\nPrivateKeyFile = k\n", -EINVAL,
	  "E3: Line unrecognized: `PrivateKeyFile=' and a value not shown (it may be a key)\n", 0 },
	{ "PresharedKeyFile in [Interface]", CONFIG_GRAMMAR_QUICK,
	  "[Interface]\nPresharedKeyFile = k\n", -EINVAL,
	  "E2: Line unrecognized: `PresharedKeyFile=' and a value not shown (it may be a key)\n",
	  0 },
	{ "before any section", CONFIG_GRAMMAR_QUICK, "PrivateKeyFile = k\n", -EINVAL,
	  "E1: Line unrecognized: `PrivateKeyFile=' and a value not shown (it may be a key)\n", 0 },
	{ "setconf files are wg's grammar: unknown there", CONFIG_GRAMMAR_WG,
	  "[Interface]\nPrivateKeyFile = k\n", -EINVAL,
	  "E2: Line unrecognized: `PrivateKeyFile=' and a value not shown (it may be a key)\n", 0 },
	{ "a shared peer list may not name one", CONFIG_GRAMMAR_PEERS,
	  "[Peer]\nPublicKey = " K2 "\nPresharedKeyFile = /etc/wireguard/wg0.key\n", -EINVAL,
	  "E3: A peer list cannot name a key file (PresharedKeyFile) on the hosts that read it\n",
	  0 },
	{ "no file named", CONFIG_GRAMMAR_QUICK, "[Interface]\nPrivateKeyFile =   # c\n", -EINVAL,
	  "E2: PrivateKeyFile names no file\n", 0 },
	{ "a path with spaces, any case of the key", CONFIG_GRAMMAR_QUICK,
	  "[Interface]\n  PRIVATEKEYFILE  =  my keys/wg 0.key  # c\n", 0, "", 1 },
	{ "wg's whitespace rule is not the key's: `Private Key File' is unknown",
	  CONFIG_GRAMMAR_QUICK, "[Interface]\nPrivate Key File = k\n", -EINVAL,
	  "E2: Line unrecognized: `PrivateKeyFile=' and a value not shown (it may be a key)\n", 0 },
};

static void parse_case(const struct pcase *t)
{
	struct wg_config conf;
	struct diag_list d;
	char *got;
	int ret;

	ret = parse(&conf, t->input, t->grammar, &d);
	got = diags(&d);
	ok(ret == t->ret, "%s: returns %d (got %d)", t->name, t->ret, ret);
	is_str(got, t->diags, t->name);
	ok(conf.n_key_files == t->n_key_files, "%s: %zu key files (%zu)", t->name, t->n_key_files,
	   conf.n_key_files);
	free(got);
	config_free(&conf);
	diag_free(&d);
}

static const struct fake_file good[] = {
	{ "/d/wg0.key", KEYNL, REG, 0, 0 },
	{ "/k/psk", PSKNL, REG, 0, 0 },
};

static void load_good(struct wg_config *conf, struct diag_list *d)
{
	struct key_file_env env = { .config_path = "/d/wg0.conf",
				    .read = fake_read,
				    .need = KEY_FILES_ALL };

	files = good;
	n_files = 2;
	must(parse(conf, both_conf, CONFIG_GRAMMAR_QUICK, d));
	must(config_read_key_files(conf, &env, d));
}

static void strip(void)
{
	struct wg_config conf;
	struct diag_list d;
	struct strbuf sb;

	load_good(&conf, &d);
	is_str(conf.stripped,
	       "[Interface]\nListenPort = 51820\n\n[Peer]\nPublicKey = " K2
	       "\nAllowedIPs = 10.0.0.2/32\n[Peer]\nPublicKey = " K3 "\nPresharedKey = " K4 "\n",
	       "the parsed text has neither *File line");
	strbuf_init(&sb);
	ok(config_strip_text(&conf, &sb) == 0, "strip text: written");
	is_str(sb.buf,
	       "[Interface]\nPrivateKey = " K1 "\nListenPort = 51820\n\n[Peer]\nPublicKey = " K2
	       "\nPresharedKey = " K4 "\nAllowedIPs = 10.0.0.2/32\n[Peer]\nPublicKey = " K3
	       "\nPresharedKey = " K4 "\n",
	       "strip text: each key where its file's line was");
	strbuf_free(&sb);
	conf.key_files[1].loaded = false;
	strbuf_init(&sb);
	ok(config_strip_text(&conf, &sb) == -ENOKEY, "strip text: a key file not read is -ENOKEY");
	strbuf_free(&sb);
	config_free(&conf);
	diag_free(&d);
}

static void save(void)
{
	struct wg_device *running;
	struct wg_config conf;
	struct diag_list d, m;
	struct strbuf sb;
	char *got;

	load_good(&conf, &d);
	running = model_device_copy(conf.device);
	if (!running) {
		puts("Bail out! out of memory");
		exit(1);
	}
	diag_init(&m, "t");
	ok(config_key_files_match(&conf, running, &m) == 0 && !m.count,
	   "save: running keys as in their files");
	strbuf_init(&sb);
	emit_saved(&sb, running, &conf);
	is_str(sb.buf,
	       "[Interface]\nListenPort = 51820\nPrivateKeyFile = wg0.key\n\n[Peer]\nPublicKey "
	       "= " K2
	       "\nPresharedKeyFile = /k/psk\nAllowedIPs = 10.0.0.2/32\n\n[Peer]\nPublicKey = " K3
	       "\nPresharedKey = " K4 "\n",
	       "save: the *File lines as written, the key without a file as showconf has it");
	ok(!strstr(sb.buf, K1) && !strstr(sb.buf, "PrivateKey ="),
	   "save: the private key is not written");
	strbuf_free(&sb);

	key_from_base64(running->private_key, K3);
	running->first_peer->flags &= ~WGPEER_HAS_PRESHARED_KEY;
	ok(config_key_files_match(&conf, running, &m) == 2, "save: two running keys differ");
	got = diags(&m);
	is_str(got,
	       "E2: the running private key is not the one in PrivateKeyFile `/d/wg0.key': not "
	       "saved, since the file would lose it (put the running key in that file, or set the "
	       "file's back)\n"
	       "E8: the running preshared key is not the one in PresharedKeyFile `/k/psk': not "
	       "saved, since the file would lose it (put the running key in that file, or set the "
	       "file's back)\n",
	       "save: each difference at its line, naming its file");
	free(got);
	diag_free(&m);

	/* The peer is gone from the interface: its line goes with it, nothing to check. */
	model_peer_remove(running, NULL, running->first_peer);
	key_from_base64(running->private_key, K1);
	conf.key_files[0].loaded = false;
	diag_init(&m, "t");
	ok(config_key_files_match(&conf, running, &m) == 1, "save: a key file not read");
	got = diags(&m);
	is_str(got,
	       "E2: PrivateKeyFile `/d/wg0.key' was not read, so the running key cannot be checked "
	       "against it: not saved\n",
	       "save: a key file not read is said, at its line");
	free(got);
	diag_free(&m);
	model_device_free(running);
	config_free(&conf);
	diag_free(&d);
}

/* A PrivateKeyFile that could not be read is not "no PrivateKey": its own warning said it. */
static void lint(void)
{
	struct key_file_env env = { .config_path = "/d/wg0.conf",
				    .read = fake_read,
				    .need = KEY_FILES_LINT };
	struct wg_config conf;
	struct diag_list d;

	files = NULL;
	n_files = 0;
	must(parse(&conf, "[Interface]\nPrivateKeyFile = gone\n", CONFIG_GRAMMAR_QUICK, &d));
	ok(config_read_key_files(&conf, &env, &d) == 0 && d.warnings == 1,
	   "lint: a missing key file is one warning");
	config_lint(&conf, &d);
	ok(d.warnings == 1, "lint: and no \"no PrivateKey\" warning besides (%u)", d.warnings);
	config_free(&conf);
	diag_free(&d);
}

int main(void)
{
	paths();
	for (size_t i = 0; i < sizeof(lcases) / sizeof(lcases[0]); ++i)
		load_case(&lcases[i]);
	for (size_t i = 0; i < sizeof(pcases) / sizeof(pcases[0]); ++i)
		parse_case(&pcases[i]);
	strip();
	save();
	lint();
	return done_testing();
}
