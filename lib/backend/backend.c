// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "backend/backend.h"
#include "backend/netlink.h"

/* In wg's order of preference: userspace first, then the kernel (netlink joins here). */
static const struct backend_ops *const backends[] = { &backend_uapi, &backend_netlink };

const struct backend_ops *backend_for(const char *ifname)
{
	for (size_t i = 0; i < sizeof(backends) / sizeof(backends[0]); ++i) {
		if (backends[i]->has(ifname))
			return backends[i];
	}
	return NULL;
}

/*
 * Like wg, a name no userspace socket answers for goes to the kernel, whose own error (no such
 * device, no WireGuard module) is the one worth reporting.
 */
static const struct backend_ops *backend_or_kernel(const char *ifname)
{
	const struct backend_ops *b = backend_for(ifname);
	const struct backend_ops *last = backends[sizeof(backends) / sizeof(backends[0]) - 1];

	return b ? b : last != &backend_uapi ? last : NULL;
}

int backend_get(const char *ifname, struct wg_device **dev)
{
	const struct backend_ops *b = backend_or_kernel(ifname);

	*dev = NULL;
	return b ? b->get(ifname, dev) : -ENODEV;
}

int backend_set(const char *ifname, const struct wg_device *delta)
{
	const struct backend_ops *b = backend_or_kernel(ifname);

	return b ? b->set(ifname, delta) : -ENODEV;
}

static bool listed(const struct strlist *names, size_t n, const char *name)
{
	for (size_t i = 0; i < n; ++i) {
		if (!strcmp(names->v[i], name))
			return true;
	}
	return false;
}

/* wg lists kernel links first and userspace sockets after, each in enumeration order. */
int backend_list(struct strlist *names)
{
	size_t out = 0;
	int ret;

	for (size_t i = sizeof(backends) / sizeof(backends[0]); i-- > 0;) {
		ret = backends[i]->list(names);
		if (ret < 0)
			return ret;
	}
	for (size_t i = 0; i < names->n; ++i) {
		if (listed(names, out, names->v[i])) {
			free(names->v[i]);
			continue;
		}
		names->v[out++] = names->v[i];
	}
	names->n = out;
	return 0;
}
