// SPDX-License-Identifier: MIT
/*
 * lib/orch/rtnl*.c and sysctl.c against ip(8), in network namespaces of their own: namespace A
 * is changed through rtnl_*, namespace B through the ip commands wg-quick runs, and what `ip ...
 * show` prints must be the same in both. Queries are checked against ip's answer in A. Needs
 * root; the test link is a dummy, or an ifb where the kernel has no dummy driver.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdarg.h>
#include <sys/wait.h>
#include <unistd.h>

#include "orch/rtnl.h"
#include "orch/sysctl.h"
#include "tap.h"

static int ns_a = -1, ns_b = -1;
static struct orch_rtnl *rt;

static void enter(int ns)
{
	if (setns(ns, CLONE_NEWNET) < 0) {
		perror("setns");
		exit(1);
	}
}

/* The stdout of a shell command run in namespace ns; the caller frees it. */
static char *__attribute__((format(printf, 2, 3))) sh_in(int ns, const char *fmt, ...)
{
	char cmd[1024], *out = NULL;
	size_t len = 0;
	va_list ap;
	FILE *f, *p;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	enter(ns);
	f = open_memstream(&out, &len);
	p = popen(cmd, "r");
	if (f && p) {
		char buf[4096];
		size_t n;

		while ((n = fread(buf, 1, sizeof(buf), p)) > 0)
			fwrite(buf, 1, n, f);
	}
	if (p)
		pclose(p);
	if (f)
		fclose(f);
	enter(ns_a);
	return out ? out : calloc(1, 1);
}

/* The exit status of a shell command run in namespace ns. */
static int __attribute__((format(printf, 2, 3))) run_in(int ns, const char *fmt, ...)
{
	char cmd[1024];
	va_list ap;
	int st;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	enter(ns);
	st = system(cmd);
	enter(ns_a);
	return st == -1 || !WIFEXITED(st) ? -1 : WEXITSTATUS(st);
}

/* `cmd` prints the same in both namespaces. */
static void same_in_both(const char *what, const char *cmd)
{
	char *a = sh_in(ns_a, "%s", cmd), *b = sh_in(ns_b, "%s", cmd);
	char name[256];

	snprintf(name, sizeof(name), "%s: `%s' prints the same as after ip", what, cmd);
	if (is_str(a, b, name) && *a == '\0')
		ok(false, "... and is not empty");
	free(a);
	free(b);
}

static bool prints_nothing(char *out)
{
	bool empty = *out == '\0';

	free(out);
	return empty;
}

static bool prints(char *out, const char *needle)
{
	bool has = strstr(out, needle) != NULL;

	if (!has)
		printf("# no `%s' in:\n%s", needle, out);
	free(out);
	return has;
}

/* is_str on a command's output, which it frees. */
static bool is_out(char *out, const char *want, const char *name)
{
	bool r = is_str(out, want, name);

	free(out);
	return r;
}

/* ret is 0 and *mtu is want; says what came back otherwise. */
static bool mtu_is(int ret, const unsigned int *mtu, unsigned int want)
{
	if (ret == 0 && *mtu == want)
		return true;
	printf("# got %d, mtu %u; want mtu %u\n", ret, *mtu, want);
	return false;
}

static struct orch_rtnl_prefix pfx(const char *text)
{
	struct orch_rtnl_prefix p = { .family = strchr(text, ':') ? AF_INET6 : AF_INET };
	char buf[64], *slash;

	snprintf(buf, sizeof(buf), "%s", text);
	slash = strchr(buf, '/');
	p.len = p.family == AF_INET ? 32 : 128;
	if (slash) {
		*slash = '\0';
		p.len = (uint8_t)atoi(slash + 1);
	}
	if (inet_pton(p.family, buf, &p.addr) != 1) {
		fprintf(stderr, "bad test prefix %s\n", text);
		exit(1);
	}
	return p;
}

static const char *fam(int family)
{
	return family == AF_INET ? "-4" : "-6";
}

static void add_test_link(int ns, const char *name)
{
	ok(run_in(ns,
		  "{ ip link add %s type dummy || ip link add %s type ifb; } 2>/dev/null && "
		  "ip link set dev %s addrgenmode none",
		  name, name, name) == 0,
	   "test link %s created", name);
}

