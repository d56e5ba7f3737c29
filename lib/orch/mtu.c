// SPDX-License-Identifier: MIT
/*
 * wg-quick's MTU rule: the smallest MTU on the routes to the peers' endpoints (else that of the
 * default route's device, else 1500), minus 80 for the outer IPv6, UDP and WireGuard headers.
 */
#include <errno.h>

#include "orch/orch_impl.h"

enum { MTU_OVERHEAD = 80, MTU_FALLBACK = 1500 };

int orch_mtu(struct orch *o, const struct wg_device *running, unsigned int *mtu)
{
	unsigned int best = 0, m;
	const struct wg_peer *peer;
	union wg_ip addr;
	int family;

	if (o->conf->flags & WGCONF_HAS_MTU) {
		*mtu = o->conf->mtu;
		return 0;
	}
	for_each_wgpeer (running, peer) {
		family = peer->endpoint.addr.sa_family;
		if (family == AF_INET)
			addr.ip4 = peer->endpoint.addr4.sin_addr;
		else if (family == AF_INET6)
			addr.ip6 = peer->endpoint.addr6.sin6_addr;
		else
			continue;
		if (orch_rtnl_route_get_mtu(o->rtnl, family, &addr, &m) == 0 && m &&
		    (!best || m < best))
			best = m;
	}
	if (!best && (orch_rtnl_default_route_mtu(o->rtnl, AF_INET, &m) < 0 || !(best = m)))
		best = MTU_FALLBACK;
	*mtu = best > MTU_OVERHEAD ? best - MTU_OVERHEAD : best;
	return 0;
}
