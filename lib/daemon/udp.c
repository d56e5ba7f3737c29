// SPDX-License-Identifier: MIT
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "daemon/udp.h"

/* Port 0 on both families: the v4 bind of the port the kernel gave v6 may collide. */
enum { BIND_ATTEMPTS = 10 };

union cmsg_space {
	struct cmsghdr align;
	char buf[CMSG_SPACE(sizeof(struct in6_pktinfo))];
};

static int set_mark(int fd, uint32_t fwmark)
{
	if (fd >= 0 && setsockopt(fd, SOL_SOCKET, SO_MARK, &fwmark, sizeof(fwmark)) < 0)
		return -errno;
	return 0;
}

static int open_one(int family, uint16_t port, uint32_t fwmark, int *fdp, uint16_t *bound)
{
	union wg_endpoint a = {0};
	socklen_t alen;
	int fd, one = 1, ret;

	fd = socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (family == AF_INET6) {
		a.addr6.sin6_family = AF_INET6;
		a.addr6.sin6_port = htons(port);
		alen = sizeof(a.addr6);
		if (setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) < 0 ||
		    setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one, sizeof(one)) < 0)
			goto err;
	} else {
		a.addr4.sin_family = AF_INET;
		a.addr4.sin_port = htons(port);
		alen = sizeof(a.addr4);
		if (setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one)) < 0)
			goto err;
	}
	if (fwmark && (ret = set_mark(fd, fwmark)))
		goto err_ret;
	if (bind(fd, &a.addr, alen) < 0 || getsockname(fd, &a.addr, &alen) < 0)
		goto err;
	*bound = ntohs(family == AF_INET6 ? a.addr6.sin6_port : a.addr4.sin_port);
	*fdp = fd;
	return 0;
err:
	ret = -errno;
err_ret:
	close(fd);
	return ret;
}

static int open_pair(struct udp *n, uint16_t port, uint32_t fwmark)
{
	uint16_t p6 = 0, p4 = 0;
	int ret;

	for (int i = 0; i < BIND_ATTEMPTS; ++i) {
		n->fd4 = n->fd6 = -1;
		ret = open_one(AF_INET6, port, fwmark, &n->fd6, &p6);
		if (ret == -EAFNOSUPPORT)
			p6 = port;
		else if (ret)
			return ret;
		ret = open_one(AF_INET, p6, fwmark, &n->fd4, &p4);
		if (ret == -EAFNOSUPPORT && n->fd6 >= 0) {
			p4 = p6;
			ret = 0;
		}
		if (!ret) {
			n->port = p4;
			n->fwmark = fwmark;
			return 0;
		}
		if (n->fd6 >= 0)
			close(n->fd6);
		n->fd6 = -1;
		if (ret != -EADDRINUSE || port)
			return ret;
	}
	return -EADDRINUSE;
}

void udp_init(struct udp *u)
{
	memset(u, 0, sizeof(*u));
	u->fd4 = u->fd6 = -1;
}

int udp_bind(struct udp *u, uint16_t port, uint32_t fwmark, uint16_t *bound)
{
	struct udp n;
	int ret;

	if ((u->fd4 >= 0 || u->fd6 >= 0) && port == u->port) {
		if (fwmark != u->fwmark) {
			ret = set_mark(u->fd4, fwmark);
			if (!ret)
				ret = set_mark(u->fd6, fwmark);
			if (ret)
				return ret;
			u->fwmark = fwmark;
		}
		*bound = u->port;
		return 0;
	}
	udp_init(&n);
	ret = open_pair(&n, port, fwmark);
	if (ret)
		return ret;
	udp_close(u);
	*u = n;
	*bound = u->port;
	return 0;
}

void udp_close(struct udp *u)
{
	if (u->fd4 >= 0)
		close(u->fd4);
	if (u->fd6 >= 0)
		close(u->fd6);
	u->fd4 = u->fd6 = -1;
}

