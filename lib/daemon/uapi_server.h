/* SPDX-License-Identifier: MIT */
/*
 * The UAPI socket <RUNSTATEDIR>/wireguard/IFNAME.sock (WGCTL_RUN_DIR overrides the directory):
 * get/set as in wireguard.com/xplatform plus `stats=1`, several operations per connection.
 * Clients are nonblocking and buffered in the caller's epoll loop, so none can stall it.
 */
#ifndef WGCTL_DAEMON_UAPI_SERVER_H
#define WGCTL_DAEMON_UAPI_SERVER_H

#include <stdbool.h>
#include <sys/types.h>
#include <sys/un.h>

#include "daemon/event.h"
#include "datapath/device.h"

struct uapi_conn;

struct uapi_server {
	struct ev_handler h;
	int fd, epfd;
	char dir[sizeof(((struct sockaddr_un *)0)->sun_path)];
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	const char *name; /* file name within dir */
	dev_t st_dev;
	ino_t st_ino;
	struct dp_device *dev;
	unsigned int nconns;
	struct uapi_conn *conns;
};

/*
 * Creates the directory and the listening socket (mode 0600). -EADDRINUSE if a daemon answers
 * on the path already; a dead socket file is replaced.
 */
int uapi_server_open(struct uapi_server *s, const char *ifname);
/* From now on serve dev from epfd. */
int uapi_server_start(struct uapi_server *s, int epfd, struct dp_device *dev);
/* The socket file is still the one we bound (not deleted, not replaced). */
bool uapi_server_path_is_ours(const struct uapi_server *s);
/* Drops every client, closes the socket and removes its file if it is still ours. */
void uapi_server_close(struct uapi_server *s);

#endif
