// SPDX-License-Identifier: MIT
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/rtnetlink.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>

#include "daemon/srcroute.h"
#include "util/nlmsg.h"

int srcroute_open(struct srcroute *sr)
{
	unsigned int groups = RTMGRP_LINK | RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR |
			      RTMGRP_IPV4_ROUTE | RTMGRP_IPV6_ROUTE | RTMGRP_IPV4_RULE;
	struct timeval tv = { .tv_sec = 1 };
	int ret;

	memset(sr, 0, sizeof(*sr));
	sr->gen = 1;
	sr->events = mnl_socket_open2(NETLINK_ROUTE, SOCK_NONBLOCK | SOCK_CLOEXEC);
	sr->req = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	if (!sr->events || !sr->req)
		goto err;
	if (mnl_socket_bind(sr->events, groups, MNL_SOCKET_AUTOPID) < 0 ||
	    mnl_socket_bind(sr->req, 0, MNL_SOCKET_AUTOPID) < 0)
		goto err;
	/* The loop waits on lookups: never for long, whatever the kernel does. */
	if (setsockopt(mnl_socket_get_fd(sr->req), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0)
		goto err;
	return 0;
err:
	ret = -errno;
	srcroute_close(sr);
	return ret;
}

void srcroute_close(struct srcroute *sr)
{
	if (sr->events)
		mnl_socket_close(sr->events);
	if (sr->req)
		mnl_socket_close(sr->req);
	sr->events = sr->req = NULL;
}

int srcroute_fd(const struct srcroute *sr)
{
	return mnl_socket_get_fd(sr->events);
}

void srcroute_drain(struct srcroute *sr)
{
	uint8_t buf[8192];
	ssize_t n;

	/* What changed does not matter (lost ones, ENOBUFS, neither): every answer is stale. */
	do
		n = recv(mnl_socket_get_fd(sr->events), buf, sizeof(buf), 0);
	while (n > 0 || (n < 0 && errno == ENOBUFS));
	++sr->gen;
}

static bool same(const struct dp_endpoint *a, const struct dp_endpoint *b)
{
	if (a->addr.addr.sa_family != b->addr.addr.sa_family || a->src_ifindex != b->src_ifindex)
		return false;
	if (a->addr.addr.sa_family == AF_INET)
		return a->addr.addr4.sin_addr.s_addr == b->addr.addr4.sin_addr.s_addr &&
		       a->src.ip4.s_addr == b->src.ip4.s_addr;
	return !memcmp(&a->addr.addr6.sin6_addr, &b->addr.addr6.sin6_addr, 16) &&
	       a->addr.addr6.sin6_scope_id == b->addr.addr6.sin6_scope_id &&
	       !memcmp(&a->src.ip6, &b->src.ip6, 16);
}

static unsigned int slot_of(const struct dp_endpoint *ep)
{
	const uint8_t *p;
	size_t n;
	uint32_t h = 2166136261u;

	if (ep->addr.addr.sa_family == AF_INET) {
		p = (const uint8_t *)&ep->addr.addr4.sin_addr;
		n = 4;
	} else {
		p = (const uint8_t *)&ep->addr.addr6.sin6_addr;
		n = 16;
	}
	for (size_t i = 0; i < n; ++i)
		h = (h ^ p[i]) * 16777619u;
	return h % SRCROUTE_SLOTS;
}

static int on_attr(const struct nlattr *a, void *data)
{
	if (mnl_attr_get_type(a) == RTA_OIF && !mnl_attr_validate(a, MNL_TYPE_U32))
		*(int *)data = (int)mnl_attr_get_u32(a);
	return MNL_CB_OK;
}

static int on_route(const struct nlmsghdr *nlh, void *data)
{
	if (nlh->nlmsg_type == RTM_NEWROUTE &&
	    nlh->nlmsg_len >= mnl_nlmsg_size(sizeof(struct rtmsg)))
		mnl_attr_parse(nlh, sizeof(struct rtmsg), on_attr, data);
	return MNL_CB_OK;
}

/* The output interface of the route to ep from its source (0 when there is none). */
static int lookup(struct srcroute *sr, const struct dp_endpoint *ep, uint32_t fwmark, int *oif)
{
	uint8_t buf[8192] __attribute__((aligned(NLMSG_ALIGNTO)));
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	unsigned int portid = mnl_socket_get_portid(sr->req);
	bool v4 = ep->addr.addr.sa_family == AF_INET;
	struct rtmsg *rtm;
	ssize_t n;
	int ret;

	nlh->nlmsg_type = RTM_GETROUTE;
	/* The ACK ends the exchange: a plain reply would leave mnl_cb_run wanting more. */
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = ++sr->seq;
	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = (uint8_t)ep->addr.addr.sa_family;
	rtm->rtm_dst_len = v4 ? 32 : 128;
	rtm->rtm_src_len = v4 ? 32 : 128;
	if (v4) {
		mnl_attr_put(nlh, RTA_DST, 4, &ep->addr.addr4.sin_addr);
		mnl_attr_put(nlh, RTA_SRC, 4, &ep->src.ip4);
	} else {
		mnl_attr_put(nlh, RTA_DST, 16, &ep->addr.addr6.sin6_addr);
		mnl_attr_put(nlh, RTA_SRC, 16, &ep->src.ip6);
		/* A link-local peer is only reachable on its interface. */
		if (ep->addr.addr6.sin6_scope_id)
			mnl_attr_put_u32(nlh, RTA_OIF, ep->addr.addr6.sin6_scope_id);
	}
	if (fwmark)
		mnl_attr_put_u32(nlh, RTA_MARK, fwmark);
	*oif = 0;
	if (mnl_socket_sendto(sr->req, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	do {
		n = mnl_socket_recvfrom(sr->req, buf, sizeof(buf));
		if (n < 0)
			return -errno;
		ret = mnl_cb_run(buf, (size_t)n, sr->seq, portid, on_route, oif);
	} while (ret > 0);
	return ret < 0 ? -errno : 0;
}

bool srcroute_ok(struct srcroute *sr, const struct dp_endpoint *ep, uint32_t fwmark)
{
	struct srcroute_slot *s;
	int oif;

	if (!ep->has_src || !sr->req)
		return true;
	s = &sr->slot[slot_of(ep)];
	if (s->gen == sr->gen && s->fwmark == fwmark && same(&s->ep, ep))
		return s->ok;
	s->gen = sr->gen;
	s->ep = *ep;
	s->fwmark = fwmark;
	/* No route from that source (it is gone, or rules forbid it): the kernel's EINVAL. */
	s->ok = !lookup(sr, ep, fwmark, &oif) && oif == ep->src_ifindex;
	return s->ok;
}
