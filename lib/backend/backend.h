/* SPDX-License-Identifier: MIT */
/*
 * Where a WireGuard interface lives, chosen as wg(8) chooses: the UAPI socket of a userspace
 * implementation when one answers for the name, otherwise the kernel's generic netlink family.
 * Every subcommand talks to interfaces only through these calls.
 */
#ifndef WGCTL_BACKEND_BACKEND_H
#define WGCTL_BACKEND_BACKEND_H

#include "model/model.h"
#include "util/strbuf.h"
#include "util/strlist.h"

struct backend_ops {
	const char *name;
	/* Whether this backend holds an interface of that name. */
	bool (*has)(const char *ifname);
	/* The running configuration and state; 0 or -errno. */
	int (*get)(const char *ifname, struct wg_device **dev);
	/* Apply a delta (model flags); 0 or -errno as the implementation answered. */
	int (*set)(const char *ifname, const struct wg_device *delta);
	/* Append the names of this backend's interfaces. 0 or -errno. */
	int (*list)(struct strlist *names);
};

extern const struct backend_ops backend_uapi;

/* The backend holding ifname, or NULL when no implementation has it. */
const struct backend_ops *backend_for(const char *ifname);
int backend_get(const char *ifname, struct wg_device **dev);
int backend_set(const char *ifname, const struct wg_device *delta);
/* The bundled datapath's `name=number` counters (stats.c); -EOPNOTSUPP elsewhere. */
int backend_stats(const char *ifname, struct strbuf *out);
/* Every WireGuard interface of every backend, in wg's order, without duplicates. */
int backend_list(struct strlist *names);

#endif
