// SPDX-License-Identifier: MIT
/*
 * Tunnel to wire: cryptokey routing on the destination, staging while no session exists,
 * encryption in place, handshake initiations and keepalives. A data message is sealed in the
 * io's buffer where it will be sent from; when the seal is deferred to a batch, the io's entry
 * stays PENDING, held back, until the batch has run (pending.c).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "datapath/device_impl.h"
#include "datapath/ip.h"
#include "util/log.h"
#include "util/mem.h"

int dp_send_buffer(struct dp_peer *peer, const void *buf, size_t len)
{
	int ret;

	if (!peer->has_endpoint)
		return -EDESTADDRREQ;
	ret = peer->dev->ops->udp_send(peer->dev->io_arg, &peer->endpoint, buf, len);
	if (ret < 0)
		++peer->dev->stats.tx_send_errors;
	return ret;
}

void dp_peer_traffic_sent(struct dp_peer *peer, size_t len, bool is_data, const struct dp_time *t)
{
	peer->tx_bytes += len;
	if (is_data)
		timers_event_data_sent(&peer->timers, t->now);
	timers_event_any_authenticated_packet_sent(&peer->timers, t->now);
	timers_event_any_authenticated_packet_traversal(&peer->timers, t->now);
	dp_note_deadline(peer);
}

void dp_send_initiation(struct dp_peer *peer, const struct dp_time *t)
{
	struct message_handshake_initiation *m = (void *)peer->dev->scratch;
	int ret;

	if (!peer->dev->up || !timers_may_initiate(&peer->timers, t->now))
		return;
	ret = noise_create_initiation(&peer->remote, m, &t->wall, t->now);
	if (ret < 0) {
		if (dp_crypto_failed(ret))
			++peer->dev->stats.tx_crypto_failed;
		return;
	}
	cookie_maker_mac(&peer->remote.r_cookie, (uint8_t *)m, sizeof(*m), t->now);
	log_verbose("peer(%s) - sending handshake initiation", peer->name);
	(void)dp_send_buffer(peer, m, sizeof(*m));
	dp_peer_traffic_sent(peer, sizeof(*m), false, t);
	timers_event_handshake_initiated(&peer->timers, t->now);
	dp_note_deadline(peer);
}

static void maybe_rekey(struct dp_peer *peer, const struct dp_time *t)
{
	if (timers_keep_key_fresh_send(&peer->timers, &peer->remote, t->now))
		dp_send_initiation(peer, t);
}

/*
 * in[0..len) (padded) sealed into the datagram out and sent: out is the device's tx_scratch
 * (state NULL), sealed at once and copied by the io, or a buffer from udp_buffer whose queue
 * entry is *state, sealed at once or by a job when the io runs them in parallel. A job must not
 * read the caller's buffer later, so the plaintext moves into out. 0, -EKEYEXPIRED/-ENOKEY with
 * nothing sent (stage it), or -ENOMEM/-EIO: the seal failed, and the datagram was dropped.
 */
static int seal_and_send(struct dp_peer *peer, struct noise_keypair *kp, uint8_t *out,
			 enum dp_tx_state *state, const uint8_t *in, size_t len, bool is_data,
			 const struct dp_time *t)
{
	struct dp_device *dev = peer->dev;
	struct dp_tx_pending *p = state ? dp_tx_job(dev) : NULL;
	uint8_t *body = out + MESSAGE_DATA_HEADER_LEN;
	int ret;

	if (p) {
		ret = noise_keypair_seal_prepare(kp, out, len + MESSAGE_DATA_OVERHEAD, body, len,
						 t->now, &p->job);
		if (ret < 0)
			return ret;
		if (in != body)
			memcpy(body, in, len);
		p->state = state;
	} else {
		ret = noise_keypair_encrypt(kp, out, len + MESSAGE_DATA_OVERHEAD, in, len, t->now);
		if (dp_crypto_failed(ret))
			++dev->stats.tx_crypto_failed;
		if (ret < 0)
			return ret;
		if (state)
			*state = DP_TX_SEALED;
	}
	/* A job is queued only with its datagram: the entry it marks when done is the io's. */
	if (dp_send_buffer(peer, out, (size_t)ret) == 0 && p)
		dp_tx_job_queued(dev);
	else if (p)
		memzero_explicit(p->job.key, sizeof(p->job.key));
	++dev->stats.tx_packets;
	dp_peer_traffic_sent(peer, (size_t)ret, is_data, t);
	return 0;
}

/* pkt[0..len) with DP_TAILROOM after it. 0, or -EKEYEXPIRED/-ENOKEY: stage it. */
static int send_data(struct dp_peer *peer, uint8_t *pkt, size_t len, const struct dp_time *t)
{
	struct noise_keypair *kp = noise_remote_current(&peer->remote);
	size_t padded = len + noise_padding_len(len, peer->dev->mtu);
	struct dp_device *dev = peer->dev;
	enum dp_tx_state *state = NULL;
	uint8_t *out = dev->tx_scratch;
	int ret;

	if (!kp)
		return -ENOKEY;
	memset(pkt + len, 0, padded - len);
	if (dev->ops->udp_buffer)
		out = dev->ops->udp_buffer(dev->io_arg, padded + MESSAGE_DATA_OVERHEAD, &state);
	if (!out) {
		++dev->stats.tx_send_errors;
		return 0;
	}
	ret = seal_and_send(peer, kp, out, state, pkt, padded, len > 0, t);
	/* A failed seal was counted and dropped, like a failed send: staging would not help. */
	return dp_crypto_failed(ret) ? 0 : ret;
}

