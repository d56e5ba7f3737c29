// SPDX-License-Identifier: MIT
/*
 * Configuration in and out. dp_device_apply() is a transaction in two phases: first everything
 * that can fail (table growth, peer and trie-node allocation, the Diffie-Hellman work of a new
 * private key or new peers, rebinding the port), then the changes themselves, which cannot fail.
 * Only the first phase returns errors, so a rejected set leaves the device exactly as it was.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "datapath/device_impl.h"
#include "model/encoding.h"
#include "util/log.h"
#include "util/mem.h"
#include "util/secmem.h"

struct apply_plan {
	struct dp_peer **fresh;
	size_t fresh_count, fresh_used;
	/* A new private key: the identity to switch to, and each current peer's DH under it. */
	bool new_identity;
	struct noise_local local;
	uint8_t (*kept_dh)[NOISE_PUBLIC_KEY_LEN];
	/* The DH of each peer the delta may create, by its position in the delta. */
	uint8_t (*delta_dh)[NOISE_PUBLIC_KEY_LEN];
};

static bool delta_removes_any(const struct wg_device *delta)
{
	const struct wg_peer *p;

	for_each_wgpeer (delta, p) {
		if (p->flags & WGPEER_REMOVE_ME)
			return true;
	}
	return false;
}

/*
 * Whether p may create a peer: together an upper bound of the peers the delta creates; a peer
 * removed and re-added counts as new. replace: the delta removes any peer.
 */
static bool may_create(const struct dp_device *dev, const struct wg_peer *p, bool replace)
{
	if (p->flags & (WGPEER_REMOVE_ME | WGPEER_UPDATE_ONLY))
		return false;
	return replace || !dp_peer_lookup(dev, p->public_key);
}

static size_t count_new_peers(const struct dp_device *dev, const struct wg_device *delta,
			      bool replace)
{
	const struct wg_peer *p;
	size_t n = 0;

	for_each_wgpeer (delta, p)
		n += may_create(dev, p, replace);
	return n;
}

static size_t count_inserts(const struct wg_device *delta)
{
	const struct wg_allowedip *aip;
	const struct wg_peer *p;
	size_t n = 0;

	for_each_wgpeer (delta, p) {
		if (p->flags & WGPEER_REMOVE_ME)
			continue;
		for_each_wgallowedip (p, aip)
			n += !(aip->flags & WGALLOWEDIP_REMOVE_ME);
	}
	return n;
}

static void plan_free(struct apply_plan *plan)
{
	for (size_t i = plan->fresh_used; i < plan->fresh_count; ++i)
		dp_peer_free(plan->fresh[i]);
	free(plan->fresh);
	secmem_free(plan->kept_dh);
	secmem_free(plan->delta_dh);
	memzero_explicit(plan, sizeof(*plan));
}

/* Whether the delta changes our private key, to *key (NULL: none); the same key is no change. */
static bool identity_changes(const struct dp_device *dev, const struct wg_device *delta,
			     const uint8_t **key)
{
	if (!(delta->flags & WGDEVICE_HAS_PRIVATE_KEY))
		return false;
	*key = key_is_zero(delta->private_key) ? NULL : delta->private_key;
	return !*key || !dev->local.l_has_identity ||
	       !ct_memeq(*key, dev->local.l_private, NOISE_PUBLIC_KEY_LEN);
}

/*
 * The X25519 work, which allocates inside the crypto library and so may fail: our new public
 * key, each current peer's DH under a new private key, and each new peer's DH. 0 or -ENOMEM.
 */
static int prepare_dh(struct dp_device *dev, const struct wg_device *delta, bool replace,
		      struct apply_plan *plan)
{
	const struct noise_local *l = &dev->local;
	const struct wg_peer *p;
	const uint8_t *key;
	size_t i = 0;
	int ret;

