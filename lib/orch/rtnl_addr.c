// SPDX-License-Identifier: MIT
/* Addresses: `ip address add/del ADDR/LEN dev IF`, and the list `ip address show` prints. */
#include <errno.h>
#include <string.h>
#include <linux/rtnetlink.h>

#include "orch/rtnl_impl.h"

/* As ip sends it: IFA_LOCAL and IFA_ADDRESS, no flags (so IPv6 does DAD), scope global. */
static int addr_change(struct orch_rtnl *r, int type, int flags, const char *ifname,
		       const struct orch_rtnl_prefix *p)
{
	struct ifaddrmsg ifa = { .ifa_family = p->family, .ifa_prefixlen = p->len };
	size_t len = rt_addr_len(p->family);
	struct nl_msg *msg;
	int index;

	if (!rt_prefix_ok(p))
		return -EINVAL;
	index = orch_rtnl_link_index(r, ifname);
	if (index < 0)
		return index;
	ifa.ifa_index = index;
	msg = rt_msg(type, flags, &ifa, sizeof(ifa));
	if (!msg || nla_put(msg, IFA_LOCAL, len, &p->addr) < 0 ||
	    nla_put(msg, IFA_ADDRESS, len, &p->addr) < 0) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	return rt_talk(r, msg, NULL, NULL);
}

int orch_rtnl_addr_add(struct orch_rtnl *r, const char *ifname, const struct orch_rtnl_prefix *p)
{
	return addr_change(r, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, ifname, p);
}

int orch_rtnl_addr_del(struct orch_rtnl *r, const char *ifname, const struct orch_rtnl_prefix *p)
{
	return addr_change(r, RTM_DELADDR, 0, ifname, p);
}

struct addr_list {
	int index;
	int family;
	struct orch_rtnl_prefix *out;
	int max;
	int n;
};

static int parse_addr(struct nlmsghdr *h, void *arg)
{
	struct nlattr *tb[IFA_LOCAL + 1], *a;
	struct addr_list *l = arg;
	struct ifaddrmsg *ifa;
	struct orch_rtnl_prefix *p;
	size_t len;

	if (h->nlmsg_type != RTM_NEWADDR || nlmsg_parse(h, sizeof(*ifa), tb, IFA_LOCAL, NULL) < 0)
		return -EPROTO;
	ifa = nlmsg_data(h);
	len = rt_addr_len(ifa->ifa_family);
	if ((int)ifa->ifa_index != l->index || !len ||
	    (l->family != AF_UNSPEC && ifa->ifa_family != l->family) || l->n >= l->max)
		return 0;
	/* IFA_LOCAL is the link's own address; IFA_ADDRESS the peer's on a point-to-point one. */
	a = tb[IFA_LOCAL] ? tb[IFA_LOCAL] : tb[IFA_ADDRESS];
	if (!a || nla_len(a) != (int)len)
		return 0;
	p = &l->out[l->n++];
	memset(p, 0, sizeof(*p));
	p->family = ifa->ifa_family;
	p->len = ifa->ifa_prefixlen;
	memcpy(&p->addr, nla_data(a), len);
	return 0;
}

/* In the kernel's order, as `ip address show` prints them; returns how many were filled. */
int orch_rtnl_addr_list(struct orch_rtnl *r, const char *ifname, int family,
			struct orch_rtnl_prefix *out, int max)
{
	struct ifaddrmsg ifa = { .ifa_family = family };
	struct addr_list l = { .family = family, .out = out, .max = max };
	int ret;

	if (family != AF_UNSPEC && !rt_addr_len(family))
		return -EAFNOSUPPORT;
	l.index = orch_rtnl_link_index(r, ifname);
	if (l.index < 0)
		return l.index;
	ret = rt_dump(r, RTM_GETADDR, &ifa, sizeof(ifa), parse_addr, &l);
	return ret < 0 ? ret : l.n;
}
