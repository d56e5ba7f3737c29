// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include "backend/netlink_msg.h"
#include "model/encoding.h"
#include "util/mem.h"
#include "util/nlmsg.h"

bool netlink_ifname_ok(const char *ifname)
{
	size_t n = ifname ? strnlen(ifname, IFNAMSIZ) : 0;

	return n > 0 && n < IFNAMSIZ;
}

static struct nlmsghdr *put_header(void *buf, size_t len, uint16_t type, uint16_t flags,
				   uint32_t seq, size_t extra)
{
	struct nlmsghdr *nlh;

	if (len < MNL_NLMSG_HDRLEN + MNL_ALIGN(extra))
		return NULL;
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = flags;
	nlh->nlmsg_seq = seq;
	if (extra)
		mnl_nlmsg_put_extra_header(nlh, extra);
	return nlh;
}

struct nlmsghdr *netlink_put_genl(void *buf, size_t len, uint16_t family, uint16_t flags,
				  uint32_t seq, uint8_t cmd, uint8_t version)
{
	struct nlmsghdr *nlh = put_header(buf, len, family, flags, seq, sizeof(struct genlmsghdr));
	struct genlmsghdr *genl;

	if (!nlh)
		return NULL;
	genl = mnl_nlmsg_get_payload(nlh);
	genl->cmd = cmd;
	genl->version = version;
	return nlh;
}

const struct nlattr *netlink_attr_next(const void *start, const void *end, const struct nlattr *a)
{
	a = a ? mnl_attr_next(a) : start;
	return mnl_attr_ok(a, (int)((const char *)end - (const char *)a)) ? a : NULL;
}

/* ---- replies ------------------------------------------------------------------------------ */

struct walk {
	uint32_t seq, portid;
	bool *done, *interrupted;
	int (*data)(void *ctx, const struct nlmsghdr *nlh);
	void *ctx;
};

/* Walks one datagram: control messages here, the others to w->data. 0 or -errno. */
static int walk(const struct walk *w, const void *buf, size_t len)
{
	const struct nlmsghdr *nlh = buf;
	const struct nlmsgerr *err;
	int left = len > INT32_MAX ? INT32_MAX : (int)len;
	int code, ret;

	for (; nlmsg_fits(nlh, left); nlh = mnl_nlmsg_next(nlh, &left)) {
		if (!mnl_nlmsg_seq_ok(nlh, w->seq) || !mnl_nlmsg_portid_ok(nlh, w->portid))
			return -EPROTO;
		if ((nlh->nlmsg_flags & NLM_F_DUMP_INTR) && w->interrupted)
			*w->interrupted = true;
		switch (nlh->nlmsg_type) {
		case NLMSG_NOOP:
		case NLMSG_OVERRUN:
			continue;
		case NLMSG_ERROR:
			if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*err))
				return -EPROTO;
			err = mnl_nlmsg_get_payload(nlh);
			if (err->error > 0 || err->error < -4095)
				return -EPROTO;
			if (err->error)
				return err->error;
			*w->done = true; /* the ACK */
			continue;
		case NLMSG_DONE:
			if (mnl_nlmsg_get_payload_len(nlh) >= sizeof(code)) {
				memcpy(&code, mnl_nlmsg_get_payload(nlh), sizeof(code));
				if (code < 0 && code >= -4095)
					return code;
			}
			*w->done = true;
			continue;
		default:
			ret = w->data(w->ctx, nlh);
			if (ret < 0)
				return ret;
		}
	}
	return left ? -EPROTO : 0;
}

/* ---- GET ---------------------------------------------------------------------------------- */

int netlink_get_request(void *buf, size_t len, uint16_t family, const char *ifname, uint32_t seq)
{
	struct nlmsghdr *nlh;

	if (!netlink_ifname_ok(ifname))
		return -EINVAL;
	nlh = netlink_put_genl(buf, len, family, NLM_F_REQUEST | NLM_F_DUMP, seq,
			       WGNL_CMD_GET_DEVICE, WGNL_GENL_VERSION);
	if (!nlh || !mnl_attr_put_strz_check(nlh, len, WGNL_DEVICE_A_IFNAME, ifname))
		return -EMSGSIZE;
	return (int)nlh->nlmsg_len;
}

static bool attr_is(const struct nlattr *a, size_t len)
{
	return mnl_attr_get_payload_len(a) == len;
}

