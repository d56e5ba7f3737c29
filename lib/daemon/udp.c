// SPDX-License-Identifier: MIT
#include <errno.h>
#include <linux/filter.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "daemon/srcroute.h"
#include "daemon/udp.h"
#include "noise/messages.h"
#include "util/log.h"

enum {
	/* Port 0 on both families: the v4 bind of the port the kernel gave v6 may collide. */
	BIND_ATTEMPTS = 10,
	/*
	 * Room for bursts while the loop is busy with the other direction (the kernel doubles it),
	 * but no more: a TCP flow fills whatever the receiver's buffer holds, and pings wait
	 * behind it (docs/bench.md#udp-buffers).
	 */
	SOCKET_BUFFER = 1 << 19,
	/* The kernel's UDP_MAX_SEGMENTS, and what one UDP datagram's length field can carry. */
	GSO_MAX_SEGMENTS = 64,
	GSO_MAX_BYTES = 65535 - 40 - 8,
	MMSG_MAX = 64,
};

union cmsg_space {
	struct cmsghdr align;
	char buf[CMSG_SPACE(sizeof(struct in6_pktinfo)) + CMSG_SPACE(sizeof(int))];
};

static int set_mark(int fd, uint32_t fwmark)
{
	if (fd >= 0 && setsockopt(fd, SOL_SOCKET, SO_MARK, &fwmark, sizeof(fwmark)) < 0)
		return -errno;
	return 0;
}

static void set_buffers(int fd)
{
	int size = SOCKET_BUFFER;

	/* FORCE goes past net.core.[rw]mem_max, which root may. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) < 0)
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof(size)) < 0)
		(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
}

/*
 * Steers transport data (type 4) to the first socket of a reuseport group and everything else,
 * handshakes and garbage, to the second. Reuseport programs see the datagram from its UDP
 * payload on; the load of an empty one ends the program with 0, to the data socket.
 */
static int attach_steering(int fd)
{
	struct sock_filter code[] = {
		{ BPF_LD | BPF_B | BPF_ABS, 0, 0, 0 },
		{ BPF_JMP | BPF_JEQ | BPF_K, 1, 0, MESSAGE_DATA },
		{ BPF_RET | BPF_K, 0, 0, 1 },
		{ BPF_RET | BPF_K, 0, 0, 0 },
	};
	struct sock_fprog prog = { .len = sizeof(code) / sizeof(code[0]), .filter = code };

	return setsockopt(fd, SOL_SOCKET, SO_ATTACH_REUSEPORT_CBPF, &prog, sizeof(prog)) < 0
		       ? -errno
		       : 0;
}

/* steered: the handshake socket, joining the group of the data socket already on port. */
static int open_one(int family, uint16_t port, uint32_t fwmark, bool gro, bool steered, int *fdp,
		    uint16_t *bound)
{
	union wg_endpoint a = { 0 };
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
	set_buffers(fd);
	/*
	 * Not fatal: older kernels just hand over one datagram at a time. The handshake socket asks
	 * too, since GRO picks a socket of the group by hash before the steering program runs.
	 */
	if (gro)
		(void)setsockopt(fd, IPPROTO_UDP, UDP_GRO, &one, sizeof(one));
	if (steered && setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) < 0)
		goto err;
	if (bind(fd, &a.addr, alen) < 0 || getsockname(fd, &a.addr, &alen) < 0)
		goto err;
	if (steered && (ret = attach_steering(fd)))
		goto err_ret;
	*bound = ntohs(family == AF_INET6 ? a.addr6.sin6_port : a.addr4.sin_port);
	*fdp = fd;
	return 0;
err:
	ret = -errno;
err_ret:
	close(fd);
	return ret;
}

/*
 * The data socket was bound without SO_REUSEPORT, so a port someone else holds is refused as
 * usual and nobody else's group is joined; the flag set afterwards lets our handshake socket,
 * and only sockets of our user, share the port. Without it (old kernels) the data socket takes
 * everything.
 */
static void open_handshake(int family, int fd, uint16_t port, uint32_t fwmark, bool gro, int *hs)
{
	int one = 1, ret;
	uint16_t p;

	*hs = -1;
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) < 0)
		return;
	ret = open_one(family, port, fwmark, gro, true, hs, &p);
	if (ret) {
		log_verbose("No separate handshake queue: %s", strerror(-ret));
		/* Alone, the port is ours only: no other socket may share it. */
		one = 0;
		(void)setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one));
	}
}