	if (identity_changes(dev, delta, &key)) {
		plan->new_identity = true;
		plan->local = dev->local;
		ret = noise_local_set_private(&plan->local, key);
		if (ret < 0)
			return ret;
		l = &plan->local;
	}
	if (plan->new_identity && !(delta->flags & WGDEVICE_REPLACE_PEERS) && dev->peer_count) {
		plan->kept_dh = secmem_calloc(dev->peer_count, sizeof(*plan->kept_dh));
		if (!plan->kept_dh)
			return -ENOMEM;
		for (struct dp_peer *q = dev->first_peer; q; q = q->next) {
			ret = noise_static_dh(l, q->remote.r_public, plan->kept_dh[i++]);
			if (ret < 0)
				return ret;
		}
	}
	if (!plan->fresh_count)
		return 0;
	plan->delta_dh = secmem_calloc(model_peer_count(delta), sizeof(*plan->delta_dh));
	if (!plan->delta_dh)
		return -ENOMEM;
	i = 0;
	for_each_wgpeer (delta, p) {
		if (may_create(dev, p, replace) &&
		    (ret = noise_static_dh(l, p->public_key, plan->delta_dh[i])) < 0)
			return ret;
		++i;
	}
	return 0;
}

static int prepare(struct dp_device *dev, const struct wg_device *delta, struct apply_plan *plan,
		   struct strbuf *why)
{
	bool replace = delta->flags & WGDEVICE_REPLACE_PEERS || delta_removes_any(delta);
	size_t fresh = count_new_peers(dev, delta, replace);

	if (dev->peer_count + fresh > MAX_PEERS_PER_DEVICE) {
		if (why)
			strbuf_printf(why, "too many peers: at most %u per device",
				      MAX_PEERS_PER_DEVICE);
		return -ENOSPC;
	}
	if (dp_tables_reserve(dev, dev->peer_count + fresh) < 0 ||
	    allowedips_reserve(&dev->aips, count_inserts(delta)) < 0)
		goto oom;
	plan->fresh = calloc(fresh ? fresh : 1, sizeof(*plan->fresh));
	if (!plan->fresh)
		goto oom;
	for (; plan->fresh_count < fresh; ++plan->fresh_count) {
		plan->fresh[plan->fresh_count] = dp_peer_alloc();
		if (!plan->fresh[plan->fresh_count])
			goto oom;
	}
	if (prepare_dh(dev, delta, replace, plan) < 0)
		goto oom;
	return 0;
oom:
	if (why)
		strbuf_puts(why, "out of memory");
	return -ENOMEM;
}

static int rebind(struct dp_device *dev, const struct wg_device *delta, struct strbuf *why)
{
	bool new_port = delta->flags & WGDEVICE_HAS_LISTEN_PORT;
	uint16_t port = new_port ? delta->listen_port : dev->listen_port;
	uint32_t fwmark = delta->flags & WGDEVICE_HAS_FWMARK ? delta->fwmark : dev->fwmark;
	uint16_t bound = dev->bound_port;
	int ret = 0;

	/* Like the kernel, port 0 asked again while bound to a random port picks a new one. */
	if (dev->opened && new_port && port != bound)
		ret = dev->ops->udp_bind(dev->io_arg, port, fwmark, &bound);
	else if (dev->opened && fwmark != dev->fwmark)
		ret = dev->ops->udp_bind(dev->io_arg, bound, fwmark, &bound);
	if (ret < 0) {
		if (why)
			strbuf_printf(why, "cannot listen on port %u with fwmark 0x%x: %s", port,
				      fwmark, strerror(-ret));
		return ret;
	}
	/* New sockets may route differently: forget the source addresses learned on the old ones.
	 */
	if (bound != dev->bound_port || fwmark != dev->fwmark) {
		for (struct dp_peer *p = dev->first_peer; p; p = p->next)
			p->endpoint.has_src = false;
	}
	dev->listen_port = port;
	dev->bound_port = bound;
	dev->fwmark = fwmark;
	return 0;
}

