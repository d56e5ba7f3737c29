// SPDX-License-Identifier: MIT
/*
 * Wire to tunnel. Every datagram is checked in order of cost: length and type first, then MAC1,
 * then (under load) the cookie and the per-source rate limit, and only then the Diffie-Hellman
 * or AEAD work. A packet that fails any check is counted and dropped without a reply, except
 * that a valid MAC1 under load without a cookie is answered with a cookie reply.
 *
 * Handshake initiations and responses go through a queue between MAC1 and the rest, as in the
 * kernel: on arrival only MAC1 is checked and the message copied in, and
 * dp_device_process_handshakes() works through the queue later. Under load is decided there,
 * from the queue's length, so only messages that passed MAC1 count towards it: junk sent without
 * our public key cannot push legitimate peers onto the cookie path.
 */
#include <endian.h>
#include <errno.h>
#include <string.h>

#include "datapath/device_impl.h"
#include "datapath/ip.h"
#include "util/bytes.h"
#include "util/log.h"
#include "util/mem.h"

static void roam(struct dp_peer *peer, const struct dp_endpoint *from)
{
	peer->endpoint = *from;
	peer->has_endpoint = true;
}

static void traffic_received(struct dp_peer *peer, const struct dp_endpoint *from, size_t len,
			     const struct dp_time *t)
{
	roam(peer, from);
	peer->rx_bytes += len;
	timers_event_any_authenticated_packet_received(&peer->timers, t->now);
	timers_event_any_authenticated_packet_traversal(&peer->timers, t->now);
	dp_note_deadline(peer);
}

static void handshake_done(struct dp_peer *peer, const struct dp_time *t)
{
	timers_event_handshake_complete(&peer->timers, t->now);
	peer->last_handshake = t->wall;
	++peer->dev->stats.handshakes_completed;
	dp_note_deadline(peer);
	log_verbose("peer(%s) - handshake complete", peer->name);
}

/* Judged for each message as it leaves the queue, which still counts it, as the kernel does. */
static bool under_load(struct dp_device *dev, uint64_t now)
{
	if (dev->hs_len >= DP_UNDER_LOAD_QUEUED)
		dev->under_load_until = now + UNDER_LOAD_AFTER_TIME;
	return now < dev->under_load_until;
}

static void cookie_src_of(struct cookie_src *src, const struct dp_endpoint *from)
{
	memset(src, 0, sizeof(*src));
	src->family = from->addr.addr.sa_family;
	if (src->family == AF_INET) {
		src->addr.v4 = from->addr.addr4.sin_addr;
		src->port = from->addr.addr4.sin_port;
	} else {
		src->addr.v6 = from->addr.addr6.sin6_addr;
		src->port = from->addr.addr6.sin6_port;
	}
}

/*
 * MAC1 again (the key may have changed while it was queued), then under load MAC2 and the rate
 * limit. True when the message may be consumed.
 */
static bool handshake_admitted(struct dp_device *dev, const struct dp_endpoint *from,
			       const uint8_t *buf, size_t len, uint32_t sender_index,
			       const struct dp_time *t)
{
	struct message_handshake_cookie *reply = (void *)dev->scratch;
	bool load = under_load(dev, t->now);
	enum cookie_mac_state mac;
	struct cookie_src src;

	cookie_src_of(&src, from);
	mac = cookie_checker_validate(&dev->local.l_cookie, buf, len, &src, load, t->now);
	if (mac == COOKIE_MAC_INVALID) {
		++dev->stats.rx_bad_mac1;
		return false;
	}
	if (!load)
		return true;
	if (mac == COOKIE_MAC_VALID_NO_COOKIE) {
		int ret = cookie_checker_create_reply(&dev->local.l_cookie, reply, buf, len,
						      sender_index, &src, t->now);

		if (ret == 0)
			(void)dev->ops->udp_send(dev->io_arg, from, reply, sizeof(*reply));
		else if (dp_crypto_failed(ret))
			++dev->stats.tx_crypto_failed;
		++dev->stats.rx_cookie_sent;
		return false;
	}
	if (!ratelimiter_allow(&dev->ratelimiter, src.family, &src.addr, t->now)) {
		++dev->stats.rx_ratelimited;
		return false;
	}
	return true;
}

static void count_handshake_error(struct dp_device *dev, int err)
{
	if (dp_crypto_failed(err))
		++dev->stats.rx_crypto_failed;
	else
		++dev->stats.rx_handshake_invalid;
}

