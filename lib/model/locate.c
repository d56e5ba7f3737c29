// SPDX-License-Identifier: MIT
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "model/locate.h"

#ifndef SYSCONFDIR
#define SYSCONFDIR "/etc"
#endif

bool config_valid_ifname(const char *name)
{
	size_t n = strlen(name);

	if (!n || n >= IFNAMSIZ)
		return false;
	for (size_t i = 0; i < n; ++i) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      strchr("_=+.-", c)))
			return false;
	}
	return true;
}

const char *config_dir(void)
{
	const char *dir = getenv("WGCTL_CONFIG_DIR");

	return dir && *dir ? dir : SYSCONFDIR "/wireguard";
}

/* The name in ".../<name>.conf", if valid. */
static bool ifname_of_path(const char *path, char ifname[IFNAMSIZ])
{
	const char *base = strrchr(path, '/');
	size_t n;

	base = base ? base + 1 : path;
	n = strlen(base);
	if (n <= 5 || strcmp(base + n - 5, ".conf") || n - 5 >= IFNAMSIZ)
		return false;
	memcpy(ifname, base, n - 5);
	ifname[n - 5] = '\0';
	return config_valid_ifname(ifname);
}

static unsigned int mode_of(const char *path)
{
	struct stat st;

	return stat(path, &st) ? 0 : st.st_mode;
}

int config_locate(const char *arg, struct config_location *loc, char **tried)
{
	char *path, *dir, *slash;
	struct stat st;

	memset(loc, 0, sizeof(*loc));
	*tried = NULL;
	if (config_valid_ifname(arg)) {
		if (asprintf(&path, "%s/%s.conf", config_dir(), arg) < 0)
			return -ENOMEM;
	} else {
		path = strdup(arg);
		if (!path)
			return -ENOMEM;
	}
	if (stat(path, &st)) {
		*tried = path;
		return -ENOENT;
	}
	if (!ifname_of_path(path, loc->ifname)) {
		free(path);
		return -EINVAL;
	}
	loc->path = realpath(path, NULL);
	free(path);
	if (!loc->path)
		return -errno;
	dir = strdup(loc->path);
	if (!dir)
		return -ENOMEM;
	slash = strrchr(dir, '/');
	if (slash)
		slash[slash == dir ? 1 : 0] = '\0';
	loc->world_accessible = (mode_of(loc->path) & mode_of(dir) & 0007) != 0;
	free(dir);
	return 0;
}

void config_location_free(struct config_location *loc)
{
	free(loc->path);
	loc->path = NULL;
}
