/* SPDX-License-Identifier: MIT */
/*
 * A WireGuard device without I/O: peers, cryptokey routing, the index and public-key tables, and
 * the packet paths between the tunnel and the wire. The caller owns the sockets and the TUN and
 * plugs them in through struct dp_io_ops; every entry point takes the time, so the whole device
 * can be driven by a virtual clock in tests.
 *
 * A buffer handed to dp_device_tun_packet() has DP_HEADROOM bytes before and DP_TAILROOM bytes
 * after the packet that may be written (padding); it is encrypted into a buffer the io provides,
 * so ciphertext is written once, where it will be sent from. Large packets with offload
 * metadata (offload.h) are cut into segments first. Outputs go through the io callbacks, which
 * may queue them for a batched flush (sendmmsg, UDP GSO, TUN GRO) before the caller returns to
 * its poll loop: a buffer given to tun_write is the caller's own and must stay valid until then.
 *
 * Handshake initiations and responses whose MAC1 is valid are not consumed on arrival: they wait
 * in a bounded queue for dp_device_process_handshakes(), which the caller runs with a budget,
 * and the device is under load while that queue is long (so a flood that knows no public key,
 * and cannot make a MAC1, never puts it under load).
 *
 * Not thread-safe: the caller serialises every call on one device (only the AEAD jobs of
 * dp_io_ops.parallel run elsewhere). Allocation happens only when
 * the configuration changes and when a packet is staged for a peer without a session. The io
 * must outlive the device.
 */
#ifndef WGCTL_DATAPATH_DEVICE_H
#define WGCTL_DATAPATH_DEVICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "datapath/offload.h"
#include "model/model.h"
#include "util/strbuf.h"

enum {
	DP_HEADROOM = 16,
	DP_TAILROOM = 16 + 16,
	/* Largest IP packet accepted from the TUN, and largest datagram accepted from the wire. */
	DP_MAX_PACKET = 65535 - 32,
	DP_MAX_DATAGRAM = 65535,
	DP_DEFAULT_MTU = 1420,
	/*
	 * Handshake messages waiting for dp_device_process_handshakes(), and how many of them put
	 * the device under load: 1/8 of the queue, the kernel's rule. A quarter of the kernel's
	 * 4096, which all its CPUs drain; here one thread does, so the wait before a newcomer's
	 * handshake stays short (docs/bench.md#handshake-queue). Only what a flood fills is ever
	 * resident: the ring restarts at its first slot whenever it empties.
	 */
	DP_HANDSHAKE_QUEUE = 1024,
	DP_UNDER_LOAD_QUEUED = DP_HANDSHAKE_QUEUE / 8,
};

struct dp_time {
	uint64_t now;         /* CLOCK_BOOTTIME, ns */
	struct timespec wall; /* CLOCK_REALTIME, for TAI64N and last-handshake times */
};

/*
 * A peer's address on the wire, and the local address and interface it was last reached
 * through, so that replies leave from the address the peer talks to (sticky sockets).
 */
struct dp_endpoint {
	union wg_endpoint addr;
	bool has_src;
	int src_ifindex;
	union wg_ip src;
};

/*
 * Where a datagram in a buffer from dp_io_ops.udp_buffer stands. The io sends it only once
 * SEALED, drops it when DEAD, and while it is PENDING holds it back, with everything queued after
 * it. Only the device moves the state on, once the datagram's seal has run (failed: DEAD, its
 * bytes zeroed), so whoever flushes whenever, nothing but ciphertext can leave.
 */
enum dp_tx_state { DP_TX_PENDING, DP_TX_SEALED, DP_TX_DEAD };

struct dp_io_ops {
	/*
	 * Optional: room for a datagram of up to cap bytes, to be passed to udp_send next (which
	 * then queues it without a copy, and always can), and in *state where that queue entry
	 * stands, PENDING until the device says otherwise; it must stay valid while PENDING. NULL
	 * when there is no room: the datagram is dropped.
	 */
	uint8_t *(*udp_buffer)(void *arg, size_t cap, enum dp_tx_state **state);
	/*
	 * Send one datagram to ep (its source hint may be ignored). 0 or -errno; may only queue it,
	 * but buf may be reused once this returns unless it came from udp_buffer. Any other buffer
	 * holds a finished datagram (SEALED).
	 */
	int (*udp_send)(void *arg, const struct dp_endpoint *ep, const void *buf, size_t len);
	/* Write one decrypted IP packet (in a buffer the caller gave the device) to the tunnel. */
	int (*tun_write)(void *arg, const void *buf, size_t len);
	/*
	 * Listen on port (0: any) with fwmark (0: none) on IPv4 and IPv6. On success *bound is the
	 * port in use; on failure the previous sockets must still work. 0 or -errno (-EADDRINUSE).
	 */
	int (*udp_bind)(void *arg, uint16_t port, uint32_t fwmark, uint16_t *bound);
	/*
	 * Optional: run fn(ctx, i) for every i < n, on any threads in any order, and return when
	 * all are done. With it the device defers encryption and decryption to batches: datagrams
	 * in udp_buffer's buffers stay PENDING until dp_device_seal_pending() has sealed them, and
	 * the caller calls dp_device_receive_pending() after each batch of dp_device_udp_packet().
	 */
	void (*parallel)(void *arg, void (*fn)(void *ctx, size_t i), void *ctx, size_t n);
	/* Optional, with parallel: the same for the openings; NULL uses parallel for those too. */
	void (*parallel_rx)(void *arg, void (*fn)(void *ctx, size_t i), void *ctx, size_t n);
};