static void test_links(void)
{
	unsigned int mtu = 0;
	int ret, ip_ret;
	char *out;

	ok(orch_rtnl_link_index(rt, "lo") == 1, "orch_rtnl_link_index(lo) is 1");
	ok(orch_rtnl_link_index(rt, "nosuch0") == -ENODEV, "a missing link is -ENODEV");
	ok(orch_rtnl_link_index(rt, "a-name-far-too-long") == -ENODEV,
	   "a name too long is -ENODEV");
	ok(orch_rtnl_link_add_wireguard(rt, "a-name-far-too-long") == -EINVAL,
	   "adding a name too long is -EINVAL");

	ret = orch_rtnl_link_add_wireguard(rt, "wgt0");
	ip_ret = run_in(ns_b, "ip link add wgt0 type wireguard 2>/dev/null");
	printf("# orch_rtnl_link_add_wireguard: %s; ip link add: exit %d\n",
	       ret ? strerror(-ret) : "created", ip_ret);
	ok(ret <= 0 && (ret == 0) == (ip_ret == 0),
	   "link add wireguard succeeds exactly when ip's does");
	if (ret == 0) {
		ok(prints(sh_in(ns_a, "ip -d link show dev wgt0"), "wireguard"),
		   "the link is of kind wireguard");
		ok(orch_rtnl_link_add_wireguard(rt, "wgt0") == -EEXIST,
		   "adding it again is -EEXIST");
		ok(orch_rtnl_link_del(rt, "wgt0") == 0, "orch_rtnl_link_del(wgt0)");
	} else {
		ok(ret != -EEXIST && ret != -EINVAL,
		   "without the module the kernel's errno comes back");
	}
	ok(run_in(ns_a, "ip link show dev wgt0 >/dev/null 2>&1") != 0, "no wgt0 left");
	run_in(ns_b, "ip link del wgt0 2>/dev/null");

	add_test_link(ns_a, "d0");
	add_test_link(ns_b, "d0");
	out = sh_in(ns_a, "ip -o link show dev d0 | cut -d: -f1");
	ok(orch_rtnl_link_index(rt, "d0") == atoi(out), "orch_rtnl_link_index(d0) is ip's %d",
	   atoi(out));
	free(out);

	ok(orch_rtnl_link_set_mtu_up(rt, "d0", 1380) == 0, "orch_rtnl_link_set_mtu_up(d0, 1380)");
	run_in(ns_b, "ip link set mtu 1380 up dev d0");
	same_in_both("mtu and up",
		     "ip -o link show dev d0 | sed -e 's/^[0-9]*: //' -e 's/link\\/.*//'");
	ok(prints(sh_in(ns_a, "ip link show dev d0"), ",UP,"), "d0 is up");
	ok(orch_rtnl_link_set_mtu_up(rt, "nosuch0", 1380) == -ENODEV,
	   "set_mtu_up of a missing link is -ENODEV");
	ok(mtu_is(orch_rtnl_link_mtu(rt, "d0", &mtu), &mtu, 1380),
	   "orch_rtnl_link_mtu(d0) is 1380");
	mtu = 0;
	ok(mtu_is(orch_rtnl_link_mtu_by_index(rt, orch_rtnl_link_index(rt, "d0"), &mtu), &mtu,
		  1380),
	   "orch_rtnl_link_mtu_by_index(d0) is 1380");
	ok(mtu_is(orch_rtnl_link_mtu(rt, "lo", &mtu), &mtu, 65536),
	   "orch_rtnl_link_mtu(lo) is 65536");
	ok(orch_rtnl_link_mtu_by_index(rt, 99999, &mtu) == -ENODEV, "a missing index is -ENODEV");
	ok(orch_rtnl_link_mtu_by_index(rt, 0, &mtu) == -ENODEV, "index 0 is -ENODEV");
}

static const char *const addresses[] = { "10.1.2.3/24", "192.168.77.1/32", "fd00:1::1/64",
					 "fd00:2::5/128" };

static char *list_text(int family, int max, int *count)
{
	struct orch_rtnl_prefix out[8];
	char *text = NULL, addr[INET6_ADDRSTRLEN];
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	*count = orch_rtnl_addr_list(rt, "d0", family, out, max);
	for (int i = 0; i < *count; ++i)
		fprintf(f, "%s/%u\n", inet_ntop(out[i].family, &out[i].addr, addr, sizeof(addr)),
			out[i].len);
	fclose(f);
	return text;
}

