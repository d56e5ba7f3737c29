// SPDX-License-Identifier: MIT
/*
 * Hooks and child processes. A hook runs as `bash -c TEXT`, as wg-quick's `(eval "$hook")`
 * does, with LC_ALL=C and PATH=DIR:$PATH where DIR is a private directory (made once per
 * process, removed at exit) holding `wg` -> this binary, so hooks calling `wg` get wgctl's wg(8)
 * personality whether or not wireguard-tools is installed (the two are byte-compatible). Children are started with posix_spawnp: stdin comes from a memfd holding the
 * input (no pipe to deadlock on, no SIGPIPE), stdout is read from a pipe to EOF.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "orch/hooks.h"
#include "util/strbuf.h"

extern char **environ;

char *hook_expand(const char *hook, const char *ifname)
{
	size_t n = 0, iflen = strlen(ifname), len;
	const char *p;
	char *out, *o;

	for (p = strstr(hook, "%i"); p; p = strstr(p + 2, "%i"))
		++n;
	len = strlen(hook) + n * iflen - n * 2;
	out = malloc(len + 1);
	if (!out)
		return NULL;
	for (o = out; (p = strstr(hook, "%i")); hook = p + 2) {
		memcpy(o, hook, (size_t)(p - hook));
		o += p - hook;
		memcpy(o, ifname, iflen);
		o += iflen;
	}
	strcpy(o, hook);
	return out;
}

bool hook_which(const char *name, char *buf, size_t len)
{
	const char *path = getenv("PATH"), *p, *end;
	struct stat st;

	if (strchr(name, '/'))
		return false;
	if (!path)
		path = "/usr/local/bin:/usr/bin:/bin";
	for (p = path;; p = end + 1) {
		int n;

		end = strchrnul(p, ':');
		/* An empty entry means the current directory, as for execvp. */
		n = snprintf(buf, len, "%.*s%s%s", (int)(end - p), p, end == p ? "" : "/", name);
		if (n > 0 && (size_t)n < len && !stat(buf, &st) && S_ISREG(st.st_mode) &&
		    !access(buf, X_OK))
			return true;
		if (!*end)
			break;
	}
	return false;
}

static int memfd_with(const char *data, size_t len)
{
	int fd = memfd_create("wgctl-stdin", MFD_CLOEXEC);

	if (fd < 0)
		return -errno;
	while (len) {
		ssize_t w = write(fd, data, len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			int ret = -errno;

			close(fd);
			return ret;
		}
		data += w;
		len -= (size_t)w;
	}
	if (lseek(fd, 0, SEEK_SET) < 0) {
		int ret = -errno;

		close(fd);
		return ret;
	}
	return fd;
}

static int read_all(int fd, struct strbuf *out)
{
	char chunk[4096];

	for (;;) {
		ssize_t r = read(fd, chunk, sizeof(chunk));

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (!r)
			return out->oom ? -ENOMEM : 0;
		strbuf_append(out, chunk, (size_t)r);
	}
}

static int wait_status(pid_t pid)
{
	int status;

	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}

static int spawn(const char *const argv[], char *const envp[], const char *input, size_t input_len,
		 struct strbuf *out, unsigned int flags)
{
	posix_spawn_file_actions_t fa;
	int in = -1, pipefd[2] = {-1, -1}, ret, rd;
	pid_t pid;

	if (input) {
		in = memfd_with(input, input_len);
		if (in < 0)
			return in;
	}
	if (out && pipe2(pipefd, O_CLOEXEC)) {
		ret = -errno;
		goto out_in;
	}
	ret = -posix_spawn_file_actions_init(&fa);
	if (ret)
		goto out_pipe;
	if ((in >= 0 && (ret = -posix_spawn_file_actions_adddup2(&fa, in, STDIN_FILENO))) ||
	    (out && (ret = -posix_spawn_file_actions_adddup2(&fa, pipefd[1], STDOUT_FILENO))) ||
	    ((flags & HOOK_SPAWN_QUIET) && (ret = -posix_spawn_file_actions_addopen(
						    &fa, STDERR_FILENO, "/dev/null", O_WRONLY, 0))))
		goto out_fa;
	ret = -posix_spawnp(&pid, argv[0], &fa, NULL, (char *const *)argv, envp);
	if (ret)
		goto out_fa;
	if (out) {
		close(pipefd[1]);
		pipefd[1] = -1;
		rd = read_all(pipefd[0], out);
	} else {
		rd = 0;
	}
	ret = wait_status(pid);
	if (ret >= 0 && rd < 0)
		ret = rd;
out_fa:
	posix_spawn_file_actions_destroy(&fa);
out_pipe:
	if (pipefd[0] >= 0)
		close(pipefd[0]);
	if (pipefd[1] >= 0)
		close(pipefd[1]);
out_in:
	if (in >= 0)
		close(in);
	return ret;
}

