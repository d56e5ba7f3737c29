// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "backend/backend.h"

/* In wg's order of preference: userspace first, then the kernel (netlink joins here). */
static const struct backend_ops *const backends[] = { &backend_uapi };

const struct backend_ops *backend_for(const char *ifname)
{
	for (size_t i = 0; i < sizeof(backends) / sizeof(backends[0]); ++i) {
		if (backends[i]->has(ifname))
			return backends[i];
	}
	return NULL;
}

int backend_get(const char *ifname, struct wg_device **dev)
{
	const struct backend_ops *b = backend_for(ifname);

	*dev = NULL;
	return b ? b->get(ifname, dev) : -ENODEV;
}

int backend_set(const char *ifname, const struct wg_device *delta)
{
	const struct backend_ops *b = backend_for(ifname);

	return b ? b->set(ifname, delta) : -ENODEV;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int backend_list(struct wg_strlist *names)
{
	size_t out = 0;
	int ret;

	for (size_t i = 0; i < sizeof(backends) / sizeof(backends[0]); ++i) {
		ret = backends[i]->list(names);
		if (ret < 0)
			return ret;
	}
	qsort(names->v, names->n, sizeof(*names->v), cmp_names);
	for (size_t i = 0; i < names->n; ++i) {
		if (out && !strcmp(names->v[out - 1], names->v[i])) {
			free(names->v[i]);
			continue;
		}
		names->v[out++] = names->v[i];
	}
	names->n = out;
	return 0;
}
