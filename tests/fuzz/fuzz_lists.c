// SPDX-License-Identifier: MIT
/*
 * libFuzzer harness: a config and its shared peer lists as `strip`, `up` and `sync` read them,
 * from files in a private directory, through fleet_lists_expand(), then what those commands do
 * with the result (the stripped text with the lists' peers, the syncconf request against the
 * file's own peers).
 *
 * The input is a flags byte and then files separated by "\n%%\n", in this order: wg0.conf, the
 * lists `a' and `b' beside it and their signatures `a.sig' and `b.sig', the cache files of the
 * config's first and second PeerList, their serial state files, and what the server answers
 * (status line, headers, body) to a list's GET and to its signature's. An empty part is no file,
 * or a server that hangs up without an answer.
 * Flags: bit 0 reads as save, down and check do (cached copies only), else as up does; bit 1
 * signs `a', `b' and the list served with the key whose public half is
 * GV7uPEQ1x1YX9uQTYs382YzWQarcdJHa/2vvN2Lm/DA= (in the dictionary) when they have no signature
 * part; bit 2 gives the host's own public key instead of the config's PrivateKey deciding.
 *
 * Nothing reaches the network: every URL goes through a proxy on 127.0.0.1, a thread of this
 * harness that answers an http:// GET with the input's answer, whatever host it names (an
 * https:// one fails at its CONNECT). Sources that leave the directory (absolute paths, "..")
 * are not read.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "fleet/cache.h"
#include "fleet/lists.h"
#include "fleet/liststate.h"
#include "fleet/signature.h"
#include "model/emit.h"
#include "model/keyfile.h"
#include "model/syncconf.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum { NPARTS = 11 };
static const char *const names[] = { "wg0.conf", "a", "a.sig", "b", "b.sig" };
static const uint8_t seed[ED25519_SEED_SIZE] = { 'w', 'g', 'c', 't', 'l', '-', 'f', 'u', 'z', 'z' };
static char top[] = "/tmp/wgctl-fuzz-lists.XXXXXX";
static char conf_dir[64], cache_dir_path[64], state_dir_path[64];
static int proxy_fd = -1;
/* The answers for the current input: set before the lists are read, read by the proxy thread. */
static const char *answer[2];
static size_t answer_len[2];
static pthread_mutex_t answer_lock = PTHREAD_MUTEX_INITIALIZER;

/* One request at a time, as curl makes them: read the head, answer, hang up. */
static void *proxy(void *arg)
{
	(void)arg;
	for (;;) {
		struct timeval tv = { .tv_sec = 2 };
		char req[8192];
		size_t got = 0;
		ssize_t n;
		int fd = accept4(proxy_fd, NULL, NULL, SOCK_CLOEXEC), which;

		if (fd < 0)
			continue;
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
		while (got < sizeof(req) - 1 &&
		       (n = recv(fd, req + got, sizeof(req) - 1 - got, 0)) > 0) {
			got += (size_t)n;
			req[got] = '\0';
			if (strstr(req, "\r\n\r\n"))
				break;
		}
		req[got] = '\0';
		which = strstr(req, ".sig ") ? 1 : 0;
		pthread_mutex_lock(&answer_lock);
		if (answer_len[which])
			send(fd, answer[which], answer_len[which], MSG_NOSIGNAL);
		pthread_mutex_unlock(&answer_lock);
		close(fd);
	}
	return NULL;
}

static void empty_dir(const char *dir)
{
	char path[512];
	struct dirent *de;
	DIR *d = opendir(dir);

	if (!d)
		return;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		unlink(path);
	}
	closedir(d);
}

