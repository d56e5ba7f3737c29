// SPDX-License-Identifier: MIT
/*
 * The WireGuard link: the kernel's when it has the module, else the userspace implementation
 * named by WG_QUICK_USERSPACE_IMPLEMENTATION, else wgctl's own daemon. Either daemon detaches
 * once its UAPI socket answers and exits when the link is deleted, so deleting the link undoes
 * all three.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "backend/backend.h"
#include "orch/orch_impl.h"

static int run_daemon(const char *const argv[])
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return -errno;
	if (pid == 0) {
		execvp(argv[0], (char *const *)argv);
		fprintf(stderr, "%s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR)
			return -errno;
	}
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 128 + WTERMSIG(status);
}

static bool have_module(void)
{
	struct stat st;

	return stat("/sys/module/wireguard", &st) == 0;
}

int orch_link_create(struct orch *o)
{
	const char *impl = getenv("WG_QUICK_USERSPACE_IMPLEMENTATION");
	int ret;

	orch_say(o, "ip link add dev %s type wireguard", o->ifname);
	if (o->opts->dry_run)
		return 0;
	ret = orch_rtnl_link_add_wireguard(o->rtnl, o->ifname);
	if (ret == 0 || have_module())
		return ret;
	fprintf(stderr, "[!] Missing WireGuard kernel module. Falling back to slow userspace "
			"implementation.\n");
	if (!impl || !*impl)
		impl = NULL;
	orch_say(o, "%s %s", impl ? impl : "wgctl daemon", o->ifname);
	if (impl)
		ret = run_daemon((const char *const[]){ impl, o->ifname, NULL });
	else
		ret = run_daemon(
			(const char *const[]){ "/proc/self/exe", "daemon", o->ifname, NULL });
	if (ret > 0)
		ret = orch_failed(o, -ECANCELED, 0,
				  "creating the link: `%s %s' exited with status %d",
				  impl ? impl : "wgctl daemon", o->ifname, ret);
	if (ret == 0 && !backend_for(o->ifname))
		ret = -ENODEV;
	/* A daemon may have made the link before failing; the caller only undoes what succeeded. */
	if (ret < 0 && orch_rtnl_link_index(o->rtnl, o->ifname) >= 0)
		(void)orch_rtnl_link_del(o->rtnl, o->ifname);
	return ret;
}

void orch_link_undo(struct orch *o, const void *arg)
{
	(void)arg;
	orch_say(o, "ip link delete dev %s", o->ifname);
	if (!o->opts->dry_run)
		(void)orch_rtnl_link_del(o->rtnl, o->ifname);
}
