// SPDX-License-Identifier: MIT
/* Namespace =, KillSwitch = and KillSwitchAllow =: parsed, dropped by strip, linted. */
#include <stdio.h>
#include <string.h>

#include "model/config.h"
#include "model/lint.h"
#include "tap.h"

#define KEYS "[Interface]\nPrivateKey = yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk=\n"
#define PEER                                                                                       \
	"[Peer]\nPublicKey = xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=\nAllowedIPs = "          \
	"0.0.0.0/0\n"

static int parse(struct wg_config *conf, const char *text, struct diag_list *d)
{
	FILE *f = fmemopen((void *)text, strlen(text), "r");
	int ret;

	diag_init(d, "t");
	ret = config_read_stream(conf, f, CONFIG_GRAMMAR_QUICK, d);
	fclose(f);
	return ret;
}

/* Whether some item of d, at line (0: any), contains needle. */
static bool said(const struct diag_list *d, unsigned int line, const char *needle)
{
	for (size_t i = 0; i < d->count; ++i) {
		if ((!line || d->items[i].line == line) && strstr(d->items[i].message, needle))
			return true;
	}
	return false;
}

static void parsing(void)
{
	struct wg_config conf;
	struct diag_list d;

	ok(parse(&conf,
		 KEYS "Namespace = vpn\nKillSwitch = persistent\n"
		      "KillSwitchAllow = 192.168.0.0/16, fd00::/8\n" PEER "Endpoint = 1.2.3.4:5\n",
		 &d) == 0,
	   "the keys parse");
	ok(conf.netns && !strcmp(conf.netns, "vpn") && conf.netns_lineno == 3, "Namespace");
	ok(conf.kill_switch == WGCONF_KILL_SWITCH_PERSISTENT && conf.kill_switch_lineno == 4,
	   "KillSwitch = persistent");
	ok(conf.kill_switch_allow.first_allowedip &&
		   conf.kill_switch_allow.first_allowedip->cidr == 16 &&
		   conf.kill_switch_allow.last_allowedip->family == AF_INET6,
	   "KillSwitchAllow");
	ok(!strstr(conf.stripped, "Namespace") && !strstr(conf.stripped, "KillSwitch"),
	   "strip drops them");
	config_lint(&conf, &d);
	ok(d.warnings == 1 && said(&d, 4, "guards the namespace"),
	   "lint: a kill switch with a namespace");
	config_free(&conf);
	diag_free(&d);

	ok(parse(&conf, KEYS "Namespace = a/b\n", &d) < 0 && said(&d, 3, "`a/b'"),
	   "a name with a slash is refused at its line");
	config_free(&conf);
	diag_free(&d);
	ok(parse(&conf, KEYS "Namespace = ..\n", &d) < 0, "`..' is refused");
	config_free(&conf);
	diag_free(&d);
	ok(parse(&conf, KEYS "KillSwitch = maybe\n", &d) < 0 &&
		   said(&d, 3, "neither off, on nor persistent"),
	   "a KillSwitch value that is none of them");
	config_free(&conf);
	diag_free(&d);
	ok(parse(&conf, KEYS "KillSwitchAllow = 10.0.0.1/8\n", &d) < 0 &&
		   said(&d, 3, "not a list of network prefixes"),
	   "KillSwitchAllow takes networks only");
	config_free(&conf);
	diag_free(&d);
	ok(parse(&conf, KEYS "KillSwitch = on\nKillSwitch = off\n", &d) == 0 &&
		   conf.kill_switch == WGCONF_KILL_SWITCH_OFF,
	   "the last KillSwitch line wins");
	config_free(&conf);
	diag_free(&d);
}

static void lints(void)
{
	struct wg_config conf;
	struct diag_list d;

	parse(&conf, KEYS "Namespace = vpn\nTable = 1234\nFwMark = 7\n" PEER, &d);
	config_lint(&conf, &d);
	ok(said(&d, 4, "Table has no meaning with Namespace = vpn"), "lint: Table with Namespace");
	ok(said(&d, 3, "FwMark has no meaning with Namespace = vpn"),
	   "lint: FwMark with Namespace");
	ok(!said(&d, 0, "IPv6 traffic will bypass"), "lint: no IPv6 bypass in a namespace");
	config_free(&conf);
	diag_free(&d);

	parse(&conf, KEYS "KillSwitch = on\n" PEER, &d);
	config_lint(&conf, &d);
	ok(said(&d, 3, "no peer has an Endpoint"), "lint: a kill switch with no endpoint");
	ok(d.warnings == 1, "lint: and no IPv6 bypass behind a kill switch");
	config_free(&conf);
	diag_free(&d);

	parse(&conf, KEYS PEER, &d);
	config_lint(&conf, &d);
	ok(said(&d, 5, "IPv6 traffic will bypass") && d.warnings == 1,
	   "lint: without either, the IPv6 bypass warning stays");
	config_free(&conf);
	diag_free(&d);
}

int main(void)
{
	parsing();
	lints();
	return done_testing();
}
