// SPDX-License-Identifier: MIT
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "backend/backend.h"
#include "backend/resolve.h"
#include "orch/orch_impl.h"
#include "orch/resolved.h"
#include "orch/sysctl.h"

void orch_report_init(struct orch_report *r)
{
	diag_init(&r->diag, NULL);
}

void orch_report_print(const struct orch_report *r, const char *prog, FILE *f)
{
	for (size_t i = 0; i < r->diag.count; ++i) {
		const struct diag *item = &r->diag.items[i];

		if (item->source && item->line)
			fprintf(f, "%s: %s:%u: %s\n", prog, item->source, item->line,
				item->message);
		else
			fprintf(f, "%s: %s\n", prog, item->message);
	}
}

void orch_report_free(struct orch_report *r)
{
	diag_free(&r->diag);
}

static int begin(struct orch *o, const struct wg_config *conf, const char *ifname, const char *path,
		 const struct orch_opts *opts, struct orch_report *report, bool up)
{
	bool created;
	int ret;

	memset(o, 0, sizeof(*o));
	o->conf = conf;
	o->ifname = ifname;
	o->path = path;
	o->opts = opts;
	o->report = report;
	hook_env_init(&o->hooks);
	if (!(o->dev = model_device_copy(conf->device)))
		return orch_fail(o, "reading the configuration", -ENOMEM);
	o->netns = opts->netns ? opts->netns : conf->netns;
	if (!o->netns && !up &&
	    orch_netns_recorded(ifname, o->netns_buf, sizeof(o->netns_buf), &created) == 0)
		o->netns = o->netns_buf;
	/* The link is there already: everything happens inside. (A namespace gone took it.) */
	if (o->netns && !up && orch_netns_exists(o->netns) && (ret = orch_netns_join(o)) < 0)
		return orch_fail(o, "entering the network namespace", ret);
	if (!o->rtnl && (ret = orch_rtnl_open(&o->rtnl)) < 0)
		return orch_fail(o, "rtnetlink", ret);
	return 0;
}

int orch_begin(struct orch *o, const struct wg_config *conf, const char *ifname, const char *path,
	       const struct orch_opts *opts, struct orch_report *report)
{
	return begin(o, conf, ifname, path, opts, report, false);
}

int orch_begin_up(struct orch *o, const struct wg_config *conf, const char *ifname,
		  const char *path, const struct orch_opts *opts, struct orch_report *report)
{
	return begin(o, conf, ifname, path, opts, report, true);
}

int orch_steps(struct orch *o, const struct orch_step *steps, size_t n)
{
	int ret;

	for (size_t i = 0; i < n; ++i) {
		o->step = steps[i].name;
		if ((ret = steps[i].run(o)) < 0)
			return orch_fail(o, steps[i].name, ret);
	}
	return 0;
}

int orch_read_old(struct orch *o)
{
	return backend_get(o->ifname, &o->old);
}

int orch_end(struct orch *o, int ret)
{
	model_device_free(o->old);
	if (o->running_owned)
		model_device_free(o->running);
	o->old = o->running = NULL;
	hook_env_cleanup(&o->hooks);
	undo_clear(&o->undo);
	resolved_close(o->resolved);
	o->resolved = NULL;
	model_device_free(o->dev);
	o->dev = NULL;
	if (o->rtnl)
		orch_rtnl_close(o->rtnl);
	o->rtnl = NULL;
	return ret;
}

void orch_say(const struct orch *o, const char *fmt, ...)
{
	va_list ap;

	(void)o;
	fputs("[#] ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int orch_fail(struct orch *o, const char *step, int err)
{
	if (err != -ECANCELED)
		diag_error(&o->report->diag, 0, "%s: %s", step, strerror(err < 0 ? -err : err));
	return err < 0 ? err : -err;
}

int orch_failed(struct orch *o, int err, unsigned int line, const char *fmt, ...)
{
	struct diag_list *d = &o->report->diag;
	const char *source = d->item_source;
	char *msg;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&msg, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -ENOMEM;
	d->item_source = line ? o->path : NULL;
	diag_error(d, line, "%s", msg);
	d->item_source = source;
	free(msg);
	return err;
}

bool orch_family_enabled(struct orch *o, int family, const char *what)
{
	char v[16];

	if (family != AF_INET6)
		return true;
	if (!o->ipv6_off &&
	    (sysctl_read("net.ipv6.conf.all.disable_ipv6", v, sizeof(v)) < 0 || !strcmp(v, "1")))
		o->ipv6_off = true;
	if (o->ipv6_off)
		fprintf(stderr, "[!] IPv6 is disabled on this host; skipping: %s\n", what);
	return !o->ipv6_off;
}

void orch_prefix_text(char *buf, size_t len, const struct orch_rtnl_prefix *p)
{
	char ip[INET6_ADDRSTRLEN];

	inet_ntop(p->family, &p->addr, ip, sizeof(ip));
	snprintf(buf, len, "%s/%u", ip, p->len);
}

int orch_resolve_endpoints(struct orch *o)
{
	struct diag_list d;
	int ret;

	diag_init(&d, o->path);
	ret = resolve_device_endpoints(o->dev, &d);
	for (size_t i = 0; i < d.count; ++i)
		orch_failed(o, -EINVAL, d.items[i].line, "%s", d.items[i].message);
	diag_free(&d);
	return ret;
}

int orch_hooks(struct orch *o, enum wg_hook which)
{
	static const char *const names[] = { "PreUp", "PostUp", "PreDown", "PostDown" };
	const struct strlist *hooks = &o->conf->hooks[which];
	char *cmd;
	int ret;

	for (size_t i = 0; i < hooks->n; ++i) {
		cmd = hook_expand(hooks->v[i], o->ifname);
		if (!cmd)
			return orch_fail(o, names[which], -ENOMEM);
		orch_say(o, "%s", cmd);
		ret = o->opts->dry_run ? 0 : hook_run(&o->hooks, cmd);
		free(cmd);
		if (ret)
			return orch_failed(o, -ECANCELED, hooks->lineno[i], "%s hook failed: %s %d",
					   names[which], ret < 0 ? "error" : "exit status",
					   ret < 0 ? -ret : ret);
	}
	return 0;
}

bool orch_is_wireguard(const char *ifname)
{
	struct strlist names = { 0 };
	bool found = false;

	if (backend_list(&names) == 0) {
		for (size_t i = 0; i < names.n && !found; ++i)
			found = !strcmp(names.v[i], ifname);
	}
	strlist_free(&names);
	return found;
}

void orch_state_path(char *buf, size_t len, const char *ifname, const char *suffix)
{
	const char *dir = getenv("WGCTL_STATE_DIR");

	snprintf(buf, len, "%s/%s.%s", dir && *dir ? dir : RUNSTATEDIR "/wgctl", ifname, suffix);
}

FILE *orch_state_open(const char *ifname, const char *suffix, const char *mode)
{
	char path[256], dir[256];

	orch_state_path(path, sizeof(path), ifname, suffix);
	snprintf(dir, sizeof(dir), "%s", path);
	*strrchr(dir, '/') = '\0';
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return NULL;
	return fopen(path, mode);
}
