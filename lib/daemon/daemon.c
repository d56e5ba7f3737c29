// SPDX-License-Identifier: MIT
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "daemon/daemon.h"
#include "daemon/loop.h"
#include "util/log.h"
#include "util/secmem.h"

static bool valid_ifname(const char *name)
{
	size_t n = strlen(name);

	return n >= 1 && n < IFNAMSIZ && !strchr(name, '/') && strcmp(name, ".") &&
	       strcmp(name, "..");
}

static const char *tun_error(int err)
{
	if (err == -EBUSY)
		return "the interface is already in use";
	if (err == -EINVAL)
		return "a link of another type has that name";
	return strerror(-err);
}

/*
 * Returns in the child, with *notify the pipe to report readiness on. The parent only waits
 * for that report and exits: 0 if it came, the child's failure otherwise.
 */
static bool fork_child(int *notify, int *status)
{
	int p[2], ws;
	ssize_t r;
	pid_t pid;
	char c;

	if (pipe2(p, O_CLOEXEC) < 0) {
		log_error("Unable to create a pipe: %s", strerror(errno));
		*status = 1;
		return false;
	}
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0) {
		log_error("Unable to fork: %s", strerror(errno));
		*status = 1;
		return false;
	}
	if (!pid) {
		close(p[0]);
		*notify = p[1];
		setsid();
		return true;
	}
	close(p[1]);
	do
		r = read(p[0], &c, 1);
	while (r < 0 && errno == EINTR);
	close(p[0]);
	if (r == 1) {
		*status = 0;
		return false;
	}
	while (waitpid(pid, &ws, 0) < 0 && errno == EINTR)
		;
	*status = 1;
	return false;
}

static void detach(int notify)
{
	int fd = open("/dev/null", O_RDWR | O_CLOEXEC);

	if (fd >= 0) {
		dup2(fd, STDIN_FILENO);
		dup2(fd, STDOUT_FILENO);
		dup2(fd, STDERR_FILENO);
		if (fd > STDERR_FILENO)
			close(fd);
	}
	if (chdir("/") < 0)
		log_verbose("chdir /: %s", strerror(errno));
	log_use_syslog();
	if (write(notify, "R", 1) != 1)
		log_error("Unable to report readiness: %s", strerror(errno));
	close(notify);
}

static int serve(const char *ifname, int notify)
{
	struct dp_device *dev = NULL;
	struct uapi_server uapi;
	struct tun tun;
	const char *env = getenv("WGCTL_OFFLOAD");
	/* WGCTL_OFFLOAD=0: one packet per TUN read and write and per datagram (for comparison). */
	bool offload = !env || strcmp(env, "0");
	struct loop l;
	int ret, status = 1;

	ret = tun_open(&tun, ifname, offload);
	if (ret) {
		log_error("Unable to create TUN device `%s': %s", ifname, tun_error(ret));
		return 1;
	}
	ret = uapi_server_open(&uapi, ifname);
	if (ret) {
		log_error("Unable to create UAPI socket `%s': %s", uapi.path,
			  ret == -EADDRINUSE ? "the interface is already in use" : strerror(-ret));
		goto out_tun;
	}
	ret = loop_init(&l, &tun, &uapi, offload, workers_default_threads());
	if (ret) {
		log_error("Unable to set up the event loop: %s", strerror(-ret));
		goto out_loop;
	}
	dev = dp_device_new(&loop_io_ops, &l);
	if (!dev) {
		log_error("Unable to create the device: %s", strerror(ENOMEM));
		goto out_loop;
	}
	ret = dp_device_open(dev);
	if (ret) {
		log_error("Unable to open UDP sockets: %s", strerror(-ret));
		goto out_loop;
	}
	ret = loop_attach(&l, dev);
	if (ret) {
		log_error("Unable to start serving `%s': %s", uapi.path, strerror(-ret));
		goto out_loop;
	}
	log_verbose("Interface %s created, UAPI on %s", tun.name, uapi.path);
	if (notify >= 0)
		detach(notify);
	status = loop_run(&l);
	log_verbose("Shutting down");
out_loop:
	/* Clients hold pointers to the device: they go first. */
	uapi_server_close(&uapi);
	if (dev)
		dp_device_free(dev);
	loop_destroy(&l);
out_tun:
	tun_close(&tun);
	return status;
}

int daemon_run(const char *ifname, bool foreground)
{
	const char *env = getenv("WG_PROCESS_FOREGROUND");
	char ident[32];
	int notify = -1, status;

	if (!valid_ifname(ifname)) {
		log_init("wgctl");
		log_error("Invalid interface name `%s'", ifname);
		return 1;
	}
	snprintf(ident, sizeof(ident), "wgctl(%s)", ifname);
	log_init(ident);
	if (env && !strcmp(env, "1"))
		foreground = true;
	/* Before any key is read: no core file, no ptrace or /proc/PID/mem for peers of our uid. */
	status = secmem_harden_process();
	if (status)
		log_error("Unable to make the process undumpable: %s", strerror(-status));
	if (!foreground && !fork_child(&notify, &status))
		return status;
	return serve(ifname, notify);
}