static int parse_allowedip(const struct nlattr *nest, struct wg_allowedip *aip)
{
	const struct nlattr *a;
	size_t addr_len = 0;
	bool have_cidr = false;

	for (a = netlink_nest_next(nest, NULL); a; a = netlink_nest_next(nest, a)) {
		switch (mnl_attr_get_type(a)) {
		case WGNL_ALLOWEDIP_A_FAMILY:
			if (!attr_is(a, sizeof(uint16_t)))
				return -EPROTO;
			aip->family = mnl_attr_get_u16(a);
			break;
		case WGNL_ALLOWEDIP_A_IPADDR:
			addr_len = mnl_attr_get_payload_len(a);
			if (addr_len != sizeof(aip->ip4) && addr_len != sizeof(aip->ip6))
				return -EPROTO;
			memcpy(&aip->ip6, mnl_attr_get_payload(a), addr_len);
			break;
		case WGNL_ALLOWEDIP_A_CIDR_MASK:
			if (!attr_is(a, sizeof(uint8_t)))
				return -EPROTO;
			aip->cidr = mnl_attr_get_u8(a);
			have_cidr = true;
			break;
		}
	}
	if (have_cidr && aip->family == AF_INET && addr_len == sizeof(aip->ip4) && aip->cidr <= 32)
		return 0;
	if (have_cidr && aip->family == AF_INET6 && addr_len == sizeof(aip->ip6) &&
	    aip->cidr <= 128)
		return 0;
	return -EPROTO;
}

static int parse_allowedips(const struct nlattr *nest, struct wg_peer *peer)
{
	const struct nlattr *a;
	struct wg_allowedip *aip;
	int ret;

	for (a = netlink_nest_next(nest, NULL); a; a = netlink_nest_next(nest, a)) {
		aip = model_allowedip_new(peer);
		if (!aip)
			return -ENOMEM;
		ret = parse_allowedip(a, aip);
		if (ret < 0)
			return ret;
	}
	return 0;
}

static void parse_endpoint(const struct nlattr *a, struct wg_peer *peer)
{
	size_t n = mnl_attr_get_payload_len(a);
	sa_family_t family;

	if (n < sizeof(family))
		return;
	memcpy(&family, mnl_attr_get_payload(a), sizeof(family));
	if ((family == AF_INET && n == sizeof(peer->endpoint.addr4)) ||
	    (family == AF_INET6 && n == sizeof(peer->endpoint.addr6))) {
		memcpy(&peer->endpoint, mnl_attr_get_payload(a), n);
		peer->flags |= WGPEER_HAS_ENDPOINT;
	}
}

static int parse_peer_attr(const struct nlattr *a, struct wg_peer *peer)
{
	int64_t ts[2];

	switch (mnl_attr_get_type(a)) {
	case WGNL_PEER_A_PUBLIC_KEY:
		if (!attr_is(a, WG_KEY_LEN))
			return -EPROTO;
		memcpy(peer->public_key, mnl_attr_get_payload(a), WG_KEY_LEN);
		peer->flags |= WGPEER_HAS_PUBLIC_KEY;
		break;
	case WGNL_PEER_A_PRESHARED_KEY:
		if (!attr_is(a, WG_KEY_LEN))
			return -EPROTO;
		memcpy(peer->preshared_key, mnl_attr_get_payload(a), WG_KEY_LEN);
		/* All zero is "none"; the last of repeated attributes decides, as for every other.
		 */
		if (key_is_zero(peer->preshared_key))
			peer->flags &= ~WGPEER_HAS_PRESHARED_KEY;
		else
			peer->flags |= WGPEER_HAS_PRESHARED_KEY;
		break;
	case WGNL_PEER_A_ENDPOINT:
		parse_endpoint(a, peer);
		break;
	case WGNL_PEER_A_PERSISTENT_KEEPALIVE_INTERVAL:
		if (!attr_is(a, sizeof(uint16_t)))
			return -EPROTO;
		peer->persistent_keepalive_interval = mnl_attr_get_u16(a);
		peer->flags |= WGPEER_HAS_PERSISTENT_KEEPALIVE_INTERVAL;
		break;
	case WGNL_PEER_A_LAST_HANDSHAKE_TIME:
		/* struct __kernel_timespec: two signed 64-bit fields. */
		if (!attr_is(a, sizeof(ts)))
			return -EPROTO;
		memcpy(ts, mnl_attr_get_payload(a), sizeof(ts));
		/* The kernel's are never negative; the model, UAPI and `show` assume as much. */
		if (ts[0] < 0 || ts[1] < 0)
			return -EPROTO;
		peer->last_handshake_time.tv_sec = ts[0];
		peer->last_handshake_time.tv_nsec = ts[1];
		break;
	case WGNL_PEER_A_RX_BYTES:
		if (!attr_is(a, sizeof(uint64_t)))
			return -EPROTO;
		peer->rx_bytes = mnl_attr_get_u64(a);
		break;
	case WGNL_PEER_A_TX_BYTES:
		if (!attr_is(a, sizeof(uint64_t)))
			return -EPROTO;
		peer->tx_bytes = mnl_attr_get_u64(a);
		break;
	case WGNL_PEER_A_ALLOWEDIPS:
		return parse_allowedips(a, peer);
	}
	return 0;
}

