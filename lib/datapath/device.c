// SPDX-License-Identifier: MIT
/*
 * Device lifetime, the peer and index tables, and timers. Both tables are chained hash tables
 * keyed with SipHash under a random key; they only grow, and only when the configuration adds
 * peers, so that the packet path never allocates: each peer carries its own index entries.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "datapath/device_impl.h"
#include "model/encoding.h"
#include "util/log.h"
#include "util/mem.h"
#include "util/secmem.h"

static size_t bucket_of(const struct dp_device *dev, const void *key, size_t len, size_t mask)
{
	return (size_t)siphash(key, len, &dev->hash_key) & mask;
}

struct dp_peer *dp_peer_lookup(const struct dp_device *dev, const uint8_t key[NOISE_PUBLIC_KEY_LEN])
{
	struct dp_peer *p;

	if (!dev->peer_buckets)
		return NULL;
	for (p = dev->peer_buckets[bucket_of(dev, key, NOISE_PUBLIC_KEY_LEN, dev->peer_mask)]; p;
	     p = p->hash_next) {
		if (!memcmp(p->remote.r_public, key, NOISE_PUBLIC_KEY_LEN))
			return p;
	}
	return NULL;
}

/*
 * Indices are drawn from the CSPRNG, so their low bits already spread them and a sender cannot
 * aim at a bucket it has not been given; the kernel indexes the same way. Every transport data
 * message looks one up (docs/bench.md#index-buckets).
 */
static size_t index_bucket(uint32_t index, size_t mask)
{
	return index & mask;
}

static struct dp_index **index_slot(const struct dp_device *dev, uint32_t index)
{
	return &dev->index_buckets[index_bucket(index, dev->index_mask)];
}

struct dp_peer *dp_index_lookup(const struct dp_device *dev, uint32_t index)
{
	struct dp_index *e;

	if (!dev->index_buckets)
		return NULL;
	for (e = *index_slot(dev, index); e; e = e->next) {
		if (e->index == index)
			return e->peer;
	}
	return NULL;
}

static size_t table_size(size_t entries)
{
	size_t n = 64;

	while (n < entries)
		n <<= 1;
	return n;
}

/* Grow both tables for `peers` peers; on failure the old tables stay as they were. */
int dp_tables_reserve(struct dp_device *dev, size_t peers)
{
	size_t pn = table_size(peers), in = table_size(peers * DP_PEER_INDICES);
	struct dp_peer **pb = NULL;
	struct dp_index **ib = NULL;
	struct dp_index *e, *next;
	struct dp_peer *p;

	if (dev->peer_buckets && pn <= dev->peer_mask + 1 && in <= dev->index_mask + 1)
		return 0;
	pb = calloc(pn, sizeof(*pb));
	ib = calloc(in, sizeof(*ib));
	if (!pb || !ib) {
		free(pb);
		free(ib);
		return -ENOMEM;
	}
	for (p = dev->first_peer; p; p = p->next) {
		size_t b = bucket_of(dev, p->remote.r_public, NOISE_PUBLIC_KEY_LEN, pn - 1);

		p->hash_next = pb[b];
		pb[b] = p;
	}
	for (size_t i = 0; dev->index_buckets && i <= dev->index_mask; ++i) {
		for (e = dev->index_buckets[i]; e; e = next) {
			size_t b = index_bucket(e->index, in - 1);

			next = e->next;
			e->next = ib[b];
			ib[b] = e;
		}
	}
	free(dev->peer_buckets);
	free(dev->index_buckets);
	dev->peer_buckets = pb;
	dev->peer_mask = pn - 1;
	dev->index_buckets = ib;
	dev->index_mask = in - 1;
	return 0;
}

static struct noise_remote *upcall_remote_get(void *arg, const uint8_t key[NOISE_PUBLIC_KEY_LEN])
{
	struct dp_peer *p = dp_peer_lookup(arg, key);

	return p ? &p->remote : NULL;
}

static int upcall_index_set(void *arg, struct noise_remote *r, uint32_t *index)
{
	struct dp_peer *peer = container_of(r, struct dp_peer, remote);
	struct dp_device *dev = arg;
	struct dp_index *e = NULL, **slot;
	uint32_t idx;

	for (size_t i = 0; i < DP_PEER_INDICES && !e; ++i) {
		if (!peer->indices[i].used)
			e = &peer->indices[i];
	}
	if (!e)
		return -ENOSPC;
	do {
		if (crypto_random(&idx, sizeof(idx)) < 0)
			return -EIO;
	} while (dp_index_lookup(dev, idx));
	slot = index_slot(dev, idx);
	e->index = idx;
	e->peer = peer;
	e->used = true;
	e->next = *slot;
	*slot = e;
	*index = idx;
	return 0;
}

