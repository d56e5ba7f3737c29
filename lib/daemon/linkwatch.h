/* SPDX-License-Identifier: MIT */
/*
 * Follows one TUN link over rtnetlink: MTU, IFF_UP and deletion, as `ip link` changes them,
 * in whichever network namespace the link lives. The UDP sockets stay where the daemon was
 * started (WireGuard's "birthplace" namespace); `ip link set wg1 netns B` only moves the link,
 * and the watch follows it there.
 */
#ifndef WGCTL_DAEMON_LINKWATCH_H
#define WGCTL_DAEMON_LINKWATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct mnl_socket;

struct link_state {
	unsigned int mtu;
	bool up;
	bool deleted;
	/* A notification said down, even if a later one of the same read said up again. */
	bool went_down;
};

struct linkwatch {
	/* Subscribed with NETLINK_LISTEN_ALL_NSID: the link's notifications wherever it is. */
	struct mnl_socket *nl;
	int tunfd;
	/* Our namespace, to tell whether the link is at home. */
	dev_t ns_dev;
	ino_t ns_ino;
	/* Where the link is: its namespace's id as seen from ours (-1: ours) and its index there.
	 */
	int nsid;
	int ifindex;
	/* The kernel dropped notifications (ENOBUFS): the caller must re-read the state itself. */
	bool lost;
};

int linkwatch_open(struct linkwatch *lw, int tunfd, int ifindex);
void linkwatch_close(struct linkwatch *lw);
int linkwatch_fd(const struct linkwatch *lw);
/* Applies every pending notification about our link to *st. 0 or -errno. */
int linkwatch_read(struct linkwatch *lw, struct link_state *st);
/*
 * Applies the notifications in one datagram of `len` bytes (NLMSG_ALIGNTO-aligned) from the
 * namespace with id `nsid` (-1: ours) to *st: what linkwatch_read() does with each datagram.
 * True when one of them removed our link from where it was (a move or a deletion).
 */
bool linkwatch_parse(const struct linkwatch *lw, int nsid, const void *buf, size_t len,
		     struct link_state *st);
/*
 * Finds the link again from the TUN fd (its namespace and index may have changed) and reads
 * its whole state into *st; st->deleted when the TUN has no link any more. 0 or -errno.
 */
int linkwatch_query(struct linkwatch *lw, struct link_state *st);

#endif
