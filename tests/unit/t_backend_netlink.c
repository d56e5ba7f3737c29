// SPDX-License-Identifier: MIT
/*
 * The kernel backend's messages without a kernel: SET requests are cut into fragments and read
 * back by a model of what drivers/net/wireguard/netlink.c does with them (features.md §4);
 * GET dumps are produced the way the kernel splits a peer across messages and must coalesce.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include "backend/netlink_msg.h"
#include "util/mem.h"
#include "prng.h"
#include "tap.h"

#define FAMILY     0x1d
#define BIG_AIPS   130560
#define MANY_PEERS 1000

static void add_v4(struct wg_peer *peer, uint32_t addr, uint8_t cidr)
{
	struct wg_allowedip *aip = model_allowedip_new(peer);

	aip->family = AF_INET;
	aip->cidr = cidr;
	aip->ip4.s_addr = htonl(addr);
}

static void add_v6(struct wg_peer *peer, uint16_t w1, uint16_t w2, uint8_t cidr)
{
	struct wg_allowedip *aip = model_allowedip_new(peer);

	aip->family = AF_INET6;
	aip->cidr = cidr;
	aip->ip6.s6_addr[0] = 0xfd;
	aip->ip6.s6_addr[2] = (uint8_t)(w1 >> 8);
	aip->ip6.s6_addr[3] = (uint8_t)w1;
	aip->ip6.s6_addr[14] = (uint8_t)(w2 >> 8);
	aip->ip6.s6_addr[15] = (uint8_t)w2;
}

static void set_v4_endpoint(struct wg_peer *peer, uint32_t addr, uint16_t port)
{
	peer->endpoint.addr4.sin_family = AF_INET;
	peer->endpoint.addr4.sin_addr.s_addr = htonl(addr);
	peer->endpoint.addr4.sin_port = htons(port);
	peer->flags |= WGPEER_HAS_ENDPOINT;
}

static void set_v6_endpoint(struct wg_peer *peer, uint16_t tail, uint16_t port)
{
	peer->endpoint.addr6.sin6_family = AF_INET6;
	inet_pton(AF_INET6, "2001:db8::", &peer->endpoint.addr6.sin6_addr);
	peer->endpoint.addr6.sin6_addr.s6_addr[14] = (uint8_t)(tail >> 8);
	peer->endpoint.addr6.sin6_addr.s6_addr[15] = (uint8_t)tail;
	peer->endpoint.addr6.sin6_port = htons(port);
	peer->flags |= WGPEER_HAS_ENDPOINT;
}

static struct wg_peer *new_peer(struct wg_device *dev)
{
	struct wg_peer *peer = model_peer_new(dev);

	rnd_bytes(peer->public_key, WG_KEY_LEN);
	peer->flags = WGPEER_HAS_PUBLIC_KEY;
	return peer;
}

/* setconf of a big file: the device, one peer with 130,560 prefixes and 1,000 small peers. */
static struct wg_device *big_delta(void)
{
	struct wg_device *dev = model_device_new();
	struct wg_peer *peer;

	rnd_bytes(dev->private_key, WG_KEY_LEN);
	dev->listen_port = 51820;
	dev->fwmark = 0xca6c;
	dev->flags = WGDEVICE_REPLACE_PEERS | WGDEVICE_HAS_PRIVATE_KEY | WGDEVICE_HAS_LISTEN_PORT |
		     WGDEVICE_HAS_FWMARK;

	peer = new_peer(dev);
	peer->flags |= WGPEER_REPLACE_ALLOWEDIPS | WGPEER_HAS_PRESHARED_KEY |
		       WGPEER_HAS_PERSISTENT_KEEPALIVE_INTERVAL;
	rnd_bytes(peer->preshared_key, WG_KEY_LEN);
	peer->persistent_keepalive_interval = 25;
	set_v4_endpoint(peer, 0xc0000201, 51820);
	for (uint32_t i = 0; i < BIG_AIPS / 2; ++i)
		add_v4(peer, 0x0a000000 | i << 8, 24);
	for (uint32_t i = 0; i < BIG_AIPS / 2; ++i)
		add_v6(peer, (uint16_t)i, (uint16_t)(i * 7), 64);

	for (uint32_t p = 0; p < MANY_PEERS; ++p) {
		peer = new_peer(dev);
		peer->flags |= WGPEER_REPLACE_ALLOWEDIPS;
		if (p % 2 == 0) {
			peer->flags |= WGPEER_HAS_PRESHARED_KEY;
			rnd_bytes(peer->preshared_key, WG_KEY_LEN);
		}
		if (p % 3 == 0)
			set_v4_endpoint(peer, 0xc6336400 + p, (uint16_t)(10000 + p));
		else if (p % 3 == 1)
			set_v6_endpoint(peer, (uint16_t)p, (uint16_t)(20000 + p));
		if (p % 5 == 0) {
			peer->flags |= WGPEER_HAS_PERSISTENT_KEEPALIVE_INTERVAL;
			peer->persistent_keepalive_interval = (uint16_t)(p % 60 + 1);
		}
		add_v4(peer, 0xac100000 | p, 32);
		add_v6(peer, 0xffff, (uint16_t)p, 128);
	}
	return dev;
}

/* ---- a model of the kernel's wg_set_device ------------------------------------------------ */

struct sim {
	struct wg_device *dev;
	unsigned int messages;
	size_t max_len;
	const char *violation; /* the first fragmenting rule broken, if any */
	uint8_t last_key[WG_KEY_LEN];
	bool have_last;
};

static void violate(struct sim *s, const char *what)
{
	if (!s->violation)
		s->violation = what;
}