/* Staged packets are plaintext. */
static void staged_free(struct dp_staged *s)
{
	if (s) {
		memzero_explicit(s->buf, s->len);
		free(s);
	}
}

static struct dp_staged *staged_pop(struct dp_peer *peer)
{
	struct dp_staged *s = peer->staged_head;

	if (s) {
		peer->staged_head = s->next;
		if (!peer->staged_head)
			peer->staged_tail = NULL;
		--peer->staged_count;
	}
	return s;
}

static void staged_push_front(struct dp_peer *peer, struct dp_staged *s)
{
	s->next = peer->staged_head;
	peer->staged_head = s;
	if (!peer->staged_tail)
		peer->staged_tail = s;
	++peer->staged_count;
}

void dp_staged_clear(struct dp_peer *peer)
{
	struct dp_staged *s;

	while ((s = staged_pop(peer)))
		staged_free(s);
}

/* Keeps the newest MAX_STAGED_PACKETS: the oldest are the likeliest to be stale. */
static void stage(struct dp_peer *peer, const uint8_t *pkt, size_t len)
{
	struct dp_staged *s = malloc(sizeof(*s) + len + DP_TAILROOM);

	if (!s) {
		++peer->dev->stats.tx_staged_dropped;
		return;
	}
	if (peer->staged_count >= MAX_STAGED_PACKETS) {
		staged_free(staged_pop(peer));
		++peer->dev->stats.tx_staged_dropped;
	}
	s->next = NULL;
	s->len = len;
	if (len)
		memcpy(s->buf, pkt, len);
	if (peer->staged_tail)
		peer->staged_tail->next = s;
	else
		peer->staged_head = s;
	peer->staged_tail = s;
	++peer->staged_count;
}

void dp_send_staged(struct dp_peer *peer, const struct dp_time *t)
{
	struct dp_staged *s;

	while ((s = staged_pop(peer))) {
		if (send_data(peer, s->buf, s->len, t) < 0) {
			staged_push_front(peer, s);
			break;
		}
		staged_free(s);
	}
	maybe_rekey(peer, t);
}

void dp_send_keepalive(struct dp_peer *peer, const struct dp_time *t)
{
	if (!peer->staged_count)
		stage(peer, NULL, 0);
	dp_send_staged(peer, t);
}

static void send_or_stage(struct dp_peer *peer, uint8_t *pkt, size_t len, const struct dp_time *t)
{
	/* The fast path, when nothing is waiting ahead of this packet. */
	if (!peer->staged_count && send_data(peer, pkt, len, t) == 0) {
		maybe_rekey(peer, t);
		return;
	}
	stage(peer, pkt, len);
	dp_send_staged(peer, t);
}

/*
 * With a session and nothing staged, a segment is cut straight into the datagram buffer and
 * sealed in place there: one copy of the payload instead of two.
 */
static void send_segment(struct dp_peer *peer, const struct offload_split *split, unsigned int i,
			 const struct dp_time *t)
{
	struct dp_device *dev = peer->dev;
	struct noise_keypair *kp = noise_remote_current(&peer->remote);
	size_t len = offload_split_len(split, i), padded = len + noise_padding_len(len, dev->mtu);
	uint8_t *out = NULL, *body;
	enum dp_tx_state *state;
	int ret;

	if (kp && !peer->staged_count && dev->ops->udp_buffer)
		out = dev->ops->udp_buffer(dev->io_arg, padded + MESSAGE_DATA_OVERHEAD, &state);
	if (!out) {
		offload_split_segment(split, i, dev->segment);
		send_or_stage(peer, dev->segment, len, t);
		return;
	}
	body = out + MESSAGE_DATA_HEADER_LEN;
	offload_split_segment(split, i, body);
	memset(body + len, 0, padded - len);
	ret = seal_and_send(peer, kp, out, state, body, padded, true, t);
	if (ret < 0 && !dp_crypto_failed(ret)) {
		/* Expired under our feet: staged like any packet without a session. */
		memcpy(dev->segment, body, len);
		send_or_stage(peer, dev->segment, len, t);
		return;
	}
	if (ret == 0)
		maybe_rekey(peer, t);
}

void dp_device_tun_packet(struct dp_device *dev, uint8_t *pkt, size_t len,
			  const struct dp_offload *off, const struct dp_time *t)
{
	struct allowedips_owner *owner;
	struct offload_split split;
	struct dp_peer *peer;
	union wg_ip dst;
	int family;

	family = ip_packet_dst(pkt, len, &dst);
	/* A large packet from segmentation offload becomes segments of at most the MTU. */
	if (family < 0 || len > (off && off->gso ? DP_MAX_DATAGRAM : DP_MAX_PACKET)) {
		++dev->stats.tx_bad_packet;
		return;
	}
	owner = allowedips_lookup(&dev->aips, family, &dst);
	if (!owner) {
		++dev->stats.tx_no_route;
		return;
	}
	peer = container_of(owner, struct dp_peer, aips);
	if (!peer->has_endpoint) {
		++dev->stats.tx_no_endpoint;
		return;
	}
	if (!off || off->gso == DP_GSO_NONE) {
		if (off && off->needs_csum && offload_complete_csum(pkt, len, off) < 0) {
			++dev->stats.tx_bad_packet;
			return;
		}
		send_or_stage(peer, pkt, len, t);
		return;
	}
	if (offload_split_init(&split, pkt, len, off) < 0) {
		++dev->stats.tx_bad_packet;
		return;
	}
	for (unsigned int i = 0; i < split.count; ++i)
		send_segment(peer, &split, i, t);
}