static void test_addresses(void)
{
	struct orch_rtnl_prefix p, bad = pfx("10.0.0.1/8");
	char *ours, *ip;
	int n;

	for (size_t i = 0; i < sizeof(addresses) / sizeof(*addresses); ++i) {
		p = pfx(addresses[i]);
		ok(orch_rtnl_addr_add(rt, "d0", &p) == 0, "orch_rtnl_addr_add(%s)", addresses[i]);
		run_in(ns_b, "ip %s address add %s dev d0", fam(p.family), addresses[i]);
	}
	same_in_both("addresses", "ip address show dev d0 | grep -v link/ | sed 1s/^[0-9]*://");

	for (int family = AF_INET; family; family = family == AF_INET ? AF_INET6 : 0) {
		ours = list_text(family, 8, &n);
		ip = sh_in(ns_a, "ip -o %s address show dev d0 | awk '{ print $4 }'", fam(family));
		ok(n == 2, "orch_rtnl_addr_list %s: 2 addresses", fam(family));
		is_str(ours, ip, "orch_rtnl_addr_list: the addresses and order of ip address show");
		free(ours);
		free(ip);
	}
	free(list_text(AF_UNSPEC, 8, &n));
	ok(n == 4, "orch_rtnl_addr_list AF_UNSPEC: all 4");
	ours = list_text(AF_INET6, 1, &n);
	ok(n == 1, "orch_rtnl_addr_list fills at most max");
	free(ours);
	ok(orch_rtnl_addr_list(rt, "nosuch0", AF_INET, &p, 1) == -ENODEV,
	   "orch_rtnl_addr_list of a missing link is -ENODEV");

	p = pfx(addresses[0]);
	ok(orch_rtnl_addr_add(rt, "d0", &p) == -EEXIST, "adding an address twice is -EEXIST");
	bad.len = 33;
	ok(orch_rtnl_addr_add(rt, "d0", &bad) == -EINVAL, "a /33 is -EINVAL");
	ok(orch_rtnl_addr_add(rt, "nosuch0", &p) == -ENODEV,
	   "an address on a missing link is -ENODEV");
	for (int i = 0; i < 2; ++i) {
		p = pfx(i ? "fd00:9::9/64" : "10.9.9.9/8");
		ok(orch_rtnl_addr_add(rt, "d0", &p) == 0, "orch_rtnl_addr_add(%s)",
		   i ? "fd00:9::9/64" : "10.9.9.9/8");
		ok(prints(sh_in(ns_a, "ip address show dev d0"), i ? "fd00:9::9/64" : "10.9.9.9/8"),
		   "ip shows it");
		ok(orch_rtnl_addr_del(rt, "d0", &p) == 0, "orch_rtnl_addr_del of it");
		ok(prints_nothing(sh_in(ns_a, "ip address show dev d0 | grep %s",
					i ? "fd00:9::9" : "10.9.9.9")),
		   "ip no longer shows it");
		ok(orch_rtnl_addr_del(rt, "d0", &p) == -EADDRNOTAVAIL,
		   "deleting it again is -EADDRNOTAVAIL");
	}
}

static const struct {
	const char *dst;
	uint32_t table;
} routes[] = {
	{ "10.50.0.0/16", 0 },     { "10.60.0.0/16", 51820 }, { "0.0.0.0/0", 51820 },
	{ "10.70.1.0/24", 1234 },  { "10.71.0.0/16", 200 },   { "fd00:50::/48", 0 },
	{ "fd00:60::/64", 51820 }, { "::/0", 51820 },         { "::/0", 1234 },
};

