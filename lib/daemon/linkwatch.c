// SPDX-License-Identifier: MIT
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <libmnl/libmnl.h>
#include <linux/if_link.h>
#include <linux/if_tun.h>
#include <linux/net_namespace.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "daemon/linkwatch.h"
#include "util/nlmsg.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

int linkwatch_open(struct linkwatch *lw, int tunfd, int ifindex)
{
	int one = 1, ret, fd;
	struct stat st;

	lw->tunfd = tunfd;
	lw->ifindex = ifindex;
	lw->nsid = -1;
	lw->lost = false;
	/* The thread's namespace, not the process's: setns() may have moved only this thread. */
	fd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ret = fstat(fd, &st) < 0 ? -errno : 0;
	close(fd);
	if (ret)
		return ret;
	lw->ns_dev = st.st_dev;
	lw->ns_ino = st.st_ino;
	lw->nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (!lw->nl)
		return -errno;
	if (setsockopt(mnl_socket_get_fd(lw->nl), SOL_NETLINK, NETLINK_LISTEN_ALL_NSID, &one,
		       sizeof(one)) < 0 ||
	    mnl_socket_bind(lw->nl, RTMGRP_LINK, MNL_SOCKET_AUTOPID) < 0) {
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

/* One request on a socket of its own, so no reply mixes with the notifications. */
static int request(struct nlmsghdr *nlh, mnl_cb_t cb, void *data)
{
	static uint8_t buf[16384] __attribute__((aligned(NLMSG_ALIGNTO)));
	struct mnl_socket *nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	unsigned int portid, seq = (unsigned int)time(NULL);
	int ret;
	ssize_t n;

	if (!nl)
		return -errno;
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0)
		goto err;
	portid = mnl_socket_get_portid(nl);
	nlh->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = seq;
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		goto err;
	do {
		n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
		if (n < 0)
			goto err;
		ret = mnl_cb_run(buf, (size_t)n, seq, portid, cb, data);
	} while (ret > 0);
	ret = ret < 0 ? -errno : 0;
	mnl_socket_close(nl);
	return ret;
err:
	ret = -errno;
	mnl_socket_close(nl);
	return ret;
}

static int on_nsid_attr(const struct nlattr *a, void *data)
{
	if (mnl_attr_get_type(a) == NETNSA_NSID && !mnl_attr_validate(a, MNL_TYPE_U32))
		*(int *)data = (int)mnl_attr_get_u32(a);
	return MNL_CB_OK;
}

static int on_nsid(const struct nlmsghdr *nlh, void *data)
{
	if (nlh->nlmsg_type == RTM_NEWNSID &&
	    nlh->nlmsg_len >= mnl_nlmsg_size(sizeof(struct rtgenmsg)))
		mnl_attr_parse(nlh, sizeof(struct rtgenmsg), on_nsid_attr, data);
	return MNL_CB_OK;
}

static int nsid_request(int nsfd, bool assign, int *nsid)
{
	char buf[512] __attribute__((aligned(NLMSG_ALIGNTO)));
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct rtgenmsg *g;

	nlh->nlmsg_type = assign ? RTM_NEWNSID : RTM_GETNSID;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->rtgen_family = AF_UNSPEC;
	mnl_attr_put_u32(nlh, NETNSA_FD, (uint32_t)nsfd);
	/* -1: the kernel chooses. */
	if (assign)
		mnl_attr_put_u32(nlh, NETNSA_NSID, (uint32_t)-1);
	*nsid = -1;
	return request(nlh, assign ? NULL : on_nsid, nsid);
}

/*
 * The id our namespace gives the namespace nsfd. One is assigned if it has none yet: only
 * namespaces with an id send us their notifications.
 */
static int nsid_of(int nsfd, int *nsid)
{
	int ret = nsid_request(nsfd, false, nsid);

	if (ret || *nsid >= 0)
		return ret;
	ret = nsid_request(nsfd, true, nsid);
	/* EEXIST: someone else assigned one in between. */
	if (ret && ret != -EEXIST)
		return ret;
	ret = nsid_request(nsfd, false, nsid);
	return ret ? ret : *nsid >= 0 ? 0 : -ESRCH;
}

static int on_attr(const struct nlattr *a, void *data)
{
	struct link_state *st = data;

	if (mnl_attr_get_type(a) == IFLA_MTU && !mnl_attr_validate(a, MNL_TYPE_U32))
		st->mtu = mnl_attr_get_u32(a);
	return MNL_CB_OK;
}

struct query_ctx {
	int ifindex;
	struct link_state *st;
};

static int on_link(const struct nlmsghdr *nlh, void *data)
{
	struct query_ctx *q = data;
	const struct ifinfomsg *ifi;

	if (nlh->nlmsg_type != RTM_NEWLINK || nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*ifi)))
		return MNL_CB_OK;
	ifi = mnl_nlmsg_get_payload(nlh);
	q->ifindex = ifi->ifi_index;
	q->st->up = ifi->ifi_flags & IFF_UP;
	q->st->went_down |= !q->st->up;
	mnl_attr_parse(nlh, sizeof(*ifi), on_attr, q->st);
	return MNL_CB_OK;
}

