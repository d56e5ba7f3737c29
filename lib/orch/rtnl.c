// SPDX-License-Identifier: MIT
/*
 * The rtnetlink socket and its one request/answer loop, and links. Every exchange goes through
 * rt_talk(), which keeps the errno of the kernel's NLMSG_ERROR: libnl's own receive path folds
 * many of them (ENETUNREACH, ENOENT, ...) into a few NLE_* codes, which are mapped back only for
 * what fails before the kernel answers.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <net/if.h>
#include <linux/rtnetlink.h>

#include <netlink/route/link.h>

#include "orch/rtnl_impl.h"

/* libnl's errors for what never reached the kernel; the kernel's own errno is used as is. */
static int nl_errno(int nle)
{
	switch (nle < 0 ? -nle : nle) {
	case NLE_SUCCESS:
		return 0;
	case NLE_INTR:
	case NLE_DUMP_INTR:
		return -EINTR;
	case NLE_BAD_SOCK:
		return -EBADF;
	case NLE_AGAIN:
		return -EAGAIN;
	case NLE_NOMEM:
		return -ENOMEM;
	case NLE_EXIST:
		return -EEXIST;
	case NLE_INVAL:
	case NLE_MISSING_ATTR:
	case NLE_OBJ_MISMATCH:
	case NLE_PARSE_ERR:
		return -EINVAL;
	case NLE_RANGE:
	case NLE_ATTRSIZE:
		return -ERANGE;
	case NLE_MSGSIZE:
	case NLE_MSG_TRUNC:
		return -EMSGSIZE;
	case NLE_OPNOTSUPP:
	case NLE_SRCRT_NOSUPPORT:
	case NLE_MSGTYPE_NOSUPPORT:
		return -EOPNOTSUPP;
	case NLE_AF_NOSUPPORT:
	case NLE_AF_MISMATCH:
		return -EAFNOSUPPORT;
	case NLE_OBJ_NOTFOUND:
	case NLE_NODEV:
		return -ENODEV;
	case NLE_NOATTR:
		return -ENODATA;
	case NLE_SEQ_MISMATCH:
	case NLE_MSG_TOOSHORT:
		return -EPROTO;
	case NLE_MSG_OVERFLOW:
		return -EOVERFLOW;
	case NLE_NOADDR:
		return -EADDRNOTAVAIL;
	case NLE_BUSY:
		return -EBUSY;
	case NLE_PROTO_MISMATCH:
		return -EPROTONOSUPPORT;
	case NLE_NOACCESS:
		return -EACCES;
	case NLE_PERM:
		return -EPERM;
	case NLE_IMMUTABLE:
		return -EROFS;
	default:
		return -EIO;
	}
}

int orch_rtnl_open(struct orch_rtnl **r)
{
	struct orch_rtnl *n = calloc(1, sizeof(*n));
	int ret;

	if (!n)
		return -ENOMEM;
	n->sk = nl_socket_alloc();
	if (!n->sk) {
		free(n);
		return -ENOMEM;
	}
	/* rt_talk() asks for acks itself and checks sequence numbers. */
	nl_socket_disable_auto_ack(n->sk);
	nl_socket_enable_msg_peek(n->sk);
	ret = nl_connect(n->sk, NETLINK_ROUTE);
	if (ret < 0) {
		nl_socket_free(n->sk);
		free(n);
		return nl_errno(ret);
	}
	*r = n;
	return 0;
}

void orch_rtnl_close(struct orch_rtnl *r)
{
	if (!r)
		return;
	nl_socket_free(r->sk);
	free(r);
}

/* The parse callback never stops the reading early, so that the socket is left drained. */
struct talk {
	uint32_t seq;
	bool done;
	int kernel_err;
	int parse_err;
	rt_parse_fn parse;
	void *arg;
};

static int on_seq(struct nl_msg *msg, void *arg)
{
	return nlmsg_hdr(msg)->nlmsg_seq == ((struct talk *)arg)->seq ? NL_OK : NL_SKIP;
}

static int on_valid(struct nl_msg *msg, void *arg)
{
	struct talk *t = arg;
	int ret;

	if (t->parse && (ret = t->parse(nlmsg_hdr(msg), t->arg)) < 0 && !t->parse_err)
		t->parse_err = ret;
	return NL_OK;
}