/* True when the message got as far as the Diffie-Hellman work. */
static bool initiation(struct dp_device *dev, const struct dp_endpoint *from, uint8_t *buf,
		       const struct dp_time *t)
{
	struct message_handshake_initiation *m = (void *)buf;
	struct message_handshake_response *resp = (void *)dev->scratch;
	struct noise_remote *r = NULL;
	struct dp_peer *peer;
	int ret;

	if (!handshake_admitted(dev, from, buf, sizeof(*m), le32toh(m->sender_index), t))
		return false;
	ret = noise_consume_initiation(&dev->local, m, &r, t->now);
	if (ret < 0) {
		count_handshake_error(dev, ret);
		return true;
	}
	peer = container_of(r, struct dp_peer, remote);
	log_verbose("peer(%s) - received handshake initiation", peer->name);
	traffic_received(peer, from, sizeof(*m), t);
	ret = noise_create_response(r, resp, t->now);
	if (ret < 0) {
		if (dp_crypto_failed(ret))
			++dev->stats.tx_crypto_failed;
		return true;
	}
	cookie_maker_mac(&r->r_cookie, (uint8_t *)resp, sizeof(*resp), t->now);
	if (noise_begin_session(r, t->now) < 0)
		return true;
	timers_event_session_derived(&peer->timers, t->now);
	(void)dp_send_buffer(peer, resp, sizeof(*resp));
	dp_peer_traffic_sent(peer, sizeof(*resp), false, t);
	return true;
}

/* True when the message got as far as the Diffie-Hellman work. */
static bool response(struct dp_device *dev, const struct dp_endpoint *from, uint8_t *buf,
		     const struct dp_time *t)
{
	struct message_handshake_response *m = (void *)buf;
	struct dp_peer *peer;
	int ret;

	if (!handshake_admitted(dev, from, buf, sizeof(*m), le32toh(m->sender_index), t))
		return false;
	peer = dp_index_lookup(dev, le32toh(m->receiver_index));
	if (!peer) {
		++dev->stats.rx_unknown_index;
		return false;
	}
	ret = noise_consume_response(&peer->remote, m, t->now);
	if (ret == 0)
		ret = noise_begin_session(&peer->remote, t->now);
	if (ret < 0) {
		count_handshake_error(dev, ret);
		return true;
	}
	traffic_received(peer, from, sizeof(*m), t);
	timers_event_session_derived(&peer->timers, t->now);
	handshake_done(peer, t);
	/* Confirms the new keys to the responder: staged data, or else an empty packet. */
	dp_send_keepalive(peer, t);
	return true;
}

/* On arrival: MAC1, which needs only our public key to forge, then a copy into the queue. */
static void handshake_queue(struct dp_device *dev, const struct dp_endpoint *from,
			    const uint8_t *buf, size_t len, const struct dp_time *t)
{
	struct dp_handshake *h;
	struct cookie_src src;

	cookie_src_of(&src, from);
	if (cookie_checker_validate(&dev->local.l_cookie, buf, len, &src, false, t->now) ==
	    COOKIE_MAC_INVALID) {
		++dev->stats.rx_bad_mac1;
		return;
	}
	if (dev->hs_len == DP_HANDSHAKE_QUEUE) {
		++dev->stats.rx_handshake_queue_full;
		return;
	}
	h = &dev->handshakes[(dev->hs_head + dev->hs_len++) % DP_HANDSHAKE_QUEUE];
	h->from = *from;
	memcpy(h->msg, buf, len);
}

size_t dp_device_process_handshakes(struct dp_device *dev, size_t budget, const struct dp_time *t)
{
	while (dev->hs_len && budget) {
		struct dp_handshake *h = &dev->handshakes[dev->hs_head];
		bool costly;

		/* A handshake may retire keypairs: what was queued under them is done first. */
		dp_pending_run(dev, t);
		if (get_le32(h->msg) == MESSAGE_HANDSHAKE_INITIATION)
			costly = initiation(dev, &h->from, h->msg, t);
		else
			costly = response(dev, &h->from, h->msg, t);
		if (costly)
			--budget;
		/* Empty, it starts over at the first slot: only a flood touches the rest. */
		dev->hs_head = --dev->hs_len ? (dev->hs_head + 1) % DP_HANDSHAKE_QUEUE : 0;
	}
	return dev->hs_len;
}

size_t dp_device_handshakes_queued(const struct dp_device *dev)
{
	return dev->hs_len;
}

static void cookie_reply(struct dp_device *dev, uint8_t *buf, const struct dp_time *t)
{
	struct message_handshake_cookie *m = (void *)buf;
	struct dp_peer *peer = dp_index_lookup(dev, le32toh(m->receiver_index));
	int ret;

	if (!peer) {
		++dev->stats.rx_unknown_index;
		return;
	}
	ret = cookie_maker_consume_reply(&peer->remote.r_cookie, m, t->now);
	if (dp_crypto_failed(ret))
		++dev->stats.rx_crypto_failed;
	else if (ret < 0)
		++dev->stats.rx_cookie_invalid;
}

static void count_decrypt_error(struct dp_device *dev, int err)
{
	if (err == -ESTALE)
		++dev->stats.rx_replay;
	else if (err == -EKEYEXPIRED)
		++dev->stats.rx_expired;
	else if (dp_crypto_failed(err))
		++dev->stats.rx_crypto_failed;
	else
		++dev->stats.rx_data_invalid;
}

