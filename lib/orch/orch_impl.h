/* SPDX-License-Identifier: MIT */
/* Shared by the steps of up, down and save. */
#ifndef WGCTL_ORCH_ORCH_IMPL_H
#define WGCTL_ORCH_ORCH_IMPL_H

#include <stdbool.h>
#include <stdint.h>

#include "model/config.h"
#include "orch/orch.h"
#include "orch/rtnl.h"
#include "orch/undo.h"

struct orch {
	const struct wg_config *conf;
	const char *ifname;
	const char *path;
	const struct orch_opts *opts;
	struct rtnetlink *rtnl;
	struct undo_log undo;
	bool ipv6_off;
	/* The fwmark/table of the default routes, once chosen (0: none). */
	uint32_t table;
};

/* Prints "[#] <what>" to stderr, as wg-quick does for every command it runs. */
void orch_say(const struct orch *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Prints "<prog>: <step>: <cause>" once, for the step that failed. Returns -err's magnitude. */
int orch_fail(const struct orch *o, const char *step, int err);
/* The family of a prefix written in a config, IPv6 on a host without IPv6 announced and skipped. */
bool orch_family_enabled(struct orch *o, int family, const char *what);
void orch_prefix_text(char *buf, size_t len, const struct rtnetlink_prefix *p);

/* link.c */
int orch_link_create(struct orch *o);
void orch_link_undo(struct orch *o, const void *arg);
/* mtu.c: the MTU `up` sets (explicit, or the endpoint rule minus 80). */
int orch_mtu(struct orch *o, const struct wg_device *running, unsigned int *mtu);
/* routes.c */
int orch_routes_up(struct orch *o, const struct wg_device *running);
/* Routes for the allowed IPs of running that `already` (may be NULL) does not have. */
int orch_routes_add(struct orch *o, const struct wg_device *running, const struct wg_device *already);
void orch_routes_remove(struct orch *o, const struct wg_device *old, const struct wg_device *now);
/* reload and sync: routes changed by the difference between `old` and the interface now. */
int orch_routes_follow(struct orch *o, const struct wg_device *old);
void orch_rules_down(struct orch *o, uint32_t table);
int orch_table_number(const char *name, uint32_t *table);
/* relay.c: Forwarding/ProxyARP opt-in, with the previous values kept for down. */
int orch_relay_up(struct orch *o);
void orch_relay_down(struct orch *o);
void orch_relay_forget(const char *ifname);
/* Hostname endpoints of the file resolved, failures printed with their lines. 0 or -EINVAL. */
int orch_resolve_endpoints(struct orch *o);
/* A WireGuard interface of any backend (kernel or userspace) has this name. */
bool orch_is_wireguard(const char *ifname);
/* hooks */
int orch_hooks(struct orch *o, enum wg_hook which);

#endif