static void upcall_index_drop(void *arg, uint32_t index)
{
	struct dp_index **pe;

	for (pe = index_slot(arg, index); *pe; pe = &(*pe)->next) {
		if ((*pe)->index == index) {
			(*pe)->used = false;
			*pe = (*pe)->next;
			return;
		}
	}
}

struct dp_device *dp_device_new(const struct dp_io_ops *ops, void *io_arg)
{
	const struct noise_upcall upcall = {
		.u_remote_get = upcall_remote_get,
		.u_index_set = upcall_index_set,
		.u_index_drop = upcall_index_drop,
	};
	uint8_t keys[SIPHASH_KEY_SIZE + RATELIMITER_KEY_SIZE];
	struct dp_device *dev = secmem_alloc(sizeof(*dev));
	struct noise_upcall u = upcall;

	if (!dev)
		return NULL;
	if (crypto_random(keys, sizeof(keys)) < 0)
		goto err;
	siphash_key_init(&dev->hash_key, keys);
	if (ratelimiter_init(&dev->ratelimiter, DP_RATELIMITER_ENTRIES, keys + SIPHASH_KEY_SIZE) <
	    0)
		goto err;
	memzero_explicit(keys, sizeof(keys));
	dev->segment = malloc(2 * DP_BUFFER_SIZE);
	/* Not locked memory (secmem): that would make all of it resident. */
	dev->handshakes = malloc(DP_HANDSHAKE_QUEUE * sizeof(*dev->handshakes));
	if (!dev->segment || !dev->handshakes || dp_tables_reserve(dev, 1) < 0) {
		ratelimiter_uninit(&dev->ratelimiter);
		goto err;
	}
	dev->tx_scratch = dev->segment + DP_BUFFER_SIZE;
	dev->ops = ops;
	dev->io_arg = io_arg;
	if (dp_pending_init(dev) < 0) {
		ratelimiter_uninit(&dev->ratelimiter);
		goto err;
	}
	dev->mtu = DP_DEFAULT_MTU;
	dev->up = true;
	u.u_arg = dev;
	noise_local_init(&dev->local, &u, NULL);
	allowedips_init(&dev->aips);
	return dev;
err:
	memzero_explicit(keys, sizeof(keys));
	free(dev->handshakes);
	free(dev->segment);
	secmem_free(dev);
	return NULL;
}

void dp_device_free(struct dp_device *dev)
{
	if (!dev)
		return;
	while (dev->first_peer)
		dp_peer_remove(dev->first_peer);
	allowedips_free(&dev->aips);
	ratelimiter_uninit(&dev->ratelimiter);
	noise_local_clear(&dev->local);
	dp_pending_free(dev);
	free(dev->peer_buckets);
	free(dev->index_buckets);
	/* Plaintext passed through it. */
	memzero_explicit(dev->segment, 2 * DP_BUFFER_SIZE);
	free(dev->segment);
	free(dev->handshakes);
	secmem_free(dev);
}

int dp_device_open(struct dp_device *dev)
{
	uint16_t bound = 0;
	int ret = dev->ops->udp_bind(dev->io_arg, dev->listen_port, dev->fwmark, &bound);

	if (ret < 0)
		return ret;
	dev->bound_port = bound;
	dev->opened = true;
	return 0;
}

void dp_device_set_mtu(struct dp_device *dev, unsigned int mtu)
{
	dev->mtu = mtu;
}

static void peer_down(struct dp_peer *peer)
{
	dp_staged_clear(peer);
	timers_stop(&peer->timers);
	noise_remote_clear(&peer->remote);
	/* As the kernel's wg_stop: back up, a handshake may start at once, not REKEY_TIMEOUT on. */
	timers_allow_initiation(&peer->timers);
}

void dp_device_set_up(struct dp_device *dev, bool up, const struct dp_time *t)
{
	struct dp_peer *p;

	dp_pending_run(dev, t);
	if (up == dev->up)
		return;
	dev->up = up;
	/* What waited is dropped, as what arrives while down is. */
	dev->hs_head = dev->hs_len = 0;
	for (p = dev->first_peer; p; p = p->next) {
		if (!up)
			peer_down(p);
		else if (p->persistent_keepalive)
			dp_send_keepalive(p, t);
	}
}

/* Peers and the device hold keys: locked pages, out of core dumps, wiped when freed. */
/*
 * Peers come from one locked slab pool for the process: a peer is about 4.2 KiB, and a mapping of
 * its own rounded it up to two locked pages (docs/scale.md).
 */
static struct secmem_pool peer_pool = SECMEM_POOL_INIT(sizeof(struct dp_peer));

struct dp_peer *dp_peer_alloc(void)
{
	return secmem_pool_alloc(&peer_pool);
}

void dp_peer_free(struct dp_peer *peer)
{
	secmem_pool_free(&peer_pool, peer);
}

