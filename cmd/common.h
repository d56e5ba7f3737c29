/* SPDX-License-Identifier: MIT */
#ifndef WGCTL_CMD_COMMON_H
#define WGCTL_CMD_COMMON_H

#include "model/config.h"
#include "model/locate.h"

/*
 * Finds, reads and parses the config named by `arg` (an interface name or a path) as wg-quick
 * does, printing wg-quick's messages and every diagnostic. Returns 0, or 1 with nothing to free.
 */
int cmd_load_config(const char *arg, struct wg_config *conf, struct config_location *loc, struct diag_list *d);
void cmd_unload_config(struct wg_config *conf, struct config_location *loc, struct diag_list *d);

#endif
