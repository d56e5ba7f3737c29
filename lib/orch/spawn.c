// SPDX-License-Identifier: MIT
/*
 * Child processes of the orch layer. Started with posix_spawnp, never through a shell: stdin
 * comes from a memfd holding the input (no pipe to deadlock on, no SIGPIPE), stdout is read
 * from a pipe to EOF, and the exit status is waited for.
 */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "orch/spawn.h"
#include "util/strbuf.h"

extern char **environ;

bool spawn_which(const char *name, char *buf, size_t len)
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
	int in = -1, pipefd[2] = { -1, -1 }, ret, rd;
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
	    ((flags & SPAWN_QUIET) && (ret = -posix_spawn_file_actions_addopen(
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

int spawn_run(const char *const argv[], char *const envp[], const char *input, size_t input_len,
	      struct strbuf *out, unsigned int flags)
{
	return spawn(argv, envp ? envp : environ, input, input_len, out, flags);
}
