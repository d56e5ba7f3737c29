// SPDX-License-Identifier: MIT
/*
 * Routes: `ip route add/del CIDR dev IF [table T]`, the dumps wg-quick reads (`ip route show dev
 * IF match CIDR`, `ip route show table T`, `ip route show default`) and `ip route get ADDR`.
 */
#include <errno.h>
#include <string.h>
#include <linux/rtnetlink.h>

#include "orch/rtnl_impl.h"

/* What these queries need of one RTM_NEWROUTE. */
struct route {
	int family;
	unsigned int dst_len;
	uint32_t table;
	uint8_t dst[16]; /* zero without RTA_DST (a default route) */
	int oif;         /* 0 without RTA_OIF (multipath, unreachable, ...) */
	uint32_t mtu;    /* RTAX_MTU of RTA_METRICS, 0 without */
};

static struct nla_policy route_policy[RTA_TABLE + 1] = {
	[RTA_OIF] = { .type = NLA_U32 },
	[RTA_METRICS] = { .type = NLA_NESTED },
	[RTA_TABLE] = { .type = NLA_U32 },
};

static struct nla_policy metrics_policy[RTAX_MTU + 1] = {
	[RTAX_MTU] = { .type = NLA_U32 },
};

static int route_parse(struct nlmsghdr *h, struct route *rt)
{
	struct nlattr *tb[RTA_TABLE + 1], *mx[RTAX_MTU + 1];
	struct rtmsg *rtm;
	size_t len;

	if (h->nlmsg_type != RTM_NEWROUTE ||
	    nlmsg_parse(h, sizeof(*rtm), tb, RTA_TABLE, route_policy) < 0)
		return -EPROTO;
	rtm = nlmsg_data(h);
	memset(rt, 0, sizeof(*rt));
	rt->family = rtm->rtm_family;
	rt->dst_len = rtm->rtm_dst_len;
	rt->table = tb[RTA_TABLE] ? nla_get_u32(tb[RTA_TABLE]) : rtm->rtm_table;
	len = rt_addr_len(rt->family);
	if (tb[RTA_DST] && len && nla_len(tb[RTA_DST]) == (int)len)
		memcpy(rt->dst, nla_data(tb[RTA_DST]), len);
	if (tb[RTA_OIF])
		rt->oif = (int)nla_get_u32(tb[RTA_OIF]);
	if (tb[RTA_METRICS] &&
	    nla_parse_nested(mx, RTAX_MTU, tb[RTA_METRICS], metrics_policy) == 0 && mx[RTAX_MTU])
		rt->mtu = nla_get_u32(mx[RTAX_MTU]);
	return 0;
}

/* Visits every route of the family, in the order `ip route show table all` prints them. */
struct route_scan {
	int family;
	void (*visit)(const struct route *rt, void *arg);
	void *arg;
};

static int scan_one(struct nlmsghdr *h, void *arg)
{
	struct route_scan *s = arg;
	struct route rt;
	int ret = route_parse(h, &rt);

	if (ret == 0 && rt.family == s->family)
		s->visit(&rt, s->arg);
	return ret;
}

static int route_scan(struct orch_rtnl *r, int family, void (*visit)(const struct route *, void *),
		      void *arg)
{
	struct route_scan s = { .family = family, .visit = visit, .arg = arg };
	struct rtmsg rtm = { .rtm_family = family };

	if (!rt_addr_len(family))
		return -EAFNOSUPPORT;
	return rt_dump(r, RTM_GETROUTE, &rtm, sizeof(rtm), scan_one, &s);
}

/*
 * As ip sends them: protocol boot, scope link (no gateway), unicast for an addition; for a
 * deletion only what selects the route. Tables past 255 go in RTA_TABLE.
 */
static int route_change(struct orch_rtnl *r, int type, int flags, const char *ifname,
			const struct orch_rtnl_prefix *dst, uint32_t table)
{
	struct rtmsg rtm = { .rtm_family = dst->family,
			     .rtm_dst_len = dst->len,
			     .rtm_scope = RT_SCOPE_NOWHERE };
	struct nl_msg *msg;
	int index;

	if (!rt_prefix_ok(dst))
		return -EINVAL;
	index = orch_rtnl_link_index(r, ifname);
	if (index < 0)
		return index;
	if (!table)
		table = RT_TABLE_MAIN;
	rtm.rtm_table = table < 256 ? table : RT_TABLE_UNSPEC;
	if (type == RTM_NEWROUTE) {
		rtm.rtm_protocol = RTPROT_BOOT;
		rtm.rtm_scope = RT_SCOPE_LINK;
		rtm.rtm_type = RTN_UNICAST;
	}
	msg = rt_msg(type, flags, &rtm, sizeof(rtm));
	if (!msg || nla_put(msg, RTA_DST, rt_addr_len(dst->family), &dst->addr) < 0 ||
	    (table >= 256 && nla_put_u32(msg, RTA_TABLE, table) < 0) ||
	    nla_put_u32(msg, RTA_OIF, index) < 0) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	return rt_talk(r, msg, NULL, NULL);
}