/* The identity and the peers' DH that prepare_dh() computed. */
static void set_private_key(struct dp_device *dev, const struct apply_plan *plan,
			    const struct dp_time *t)
{
	bool first_identity = !dev->local.l_has_identity;
	struct dp_peer *p, *next;
	size_t i = 0;

	if (!plan->new_identity)
		return;
	dev->local = plan->local;
	/* A peer with our own new public key would be talking to itself: the kernel drops it too.
	 */
	for (p = dev->first_peer; p; p = next, ++i) {
		next = p->next;
		if (dev->local.l_has_identity &&
		    !memcmp(p->remote.r_public, dev->local.l_public, NOISE_PUBLIC_KEY_LEN)) {
			dp_peer_remove(p);
			continue;
		}
		noise_remote_set_static_dh(&p->remote, plan->kept_dh[i]);
		/* As the kernel: old keys stop, and a handshake under the new one may start at
		 * once. */
		noise_remote_handshake_clear(&p->remote);
		noise_remote_expire_current(&p->remote);
		timers_allow_initiation(&p->timers);
		/* Packets staged while we had no key can go now: this starts their handshake. */
		if (first_identity && dev->local.l_has_identity && p->staged_count)
			dp_send_staged(p, t);
	}
}

static void apply_allowedips(struct dp_device *dev, struct dp_peer *peer, const struct wg_peer *src)
{
	const struct wg_allowedip *aip;

	if (src->flags & WGPEER_REPLACE_ALLOWEDIPS)
		allowedips_remove_by_owner(&dev->aips, &peer->aips);
	for_each_wgallowedip (src, aip) {
		/* Removing a prefix the peer does not own is not an error, as in wireguard-go. */
		if (aip->flags & WGALLOWEDIP_REMOVE_ME)
			(void)allowedips_remove(&dev->aips, aip->family, &aip->ip6, aip->cidr,
						&peer->aips);
		else
			(void)allowedips_insert(&dev->aips, aip->family, &aip->ip6, aip->cidr,
						&peer->aips);
	}
}

static void apply_keepalive(struct dp_peer *peer, uint16_t interval, const struct dp_time *t)
{
	uint16_t old = peer->persistent_keepalive;

	peer->persistent_keepalive = interval;
	/* A link that is down sends nothing; coming up sends the first keepalive instead. */
	if (!peer->dev->up)
		peer->timers.t_persistent_keepalive_interval = interval;
	else if (!interval || !old)
		timers_event_persistent_keepalive_set(&peer->timers, interval, t->now);
	else
		peer->timers.t_persistent_keepalive_interval = interval;
	dp_note_deadline(peer);
}

/* src is the delta's i-th peer. */
static void apply_peer(struct dp_device *dev, const struct wg_peer *src, size_t i,
		       struct apply_plan *plan, const struct dp_time *t)
{
	struct dp_peer *peer = dp_peer_lookup(dev, src->public_key);

	if (src->flags & WGPEER_REMOVE_ME) {
		if (peer)
			dp_peer_remove(peer);
		return;
	}
	if (!peer) {
		if (src->flags & WGPEER_UPDATE_ONLY || plan->fresh_used == plan->fresh_count)
			return;
		peer = plan->fresh[plan->fresh_used];
		/* Our own public key as a peer is ignored, as wg and wireguard-go ignore it. */
		if (dp_peer_init(dev, peer, src->public_key) < 0) {
			memzero_explicit(peer, sizeof(*peer));
			return;
		}
		/* A peer is only created where may_create() said it might, so this was computed. */
		noise_remote_set_static_dh(&peer->remote, plan->delta_dh[i]);
		++plan->fresh_used;
		dp_peer_link(dev, peer);
		log_verbose("peer(%s) - created", peer->name);
	}
	if (src->flags & WGPEER_HAS_PRESHARED_KEY)
		noise_remote_set_psk(&peer->remote,
				     key_is_zero(src->preshared_key) ? NULL : src->preshared_key);
	if (src->flags & WGPEER_HAS_ENDPOINT &&
	    (src->endpoint.addr.sa_family == AF_INET || src->endpoint.addr.sa_family == AF_INET6)) {
		memset(&peer->endpoint, 0, sizeof(peer->endpoint));
		peer->endpoint.addr = src->endpoint;
		peer->has_endpoint = true;
	}
	apply_allowedips(dev, peer, src);
	if (src->flags & WGPEER_HAS_PERSISTENT_KEEPALIVE_INTERVAL)
		apply_keepalive(peer, src->persistent_keepalive_interval, t);
}

