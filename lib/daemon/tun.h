/* SPDX-License-Identifier: MIT */
/* A layer-3 /dev/net/tun device that lives as long as its fd. */
#ifndef WGCTL_DAEMON_TUN_H
#define WGCTL_DAEMON_TUN_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct tun {
	int fd;
	int ifindex;
	char name[IFNAMSIZ];
};

/* Creates (or attaches to a free persistent) TUN `name`, nonblocking, MTU DP_DEFAULT_MTU. */
int tun_open(struct tun *tun, const char *name);
void tun_close(struct tun *tun);
int tun_get_mtu(const struct tun *tun, unsigned int *mtu);
int tun_is_up(const struct tun *tun, bool *up);

/*
 * Reads up to n packets, packet i into bufs[i] (cap bytes each), its length into lens[i].
 * Returns how many (0: none pending) or -errno. One read per call for now; the array shape
 * leaves room for IFF_VNET_HDR, where one read may be split into many packets.
 */
int tun_read(struct tun *tun, uint8_t *const bufs[], size_t cap, size_t lens[], int n);
/* Writes one IP packet. 0 or -errno (-EAGAIN when the queue is full: the packet is dropped). */
int tun_write(struct tun *tun, const void *pkt, size_t len);

#endif
