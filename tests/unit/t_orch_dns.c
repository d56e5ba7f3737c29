// SPDX-License-Identifier: MIT
/*
 * dns.c without a bus: what systemd-resolved is asked to hold for each shape of `DNS =`
 * (servers, search and routing-only domains, `~.` and the DNS default route of a full tunnel,
 * which Table decides), and what each backend is warned about (orch_dns_lint, the words up
 * refuses with).
 */
#include "orch/orch_impl.h"
#include "tap.h"
#include "util/strbuf.h"

#define KEY "yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk="

static const struct {
	const char *interface, *allowed, *servers, *domains;
	bool full, default_route;
} plans[] = {
	/* 0 */ { "DNS = 10.0.0.1", "10.0.0.0/24", "10.0.0.1", "", false, true },
	/* 1 */
	{ "DNS = 10.0.0.1, fd00::1, corp.example", "10.0.0.0/24", "10.0.0.1 fd00::1",
	  "corp.example", false, true },
	/* 2 */
	{ "DNS = 10.0.0.1, ~corp.example", "10.0.0.0/24", "10.0.0.1", "~corp.example", false,
	  false },
	/* 3 */ { "DNS = 10.0.0.1", "0.0.0.0/0", "10.0.0.1", "~.", true, true },
	/* 4 */
	{ "DNS = 10.0.0.1 ~corp.example\nDNS = lab.example", "0.0.0.0/0, ::/0", "10.0.0.1",
	  "~corp.example lab.example ~.", true, true },
	/* 5 */ { "DNS = 10.0.0.1", "::/0", "10.0.0.1", "~.", true, true },
	/* 6 */ { "DNS = 10.0.0.1\nTable = off", "0.0.0.0/0", "10.0.0.1", "", false, true },
	/* 7 */ { "DNS = 10.0.0.1\nTable = 1234", "0.0.0.0/0", "10.0.0.1", "", false, true },
	/* 8 */ { "DNS = 10.0.0.1\nTable = main", "0.0.0.0/0", "10.0.0.1", "~.", true, true },
	/* 9 */ { "DNS = 10.0.0.1\nTable = 254", "0.0.0.0/0", "10.0.0.1", "~.", true, true },
	/* 10 */ { "DNS = 10.0.0.1\nTable = auto", "::/0", "10.0.0.1", "~.", true, true },
	/* 11 */ { "DNS = 10.0.0.1, ~.", "0.0.0.0/0", "10.0.0.1", "~.", true, true },
	/* 12 */ { "DNS = 10.0.0.1, ~.", "10.0.0.0/8", "10.0.0.1", "~.", false, false },
	/* 13 */
	{ "DNS = 10.0.0.1, ~corp.example", "10.0.0.0/1, 128.0.0.0/1", "10.0.0.1", "~corp.example",
	  false, false },
	/* 14: `~' alone is the root to resolved, as `~.' */
	{ "DNS = 10.0.0.1, ~", "0.0.0.0/0", "10.0.0.1", "~", true, true },
	/* 15 */ { "DNS = 10.0.0.1", "0.0.0.0/0, 10.1.0.0/16", "10.0.0.1", "~.", true, true },
};

static struct wg_config parse(const char *interface, const char *allowed)
{
	struct wg_config conf;
	struct diag_list d;
	struct strbuf text;
	FILE *f;

	strbuf_init(&text);
	strbuf_printf(&text,
		      "[Interface]\nPrivateKey = %s\nAddress = 10.0.0.2/24\n%s\n[Peer]\n"
		      "PublicKey = %s\nAllowedIPs = %s\n",
		      KEY, interface, KEY, allowed);
	diag_init(&d, "t.conf");
	f = fmemopen(text.buf, text.len, "r");
	if (!f || config_read_stream(&conf, f, CONFIG_GRAMMAR_QUICK, &d)) {
		diag_print(&d, stdout);
		printf("Bail out! cannot parse:\n%s", text.buf);
		exit(1);
	}
	fclose(f);
	diag_free(&d);
	strbuf_free(&text);
	return conf;
}

