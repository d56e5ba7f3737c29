// SPDX-License-Identifier: MIT
/*
 * WG_CMD_SET_DEVICE cut into messages that each fit a buffer: as many peers per message as fit,
 * and a peer whose allowed IPs overflow continues at the head of the next message.
 */
#include <errno.h>
#include <string.h>

#include <linux/netlink.h>

#include "backend/netlink_msg.h"

void netlink_set_begin(struct netlink_set_cursor *c, const struct wg_device *delta)
{
	c->delta = delta;
	c->peer = delta->first_peer;
	c->aip = c->peer ? c->peer->first_allowedip : NULL;
	c->first = true;
	c->peer_started = false;
}

static bool put_device(struct nlmsghdr *nlh, size_t len, const struct wg_device *dev)
{
	if ((dev->flags & WGDEVICE_HAS_PRIVATE_KEY) &&
	    !mnl_attr_put_check(nlh, len, WGNL_DEVICE_A_PRIVATE_KEY, WG_KEY_LEN, dev->private_key))
		return false;
	if ((dev->flags & WGDEVICE_HAS_LISTEN_PORT) &&
	    !mnl_attr_put_u16_check(nlh, len, WGNL_DEVICE_A_LISTEN_PORT, dev->listen_port))
		return false;
	if ((dev->flags & WGDEVICE_HAS_FWMARK) &&
	    !mnl_attr_put_u32_check(nlh, len, WGNL_DEVICE_A_FWMARK, dev->fwmark))
		return false;
	if ((dev->flags & WGDEVICE_REPLACE_PEERS) &&
	    !mnl_attr_put_u32_check(nlh, len, WGNL_DEVICE_A_FLAGS, WGNL_DEVICE_F_REPLACE_PEERS))
		return false;
	return true;
}

static uint32_t peer_wire_flags(const struct wg_peer *peer, bool continuation)
{
	uint32_t flags = 0;

	/* A continuation must not create a peer its first fragment was told not to create. */
	if (peer->flags & WGPEER_UPDATE_ONLY)
		flags |= WGNL_PEER_F_UPDATE_ONLY;
	if (continuation)
		return flags;
	if (peer->flags & WGPEER_REMOVE_ME)
		flags |= WGNL_PEER_F_REMOVE_ME;
	if (peer->flags & WGPEER_REPLACE_ALLOWEDIPS)
		flags |= WGNL_PEER_F_REPLACE_ALLOWEDIPS;
	return flags;
}

/* 1 when written, 0 when the message is full, -EINVAL on a value the kernel cannot take. */
static int put_peer_header(struct nlmsghdr *nlh, size_t len, const struct wg_peer *peer,
			   bool continuation)
{
	uint32_t flags = peer_wire_flags(peer, continuation);
	size_t ep_len;

	if (!mnl_attr_put_check(nlh, len, WGNL_PEER_A_PUBLIC_KEY, WG_KEY_LEN, peer->public_key))
		return 0;
	if (flags && !mnl_attr_put_u32_check(nlh, len, WGNL_PEER_A_FLAGS, flags))
		return 0;
	if (continuation || (peer->flags & WGPEER_REMOVE_ME))
		return 1;
	if ((peer->flags & WGPEER_HAS_PRESHARED_KEY) &&
	    !mnl_attr_put_check(nlh, len, WGNL_PEER_A_PRESHARED_KEY, WG_KEY_LEN,
				peer->preshared_key))
		return 0;
	if (peer->flags & WGPEER_HAS_ENDPOINT) {
		if (peer->endpoint.addr.sa_family == AF_INET)
			ep_len = sizeof(peer->endpoint.addr4);
		else if (peer->endpoint.addr.sa_family == AF_INET6)
			ep_len = sizeof(peer->endpoint.addr6);
		else
			return -EINVAL; /* an unresolved hostname */
		if (!mnl_attr_put_check(nlh, len, WGNL_PEER_A_ENDPOINT, ep_len, &peer->endpoint))
			return 0;
	}
	if ((peer->flags & WGPEER_HAS_PERSISTENT_KEEPALIVE_INTERVAL) &&
	    !mnl_attr_put_u16_check(nlh, len, WGNL_PEER_A_PERSISTENT_KEEPALIVE_INTERVAL,
				    peer->persistent_keepalive_interval))
		return 0;
	return 1;
}

