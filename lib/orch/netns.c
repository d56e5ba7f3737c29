// SPDX-License-Identifier: MIT
/*
 * `Namespace = NAME` (or `up --netns NAME`): WireGuard's birthplace pattern. The link is made in
 * the namespace `up` runs in, where the physical network is, so its UDP socket (the kernel's, or
 * the daemon's) stays there; it is then moved into NAME, and this process follows it (setns), so
 * that every later step (addresses, MTU, routes, hooks) happens inside NAME by the same code as
 * without a namespace. A namespace `up` made is recorded in RUNSTATEDIR/wgctl/IF.netns and only
 * such a one is deleted by `down`. Names live in /run/netns, as `ip netns` keeps them.
 * DNS goes to /etc/netns/NAME/resolv.conf, which `ip netns exec` and `wgctl exec` show to
 * programs there in place of /etc/resolv.conf.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "orch/orch_impl.h"
#include "util/strbuf.h"

#define NETNS_DIR "/run/netns"
#define NETNS_ETC "/etc/netns"

int orch_netns_recorded(const char *ifname, char *name, size_t len, bool *created)
{
	char path[256], line[300];
	FILE *f;
	int ret = -ENOENT;

	orch_state_path(path, sizeof(path), ifname, "netns");
	f = fopen(path, "re");
	if (!f)
		return -errno;
	*created = false;
	if (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		if (config_netns_name_ok(line) && strlen(line) < len) {
			snprintf(name, len, "%s", line);
			ret = 0;
		}
	}
	if (!ret && fgets(line, sizeof(line), f))
		*created = !strcmp(line, "created\n");
	fclose(f);
	return ret;
}

static int record(const char *ifname, const char *name, bool created)
{
	FILE *f = orch_state_open(ifname, "netns", "we");

	if (!f)
		return -errno;
	fprintf(f, "%s\n%s\n", name, created ? "created" : "existing");
	return fclose(f) ? -errno : 0;
}

static void forget(const char *ifname)
{
	char path[256];

	orch_state_path(path, sizeof(path), ifname, "netns");
	(void)unlink(path);
}

static void ns_path(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, NETNS_DIR "/%s", name);
}

bool orch_netns_exists(const char *name)
{
	char path[PATH_MAX];
	int fd;

	ns_path(path, sizeof(path), name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	close(fd);
	return true;
}

/*
 * As `ip netns add`: /run/netns a shared mount (so that a name made here shows in every mount
 * namespace), an empty file there, and a child's new network namespace bind-mounted on it.
 */
static int create(const char *name)
{
	char path[PATH_MAX];
	int fd, status, ret;
	pid_t pid;

	if (mkdir(NETNS_DIR, 0755) < 0 && errno != EEXIST)
		return -errno;
	if (mount("", NETNS_DIR, "none", MS_SHARED | MS_REC, NULL) < 0) {
		if (errno != EINVAL)
			return -errno;
		if (mount(NETNS_DIR, NETNS_DIR, "none", MS_BIND | MS_REC, NULL) < 0 ||
		    mount("", NETNS_DIR, "none", MS_SHARED | MS_REC, NULL) < 0)
			return -errno;
	}
	ns_path(path, sizeof(path), name);
	fd = open(path, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	close(fd);
	pid = fork();
	if (pid < 0) {
		ret = -errno;
		goto err;
	}
	if (pid == 0) {
		if (unshare(CLONE_NEWNET) < 0 ||
		    mount("/proc/self/ns/net", path, "none", MS_BIND, NULL) < 0)
			_exit(errno & 0xff);
		_exit(0);
	}
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			ret = -errno;
			goto err;
		}
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	ret = WIFEXITED(status) && WEXITSTATUS(status) ? -WEXITSTATUS(status) : -ECHILD;
err:
	(void)unlink(path);
	return ret;
}

/* As `ip netns delete`: the name goes; the namespace with the last process or link in it. */
static int delete (const char *name)
{
	char path[PATH_MAX];

	ns_path(path, sizeof(path), name);
	if (umount2(path, MNT_DETACH) < 0 && errno != EINVAL)
		return -errno;
	return unlink(path) < 0 ? -errno : 0;
}

static void delete_undo(struct orch *o, const void *arg)
{
	(void)arg;
	orch_say(o, "ip netns delete %s", o->netns);
	if (!o->opts->dry_run)
		(void)delete (o->netns);
}

int orch_netns_create(struct orch *o)
{
	int ret;

	o->netns_created = false;
	if (!o->netns || orch_netns_exists(o->netns))
		return 0;
	orch_say(o, "ip netns add %s", o->netns);
	if (o->opts->dry_run)
		return 0;
	if ((ret = create(o->netns)) < 0)
		return ret;
	o->netns_created = true;
	if ((ret = undo_push(&o->undo, delete_undo, NULL, 0)) < 0)
		delete_undo(o, NULL);
	return ret;
}

/* This process into the namespace: rtnetlink reopened there; sockets made later are there. */
int orch_netns_join(struct orch *o)
{
	char path[PATH_MAX];
	struct orch_rtnl *r;
	int fd, ret;

	ns_path(path, sizeof(path), o->netns);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ret = setns(fd, CLONE_NEWNET) < 0 ? -errno : 0;
	close(fd);
	if (ret || (ret = orch_rtnl_open(&r)) < 0)
		return ret;
	orch_rtnl_close(o->rtnl);
	o->rtnl = r;
	return 0;
}

