/* SPDX-License-Identifier: MIT */
/*
 * The last good copy of each fetched peer list, so that `up` works while the server is down.
 * One 0600 file per (interface, URL) under $WGCTL_CACHE_DIR or STATEDIR/wgctl/peer-lists, written
 * atomically: a few "name: value" header lines, a blank line, then the list exactly as served.
 */
#ifndef WGCTL_FLEET_CACHE_H
#define WGCTL_FLEET_CACHE_H

#include <stddef.h>

struct cache_entry {
	char *url, *etag, *last_modified, *signature;
	char *body;
	size_t len;
};

const char *cache_dir(void);
/* 0 or -ENAMETOOLONG. */
int cache_path(char *buf, size_t len, const char *ifname, const char *url);
/*
 * DIR/IFNAME-HASH.EXT: one file per (interface, list source), the source hashed to a fixed-length,
 * filesystem-safe name that two sources never share. 0 or -ENAMETOOLONG.
 */
int fleet_file_path(char *buf, size_t len, const char *dir, const char *ifname, const char *source,
		    const char *ext);
/* 0, -ENOENT, -EINVAL (not a cache file, or for another URL) or -errno. */
int cache_load(const char *path, const char *url, struct cache_entry *e);
/* A cache file's bytes into an entry (for cache_load and the fuzzer). 0, -EINVAL or -ENOMEM. */
int cache_parse(struct cache_entry *e, const char *buf, size_t len);
/* Creates the directory (0700) when needed. 0 or -errno. */
int cache_store(const char *path, const struct cache_entry *e);
void cache_entry_free(struct cache_entry *e);

#endif
