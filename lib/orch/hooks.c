// SPDX-License-Identifier: MIT
/*
 * Hooks. A hook runs as `bash -c TEXT`, as wg-quick's `(eval "$hook")` does, with LC_ALL=C and
 * PATH=DIR:$PATH, where DIR is the run's private directory holding `wg` -> this binary: hooks
 * calling `wg` get wgctl's wg(8) personality whether or not wireguard-tools is installed (the
 * two are byte-compatible).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "orch/hooks.h"
#include "orch/spawn.h"

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

void hook_env_init(struct hook_env *env)
{
	env->dir[0] = env->wg[0] = '\0';
}

static int wg_link_update(struct hook_env *env)
{
	char link[PATH_MAX + 4];

	if (!env->wg[0]) {
		ssize_t n = readlink("/proc/self/exe", env->wg, sizeof(env->wg) - 1);

		if (n < 0)
			return -errno;
		env->wg[n] = '\0';
	}
	snprintf(link, sizeof(link), "%s/wg", env->dir);
	if (unlink(link) && errno != ENOENT)
		return -errno;
	return symlink(env->wg, link) ? -errno : 0;
}

int hook_env_set_wg(struct hook_env *env, const char *path)
{
	/* Absolute: a relative link target would be read from the link's directory. */
	if (!realpath(path, env->wg)) {
		int ret = -errno;

		env->wg[0] = '\0';
		return ret;
	}
	return env->dir[0] ? wg_link_update(env) : 0;
}

void hook_env_cleanup(struct hook_env *env)
{
	char link[PATH_MAX + 4];

	if (!env->dir[0])
		return;
	snprintf(link, sizeof(link), "%s/wg", env->dir);
	unlink(link);
	rmdir(env->dir);
	env->dir[0] = '\0';
}

static int make_dir(struct hook_env *env)
{
	const char *tmp = getenv("TMPDIR");
	int ret;

	if (env->dir[0])
		return 0;
	if (!tmp || !*tmp || strchr(tmp, ':')) /* the directory goes into PATH */
		tmp = "/tmp";
	if ((size_t)snprintf(env->dir, sizeof(env->dir), "%s/wgctl-hooks.XXXXXX", tmp) >=
	    sizeof(env->dir)) {
		env->dir[0] = '\0';
		return -ENAMETOOLONG;
	}
	if (!mkdtemp(env->dir)) {
		ret = -errno;
		env->dir[0] = '\0';
		return ret;
	}
	ret = wg_link_update(env);
	if (ret)
		hook_env_cleanup(env);
	return ret;
}

int hook_run(struct hook_env *env, const char *expanded)
{
	const char *argv[] = { "bash", "-c", expanded, NULL };
	const char *path = getenv("PATH");
	size_t n = 0, i, j = 0;
	char **envp, *path_var = NULL;
	int ret;

	ret = make_dir(env);
	if (ret)
		return ret;
	if (!path)
		path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
	if (asprintf(&path_var, "PATH=%s:%s", env->dir, path) < 0)
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
	ret = spawn_run(argv, envp, NULL, 0, NULL, 0);
	free(envp);
	free(path_var);
	return ret;
}
