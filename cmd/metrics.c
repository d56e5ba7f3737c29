// SPDX-License-Identifier: MIT
/*
 * `metrics [--textfile DIR] [IFACE...]`: model/metrics.c's exposition of the running
 * interfaces (all of them when none is named), with peer names from each interface's config
 * when it has one in the config directory, and the bundled datapath's counters where the
 * backend has them. --textfile writes DIR/IFACE.prom atomically, 0644, for node_exporter's
 * textfile collector (which must never read a torn file).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "backend/backend.h"
#include "cmd/cmd.h"
#include "model/config.h"
#include "model/locate.h"
#include "model/metrics.h"
#include "util/file.h"

struct iface_state {
	struct metrics_iface m;
	struct wg_config conf;
	struct strbuf stats;
};

/* The config's peers, quietly: an interface without a config is still measured. */
static void load_names(struct iface_state *s)
{
	struct config_location loc;
	struct diag_list d;
	char *tried = NULL;

	memset(&s->conf, 0, sizeof(s->conf));
	if (config_locate(s->m.name, &loc, &tried)) {
		free(tried);
		return;
	}
	diag_init(&d, loc.path);
	if (!config_read_file(&s->conf, loc.path, CONFIG_GRAMMAR_QUICK, &d))
		s->m.names = s->conf.device;
	diag_free(&d);
	config_location_free(&loc);
}

static int load(struct iface_state *s, const char *name)
{
	struct wg_device *dev = NULL;
	int ret;

	memset(s, 0, sizeof(*s));
	s->m.name = name;
	ret = backend_get(name, &dev);
	if (ret < 0) {
		fprintf(stderr, "%s: %s: Unable to access interface: %s\n", prog_name, name,
			strerror(-ret));
		return ret;
	}
	s->m.dev = dev;
	strbuf_init(&s->stats);
	if (!backend_stats(name, &s->stats))
		s->m.stats = s->stats.buf;
	load_names(s);
	return 0;
}

static void unload(struct iface_state *s)
{
	model_device_free((struct wg_device *)s->m.dev);
	config_free(&s->conf);
	strbuf_free(&s->stats);
}

static int write_textfile(const char *dir, const struct metrics_iface *m)
{
	struct strbuf sb;
	char *path;
	int ret;

	if (asprintf(&path, "%s/%s.prom", dir, m->name) < 0)
		return -ENOMEM;
	strbuf_init(&sb);
	metrics_format(&sb, m, 1);
	ret = sb.oom ? -ENOMEM : file_write_atomic(path, sb.buf, sb.len, 0644);
	if (ret)
		fprintf(stderr, "%s: `%s': %s\n", prog_name, path, strerror(-ret));
	strbuf_free(&sb);
	free(path);
	return ret;
}

int cmd_metrics(int argc, const char *argv[])
{
	struct strlist names = { 0 };
	struct iface_state *v;
	struct metrics_iface *m;
	const char *dir = NULL;
	size_t n = 0;
	int i = 1, failed = 0;

	if (argc >= 2 && !strcmp(argv[1], "--textfile")) {
		if (argc < 3) {
			cmd_usage(cmd_find(argv[0], CMD_WGCTL), true);
			return 1;
		}
		dir = argv[2];
		i = 3;
	}
	for (; i < argc; ++i) {
		if (argv[i][0] == '-' || strlist_push(&names, argv[i], strlen(argv[i]), 0)) {
			cmd_usage(cmd_find(argv[0], CMD_WGCTL), true);
			strlist_free(&names);
			return 1;
		}
	}
	if (!names.n && backend_list(&names) < 0) {
		fprintf(stderr, "%s: Unable to list interfaces\n", prog_name);
		return 1;
	}
	v = calloc(names.n + 1, sizeof(*v));
	m = calloc(names.n + 1, sizeof(*m));
	if (!v || !m) {
		free(v);
		free(m);
		strlist_free(&names);
		return 1;
	}
	for (size_t k = 0; k < names.n; ++k) {
		if (load(&v[n], names.v[k])) {
			++failed;
			continue;
		}
		m[n] = v[n].m;
		if (dir && write_textfile(dir, &m[n]))
			++failed;
		++n;
	}
	if (!dir) {
		struct strbuf sb;

		strbuf_init(&sb);
		metrics_format(&sb, m, n);
		if (sb.oom)
			++failed;
		else
			fwrite(sb.buf, 1, sb.len, stdout);
		strbuf_free(&sb);
	}
	for (size_t k = 0; k < n; ++k)
		unload(&v[k]);
	free(v);
	free(m);
	strlist_free(&names);
	return failed ? 1 : 0;
}
