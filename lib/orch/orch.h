/* SPDX-License-Identifier: MIT */
/*
 * wg-quick's up, down and save as transactions over rtnetlink. Every system change is printed
 * as a `[#] ...` line before it is made (and only printed under dry_run); `up` records how to
 * undo each change and, when a step fails, undoes them in reverse order, so the host is left as
 * it was and one message names the failing step and its cause.
 */
#ifndef WGCTL_ORCH_ORCH_H
#define WGCTL_ORCH_ORCH_H

#include <stdbool.h>

#include "model/config.h"

struct orch_opts {
	bool dry_run;
	/* The program name for messages: "wg-quick" or "wgctl". */
	const char *prog;
};

/* conf as parsed with the QUICK grammar; path is the config file (for save). 0 or 1 (exit code). */
int orch_up(const struct wg_config *conf, const char *ifname, const char *path, const struct orch_opts *opts);
int orch_down(const struct wg_config *conf, const char *ifname, const char *path, const struct orch_opts *opts);
/* Applies a changed file to the running interface: peers as syncconf, the rest by difference. */
int orch_reload(const struct wg_config *conf, const char *ifname, const char *path, const struct orch_opts *opts);
/* Applies only the peers (the file's and its shared lists'), touching only those that differ. */
int orch_sync(const struct wg_config *conf, const char *ifname, const char *path, const struct orch_opts *opts);
int orch_save(const struct wg_config *conf, const char *ifname, const char *path, const struct orch_opts *opts);

#endif
