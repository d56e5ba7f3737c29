/* SPDX-License-Identifier: MIT */
#ifndef WGCTL_CMD_COMMON_H
#define WGCTL_CMD_COMMON_H

#include <stdio.h>

#include "fleet/peerlists.h"
#include "model/config.h"
#include "model/locate.h"

/*
 * Finds, reads and parses the config named by `arg` (an interface name or a path) as wg-quick
 * does, printing wg-quick's messages and every diagnostic. Returns 0, or 1 with nothing to free.
 */
int cmd_load_config(const char *arg, struct wg_config *conf, struct config_location *loc, struct diag_list *d);
void cmd_unload_config(struct wg_config *conf, struct config_location *loc, struct diag_list *d);
/*
 * Adds the peers of the config's shared lists (fleet/peerlists.h), printing every message and,
 * when `report`, one status line per list on stdout. 0, or 1 when a list could not be used
 * (`required` only words the message).
 */
int cmd_expand_peer_lists(struct wg_config *conf, const struct config_location *loc, enum peerlist_mode mode,
			  const uint8_t *own, bool report, bool required);

/* A base64 key followed only by whitespace, as wg's pubkey reads it; prints wg's messages. */
bool cmd_read_key(FILE *f, uint8_t key[WG_KEY_LEN]);

#endif