static int on_done(struct nl_msg *msg, void *arg)
{
	struct nlmsghdr *h = nlmsg_hdr(msg);
	struct talk *t = arg;
	int err;

	/* A dump that failed part way says so in NLMSG_DONE's payload. */
	if (h->nlmsg_type == NLMSG_DONE && nlmsg_datalen(h) >= (int)sizeof(err)) {
		memcpy(&err, nlmsg_data(h), sizeof(err));
		if (err < 0)
			t->kernel_err = err;
	}
	t->done = true;
	return NL_STOP;
}

static int on_error(struct sockaddr_nl *who, struct nlmsgerr *e, void *arg)
{
	struct talk *t = arg;

	(void)who;
	t->kernel_err = e->error < 0 ? e->error : -EIO;
	t->done = true;
	return NL_STOP;
}

/* A dump ends with NLMSG_DONE; anything else is asked for an ack (NLM_F_EXCL is NLM_F_MATCH). */
static int talk(struct orch_rtnl *r, struct nl_msg *msg, bool dump, rt_parse_fn parse, void *arg)
{
	struct talk t = { .parse = parse, .arg = arg };
	struct nlmsghdr *h = nlmsg_hdr(msg);
	struct nl_cb *cb = nl_cb_alloc(NL_CB_DEFAULT);
	int ret = -NLE_NOMEM;

	if (!cb)
		goto out;
	nl_cb_set(cb, NL_CB_SEQ_CHECK, NL_CB_CUSTOM, on_seq, &t);
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, on_valid, &t);
	nl_cb_set(cb, NL_CB_FINISH, NL_CB_CUSTOM, on_done, &t);
	nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, on_done, &t);
	nl_cb_err(cb, NL_CB_CUSTOM, on_error, &t);
	if (!dump)
		h->nlmsg_flags |= NLM_F_ACK;
	ret = nl_send_auto(r->sk, msg);
	t.seq = h->nlmsg_seq;
	while (ret >= 0 && !t.done)
		ret = nl_recvmsgs(r->sk, cb);
	nl_cb_put(cb);
out:
	nlmsg_free(msg);
	if (t.kernel_err)
		return t.kernel_err;
	if (ret < 0)
		return nl_errno(ret);
	return t.parse_err;
}

int rt_talk(struct orch_rtnl *r, struct nl_msg *msg, rt_parse_fn parse, void *arg)
{
	return talk(r, msg, false, parse, arg);
}

struct nl_msg *rt_msg(int type, int flags, const void *hdr, size_t len)
{
	struct nl_msg *msg = nlmsg_alloc_simple(type, flags);

	if (msg && nlmsg_append(msg, (void *)hdr, len, NLMSG_ALIGNTO) < 0) {
		nlmsg_free(msg);
		msg = NULL;
	}
	return msg;
}

int rt_dump(struct orch_rtnl *r, int type, const void *hdr, size_t len, rt_parse_fn parse,
	    void *arg)
{
	struct nl_msg *msg = rt_msg(type, NLM_F_DUMP, hdr, len);

	return msg ? talk(r, msg, true, parse, arg) : -ENOMEM;
}

size_t rt_addr_len(int family)
{
	return family == AF_INET ? 4 : family == AF_INET6 ? 16 : 0;
}

bool rt_prefix_ok(const struct orch_rtnl_prefix *p)
{
	return rt_addr_len(p->family) && p->len <= rt_addr_len(p->family) * 8;
}

bool rt_prefix_match(const void *a, const void *b, unsigned int len)
{
	const uint8_t *x = a, *y = b;
	unsigned int bytes = len / 8, rest = len % 8;

	if (memcmp(x, y, bytes))
		return false;
	return !rest || !((x[bytes] ^ y[bytes]) & (uint8_t)(0xff00 >> rest));
}

/* Links */

struct link_info {
	int index;
	unsigned int mtu;
};

static int parse_link(struct nlmsghdr *h, void *arg)
{
	struct nlattr *tb[IFLA_MTU + 1];
	struct link_info *li = arg;

	if (h->nlmsg_type != RTM_NEWLINK ||
	    nlmsg_parse(h, sizeof(struct ifinfomsg), tb, IFLA_MTU, NULL) < 0)
		return -EPROTO;
	li->index = ((struct ifinfomsg *)nlmsg_data(h))->ifi_index;
	li->mtu = tb[IFLA_MTU] ? nla_get_u32(tb[IFLA_MTU]) : 0;
	return 0;
}

static bool name_ok(const char *ifname)
{
	return ifname && *ifname && strlen(ifname) < IFNAMSIZ;
}

