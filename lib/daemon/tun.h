/* SPDX-License-Identifier: MIT */
/* A layer-3 /dev/net/tun device that lives as long as its fd. */
#ifndef WGCTL_DAEMON_TUN_H
#define WGCTL_DAEMON_TUN_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sys/uio.h>

#include "datapath/offload.h"

/* Pieces one write may gather: a packet's headers and each coalesced segment's payload. */
enum { TUN_MAX_IOV = 128 };

struct tun {
	int fd;
	int ifindex;
	bool offload; /* the kernel may hand over 64 KB TCP segments (TUNSETOFFLOAD took) */
	char name[IFNAMSIZ];
};

/*
 * Creates (or attaches to a free persistent) TUN `name`, nonblocking, MTU DP_DEFAULT_MTU. Every
 * frame carries a virtio_net_hdr; with offload, TSO and checksum offload are asked for too.
 */
int tun_open(struct tun *tun, const char *name, bool offload);
void tun_close(struct tun *tun);

/*
 * Reads one packet into buf (cap bytes), its length into *len and the kernel's offload metadata
 * into *off. 1, 0 when none is pending, or -errno.
 */
int tun_read(struct tun *tun, uint8_t *buf, size_t cap, size_t *len, struct dp_offload *off);
/*
 * Writes one packet gathered from iov[0..n), described by off (NULL: a whole packet whose
 * checksums the kernel need not verify, as it came out of an authenticated tunnel).
 * 0 or -errno (-EAGAIN when the queue is full: the packet is dropped).
 */
int tun_writev(struct tun *tun, const struct dp_offload *off, const struct iovec *iov, int n);

#endif