static void remove_peer(struct wg_device *dev, struct wg_peer *peer)
{
	struct wg_peer **pp, *prev = NULL;

	for (pp = &dev->first_peer; *pp; prev = *pp, pp = &(*pp)->next_peer) {
		if (*pp == peer) {
			*pp = peer->next_peer;
			if (dev->last_peer == peer)
				dev->last_peer = prev;
			model_peer_free(peer);
			return;
		}
	}
}

static void remove_aip(struct wg_peer *peer, const struct wg_allowedip *want)
{
	struct wg_allowedip **pp, *prev = NULL;

	for (pp = &peer->first_allowedip; *pp; prev = *pp, pp = &(*pp)->next_allowedip) {
		struct wg_allowedip *a = *pp;

		if (a->family == want->family && a->cidr == want->cidr &&
		    !memcmp(&a->ip6, &want->ip6, 16)) {
			*pp = a->next_allowedip;
			if (peer->last_allowedip == a)
				peer->last_allowedip = prev;
			free(a);
			return;
		}
	}
}

static void sim_aip(struct sim *s, struct wg_peer *peer, const struct nlattr *nest)
{
	struct wg_allowedip tmp = { 0 }, *aip;
	const struct nlattr *a;
	uint32_t flags = 0;

	for (a = netlink_nest_next(nest, NULL); a; a = netlink_nest_next(nest, a)) {
		switch (mnl_attr_get_type(a)) {
		case WGNL_ALLOWEDIP_A_FAMILY:
			tmp.family = mnl_attr_get_u16(a);
			break;
		case WGNL_ALLOWEDIP_A_IPADDR:
			memcpy(&tmp.ip6, mnl_attr_get_payload(a), mnl_attr_get_payload_len(a));
			break;
		case WGNL_ALLOWEDIP_A_CIDR_MASK:
			tmp.cidr = mnl_attr_get_u8(a);
			break;
		case WGNL_ALLOWEDIP_A_FLAGS:
			flags = mnl_attr_get_u32(a);
			if (!flags)
				violate(s, "allowed-ip FLAGS sent without a flag");
			break;
		default:
			violate(s, "unknown allowed-ip attribute");
		}
	}
	if (!peer)
		return;
	if (flags & WGNL_ALLOWEDIP_F_REMOVE_ME) {
		remove_aip(peer, &tmp);
		return;
	}
	aip = model_allowedip_new(peer);
	aip->family = tmp.family;
	aip->cidr = tmp.cidr;
	aip->ip6 = tmp.ip6;
}

static void sim_peer(struct sim *s, const struct nlattr *nest, bool first_in_message)
{
	const struct nlattr *a, *aips = NULL, *psk = NULL, *ep = NULL, *ka = NULL;
	uint8_t key[WG_KEY_LEN];
	struct wg_peer *peer;
	bool have_key = false, continuation;
	uint32_t flags = 0;

	for (a = netlink_nest_next(nest, NULL); a; a = netlink_nest_next(nest, a)) {
		switch (mnl_attr_get_type(a)) {
		case WGNL_PEER_A_PUBLIC_KEY:
			memcpy(key, mnl_attr_get_payload(a), WG_KEY_LEN);
			have_key = true;
			break;
		case WGNL_PEER_A_FLAGS:
			flags = mnl_attr_get_u32(a);
			break;
		case WGNL_PEER_A_PRESHARED_KEY:
			psk = a;
			break;
		case WGNL_PEER_A_ENDPOINT:
			ep = a;
			break;
		case WGNL_PEER_A_PERSISTENT_KEEPALIVE_INTERVAL:
			ka = a;
			break;
		case WGNL_PEER_A_ALLOWEDIPS:
			aips = a;
			break;
		default:
			violate(s, "unknown peer attribute");
		}
	}
	if (!have_key) {
		violate(s, "peer without a public key");
		return;
	}
	/* A repeated key must be the previous message's last peer, continued. */
	continuation = s->have_last && !memcmp(key, s->last_key, WG_KEY_LEN);
	if (continuation && !first_in_message)
		violate(s, "same peer twice in one message");
	if (continuation && (psk || ep || ka || (flags & ~WGNL_PEER_F_UPDATE_ONLY)))
		violate(s, "continuation repeats more than the key, UPDATE_ONLY and allowed IPs");
	if (continuation && !aips)
		violate(s, "empty continuation");
	memcpy(s->last_key, key, WG_KEY_LEN);
	s->have_last = true;

	peer = model_find_peer(s->dev, key);
	if (flags & WGNL_PEER_F_REMOVE_ME) {
		if (aips)
			violate(s, "allowed IPs sent for a removed peer");
		if (peer)
			remove_peer(s->dev, peer);
		return;
	}
	if (!peer && !(flags & WGNL_PEER_F_UPDATE_ONLY)) {
		peer = model_peer_new(s->dev);
		memcpy(peer->public_key, key, WG_KEY_LEN);
		peer->flags = WGPEER_HAS_PUBLIC_KEY;
	}
	if (peer && psk) {
		memcpy(peer->preshared_key, mnl_attr_get_payload(psk), WG_KEY_LEN);
		peer->flags |= WGPEER_HAS_PRESHARED_KEY;
	}
	if (peer && ep) {
		memcpy(&peer->endpoint, mnl_attr_get_payload(ep), mnl_attr_get_payload_len(ep));
		peer->flags |= WGPEER_HAS_ENDPOINT;
	}
	if (peer && ka) {
		peer->persistent_keepalive_interval = mnl_attr_get_u16(ka);
		peer->flags |= WGPEER_HAS_PERSISTENT_KEEPALIVE_INTERVAL;
	}
	if (peer && (flags & WGNL_PEER_F_REPLACE_ALLOWEDIPS))
		model_peer_free_allowedips(peer);
	if (aips) {
		for (a = netlink_nest_next(aips, NULL); a; a = netlink_nest_next(aips, a))
			sim_aip(s, peer, a);
	}
}

