// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "crypto/crypto.h"
#include "fleet/cache.h"
#include "util/file.h"
#include "util/strbuf.h"

#define CACHE_MAGIC "wgctl peer list cache 1\n"

const char *cache_dir(void)
{
	const char *dir = getenv("WGCTL_CACHE_DIR");

	return dir && *dir ? dir : STATEDIR "/wgctl/peer-lists";
}

int fleet_file_path(char *buf, size_t len, const char *dir, const char *ifname, const char *source,
		    const char *ext)
{
	uint8_t hash[8];
	char hex[17];
	int ret = blake2s(hash, sizeof(hash), source, strlen(source), NULL, 0);

	if (ret < 0)
		return ret;
	for (size_t i = 0; i < sizeof(hash); ++i)
		snprintf(hex + 2 * i, 3, "%02x", hash[i]);
	return snprintf(buf, len, "%s/%s-%s.%s", dir, ifname, hex, ext) < (int)len ? 0
										   : -ENAMETOOLONG;
}

int cache_path(char *buf, size_t len, const char *ifname, const char *url)
{
	return fleet_file_path(buf, len, cache_dir(), ifname, url, "list");
}

static void put_header(struct strbuf *sb, const char *name, const char *value)
{
	if (value)
		strbuf_printf(sb, "%s: %s\n", name, value);
}

int cache_store(const char *path, const struct cache_entry *e)
{
	struct strbuf sb;
	int ret;

	if ((ret = file_mkdirs(cache_dir(), 0755, 0700)) < 0)
		return ret;
	strbuf_init(&sb);
	strbuf_puts(&sb, CACHE_MAGIC);
	put_header(&sb, "url", e->url);
	put_header(&sb, "etag", e->etag);
	put_header(&sb, "last-modified", e->last_modified);
	put_header(&sb, "signature", e->signature);
	strbuf_putc(&sb, '\n');
	strbuf_append(&sb, e->body, e->len);
	ret = sb.oom ? -ENOMEM : file_write_atomic(path, sb.buf, sb.len, 0600);
	strbuf_free(&sb);
	return ret;
}

static int take_header(struct cache_entry *e, const char *line, size_t len)
{
	static const struct {
		const char *name;
		size_t offset;
	} fields[] = {
		{ "url: ", offsetof(struct cache_entry, url) },
		{ "etag: ", offsetof(struct cache_entry, etag) },
		{ "last-modified: ", offsetof(struct cache_entry, last_modified) },
		{ "signature: ", offsetof(struct cache_entry, signature) },
	};

	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); ++i) {
		size_t n = strlen(fields[i].name);
		char **slot = (char **)((char *)e + fields[i].offset);

		if (len < n || strncmp(line, fields[i].name, n))
			continue;
		free(*slot);
		*slot = strndup(line + n, len - n);
		return *slot ? 0 : -ENOMEM;
	}
	return 0;
}

int cache_parse(struct cache_entry *e, const char *buf, size_t len)
{
	const char *p = buf + strlen(CACHE_MAGIC), *end = buf + len, *nl;
	int ret;

	if (len < strlen(CACHE_MAGIC) || memcmp(buf, CACHE_MAGIC, strlen(CACHE_MAGIC)))
		return -EINVAL;
	for (; p < end && *p != '\n'; p = nl + 1) {
		if (!(nl = memchr(p, '\n', (size_t)(end - p))))
			return -EINVAL;
		if ((ret = take_header(e, p, (size_t)(nl - p))) < 0)
			return ret;
	}
	if (p >= end)
		return -EINVAL;
	++p;
	e->len = (size_t)(end - p);
	e->body = malloc(e->len + 1);
	if (!e->body)
		return -ENOMEM;
	memcpy(e->body, p, e->len);
	e->body[e->len] = '\0';
	return 0;
}

int cache_load(const char *path, const char *url, struct cache_entry *e)
{
	size_t len;
	char *buf;
	int ret;

	memset(e, 0, sizeof(*e));
	if ((ret = file_read_all(path, SIZE_MAX / 2, &buf, &len)) < 0)
		return ret;
	ret = cache_parse(e, buf, len);
	if (!ret && (!e->url || strcmp(e->url, url)))
		ret = -EINVAL;
	free(buf);
	if (ret)
		cache_entry_free(e);
	return ret;
}

void cache_entry_free(struct cache_entry *e)
{
	free(e->url);
	free(e->etag);
	free(e->last_modified);
	free(e->signature);
	free(e->body);
	memset(e, 0, sizeof(*e));
}
