// SPDX-License-Identifier: MIT
/*
 * The orch contract, on live interfaces in a network namespace of its own (wgctl's daemon as
 * the link): a run reads the config and changes only its own copy of the device (endpoints
 * resolved, the syncconf request narrowed, the fwmark kept: what reached the interface shows
 * it), returns 0 or -errno, and leaves what failed in the report, with the config line where
 * there is one. Needs root and the wgctl build (WGCTL, or WGCTL_TOP/wgctl).
 */
#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backend/backend.h"
#include "model/emit.h"
#include "orch/orch.h"
#include "tap.h"

#define K1 "yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk="
#define K2 "xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg="
#define IF "wgorchrun0"

static char dir[] = "/tmp/t_orch_run.XXXXXX", path[PATH_MAX];

static struct wg_config parse(const char *text)
{
	struct wg_config conf;
	struct diag_list d;
	FILE *f = fmemopen((void *)text, strlen(text), "r");

	diag_init(&d, path);
	if (!f || config_read_stream(&conf, f, CONFIG_GRAMMAR_QUICK, &d))
		abort();
	fclose(f);
	diag_free(&d);
	return conf;
}

/* Everything a run could have written into the device, as text. */
static char *snapshot(const struct wg_device *dev)
{
	const struct wg_peer *peer;
	struct strbuf sb;

	strbuf_init(&sb);
	emit_showconf(&sb, dev);
	strbuf_printf(&sb, "flags %x fwmark %u\n", dev->flags, dev->fwmark);
	for_each_wgpeer (dev, peer) {
		strbuf_printf(&sb, "peer flags %x endpoint_text %s family %u\n", peer->flags,
			      peer->endpoint_text ? peer->endpoint_text : "-",
			      peer->endpoint.addr.sa_family);
	}
	return strbuf_detach(&sb);
}

static bool report_has(const struct orch_report *r, const char *source, unsigned int line,
		       const char *msg)
{
	for (size_t i = 0; i < r->diag.count; ++i) {
		const struct diag *it = &r->diag.items[i];

		if (!strcmp(it->message, msg) && it->line == line &&
		    (source ? it->source && !strcmp(it->source, source) : !it->source))
			return true;
	}
	for (size_t i = 0; i < r->diag.count; ++i)
		printf("# report: %s:%u: %s\n",
		       r->diag.items[i].source ? r->diag.items[i].source : "-",
		       r->diag.items[i].line, r->diag.items[i].message);
	return false;
}

typedef int run_fn(const struct wg_config *, const char *, const char *, const struct orch_opts *,
		   struct orch_report *);

static int run(run_fn *fn, const struct wg_config *conf, struct orch_report *r)
{
	struct orch_opts opts = { 0 };

	orch_report_free(r);
	orch_report_init(r);
	return fn(conf, IF, path, &opts, r);
}

static void test_own_copy(void)
{
	struct wg_config conf = parse("[Interface]\nPrivateKey = " K1
				      "\nListenPort = 51899\nAddress = 10.9.0.1/24\n"
				      "[Peer]\nPublicKey = " K2 "\nAllowedIPs = 10.9.0.2/32\n"
				      "Endpoint = localhost:51820\n");
	char *before = snapshot(conf.device), *after;
	struct wg_device *running = NULL;
	struct orch_report r;

	orch_report_init(&r);
	ok(run(orch_up, &conf, &r) == 0 && r.diag.count == 0, "up: 0, nothing reported");
	ok(backend_get(IF, &running) == 0 && running->first_peer &&
		   running->first_peer->endpoint.addr.sa_family == AF_INET &&
		   ntohs(running->first_peer->endpoint.addr4.sin_port) == 51820,
	   "the interface got the resolved endpoint");
	model_device_free(running);
	after = snapshot(conf.device);
	is_str(after, before, "up left the config as it was (endpoint still a name)");
	free(after);
	ok(run(orch_reload, &conf, &r) == 0, "reload: 0");
	ok(run(orch_sync, &conf, &r) == 0, "sync: 0");
	after = snapshot(conf.device);
	is_str(after, before, "reload and sync left it as it was too (flags, fwmark, request)");
	free(after);
	ok(run(orch_up, &conf, &r) == -EEXIST && report_has(&r, NULL, 0, "`" IF "' already exists"),
	   "up again: -EEXIST, and the report says so");
	ok(run(orch_down, &conf, &r) == 0, "down: 0");
	ok(run(orch_sync, &conf, &r) == -ENODEV &&
		   report_has(&r, NULL, 0, "`" IF "' is not a WireGuard interface"),
	   "sync without the interface: -ENODEV, said once");
	orch_report_free(&r);
	free(before);
	config_free(&conf);
}

static void test_failing_hook(void)
{
	struct wg_config conf =
		parse("[Interface]\nPrivateKey = " K1 "\nPostUp = exit 3\nAddress = 10.9.0.1/24\n");
	struct orch_report r;

	orch_report_init(&r);
	ok(run(orch_up, &conf, &r) == -ECANCELED && r.diag.count == 1 &&
		   report_has(&r, path, 3, "PostUp hook failed: exit status 3"),
	   "a failing PostUp: -ECANCELED, one report naming its line");
	ok(!backend_for(IF), "and the link is gone again");
	ok(run(orch_down, &conf, &r) == -ENODEV, "down of what is not there: -ENODEV");
	orch_report_free(&r);
	config_free(&conf);
}

/* The config's directory holds a `wgctl-daemon` link: the userspace implementation up runs. */
static bool setup(void)
{
	const char *wgctl = getenv("WGCTL"), *top = getenv("WGCTL_TOP");
	char built[PATH_MAX], link[PATH_MAX + 16], run_dir[PATH_MAX + 8];

	if (!wgctl) {
		snprintf(built, sizeof(built), "%s/wgctl", top ? top : ".");
		wgctl = built;
	}
	if (access(wgctl, X_OK) || !mkdtemp(dir))
		return false;
	snprintf(path, sizeof(path), "%s/" IF ".conf", dir);
	snprintf(link, sizeof(link), "%s/wgctl-daemon", dir);
	snprintf(run_dir, sizeof(run_dir), "%s/run", dir);
	if (!realpath(wgctl, built) || symlink(built, link) || unshare(CLONE_NEWNET) ||
	    system("ip link set lo up") != 0)
		return false;
	setenv("WG_QUICK_USERSPACE_IMPLEMENTATION", link, 1);
	setenv("WGCTL_RUN_DIR", run_dir, 1);
	return true;
}

int main(void)
{
	char cmd[PATH_MAX + 16];

	if (geteuid() || !setup()) {
		printf("1..0 # SKIP needs root, a network namespace and the wgctl build (WGCTL or "
		       "WGCTL_TOP)\n");
		return 0;
	}
	test_own_copy();
	test_failing_hook();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		return 1;
	return done_testing();
}
