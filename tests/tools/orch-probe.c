// SPDX-License-Identifier: MIT
/*
 * Test tool: one orch call per run, so shell tests can set up and compare firewall, resolvconf
 * and hook state against Debian's wg-quick.
 *   orch-probe fw-add IF ip|ip6 MARK [ADDR[/LEN]...]     firewall_add
 *   orch-probe fw-script IF ip|ip6 MARK [ADDR[/LEN]...]  prints firewall_script
 *   orch-probe fw-describe IF ip|ip6                     prints firewall_describe
 *   orch-probe fw-remove IF                              firewall_remove
 *   orch-probe fw-present IF                             exit 0 when present, 1 when not
 *   orch-probe dns-add IF SERVERS [SEARCH]               comma-separated lists
 *   orch-probe dns-del IF | dns-servers IF | dns-record IF
 *   orch-probe hook IF TEXT                              prints the expansion, runs it
 * Exit status: 0, 1 with strerror on -errno, or a hook's own status.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "model/config.h"
#include "orch/firewall.h"
#include "orch/hooks.h"
#include "orch/resolvconf.h"

static int family_of(const char *s)
{
	if (!strcmp(s, "ip") || !strcmp(s, "4"))
		return AF_INET;
	if (!strcmp(s, "ip6") || !strcmp(s, "6"))
		return AF_INET6;
	return -1;
}

static int parse_prefix(const char *s, struct orch_rtnl_prefix *p)
{
	char buf[64], *slash;

	snprintf(buf, sizeof(buf), "%s", s);
	slash = strchr(buf, '/');
	if (slash)
		*slash++ = '\0';
	p->family = strchr(buf, ':') ? AF_INET6 : AF_INET;
	p->len = slash ? (uint8_t)atoi(slash) : (p->family == AF_INET ? 32 : 128);
	return inet_pton(p->family, buf, &p->addr) == 1 ? 0 : -EINVAL;
}

static int split(const char *s, struct strlist *l)
{
	while (s && *s) {
		size_t n = strcspn(s, ",");
		int ret = n ? strlist_push(l, s, n, 0) : 0;

		if (ret)
			return ret;
		s += n + (s[n] == ',');
	}
	return 0;
}

static int fw(int argc, char *argv[], bool print)
{
	struct orch_rtnl_prefix addrs[64];
	int family = family_of(argv[3]), n = 0, ret;

	if (family < 0 || argc - 5 > 64)
		return -EINVAL;
	for (int i = 5; i < argc; ++i)
		if (parse_prefix(argv[i], &addrs[n++]))
			return -EINVAL;
	if (print) {
		char *s = firewall_script(argv[2], family, (uint32_t)strtoul(argv[4], NULL, 0),
					  addrs, n);

		if (!s)
			return -ENOMEM;
		fputs(s, stdout);
		free(s);
		return 0;
	}
	ret = firewall_add(argv[2], family, (uint32_t)strtoul(argv[4], NULL, 0), addrs, n);
	return ret;
}

static int dns(int argc, char *argv[])
{
	struct strlist servers = { 0 }, search = { 0 };
	int ret;

	ret = split(argv[3], &servers);
	if (!ret && argc > 4)
		ret = split(argv[4], &search);
	if (!ret)
		ret = resolvconf_add(argv[2], &servers, &search);
	strlist_free(&servers);
	strlist_free(&search);
	return ret;
}

static int run(int argc, char *argv[])
{
	const char *cmd = argv[1];
	char buf[512];

	if (!strcmp(cmd, "fw-add") && argc >= 5)
		return fw(argc, argv, false);
	if (!strcmp(cmd, "fw-script") && argc >= 5)
		return fw(argc, argv, true);
	if (!strcmp(cmd, "fw-describe") && argc == 4 && family_of(argv[3]) > 0) {
		firewall_describe(buf, sizeof(buf), argv[2], family_of(argv[3]));
		puts(buf);
		return 0;
	}
	if (!strcmp(cmd, "fw-remove") && argc == 3) {
		firewall_remove(argv[2]);
		return 0;
	}
	if (!strcmp(cmd, "fw-present") && argc == 3)
		return firewall_present(argv[2]) ? 0 : -ENOENT;
	if (!strcmp(cmd, "dns-add") && (argc == 4 || argc == 5))
		return dns(argc, argv);
	if (!strcmp(cmd, "dns-del") && argc == 3)
		return resolvconf_del(argv[2]);
	if (!strcmp(cmd, "dns-record") && argc == 3) {
		resolvconf_record(buf, sizeof(buf), argv[2]);
		puts(buf);
		return 0;
	}
	if (!strcmp(cmd, "dns-servers") && argc == 3) {
		struct strlist l = { 0 };
		int ret = resolvconf_servers(argv[2], &l);

		for (size_t i = 0; !ret && i < l.n; ++i)
			puts(l.v[i]);
		strlist_free(&l);
		return ret;
	}
	if (!strcmp(cmd, "hook") && argc == 4) {
		char *e = hook_expand(argv[3], argv[2]);
		struct hook_env env;
		int ret;

		if (!e)
			return -ENOMEM;
		printf("[#] %s\n", e);
		fflush(stdout);
		hook_env_init(&env);
		ret = hook_run(&env, e);
		hook_env_cleanup(&env);
		free(e);
		return ret;
	}
	return -EINVAL;
}

int main(int argc, char *argv[])
{
	int ret;

	if (argc < 2) {
		fprintf(stderr, "usage: orch-probe "
				"fw-add|fw-script|fw-describe|fw-remove|fw-present|dns-add|dns-del|"
				"dns-servers|dns-record|hook ...\n");
		return 1;
	}
	ret = run(argc, argv);
	if (ret < 0) {
		fprintf(stderr, "orch-probe: %s: %s\n", argv[1], strerror(-ret));
		return 1;
	}
	return ret;
}
