// SPDX-License-Identifier: MIT
/*
 * `events IFACE [--interval S] [--stale S] [--exec CMD] [--state FILE]`: polls the interface
 * (any backend: it only observes `get`), prints one JSON line per change (model/events.c) and
 * runs CMD per event with the details in its environment, one at a time, in order. The state
 * is written (atomically) after each period's events are out, to
 * ${WGCTL_STATE_DIR:-RUNSTATEDIR/wgctl}/IFACE.events, so a restart goes on where it stopped.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "backend/backend.h"
#include "cmd/cmd.h"
#include "model/config.h"
#include "model/encoding.h"
#include "model/events.h"
#include "model/locate.h"
#include "util/file.h"

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

struct events_ctx {
	const char *ifname, *exec;
	struct wg_config conf; /* for # Name =; reread when a peer appears */
	int64_t now;
	int failed;
};

static void load_names(struct events_ctx *c)
{
	struct config_location loc;
	struct diag_list d;
	char *tried = NULL;

	config_free(&c->conf);
	memset(&c->conf, 0, sizeof(c->conf));
	if (config_locate(c->ifname, &loc, &tried)) {
		free(tried);
		return;
	}
	diag_init(&d, loc.path);
	(void)config_read_file(&c->conf, loc.path, CONFIG_GRAMMAR_QUICK, &d);
	diag_free(&d);
	config_location_free(&loc);
}

static const char *name_of(const struct events_ctx *c, const uint8_t *key)
{
	const struct wg_peer *p = c->conf.device ? model_find_peer(c->conf.device, key) : NULL;

	return p ? p->name : NULL;
}

static void run_exec(const struct events_ctx *c, const struct ev_event *e, const char *name)
{
	char key[WG_KEY_LEN_BASE64], hs[24], now[24];
	pid_t pid;
	int status;

	key_to_base64(key, e->peer->key);
	snprintf(hs, sizeof(hs), "%lld", (long long)e->peer->handshake);
	snprintf(now, sizeof(now), "%lld", (long long)c->now);
	pid = fork();
	if (pid < 0) {
		fprintf(stderr, "%s: --exec: %s\n", prog_name, strerror(errno));
		return;
	}
	if (!pid) {
		setenv("WGCTL_EVENT", ev_kind_name(e->kind), 1);
		setenv("WGCTL_INTERFACE", c->ifname, 1);
		setenv("WGCTL_PUBLIC_KEY", key, 1);
		setenv("WGCTL_PEER_NAME", name ? name : "", 1);
		setenv("WGCTL_ENDPOINT", e->peer->endpoint, 1);
		setenv("WGCTL_PREVIOUS_ENDPOINT", e->previous_endpoint ? e->previous_endpoint : "",
		       1);
		setenv("WGCTL_LATEST_HANDSHAKE", hs, 1);
		setenv("WGCTL_TIME", now, 1);
		execl("/bin/sh", "sh", "-c", c->exec, (char *)NULL);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
}

static void on_event(void *ctx, const struct ev_event *e)
{
	struct events_ctx *c = ctx;
	const char *name;
	struct strbuf sb;

	if (e->kind == EV_ADDED)
		load_names(c);
	name = name_of(c, e->peer->key);
	strbuf_init(&sb);
	ev_format_json(&sb, c->ifname, name, e, c->now);
	if (!sb.oom) {
		fwrite(sb.buf, 1, sb.len, stdout);
		fflush(stdout);
	}
	strbuf_free(&sb);
	if (c->exec)
		run_exec(c, e, name);
}

static bool parse_seconds(const char *s, double *out)
{
	char *end;

	errno = 0;
	*out = strtod(s, &end);
	return !errno && end != s && !*end && *out > 0 && *out < 86400 * 365;
}

int cmd_events(int argc, const char *argv[])
{
	struct events_ctx c = { 0 };
	struct ev_state st = { 0 };
	struct strbuf saved, now_text;
	double interval = 1, stale = 180;
	const char *state_path = NULL;
	char *path = NULL, *text = NULL;
	bool warned = false;
	size_t len;
	int ret;

	for (int i = 1; i < argc; ++i) {
		bool more = i + 1 < argc;

		if (!strcmp(argv[i], "--interval") && more && parse_seconds(argv[i + 1], &interval))
			++i;
		else if (!strcmp(argv[i], "--stale") && more && parse_seconds(argv[i + 1], &stale))
			++i;
		else if (!strcmp(argv[i], "--exec") && more)
			c.exec = argv[++i];
		else if (!strcmp(argv[i], "--state") && more)
			state_path = argv[++i];
		else if (argv[i][0] != '-' && !c.ifname)
			c.ifname = argv[i];
		else
			c.ifname = NULL, i = argc;
	}
	if (!c.ifname || !config_valid_ifname(c.ifname)) {
		cmd_usage(cmd_find(argv[0], CMD_WGCTL), true);
		return 1;
	}
	if (!state_path) {
		const char *dir = getenv("WGCTL_STATE_DIR");

		if (asprintf(&path, "%s/%s.events", dir && *dir ? dir : RUNSTATEDIR "/wgctl",
			     c.ifname) < 0)
			return 1;
		state_path = path;
	}
	if (!file_read_all(state_path, 1 << 24, &text, &len) && ev_state_parse(&st, text))
		fprintf(stderr, "%s: `%s': not an events state file; starting afresh\n", prog_name,
			state_path);
	free(text);
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	signal(SIGPIPE, SIG_IGN);
	strbuf_init(&saved);
	strbuf_init(&now_text);
	load_names(&c);
	while (!stop) {
		struct wg_device *dev = NULL;
		struct timespec ts;

		ret = backend_get(c.ifname, &dev);
		if (ret < 0) {
			if (!warned)
				fprintf(stderr, "%s: %s: Unable to access interface: %s; waiting\n",
					prog_name, c.ifname, strerror(-ret));
			warned = true;
		} else {
			warned = false;
			c.now = (int64_t)time(NULL);
			if (ev_step(&st, dev, c.now, (int64_t)stale, on_event, &c))
				break;
			strbuf_reset(&now_text);
			ev_state_format(&now_text, &st);
			if (!now_text.oom && (saved.len != now_text.len ||
					      memcmp(saved.buf, now_text.buf, saved.len))) {
				char *dir = strdup(state_path),
				     *slash = dir ? strrchr(dir, '/') : NULL;

				if (slash) {
					*slash = '\0';
					(void)file_mkdirs(dir, 0755, 0700);
				}
				free(dir);
				ret = file_write_atomic(state_path, now_text.buf, now_text.len,
							0600);
				if (ret)
					fprintf(stderr, "%s: `%s': %s\n", prog_name, state_path,
						strerror(-ret));
				strbuf_reset(&saved);
				strbuf_append(&saved, now_text.buf, now_text.len);
			}
		}
		model_device_free(dev);
		ts.tv_sec = (time_t)interval;
		ts.tv_nsec = (long)((interval - (double)ts.tv_sec) * 1e9);
		nanosleep(&ts, NULL);
	}
	strbuf_free(&saved);
	strbuf_free(&now_text);
	ev_state_free(&st);
	config_free(&c.conf);
	free(path);
	return 0;
}