static void test_routes(void)
{
	struct orch_rtnl_prefix p;
	char *before;

	for (size_t i = 0; i < sizeof(routes) / sizeof(*routes); ++i) {
		p = pfx(routes[i].dst);
		ok(orch_rtnl_route_add(rt, "d0", &p, routes[i].table) == 0,
		   "orch_rtnl_route_add(%s, table %u)", routes[i].dst, routes[i].table);
		if (routes[i].table)
			run_in(ns_b, "ip %s route add %s dev d0 table %u", fam(p.family),
			       routes[i].dst, routes[i].table);
		else
			run_in(ns_b, "ip %s route add %s dev d0", fam(p.family), routes[i].dst);
	}
	same_in_both("IPv4 routes", "ip -d -4 route show table all");
	same_in_both("IPv6 routes", "ip -d -6 route show table all");
	ok(prints(sh_in(ns_a, "ip -4 route show table 51820"), "default dev d0 scope link"),
	   "ip -4 route show table 51820 has the default route");
	ok(prints(sh_in(ns_a, "ip -6 route show table 1234"), "default dev d0 metric 1024"),
	   "ip -6 route show table 1234 has the default route");

	p = pfx("10.50.0.0/16");
	ok(orch_rtnl_route_add(rt, "d0", &p, 0) == -EEXIST, "adding a route twice is -EEXIST");
	ok(orch_rtnl_route_add(rt, "d0", &p, 254) == -EEXIST, "table 254 is main");
	ok(orch_rtnl_route_add(rt, "nosuch0", &p, 0) == -ENODEV,
	   "a route on a missing link is -ENODEV");
	p = pfx("10.50.0.1/16");
	ok(orch_rtnl_route_add(rt, "d0", &p, 0) == -EINVAL,
	   "host bits under the prefix are -EINVAL, as for ip");

	for (int i = 0; i < 2; ++i) {
		p = pfx(i ? "fd00:90::/64" : "10.90.0.0/16");
		before = sh_in(ns_a, "ip %s route show table 1234", fam(p.family));
		ok(orch_rtnl_route_add(rt, "d0", &p, 1234) == 0,
		   "orch_rtnl_route_add(%s, table 1234)", i ? "fd00:90::/64" : "10.90.0.0/16");
		ok(prints(sh_in(ns_a, "ip %s route show table 1234", fam(p.family)),
			  i ? "fd00:90::/64" : "10.90.0.0/16"),
		   "ip shows it");
		ok(orch_rtnl_route_del(rt, "d0", &p, 1234) == 0, "orch_rtnl_route_del of it");
		is_out(sh_in(ns_a, "ip %s route show table 1234", fam(p.family)), before,
		       "table 1234 as before");
		ok(orch_rtnl_route_del(rt, "d0", &p, 1234) < 0, "deleting it again fails");
		free(before);
	}
	p = pfx("10.50.0.0/16");
	ok(orch_rtnl_route_del(rt, "d0", &p, 1234) < 0,
	   "a route is deleted only from its own table");
}

static void test_route_queries(void)
{
	static const struct {
		const char *dst;
		bool covered;
	} covers[] = {
		{ "10.1.2.128/25", true },
		{ "10.1.2.0/24", true },
		{ "10.1.0.0/16", false },
		{ "10.50.3.0/24", true },
		{ "10.50.0.0/16", true },
		{ "10.60.0.0/24", false },
		{ "192.168.77.1/32", false },
		{ "192.168.0.0/16", false },
		{ "0.0.0.0/0", false },
		{ "fd00:1::5/128", true },
		{ "fd00:1::/48", false },
		{ "fd00:50:0:1::/64", true },
		{ "fd00:60::/64", false },
		{ "2001:db8::/32", false },
		{ "::/0", false },
	};
	static const struct {
		int family;
		uint32_t table;
		bool in_use;
	} tables[] = {
		{ AF_INET, 51820, true },  { AF_INET6, 51820, true }, { AF_INET, 1234, true },
		{ AF_INET6, 1234, true },  { AF_INET, 200, true },    { AF_INET6, 200, false },
		{ AF_INET, 51821, false }, { AF_INET6, 4242, false }, { AF_INET, 0, true },
	};
	struct orch_rtnl_prefix p;
	bool b;

	for (size_t i = 0; i < sizeof(covers) / sizeof(*covers); ++i) {
		p = pfx(covers[i].dst);
		b = !covers[i].covered;
		ok(orch_rtnl_route_dev_covers(rt, "d0", &p, &b) == 0 && b == covers[i].covered &&
			   b == !prints_nothing(sh_in(ns_a, "ip %s route show dev d0 match %s",
						      fam(p.family), covers[i].dst)),
		   "/* %zu */ covers(%s) is %s, as `ip route show dev d0 match' says", i,
		   covers[i].dst, covers[i].covered ? "true" : "false");
	}
	p = pfx("10.0.0.0/8");
	ok(orch_rtnl_route_dev_covers(rt, "nosuch0", &p, &b) == -ENODEV,
	   "covers on a missing link is -ENODEV");

	for (size_t i = 0; i < sizeof(tables) / sizeof(*tables); ++i) {
		b = !tables[i].in_use;
		ok(orch_rtnl_table_in_use(rt, tables[i].family, tables[i].table, &b) == 0 &&
			   b == tables[i].in_use &&
			   b == !prints_nothing(sh_in(ns_a, "ip %s route show table %u 2>/dev/null",
						      fam(tables[i].family),
						      tables[i].table ? tables[i].table : 254)),
		   "/* %zu */ table %u %s is %sin use, as `ip route show table' says", i,
		   tables[i].table, fam(tables[i].family), tables[i].in_use ? "" : "not ");
	}
}