int dp_device_apply(struct dp_device *dev, const struct wg_device *delta, const struct dp_time *t,
		    struct strbuf *why)
{
	struct apply_plan plan = { 0 };
	const struct wg_peer *p;
	size_t i = 0;
	int ret;

	dp_pending_run(dev, t);
	ret = prepare(dev, delta, &plan, why);
	if (ret == 0)
		ret = rebind(dev, delta, why);
	if (ret < 0) {
		allowedips_unreserve(&dev->aips);
		plan_free(&plan);
		return ret;
	}
	if (delta->flags & WGDEVICE_REPLACE_PEERS) {
		while (dev->first_peer)
			dp_peer_remove(dev->first_peer);
	}
	set_private_key(dev, &plan, t);
	for_each_wgpeer (delta, p)
		apply_peer(dev, p, i++, &plan, t);
	allowedips_unreserve(&dev->aips);
	plan_free(&plan);
	return 0;
}

static bool export_peer(struct wg_peer *out, const struct dp_peer *peer)
{
	const struct allowedips_node *n;
	struct wg_allowedip *aip;

	out->flags = WGPEER_HAS_PUBLIC_KEY | WGPEER_HAS_PERSISTENT_KEEPALIVE_INTERVAL;
	memcpy(out->public_key, peer->remote.r_public, WG_KEY_LEN);
	if (!key_is_zero(peer->remote.r_psk)) {
		memcpy(out->preshared_key, peer->remote.r_psk, WG_KEY_LEN);
		out->flags |= WGPEER_HAS_PRESHARED_KEY;
	}
	if (peer->has_endpoint) {
		out->endpoint = peer->endpoint.addr;
		out->flags |= WGPEER_HAS_ENDPOINT;
	}
	out->last_handshake_time.tv_sec = peer->last_handshake.tv_sec;
	out->last_handshake_time.tv_nsec = peer->last_handshake.tv_nsec;
	out->rx_bytes = peer->rx_bytes;
	out->tx_bytes = peer->tx_bytes;
	out->persistent_keepalive_interval = peer->persistent_keepalive;
	allowedips_for_each(n, &peer->aips)
	{
		aip = model_allowedip_new(out);
		if (!aip)
			return false;
		aip->family = (uint16_t)allowedips_node_read(n, &aip->ip6, &aip->cidr);
	}
	return true;
}

struct wg_device *dp_device_export(const struct dp_device *dev)
{
	struct wg_device *out = model_device_new();
	const struct dp_peer *p;
	struct wg_peer *peer;

	if (!out)
		return NULL;
	if (dev->local.l_has_identity) {
		memcpy(out->private_key, dev->local.l_private, WG_KEY_LEN);
		memcpy(out->public_key, dev->local.l_public, WG_KEY_LEN);
		out->flags |= WGDEVICE_HAS_PRIVATE_KEY | WGDEVICE_HAS_PUBLIC_KEY;
	}
	out->listen_port = dev->opened ? dev->bound_port : dev->listen_port;
	out->fwmark = dev->fwmark;
	out->flags |= WGDEVICE_HAS_LISTEN_PORT | WGDEVICE_HAS_FWMARK;
	for (p = dev->first_peer; p; p = p->next) {
		peer = model_peer_new(out);
		if (!peer || !export_peer(peer, p)) {
			model_device_free(out);
			return NULL;
		}
	}
	return out;
}
