/* SPDX-License-Identifier: MIT */
/* DNS through resolvconf(8), with wg-quick's interface-order prefix rule ("tun." on Debian). */
#ifndef WGCTL_ORCH_RESOLVCONF_H
#define WGCTL_ORCH_RESOLVCONF_H

#include <stdbool.h>
#include <stddef.h>

#include "model/config.h"

/* "tun.wg0" or "wg0": the record name resolvconf keeps for IF. */
void resolvconf_record(char *buf, size_t len, const char *ifname);
/* `resolvconf -a REC -m 0 -x` fed "nameserver X" lines and one "search a b" line. 0 or -errno. */
int resolvconf_add(const char *ifname, const struct strlist *servers, const struct strlist *search);
/* `resolvconf -d REC -f`. */
int resolvconf_del(const char *ifname);
/* The nameservers resolvconf holds for IF (for `save`): appended to out. */
int resolvconf_servers(const char *ifname, struct strlist *out);

#endif
