// SPDX-License-Identifier: MIT
/*
 * /proc/sys by dotted name, as sysctl(8) names them: "net.ipv4.conf.all.src_valid_mark" is
 * /proc/sys/net/ipv4/conf/all/src_valid_mark. A name holding a '/' is taken as a path already,
 * which is how an interface name with a dot is written ("net/ipv4/conf/eth0.2/rp_filter").
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "orch/sysctl.h"

static int sysctl_path(const char *name, char *path, size_t len)
{
	bool slashes = strchr(name, '/') != NULL;
	size_t prefix = strlen("/proc/sys/");
	int n;

	if (!*name || *name == '.' || *name == '/' || strstr(name, ".."))
		return -EINVAL;
	n = snprintf(path, len, "/proc/sys/%s", name);
	if (n < 0 || (size_t)n >= len)
		return -ENAMETOOLONG;
	for (char *p = path + prefix; !slashes && *p; ++p) {
		if (*p == '.')
			*p = '/';
	}
	return 0;
}

int sysctl_read(const char *name, char *value, size_t len)
{
	char path[256], buf[4096];
	ssize_t got = 0;
	size_t n = 0;
	int fd, ret;

	ret = sysctl_path(name, path, sizeof(path));
	if (ret < 0)
		return ret;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	while (n < sizeof(buf) && (got = read(fd, buf + n, sizeof(buf) - n)) != 0) {
		if (got < 0 && errno != EINTR)
			break;
		if (got > 0)
			n += (size_t)got;
	}
	ret = got < 0 ? -errno : n == sizeof(buf) ? -EOVERFLOW : 0;
	close(fd);
	if (ret < 0)
		return ret;
	if (n && buf[n - 1] == '\n')
		--n;
	if (n >= len)
		return -EOVERFLOW;
	memcpy(value, buf, n);
	value[n] = '\0';
	return 0;
}

/* One write(2) of the value and a newline, as sysctl(8) does: procfs takes a value per write. */
int sysctl_write(const char *name, const char *value)
{
	char path[256], buf[4096];
	size_t len = strlen(value);
	ssize_t put;
	int fd, ret;

	ret = sysctl_path(name, path, sizeof(path));
	if (ret < 0)
		return ret;
	if (len + 1 > sizeof(buf))
		return -E2BIG;
	memcpy(buf, value, len);
	buf[len++] = '\n';
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	do
		put = write(fd, buf, len);
	while (put < 0 && errno == EINTR);
	ret = put < 0 ? -errno : (size_t)put != len ? -EIO : 0;
	if (close(fd) < 0 && ret == 0)
		ret = -errno;
	return ret;
}