int orch_netns_move(struct orch *o)
{
	char path[PATH_MAX];
	int fd, ret;

	if (!o->netns)
		return 0;
	orch_say(o, "ip link set dev %s netns %s", o->ifname, o->netns);
	if (!o->opts->dry_run) {
		ns_path(path, sizeof(path), o->netns);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return -errno;
		ret = orch_rtnl_link_set_netns(o->rtnl, o->ifname, fd);
		close(fd);
		if (ret < 0 || (ret = orch_netns_join(o)) < 0)
			return ret;
	}
	/* Nothing answers at localhost in a namespace just made. */
	if (o->netns_created) {
		orch_say(o, "ip -n %s link set dev lo up", o->netns);
		if (!o->opts->dry_run && (ret = orch_rtnl_link_set_up(o->rtnl, "lo")) < 0)
			return ret;
	}
	return 0;
}

static void record_undo(struct orch *o, const void *arg)
{
	(void)arg;
	if (!o->opts->dry_run)
		forget(o->ifname);
}

int orch_netns_record(struct orch *o)
{
	int ret;

	if (!o->netns || o->opts->dry_run)
		return 0;
	if ((ret = record(o->ifname, o->netns, o->netns_created)) < 0)
		return ret;
	if ((ret = undo_push(&o->undo, record_undo, NULL, 0)) < 0)
		forget(o->ifname);
	return ret;
}

void orch_netns_down(struct orch *o)
{
	char name[256];
	bool created;

	if (orch_netns_recorded(o->ifname, name, sizeof(name), &created) < 0)
		return;
	if (created && orch_netns_exists(name)) {
		orch_say(o, "ip netns delete %s", name);
		if (!o->opts->dry_run)
			(void)delete (name);
	}
	if (!o->opts->dry_run)
		forget(o->ifname);
}

/* DNS: the namespace's own resolv.conf. */

static void dns_path(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, NETNS_ETC "/%s/resolv.conf", name);
}

int orch_netns_dns_write(struct orch *o)
{
	char path[PATH_MAX], tmp[PATH_MAX + 8];
	const struct wg_config *c = o->conf;
	struct strbuf b;
	int fd, ret = 0;

	dns_path(path, sizeof(path), o->netns);
	orch_say(o, "write %s", path);
	if (o->opts->dry_run)
		return 0;
	snprintf(tmp, sizeof(tmp), NETNS_ETC);
	if (mkdir(tmp, 0755) < 0 && errno != EEXIST)
		return -errno;
	snprintf(tmp, sizeof(tmp), NETNS_ETC "/%s", o->netns);
	if (mkdir(tmp, 0755) < 0 && errno != EEXIST)
		return -errno;
	strbuf_init(&b);
	strbuf_printf(&b, "# %s: written by wgctl up, removed by down\n", o->ifname);
	for (size_t i = 0; i < c->dns.n; ++i)
		strbuf_printf(&b, "nameserver %s\n", c->dns.v[i]);
	if (c->dns_search.n) {
		strbuf_printf(&b, "search");
		for (size_t i = 0; i < c->dns_search.n; ++i)
			strbuf_printf(&b, " %s", c->dns_search.v[i]);
		strbuf_printf(&b, "\n");
	}
	snprintf(tmp, sizeof(tmp), "%s.wgctl", path);
	if (b.oom) {
		strbuf_free(&b);
		return -ENOMEM;
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || write(fd, b.buf, b.len) != (ssize_t)b.len)
		ret = -errno;
	if (fd >= 0 && close(fd) < 0 && !ret)
		ret = -errno;
	if (!ret && rename(tmp, path) < 0)
		ret = -errno;
	if (ret)
		(void)unlink(tmp);
	if (!ret && b.oom)
		ret = -ENOMEM;
	strbuf_free(&b);
	return ret;
}

/* The file and the directories up made for it (a directory with other files in it stays). */
void orch_netns_dns_remove(struct orch *o)
{
	char path[PATH_MAX];

	dns_path(path, sizeof(path), o->netns);
	if (access(path, F_OK) < 0)
		return;
	orch_say(o, "rm %s", path);
	if (o->opts->dry_run)
		return;
	(void)unlink(path);
	*strrchr(path, '/') = '\0';
	(void)rmdir(path);
}

static void dns_undo(struct orch *o, const void *arg)
{
	(void)arg;
	orch_netns_dns_remove(o);
}

int orch_netns_dns_up(struct orch *o)
{
	int ret = orch_netns_dns_write(o);

	if (ret < 0 || o->opts->dry_run)
		return ret;
	if ((ret = undo_push(&o->undo, dns_undo, NULL, 0)) < 0)
		orch_netns_dns_remove(o);
	return ret;
}

int orch_netns_dns_read(struct orch *o, struct strlist *out)
{
	char path[PATH_MAX], line[512], *v;
	FILE *f;
	int ret = 0;

	dns_path(path, sizeof(path), o->netns);
	f = fopen(path, "re");
	if (!f)
		return 0;
	while (!ret && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		if (!strncmp(line, "nameserver ", 11))
			ret = strlist_push(out, line + 11, strlen(line + 11), 0);
		else if (!strncmp(line, "search ", 7)) {
			char *save = NULL;

			for (v = strtok_r(line + 7, " \t", &save); v && !ret;
			     v = strtok_r(NULL, " \t", &save))
				ret = strlist_push(out, v, strlen(v), 0);
		}
	}
	fclose(f);
	return ret;
}

int orch_netns_enter_recorded(const char *ifname)
{
	char name[256], path[PATH_MAX];
	bool created;
	int fd, ret;

	if (orch_netns_recorded(ifname, name, sizeof(name), &created) < 0)
		return 0;
	ns_path(path, sizeof(path), name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	ret = setns(fd, CLONE_NEWNET) < 0 ? -errno : 0;
	close(fd);
	return ret;
}
