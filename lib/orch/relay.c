// SPDX-License-Identifier: MIT
/*
 * The relay opt-in (Forwarding = ipv4, ipv6 and ProxyARP = true). `up` turns on only what is
 * asked and not already on, and writes each previous value to RUNSTATEDIR/wgctl/IF.relay so that
 * `down` (of this process or a later one) puts back exactly those.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "orch/orch_impl.h"
#include "orch/sysctl.h"

struct relay_undo {
	char name[80];
	char value[16];
};

static int remember(const char *ifname, const struct relay_undo *u)
{
	FILE *f = orch_state_open(ifname, "relay", "a");

	if (!f)
		return -errno;
	fprintf(f, "%s=%s\n", u->name, u->value);
	return fclose(f) ? -errno : 0;
}

static void relay_undo(struct orch *o, const void *arg)
{
	const struct relay_undo *u = arg;

	orch_say(o, "sysctl -q %s=%s", u->name, u->value);
	if (!o->opts->dry_run)
		(void)sysctl_write(u->name, u->value);
}

static int enable(struct orch *o, const char *name)
{
	struct relay_undo u = { 0 };
	int ret;

	snprintf(u.name, sizeof(u.name), "%s", name);
	if ((ret = sysctl_read(u.name, u.value, sizeof(u.value))) < 0)
		return ret;
	if (!strcmp(u.value, "1"))
		return 0;
	orch_say(o, "sysctl -q %s=1", u.name);
	if (o->opts->dry_run)
		return 0;
	if ((ret = sysctl_write(u.name, "1")) < 0)
		return ret;
	if ((ret = undo_push(&o->undo, relay_undo, &u, sizeof(u))) < 0 ||
	    (ret = remember(o->ifname, &u)) < 0)
		(void)sysctl_write(u.name, u.value);
	return ret;
}

int orch_relay_up(struct orch *o)
{
	char name[80];
	int ret = 0;

	if (o->conf->forwarding & WGCONF_FORWARD_IPV4)
		ret = enable(o, "net.ipv4.ip_forward");
	if (ret == 0 && o->conf->forwarding & WGCONF_FORWARD_IPV6 &&
	    orch_family_enabled(o, AF_INET6, "Forwarding = ipv6"))
		ret = enable(o, "net.ipv6.conf.all.forwarding");
	if (ret == 0 && o->conf->proxy_arp) {
		snprintf(name, sizeof(name), "net.ipv4.conf.%s.proxy_arp", o->ifname);
		ret = enable(o, name);
	}
	return ret;
}

void orch_relay_down(struct orch *o)
{
	struct relay_undo u;
	char path[256], line[128], *eq;
	FILE *f;

	orch_state_path(path, sizeof(path), o->ifname, "relay");
	f = fopen(path, "r");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		eq = strchr(line, '=');
		if (!eq || strstr(line, ".proxy_arp"))
			continue; /* the link and its per-interface settings are gone already */
		*eq = '\0';
		snprintf(u.name, sizeof(u.name), "%.79s", line);
		snprintf(u.value, sizeof(u.value), "%.15s", eq + 1);
		relay_undo(o, &u);
	}
	fclose(f);
	if (!o->opts->dry_run)
		unlink(path);
}

void orch_relay_forget(const char *ifname)
{
	char path[256];

	orch_state_path(path, sizeof(path), ifname, "relay");
	unlink(path);
}
