// SPDX-License-Identifier: MIT
/*
 * `reresolve --watch [--interval S] [--stale S] IFACE`: the service form of `reresolve`. Every
 * period (30 s) it rereads the config and, for each peer that has shown no life for `stale`
 * seconds (135 s, reresolve's rule; life is a handshake or received bytes, since a session in
 * use re-keys only every 2 minutes), first resolves its current endpoint name again and, if that
 * gives the address it already has, moves it to the next of its endpoints: `Endpoint =` and
 * then wgctl's `# Endpoints = a:1, [v6]:2` comment, round and round. After a move the peer gets
 * `stale` seconds to show life before the next. Each change is one JSON line on stdout, in the
 * shape of `events`.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "backend/backend.h"
#include "backend/resolve.h"
#include "cmd/cmd.h"
#include "cmd/common.h"
#include "model/emit.h"
#include "model/encoding.h"
#include "model/peeredit.h"
#include "model/uapi.h"
#include "util/file.h"

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

struct watched {
	uint8_t key[WG_KEY_LEN];
	size_t index;  /* which candidate is in use */
	int64_t alive; /* when it last showed life (or was moved) */
	uint64_t rx;
};

struct watch {
	const char *ifarg;
	double interval, stale;
	struct watched *v;
	size_t n;
};

static struct watched *watched_of(struct watch *w, const uint8_t *key, int64_t now)
{
	struct watched *nv;

	for (size_t i = 0; i < w->n; ++i) {
		if (!memcmp(w->v[i].key, key, WG_KEY_LEN))
			return &w->v[i];
	}
	nv = realloc(w->v, (w->n + 1) * sizeof(*nv));
	if (!nv)
		return NULL;
	w->v = nv;
	memset(&nv[w->n], 0, sizeof(*nv));
	memcpy(nv[w->n].key, key, WG_KEY_LEN);
	nv[w->n].alive = now;
	return &nv[w->n++];
}

/* The candidates: Endpoint, then the comment's, comma-separated. */
static size_t candidates(const struct wg_peer *fp, const char *alts, char out[][256], size_t max)
{
	size_t n = 0;

	if (fp->endpoint_text)
		snprintf(out[n++], 256, "%s", fp->endpoint_text);
	else if (fp->endpoint.addr.sa_family)
		emit_endpoint(out[n++], 256, fp);
	for (const char *s = alts, *e; s && *s && n < max; s = *e ? e + 1 : e) {
		size_t len;

		while (*s == ' ' || *s == '\t')
			++s;
		e = s + strcspn(s, ",");
		len = (size_t)(e - s);
		while (len && (s[len - 1] == ' ' || s[len - 1] == '\t'))
			--len;
		if (len && len < 256)
			snprintf(out[n++], 256, "%.*s", (int)len, s);
	}
	return n;
}

static void report(const char *ifname, const char *what, const uint8_t *key, const char *name,
		   const char *text, const char *now_ep, const char *was_ep)
{
	char k[WG_KEY_LEN_BASE64];

	key_to_base64(k, key);
	printf("{\"time\":%lld,\"event\":\"%s\",\"interface\":\"%s\",\"public_key\":\"%s\","
	       "\"name\":%s%s%s,\"endpoint\":\"%s\",\"endpoint_text\":\"%s\","
	       "\"previous_endpoint\":\"%s\"}\n",
	       (long long)time(NULL), what, ifname, k, name ? "\"" : "", name ? name : "null",
	       name ? "\"" : "", now_ep, text, was_ep);
	fflush(stdout);
}