static void cleanup(void)
{
	empty_dir(conf_dir);
	empty_dir(cache_dir_path);
	empty_dir(state_dir_path);
	rmdir(conf_dir);
	rmdir(cache_dir_path);
	rmdir(state_dir_path);
	rmdir(top);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct sockaddr_in sin = { .sin_family = AF_INET,
				   .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t slen = sizeof(sin);
	char url[64];
	pthread_t thread;

	(void)argc;
	(void)argv;
	if (!mkdtemp(top))
		abort();
	snprintf(conf_dir, sizeof(conf_dir), "%s/etc", top);
	snprintf(cache_dir_path, sizeof(cache_dir_path), "%s/cache", top);
	snprintf(state_dir_path, sizeof(state_dir_path), "%s/state", top);
	if (mkdir(conf_dir, 0700) || mkdir(cache_dir_path, 0700) || mkdir(state_dir_path, 0700))
		abort();
	atexit(cleanup);
	setenv("WGCTL_CACHE_DIR", cache_dir_path, 1);
	setenv("WGCTL_LIST_STATE_DIR", state_dir_path, 1);
	setenv("WGCTL_FETCH_TIMEOUT", "2", 1);
	proxy_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (proxy_fd < 0 || bind(proxy_fd, (struct sockaddr *)&sin, sizeof(sin)) ||
	    getsockname(proxy_fd, (struct sockaddr *)&sin, &slen) || listen(proxy_fd, 16) ||
	    pthread_create(&thread, NULL, proxy, NULL) || pthread_detach(thread))
		abort();
	snprintf(url, sizeof(url), "http://127.0.0.1:%u", ntohs(sin.sin_port));
	setenv("http_proxy", url, 1);
	setenv("https_proxy", url, 1);
	setenv("HTTPS_PROXY", url, 1);
	setenv("ALL_PROXY", url, 1);
	unsetenv("no_proxy");
	unsetenv("NO_PROXY");
	return 0;
}

static void write_file(const char *path, const char *p, size_t n)
{
	FILE *f = fopen(path, "w");

	if (!f || (n && fwrite(p, 1, n, f) != n) || fclose(f))
		abort();
}

/* Only sources inside the directory, or URLs (which the proxy answers). */
static bool sources_contained(const struct wg_config *conf)
{
	for (size_t i = 0; i < conf->n_peer_lists; ++i) {
		const char *s = conf->peer_lists[i].source;

		if (!strncasecmp(s, "file://", 7))
			s += 7;
		else if (strstr(s, "://"))
			continue;
		if (s[0] == '/' || strstr(s, ".."))
			return false;
	}
	return true;
}

static void write_state_files(const struct wg_config *conf, const char **part, const size_t *len)
{
	char path[4096];

	for (size_t i = 0; i < 2 && i < conf->n_peer_lists; ++i) {
		if (len[5 + i] &&
		    !cache_path(path, sizeof(path), "wg0", conf->peer_lists[i].source))
			write_file(path, part[5 + i], len[5 + i]);
		if (len[7 + i] &&
		    !liststate_path(path, sizeof(path), "wg0", conf->peer_lists[i].source))
			write_file(path, part[7 + i], len[7 + i]);
	}
}

static void sign_lists(const char **part, const size_t *len)
{
	char path[512];

	for (size_t i = 1; i <= 3; i += 2) {
		struct strbuf sig;

		if (!len[i] || len[i + 1])
			continue;
		strbuf_init(&sig);
		if (signature_create(&sig, seed, part[i], len[i]) || sig.oom)
			abort();
		snprintf(path, sizeof(path), "%s/%s", conf_dir, names[i + 1]);
		write_file(path, sig.buf, sig.len);
		strbuf_free(&sig);
	}
}

/* The served list's signature, when the input gives none: the body after the answer's head. */
static void sign_answer(const char **part, size_t *len, struct strbuf *out)
{
	const char *body = len[9] ? memmem(part[9], len[9], "\r\n\r\n", 4) : NULL;
	struct strbuf sig;

	if (!body || len[10])
		return;
	body += 4;
	strbuf_init(&sig);
	if (signature_create(&sig, seed, body, (size_t)(part[9] + len[9] - body)) || sig.oom)
		abort();
	strbuf_printf(out, "HTTP/1.1 200 OK\r\nContent-Length: %zu\r\n\r\n%s", sig.len, sig.buf);
	strbuf_free(&sig);
	if (out->oom)
		abort();
	part[10] = out->buf;
	len[10] = out->len;
}

/* What strip prints, and the syncconf request `sync` makes against the file's own peers. */
static void use(struct wg_config *conf, const struct wg_device *file_only, size_t moved)
{
	struct model_syncconf_counts counts;
	struct wg_device *want;
	struct wg_peer *peer;
	struct strbuf sb;

	strbuf_init(&sb);
	config_strip_text(conf, &sb);
	for_each_wgpeer (conf->device, peer) {
		if (!peer->source)
			continue;
		if (!(peer->flags & WGPEER_HAS_PUBLIC_KEY))
			abort();
		strbuf_printf(&sb, "\n# From %s\n", peer->source);
		emit_peer(&sb, peer);
	}
	strbuf_free(&sb);
	want = model_device_copy(conf->device);
	if (!want || model_syncconf(want, file_only))
		goto out;
	model_syncconf_prune(want, file_only, &counts);
	/* A list never takes a peer the file defines, so its peers are all new to the interface. */
	if (counts.removed || counts.added != moved) {
		fprintf(stderr, "syncconf: %zu added, %zu removed, but the lists gave %zu peers\n",
			counts.added, counts.removed, moved);
		abort();
	}
out:
	model_device_free(want);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char sep[] = "\n%%\n";
	static const uint8_t own[WG_KEY_LEN] = { 0x42 };
	const char *part[NPARTS] = { 0 }, *p, *end;
	size_t len[NPARTS] = { 0 }, moved = 0;
	char path[512];
	struct wg_config conf;
	struct wg_device *file_only = NULL;
	struct fleet_lists pl;
	struct strbuf signed_answer;
	struct diag_list d;
	uint8_t flags;
	int ret;

	if (!size)
		return 0;
	flags = data[0];
	strbuf_init(&signed_answer);
	p = (const char *)data + 1;
	end = (const char *)data + size;
	for (size_t i = 0; i < NPARTS && p <= end; ++i) {
		const char *s = memmem(p, (size_t)(end - p), sep, sizeof(sep) - 1);

		part[i] = p;
		len[i] = s ? (size_t)(s - p) : (size_t)(end - p);
		p = s ? s + sizeof(sep) - 1 : end + 1;
	}
	empty_dir(conf_dir);
	empty_dir(cache_dir_path);
	empty_dir(state_dir_path);
	for (size_t i = 0; i < 5; ++i) {
		if (i == 0 || len[i]) {
			snprintf(path, sizeof(path), "%s/%s", conf_dir, names[i]);
			write_file(path, part[i], len[i]);
		}
	}
	if (flags & 2)
		sign_lists(part, len);
	snprintf(path, sizeof(path), "%s/wg0.conf", conf_dir);
	diag_init(&d, path);
	ret = config_read_file(&conf, path, CONFIG_GRAMMAR_QUICK, &d);
	if (ret && getenv("FUZZ_DEBUG"))
		diag_print(&d, stderr);
	if (!ret && sources_contained(&conf)) {
		write_state_files(&conf, part, len);
		if (flags & 2)
			sign_answer(part, len, &signed_answer);
		pthread_mutex_lock(&answer_lock);
		for (size_t i = 0; i < 2; ++i) {
			answer[i] = part[9 + i];
			answer_len[i] = len[9 + i];
		}
		pthread_mutex_unlock(&answer_lock);
		file_only = model_device_copy(conf.device);
		if (fleet_lists_expand(&conf, path, "wg0",
				       flags & 1 ? FLEET_LIST_CACHE_ONLY : FLEET_LIST_FETCH,
				       flags & 4 ? own : NULL, &pl) == 0) {
			for (size_t i = 0; i < pl.n; ++i)
				moved += pl.lists[i].peers;
			/* FUZZ_DEBUG=1: what became of each list, to see where a seed reaches. */
			if (getenv("FUZZ_DEBUG")) {
				diag_print(&pl.diag, stderr);
				for (size_t i = 0; i < pl.n; ++i)
					fprintf(stderr, "%s: outcome %d origin %d, %zu peers\n",
						pl.lists[i].source, pl.lists[i].outcome,
						pl.lists[i].origin, pl.lists[i].peers);
			}
			if (file_only)
				use(&conf, file_only, moved);
		}
		fleet_lists_free(&pl);
	}
	pthread_mutex_lock(&answer_lock);
	answer_len[0] = answer_len[1] = 0;
	pthread_mutex_unlock(&answer_lock);
	strbuf_free(&signed_answer);
	model_device_free(file_only);
	config_free(&conf);
	diag_free(&d);
	return 0;
}
