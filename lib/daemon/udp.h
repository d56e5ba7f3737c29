/* SPDX-License-Identifier: MIT */
/*
 * The device's UDP sockets: IPv4 and IPv6 on one port, each datagram's local address learned
 * through pktinfo and reused as the source of replies (sticky sockets).
 */
#ifndef WGCTL_DAEMON_UDP_H
#define WGCTL_DAEMON_UDP_H

#include <stddef.h>
#include <stdint.h>

#include "datapath/device.h"

struct udp {
	int fd4, fd6; /* -1 when that family is unavailable */
	uint16_t port;
	uint32_t fwmark;
};

/* A received datagram: buf/cap are given, len and ep (sender, local address) filled in. */
struct udp_msg {
	struct dp_endpoint ep;
	uint8_t *buf;
	size_t cap, len;
};

/* A datagram to send to ep->addr, from ep->src when ep->has_src. */
struct udp_out {
	const struct dp_endpoint *ep;
	const void *buf;
	size_t len;
};

void udp_init(struct udp *u);
/*
 * Listen on port (0: any) with fwmark (0: none). If the port is unchanged only the mark is
 * updated; otherwise the new pair replaces the old one only once both are bound, so on failure
 * the old sockets keep working. 0 or -errno (-EADDRINUSE when the port is taken).
 */
int udp_bind(struct udp *u, uint16_t port, uint32_t fwmark, uint16_t *bound);
void udp_close(struct udp *u);

/* Receives up to n datagrams from fd (u->fd4 or u->fd6). How many (0: none pending) or -errno. */
int udp_recv(int fd, struct udp_msg *msgs, int n);
/*
 * Sends n datagrams; a source hint the kernel refuses (address gone, route changed) is dropped
 * and the datagram sent without it. How many were sent, or -errno if the first one failed.
 */
int udp_send(const struct udp *u, const struct udp_out *msgs, int n);

#endif