int hook_spawn(const char *const argv[], const char *input, size_t input_len, struct strbuf *out,
	       unsigned int flags)
{
	return spawn(argv, environ, input, input_len, out, flags);
}

/* The directory holding the `wg` link; made by the first hook, removed by its maker at exit. */
static char wg_dir[PATH_MAX];
static char wg_program[PATH_MAX];
static pid_t wg_dir_owner;

static void wg_dir_remove(void)
{
	char link[PATH_MAX + 4];

	if (!wg_dir[0] || getpid() != wg_dir_owner)
		return;
	snprintf(link, sizeof(link), "%s/wg", wg_dir);
	unlink(link);
	rmdir(wg_dir);
	wg_dir[0] = '\0';
}

static int wg_link_update(void)
{
	char link[PATH_MAX + 4];

	if (!wg_program[0]) {
		ssize_t n = readlink("/proc/self/exe", wg_program, sizeof(wg_program) - 1);

		if (n < 0)
			return -errno;
		wg_program[n] = '\0';
	}
	snprintf(link, sizeof(link), "%s/wg", wg_dir);
	if (unlink(link) && errno != ENOENT)
		return -errno;
	return symlink(wg_program, link) ? -errno : 0;
}

static int wg_dir_make(void)
{
	static bool registered;
	const char *tmp = getenv("TMPDIR");
	int ret;

	if (wg_dir[0] && wg_dir_owner == getpid())
		return 0;
	if (!tmp || !*tmp || strchr(tmp, ':')) /* the directory goes into PATH */
		tmp = "/tmp";
	if ((size_t)snprintf(wg_dir, sizeof(wg_dir), "%s/wgctl-hooks.XXXXXX", tmp) >=
	    sizeof(wg_dir)) {
		wg_dir[0] = '\0';
		return -ENAMETOOLONG;
	}
	if (!mkdtemp(wg_dir)) {
		ret = -errno;
		wg_dir[0] = '\0';
		return ret;
	}
	wg_dir_owner = getpid();
	if (!registered && atexit(wg_dir_remove) == 0)
		registered = true;
	ret = wg_link_update();
	if (ret)
		wg_dir_remove();
	return ret;
}

int hook_set_wg_program(const char *path)
{
	/* Absolute: a relative link target would be read from the link's directory. */
	if (!realpath(path, wg_program)) {
		int ret = -errno;

		wg_program[0] = '\0';
		return ret;
	}
	return wg_dir[0] && wg_dir_owner == getpid() ? wg_link_update() : 0;
}

int hook_run(const char *expanded)
{
	const char *argv[] = {"bash", "-c", expanded, NULL};
	const char *path = getenv("PATH");
	size_t n = 0, i, j = 0;
	char **envp, *path_var = NULL;
	int ret;

	ret = wg_dir_make();
	if (ret)
		return ret;
	if (!path)
		path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
	if (asprintf(&path_var, "PATH=%s:%s", wg_dir, path) < 0)
		return -ENOMEM;
	while (environ[n])
		++n;
	envp = calloc(n + 3, sizeof(*envp));
	if (!envp) {
		free(path_var);
		return -ENOMEM;
	}
	for (i = 0; i < n; ++i)
		if (strncmp(environ[i], "PATH=", 5) && strncmp(environ[i], "LC_ALL=", 7))
			envp[j++] = environ[i];
	envp[j++] = path_var;
	envp[j++] = (char *)"LC_ALL=C";
	ret = spawn(argv, envp, NULL, 0, NULL, 0);
	free(envp);
	free(path_var);
	return ret;
}
