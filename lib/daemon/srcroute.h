/* SPDX-License-Identifier: MIT */
/*
 * Whether a learned source address still fits the route to its peer. Sticky sockets send a
 * reply from the address the peer last talked to; the kernel drops that address when the route
 * to the peer now leaves by another interface than the one it was learned on, so that a better
 * route (a second uplink, a failover) also moves the source the peer sees. The same here: a
 * route lookup per endpoint, cached until a route, address or link changes.
 */
#ifndef WGCTL_DAEMON_SRCROUTE_H
#define WGCTL_DAEMON_SRCROUTE_H

#include <stdbool.h>
#include <stdint.h>

#include "datapath/device.h"

struct mnl_socket;

#define SRCROUTE_SLOTS 256

struct srcroute {
	struct mnl_socket *events; /* route, address and link notifications */
	struct mnl_socket *req;    /* lookups */
	uint32_t seq;
	/* Bumped by every notification: a cached answer from an older generation is not used. */
	uint64_t gen;
	struct srcroute_slot {
		uint64_t gen; /* 0: empty */
		struct dp_endpoint ep;
		uint32_t fwmark;
		bool ok;
	} slot[SRCROUTE_SLOTS];
};

int srcroute_open(struct srcroute *sr);
void srcroute_close(struct srcroute *sr);
int srcroute_fd(const struct srcroute *sr);
/* Reads the pending notifications: the cache is stale after any of them. */
void srcroute_drain(struct srcroute *sr);
/*
 * Whether ep's learned source may be used: the route to ep (with the source and fwmark) leaves by
 * the interface the source was learned on. True when ep has none; false when the lookup fails.
 */
bool srcroute_ok(struct srcroute *sr, const struct dp_endpoint *ep, uint32_t fwmark);

#endif
