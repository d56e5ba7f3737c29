/* SPDX-License-Identifier: MIT */
/*
 * The highest serial this host accepted for each (interface, list source), kept apart from the
 * cache so that clearing the cache does not reopen the door to an older list: one 0600 file per
 * pair under $WGCTL_LIST_STATE_DIR or STATEDIR/wgctl/peer-list-state, written atomically.
 */
#ifndef WGCTL_FLEET_LISTSTATE_H
#define WGCTL_FLEET_LISTSTATE_H

#include <stddef.h>
#include <stdint.h>

const char *liststate_dir(void);
/* 0 or -ENAMETOOLONG. */
int liststate_path(char *buf, size_t len, const char *ifname, const char *source);
/* The serial recorded (0 with no file). 0, -EINVAL (not a state file, or another source's) or
 * -errno. */
int liststate_load(const char *path, const char *source, uint64_t *serial);
/* Records `serial` for `source` (named `name`). 0 or -errno. */
int liststate_store(const char *path, const char *source, const char *name, uint64_t serial);
/* A state file's bytes (for liststate_load and the fuzzer). 0 or -EINVAL. */
int liststate_parse(const char *buf, size_t len, const char *source, uint64_t *serial);

#endif