static int open_pair(struct udp *n, uint16_t port, uint32_t fwmark)
{
	uint16_t p6 = 0, p4 = 0;
	int ret;

	for (int i = 0; i < BIND_ATTEMPTS; ++i) {
		n->fd4 = n->fd6 = n->hs4 = n->hs6 = -1;
		ret = open_one(AF_INET6, port, fwmark, n->gro, false, &n->fd6, &p6);
		if (ret == -EAFNOSUPPORT)
			p6 = port;
		else if (ret)
			return ret;
		ret = open_one(AF_INET, p6, fwmark, n->gro, false, &n->fd4, &p4);
		if (ret == -EAFNOSUPPORT && n->fd6 >= 0) {
			p4 = p6;
			ret = 0;
		}
		if (!ret) {
			n->port = p4;
			n->fwmark = fwmark;
			open_handshake(AF_INET6, n->fd6, p4, fwmark, n->gro, &n->hs6);
			open_handshake(AF_INET, n->fd4, p4, fwmark, n->gro, &n->hs4);
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

void udp_init(struct udp *u, bool offload)
{
	memset(u, 0, sizeof(*u));
	u->fd4 = u->fd6 = u->hs4 = u->hs6 = -1;
	u->gso = u->gro = offload;
}

int udp_bind(struct udp *u, uint16_t port, uint32_t fwmark, uint16_t *bound)
{
	struct udp n;
	int ret;

	if ((u->fd4 >= 0 || u->fd6 >= 0) && port == u->port) {
		if (fwmark != u->fwmark) {
			int fds[] = { u->fd4, u->fd6, u->hs4, u->hs6 };

			ret = 0;
			for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]) && !ret; ++i)
				ret = set_mark(fds[i], fwmark);
			if (ret)
				return ret;
			u->fwmark = fwmark;
		}
		*bound = u->port;
		return 0;
	}
	udp_init(&n, u->gro);
	n.gso = u->gso;
	n.sr = u->sr;
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
	int *fds[] = { &u->fd4, &u->fd6, &u->hs4, &u->hs6 };

	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); ++i) {
		if (*fds[i] >= 0)
			close(*fds[i]);
		*fds[i] = -1;
	}
}

static void read_cmsgs(struct msghdr *mh, struct udp_msg *m)
{
	for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
		if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
			struct in_pktinfo pi;

			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			/* spec_dst, not the header's destination: a usable source for replies. */
			m->ep.src.ip4 = pi.ipi_spec_dst;
			m->ep.src_ifindex = pi.ipi_ifindex;
			m->ep.has_src = true;
		} else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
			struct in6_pktinfo pi;

			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			m->ep.src.ip6 = pi.ipi6_addr;
			m->ep.src_ifindex = (int)pi.ipi6_ifindex;
			m->ep.has_src = true;
		} else if (c->cmsg_level == IPPROTO_UDP && c->cmsg_type == UDP_GRO) {
			int seg;

			memcpy(&seg, CMSG_DATA(c), sizeof(seg));
			m->segment = seg > 0 ? (size_t)seg : 0;
		}
	}
}

