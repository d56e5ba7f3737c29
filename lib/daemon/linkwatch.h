/* SPDX-License-Identifier: MIT */
/* Follows one link over rtnetlink: MTU, IFF_UP and deletion, as `ip link` changes them. */
#ifndef WGCTL_DAEMON_LINKWATCH_H
#define WGCTL_DAEMON_LINKWATCH_H

#include <stdbool.h>

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

#endif
