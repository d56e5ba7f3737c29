/* SPDX-License-Identifier: MIT */
#ifndef WGCTL_MODEL_LOCATE_H
#define WGCTL_MODEL_LOCATE_H

#include <net/if.h>
#include <stdbool.h>

struct config_location {
	char *path; /* canonical, as wg-quick's readlink -f gives */
	char ifname[IFNAMSIZ];
	bool world_accessible;
};

/* wg-quick's interface-name rule: [a-zA-Z0-9_=+.-]{1,15}. */
bool config_valid_ifname(const char *name);
/* Directory searched for bare names: $WGCTL_CONFIG_DIR, else SYSCONFDIR/wireguard. */
const char *config_dir(void);
/*
 * Resolves an interface name or a path the way wg-quick does. Returns 0, -ENOENT (does not
 * exist; *tried names the file) or -EINVAL (not "<valid name>.conf").
 */
int config_locate(const char *arg, struct config_location *loc, char **tried);
void config_location_free(struct config_location *loc);

#endif
