// SPDX-License-Identifier: MIT
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fleet/cache.h"
#include "fleet/liststate.h"
#include "util/file.h"
#include "util/number.h"
#include "util/strbuf.h"

#define STATE_MAGIC "wgctl peer list state 1\n"

const char *liststate_dir(void)
{
	const char *dir = getenv("WGCTL_LIST_STATE_DIR");

	return dir && *dir ? dir : STATEDIR "/wgctl/peer-list-state";
}

int liststate_path(char *buf, size_t len, const char *ifname, const char *source)
{
	return fleet_file_path(buf, len, liststate_dir(), ifname, source, "state");
}

/* The value of the line "name: value\n" at *p, advancing past it; NULL if it is not that line. */
static const char *field(const char **p, const char *end, const char *name, size_t *vlen)
{
	size_t n = strlen(name);
	const char *nl = memchr(*p, '\n', (size_t)(end - *p)), *v = *p + n + 2;

	if (!nl || (size_t)(nl - *p) < n + 2 || memcmp(*p, name, n) || memcmp(*p + n, ": ", 2))
		return NULL;
	*vlen = (size_t)(nl - v);
	*p = nl + 1;
	return v;
}

int liststate_parse(const char *buf, size_t len, const char *source, uint64_t *serial)
{
	const char *p = buf, *end = buf + len, *v;
	size_t n;

	if (len < strlen(STATE_MAGIC) || memcmp(buf, STATE_MAGIC, strlen(STATE_MAGIC)))
		return -EINVAL;
	p += strlen(STATE_MAGIC);
	if (!(v = field(&p, end, "source", &n)) || n != strlen(source) || memcmp(v, source, n))
		return -EINVAL;
	if (!field(&p, end, "name", &n) || !(v = field(&p, end, "serial", &n)) || p != end ||
	    !parse_uint(v, n, 10, UINT64_MAX, serial))
		return -EINVAL;
	return 0;
}

int liststate_load(const char *path, const char *source, uint64_t *serial)
{
	size_t len;
	char *buf;
	int ret;

	*serial = 0;
	ret = file_read_all(path, 8192, &buf, &len);
	if (ret == -ENOENT)
		return 0;
	if (ret < 0)
		return ret;
	ret = liststate_parse(buf, len, source, serial);
	free(buf);
	return ret;
}

int liststate_store(const char *path, const char *source, const char *name, uint64_t serial)
{
	struct strbuf sb;
	int ret;

	if ((ret = file_mkdirs(liststate_dir(), 0755, 0700)) < 0)
		return ret;
	strbuf_init(&sb);
	strbuf_printf(&sb, "%ssource: %s\nname: %s\nserial: %" PRIu64 "\n", STATE_MAGIC, source,
		      name, serial);
	ret = sb.oom ? -ENOMEM : file_write_atomic(path, sb.buf, sb.len, 0600);
	strbuf_free(&sb);
	return ret;
}
