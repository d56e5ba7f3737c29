/* SPDX-License-Identifier: MIT */
/* `wgctl daemon IFNAME`: the bundled datapath behind a TUN device and a UAPI socket. */
#ifndef WGCTL_DAEMON_DAEMON_H
#define WGCTL_DAEMON_DAEMON_H

#include <stdbool.h>

/*
 * Creates the TUN and the UAPI socket, then (unless foreground or WG_PROCESS_FOREGROUND=1)
 * returns 0 once a detached child serves them. 0 on a clean exit, 1 after one error message.
 */
int daemon_run(const char *ifname, bool foreground);

#endif