static void append_peer(struct wg_device *dev, struct wg_peer *peer)
{
	if (dev->last_peer)
		dev->last_peer->next_peer = peer;
	else
		dev->first_peer = peer;
	dev->last_peer = peer;
}

static int parse_peer(struct wg_device *dev, const struct nlattr *nest)
{
	struct wg_peer *peer = calloc(1, sizeof(*peer)), *last = dev->last_peer;
	const struct nlattr *a;
	int ret = 0;

	if (!peer)
		return -ENOMEM;
	for (a = netlink_nest_next(nest, NULL); a; a = netlink_nest_next(nest, a)) {
		ret = parse_peer_attr(a, peer);
		if (ret < 0)
			goto err;
	}
	if (!(peer->flags & WGPEER_HAS_PUBLIC_KEY)) {
		ret = -EPROTO;
		goto err;
	}
	/* The rest of a peer whose allowed IPs overflowed the previous message: join them. */
	if (last && !memcmp(last->public_key, peer->public_key, WG_KEY_LEN)) {
		if (peer->first_allowedip) {
			if (last->last_allowedip)
				last->last_allowedip->next_allowedip = peer->first_allowedip;
			else
				last->first_allowedip = peer->first_allowedip;
			last->last_allowedip = peer->last_allowedip;
			peer->first_allowedip = peer->last_allowedip = NULL;
		}
		model_peer_free(peer);
		return 0;
	}
	append_peer(dev, peer);
	return 0;
err:
	model_peer_free(peer);
	return ret;
}

static int get_data(void *ctx, const struct nlmsghdr *nlh)
{
	struct netlink_get_state *st = ctx;
	struct wg_device *dev = st->dev;
	const struct nlattr *a, *p;
	size_t n;
	int ret;

	if (nlh->nlmsg_type != st->family ||
	    mnl_nlmsg_get_payload_len(nlh) < sizeof(struct genlmsghdr))
		return -EPROTO;
	for (a = netlink_msg_next(nlh, sizeof(struct genlmsghdr), NULL); a;
	     a = netlink_msg_next(nlh, sizeof(struct genlmsghdr), a)) {
		switch (mnl_attr_get_type(a)) {
		case WGNL_DEVICE_A_IFINDEX:
			if (!attr_is(a, sizeof(uint32_t)))
				return -EPROTO;
			dev->ifindex = mnl_attr_get_u32(a);
			break;
		case WGNL_DEVICE_A_IFNAME:
			n = strnlen(mnl_attr_get_payload(a), mnl_attr_get_payload_len(a));
			if (!n || n >= sizeof(dev->name))
				return -EPROTO;
			memcpy(dev->name, mnl_attr_get_payload(a), n);
			dev->name[n] = '\0';
			break;
		case WGNL_DEVICE_A_PRIVATE_KEY:
			if (!attr_is(a, WG_KEY_LEN))
				return -EPROTO;
			memcpy(dev->private_key, mnl_attr_get_payload(a), WG_KEY_LEN);
			dev->flags |= WGDEVICE_HAS_PRIVATE_KEY;
			break;
		case WGNL_DEVICE_A_PUBLIC_KEY:
			if (!attr_is(a, WG_KEY_LEN))
				return -EPROTO;
			memcpy(dev->public_key, mnl_attr_get_payload(a), WG_KEY_LEN);
			dev->flags |= WGDEVICE_HAS_PUBLIC_KEY;
			break;
		case WGNL_DEVICE_A_LISTEN_PORT:
			if (!attr_is(a, sizeof(uint16_t)))
				return -EPROTO;
			dev->listen_port = mnl_attr_get_u16(a);
			dev->flags |= WGDEVICE_HAS_LISTEN_PORT;
			break;
		case WGNL_DEVICE_A_FWMARK:
			if (!attr_is(a, sizeof(uint32_t)))
				return -EPROTO;
			dev->fwmark = mnl_attr_get_u32(a);
			dev->flags |= WGDEVICE_HAS_FWMARK;
			break;
		case WGNL_DEVICE_A_PEERS:
			for (p = netlink_nest_next(a, NULL); p; p = netlink_nest_next(a, p)) {
				ret = parse_peer(dev, p);
				if (ret < 0)
					return ret;
			}
			break;
		}
	}
	return 0;
}

int netlink_get_parse(struct netlink_get_state *st, const void *buf, size_t len)
{
	const struct walk w = {
		.seq = st->seq,
		.portid = st->portid,
		.done = &st->done,
		.interrupted = &st->interrupted,
		.data = get_data,
		.ctx = st,
	};

	return walk(&w, buf, len);
}

static int ignore_data(void *ctx, const struct nlmsghdr *nlh)
{
	(void)ctx;
	(void)nlh;
	return 0;
}

