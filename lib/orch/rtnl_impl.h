/* SPDX-License-Identifier: MIT */
/* Shared by lib/orch/rtnl*.c only: the request and dump plumbing over libnl-3's nlmsg/nla calls. */
#ifndef WGCTL_ORCH_RTNL_IMPL_H
#define WGCTL_ORCH_RTNL_IMPL_H

#include <stddef.h>

#include <netlink/netlink.h>
#include <netlink/msg.h>
#include <netlink/attr.h>

#include "orch/rtnl.h"

struct orch_rtnl {
	struct nl_sock *sk;
};

/* Called for every reply; returns 0 or -errno (the first error is kept, the reading goes on). */
typedef int (*rt_parse_fn)(struct nlmsghdr *h, void *arg);

/* A new request of that type and flags, its fixed header copied in; NULL when out of memory. */
struct nl_msg *rt_msg(int type, int flags, const void *hdr, size_t len);
/* Sends msg (consumed), reads to the ack, error or end of dump: 0 or the kernel's -errno. */
int rt_talk(struct orch_rtnl *r, struct nl_msg *msg, rt_parse_fn parse, void *arg);
int rt_dump(struct orch_rtnl *r, int type, const void *hdr, size_t len, rt_parse_fn parse,
	    void *arg);

/* 4 or 16 for AF_INET or AF_INET6, else 0. */
size_t rt_addr_len(int family);
bool rt_prefix_ok(const struct orch_rtnl_prefix *p);
/* The bits under a len-bit mask are equal. */
bool rt_prefix_match(const void *a, const void *b, unsigned int len);

#endif
