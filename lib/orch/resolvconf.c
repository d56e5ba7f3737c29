// SPDX-License-Identifier: MIT
/*
 * DNS through resolvconf(8), as wg-quick's set_dns/unset_dns/save_config do. The record is
 * named "<prefix>IF"; the prefix ("tun." on Debian's resolvconf) is the first line of
 * /etc/resolvconf/interface-order that reads NAME* (NAME of [A-Za-z0-9-]), and applies only
 * when that file exists and the resolvconf in PATH is not a symlink (systemd's resolvectl
 * alias has no such ordering).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "orch/spawn.h"
#include "orch/resolvconf.h"
#include "util/strbuf.h"

#define INTERFACE_ORDER "/etc/resolvconf/interface-order"

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* The line without the surrounding whitespace bash's `read -r` drops. */
static void trim(const char **s, size_t *len)
{
	while (*len && is_space((*s)[*len - 1]))
		--*len;
	while (*len && is_space(**s))
		++*s, --*len;
}

static bool name_star(const char *s, size_t len)
{
	if (len < 2 || s[len - 1] != '*')
		return false;
	for (size_t i = 0; i < len - 1; ++i)
		if (!s[i] ||
		    !strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-",
			    s[i]))
			return false;
	return true;
}

static void iface_prefix(char *buf, size_t len)
{
	char path[PATH_MAX], *line = NULL;
	size_t cap = 0;
	struct stat st;
	ssize_t n;
	FILE *f;

	buf[0] = '\0';
	if (stat(INTERFACE_ORDER, &st) || !S_ISREG(st.st_mode))
		return;
	if (spawn_which("resolvconf", path, sizeof(path)) && !lstat(path, &st) &&
	    S_ISLNK(st.st_mode))
		return;
	f = fopen(INTERFACE_ORDER, "re");
	if (!f)
		return;
	while ((n = getline(&line, &cap, f)) >= 0) {
		const char *s = line;
		size_t l = (size_t)n;

		trim(&s, &l);
		if (name_star(s, l)) {
			snprintf(buf, len, "%.*s.", (int)(l - 1), s);
			break;
		}
	}
	free(line);
	fclose(f);
}

void resolvconf_record(char *buf, size_t len, const char *ifname)
{
	char prefix[256];

	iface_prefix(prefix, sizeof(prefix));
	snprintf(buf, len, "%s%s", prefix, ifname);
}

int resolvconf_add(const char *ifname, const struct strlist *servers, const struct strlist *search)
{
	char rec[300];
	const char *argv[] = { "resolvconf", "-a", rec, "-m", "0", "-x", NULL };
	struct strbuf in;
	int ret;

	if (!servers->n)
		return 0;
	resolvconf_record(rec, sizeof(rec), ifname);
	strbuf_init(&in);
	for (size_t i = 0; i < servers->n; ++i)
		strbuf_printf(&in, "nameserver %s\n", servers->v[i]);
	if (search && search->n) {
		strbuf_puts(&in, "search");
		for (size_t i = 0; i < search->n; ++i)
			strbuf_printf(&in, " %s", search->v[i]);
		strbuf_putc(&in, '\n');
	}
	ret = in.oom ? -ENOMEM : spawn_run(argv, NULL, in.buf, in.len, NULL, 0);
	strbuf_free(&in);
	return ret > 0 ? -EIO : ret;
}

int resolvconf_del(const char *ifname)
{
	char rec[300];
	const char *argv[] = { "resolvconf", "-d", rec, "-f", NULL };
	int ret;

	resolvconf_record(rec, sizeof(rec), ifname);
	ret = spawn_run(argv, NULL, NULL, 0, NULL, 0);
	return ret > 0 ? -EIO : ret;
}

static int read_file(const char *path, struct strbuf *out)
{
	char chunk[4096];
	size_t n;
	FILE *f = fopen(path, "re");

	if (!f)
		return -errno;
	while ((n = fread(chunk, 1, sizeof(chunk), f)))
		strbuf_append(out, chunk, n);
	fclose(f);
	return out->oom ? -ENOMEM : 0;
}

/* wg-quick's save keeps the lines matching ^nameserver ([a-zA-Z0-9_=+:%.-]+)$. */
static bool server_token(const char *s, size_t len)
{
	if (!len)
		return false;
	for (size_t i = 0; i < len; ++i)
		if (!s[i] ||
		    !strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_=+:%.-",
			    s[i]))
			return false;
	return true;
}

int resolvconf_servers(const char *ifname, struct strlist *out)
{
	char rec[300], path[PATH_MAX + 300];
	const char *argv[] = { "resolvconf", "-l", rec, NULL };
	const char *pos, *line;
	struct strbuf text;
	int ret = 0;

	resolvconf_record(rec, sizeof(rec), ifname);
	strbuf_init(&text);
	/* As wg-quick: `resolvconf -l REC || cat /etc/resolvconf/run/interface/REC`. */
	if (spawn_run(argv, NULL, NULL, 0, &text, SPAWN_QUIET) != 0) {
		strbuf_reset(&text);
		snprintf(path, sizeof(path), "/etc/resolvconf/run/interface/%s", rec);
		read_file(path, &text);
	}
	for (pos = text.buf; ret == 0 && pos && *pos;) {
		const char *nl = strchrnul(pos, '\n');
		size_t len = (size_t)(nl - pos);

		line = pos;
		pos = *nl ? nl + 1 : nl;
		trim(&line, &len);
		if (len > 11 && !strncmp(line, "nameserver ", 11) &&
		    server_token(line + 11, len - 11))
			ret = strlist_push(out, line + 11, len - 11, 0);
	}
	strbuf_free(&text);
	return ret;
}
