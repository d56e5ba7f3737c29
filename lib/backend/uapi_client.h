/* SPDX-License-Identifier: MIT */
/* The client side of the UAPI socket ($WGCTL_RUN_DIR or RUNSTATEDIR/wireguard/IFNAME.sock). */
#ifndef WGCTL_BACKEND_UAPI_CLIENT_H
#define WGCTL_BACKEND_UAPI_CLIENT_H

#include <stddef.h>

#include "util/strbuf.h"

/* Connected stream socket for ifname, or -errno (-ENAMETOOLONG, -ENOENT, -ECONNREFUSED...). */
int uapi_open(const char *ifname);
/* Send request and read the reply up to and including the empty line. 0 or -errno. */
int uapi_exchange(int fd, const char *request, size_t len, struct strbuf *reply);

#endif
