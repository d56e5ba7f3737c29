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

struct srcroute;

struct udp {
	int fd4, fd6; /* -1 when that family is unavailable */
	/*
	 * Handshake messages arrive on these when the kernel steers them (-1 otherwise): with their
	 * own receive queue a flood of them cannot crowd transport data out, as in the kernel.
	 */
	int hs4, hs6;
	uint16_t port;
	uint32_t fwmark;
	/* Segmentation offload: UDP_SEGMENT on send (dropped at the first EIO), UDP_GRO on receive.
	 */
	bool gso, gro;
	/* Checks a learned source against the route before it is used (NULL: always used). */
	struct srcroute *sr;
};

/*
 * What one receive filled in: buf/cap are given; len, ep (sender, local address) and segment:
 * with GRO, buf holds datagrams of segment bytes each (the last may be shorter), else 0.
 */
struct udp_msg {
	struct dp_endpoint ep;
	uint8_t *buf;
	size_t cap, len, segment;
};

/*
 * Datagrams queued in one contiguous area, so that a run to one endpoint is one GSO send. Each
 * has a state (datapath/device.h): only SEALED ones are sent, and a PENDING one holds back itself
 * and all after it, its bytes staying where its seal will write them.
 */
struct udp_txq {
	uint8_t *area;
	size_t cap, used;
	struct udp_txe {
		struct dp_endpoint ep;
		uint32_t off, len;
		enum dp_tx_state state;
	} * msgs;
	size_t head, n, max;     /* msgs[head..n) not sent yet */
	const uint8_t *reserved; /* what udp_txq_buffer() last handed out */
};

/* offload: ask for GSO and GRO on the sockets udp_bind() opens. */
void udp_init(struct udp *u, bool offload);
/*
 * Listen on port (0: any) with fwmark (0: none). If the port is unchanged only the mark is
 * updated; otherwise the new pair replaces the old one only once both are bound, so on failure
 * the old sockets keep working. 0 or -errno (-EADDRINUSE when the port is taken).
 */
int udp_bind(struct udp *u, uint16_t port, uint32_t fwmark, uint16_t *bound);
void udp_close(struct udp *u);

/* Fills up to n messages from fd (one of u's sockets). How many (0: none pending) or -errno. */
int udp_recv(int fd, struct udp_msg *msgs, int n);

int udp_txq_init(struct udp_txq *q, size_t bytes, size_t msgs);
void udp_txq_free(struct udp_txq *q);
/*
 * Room for a datagram of up to cap bytes, or NULL when the queue must be flushed first. *state
 * is where its entry will stand once udp_txq_push() queues it: PENDING until set otherwise.
 */
uint8_t *udp_txq_buffer(struct udp_txq *q, size_t cap, enum dp_tx_state **state);
/*
 * Queues buf: a buffer from udp_txq_buffer() without a copy, in the state set there (and then it
 * never fails), any other copied, SEALED. 0, or -ENOBUFS: flush first.
 */
int udp_txq_push(struct udp_txq *q, const struct dp_endpoint *ep, const void *buf, size_t len);
/*
 * Sends the queue up to its first PENDING entry, dropping DEAD ones: sendmmsg, one GSO message
 * per run of equal SEALED datagrams to one endpoint. A source hint the kernel refuses (address
 * gone, route changed) is dropped and the datagram sent without it; other failures drop the
 * datagrams concerned. The queue is empty afterwards unless an entry was PENDING. How many
 * failed.
 */
size_t udp_flush(struct udp *u, struct udp_txq *q);

#endif
