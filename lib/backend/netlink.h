/* SPDX-License-Identifier: MIT */
/*
 * The kernel's WireGuard, through the "wireguard" generic netlink family (get and set) and
 * rtnetlink (which links are of kind "wireguard"). Messages are built and read by
 * netlink_msg.c; this part owns the sockets.
 */
#ifndef WGCTL_BACKEND_NETLINK_H
#define WGCTL_BACKEND_NETLINK_H

#include "backend/backend.h"

extern const struct backend_ops backend_netlink;

#endif