int orch_rtnl_route_add(struct orch_rtnl *r, const char *ifname, const struct orch_rtnl_prefix *dst,
			uint32_t table)
{
	return route_change(r, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL, ifname, dst, table);
}

int orch_rtnl_route_del(struct orch_rtnl *r, const char *ifname, const struct orch_rtnl_prefix *dst,
			uint32_t table)
{
	return route_change(r, RTM_DELROUTE, 0, ifname, dst, table);
}

struct covers {
	const struct orch_rtnl_prefix *dst;
	int oif;
	bool found;
};

/* ip's `match`: the route's prefix holds dst (it is no longer, and dst is under its mask). */
static void visit_covers(const struct route *rt, void *arg)
{
	struct covers *c = arg;

	if (rt->table == RT_TABLE_MAIN && rt->oif == c->oif && rt->dst_len <= c->dst->len &&
	    rt_prefix_match(rt->dst, &c->dst->addr, rt->dst_len))
		c->found = true;
}

int orch_rtnl_route_dev_covers(struct orch_rtnl *r, const char *ifname,
			       const struct orch_rtnl_prefix *dst, bool *covered)
{
	struct covers c = { .dst = dst };
	int ret;

	if (!rt_prefix_ok(dst))
		return -EINVAL;
	c.oif = orch_rtnl_link_index(r, ifname);
	if (c.oif < 0)
		return c.oif;
	ret = route_scan(r, dst->family, visit_covers, &c);
	if (ret == 0)
		*covered = c.found;
	return ret;
}

struct in_use {
	uint32_t table;
	bool found;
};

static void visit_in_use(const struct route *rt, void *arg)
{
	struct in_use *u = arg;

	if (rt->table == u->table)
		u->found = true;
}

int orch_rtnl_table_in_use(struct orch_rtnl *r, int family, uint32_t table, bool *in_use)
{
	struct in_use u = { .table = table ? table : RT_TABLE_MAIN };
	int ret = route_scan(r, family, visit_in_use, &u);

	if (ret == 0)
		*in_use = u.found;
	return ret;
}

/* A route's own mtu metric (what `ip route` prints as `mtu N`), else its device's MTU. */
static int route_mtu(struct orch_rtnl *r, const struct route *rt, unsigned int *mtu)
{
	if (rt->mtu) {
		*mtu = rt->mtu;
		return 0;
	}
	if (rt->oif > 0)
		return orch_rtnl_link_mtu_by_index(r, rt->oif, mtu);
	return -ENETUNREACH;
}

static int parse_get(struct nlmsghdr *h, void *arg)
{
	return route_parse(h, arg);
}

int orch_rtnl_route_get_mtu(struct orch_rtnl *r, int family, const union wg_ip *addr,
			    unsigned int *mtu)
{
	size_t len = rt_addr_len(family);
	struct rtmsg rtm = { .rtm_family = family, .rtm_dst_len = len * 8 };
	struct route rt = { .family = AF_UNSPEC };
	struct nl_msg *msg;
	int ret;

	if (!len)
		return -EAFNOSUPPORT;
	msg = rt_msg(RTM_GETROUTE, 0, &rtm, sizeof(rtm));
	if (!msg || nla_put(msg, RTA_DST, len, addr) < 0) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	ret = rt_talk(r, msg, parse_get, &rt);
	if (ret < 0)
		return ret;
	return rt.family == family ? route_mtu(r, &rt, mtu) : -ENETUNREACH;
}

struct first_default {
	struct route rt;
	bool found;
};

static void visit_default(const struct route *rt, void *arg)
{
	struct first_default *d = arg;

	if (!d->found && rt->table == RT_TABLE_MAIN && rt->dst_len == 0) {
		d->rt = *rt;
		d->found = true;
	}
}

int orch_rtnl_default_route_mtu(struct orch_rtnl *r, int family, unsigned int *mtu)
{
	struct first_default d = { .found = false };
	int ret = route_scan(r, family, visit_default, &d);

	if (ret < 0)
		return ret;
	return d.found ? route_mtu(r, &d.rt, mtu) : -ENETUNREACH;
}
