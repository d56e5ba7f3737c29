/* SPDX-License-Identifier: MIT */
/* What `peer add`, `peer remove` and `peer list` share (cmd/peer.c, cmd/peer_list.c). */
#ifndef WGCTL_CMD_PEER_H
#define WGCTL_CMD_PEER_H

#include "model/model.h"

/*
 * Holds `CONFIG.lock` (created 0600 beside the config, never removed: removing a lock file
 * races with its next taker) exclusively until the returned fd is closed; -errno after saying
 * why.
 */
int peer_lock(const char *config_path);
/* The interface's running configuration, or NULL and 0 when it is not up. -errno after a message.
 */
int peer_running(const char *ifname, struct wg_device **running);

/* Replaces the config atomically, keeping its mode. 0 or -errno. */
int peer_write_config(const char *path, const char *text);

int cmd_peer_remove(int argc, const char *argv[]);
int cmd_peer_list(int argc, const char *argv[]);

#endif