static int link_get(struct orch_rtnl *r, int index, const char *ifname, struct link_info *li)
{
	struct nl_msg *msg;
	int ret;

	/* A name that cannot exist is not asked for: libnl would complain on stderr. */
	if (ifname ? !name_ok(ifname) : index <= 0)
		return -ENODEV;
	ret = rtnl_link_build_get_request(index, ifname, &msg);
	if (ret < 0)
		return nl_errno(ret);
	li->index = 0;
	ret = rt_talk(r, msg, parse_link, li);
	return ret < 0 ? ret : li->index > 0 ? 0 : -ENODEV;
}

int orch_rtnl_link_index(struct orch_rtnl *r, const char *ifname)
{
	struct link_info li;
	int ret = link_get(r, 0, ifname, &li);

	return ret < 0 ? ret : li.index;
}

int orch_rtnl_link_mtu(struct orch_rtnl *r, const char *ifname, unsigned int *mtu)
{
	struct link_info li;
	int ret = link_get(r, 0, ifname, &li);

	if (ret == 0)
		*mtu = li.mtu;
	return ret;
}

int orch_rtnl_link_mtu_by_index(struct orch_rtnl *r, int ifindex, unsigned int *mtu)
{
	struct link_info li;
	int ret = link_get(r, ifindex, NULL, &li);

	if (ret == 0)
		*mtu = li.mtu;
	return ret;
}

int orch_rtnl_link_add_wireguard(struct orch_rtnl *r, const char *ifname)
{
	struct rtnl_link *link;
	struct nl_msg *msg;
	int ret;

	if (!name_ok(ifname))
		return -EINVAL;
	link = rtnl_link_alloc();
	if (!link)
		return -ENOMEM;
	rtnl_link_set_name(link, ifname);
	ret = rtnl_link_set_type(link, "wireguard");
	if (ret >= 0)
		ret = rtnl_link_build_add_request(link, NLM_F_CREATE | NLM_F_EXCL, &msg);
	rtnl_link_put(link);
	return ret < 0 ? nl_errno(ret) : rt_talk(r, msg, NULL, NULL);
}

int orch_rtnl_link_del(struct orch_rtnl *r, const char *ifname)
{
	struct rtnl_link *link;
	struct nl_msg *msg;
	int ret;

	if (!name_ok(ifname))
		return -ENODEV;
	link = rtnl_link_alloc();
	if (!link)
		return -ENOMEM;
	rtnl_link_set_name(link, ifname);
	ret = rtnl_link_build_delete_request(link, &msg);
	rtnl_link_put(link);
	return ret < 0 ? nl_errno(ret) : rt_talk(r, msg, NULL, NULL);
}

/* `ip link set mtu M up dev IF`: one RTM_NEWLINK with IFLA_MTU and IFF_UP in ifi_change. */
int orch_rtnl_link_set_netns(struct orch_rtnl *r, const char *ifname, int nsfd)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC };
	struct nl_msg *msg;
	int index = orch_rtnl_link_index(r, ifname);

	if (index < 0)
		return index;
	ifi.ifi_index = index;
	msg = rt_msg(RTM_NEWLINK, 0, &ifi, sizeof(ifi));
	if (!msg || nla_put_u32(msg, IFLA_NET_NS_FD, (uint32_t)nsfd) < 0) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	return rt_talk(r, msg, NULL, NULL);
}

int orch_rtnl_link_set_up(struct orch_rtnl *r, const char *ifname)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC,
				 .ifi_flags = IFF_UP,
				 .ifi_change = IFF_UP };
	int index = orch_rtnl_link_index(r, ifname);
	struct nl_msg *msg;

	if (index < 0)
		return index;
	ifi.ifi_index = index;
	msg = rt_msg(RTM_NEWLINK, 0, &ifi, sizeof(ifi));
	return msg ? rt_talk(r, msg, NULL, NULL) : -ENOMEM;
}

int orch_rtnl_link_set_mtu_up(struct orch_rtnl *r, const char *ifname, unsigned int mtu)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC,
				 .ifi_flags = IFF_UP,
				 .ifi_change = IFF_UP };
	struct nl_msg *msg;
	int index = orch_rtnl_link_index(r, ifname);

	if (index < 0)
		return index;
	ifi.ifi_index = index;
	msg = rt_msg(RTM_NEWLINK, 0, &ifi, sizeof(ifi));
	if (!msg || nla_put_u32(msg, IFLA_MTU, mtu) < 0) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	return rt_talk(r, msg, NULL, NULL);
}
