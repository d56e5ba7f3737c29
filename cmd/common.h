/* SPDX-License-Identifier: MIT */
#ifndef WGCTL_CMD_COMMON_H
#define WGCTL_CMD_COMMON_H

#include <stdio.h>

#include "fleet/lists.h"
#include "model/config.h"
#include "model/keyfile.h"
#include "model/locate.h"

/*
 * Finds, reads and parses the config named by `arg` (an interface name or a path) as wg-quick
 * does, then reads the key files `keys` asks for (model/keyfile.h; bare names in
 * $CREDENTIALS_DIRECTORY when set), printing wg-quick's messages and every diagnostic. Returns
 * 0, or 1 with nothing to free.
 */
int cmd_load_config(const char *arg, struct wg_config *conf, struct config_location *loc,
		    struct diag_list *d, enum key_files_need keys);
void cmd_unload_config(struct wg_config *conf, struct config_location *loc, struct diag_list *d);
/* What a command needs of the config's shared lists. */
enum lists_need {
	LISTS_OPTIONAL, /* down: without them it goes on (they only keep list peers out of a saved
			   file) */
	LISTS_SOME,     /* up, reload, sync, check, reresolve: a list that cannot be used costs only
			   itself */
	LISTS_ALL,      /* strip, save: a list that cannot be used stops the command */
};

/*
 * Adds the peers of the config's shared lists (fleet/lists.h), printing every message and,
 * when `report`, one status line per list on stdout. Returns -1 when the command must stop (out
 * of memory, or LISTS_ALL and a list was refused), else how many lists were not current (not
 * used, or used from the last good copy).
 */
int cmd_expand_peer_lists(struct wg_config *conf, const struct config_location *loc,
			  enum fleet_list_mode mode, const uint8_t *own, enum lists_need need,
			  bool report);

/* A base64 key followed only by whitespace, as wg's pubkey reads it; prints wg's messages. */
bool cmd_read_key(FILE *f, uint8_t key[WG_KEY_LEN]);

#endif
