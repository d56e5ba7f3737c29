// SPDX-License-Identifier: MIT
/*
 * The two policy rules of wg-quick's default route, built as ip builds
 *   ip rule add not fwmark T table T
 *   ip rule add table main suppress_prefixlength 0
 * with no priority, so the kernel gives each one less than the first non-zero rule it has
 * (32765, then 32764, on a fresh table).
 */
#include <errno.h>
#include <string.h>
#include <linux/fib_rules.h>
#include <linux/rtnetlink.h>

#include "orch/rtnl_impl.h"

static struct nl_msg *rule_msg(int type, int flags, int family, uint8_t action, uint32_t table)
{
	struct fib_rule_hdr frh = { .family = family, .action = action };
	struct nl_msg *msg;

	frh.table = table < 256 ? table : RT_TABLE_UNSPEC;
	msg = rt_msg(type, flags, &frh, sizeof(frh));
	if (msg && table >= 256 && nla_put_u32(msg, FRA_TABLE, table) < 0) {
		nlmsg_free(msg);
		msg = NULL;
	}
	return msg;
}

/* The kind's selectors, with the table the kind implies. */
static struct nl_msg *rule_kind_msg(int type, int flags, int family, enum orch_rtnl_rule_kind kind,
				    uint32_t table)
{
	struct nl_msg *msg;
	int ret;

	if (kind == ORCH_RTNL_RULE_NOT_FWMARK) {
		msg = rule_msg(type, flags, family, FR_ACT_TO_TBL, table);
		if (!msg)
			return NULL;
		((struct fib_rule_hdr *)nlmsg_data(nlmsg_hdr(msg)))->flags = FIB_RULE_INVERT;
		ret = nla_put_u32(msg, FRA_FWMARK, table);
		if (ret >= 0)
			ret = nla_put_u32(msg, FRA_FWMASK, 0xffffffff);
	} else {
		msg = rule_msg(type, flags, family, FR_ACT_TO_TBL, RT_TABLE_MAIN);
		if (!msg)
			return NULL;
		ret = nla_put_u32(msg, FRA_SUPPRESS_PREFIXLEN, 0);
	}
	if (ret < 0) {
		nlmsg_free(msg);
		return NULL;
	}
	return msg;
}

static int rule_args_ok(int family, enum orch_rtnl_rule_kind kind, uint32_t table)
{
	if (!rt_addr_len(family))
		return -EAFNOSUPPORT;
	if (kind == ORCH_RTNL_RULE_NOT_FWMARK)
		return table ? 0 : -EINVAL;
	return kind == ORCH_RTNL_RULE_SUPPRESS_DEFAULT ? 0 : -EINVAL;
}

/* For ORCH_RTNL_RULE_SUPPRESS_DEFAULT the table is always main and `table` is not used. */
int orch_rtnl_rule_add(struct orch_rtnl *r, int family, enum orch_rtnl_rule_kind kind,
		       uint32_t table)
{
	struct nl_msg *msg;
	int ret = rule_args_ok(family, kind, table);

	if (ret < 0)
		return ret;
	msg = rule_kind_msg(RTM_NEWRULE, NLM_F_CREATE | NLM_F_EXCL, family, kind, table);
	return msg ? rt_talk(r, msg, NULL, NULL) : -ENOMEM;
}

struct rule_find {
	enum orch_rtnl_rule_kind kind;
	uint32_t table;
	bool found;
	uint32_t priority;
};

static struct nla_policy rule_policy[FRA_FWMASK + 1] = {
	[FRA_PRIORITY] = { .type = NLA_U32 },
	[FRA_FWMARK] = { .type = NLA_U32 },
	[FRA_SUPPRESS_PREFIXLEN] = { .type = NLA_U32 },
	[FRA_TABLE] = { .type = NLA_U32 },
	[FRA_FWMASK] = { .type = NLA_U32 },
};

static uint32_t attr_u32(struct nlattr *a, uint32_t absent)
{
	return a ? nla_get_u32(a) : absent;
}

/* A rule of the kind, with no other selector than the kind's own. */
static int find_rule(struct nlmsghdr *h, void *arg)
{
	struct nlattr *tb[FRA_FWMASK + 1];
	struct rule_find *f = arg;
	struct fib_rule_hdr *frh;
	uint32_t table, suppress;
	bool is;

	if (h->nlmsg_type != RTM_NEWRULE ||
	    nlmsg_parse(h, sizeof(*frh), tb, FRA_FWMASK, rule_policy) < 0)
		return -EPROTO;
	frh = nlmsg_data(h);
	table = attr_u32(tb[FRA_TABLE], frh->table);
	if (f->found || frh->action != FR_ACT_TO_TBL || frh->src_len || frh->dst_len)
		return 0;
	/* The kernel dumps suppress_prefixlength for every rule: ~0 when the rule has none. */
	suppress = attr_u32(tb[FRA_SUPPRESS_PREFIXLEN], ~0u);
	if (f->kind == ORCH_RTNL_RULE_NOT_FWMARK)
		is = table == f->table && (frh->flags & FIB_RULE_INVERT) &&
		     attr_u32(tb[FRA_FWMARK], 0) == f->table &&
		     attr_u32(tb[FRA_FWMASK], 0) == ~0u && suppress == ~0u;
	else
		is = table == RT_TABLE_MAIN && !(frh->flags & FIB_RULE_INVERT) &&
		     !attr_u32(tb[FRA_FWMARK], 0) && suppress == 0;
	if (is) {
		f->found = true;
		f->priority = attr_u32(tb[FRA_PRIORITY], 0);
	}
	return 0;
}

/*
 * The kernel matches a deletion on the selectors it is given but not on FIB_RULE_INVERT, so the
 * rule is found in a dump first and deleted by its priority as well.
 */
int orch_rtnl_rule_del(struct orch_rtnl *r, int family, enum orch_rtnl_rule_kind kind,
		       uint32_t table)
{
	struct fib_rule_hdr frh = { .family = family };
	struct rule_find f = { .kind = kind, .table = table };
	struct nl_msg *msg;
	int ret = rule_args_ok(family, kind, table);

	if (ret < 0)
		return ret;
	ret = rt_dump(r, RTM_GETRULE, &frh, sizeof(frh), find_rule, &f);
	if (ret < 0)
		return ret;
	if (!f.found)
		return -ENOENT;
	msg = rule_kind_msg(RTM_DELRULE, 0, family, kind, table);
	if (!msg || nla_put_u32(msg, FRA_PRIORITY, f.priority) < 0) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	return rt_talk(r, msg, NULL, NULL);
}

/* `ip rule delete table T`: the kernel deletes the first rule with that table, or says ENOENT. */
int orch_rtnl_rule_del_table(struct orch_rtnl *r, int family, uint32_t table)
{
	struct nl_msg *msg;

	if (!rt_addr_len(family))
		return -EAFNOSUPPORT;
	if (!table)
		return -EINVAL;
	msg = rule_msg(RTM_DELRULE, 0, family, FR_ACT_UNSPEC, table);
	return msg ? rt_talk(r, msg, NULL, NULL) : -ENOMEM;
}
