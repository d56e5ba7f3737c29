/* SPDX-License-Identifier: MIT */
/*
 * The daemon's main thread: one epoll set over the TUN, the UDP sockets, the UAPI socket and
 * its clients, a timerfd for the device's timers, link notifications, signals and an inotify
 * watch on the socket file. Every dp_device_* call happens here, so none needs a lock; only the
 * device's batches of seals and opens are shared with helper threads (workers.h).
 */
#ifndef WGCTL_DAEMON_LOOP_H
#define WGCTL_DAEMON_LOOP_H

#include <stdbool.h>
#include <stdint.h>

#include "daemon/event.h"
#include "daemon/linkwatch.h"
#include "daemon/srcroute.h"
#include "daemon/tun.h"
#include "daemon/udp.h"
#include "daemon/uapi_server.h"
#include "daemon/workers.h"
#include "datapath/device.h"

/* One of the UDP sockets in the epoll set: the data and handshake queues of each family. */
struct udp_watch {
	struct ev_handler h;
	struct loop *loop;
	const int *fd; /* in loop->udp, which a rebind changes */
	int budget;    /* receive batches per wakeup */
	int batch;     /* messages per receive batch */
};

enum { UDP_WATCHES = 4 };

struct loop {
	int epfd, timerfd, sigfd, inofd;
	struct tun *tun;
	struct udp udp;
	struct linkwatch lw;
	struct srcroute sr;
	struct link_state link;
	struct uapi_server *uapi;
	struct dp_device *dev;
	struct dp_time t; /* taken once per wakeup */
	uint64_t armed;   /* deadline the timerfd is set to, 0: none */
	bool stop;
	bool offload; /* coalesce TCP segments written to the TUN */
	int status;
	uint8_t **bufs; /* receive buffers, and last the TUN's: DP_HEADROOM + 64 KB + DP_TAILROOM */
	struct udp_txq txq;
	/* Decrypted packets in the receive buffers, written (coalesced) before they are reused. */
	struct gro_pkt *tunq;
	struct gro_group *groups;
	size_t tunq_n;
	struct workers workers; /* AEAD helpers, see workers.h */
	struct udp_watch udp_watch[UDP_WATCHES];
	struct ev_handler h_tun, h_timer, h_signal, h_inotify, h_link, h_route;
};

/* The dp_io_ops to create the device with, with the loop as their argument. */
extern const struct dp_io_ops loop_io_ops;

/*
 * Everything but the device: epoll, signals (blocked from here on), timer, link, file watch.
 * offload: UDP GSO/GRO and coalesced TUN writes (the TUN's own offload is tun_open's).
 * threads: for encryption and decryption, the loop's own included.
 */
int loop_init(struct loop *l, struct tun *tun, struct uapi_server *uapi, bool offload, int threads);
/* Hands the link's state to an opened device and starts serving the UAPI socket. */
int loop_attach(struct loop *l, struct dp_device *dev);
/* Runs until a signal, the link's or the socket file's removal. The exit status. */
int loop_run(struct loop *l);
/* Closes what loop_init and the io ops opened (not the TUN, the UAPI socket or the device). */
void loop_destroy(struct loop *l);

#endif
