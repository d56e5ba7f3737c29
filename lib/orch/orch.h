/* SPDX-License-Identifier: MIT */
/*
 * wg-quick's up, down and save, and wgctl's reload and sync, as runs over rtnetlink. Every
 * system change is printed as a `[#] ...` line before it is made (and only printed under
 * dry_run); `up` records how to undo each change and, when a step fails, undoes them in reverse
 * order, so the host is left as it was.
 *
 * A run only reads the config: what it changes on the way (endpoints resolved, a syncconf
 * request narrowed, the fwmark kept) happens on its own copy of the device. It returns 0 or
 * the -errno of the first step that failed, and leaves what went wrong in a report for the
 * caller to print with orch_report_print(), the one place that prints an orch failure; orch
 * itself prints only its trace (`[#]` lines and wg-quick's `[!]` notices).
 */
#ifndef WGCTL_ORCH_ORCH_H
#define WGCTL_ORCH_ORCH_H

#include <stdbool.h>
#include <stdio.h>

#include "model/config.h"

struct orch_opts {
	bool dry_run;
	/* `up --netns NAME` (and the others': where to find the link); overrides Namespace =. */
	const char *netns;
};

/* Items without a source read "STEP: CAUSE"; items with one name a line of the config. */
struct orch_report {
	struct diag_list diag;
};

void orch_report_init(struct orch_report *r);
/* "PROG: STEP: CAUSE" for each failure, "FILE:LINE: ..." for each message about the config. */
void orch_report_print(const struct orch_report *r, const char *prog, FILE *f);
void orch_report_free(struct orch_report *r);

/* The config as parsed with the QUICK grammar (lists expanded); path is its file (for save). */
int orch_up(const struct wg_config *conf, const char *ifname, const char *path,
	    const struct orch_opts *opts, struct orch_report *report);
/* Goes through every step even when one fails; returns the first failure. */
int orch_down(const struct wg_config *conf, const char *ifname, const char *path,
	      const struct orch_opts *opts, struct orch_report *report);
/* Applies a changed file to the running interface: peers as syncconf, the rest by difference. */
int orch_reload(const struct wg_config *conf, const char *ifname, const char *path,
		const struct orch_opts *opts, struct orch_report *report);
/* Applies only the peers (the file's and its shared lists'), touching only those that differ. */
int orch_sync(const struct wg_config *conf, const char *ifname, const char *path,
	      const struct orch_opts *opts, struct orch_report *report);
int orch_save(const struct wg_config *conf, const char *ifname, const char *path,
	      const struct orch_opts *opts, struct orch_report *report);

/*
 * Enters the network namespace that `up` recorded for ifname, if any: for the commands that work
 * on a running interface (show, set) when its link is a kernel one moved there. 0 or -errno.
 */
int orch_netns_enter_recorded(const char *ifname);
/*
 * `wgctl exec`: runs argv inside namespace name as `ip netns exec` does, as user when not NULL.
 * Returns only on failure (said on stderr), with -errno.
 */
int orch_netns_exec(const char *name, const char *user, char *const argv[]);
/* `wgctl killswitch off IF`: removes the kill switch's table, persistent or not. 0 or -errno. */
int orch_killswitch_off(const char *ifname, const struct orch_opts *opts);

/* Where `DNS =` goes on this host (lib/orch/dns.c). */
enum orch_dns {
	ORCH_DNS_NONE,
	ORCH_DNS_RESOLVCONF,
	ORCH_DNS_RESOLVED,
};

/* systemd-resolved when it owns its name on the system bus, else resolvconf in PATH, else none. */
enum orch_dns orch_dns_detect(void);
/* What `up` would refuse on a host with that backend, as warnings on the config's lines. */
void orch_dns_lint(const struct wg_config *conf, enum orch_dns backend, struct diag_list *d);

#endif