static void test_mtu(void)
{
	static const struct {
		const char *addr;
		int want;
		const char *ip_says;
	} gets[] = {
		{ "10.80.1.1", 1400, "mtu 1400" },   { "10.50.1.1", 1380, "dev d0" },
		{ "fd00:80::1", 1300, "mtu 1300" },  { "fd00:50::1", 1380, "dev d0" },
		{ "203.0.113.1", -ENETUNREACH, "" }, { "2001:db8::1", -ENETUNREACH, "" },
	};
	unsigned int mtu;
	struct orch_rtnl_prefix p;
	int ret;

	run_in(ns_a, "ip route add 10.80.0.0/16 dev d0 mtu 1400 && ip -6 route add fd00:80::/64 "
		     "dev d0 mtu 1300");
	for (size_t i = 0; i < sizeof(gets) / sizeof(*gets); ++i) {
		p = pfx(gets[i].addr);
		mtu = 0;
		ret = orch_rtnl_route_get_mtu(rt, p.family, &p.addr, &mtu);
		if (gets[i].want < 0)
			ok(ret == gets[i].want &&
				   prints_nothing(sh_in(ns_a, "ip route get %s 2>/dev/null",
							gets[i].addr)),
			   "/* %zu */ route_get_mtu(%s) is -ENETUNREACH, and ip route get fails "
			   "(%d)",
			   i, gets[i].addr, ret);
		else
			ok(ret == 0 && mtu == (unsigned int)gets[i].want &&
				   prints(sh_in(ns_a, "ip route get %s", gets[i].addr),
					  gets[i].ip_says),
			   "/* %zu */ route_get_mtu(%s) is %d (%u), ip route get says `%s'", i,
			   gets[i].addr, gets[i].want, mtu, gets[i].ip_says);
	}

	ok(orch_rtnl_default_route_mtu(rt, AF_INET, &mtu) == -ENETUNREACH,
	   "no default route: -ENETUNREACH");
	ok(orch_rtnl_default_route_mtu(rt, AF_INET6, &mtu) == -ENETUNREACH,
	   "no IPv6 default route: -ENETUNREACH");
	add_test_link(ns_a, "d2");
	run_in(ns_a, "ip link set dev d2 mtu 9000 up && ip route add default dev d2 && "
		     "ip -6 route add default dev d2");
	ok(mtu_is(orch_rtnl_default_route_mtu(rt, AF_INET, &mtu), &mtu, 9000),
	   "default route via d2: its MTU, 9000");
	ok(mtu_is(orch_rtnl_default_route_mtu(rt, AF_INET6, &mtu), &mtu, 9000),
	   "IPv6 default via d2: 9000");
	run_in(ns_a, "ip route change default dev d2 mtu 1450");
	ok(prints(sh_in(ns_a, "ip route show default"), "mtu 1450"),
	   "ip route show default says mtu 1450");
	ok(mtu_is(orch_rtnl_default_route_mtu(rt, AF_INET, &mtu), &mtu, 1450),
	   "the route's own mtu comes first");
	p = pfx("203.0.113.1");
	ok(mtu_is(orch_rtnl_route_get_mtu(rt, AF_INET, &p.addr, &mtu), &mtu, 1450),
	   "route_get_mtu over the default route: the route's mtu");
	run_in(ns_a, "ip route del default; ip -6 route del default; ip link del d2");
}

static void add_rules_with_ip(int ns)
{
	run_in(ns, "ip -4 rule add not fwmark 51820 table 51820 && ip -4 rule add table main "
		   "suppress_prefixlength 0 && "
		   "ip -6 rule add not fwmark 51820 table 51820 && ip -6 rule add table main "
		   "suppress_prefixlength 0");
}