static void sim_message(struct sim *s, const void *buf, int len, const char *ifname)
{
	const struct nlmsghdr *nlh = buf;
	const struct genlmsghdr *genl = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *a, *p;
	bool first = s->messages++ == 0, have_name = false, first_peer = true;

	if (!mnl_nlmsg_ok(nlh, len) || (int)nlh->nlmsg_len != len)
		return violate(s, "malformed message");
	if ((size_t)len > s->max_len)
		violate(s, "message longer than its buffer");
	if (nlh->nlmsg_type != FAMILY || nlh->nlmsg_flags != (NLM_F_REQUEST | NLM_F_ACK) ||
	    genl->cmd != WGNL_CMD_SET_DEVICE || genl->version != 1)
		violate(s, "header");
	for (a = netlink_msg_next(nlh, sizeof(*genl), NULL); a;
	     a = netlink_msg_next(nlh, sizeof(*genl), a)) {
		switch (mnl_attr_get_type(a)) {
		case WGNL_DEVICE_A_IFNAME:
			have_name = !strcmp(mnl_attr_get_str(a), ifname);
			break;
		case WGNL_DEVICE_A_PRIVATE_KEY:
		case WGNL_DEVICE_A_LISTEN_PORT:
		case WGNL_DEVICE_A_FWMARK:
		case WGNL_DEVICE_A_FLAGS:
			if (!first)
				violate(s, "device attribute after the first fragment");
			if (mnl_attr_get_type(a) == WGNL_DEVICE_A_PRIVATE_KEY) {
				memcpy(s->dev->private_key, mnl_attr_get_payload(a), WG_KEY_LEN);
				s->dev->flags |= WGDEVICE_HAS_PRIVATE_KEY;
			} else if (mnl_attr_get_type(a) == WGNL_DEVICE_A_LISTEN_PORT) {
				s->dev->listen_port = mnl_attr_get_u16(a);
			} else if (mnl_attr_get_type(a) == WGNL_DEVICE_A_FWMARK) {
				s->dev->fwmark = mnl_attr_get_u32(a);
			} else if (mnl_attr_get_u32(a) & WGNL_DEVICE_F_REPLACE_PEERS) {
				while (s->dev->first_peer)
					remove_peer(s->dev, s->dev->first_peer);
			}
			break;
		case WGNL_DEVICE_A_PEERS:
			for (p = netlink_nest_next(a, NULL); p; p = netlink_nest_next(a, p)) {
				sim_peer(s, p, first_peer);
				first_peer = false;
			}
			break;
		default:
			violate(s, "unknown device attribute");
		}
	}
	if (!have_name)
		violate(s, "fragment without IFNAME");
}

/* Runs the cursor to the end, feeding each message to the model. Messages built, or -errno. */
static int run_set(const struct wg_device *delta, size_t cap, struct sim *s)
{
	uint8_t *buf = malloc(cap);
	struct netlink_set_cursor c;
	int n, count = 0;

	s->max_len = cap;
	netlink_set_begin(&c, delta);
	while ((n = netlink_set_next(&c, buf, cap, FAMILY, "wg0", (uint32_t)count + 1)) > 0) {
		sim_message(s, buf, n, "wg0");
		++count;
	}
	free(buf);
	return n < 0 ? n : count;
}

/* ---- comparisons -------------------------------------------------------------------------- */

static const char *diff_aips(const struct wg_peer *a, const struct wg_peer *b)
{
	const struct wg_allowedip *x = a->first_allowedip, *y = b->first_allowedip;

	for (; x && y; x = x->next_allowedip, y = y->next_allowedip) {
		if (x->family != y->family || x->cidr != y->cidr ||
		    memcmp(&x->ip6, &y->ip6, x->family == AF_INET ? 4 : 16))
			return "allowed IP differs";
	}
	return x || y ? "allowed IP count differs" : NULL;
}

/* Same peers in the same order with the same values; flags compared through `mask`. */
static const char *diff_devices(const struct wg_device *a, const struct wg_device *b, uint32_t mask)
{
	const struct wg_peer *p, *q;
	const char *why;

	if (memcmp(a->private_key, b->private_key, WG_KEY_LEN) ||
	    a->listen_port != b->listen_port || a->fwmark != b->fwmark)
		return "device values";
	for (p = a->first_peer, q = b->first_peer; p && q; p = p->next_peer, q = q->next_peer) {
		if (memcmp(p->public_key, q->public_key, WG_KEY_LEN))
			return "peer order or key";
		if ((p->flags & mask) != (q->flags & mask))
			return "peer flags";
		if ((p->flags & WGPEER_HAS_PRESHARED_KEY) &&
		    memcmp(p->preshared_key, q->preshared_key, WG_KEY_LEN))
			return "preshared key";
		if ((p->flags & WGPEER_HAS_ENDPOINT) &&
		    !model_endpoint_equal(&p->endpoint, &q->endpoint))
			return "endpoint";
		if (p->persistent_keepalive_interval != q->persistent_keepalive_interval)
			return "keepalive";
		if (p->rx_bytes != q->rx_bytes || p->tx_bytes != q->tx_bytes ||
		    p->last_handshake_time.tv_sec != q->last_handshake_time.tv_sec ||
		    p->last_handshake_time.tv_nsec != q->last_handshake_time.tv_nsec)
			return "statistics";
		why = diff_aips(p, q);
		if (why)
			return why;
	}
	return p || q ? "peer count" : NULL;
}

static size_t count_aips(const struct wg_peer *peer)
{
	const struct wg_allowedip *aip;
	size_t n = 0;

	for_each_wgallowedip (peer, aip)
		++n;
	return n;
}

/* ---- a model of the kernel's GET dump ----------------------------------------------------- */

struct dump {
	uint8_t *buf; /* the messages, back to back */
	size_t len, cap;
	size_t *ends; /* end offset of each message */
	size_t count;
};