static int put_allowedip(struct nlmsghdr *nlh, size_t len, const struct wg_allowedip *aip)
{
	struct nlattr *nest;
	size_t addr_len;

	if (aip->family == AF_INET && aip->cidr <= 32)
		addr_len = sizeof(aip->ip4);
	else if (aip->family == AF_INET6 && aip->cidr <= 128)
		addr_len = sizeof(aip->ip6);
	else
		return -EINVAL;
	nest = mnl_attr_nest_start_check(nlh, len, 0);
	if (!nest)
		return 0;
	if (!mnl_attr_put_u16_check(nlh, len, WGNL_ALLOWEDIP_A_FAMILY, aip->family) ||
	    !mnl_attr_put_check(nlh, len, WGNL_ALLOWEDIP_A_IPADDR, addr_len, &aip->ip6) ||
	    !mnl_attr_put_u8_check(nlh, len, WGNL_ALLOWEDIP_A_CIDR_MASK, aip->cidr))
		goto full;
	/* Sent only when asked for: kernels before 6.16 reject the attribute outright. */
	if ((aip->flags & WGALLOWEDIP_REMOVE_ME) &&
	    !mnl_attr_put_u32_check(nlh, len, WGNL_ALLOWEDIP_A_FLAGS, WGNL_ALLOWEDIP_F_REMOVE_ME))
		goto full;
	mnl_attr_nest_end(nlh, nest);
	return 1;
full:
	mnl_attr_nest_cancel(nlh, nest);
	return 0;
}

static void next_peer(struct netlink_set_cursor *c)
{
	c->peer = c->peer->next_peer;
	c->aip = c->peer ? c->peer->first_allowedip : NULL;
	c->peer_started = false;
}

/* Writes as much of the cursor's peer as fits. 1 when the peer is complete, 0 when full, -errno. */
static int put_peer(struct nlmsghdr *nlh, size_t len, struct netlink_set_cursor *c)
{
	const struct wg_peer *peer = c->peer;
	bool wants_aips = !(peer->flags & WGPEER_REMOVE_ME) && c->aip;
	struct nlattr *nest, *aips;
	size_t n = 0;
	int ret;

	nest = mnl_attr_nest_start_check(nlh, len, 0);
	if (!nest)
		return 0;
	ret = put_peer_header(nlh, len, peer, c->peer_started);
	if (ret <= 0)
		goto cancel;
	if (wants_aips) {
		aips = mnl_attr_nest_start_check(nlh, len, WGNL_PEER_A_ALLOWEDIPS);
		while (aips && c->aip) {
			ret = put_allowedip(nlh, len, c->aip);
			if (ret < 0)
				goto cancel;
			if (ret == 0)
				break;
			c->aip = c->aip->next_allowedip;
			++n;
		}
		if (aips && n)
			mnl_attr_nest_end(nlh, aips);
		else if (aips)
			mnl_attr_nest_cancel(nlh, aips);
		/* A continuation carrying no allowed IP says nothing. */
		if (!n && c->peer_started) {
			ret = 0;
			goto cancel;
		}
	}
	mnl_attr_nest_end(nlh, nest);
	c->peer_started = true;
	if (!(peer->flags & WGPEER_REMOVE_ME) && c->aip)
		return 0;
	next_peer(c);
	return 1;
cancel:
	mnl_attr_nest_cancel(nlh, nest);
	return ret;
}

int netlink_set_next(struct netlink_set_cursor *c, void *buf, size_t len, uint16_t family,
		     const char *ifname, uint32_t seq)
{
	const struct wg_allowedip *a0;
	const struct wg_peer *p0;
	struct nlattr *peers = NULL;
	struct nlmsghdr *nlh;
	bool wrote = false, s0;
	int ret;

	if (len > UINT16_MAX || !netlink_ifname_ok(ifname))
		return -EINVAL;
	if (!c->first && !c->peer)
		return 0;
	nlh = netlink_put_genl(buf, len, family, NLM_F_REQUEST | NLM_F_ACK, seq,
			       WGNL_CMD_SET_DEVICE, WGNL_GENL_VERSION);
	if (!nlh || !mnl_attr_put_strz_check(nlh, len, WGNL_DEVICE_A_IFNAME, ifname))
		return -EMSGSIZE;
	if (c->first) {
		if (!put_device(nlh, len, c->delta))
			return -EMSGSIZE;
		c->first = false;
		wrote = true;
	}
	p0 = c->peer;
	a0 = c->aip;
	s0 = c->peer_started;
	if (c->peer)
		peers = mnl_attr_nest_start_check(nlh, len, WGNL_DEVICE_A_PEERS);
	while (peers && c->peer) {
		ret = put_peer(nlh, len, c);
		if (ret < 0)
			return ret;
		if (ret == 0)
			break;
	}
	if (c->peer != p0 || c->aip != a0 || c->peer_started != s0)
		wrote = true;
	if (peers) {
		/* Its length is set only by nest_end: measure from the message tail. */
		size_t used = (size_t)((char *)mnl_nlmsg_get_payload_tail(nlh) - (char *)peers);

		if (used > MNL_ATTR_HDRLEN)
			mnl_attr_nest_end(nlh, peers);
		else
			mnl_attr_nest_cancel(nlh, peers);
	}
	/* A message that moved nothing forward would be sent forever. */
	if (!wrote)
		return -EMSGSIZE;
	return (int)nlh->nlmsg_len;
}