/* Sets the peer's endpoint to `text` resolved; 1 when it changed, 0 when not, -1 on error. */
static int move_to(const char *ifname, const struct wg_peer *fp, const struct wg_peer *rp,
		   const char *text, const char *what, const char *config)
{
	struct wg_device delta = { 0 };
	struct wg_peer peer = { 0 };
	char was[UAPI_ENDPOINT_LEN], now[UAPI_ENDPOINT_LEN];
	struct diag_list d;
	int ret;

	diag_init(&d, config);
	ret = resolve_endpoint(&peer.endpoint, text, &d, fp->lineno);
	diag_print(&d, stderr);
	diag_free(&d);
	if (ret < 0)
		return -1;
	uapi_format_endpoint(was, &rp->endpoint);
	uapi_format_endpoint(now, &peer.endpoint);
	if (!strcmp(was, now))
		return 0;
	memcpy(peer.public_key, fp->public_key, WG_KEY_LEN);
	peer.flags = WGPEER_HAS_PUBLIC_KEY | WGPEER_UPDATE_ONLY | WGPEER_HAS_ENDPOINT;
	delta.first_peer = delta.last_peer = &peer;
	ret = backend_set(ifname, &delta);
	if (ret < 0) {
		fprintf(stderr, "%s: %s: %s\n", prog_name, ifname, strerror(-ret));
		return -1;
	}
	report(ifname, what, fp->public_key, fp->name, text, now, was);
	return 1;
}

static void watch_once(struct watch *w)
{
	struct wg_device *running = NULL;
	struct config_location loc;
	struct wg_config conf;
	struct diag_list d;
	struct peeredit_comment *alts = NULL;
	size_t n_alts = 0, len;
	const struct wg_peer *fp, *rp;
	int64_t now = (int64_t)time(NULL);
	char *text = NULL, cand[16][256];

	if (cmd_load_config(w->ifarg, &conf, &loc, &d, KEY_FILES_NONE))
		return;
	if (backend_get(loc.ifname, &running) < 0 ||
	    file_read_all(loc.path, 1 << 24, &text, &len) ||
	    peeredit_peer_comments(text, "Endpoints", &alts, &n_alts))
		goto out;
	for_each_wgpeer (conf.device, fp) {
		struct watched *s;
		const char *alt = NULL;
		size_t n;
		int moved;

		if (!(rp = model_find_peer(running, fp->public_key)) ||
		    !(s = watched_of(w, fp->public_key, now)))
			continue;
		if (rp->rx_bytes != s->rx || now - rp->last_handshake_time.tv_sec <= w->stale) {
			s->rx = rp->rx_bytes;
			if (now - rp->last_handshake_time.tv_sec <= w->stale || s->rx)
				s->alive = now;
			continue;
		}
		if (now - s->alive <= w->stale)
			continue;
		for (size_t i = 0; i < n_alts; ++i) {
			if (!memcmp(alts[i].public_key, fp->public_key, WG_KEY_LEN))
				alt = alts[i].value;
		}
		n = candidates(fp, alt, cand, 16);
		if (!n)
			continue;
		if (s->index >= n)
			s->index = 0;
		/* The name in use may have moved: reresolve's rule first. */
		moved = move_to(loc.ifname, fp, rp, cand[s->index], "reresolved", loc.path);
		if (moved == 0 && n > 1) {
			s->index = (s->index + 1) % n;
			moved = move_to(loc.ifname, fp, rp, cand[s->index], "failover", loc.path);
		}
		s->alive = now;
	}
out:
	peeredit_comments_free(alts, n_alts);
	free(text);
	model_device_free(running);
	cmd_unload_config(&conf, &loc, &d);
}

static bool seconds(const char *s, double *out)
{
	char *end;

	errno = 0;
	*out = strtod(s, &end);
	return !errno && end != s && !*end && *out > 0 && *out < 86400 * 365;
}

int cmd_reresolve_watch(int argc, const char *argv[])
{
	struct watch w = { .interval = 30, .stale = 135 };

	for (int i = 2; i < argc; ++i) {
		bool more = i + 1 < argc;

		if (!strcmp(argv[i], "--interval") && more && seconds(argv[i + 1], &w.interval))
			++i;
		else if (!strcmp(argv[i], "--stale") && more && seconds(argv[i + 1], &w.stale))
			++i;
		else if (argv[i][0] != '-' && !w.ifarg)
			w.ifarg = argv[i];
		else
			w.ifarg = NULL, i = argc;
	}
	if (!w.ifarg) {
		cmd_usage(cmd_find(argv[0], CMD_WGCTL), true);
		return 1;
	}
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	while (!stop) {
		struct timespec ts = { .tv_sec = (time_t)w.interval };

		ts.tv_nsec = (long)((w.interval - (double)ts.tv_sec) * 1e9);
		watch_once(&w);
		nanosleep(&ts, NULL);
	}
	free(w.v);
	return 0;
}
