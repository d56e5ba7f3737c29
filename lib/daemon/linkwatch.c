// SPDX-License-Identifier: MIT
#include <errno.h>
#include <limits.h>
#include <libmnl/libmnl.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdint.h>
#include <sys/socket.h>

#include "daemon/linkwatch.h"
#include "util/nlmsg.h"

int linkwatch_open(struct linkwatch *lw, int ifindex)
{
	int ret;

	lw->ifindex = ifindex;
	lw->lost = false;
	lw->nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (!lw->nl)
		return -errno;
	if (mnl_socket_bind(lw->nl, RTMGRP_LINK, MNL_SOCKET_AUTOPID) < 0) {
		ret = -errno;
		mnl_socket_close(lw->nl);
		lw->nl = NULL;
		return ret;
	}
	return 0;
}

void linkwatch_close(struct linkwatch *lw)
{
	if (lw->nl)
		mnl_socket_close(lw->nl);
	lw->nl = NULL;
}

int linkwatch_fd(const struct linkwatch *lw)
{
	return mnl_socket_get_fd(lw->nl);
}

static int on_attr(const struct nlattr *a, void *data)
{
	struct link_state *st = data;

	if (mnl_attr_get_type(a) == IFLA_MTU && !mnl_attr_validate(a, MNL_TYPE_U32))
		st->mtu = mnl_attr_get_u32(a);
	return MNL_CB_OK;
}

struct read_ctx {
	int ifindex;
	struct link_state *st;
};

static int on_msg(const struct nlmsghdr *nlh, void *data)
{
	const struct read_ctx *ctx = data;
	struct link_state *st = ctx->st;
	const struct ifinfomsg *ifi;

	if (nlh->nlmsg_type != RTM_NEWLINK && nlh->nlmsg_type != RTM_DELLINK)
		return MNL_CB_OK;
	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*ifi)))
		return MNL_CB_OK;
	ifi = mnl_nlmsg_get_payload(nlh);
	if (ifi->ifi_index != ctx->ifindex)
		return MNL_CB_OK;
	if (nlh->nlmsg_type == RTM_DELLINK) {
		st->deleted = true;
		return MNL_CB_OK;
	}
	st->up = ifi->ifi_flags & IFF_UP;
	st->went_down |= !st->up;
	mnl_attr_parse(nlh, sizeof(*ifi), on_attr, st);
	return MNL_CB_OK;
}

void linkwatch_parse(int ifindex, const void *buf, size_t len, struct link_state *st)
{
	struct read_ctx ctx = { ifindex, st };
	int left = len > INT_MAX ? INT_MAX : (int)len;

	for (const struct nlmsghdr *nlh = buf; nlmsg_fits(nlh, left);
	     nlh = mnl_nlmsg_next(nlh, &left))
		on_msg(nlh, &ctx);
}

int linkwatch_read(struct linkwatch *lw, struct link_state *st)
{
	static uint8_t buf[32768] __attribute__((aligned(NLMSG_ALIGNTO)));
	struct sockaddr_nl from;
	socklen_t flen;
	ssize_t n;

	for (;;) {
		flen = sizeof(from);
		n = recvfrom(mnl_socket_get_fd(lw->nl), buf, sizeof(buf), 0,
			     (struct sockaddr *)&from, &flen);
		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return 0;
			if (errno == ENOBUFS) {
				lw->lost = true;
				continue;
			}
			return -errno;
		}
		/* Any local process may send to our port: a forged RTM_DELLINK would stop us. */
		if (flen != sizeof(from) || from.nl_family != AF_NETLINK || from.nl_pid != 0)
			continue;
		linkwatch_parse(lw->ifindex, buf, (size_t)n, st);
	}
}
