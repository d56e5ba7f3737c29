/* SPDX-License-Identifier: MIT */
/*
 * `wgctl metrics`: the Prometheus text exposition format (version 0.0.4) of running interfaces,
 * without I/O. Each metric family is written once, with HELP and TYPE, over every interface.
 */
#ifndef WGCTL_MODEL_METRICS_H
#define WGCTL_MODEL_METRICS_H

#include <stddef.h>

#include "model/model.h"
#include "util/strbuf.h"

struct metrics_iface {
	const char *name;
	const struct wg_device *dev;   /* the running device (backend_get) */
	const struct wg_device *names; /* the config's peers, for `# Name =`; may be NULL */
	const char *stats;             /* the datapath's `stats=1` answer; may be NULL */
};

void metrics_format(struct strbuf *sb, const struct metrics_iface *v, size_t n);

#endif