static struct nlmsghdr *dump_start(struct dump *d, size_t cap, bool first,
				   const struct wg_device *dev)
{
	struct nlmsghdr *nlh;
	struct genlmsghdr *genl;

	if (d->len + cap > d->cap) {
		d->cap = (d->len + cap) * 2;
		d->buf = realloc(d->buf, d->cap);
	}
	nlh = mnl_nlmsg_put_header(d->buf + d->len);
	nlh->nlmsg_type = FAMILY;
	nlh->nlmsg_flags = NLM_F_MULTI;
	nlh->nlmsg_seq = 7;
	nlh->nlmsg_pid = 99;
	genl = mnl_nlmsg_put_extra_header(nlh, sizeof(*genl));
	genl->cmd = WGNL_CMD_GET_DEVICE;
	genl->version = 1;
	mnl_attr_put_strz(nlh, WGNL_DEVICE_A_IFNAME, dev->name);
	if (first) {
		mnl_attr_put_u32(nlh, WGNL_DEVICE_A_IFINDEX, dev->ifindex);
		if (dev->flags & WGDEVICE_HAS_PRIVATE_KEY) {
			mnl_attr_put(nlh, WGNL_DEVICE_A_PRIVATE_KEY, WG_KEY_LEN, dev->private_key);
			mnl_attr_put(nlh, WGNL_DEVICE_A_PUBLIC_KEY, WG_KEY_LEN, dev->public_key);
		}
		mnl_attr_put_u16(nlh, WGNL_DEVICE_A_LISTEN_PORT, dev->listen_port);
		mnl_attr_put_u32(nlh, WGNL_DEVICE_A_FWMARK, dev->fwmark);
	}
	return nlh;
}

static void dump_end(struct dump *d, struct nlmsghdr *nlh)
{
	d->len += nlh->nlmsg_len;
	d->ends = realloc(d->ends, (d->count + 1) * sizeof(*d->ends));
	d->ends[d->count++] = d->len;
}

static bool dump_aip(struct nlmsghdr *nlh, size_t cap, const struct wg_allowedip *aip)
{
	struct nlattr *nest = mnl_attr_nest_start_check(nlh, cap, 0);

	if (!nest)
		return false;
	if (!mnl_attr_put_u16_check(nlh, cap, WGNL_ALLOWEDIP_A_FAMILY, aip->family) ||
	    !mnl_attr_put_check(nlh, cap, WGNL_ALLOWEDIP_A_IPADDR, aip->family == AF_INET ? 4 : 16,
				&aip->ip6) ||
	    !mnl_attr_put_u8_check(nlh, cap, WGNL_ALLOWEDIP_A_CIDR_MASK, aip->cidr)) {
		mnl_attr_nest_cancel(nlh, nest);
		return false;
	}
	mnl_attr_nest_end(nlh, nest);
	return true;
}

/* 1 when the peer's fixed attributes fit, 0 when not. */
static bool dump_peer_header(struct nlmsghdr *nlh, size_t cap, const struct wg_peer *peer)
{
	int64_t ts[2] = { peer->last_handshake_time.tv_sec, peer->last_handshake_time.tv_nsec };
	size_t ep_len = peer->endpoint.addr.sa_family == AF_INET ? sizeof(struct sockaddr_in)
								 : sizeof(struct sockaddr_in6);

	if (!mnl_attr_put_check(nlh, cap, WGNL_PEER_A_PRESHARED_KEY, WG_KEY_LEN,
				peer->preshared_key) ||
	    !mnl_attr_put_check(nlh, cap, WGNL_PEER_A_LAST_HANDSHAKE_TIME, sizeof(ts), ts) ||
	    !mnl_attr_put_u16_check(nlh, cap, WGNL_PEER_A_PERSISTENT_KEEPALIVE_INTERVAL,
				    peer->persistent_keepalive_interval) ||
	    !mnl_attr_put_u64_check(nlh, cap, WGNL_PEER_A_TX_BYTES, peer->tx_bytes) ||
	    !mnl_attr_put_u64_check(nlh, cap, WGNL_PEER_A_RX_BYTES, peer->rx_bytes) ||
	    !mnl_attr_put_u32_check(nlh, cap, WGNL_PEER_A_PROTOCOL_VERSION, 1))
		return false;
	if ((peer->flags & WGPEER_HAS_ENDPOINT) &&
	    !mnl_attr_put_check(nlh, cap, WGNL_PEER_A_ENDPOINT, ep_len, &peer->endpoint))
		return false;
	return true;
}

/*
 * What the kernel's dump does: as many peers per message as fit; a peer whose allowed IPs do
 * not fit is continued in the next message with its public key and the remaining prefixes.
 */