/* Every packet the device drops is counted under one of these; `stats=1` on the UAPI lists them. */
#define DP_STATS(X)                                                                                \
	X(rx_datagrams)                                                                            \
	X(rx_short)    /* shorter than any message */                                              \
	X(rx_bad_type) /* unknown type, or reserved bytes not zero */                              \
	X(rx_bad_size) /* wrong length for its type */                                             \
	X(rx_bad_mac1)                                                                             \
	X(rx_handshake_queue_full) /* MAC1 valid, but DP_HANDSHAKE_QUEUE already waiting */        \
	X(rx_cookie_sent)          /* under load without MAC2: answered with a cookie reply */     \
	X(rx_ratelimited)                                                                          \
	X(rx_handshake_invalid) /* failed to consume (unknown peer, bad crypto, replayed time) */  \
	X(rx_crypto_failed)     /* our crypto library failed (no memory), not the sender */        \
	X(rx_unknown_index)                                                                        \
	X(rx_cookie_invalid)                                                                       \
	X(rx_data_invalid) /* failed authentication */                                             \
	X(rx_replay)                                                                               \
	X(rx_expired)                                                                              \
	X(rx_bad_inner)     /* not IPv4/IPv6, or lengths that do not add up */                     \
	X(rx_bad_inner_src) /* inner source not in the sending peer's allowed IPs */               \
	X(rx_keepalives)                                                                           \
	X(rx_packets)                                                                              \
	X(tx_no_route) /* no peer's allowed IPs contain the destination */                         \
	X(tx_no_endpoint)                                                                          \
	X(tx_bad_packet)                                                                           \
	X(tx_staged_dropped) /* staged queue full, or handshake given up */                        \
	X(tx_send_errors)                                                                          \
	X(tx_crypto_failed) /* sealing or a handshake message failed (no memory): not sent */      \
	X(tx_packets)                                                                              \
	X(handshakes_completed)

struct dp_stats {
#define DP_STATS_FIELD(name) uint64_t name;
	DP_STATS(DP_STATS_FIELD)
#undef DP_STATS_FIELD
};

struct dp_device;

struct dp_device *dp_device_new(const struct dp_io_ops *ops, void *io_arg);
/* Wipes every key; datagrams still waiting for their seal become DEAD, their bytes zeroed. */
void dp_device_free(struct dp_device *dev);

/* Bind the sockets for the configured port and fwmark (the first time, and after an io reset). */
int dp_device_open(struct dp_device *dev);
/* The link's MTU, used to cap padding. */
void dp_device_set_mtu(struct dp_device *dev, unsigned int mtu);
/* Link down: sessions and staged packets are dropped and timers stop, as the kernel does. */
void dp_device_set_up(struct dp_device *dev, bool up, const struct dp_time *t);

/*
 * Apply a UAPI/netlink-style delta (flags as in model.h: REPLACE_PEERS, REMOVE_ME, UPDATE_ONLY,
 * REPLACE_ALLOWEDIPS, WGALLOWEDIP_REMOVE_ME...) atomically: everything is checked and allocated
 * first, so on error nothing changed. 0, or -errno with one line in why (may be NULL):
 * -EADDRINUSE (port), -ENOMEM, -EINVAL.
 */
int dp_device_apply(struct dp_device *dev, const struct wg_device *delta, const struct dp_time *t,
		    struct strbuf *why);
/* The running state as a model (peers in creation order, allowed IPs in insertion order). */
struct wg_device *dp_device_export(const struct dp_device *dev);

/*
 * A datagram from the wire; from->src is the local address it arrived on. buf may be modified.
 * A handshake initiation or response with a valid MAC1 is copied into the handshake queue (or
 * dropped when it is full); call dp_device_process_handshakes() after the batch.
 */
void dp_device_udp_packet(struct dp_device *dev, const struct dp_endpoint *from, uint8_t *buf,
			  size_t len, const struct dp_time *t);
/*
 * Consume queued handshake messages, oldest first, until budget of them have reached the
 * Diffie-Hellman work or the queue is empty: each is first judged under load or not from the
 * queue's length at that moment (>= DP_UNDER_LOAD_QUEUED, and for UNDER_LOAD_AFTER_TIME after),
 * and under load answered with a cookie reply or rate limited unless its MAC2 is valid; those
 * cheap outcomes cost no budget. Returns how many are still queued (call again soon if any).
 */
size_t dp_device_process_handshakes(struct dp_device *dev, size_t budget, const struct dp_time *t);
/* How many handshake messages are queued (so the caller can bound what it reads). */
size_t dp_device_handshakes_queued(const struct dp_device *dev);
/*
 * An IP packet from the tunnel, with DP_HEADROOM/DP_TAILROOM writable around it; off (may be
 * NULL) is the kernel's offload metadata: a segmentation request or a checksum to complete.
 */
void dp_device_tun_packet(struct dp_device *dev, uint8_t *pkt, size_t len,
			  const struct dp_offload *off, const struct dp_time *t);
/*
 * Seals the datagrams queued since the last call and marks them SEALED (or DEAD), in queue order
 * (parallel io only; anytime, and before a flush, or PENDING ones wait for the next).
 */
void dp_device_seal_pending(struct dp_device *dev);
/* Opens and delivers, in arrival order, the data messages of the batch (parallel io only). */
void dp_device_receive_pending(struct dp_device *dev, const struct dp_time *t);
/* Run due timers and housekeeping; returns the next deadline (CLOCK_BOOTTIME ns, 0 = none). */
uint64_t dp_device_tick(struct dp_device *dev, const struct dp_time *t);

const struct dp_stats *dp_device_stats(const struct dp_device *dev);
/* "name=value\n" for every counter. */
void dp_device_format_stats(const struct dp_device *dev, struct strbuf *out);

#endif