static char *joined(const struct strlist *l)
{
	struct strbuf sb;

	strbuf_init(&sb);
	strbuf_puts(&sb, "");
	for (size_t i = 0; i < l->n; ++i)
		strbuf_printf(&sb, "%s%s", i ? " " : "", l->v[i]);
	return strbuf_detach(&sb);
}

static void test_plans(void)
{
	for (size_t i = 0; i < sizeof(plans) / sizeof(plans[0]); ++i) {
		struct wg_config conf = parse(plans[i].interface, plans[i].allowed);
		struct orch_dns_plan p;
		char name[64], *s;

		must(orch_dns_plan(&conf, conf.device, &p));
		snprintf(name, sizeof(name), "plan %zu: servers", i);
		is_str(s = joined(&p.servers), plans[i].servers, name);
		free(s);
		snprintf(name, sizeof(name), "plan %zu: domains", i);
		is_str(s = joined(&p.domains), plans[i].domains, name);
		free(s);
		ok(p.default_route == plans[i].default_route, "plan %zu: default route %s", i,
		   plans[i].default_route ? "yes" : "no");
		ok(orch_dns_full_tunnel(&conf, conf.device) == plans[i].full,
		   "plan %zu: full tunnel %s", i, plans[i].full ? "yes" : "no");
		orch_dns_plan_free(&p);
		config_free(&conf);
	}
}

static const struct {
	const char *interface;
	enum orch_dns backend;
	unsigned int lines[3]; /* of the warnings, in order; 0 ends */
	const char *first;
} lints[] = {
	/* 0 */
	{ "DNS = 10.0.0.1",
	  ORCH_DNS_NONE,
	  { 4 },
	  "DNS servers are set, but this host has no DNS backend: systemd-resolved is not running "
	  "and resolvconf is not installed" },
	/* 1 */ { "DNS = 10.0.0.1", ORCH_DNS_RESOLVCONF, { 0 }, NULL },
	/* 2 */ { "DNS = 10.0.0.1", ORCH_DNS_RESOLVED, { 0 }, NULL },
	/* 3 */
	{ "DNS = 10.0.0.1, corp.example\nDNS = ~lab.example ~.",
	  ORCH_DNS_RESOLVCONF,
	  { 5, 5 },
	  "`~lab.example' is a routing-only domain, which needs systemd-resolved: resolvconf can "
	  "only make it a search domain" },
	/* 4 */ { "DNS = 10.0.0.1, ~lab.example", ORCH_DNS_RESOLVED, { 0 }, NULL },
	/* 5: no server, no DNS at all: nothing for a backend to refuse (config_lint warns) */
	{ "DNS = ~lab.example", ORCH_DNS_NONE, { 0 }, NULL },
	{ "DNS = ~lab.example", ORCH_DNS_RESOLVCONF, { 0 }, NULL },
	/* 7: no backend, and a ~name: the missing backend says it all */
	{ "DNS = 10.0.0.1, ~lab.example", ORCH_DNS_NONE, { 4 }, NULL },
};

static void test_lint(void)
{
	for (size_t i = 0; i < sizeof(lints) / sizeof(lints[0]); ++i) {
		struct wg_config conf = parse(lints[i].interface, "10.0.0.0/24");
		struct diag_list d;
		size_t n = 0;
		bool lines = true;

		diag_init(&d, "t.conf");
		orch_dns_lint(&conf, lints[i].backend, &d);
		while (n < 3 && lints[i].lines[n])
			++n;
		for (size_t k = 0; k < n && k < d.count; ++k)
			lines &= d.items[k].line == lints[i].lines[k] &&
				 d.items[k].severity == DIAG_WARNING;
		ok(d.count == n && lines, "lint %zu: %zu warnings on their lines", i, n);
		if (lints[i].first && d.count) {
			char name[32];

			snprintf(name, sizeof(name), "lint %zu: the words", i);
			is_str(d.items[0].message, lints[i].first, name);
		}
		if (d.count != n || !lines)
			diag_print(&d, stdout);
		diag_free(&d);
		config_free(&conf);
	}
}

int main(void)
{
	test_plans();
	test_lint();
	return done_testing();
}