static int count_lines(char *out, const char *needle)
{
	int n = 0;

	for (char *s = out; (s = strstr(s, needle)); s += strlen(needle))
		++n;
	free(out);
	return n;
}

static void test_rules(void)
{
	int ret, n;
	char *b;

	for (int family = AF_INET; family; family = family == AF_INET ? AF_INET6 : 0) {
		ok(orch_rtnl_rule_add(rt, family, ORCH_RTNL_RULE_NOT_FWMARK, 51820) == 0,
		   "rule add %s not fwmark 51820", fam(family));
		ok(orch_rtnl_rule_add(rt, family, ORCH_RTNL_RULE_SUPPRESS_DEFAULT, 0) == 0,
		   "rule add %s suppress_prefixlength 0", fam(family));
	}
	add_rules_with_ip(ns_b);
	same_in_both("IPv4 rules", "ip rule show");
	same_in_both("IPv6 rules", "ip -6 rule show");
	ok(prints(sh_in(ns_a, "ip rule show"), "32765:\tnot from all fwmark 0xca6c lookup 51820"),
	   "the not-fwmark rule got priority 32765");
	ok(prints(sh_in(ns_a, "ip rule show"),
		  "32764:\tfrom all lookup main suppress_prefixlength 0"),
	   "the suppress rule got priority 32764");

	/* A table under 256 goes in the header, not in FRA_TABLE. */
	ok(orch_rtnl_rule_add(rt, AF_INET, ORCH_RTNL_RULE_NOT_FWMARK, 200) == 0,
	   "rule add not fwmark 200 table 200");
	ok(prints(sh_in(ns_a, "ip rule show"), "not from all fwmark 0xc8 lookup 200"),
	   "ip shows it");
	ok(orch_rtnl_rule_del(rt, AF_INET, ORCH_RTNL_RULE_NOT_FWMARK, 200) == 0,
	   "orch_rtnl_rule_del of it");
	ok(orch_rtnl_rule_add(rt, AF_INET, ORCH_RTNL_RULE_NOT_FWMARK, 0) == -EINVAL,
	   "table 0 is -EINVAL");
	ok(orch_rtnl_rule_add(rt, AF_PACKET, ORCH_RTNL_RULE_NOT_FWMARK, 1) == -EAFNOSUPPORT,
	   "AF_PACKET is -EAFNOSUPPORT");

	/* orch_rtnl_rule_del is exact: a fwmark rule without `not' is not one of ours. */
	run_in(ns_a, "ip -4 rule add fwmark 51820 table 51820 pref 100");
	ok(orch_rtnl_rule_del(rt, AF_INET, ORCH_RTNL_RULE_NOT_FWMARK, 51820) == 0,
	   "rule del -4 not fwmark 51820");
	ok(orch_rtnl_rule_del(rt, AF_INET, ORCH_RTNL_RULE_NOT_FWMARK, 51820) == -ENOENT,
	   "again: -ENOENT");
	ok(prints(sh_in(ns_a, "ip rule show"), "100:\tfrom all fwmark 0xca6c lookup 51820"),
	   "the rule without `not' is still there");
	ok(prints_nothing(sh_in(ns_a, "ip rule show | grep 'not from'")), "no `not' rule left");
	ok(orch_rtnl_rule_del(rt, AF_INET, ORCH_RTNL_RULE_SUPPRESS_DEFAULT, 0) == 0,
	   "rule del -4 suppress_prefixlength 0");
	ok(orch_rtnl_rule_del(rt, AF_INET, ORCH_RTNL_RULE_SUPPRESS_DEFAULT, 0) == -ENOENT,
	   "again: -ENOENT");
	ok(orch_rtnl_rule_del_table(rt, AF_INET, 51820) == 0,
	   "rule del_table -4 51820 takes the one left");
	ok(orch_rtnl_rule_del_table(rt, AF_INET, 51820) == -ENOENT, "then -ENOENT");
	b = sh_in(ns_b, "ip rule show | grep -v -e 51820 -e suppress");
	is_out(sh_in(ns_a, "ip rule show"), b, "IPv4 rules are back to the three defaults");
	free(b);

	ok(orch_rtnl_rule_add(rt, AF_INET6, ORCH_RTNL_RULE_NOT_FWMARK, 51820) == 0 &&
		   orch_rtnl_rule_add(rt, AF_INET6, ORCH_RTNL_RULE_NOT_FWMARK, 51820) == 0,
	   "rule add -6 not fwmark 51820 twice more");
	ok(count_lines(sh_in(ns_a, "ip -6 rule show"), "lookup 51820") == 3,
	   "ip -6 rule show: 3 rules of 51820");
	for (n = 0; (ret = orch_rtnl_rule_del_table(rt, AF_INET6, 51820)) == 0 && n < 10; ++n)
		;
	ok(n == 3 && ret == -ENOENT, "rule del_table -6 51820: 3 deletions, then -ENOENT (%d, %d)",
	   n, ret);
	ok(orch_rtnl_rule_del(rt, AF_INET6, ORCH_RTNL_RULE_SUPPRESS_DEFAULT, 0) == 0,
	   "rule del -6 suppress_prefixlength 0");
	b = sh_in(ns_b, "ip -6 rule show | grep -v -e 51820 -e suppress");
	is_out(sh_in(ns_a, "ip -6 rule show"), b, "IPv6 rules are back to the two defaults");
	free(b);
	ok(orch_rtnl_rule_del_table(rt, AF_INET, 1234) == -ENOENT,
	   "del_table of an unused table: -ENOENT");
}