int dp_peer_init(struct dp_device *dev, struct dp_peer *peer,
		 const uint8_t key[NOISE_PUBLIC_KEY_LEN])
{
	char b64[WG_KEY_LEN_BASE64];

	if (noise_remote_init(&peer->remote, &dev->local, key) < 0)
		return -EINVAL;
	peer->dev = dev;
	timers_init(&peer->timers, NULL);
	allowedips_owner_init(&peer->aips);
	key_to_base64(b64, key);
	snprintf(peer->name, sizeof(peer->name), "%.4s...%.4s", b64, b64 + 39);
	return 0;
}

/* The tables must have room (dp_tables_reserve) before a peer is linked in. */
void dp_peer_link(struct dp_device *dev, struct dp_peer *peer)
{
	size_t b = bucket_of(dev, peer->remote.r_public, NOISE_PUBLIC_KEY_LEN, dev->peer_mask);

	peer->hash_next = dev->peer_buckets[b];
	dev->peer_buckets[b] = peer;
	peer->prev = dev->last_peer;
	peer->next = NULL;
	if (dev->last_peer)
		dev->last_peer->next = peer;
	else
		dev->first_peer = peer;
	dev->last_peer = peer;
	++dev->peer_count;
}

void dp_peer_remove(struct dp_peer *peer)
{
	struct dp_device *dev = peer->dev;
	struct dp_peer **pp;

	log_verbose("peer(%s) - removed", peer->name);
	peer_down(peer);
	allowedips_remove_by_owner(&dev->aips, &peer->aips);
	for (pp = &dev->peer_buckets[bucket_of(dev, peer->remote.r_public, NOISE_PUBLIC_KEY_LEN,
					       dev->peer_mask)];
	     *pp; pp = &(*pp)->hash_next) {
		if (*pp == peer) {
			*pp = peer->hash_next;
			break;
		}
	}
	if (peer->prev)
		peer->prev->next = peer->next;
	else
		dev->first_peer = peer->next;
	if (peer->next)
		peer->next->prev = peer->prev;
	else
		dev->last_peer = peer->prev;
	--dev->peer_count;
	dp_peer_free(peer);
}

void dp_note_deadline(struct dp_peer *peer)
{
	struct dp_device *dev = peer->dev;
	uint64_t d = timers_next_deadline(&peer->timers);

	if (d && (!dev->next_deadline || d < dev->next_deadline))
		dev->next_deadline = d;
}

static void peer_timers(struct dp_peer *peer, const struct dp_time *t)
{
	unsigned int actions = timers_tick(&peer->timers, t->now);

	if (actions & TIMERS_CLEAR_ENDPOINT_SRC)
		peer->endpoint.has_src = false;
	if (actions & TIMERS_CLEAR_STAGED_PACKETS) {
		log_verbose("peer(%s) - handshake did not complete after %u attempts, giving up",
			    peer->name, (unsigned int)MAX_TIMER_HANDSHAKES + 2);
		peer->dev->stats.tx_staged_dropped += peer->staged_count;
		dp_staged_clear(peer);
	}
	if (actions & TIMERS_ZERO_KEYS) {
		log_verbose("peer(%s) - zeroing keys: no new session for %llu s", peer->name,
			    (unsigned long long)(KEY_ZEROING_TIME / NSEC_PER_SEC));
		noise_remote_clear(&peer->remote);
	}
	if (actions & TIMERS_SEND_HANDSHAKE_INITIATION)
		dp_send_initiation(peer, t);
	if (actions & TIMERS_SEND_KEEPALIVE)
		dp_send_keepalive(peer, t);
}

uint64_t dp_device_tick(struct dp_device *dev, const struct dp_time *t)
{
	struct dp_peer *p, *next;
	uint64_t d;

	/* A caller that forgot: peers and keys must not change under deferred packets. */
	dp_pending_run(dev, t);
	if (t->now >= dev->next_housekeeping) {
		ratelimiter_gc(&dev->ratelimiter, t->now);
		dev->next_housekeeping = t->now + DP_HOUSEKEEPING_INTERVAL;
	}
	if (!dev->next_deadline || t->now < dev->next_deadline)
		goto out;
	dev->next_deadline = 0;
	for (p = dev->first_peer; p; p = next) {
		next = p->next;
		d = timers_next_deadline(&p->timers);
		if (d && d <= t->now)
			peer_timers(p, t);
		dp_note_deadline(p);
	}
out:
	if (!dev->next_deadline || dev->next_housekeeping < dev->next_deadline)
		return dev->next_housekeeping;
	return dev->next_deadline;
}

const struct dp_stats *dp_device_stats(const struct dp_device *dev)
{
	return &dev->stats;
}

void dp_device_format_stats(const struct dp_device *dev, struct strbuf *out)
{
#define DP_STATS_LINE(name) strbuf_printf(out, #name "=%" PRIu64 "\n", dev->stats.name);
	DP_STATS(DP_STATS_LINE)
#undef DP_STATS_LINE
	strbuf_printf(out, "x25519_operations=%" PRIu64 "\n", curve25519_operations());
}
