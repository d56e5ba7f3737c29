/* SPDX-License-Identifier: MIT */
#ifndef WGCTL_UTIL_NLMSG_H
#define WGCTL_UTIL_NLMSG_H

#include <linux/netlink.h>
#include <stdbool.h>
#include <stdint.h>

/*
 * Whether the message at nlh lies within the left bytes of its datagram. libmnl's
 * mnl_nlmsg_ok compares (int)nlmsg_len, so a length of 2^31 or more passes as negative and a
 * walk leaves the buffer: compare unsigned.
 */
static inline bool nlmsg_fits(const struct nlmsghdr *nlh, int left)
{
	return left >= (int)sizeof(*nlh) && nlh->nlmsg_len >= sizeof(*nlh) &&
	       nlh->nlmsg_len <= (uint32_t)left;
}

#endif