static void test_sysctl(void)
{
	char v[64];

	ok(sysctl_read("net.ipv4.conf.all.src_valid_mark", v, sizeof(v)) == 0 && !strcmp(v, "0"),
	   "src_valid_mark reads 0 in a fresh namespace");
	ok(sysctl_write("net.ipv4.conf.all.src_valid_mark", "1") == 0, "sysctl_write 1");
	ok(sysctl_read("net.ipv4.conf.all.src_valid_mark", v, sizeof(v)) == 0 && !strcmp(v, "1"),
	   "reads 1");
	is_out(sh_in(ns_a, "cat /proc/sys/net/ipv4/conf/all/src_valid_mark"), "1\n",
	       "/proc/sys says 1");
	is_out(sh_in(ns_b, "cat /proc/sys/net/ipv4/conf/all/src_valid_mark"), "0\n",
	       "not in the other namespace");
	ok(sysctl_read("net/ipv4/conf/all/src_valid_mark", v, sizeof(v)) == 0 && !strcmp(v, "1"),
	   "a name with slashes is a path");
	ok(sysctl_read("net.ipv4.conf.nosuch0.rp_filter", v, sizeof(v)) == -ENOENT,
	   "a missing name is -ENOENT");
	ok(sysctl_read("kernel.ostype", v, 3) == -EOVERFLOW,
	   "a value longer than the buffer is -EOVERFLOW");
	ok(sysctl_read("kernel.ostype", v, 6) == 0 && !strcmp(v, "Linux"),
	   "one that just fits is read");
	ok(sysctl_read("../../etc/passwd", v, sizeof(v)) == -EINVAL, "no way out of /proc/sys");
	ok(sysctl_write("net.ipv4.conf.all.src_valid_mark", "x") == -EINVAL,
	   "the kernel's -EINVAL for a bad value");
}

int main(void)
{
	if (geteuid() != 0) {
		puts("1..0 # SKIP needs root");
		return 0;
	}
	if (unshare(CLONE_NEWNET) < 0) {
		printf("1..0 # SKIP unshare(CLONE_NEWNET): %s\n", strerror(errno));
		return 0;
	}
	ns_a = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (ns_a < 0 || unshare(CLONE_NEWNET) < 0 ||
	    (ns_b = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC)) < 0) {
		perror("namespaces");
		return 1;
	}
	enter(ns_a);
	if (!ok(orch_rtnl_open(&rt) == 0, "orch_rtnl_open"))
		return done_testing();

	test_links();
	test_addresses();
	test_routes();
	test_route_queries();
	test_mtu();
	test_rules();
	test_sysctl();

	ok(orch_rtnl_link_del(rt, "d0") == 0, "orch_rtnl_link_del(d0)");
	ok(run_in(ns_a, "ip link show dev d0 >/dev/null 2>&1") != 0, "ip no longer shows d0");
	ok(orch_rtnl_link_del(rt, "d0") == -ENODEV, "deleting it again is -ENODEV");
	orch_rtnl_close(rt);
	close(ns_a);
	close(ns_b);
	return done_testing();
}
