// SPDX-License-Identifier: MIT
#include <ctype.h>
#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/file.h"

/* In the name of every temporary file of ours, and of nobody else's. */
#define TMP_MARKER ".wgctl-tmp."

static int write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* One read(2), retried on EINTR: the byte count, 0 at the end, or -errno. */
static ssize_t read_some(int fd, void *buf, size_t len)
{
	for (;;) {
		ssize_t n = read(fd, buf, len);

		if (n >= 0 || errno != EINTR)
			return n < 0 ? -errno : n;
	}
}

static void sync_parent(const char *path)
{
	char dir[4096];
	int fd;

	snprintf(dir, sizeof(dir), "%s", path);
	fd = open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		(void)fsync(fd);
		close(fd);
	}
}

/*
 * The new contents in an unnamed file (O_TMPFILE) that gets a name only once complete, so a
 * writer killed mid-way leaves nothing behind; the name is unique per process and call, so two
 * writers never share one. -EOPNOTSUPP when the file system has no O_TMPFILE.
 */
static int write_unnamed(const char *path, const void *buf, size_t len, mode_t mode, char *tmp,
			 size_t tmp_size)
{
	static unsigned int serial;
	char dir[4096], proc[64];
	int fd, ret;

	snprintf(dir, sizeof(dir), "%s", path);
	fd = open(dirname(dir), O_TMPFILE | O_WRONLY | O_CLOEXEC, mode & 07777);
	if (fd < 0)
		return errno == EISDIR || errno == EOPNOTSUPP || errno == EINVAL ? -EOPNOTSUPP
										 : -errno;
	ret = fchmod(fd, mode) < 0 ? -errno : 0;
	if (!ret)
		ret = write_all(fd, buf, len);
	if (!ret && fsync(fd) < 0)
		ret = -errno;
	if (!ret && snprintf(tmp, tmp_size, "%s" TMP_MARKER "%d.%u", path, (int)getpid(),
			     __atomic_fetch_add(&serial, 1, __ATOMIC_RELAXED)) >= (int)tmp_size)
		ret = -ENAMETOOLONG;
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	if (!ret && linkat(AT_FDCWD, proc, AT_FDCWD, tmp, AT_SYMLINK_FOLLOW) < 0)
		ret = -errno;
	if (close(fd) < 0 && !ret) {
		unlink(tmp);
		ret = -errno;
	}
	return ret;
}

/* The fallback: a named temporary file from the start, which a kill can leave behind. */
static int write_named(const char *path, const void *buf, size_t len, mode_t mode, char *tmp,
		       size_t tmp_size)
{
	int fd, ret;

	if (snprintf(tmp, tmp_size, "%s" TMP_MARKER "XXXXXX", path) >= (int)tmp_size)
		return -ENAMETOOLONG;
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ret = fchmod(fd, mode) < 0 ? -errno : 0;
	if (!ret)
		ret = write_all(fd, buf, len);
	if (!ret && fsync(fd) < 0)
		ret = -errno;
	if (close(fd) < 0 && !ret)
		ret = -errno;
	if (ret)
		unlink(tmp);
	return ret;
}

/*
 * `path.wgctl-tmp.PID.N` left by a writer killed between link and rename: gone once that PID is.
 * Only names with the marker are ours: `wg0.conf.20241207.1` is somebody's backup.
 */
static void remove_stale(const char *path)
{
	char dir[4096], base[4096], stale[8192];
	size_t blen, mlen = strlen(TMP_MARKER);
	struct dirent *e;
	DIR *d;

	snprintf(dir, sizeof(dir), "%s", path);
	snprintf(base, sizeof(base), "%s", path);
	snprintf(base, sizeof(base), "%s", basename(base));
	blen = strlen(base);
	d = opendir(dirname(dir));
	if (!d)
		return;
	while ((e = readdir(d))) {
		char *end;
		long pid;

		if (strncmp(e->d_name, base, blen) || strncmp(e->d_name + blen, TMP_MARKER, mlen) ||
		    !isdigit((unsigned char)e->d_name[blen + mlen]))
			continue;
		pid = strtol(e->d_name + blen + mlen, &end, 10);
		if (pid <= 0 || *end != '.' || !end[1] ||
		    strspn(end + 1, "0123456789") != strlen(end + 1))
			continue;
		if (kill((pid_t)pid, 0) == 0 || errno != ESRCH)
			continue;
		snprintf(stale, sizeof(stale), "%s/%s", dir, e->d_name);
		(void)unlink(stale);
	}
	closedir(d);
}

int file_write_atomic(const char *path, const void *buf, size_t len, mode_t mode)
{
	char tmp[4096];
	int ret;

	remove_stale(path);
	ret = write_unnamed(path, buf, len, mode, tmp, sizeof(tmp));
	if (ret == -EOPNOTSUPP)
		ret = write_named(path, buf, len, mode, tmp, sizeof(tmp));
	if (ret)
		return ret;
	if (rename(tmp, path) < 0) {
		ret = -errno;
		unlink(tmp);
		return ret;
	}
	sync_parent(path);
	return 0;
}

int file_read_all(const char *path, size_t max, char **out, size_t *out_len)
{
	size_t len = 0, cap = 4096;
	char *buf = NULL, *grown;
	int fd, ret = 0;
	ssize_t n;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	for (;;) {
		if (!buf || len + 1 == cap) {
			if (buf)
				cap *= 2;
			if (!(grown = realloc(buf, cap))) {
				ret = -ENOMEM;
				break;
			}
			buf = grown;
		}
		n = read_some(fd, buf + len, cap - len - 1);
		if (n <= 0) {
			ret = (int)n;
			break;
		}
		len += (size_t)n;
		if (len > max) {
			ret = -EFBIG;
			break;
		}
	}
	close(fd);
	if (ret) {
		free(buf);
		return ret;
	}
	buf[len] = '\0';
	*out = buf;
	*out_len = len;
	return 0;
}

int file_read_secret(const char *path, void *buf, size_t cap, size_t *len, struct stat *st)
{
	size_t got = 0;
	char extra = 0;
	ssize_t n;
	int fd, ret = 0;

	*len = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	if (fstat(fd, st) < 0) {
		ret = -errno;
		goto out;
	}
	if (!S_ISREG(st->st_mode))
		goto out;
	for (;;) {
		/* Once buf is full, one byte more says whether the file goes on. */
		n = got < cap ? read_some(fd, (char *)buf + got, cap - got)
			      : read_some(fd, &extra, 1);
		if (n <= 0) {
			ret = (int)n;
			break;
		}
		if (got == cap) {
			ret = -EFBIG;
			break;
		}
		got += (size_t)n;
	}
	*len = got;
	explicit_bzero(&extra, sizeof(extra));
out:
	close(fd);
	return ret;
}

int file_mkdirs(const char *path, mode_t parents, mode_t last)
{
	char buf[4096];

	if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf))
		return -ENAMETOOLONG;
	for (char *p = buf + 1; *p; ++p) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, parents) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(buf, last) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}