static void read_pktinfo(struct msghdr *mh, struct dp_endpoint *ep)
{
	for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
		if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
			struct in_pktinfo pi;

			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			/* spec_dst, not the header's destination: it is a usable source for
			 * replies. */
			ep->src.ip4 = pi.ipi_spec_dst;
			ep->src_ifindex = pi.ipi_ifindex;
			ep->has_src = true;
		} else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
			struct in6_pktinfo pi;

			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			ep->src.ip6 = pi.ipi6_addr;
			ep->src_ifindex = (int)pi.ipi6_ifindex;
			ep->has_src = true;
		}
	}
}

int udp_recv(int fd, struct udp_msg *msgs, int n)
{
	int i;

	for (i = 0; i < n; ++i) {
		struct udp_msg *m = &msgs[i];
		struct iovec iov = {.iov_base = m->buf, .iov_len = m->cap};
		union cmsg_space ctl;
		struct msghdr mh = {
			.msg_name = &m->ep.addr,
			.msg_namelen = sizeof(m->ep.addr),
			.msg_iov = &iov,
			.msg_iovlen = 1,
			.msg_control = ctl.buf,
			.msg_controllen = sizeof(ctl.buf),
		};
		ssize_t r;

		memset(&m->ep, 0, sizeof(m->ep));
		r = recvmsg(fd, &mh, 0);
		if (r < 0) {
			if (i || errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			return -errno;
		}
		m->len = (size_t)r;
		read_pktinfo(&mh, &m->ep);
	}
	return i;
}

static int send_one(const struct udp *u, const struct udp_out *m)
{
	const struct dp_endpoint *ep = m->ep;
	struct iovec iov = {.iov_base = (void *)m->buf, .iov_len = m->len};
	union cmsg_space ctl;
	struct msghdr mh = {
		.msg_name = (void *)&ep->addr,
		.msg_iov = &iov,
		.msg_iovlen = 1,
	};
	struct cmsghdr *c;
	int fd;

	memset(&ctl, 0, sizeof(ctl));
	if (ep->addr.addr.sa_family == AF_INET) {
		fd = u->fd4;
		mh.msg_namelen = sizeof(ep->addr.addr4);
		if (ep->has_src) {
			struct in_pktinfo pi = {.ipi_spec_dst = ep->src.ip4};

			mh.msg_control = ctl.buf;
			mh.msg_controllen = CMSG_SPACE(sizeof(pi));
			c = CMSG_FIRSTHDR(&mh);
			c->cmsg_level = IPPROTO_IP;
			c->cmsg_type = IP_PKTINFO;
			c->cmsg_len = CMSG_LEN(sizeof(pi));
			memcpy(CMSG_DATA(c), &pi, sizeof(pi));
		}
	} else if (ep->addr.addr.sa_family == AF_INET6) {
		fd = u->fd6;
		mh.msg_namelen = sizeof(ep->addr.addr6);
		if (ep->has_src) {
			struct in6_pktinfo pi = {.ipi6_addr = ep->src.ip6};

			/* A link-local source only exists on its interface. */
			if (IN6_IS_ADDR_LINKLOCAL(&ep->src.ip6))
				pi.ipi6_ifindex = (unsigned int)ep->src_ifindex;
			mh.msg_control = ctl.buf;
			mh.msg_controllen = CMSG_SPACE(sizeof(pi));
			c = CMSG_FIRSTHDR(&mh);
			c->cmsg_level = IPPROTO_IPV6;
			c->cmsg_type = IPV6_PKTINFO;
			c->cmsg_len = CMSG_LEN(sizeof(pi));
			memcpy(CMSG_DATA(c), &pi, sizeof(pi));
		}
	} else {
		return -EAFNOSUPPORT;
	}
	if (fd < 0)
		return -EAFNOSUPPORT;
	if (sendmsg(fd, &mh, 0) >= 0)
		return 0;
	if (!mh.msg_control || (errno != EINVAL && errno != EADDRNOTAVAIL && errno != ENETUNREACH))
		return -errno;
	mh.msg_control = NULL;
	mh.msg_controllen = 0;
	return sendmsg(fd, &mh, 0) < 0 ? -errno : 0;
}

int udp_send(const struct udp *u, const struct udp_out *msgs, int n)
{
	int i, ret;

	for (i = 0; i < n; ++i) {
		ret = send_one(u, &msgs[i]);
		if (ret)
			return i ? i : ret;
	}
	return i;
}