static void make_dump(struct dump *d, const struct wg_device *dev, size_t cap)
{
	const struct wg_peer *peer = dev->first_peer;
	const struct wg_allowedip *aip = peer ? peer->first_allowedip : NULL;
	bool started = false, first = true;

	memset(d, 0, sizeof(*d));
	do {
		struct nlmsghdr *nlh = dump_start(d, cap, first, dev);
		struct nlattr *peers =
			peer ? mnl_attr_nest_start_check(nlh, cap, WGNL_DEVICE_A_PEERS) : NULL;

		first = false;
		while (peers && peer) {
			struct nlattr *pn = mnl_attr_nest_start_check(nlh, cap, 0), *an;
			size_t n = 0;

			if (!pn ||
			    !mnl_attr_put_check(nlh, cap, WGNL_PEER_A_PUBLIC_KEY, WG_KEY_LEN,
						peer->public_key) ||
			    (!started && !dump_peer_header(nlh, cap, peer))) {
				if (pn)
					mnl_attr_nest_cancel(nlh, pn);
				break;
			}
			an = aip ? mnl_attr_nest_start_check(nlh, cap, WGNL_PEER_A_ALLOWEDIPS)
				 : NULL;
			while (an && aip && dump_aip(nlh, cap, aip)) {
				aip = aip->next_allowedip;
				++n;
			}
			if (an && n)
				mnl_attr_nest_end(nlh, an);
			else if (an)
				mnl_attr_nest_cancel(nlh, an);
			if (started && !n) {
				mnl_attr_nest_cancel(nlh, pn);
				break;
			}
			mnl_attr_nest_end(nlh, pn);
			started = true;
			if (aip)
				break;
			peer = peer->next_peer;
			aip = peer ? peer->first_allowedip : NULL;
			started = false;
		}
		if (peers)
			mnl_attr_nest_end(nlh, peers);
		dump_end(d, nlh);
	} while (peer);
	{
		struct nlmsghdr *done = mnl_nlmsg_put_header(d->buf + d->len);
		int zero = 0;

		done->nlmsg_type = NLMSG_DONE;
		done->nlmsg_flags = NLM_F_MULTI;
		done->nlmsg_seq = 7;
		done->nlmsg_pid = 99;
		memcpy(mnl_nlmsg_put_extra_header(done, sizeof(zero)), &zero, sizeof(zero));
		dump_end(d, done);
	}
}

static void free_dump(struct dump *d)
{
	free(d->buf);
	free(d->ends);
}

/* Feeds a dump to the parser, `per` messages per datagram. */
static int parse_dump(const struct dump *d, size_t per, struct netlink_get_state *st)
{
	size_t start = 0;
	int ret = 0;

	for (size_t i = 0; i < d->count && ret == 0; i += per) {
		size_t last = i + per - 1 < d->count ? i + per - 1 : d->count - 1;

		ret = netlink_get_parse(st, d->buf + start, d->ends[last] - start);
		start = d->ends[last];
	}
	return ret;
}

/* ---- tests -------------------------------------------------------------------------------- */

static void test_big_set(const struct wg_device *delta, size_t cap, int min_msgs)
{
	struct sim s = { .dev = model_device_new() };
	const char *why;
	int n = run_set(delta, cap, &s);

	ok(n >= min_msgs, "SET at %zu bytes: %d messages (at least %d)", cap, n, min_msgs);
	ok(!s.violation, "SET at %zu bytes: fragments follow the rules%s%s", cap,
	   s.violation ? ": " : "", s.violation ? s.violation : "");
	why = diff_devices(delta, s.dev,
			   WGPEER_HAS_PRESHARED_KEY | WGPEER_HAS_ENDPOINT |
				   WGPEER_HAS_PERSISTENT_KEEPALIVE_INTERVAL);
	ok(!why, "SET at %zu bytes: the kernel model ends with the delta%s%s", cap, why ? ": " : "",
	   why ? why : "");
	ok(s.dev->first_peer && count_aips(s.dev->first_peer) == BIG_AIPS,
	   "SET at %zu bytes: the big peer has all %d prefixes", cap, BIG_AIPS);
	model_device_free(s.dev);
}

/* A second, incremental request on top of a device that already has peers. */
static void test_incremental(void)
{
	struct sim s = { .dev = model_device_new() };
	struct wg_device *base = model_device_new(), *delta = model_device_new();
	struct wg_peer *keep, *gone, *upd, *ghost, *p;
	int n;

	keep = new_peer(base);
	add_v4(keep, 0x0a000001, 32);
	add_v4(keep, 0x0a000002, 32);
	gone = new_peer(base);
	add_v4(gone, 0x0a000003, 32);
	upd = new_peer(base);
	for (uint32_t i = 0; i < 3000; ++i)
		add_v4(upd, 0x0b000000 | i, 32);
	n = run_set(base, 4096, &s);
	ok(n > 1 && !s.violation, "base configuration in %d messages", n);
	s.have_last = false;

	/* keep: one prefix removed by flag; gone: removed; upd: update-only, appended in pieces. */
	p = new_peer(delta);
	memcpy(p->public_key, keep->public_key, WG_KEY_LEN);
	add_v4(p, 0x0a000002, 32);
	p->last_allowedip->flags = WGALLOWEDIP_REMOVE_ME;
	p = new_peer(delta);
	memcpy(p->public_key, gone->public_key, WG_KEY_LEN);
	p->flags |= WGPEER_REMOVE_ME;
	add_v4(p, 0x0a0000ff, 32); /* never sent for a removed peer */
	p = new_peer(delta);
	memcpy(p->public_key, upd->public_key, WG_KEY_LEN);
	p->flags |= WGPEER_UPDATE_ONLY;
	for (uint32_t i = 0; i < 2000; ++i)
		add_v6(p, 0x1234, (uint16_t)i, 128);
	ghost = new_peer(delta);
	ghost->flags |= WGPEER_UPDATE_ONLY;
	for (uint32_t i = 0; i < 2000; ++i)
		add_v4(ghost, 0x0c000000 | i, 32);

	n = run_set(delta, 4096, &s);
	ok(n > 2, "incremental request in %d messages", n);
	ok(!s.violation, "incremental fragments follow the rules%s%s", s.violation ? ": " : "",
	   s.violation ? s.violation : "");
	p = model_find_peer(s.dev, keep->public_key);
	ok(p && count_aips(p) == 1 && p->first_allowedip->ip4.s_addr == htonl(0x0a000001),
	   "WGALLOWEDIP_REMOVE_ME removed one prefix and kept the other");
	ok(!model_find_peer(s.dev, gone->public_key), "REMOVE_ME removed the peer");
	p = model_find_peer(s.dev, upd->public_key);
	ok(p && count_aips(p) == 5000, "UPDATE_ONLY peer kept its 3000 prefixes and gained 2000");
	ok(!model_find_peer(s.dev, ghost->public_key),
	   "an UPDATE_ONLY peer split over messages is never created by a continuation");
	model_device_free(base);
	model_device_free(delta);
	model_device_free(s.dev);
}

