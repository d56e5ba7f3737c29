// SPDX-License-Identifier: MIT
/*
 * libFuzzer harness: the daemon's rtnetlink link watch (daemon/linkwatch.c), one datagram of
 * RTM_NEWLINK/RTM_DELLINK notifications as the kernel would send it, about the watched link
 * (index 7) and others. The datagram sits in an allocation of exactly its size, so any read past
 * it is caught. Against a plain walk of the same messages: the link is deleted, up or went down
 * exactly when a message about it says so.
 */
#include <linux/if.h>
#include <linux/rtnetlink.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/linkwatch.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum { IFINDEX = 7 };

/* The reference: every whole message in turn, as the kernel's framing defines them. */
static void reference(const uint8_t *buf, size_t len, struct link_state *st)
{
	size_t off = 0;

	while (len - off >= sizeof(struct nlmsghdr)) {
		struct nlmsghdr h;
		struct ifinfomsg ifi;

		memcpy(&h, buf + off, sizeof(h));
		if (h.nlmsg_len < sizeof(h) || h.nlmsg_len > len - off)
			break;
		if ((h.nlmsg_type == RTM_NEWLINK || h.nlmsg_type == RTM_DELLINK) &&
		    h.nlmsg_len >= NLMSG_LENGTH(sizeof(ifi))) {
			memcpy(&ifi, buf + off + NLMSG_HDRLEN, sizeof(ifi));
			if (ifi.ifi_index == IFINDEX && h.nlmsg_type == RTM_DELLINK) {
				st->deleted = true;
			} else if (ifi.ifi_index == IFINDEX) {
				st->up = ifi.ifi_flags & IFF_UP;
				st->went_down |= !st->up;
			}
		}
		off += NLMSG_ALIGN(h.nlmsg_len);
		if (off > len)
			break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct link_state st = { .mtu = 1420, .up = true }, want = st;
	const struct linkwatch lw = { .nsid = -1, .ifindex = IFINDEX };
	void *buf = malloc(size ? size : 1);

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	/* A removal is handed to linkwatch_query(), which asks the TUN: here it is `deleted'. */
	st.deleted = linkwatch_parse(&lw, -1, buf, size, &st);
	reference(data, size, &want);
	if (st.up != want.up || st.deleted != want.deleted || st.went_down != want.went_down) {
		fprintf(stderr, "link state: up %d/%d deleted %d/%d went down %d/%d (got/want)\n",
			st.up, want.up, st.deleted, want.deleted, st.went_down, want.went_down);
		abort();
	}
	free(buf);
	return 0;
}
