// SPDX-License-Identifier: MIT
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/resolve.h"
#include "orch/hooks.h"
#include "backend/backend.h"
#include "orch/orch_impl.h"
#include "orch/sysctl.h"

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

int orch_fail(const struct orch *o, const char *step, int err)
{
	fprintf(stderr, "%s: %s: %s\n", o->opts->prog, step, strerror(err < 0 ? -err : err));
	return 1;
}

bool orch_family_enabled(struct orch *o, int family, const char *what)
{
	char v[16];

	if (family != AF_INET6)
		return true;
	if (!o->ipv6_off && (sysctl_read("net.ipv6.conf.all.disable_ipv6", v, sizeof(v)) < 0 ||
			     !strcmp(v, "1")))
		o->ipv6_off = true;
	if (o->ipv6_off)
		fprintf(stderr, "[!] IPv6 is disabled on this host; skipping: %s\n", what);
	return !o->ipv6_off;
}

void orch_prefix_text(char *buf, size_t len, const struct rtnetlink_prefix *p)
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
	ret = resolve_device_endpoints(o->conf->device, &d);
	diag_print(&d, stderr);
	diag_free(&d);
	return ret;
}

int orch_hooks(struct orch *o, enum wg_hook which)
{
	const struct wg_strlist *hooks = &o->conf->hooks[which];
	char *cmd;
	int ret;

	for (size_t i = 0; i < hooks->n; ++i) {
		cmd = hook_expand(hooks->v[i], o->ifname);
		if (!cmd)
			return -ENOMEM;
		orch_say(o, "%s", cmd);
		ret = o->opts->dry_run ? 0 : hook_run(cmd);
		free(cmd);
		if (ret) {
			static const char *const names[] = { "PreUp", "PostUp", "PreDown", "PostDown" };

			fprintf(stderr, "%s: %s:%u: %s hook failed: %s %d\n", o->opts->prog, o->path,
				hooks->lineno[i], names[which], ret < 0 ? "error" : "exit status",
				ret < 0 ? -ret : ret);
			return -ECANCELED;
		}
	}
	return 0;
}

bool orch_is_wireguard(const char *ifname)
{
	struct wg_strlist names = { 0 };
	bool found = false;

	if (backend_list(&names) == 0) {
		for (size_t i = 0; i < names.n && !found; ++i)
			found = !strcmp(names.v[i], ifname);
	}
	strlist_free(&names);
	return found;
}