int netlink_ack_parse(const void *buf, size_t len, uint32_t seq, uint32_t portid, bool *done)
{
	const struct walk w = { .seq = seq, .portid = portid, .done = done, .data = ignore_data };

	return walk(&w, buf, len);
}

/* ---- family lookup ------------------------------------------------------------------------ */

int netlink_family_request(void *buf, size_t len, const char *name, uint32_t seq)
{
	/* No ACK: the reply is one NEWFAMILY message or one error, and nothing is left queued. */
	struct nlmsghdr *nlh =
		netlink_put_genl(buf, len, GENL_ID_CTRL, NLM_F_REQUEST, seq, CTRL_CMD_GETFAMILY, 1);

	if (!nlh || !mnl_attr_put_strz_check(nlh, len, CTRL_ATTR_FAMILY_NAME, name))
		return -EMSGSIZE;
	return (int)nlh->nlmsg_len;
}

static int family_data(void *ctx, const struct nlmsghdr *nlh)
{
	uint16_t *id = ctx;
	const struct nlattr *a;

	if (nlh->nlmsg_type != GENL_ID_CTRL ||
	    mnl_nlmsg_get_payload_len(nlh) < sizeof(struct genlmsghdr))
		return -EPROTO;
	for (a = netlink_msg_next(nlh, sizeof(struct genlmsghdr), NULL); a;
	     a = netlink_msg_next(nlh, sizeof(struct genlmsghdr), a)) {
		if (mnl_attr_get_type(a) == CTRL_ATTR_FAMILY_ID && attr_is(a, sizeof(uint16_t)))
			*id = mnl_attr_get_u16(a);
	}
	return 0;
}

int netlink_family_parse(const void *buf, size_t len, uint32_t seq, uint16_t *id)
{
	bool done = false;
	const struct walk w = { .seq = seq, .done = &done, .data = family_data, .ctx = id };
	int ret;

	*id = 0;
	ret = walk(&w, buf, len);
	if (ret < 0)
		return ret;
	return *id ? 1 : 0;
}

/* ---- links -------------------------------------------------------------------------------- */

int netlink_link_request(void *buf, size_t len, const char *ifname, uint32_t seq)
{
	uint16_t flags = NLM_F_REQUEST | (ifname ? NLM_F_ACK : NLM_F_DUMP);
	struct nlmsghdr *nlh;
	struct ifinfomsg *ifi;

	if (ifname && !netlink_ifname_ok(ifname))
		return -EINVAL;
	nlh = put_header(buf, len, RTM_GETLINK, flags, seq, sizeof(*ifi));
	if (!nlh)
		return -EMSGSIZE;
	ifi = mnl_nlmsg_get_payload(nlh);
	ifi->ifi_family = AF_UNSPEC;
	if (ifname && !mnl_attr_put_strz_check(nlh, len, IFLA_IFNAME, ifname))
		return -EMSGSIZE;
	return (int)nlh->nlmsg_len;
}

/* Copies a string attribute, which may or may not carry its NUL. */
static bool attr_string(char *out, size_t cap, const struct nlattr *a)
{
	size_t n = strnlen(mnl_attr_get_payload(a), mnl_attr_get_payload_len(a));

	if (n >= cap)
		return false;
	memcpy(out, mnl_attr_get_payload(a), n);
	out[n] = '\0';
	return true;
}

static int link_data(void *ctx, const struct nlmsghdr *nlh)
{
	const struct netlink_link_state *st = ctx;
	char name[IFNAMSIZ] = "", kind[64] = "";
	const struct nlattr *a, *info;

	if (nlh->nlmsg_type != RTM_NEWLINK)
		return 0;
	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(struct ifinfomsg))
		return -EPROTO;
	for (a = netlink_msg_next(nlh, sizeof(struct ifinfomsg), NULL); a;
	     a = netlink_msg_next(nlh, sizeof(struct ifinfomsg), a)) {
		if (mnl_attr_get_type(a) == IFLA_IFNAME) {
			if (!attr_string(name, sizeof(name), a))
				return -EPROTO;
		} else if (mnl_attr_get_type(a) == IFLA_LINKINFO) {
			for (info = netlink_nest_next(a, NULL); info;
			     info = netlink_nest_next(a, info)) {
				if (mnl_attr_get_type(info) == IFLA_INFO_KIND &&
				    !attr_string(kind, sizeof(kind), info))
					kind[0] = '\0';
			}
		}
	}
	return name[0] ? st->fn(st->ctx, name, kind) : 0;
}

int netlink_link_parse(struct netlink_link_state *st, const void *buf, size_t len)
{
	const struct walk w = {
		.seq = st->seq,
		.portid = st->portid,
		.done = &st->done,
		.interrupted = &st->interrupted,
		.data = link_data,
		.ctx = st,
	};

	return walk(&w, buf, len);
}