static bool has_attr(const struct nlmsghdr *nlh, uint16_t type)
{
	const struct nlattr *a;

	for (a = netlink_msg_next(nlh, sizeof(struct genlmsghdr), NULL); a;
	     a = netlink_msg_next(nlh, sizeof(struct genlmsghdr), a)) {
		if (mnl_attr_get_type(a) == type)
			return true;
	}
	return false;
}

static void test_small_buffers(void)
{
	struct wg_device *dev = model_device_new();
	struct netlink_set_cursor c;
	uint8_t buf[4096];
	struct wg_peer *peer;
	struct sim s = { .dev = model_device_new() };
	int n;

	netlink_set_begin(&c, dev);
	n = netlink_set_next(&c, buf, sizeof(buf), FAMILY, "wg0", 1);
	ok(n > 0, "an empty delta still sends one message (%d bytes)", n);
	ok(netlink_set_next(&c, buf, sizeof(buf), FAMILY, "wg0", 2) == 0, "and only one");

	netlink_set_begin(&c, dev);
	ok(netlink_set_next(&c, buf, sizeof(buf), FAMILY, "", 1) == -EINVAL, "empty name refused");
	ok(netlink_set_next(&c, buf, sizeof(buf), FAMILY, "a-very-long-name", 1) == -EINVAL,
	   "16-character name refused");
	ok(netlink_set_next(&c, buf, 24, FAMILY, "wg0", 1) == -EMSGSIZE,
	   "24-byte buffer: -EMSGSIZE");

	peer = new_peer(dev);
	peer->flags |= WGPEER_HAS_PRESHARED_KEY | WGPEER_REPLACE_ALLOWEDIPS;
	for (uint32_t i = 0; i < 50; ++i)
		add_v6(peer, 1, (uint16_t)i, 128);
	/*
	 * 150 bytes: room for the peer's header (116 bytes) but not also one v6 prefix (40), so
	 * the header goes out alone; then each continuation (72) carries one prefix.
	 */
	n = run_set(dev, 150, &s);
	ok(n == 51 && !s.violation && !diff_devices(dev, s.dev, WGPEER_HAS_PRESHARED_KEY),
	   "150-byte messages: header alone, then one prefix each (%d messages)%s%s", n,
	   s.violation ? ": " : "", s.violation ? s.violation : "");
	netlink_set_begin(&c, dev);
	memset(buf, 0xff, sizeof(buf)); /* stale bytes where an unfinished nest would be */
	n = netlink_set_next(&c, buf, 60, FAMILY, "wg0", 1);
	ok(n == 28 && !has_attr((struct nlmsghdr *)buf, WGNL_DEVICE_A_PEERS),
	   "60 bytes: the device fragment alone, the empty PEERS nest dropped (%d bytes)", n);
	ok(netlink_set_next(&c, buf, 60, FAMILY, "wg0", 2) == -EMSGSIZE,
	   "then -EMSGSIZE, not a loop");

	peer->endpoint.addr.sa_family = AF_UNSPEC;
	peer->flags |= WGPEER_HAS_ENDPOINT;
	netlink_set_begin(&c, dev);
	n = netlink_set_next(&c, buf, sizeof(buf), FAMILY, "wg0", 1);
	ok(n == -EINVAL, "an endpoint that is not an address is refused");
	model_device_free(dev);
	model_device_free(s.dev);
}

static void test_get(struct wg_device *state)
{
	static const size_t caps[] = { 32768, 4096, 300 };
	struct netlink_get_state st;
	struct dump d;
	const char *why;
	int ret;

	snprintf(state->name, sizeof(state->name), "wg0");
	state->ifindex = 7;
	memset(state->public_key, 0x42, WG_KEY_LEN);
	state->first_peer->rx_bytes = 1ULL << 40;
	state->first_peer->tx_bytes = 12345;
	state->first_peer->last_handshake_time.tv_sec = 1700000000;
	state->first_peer->last_handshake_time.tv_nsec = 999999999;

	for (size_t i = 0; i < ARRAY_SIZE(caps); ++i) {
		static const size_t pers[] = { 1, 5 };

		make_dump(&d, state, caps[i]);
		for (size_t j = 0; j < ARRAY_SIZE(pers); ++j) {
			memset(&st, 0, sizeof(st));
			st.dev = model_device_new();
			st.family = FAMILY;
			st.seq = 7;
			st.portid = 99;
			ret = parse_dump(&d, pers[j], &st);
			why = ret ? "parse error"
				  : diff_devices(state, st.dev,
						 WGPEER_HAS_PRESHARED_KEY | WGPEER_HAS_ENDPOINT);
			ok(!why && st.done && !st.interrupted,
			   "GET dump of %zu messages of %zu bytes, %zu per datagram, coalesces%s%s",
			   d.count, caps[i], pers[j], why ? ": " : "", why ? why : "");
			if (i == 0 && j == 0) {
				ok(!strcmp(st.dev->name, "wg0") && st.dev->ifindex == 7 &&
					   st.dev->flags ==
						   (WGDEVICE_HAS_PRIVATE_KEY |
						    WGDEVICE_HAS_PUBLIC_KEY |
						    WGDEVICE_HAS_LISTEN_PORT | WGDEVICE_HAS_FWMARK),
				   "device name, index and flags");
				ok(st.dev->first_peer->next_peer->flags ==
					   (WGPEER_HAS_PUBLIC_KEY | WGPEER_HAS_PRESHARED_KEY |
					    WGPEER_HAS_ENDPOINT |
					    WGPEER_HAS_PERSISTENT_KEEPALIVE_INTERVAL),
				   "peer with PSK and endpoint: flags");
				ok(st.dev->first_peer->next_peer->next_peer->flags ==
					   (WGPEER_HAS_PUBLIC_KEY | WGPEER_HAS_ENDPOINT |
					    WGPEER_HAS_PERSISTENT_KEEPALIVE_INTERVAL),
				   "all-zero PSK is no PSK");
				ok(model_peer_count(st.dev) == MANY_PEERS + 1, "%zu peers",
				   model_peer_count(st.dev));
			}
			model_device_free(st.dev);
		}
		/* The same dump with its consistency flag raised in the middle. */
		if (d.count > 2) {
			struct nlmsghdr *mid = (struct nlmsghdr *)(d.buf + d.ends[d.count / 2 - 1]);

			mid->nlmsg_flags |= NLM_F_DUMP_INTR;
			memset(&st, 0, sizeof(st));
			st.dev = model_device_new();
			st.family = FAMILY;
			ret = parse_dump(&d, 1, &st);
			ok(ret == 0 && st.done && st.interrupted,
			   "NLM_F_DUMP_INTR is reported (%zu bytes)", caps[i]);
			model_device_free(st.dev);
		}
		free_dump(&d);
	}
}