int linkwatch_query(struct linkwatch *lw, struct link_state *st)
{
	char buf[512] __attribute__((aligned(NLMSG_ALIGNTO)));
	struct ifreq ifr = { 0 };
	struct query_ctx q = { -1, st };
	struct nlmsghdr *nlh;
	struct ifinfomsg *ifi;
	int nsfd, nsid = -1, ret;
	struct stat ns;

	/* The TUN fd knows its link wherever it went; it has none once the link is deleted. */
	if (ioctl(lw->tunfd, TUNGETIFF, &ifr) < 0) {
		if (errno != EBADFD)
			return -errno;
		st->deleted = true;
		return 0;
	}
	nsfd = ioctl(lw->tunfd, TUNGETDEVNETNS);
	if (nsfd < 0 && errno == EBADFD) {
		st->deleted = true;
		return 0;
	}
	/* Before Linux 5.2 there is no asking: the link is taken to be at home. */
	if (nsfd < 0 && errno != ENOTTY && errno != EINVAL)
		return -errno;
	if (nsfd >= 0) {
		ret = fstat(nsfd, &ns) < 0 ? -errno : 0;
		if (!ret && (ns.st_dev != lw->ns_dev || ns.st_ino != lw->ns_ino))
			ret = nsid_of(nsfd, &nsid);
		close(nsfd);
		if (ret)
			return ret;
	}
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_GETLINK;
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifr.ifr_name[IFNAMSIZ - 1] = '\0';
	mnl_attr_put_strz(nlh, IFLA_IFNAME, ifr.ifr_name);
	if (nsid >= 0)
		mnl_attr_put_u32(nlh, IFLA_TARGET_NETNSID, (uint32_t)nsid);
	ret = request(nlh, on_link, &q);
	if (ret)
		return ret;
	if (q.ifindex <= 0)
		return -ENODEV;
	lw->nsid = nsid;
	lw->ifindex = q.ifindex;
	return 0;
}

struct read_ctx {
	const struct linkwatch *lw;
	int nsid;
	struct link_state *st;
	/* Our link left its namespace, or was deleted: the TUN fd tells which. */
	bool gone;
};

static int on_msg(const struct nlmsghdr *nlh, void *data)
{
	struct read_ctx *ctx = data;
	struct link_state *st = ctx->st;
	const struct ifinfomsg *ifi;

	if (nlh->nlmsg_type != RTM_NEWLINK && nlh->nlmsg_type != RTM_DELLINK)
		return MNL_CB_OK;
	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*ifi)))
		return MNL_CB_OK;
	ifi = mnl_nlmsg_get_payload(nlh);
	/* Index 7 in another namespace is another link. */
	if (ifi->ifi_index != ctx->lw->ifindex || ctx->nsid != ctx->lw->nsid)
		return MNL_CB_OK;
	if (nlh->nlmsg_type == RTM_DELLINK) {
		ctx->gone = true;
		return MNL_CB_OK;
	}
	st->up = ifi->ifi_flags & IFF_UP;
	st->went_down |= !st->up;
	mnl_attr_parse(nlh, sizeof(*ifi), on_attr, st);
	return MNL_CB_OK;
}

bool linkwatch_parse(const struct linkwatch *lw, int nsid, const void *buf, size_t len,
		     struct link_state *st)
{
	struct read_ctx ctx = { lw, nsid, st, false };
	int left = len > INT_MAX ? INT_MAX : (int)len;

	for (const struct nlmsghdr *nlh = buf; nlmsg_fits(nlh, left);
	     nlh = mnl_nlmsg_next(nlh, &left))
		on_msg(nlh, &ctx);
	return ctx.gone;
}

int linkwatch_read(struct linkwatch *lw, struct link_state *st)
{
	static uint8_t buf[32768] __attribute__((aligned(NLMSG_ALIGNTO)));
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct read_ctx ctx = { lw, -1, st, false };
	struct sockaddr_nl from;
	struct iovec iov = { buf, sizeof(buf) };
	struct msghdr mh;
	struct cmsghdr *c;
	ssize_t n;

	for (;;) {
		mh = (struct msghdr){ .msg_name = &from,
				      .msg_namelen = sizeof(from),
				      .msg_iov = &iov,
				      .msg_iovlen = 1,
				      .msg_control = cbuf,
				      .msg_controllen = sizeof(cbuf) };
		n = recvmsg(mnl_socket_get_fd(lw->nl), &mh, 0);
		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			if (errno == ENOBUFS) {
				lw->lost = true;
				continue;
			}
			return -errno;
		}
		/* Any local process may send to our port: a forged RTM_DELLINK would stop us. */
		if (mh.msg_namelen != sizeof(from) || from.nl_family != AF_NETLINK ||
		    from.nl_pid != 0)
			continue;
		/* No id: our own namespace. */
		ctx.nsid = -1;
		for (c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c))
			if (c->cmsg_level == SOL_NETLINK &&
			    c->cmsg_type == NETLINK_LISTEN_ALL_NSID &&
			    c->cmsg_len == CMSG_LEN(sizeof(int)))
				memcpy(&ctx.nsid, CMSG_DATA(c), sizeof(int));
		ctx.gone |= linkwatch_parse(lw, ctx.nsid, buf, (size_t)n, st);
	}
	/*
	 * Moving a link to another namespace deletes it here (RTM_DELLINK with
	 * IFLA_NEW_NETNSID): only the TUN fd can tell a move from a deletion.
	 */
	if (ctx.gone || lw->lost) {
		lw->lost = false;
		return linkwatch_query(lw, st);
	}
	return 0;
}
