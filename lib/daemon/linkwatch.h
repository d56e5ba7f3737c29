/* SPDX-License-Identifier: MIT */
/* Follows one link over rtnetlink: MTU, IFF_UP and deletion, as `ip link` changes them. */
#ifndef WGCTL_DAEMON_LINKWATCH_H
#define WGCTL_DAEMON_LINKWATCH_H

#include <stdbool.h>
#include <stddef.h>

struct mnl_socket;

struct link_state {
	unsigned int mtu;
	bool up;
	bool deleted;
	/* A notification said down, even if a later one of the same read said up again. */
	bool went_down;
};

struct linkwatch {
	struct mnl_socket *nl;
	int ifindex;
	/* The kernel dropped notifications (ENOBUFS): the caller must re-read the state itself. */
	bool lost;
};

int linkwatch_open(struct linkwatch *lw, int ifindex);
void linkwatch_close(struct linkwatch *lw);
int linkwatch_fd(const struct linkwatch *lw);
/* Applies every pending notification about our link to *st. 0 or -errno. */
int linkwatch_read(struct linkwatch *lw, struct link_state *st);
/*
 * Applies the notifications in one datagram of `len` bytes (NLMSG_ALIGNTO-aligned) about link
 * `ifindex` to *st: what linkwatch_read() does with each datagram from the kernel.
 */
void linkwatch_parse(int ifindex, const void *buf, size_t len, struct link_state *st);

#endif