/* Small synthetic datagrams: errors, wrong sequence, a split peer built by hand. */
static void test_get_handmade(void)
{
	uint8_t buf[2048], key[WG_KEY_LEN], other[WG_KEY_LEN];
	struct netlink_get_state st;
	struct nlmsghdr *nlh;
	struct nlmsgerr *err;
	struct nlattr *peers, *peer, *aips, *aip;
	size_t off = 0;
	int ret, code;

	memset(key, 0x11, sizeof(key));
	memset(other, 0x22, sizeof(other));
	/* Message 1: peer `key` with 10.0.0.1/32; message 2: `key` again with fd00::/8, then
	 * `other`. */
	for (int m = 0; m < 2; ++m) {
		nlh = mnl_nlmsg_put_header(buf + off);
		nlh->nlmsg_type = FAMILY;
		nlh->nlmsg_flags = NLM_F_MULTI;
		nlh->nlmsg_seq = 3;
		mnl_nlmsg_put_extra_header(nlh, sizeof(struct genlmsghdr));
		mnl_attr_put_strz(nlh, WGNL_DEVICE_A_IFNAME, "wg7");
		peers = mnl_attr_nest_start(nlh, WGNL_DEVICE_A_PEERS);
		peer = mnl_attr_nest_start(nlh, 0);
		mnl_attr_put(nlh, WGNL_PEER_A_PUBLIC_KEY, WG_KEY_LEN, key);
		aips = mnl_attr_nest_start(nlh, WGNL_PEER_A_ALLOWEDIPS);
		aip = mnl_attr_nest_start(nlh, 0);
		mnl_attr_put_u16(nlh, WGNL_ALLOWEDIP_A_FAMILY, m ? AF_INET6 : AF_INET);
		if (m) {
			uint8_t a6[16] = { 0xfd };

			mnl_attr_put(nlh, WGNL_ALLOWEDIP_A_IPADDR, 16, a6);
			mnl_attr_put_u8(nlh, WGNL_ALLOWEDIP_A_CIDR_MASK, 8);
		} else {
			uint8_t a4[4] = { 10, 0, 0, 1 };

			mnl_attr_put(nlh, WGNL_ALLOWEDIP_A_IPADDR, 4, a4);
			mnl_attr_put_u8(nlh, WGNL_ALLOWEDIP_A_CIDR_MASK, 32);
		}
		mnl_attr_nest_end(nlh, aip);
		mnl_attr_nest_end(nlh, aips);
		mnl_attr_nest_end(nlh, peer);
		if (m) {
			peer = mnl_attr_nest_start(nlh, 0);
			mnl_attr_put(nlh, WGNL_PEER_A_PUBLIC_KEY, WG_KEY_LEN, other);
			mnl_attr_nest_end(nlh, peer);
		}
		mnl_attr_nest_end(nlh, peers);
		off += nlh->nlmsg_len;
	}
	nlh = mnl_nlmsg_put_header(buf + off);
	nlh->nlmsg_type = NLMSG_DONE;
	nlh->nlmsg_flags = NLM_F_MULTI;
	nlh->nlmsg_seq = 3;
	code = 0;
	memcpy(mnl_nlmsg_put_extra_header(nlh, sizeof(code)), &code, sizeof(code));
	off += nlh->nlmsg_len;

	memset(&st, 0, sizeof(st));
	st.dev = model_device_new();
	st.family = FAMILY;
	ret = netlink_get_parse(&st, buf, off);
	ok(ret == 0 && st.done && model_peer_count(st.dev) == 2 &&
		   count_aips(st.dev->first_peer) == 2 &&
		   st.dev->first_peer->last_allowedip->family == AF_INET6 &&
		   !strcmp(st.dev->name, "wg7"),
	   "hand-built split peer coalesces into one peer with both prefixes");
	model_device_free(st.dev);

	memset(&st, 0, sizeof(st));
	st.dev = model_device_new();
	st.family = FAMILY;
	st.seq = 5;
	ret = netlink_get_parse(&st, buf, off);
	ok(ret == -EPROTO, "a reply to another sequence number is -EPROTO");
	model_device_free(st.dev);

	memset(&st, 0, sizeof(st));
	st.dev = model_device_new();
	st.family = FAMILY;
	ret = netlink_get_parse(&st, buf, off - 3);
	ok(ret == -EPROTO, "a truncated datagram is -EPROTO");
	model_device_free(st.dev);

	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = NLMSG_ERROR;
	err = mnl_nlmsg_put_extra_header(nlh, sizeof(*err));
	err->error = -ENODEV;
	memset(&st, 0, sizeof(st));
	st.dev = model_device_new();
	st.family = FAMILY;
	ok(netlink_get_parse(&st, buf, nlh->nlmsg_len) == -ENODEV, "NLMSG_ERROR gives its errno");
	err->error = 0;
	{
		bool done = false;

		ok(netlink_ack_parse(buf, nlh->nlmsg_len, 0, 0, &done) == 0 && done,
		   "an ACK ends a SET fragment");
	}
	model_device_free(st.dev);

	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = NLMSG_DONE;
	code = -EOPNOTSUPP;
	memcpy(mnl_nlmsg_put_extra_header(nlh, sizeof(code)), &code, sizeof(code));
	memset(&st, 0, sizeof(st));
	st.dev = model_device_new();
	st.family = FAMILY;
	ok(netlink_get_parse(&st, buf, nlh->nlmsg_len) == -EOPNOTSUPP,
	   "NLMSG_DONE carrying an error gives it");
	model_device_free(st.dev);

	ok(netlink_get_request(buf, sizeof(buf), FAMILY, "wg0", 3) > 0 &&
		   ((struct nlmsghdr *)buf)->nlmsg_flags == (NLM_F_REQUEST | NLM_F_DUMP),
	   "GET is a dump request");
	ok(netlink_get_request(buf, sizeof(buf), FAMILY, "", 3) == -EINVAL,
	   "GET of an empty name refused");
}

