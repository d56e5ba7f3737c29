// SPDX-License-Identifier: MIT
/*
 * `wgctl exec NAME [-u USER] -- COMMAND...`: what `ip netns exec` does, and then, with -u, the
 * program runs as USER, so that it never has root's rights inside the namespace. Into NAME's
 * network namespace; a mount namespace of our own, slave to the host's, in which /sys is a
 * sysfs of NAME's links and each file of /etc/netns/NAME is bound over its /etc twin (the
 * resolv.conf that `up` wrote there, say).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "model/config.h"
#include "orch/orch.h"

static int fail(const char *what, const char *arg, int err)
{
	fprintf(stderr, "wgctl: exec: %s%s%s: %s\n", what, arg ? " " : "", arg ? arg : "",
		strerror(err));
	return -err;
}

static int bind_etc(const char *name)
{
	char dir[PATH_MAX], src[PATH_MAX * 2], dst[PATH_MAX];
	struct dirent *e;
	DIR *d;
	int ret = 0;

	snprintf(dir, sizeof(dir), "/etc/netns/%s", name);
	d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : fail("reading", dir, errno);
	while (!ret && (e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		snprintf(src, sizeof(src), "%s/%s", dir, e->d_name);
		snprintf(dst, sizeof(dst), "/etc/%s", e->d_name);
		/* As ip: what has no twin in /etc is not bound (a mount needs a target). */
		if (access(dst, F_OK) < 0)
			continue;
		if (mount(src, dst, "none", MS_BIND, NULL) < 0)
			ret = fail("binding", src, errno);
	}
	closedir(d);
	return ret;
}

static int enter(const char *name)
{
	char path[PATH_MAX];
	unsigned long flags = 0;
	struct statvfs sv;
	int fd, ret;

	snprintf(path, sizeof(path), "/run/netns/%s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return fail("no network namespace", name, errno);
	ret = setns(fd, CLONE_NEWNET) < 0 ? fail("entering", name, errno) : 0;
	close(fd);
	if (ret)
		return ret;
	if (unshare(CLONE_NEWNS) < 0)
		return fail("unshare", NULL, errno);
	/* Our mounts stay ours: nothing propagates back to the host. */
	if (mount("", "/", "none", MS_SLAVE | MS_REC, NULL) < 0)
		return fail("making / a slave", NULL, errno);
	if (statvfs("/sys", &sv) == 0 && (sv.f_flag & ST_RDONLY))
		flags = MS_RDONLY;
	if (umount2("/sys", MNT_DETACH) < 0 && errno != EINVAL)
		return fail("unmounting", "/sys", errno);
	if (mount(name, "/sys", "sysfs", flags, NULL) < 0)
		return fail("mounting", "/sys", errno);
	return bind_etc(name);
}

static int drop_to(const char *user)
{
	struct passwd *pw;

	errno = 0;
	pw = getpwnam(user);
	if (!pw)
		return fail("no such user", user, errno ? errno : ENOENT);
	if (initgroups(pw->pw_name, pw->pw_gid) < 0 || setgid(pw->pw_gid) < 0 ||
	    setuid(pw->pw_uid) < 0)
		return fail("becoming", user, errno);
	/* Only a privilege really given up cannot be taken back. */
	if (pw->pw_uid && setuid(0) == 0)
		return fail("becoming", user, EPERM);
	if (setenv("HOME", pw->pw_dir, 1) < 0 || setenv("USER", pw->pw_name, 1) < 0 ||
	    setenv("LOGNAME", pw->pw_name, 1) < 0)
		return fail("environment", NULL, errno);
	return 0;
}

int orch_netns_exec(const char *name, const char *user, char *const argv[])
{
	int ret;

	if (!config_netns_name_ok(name)) {
		fprintf(stderr, "wgctl: exec: `%s' is not a network namespace name\n", name);
		return -EINVAL;
	}
	if ((ret = enter(name)) < 0 || (user && (ret = drop_to(user)) < 0))
		return ret;
	execvp(argv[0], argv);
	return fail("running", argv[0], errno);
}
