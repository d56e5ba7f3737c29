/* SPDX-License-Identifier: MIT */
/* The device's insides, shared by device.c, device_config.c, send.c and receive.c only. */
#ifndef WGCTL_DATAPATH_DEVICE_IMPL_H
#define WGCTL_DATAPATH_DEVICE_IMPL_H

#include <errno.h>

#include "datapath/allowedips.h"
#include "datapath/device.h"
#include "datapath/ratelimiter.h"
#include "noise/noise.h"
#include "noise/siphash.h"
#include "noise/timers.h"

enum { DP_BUFFER_SIZE = DP_HEADROOM + DP_MAX_DATAGRAM + DP_TAILROOM };

/* Three keypair slots, a handshake, and its successor taken before the old index is dropped. */
enum { DP_PEER_INDICES = 5 };

#define DP_HOUSEKEEPING_INTERVAL NSEC_PER_SEC
#define DP_RATELIMITER_ENTRIES   8192

struct dp_index {
	struct dp_index *next;
	struct dp_peer *peer;
	uint32_t index;
	bool used;
};

/* AEAD jobs one batch may hold before it is run early (a receive batch is up to 16 x 64). */
enum { DP_PENDING_MAX = 1024 };

/* A datagram whose seal was deferred, and its io queue entry, which waits for the seal. */
struct dp_tx_pending {
	struct noise_crypt_job job;
	enum dp_tx_state *state;
};

/* A data message whose open was deferred, and what finishing it needs. */
struct dp_rx_pending {
	struct noise_crypt_job job;
	struct dp_peer *peer;
	struct noise_keypair *kp;
	uint32_t index;
	size_t len;
	struct dp_endpoint from;
};

/* A handshake initiation or response whose MAC1 was valid on arrival; its type gives its length. */
struct dp_handshake {
	struct dp_endpoint from;
	uint8_t msg[MESSAGE_INITIATION_LEN];
};

/* A packet waiting for a session, stored with room to be encrypted in place. */
struct dp_staged {
	struct dp_staged *next;
	size_t len;
	uint8_t buf[];
};

struct dp_peer {
	struct dp_device *dev;
	struct dp_peer *prev, *next; /* creation order, which `get` reports */
	struct dp_peer *hash_next;
	struct noise_remote remote;
	struct timers timers;
	struct allowedips_owner aips;
	struct dp_endpoint endpoint;
	bool has_endpoint;
	uint16_t persistent_keepalive;
	uint64_t rx_bytes, tx_bytes;
	struct timespec last_handshake;
	struct dp_index indices[DP_PEER_INDICES];
	struct dp_staged *staged_head, *staged_tail;
	size_t staged_count;
	char name[16]; /* a public-key prefix for logs */
};

struct dp_device {
	const struct dp_io_ops *ops;
	void *io_arg;
	struct noise_local local;
	struct allowedips aips;
	struct ratelimiter ratelimiter;
	struct siphash_key hash_key;
	struct dp_peer *first_peer, *last_peer;
	size_t peer_count;
	struct dp_peer **peer_buckets;
	size_t peer_mask;
	struct dp_index **index_buckets;
	size_t index_mask;
	uint16_t listen_port; /* as configured; 0 = any */
	uint16_t bound_port;
	uint32_t fwmark;
	bool opened;
	bool up;
	unsigned int mtu;
	uint64_t next_deadline;
	uint64_t next_housekeeping;
	/* A ring of DP_HANDSHAKE_QUEUE slots, in plain memory: wire bytes, no secrets. */
	struct dp_handshake *handshakes;
	size_t hs_head, hs_len;
	uint64_t under_load_until;
	struct dp_stats stats;
	/* Handshake messages and keepalives are built here; the device is single-threaded. */
	uint8_t scratch[DP_HEADROOM + 256 + DP_TAILROOM];
	/* A segment cut from a large TUN packet, and a datagram when the io has no udp_buffer. */
	uint8_t *segment, *tx_scratch;
	/* Deferred AEAD work (pending.c), when the io runs it in parallel. */
	struct dp_tx_pending *tx_jobs;
	struct dp_rx_pending *rx_jobs;
	size_t tx_n, rx_n;
};

/* device.c */
struct dp_peer *dp_peer_lookup(const struct dp_device *dev,
			       const uint8_t key[NOISE_PUBLIC_KEY_LEN]);
struct dp_peer *dp_index_lookup(const struct dp_device *dev, uint32_t index);
int dp_tables_reserve(struct dp_device *dev, size_t peers);
void dp_peer_link(struct dp_device *dev, struct dp_peer *peer);
struct dp_peer *dp_peer_alloc(void);
/* Only for a peer dp_peer_init() never took; dp_peer_remove() frees the others. */
void dp_peer_free(struct dp_peer *peer);
/*
 * Takes a fresh allocation from dp_peer_alloc() into the device. 0 or -EINVAL (our own key). Its
 * DH with our static key is the caller's to set (noise_remote_set_static_dh).
 */
int dp_peer_init(struct dp_device *dev, struct dp_peer *peer,
		 const uint8_t key[NOISE_PUBLIC_KEY_LEN]);
void dp_peer_remove(struct dp_peer *peer);
void dp_note_deadline(struct dp_peer *peer);

/* pending.c: a slot to fill (NULL: do it now), then _queued() once it is filled. */
int dp_pending_init(struct dp_device *dev);
void dp_pending_free(struct dp_device *dev);
/*
 * Runs every deferred job. Call it before anything that may drop a keypair (configuration, link
 * down, timers, handshakes): dropping makes every cipher context forget the keypair's keys, and a
 * job that ran afterwards would hand them to a context again.
 */
void dp_pending_run(struct dp_device *dev, const struct dp_time *t);
struct dp_tx_pending *dp_tx_job(struct dp_device *dev);
void dp_tx_job_queued(struct dp_device *dev);
struct dp_rx_pending *dp_rx_job(struct dp_device *dev, const struct dp_time *t);
void dp_rx_job_queued(struct dp_device *dev);

/* The crypto library's own failures (crypto.h), as opposed to a bad packet or key. */
static inline bool dp_crypto_failed(int err)
{
	return err == -ENOMEM || err == -EIO;
}

/* receive.c */
void dp_receive_finish(struct dp_device *dev, struct dp_rx_pending *p, const struct dp_time *t);

/* send.c */
void dp_send_initiation(struct dp_peer *peer, const struct dp_time *t);
void dp_send_keepalive(struct dp_peer *peer, const struct dp_time *t);
void dp_send_staged(struct dp_peer *peer, const struct dp_time *t);
void dp_staged_clear(struct dp_peer *peer);
int dp_send_buffer(struct dp_peer *peer, const void *buf, size_t len);
void dp_peer_traffic_sent(struct dp_peer *peer, size_t len, bool is_data, const struct dp_time *t);

#endif