struct link_seen {
	int wg, other;
};

static int count_link(void *ctx, const char *name, const char *kind)
{
	struct link_seen *seen = ctx;

	if (!strcmp(kind, "wireguard") && !strcmp(name, "wg1"))
		++seen->wg;
	else
		++seen->other;
	return 0;
}

static void test_family_and_links(void)
{
	uint8_t buf[1024];
	struct nlmsghdr *nlh;
	struct nlattr *info;
	uint16_t id = 0;
	int len;

	len = netlink_family_request(buf, sizeof(buf), WGNL_GENL_NAME, 9);
	nlh = (struct nlmsghdr *)buf;
	ok(len > 0 && nlh->nlmsg_type == GENL_ID_CTRL &&
		   !strcmp(mnl_attr_get_str(
				   (struct nlattr *)((uint8_t *)mnl_nlmsg_get_payload(nlh) +
						     MNL_ALIGN(sizeof(struct genlmsghdr)))),
			   "wireguard"),
	   "CTRL_CMD_GETFAMILY names the family");

	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = GENL_ID_CTRL;
	nlh->nlmsg_seq = 9;
	mnl_nlmsg_put_extra_header(nlh, sizeof(struct genlmsghdr));
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, "wireguard");
	mnl_attr_put_u16(nlh, CTRL_ATTR_FAMILY_ID, 0x22);
	ok(netlink_family_parse(buf, nlh->nlmsg_len, 9, &id) == 1 && id == 0x22, "family id read");

	/* Two links in one dump datagram, then a DONE that says the dump was inconsistent. */
	{
		struct netlink_link_state st = { .seq = 4, .fn = count_link };
		struct link_seen seen = { 0 };
		size_t off = 0;

		for (int i = 0; i < 2; ++i) {
			nlh = mnl_nlmsg_put_header(buf + off);
			nlh->nlmsg_type = RTM_NEWLINK;
			nlh->nlmsg_seq = 4;
			nlh->nlmsg_flags = NLM_F_MULTI;
			mnl_nlmsg_put_extra_header(nlh, sizeof(struct ifinfomsg));
			mnl_attr_put_strz(nlh, IFLA_IFNAME, i ? "wg1" : "eth0");
			info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
			mnl_attr_put_strz(nlh, IFLA_INFO_KIND, i ? "wireguard" : "veth");
			mnl_attr_nest_end(nlh, info);
			off += nlh->nlmsg_len;
		}
		nlh = mnl_nlmsg_put_header(buf + off);
		nlh->nlmsg_type = NLMSG_DONE;
		nlh->nlmsg_seq = 4;
		nlh->nlmsg_flags = NLM_F_MULTI | NLM_F_DUMP_INTR;
		memset(mnl_nlmsg_put_extra_header(nlh, sizeof(int)), 0, sizeof(int));
		off += nlh->nlmsg_len;
		st.ctx = &seen;
		ok(netlink_link_parse(&st, buf, off) == 0 && st.done && st.interrupted &&
			   seen.wg == 1 && seen.other == 1,
		   "link dump: kinds read, DONE and NLM_F_DUMP_INTR seen");

		len = netlink_link_request(buf + 512, 256, NULL, 4);
		ok(len > 0 && ((struct nlmsghdr *)(buf + 512))->nlmsg_flags ==
				      (NLM_F_REQUEST | NLM_F_DUMP),
		   "RTM_GETLINK dump request");
		len = netlink_link_request(buf + 512, 256, "wg0", 4);
		ok(len > 0 && ((struct nlmsghdr *)(buf + 512))->nlmsg_flags ==
				      (NLM_F_REQUEST | NLM_F_ACK),
		   "RTM_GETLINK single request is ACKed");
	}
}

int main(void)
{
	rng_state = 0x243f6a8885a308d3ULL;
	struct wg_device *delta = big_delta();
	struct sim s = { .dev = model_device_new() };

	test_big_set(delta, 32768, 100);
	test_big_set(delta, 4096, 1000);
	test_incremental();
	test_small_buffers();

	/* What the kernel would hold after the big setconf is what its dump must give back. */
	run_set(delta, 32768, &s);
	s.dev->flags |= WGDEVICE_HAS_PRIVATE_KEY;
	test_get(s.dev);
	test_get_handmade();
	test_family_and_links();
	model_device_free(s.dev);
	model_device_free(delta);
	return done_testing();
}
