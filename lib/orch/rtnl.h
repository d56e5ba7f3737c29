/* SPDX-License-Identifier: MIT */
/*
 * The host changes `up` and `down` make, over rtnetlink with libnl-route-3: links, addresses,
 * routes and policy rules. Each call is one change or one query and returns 0 or -errno; none
 * prints anything. Families are AF_INET or AF_INET6; addresses are in network order.
 */
#ifndef WGCTL_ORCH_RTNL_H
#define WGCTL_ORCH_RTNL_H

#include <stdbool.h>
#include <stdint.h>

#include "model/model.h"

struct rtnetlink;

struct rtnetlink_prefix {
	int family;
	union wg_ip addr;
	uint8_t len;
};

int rtnetlink_open(struct rtnetlink **r);
void rtnetlink_close(struct rtnetlink *r);

/* Links */
int rtnetlink_link_index(struct rtnetlink *r, const char *ifname); /* ifindex, or -ENODEV */
/* `ip link add dev IF type wireguard`: -EOPNOTSUPP (or what the kernel says) without the module. */
int rtnetlink_link_add_wireguard(struct rtnetlink *r, const char *ifname);
int rtnetlink_link_del(struct rtnetlink *r, const char *ifname);
int rtnetlink_link_set_mtu_up(struct rtnetlink *r, const char *ifname, unsigned int mtu);
int rtnetlink_link_mtu(struct rtnetlink *r, const char *ifname, unsigned int *mtu);
int rtnetlink_link_mtu_by_index(struct rtnetlink *r, int ifindex, unsigned int *mtu);

/* Addresses: `ip address add/del ADDR/LEN dev IF`; list fills at most max, returns the count. */
int rtnetlink_addr_add(struct rtnetlink *r, const char *ifname, const struct rtnetlink_prefix *p);
int rtnetlink_addr_del(struct rtnetlink *r, const char *ifname, const struct rtnetlink_prefix *p);
int rtnetlink_addr_list(struct rtnetlink *r, const char *ifname, int family, struct rtnetlink_prefix *out, int max);

/* Routes. table 0 means main. */
int rtnetlink_route_add(struct rtnetlink *r, const char *ifname, const struct rtnetlink_prefix *dst, uint32_t table);
int rtnetlink_route_del(struct rtnetlink *r, const char *ifname, const struct rtnetlink_prefix *dst, uint32_t table);
/* `ip route show dev IF match DST` (main table) is non-empty: a route of IF covers dst. */
int rtnetlink_route_dev_covers(struct rtnetlink *r, const char *ifname, const struct rtnetlink_prefix *dst, bool *covered);
/* Whether table holds any route of that family. */
int rtnetlink_table_in_use(struct rtnetlink *r, int family, uint32_t table, bool *in_use);
/*
 * `ip route get ADDR`: the route's MTU metric when it has one (*mtu), else the MTU of its
 * output device; -ENETUNREACH when there is no route.
 */
int rtnetlink_route_get_mtu(struct rtnetlink *r, int family, const union wg_ip *addr, unsigned int *mtu);
/* The MTU of the device of the first default route of that family (main table). */
int rtnetlink_default_route_mtu(struct rtnetlink *r, int family, unsigned int *mtu);

/* Policy rules, as wg-quick adds them (no priority given: the kernel picks). */
enum rtnetlink_rule_kind {
	RTNETLINK_RULE_NOT_FWMARK,       /* not fwmark T table T */
	RTNETLINK_RULE_SUPPRESS_DEFAULT, /* table main suppress_prefixlength 0 */
};
int rtnetlink_rule_add(struct rtnetlink *r, int family, enum rtnetlink_rule_kind kind, uint32_t table);
/* Deletes one matching rule; -ENOENT when none is left. */
int rtnetlink_rule_del(struct rtnetlink *r, int family, enum rtnetlink_rule_kind kind, uint32_t table);
/* Deletes one rule of that family whose table is `table` (`ip rule delete table T`); -ENOENT when none. */
int rtnetlink_rule_del_table(struct rtnetlink *r, int family, uint32_t table);

#endif
