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

struct orch_rtnl;

struct orch_rtnl_prefix {
	int family;
	union wg_ip addr;
	uint8_t len;
};

int orch_rtnl_open(struct orch_rtnl **r);
void orch_rtnl_close(struct orch_rtnl *r);

/* Links */
int orch_rtnl_link_index(struct orch_rtnl *r, const char *ifname); /* ifindex, or -ENODEV */
/* `ip link add dev IF type wireguard`: -EOPNOTSUPP (or what the kernel says) without the module. */
int orch_rtnl_link_add_wireguard(struct orch_rtnl *r, const char *ifname);
int orch_rtnl_link_del(struct orch_rtnl *r, const char *ifname);
int orch_rtnl_link_set_mtu_up(struct orch_rtnl *r, const char *ifname, unsigned int mtu);
int orch_rtnl_link_mtu(struct orch_rtnl *r, const char *ifname, unsigned int *mtu);
/* `ip link set dev IF netns NS`, NS given as an open namespace fd. */
int orch_rtnl_link_set_netns(struct orch_rtnl *r, const char *ifname, int nsfd);
/* `ip link set dev IF up`. */
int orch_rtnl_link_set_up(struct orch_rtnl *r, const char *ifname);
int orch_rtnl_link_mtu_by_index(struct orch_rtnl *r, int ifindex, unsigned int *mtu);

/* Addresses: `ip address add/del ADDR/LEN dev IF`; list fills at most max, returns the count. */
int orch_rtnl_addr_add(struct orch_rtnl *r, const char *ifname, const struct orch_rtnl_prefix *p);
int orch_rtnl_addr_del(struct orch_rtnl *r, const char *ifname, const struct orch_rtnl_prefix *p);
int orch_rtnl_addr_list(struct orch_rtnl *r, const char *ifname, int family,
			struct orch_rtnl_prefix *out, int max);

/* Routes. table 0 means main. */
int orch_rtnl_route_add(struct orch_rtnl *r, const char *ifname, const struct orch_rtnl_prefix *dst,
			uint32_t table);
int orch_rtnl_route_del(struct orch_rtnl *r, const char *ifname, const struct orch_rtnl_prefix *dst,
			uint32_t table);
/* `ip route show dev IF match DST` (main table) is non-empty: a route of IF covers dst. */
int orch_rtnl_route_dev_covers(struct orch_rtnl *r, const char *ifname,
			       const struct orch_rtnl_prefix *dst, bool *covered);
/* Whether table holds any route of that family. */
int orch_rtnl_table_in_use(struct orch_rtnl *r, int family, uint32_t table, bool *in_use);
/*
 * `ip route get ADDR`: the route's MTU metric when it has one (*mtu), else the MTU of its
 * output device; -ENETUNREACH when there is no route.
 */
int orch_rtnl_route_get_mtu(struct orch_rtnl *r, int family, const union wg_ip *addr,
			    unsigned int *mtu);
/* The MTU of the device of the first default route of that family (main table). */
int orch_rtnl_default_route_mtu(struct orch_rtnl *r, int family, unsigned int *mtu);

/* Policy rules, as wg-quick adds them (no priority given: the kernel picks). */
enum orch_rtnl_rule_kind {
	ORCH_RTNL_RULE_NOT_FWMARK,       /* not fwmark T table T */
	ORCH_RTNL_RULE_SUPPRESS_DEFAULT, /* table main suppress_prefixlength 0 */
};
int orch_rtnl_rule_add(struct orch_rtnl *r, int family, enum orch_rtnl_rule_kind kind,
		       uint32_t table);
/* Deletes one matching rule; -ENOENT when none is left. */
int orch_rtnl_rule_del(struct orch_rtnl *r, int family, enum orch_rtnl_rule_kind kind,
		       uint32_t table);
/* Deletes one rule of that family whose table is `table` (`ip rule delete table T`); -ENOENT when
 * none. */
int orch_rtnl_rule_del_table(struct orch_rtnl *r, int family, uint32_t table);

#endif