int udp_recv(int fd, struct udp_msg *msgs, int n)
{
	struct mmsghdr mm[MMSG_MAX];
	struct iovec iov[MMSG_MAX];
	union cmsg_space ctl[MMSG_MAX];
	int r;

	if (n > MMSG_MAX)
		n = MMSG_MAX;
	for (int i = 0; i < n; ++i) {
		memset(&msgs[i].ep, 0, sizeof(msgs[i].ep));
		iov[i] = (struct iovec){ msgs[i].buf, msgs[i].cap };
		mm[i].msg_len = 0;
		mm[i].msg_hdr = (struct msghdr){
			.msg_name = &msgs[i].ep.addr,
			.msg_namelen = sizeof(msgs[i].ep.addr),
			.msg_iov = &iov[i],
			.msg_iovlen = 1,
			.msg_control = ctl[i].buf,
			.msg_controllen = sizeof(ctl[i].buf),
		};
	}
	r = recvmmsg(fd, mm, (unsigned int)n, MSG_DONTWAIT, NULL);
	if (r < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -errno;
	for (int i = 0; i < r; ++i) {
		msgs[i].len = mm[i].msg_len;
		msgs[i].segment = 0;
		read_cmsgs(&mm[i].msg_hdr, &msgs[i]);
		/* Cut short: the tail of a coalesced burst is lost, but whole datagrams are kept.
		 */
		if (mm[i].msg_hdr.msg_flags & MSG_TRUNC)
			msgs[i].len =
				msgs[i].segment ? msgs[i].len - msgs[i].len % msgs[i].segment : 0;
	}
	return r;
}

int udp_txq_init(struct udp_txq *q, size_t bytes, size_t msgs)
{
	memset(q, 0, sizeof(*q));
	q->area = malloc(bytes);
	q->msgs = calloc(msgs, sizeof(*q->msgs));
	if (!q->area || !q->msgs) {
		udp_txq_free(q);
		return -ENOMEM;
	}
	q->cap = bytes;
	q->max = msgs;
	return 0;
}

void udp_txq_free(struct udp_txq *q)
{
	free(q->area);
	free(q->msgs);
	memset(q, 0, sizeof(*q));
}

uint8_t *udp_txq_buffer(struct udp_txq *q, size_t cap, enum dp_tx_state **state)
{
	if (q->n == q->max || q->cap - q->used < cap)
		return NULL;
	q->reserved = q->area + q->used;
	q->msgs[q->n].state = DP_TX_PENDING;
	*state = &q->msgs[q->n].state;
	return q->area + q->used;
}

int udp_txq_push(struct udp_txq *q, const struct dp_endpoint *ep, const void *buf, size_t len)
{
	struct udp_txe *e;

	if (buf != q->reserved) {
		if (q->n == q->max || q->cap - q->used < len)
			return -ENOBUFS;
		memcpy(q->area + q->used, buf, len);
		q->msgs[q->n].state = DP_TX_SEALED;
	}
	q->reserved = NULL;
	e = &q->msgs[q->n++];
	e->ep = *ep;
	e->off = (uint32_t)q->used;
	e->len = (uint32_t)len;
	q->used += len;
	return 0;
}

static bool same_endpoint(const struct dp_endpoint *a, const struct dp_endpoint *b)
{
	if (a->addr.addr.sa_family != b->addr.addr.sa_family || a->has_src != b->has_src)
		return false;
	if (a->addr.addr.sa_family == AF_INET) {
		if (a->addr.addr4.sin_port != b->addr.addr4.sin_port ||
		    a->addr.addr4.sin_addr.s_addr != b->addr.addr4.sin_addr.s_addr ||
		    (a->has_src && a->src.ip4.s_addr != b->src.ip4.s_addr))
			return false;
	} else if (a->addr.addr6.sin6_port != b->addr.addr6.sin6_port ||
		   memcmp(&a->addr.addr6.sin6_addr, &b->addr.addr6.sin6_addr, 16) ||
		   a->addr.addr6.sin6_scope_id != b->addr.addr6.sin6_scope_id ||
		   (a->has_src && memcmp(&a->src.ip6, &b->src.ip6, 16))) {
		return false;
	}
	return !a->has_src || a->src_ifindex == b->src_ifindex;
}

/* Appends one control message to those already in ctl (used bytes). */
static void put_cmsg(union cmsg_space *ctl, size_t *used, int level, int type, const void *data,
		     size_t len)
{
	struct cmsghdr *c = (struct cmsghdr *)(ctl->buf + *used);

	c->cmsg_level = level;
	c->cmsg_type = type;
	c->cmsg_len = CMSG_LEN(len);
	memcpy(CMSG_DATA(c), data, len);
	*used += CMSG_SPACE(len);
}

/* One message: a run of datagrams to ep, cut every `segment` bytes when segment is not 0. */
static void build(struct msghdr *mh, struct iovec *iov, union cmsg_space *ctl,
		  const struct dp_endpoint *ep, bool pktinfo, uint16_t segment)
{
	size_t used = 0;

	memset(ctl, 0, sizeof(*ctl));
	*mh = (struct msghdr){
		.msg_name = (void *)&ep->addr,
		.msg_namelen = ep->addr.addr.sa_family == AF_INET ? sizeof(ep->addr.addr4)
								  : sizeof(ep->addr.addr6),
		.msg_iov = iov,
		.msg_iovlen = 1,
	};
	if (pktinfo && ep->has_src && ep->addr.addr.sa_family == AF_INET) {
		struct in_pktinfo pi = { .ipi_spec_dst = ep->src.ip4 };

		put_cmsg(ctl, &used, IPPROTO_IP, IP_PKTINFO, &pi, sizeof(pi));
	} else if (pktinfo && ep->has_src) {
		struct in6_pktinfo pi = { .ipi6_addr = ep->src.ip6 };

		/* A link-local source only exists on its interface. */
		if (IN6_IS_ADDR_LINKLOCAL(&ep->src.ip6))
			pi.ipi6_ifindex = (unsigned int)ep->src_ifindex;
		put_cmsg(ctl, &used, IPPROTO_IPV6, IPV6_PKTINFO, &pi, sizeof(pi));
	}
	if (segment)
		put_cmsg(ctl, &used, IPPROTO_UDP, UDP_SEGMENT, &segment, sizeof(segment));
	if (used) {
		mh->msg_control = ctl->buf;
		mh->msg_controllen = used;
	}
}

/* Whether ep's learned source goes with the datagram, or the kernel picks one. */
static bool use_src(struct udp *u, const struct dp_endpoint *ep)
{
	return ep->has_src && (!u->sr || srcroute_ok(u->sr, ep, u->fwmark));
}

static int fd_for(const struct udp *u, const struct dp_endpoint *ep)
{
	if (ep->addr.addr.sa_family == AF_INET)
		return u->fd4;
	return ep->addr.addr.sa_family == AF_INET6 ? u->fd6 : -1;
}

/* One datagram, or one GSO run, with the fallbacks; 0 or -errno. */
static int send_one(struct udp *u, const struct dp_endpoint *ep, uint8_t *buf, size_t len,
		    uint16_t segment)
{
	int fd = fd_for(u, ep);
	union cmsg_space ctl;
	struct iovec iov = { buf, len };
	struct msghdr mh;

	if (fd < 0)
		return -EAFNOSUPPORT;
	build(&mh, &iov, &ctl, ep, use_src(u, ep), segment);
	if (sendmsg(fd, &mh, 0) >= 0)
		return 0;
	if (ep->has_src && (errno == EINVAL || errno == EADDRNOTAVAIL || errno == ENETUNREACH)) {
		build(&mh, &iov, &ctl, ep, false, segment);
		if (sendmsg(fd, &mh, 0) >= 0)
			return 0;
	}
	if (segment && errno == EIO) {
		/* The route's device cannot checksum for us: no more GSO, and this run one by one.
		 */
		u->gso = false;
		for (size_t off = 0; off < len; off += segment) {
			int ret = send_one(u, ep, buf + off,
					   len - off < segment ? len - off : segment, 0);

			if (ret)
				return ret;
		}
		return 0;
	}
	return -errno;
}

struct run {
	size_t first, count, bytes;
	uint16_t segment;
};

/* The longest run from the SEALED msgs[i]: one endpoint, equal sizes but a shorter last one. */
static struct run run_at(const struct udp *u, const struct udp_txq *q, size_t i)
{
	const struct udp_txe *a = &q->msgs[i];
	struct run r = { .first = i, .count = 1, .bytes = a->len };

	while (u->gso && i + r.count < q->n && r.count < GSO_MAX_SEGMENTS) {
		const struct udp_txe *b = &q->msgs[i + r.count];

		if (b->state != DP_TX_SEALED || q->msgs[i + r.count - 1].len != a->len ||
		    b->len > a->len || r.bytes + b->len > GSO_MAX_BYTES ||
		    !same_endpoint(&a->ep, &b->ep))
			break;
		r.bytes += b->len;
		r.count++;
	}
	r.segment = r.count > 1 ? (uint16_t)a->len : 0;
	return r;
}

/* The next entry to send from i on, past DEAD ones; n at a PENDING one, or at the end. */
static size_t next_sealed(const struct udp_txq *q, size_t i, size_t *n)
{
	while (i < q->n && q->msgs[i].state == DP_TX_DEAD)
		++i;
	*n = i < q->n && q->msgs[i].state == DP_TX_PENDING ? i : q->n;
	return i;
}

size_t udp_flush(struct udp *u, struct udp_txq *q)
{
	struct mmsghdr mm[MMSG_MAX];
	struct iovec iov[MMSG_MAX];
	union cmsg_space ctl[MMSG_MAX];
	struct run runs[MMSG_MAX];
	size_t failed = 0, n, i = next_sealed(q, q->head, &n);

	while (i < n) {
		int fd = fd_for(u, &q->msgs[i].ep), k = 0, r;

		/* Consecutive runs on one socket go out in one sendmmsg. */
		while (i < n && k < MMSG_MAX && fd_for(u, &q->msgs[i].ep) == fd) {
			struct run *rn = &runs[k];
			const struct udp_txe *e = &q->msgs[i];

			*rn = run_at(u, q, i);
			iov[k] = (struct iovec){ q->area + e->off, rn->bytes };
			build(&mm[k].msg_hdr, &iov[k], &ctl[k], &e->ep, use_src(u, &e->ep),
			      rn->segment);
			i = next_sealed(q, i + rn->count, &n);
			++k;
		}
		for (int j = 0; j < k; j += r) {
			r = fd < 0 ? -1 : sendmmsg(fd, mm + j, (unsigned int)(k - j), 0);
			if (r > 0)
				continue;
			/* The first message failed: with its fallbacks, or dropped. */
			if (send_one(u, &q->msgs[runs[j].first].ep, iov[j].iov_base, iov[j].iov_len,
				     runs[j].segment))
				failed += runs[j].count;
			r = 1;
		}
	}
	/* A PENDING entry keeps its bytes where they are, and the area with them. */
	q->head = i;
	if (q->head == q->n)
		q->head = q->n = q->used = 0;
	q->reserved = NULL;
	return failed;
}