/* After the tag and the window: ret is the plaintext length at plain, or -errno. */
static void data_received(struct dp_device *dev, struct dp_peer *peer, struct noise_keypair *kp,
			  const struct dp_endpoint *from, uint8_t *plain, size_t len, int ret,
			  const struct dp_time *t)
{
	union wg_ip src;
	size_t n;

	if (ret < 0) {
		count_decrypt_error(dev, ret);
		return;
	}
	traffic_received(peer, from, len, t);
	if (noise_remote_received_with_keypair(&peer->remote, kp)) {
		handshake_done(peer, t);
		dp_send_staged(peer, t);
	}
	if (timers_keep_key_fresh_recv(&peer->timers, &peer->remote, t->now))
		dp_send_initiation(peer, t);
	if (ret == 0) {
		++dev->stats.rx_keepalives;
		return;
	}
	n = (size_t)ret;
	ret = ip_packet_src(plain, &n, &src);
	if (ret < 0) {
		++dev->stats.rx_bad_inner;
		return;
	}
	if (allowedips_lookup(&dev->aips, ret, &src) != &peer->aips) {
		++dev->stats.rx_bad_inner_src;
		return;
	}
	timers_event_data_received(&peer->timers, t->now);
	dp_note_deadline(peer);
	++dev->stats.rx_packets;
	(void)dev->ops->tun_write(dev->io_arg, plain, n);
}

static void data(struct dp_device *dev, const struct dp_endpoint *from, uint8_t *buf, size_t len,
		 const struct dp_time *t)
{
	struct message_data *m = (void *)buf;
	uint32_t idx = le32toh(m->key_idx);
	uint8_t *plain = buf + MESSAGE_DATA_HEADER_LEN;
	struct dp_rx_pending *p = dp_rx_job(dev, t);
	struct noise_keypair *kp;
	struct dp_peer *peer;
	int ret;

	peer = dp_index_lookup(dev, idx);
	kp = peer ? noise_remote_keypair_lookup(&peer->remote, idx) : NULL;
	if (!kp) {
		++dev->stats.rx_unknown_index;
		return;
	}
	if (!p) {
		ret = noise_keypair_decrypt(kp, plain, buf, len, t->now);
		data_received(dev, peer, kp, from, plain, len, ret, t);
		return;
	}
	ret = noise_keypair_open_prepare(kp, plain, buf, len, t->now, &p->job);
	if (ret < 0) {
		count_decrypt_error(dev, ret);
		return;
	}
	p->peer = peer;
	p->kp = kp;
	p->index = idx;
	p->len = len;
	p->from = *from;
	dp_rx_job_queued(dev);
}

void dp_receive_finish(struct dp_device *dev, struct dp_rx_pending *p, const struct dp_time *t)
{
	struct dp_peer *peer = dp_index_lookup(dev, p->index);

	/* An earlier packet of the batch may have completed a handshake that retired this keypair.
	 */
	if (peer != p->peer || noise_remote_keypair_lookup(&peer->remote, p->index) != p->kp) {
		++dev->stats.rx_unknown_index;
		return;
	}
	data_received(dev, peer, p->kp, &p->from, p->job.dst, p->len,
		      noise_keypair_open_finish(p->kp, &p->job), t);
}

void dp_device_udp_packet(struct dp_device *dev, const struct dp_endpoint *from, uint8_t *buf,
			  size_t len, const struct dp_time *t)
{
	static const size_t exact_len[] = {
		[MESSAGE_HANDSHAKE_INITIATION] = MESSAGE_INITIATION_LEN,
		[MESSAGE_HANDSHAKE_RESPONSE] = MESSAGE_RESPONSE_LEN,
		[MESSAGE_HANDSHAKE_COOKIE] = MESSAGE_COOKIE_LEN,
	};
	uint32_t type;

	++dev->stats.rx_datagrams;
	if (!dev->up)
		return;
	if (len < MESSAGE_MINIMUM_LENGTH) {
		++dev->stats.rx_short;
		return;
	}
	/* The three reserved bytes must be zero, so the type is compared as a whole word. */
	type = get_le32(buf);
	if (type < MESSAGE_HANDSHAKE_INITIATION || type > MESSAGE_DATA) {
		++dev->stats.rx_bad_type;
		return;
	}
	if ((type != MESSAGE_DATA && len != exact_len[type]) || len > DP_MAX_DATAGRAM) {
		++dev->stats.rx_bad_size;
		return;
	}
	switch (type) {
	case MESSAGE_HANDSHAKE_INITIATION:
	case MESSAGE_HANDSHAKE_RESPONSE:
		handshake_queue(dev, from, buf, len, t);
		break;
	case MESSAGE_HANDSHAKE_COOKIE:
		cookie_reply(dev, buf, t);
		break;
	default:
		data(dev, from, buf, len, t);
	}
}
