// SPDX-License-Identifier: MIT
/*
 * hooks.c: %i expansion (table, plus a long text against a naive reference), hooks run by
 * bash with process substitution, LC_ALL=C and a PATH whose first entry's `wg` is this binary
 * (this test answers as "wg" when called so) or, when set, the wgctl build; the private
 * directory belongs to one run (struct hook_env) and goes away when it ends. spawn.c: stdin,
 * stdout and exit status plumbing.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "orch/hooks.h"
#include "orch/spawn.h"
#include "tap.h"
#include "util/strbuf.h"

static const struct {
	const char *hook, *ifname, *want;
} expand_cases[] = {
	/* 0 */ { "ip link set %i up", "wg0", "ip link set wg0 up" },
	/* 1 */ { "%i%i %i", "wg0", "wg0wg0 wg0" },
	/* 2 */ { "no placeholder here", "wg0", "no placeholder here" },
	/* 3 */ { "", "wg0", "" },
	/* 4 */ { "100%% %%i %I i% %", "wg0", "100%% %wg0 %I i% %" },
	/* 5 */ { "%i", "a-very-long-if0", "a-very-long-if0" },
	/* 6 */
	{ "wg set %i private-key <(cat /etc/wireguard/%i.key)", "home",
	  "wg set home private-key <(cat /etc/wireguard/home.key)" },
	/* 7 */ { "%ii%i", "x", "xix" },
	/* 8 */ { "echo %i", "", "echo " },
};

static void test_expand(void)
{
	for (size_t i = 0; i < sizeof(expand_cases) / sizeof(expand_cases[0]); ++i) {
		char *got = hook_expand(expand_cases[i].hook, expand_cases[i].ifname), name[64];

		snprintf(name, sizeof(name), "expand case %zu", i);
		is_str(got, expand_cases[i].want, name);
		free(got);
	}
}

/* A 64 KiB text with %i at irregular places, against a character-by-character reference. */
static void test_expand_long(void)
{
	size_t n = 65536, j = 0;
	char *text = malloc(n + 1), *want = malloc(n * 6 + 1), *got;

	for (size_t i = 0; i < n; ++i)
		text[i] = (i * 7919) % 13 == 0 ? '%'
			  : (i * 31) % 5 == 0  ? 'i'
					       : (char)('a' + i % 26);
	text[n] = '\0';
	for (size_t i = 0; i < n; ++i) {
		if (text[i] == '%' && text[i + 1] == 'i') {
			memcpy(want + j, "wgtun0", 6);
			j += 6;
			++i;
		} else {
			want[j++] = text[i];
		}
	}
	want[j] = '\0';
	got = hook_expand(text, "wgtun0");
	ok(got && strlen(got) == j && !strcmp(got, want), "expand a 64 KiB text (%zu bytes out)",
	   j);
	free(got);
	free(text);
	free(want);
}

/* The run most tests share. */
static struct hook_env run;

static void run_is(const char *hook, int want, const char *name)
{
	int got = hook_run(&run, hook);

	if (!ok(got == want, "%s", name))
		printf("# hook: %s\n# got %d, want %d\n", hook, got, want);
}

static void test_run(void)
{
	run_is("true", 0, "run: true is 0");
	run_is("exit 3", 3, "run: exit 3 is 3");
	run_is("false; exit 255", 255, "run: exit 255");
	run_is("kill -TERM $$", 128 + 15, "run: killed by SIGTERM is 143");
	run_is("read -r x < <(echo hello) && [ \"$x\" = hello ]", 0,
	       "run: bash process substitution");
	run_is("[ \"$(cat <(printf %s a) <(printf %s b))\" = ab ]", 0,
	       "run: two process substitutions");
	setenv("LC_ALL", "en_US.UTF-8", 1);
	run_is("[ \"$LC_ALL\" = C ]", 0, "run: LC_ALL=C even when ours is set otherwise");
	unsetenv("LC_ALL");
	run_is("[ \"$LC_ALL\" = C ]", 0, "run: LC_ALL=C when ours is unset");
	setenv("WGCTL_T_ORCH_HOOKS", "kept", 1);
	run_is("[ \"$WGCTL_T_ORCH_HOOKS\" = kept ]", 0,
	       "run: the rest of the environment is passed");
	run_is("d=${PATH%%:*}; [ -L \"$d/wg\" ] && case $d in */wgctl-hooks.*) ;; *) exit 1;; esac",
	       0, "run: PATH starts with the private directory holding the wg link");
	run_is("[ \"${PATH#*:}\" = \"$ORIG_PATH\" ]", 0, "run: the rest of PATH is ours");
	run_is("[ \"$(wg --version)\" = \"t_orch_hooks as wg: --version\" ]", 0,
	       "run: wg is this binary by default (/proc/self/exe)");
}

/* The wgctl build, where the test runner says it is. */
static const char *find_wgctl(char *buf, size_t len)
{
	const char *env = getenv("WGCTL"), *top = getenv("WGCTL_TOP");

	if (env && !access(env, X_OK))
		return env;
	snprintf(buf, len, "%s/wgctl", top ? top : ".");
	if (!access(buf, X_OK))
		return buf;
	return NULL;
}

static void test_wgctl(void)
{
	char path[PATH_MAX];
	const char *wgctl = find_wgctl(path, sizeof(path));

	if (!wgctl) {
		for (int i = 0; i < 3; ++i)
			printf("ok %u # skip no wgctl build (set WGCTL or WGCTL_TOP)\n", ++tap_run);
		return;
	}
	ok(hook_env_set_wg(&run, wgctl) == 0, "hook_env_set_wg(%s)", wgctl);
	run_is("case \"$(wg --version)\" in wgctl*) ;; *) exit 1;; esac", 0,
	       "run: wg --version is wgctl's");
	/* The public key Debian's wg gives for this private key. */
	run_is("[ \"$(command -v wg)\" = \"${PATH%%:*}/wg\" ] && "
	       "[ \"$(wg pubkey < <(echo ACp9d8S6hpdBTvuL4omrMNDm8dApReWnDX7JBI/1gn0=))\" = "
	       "zMSVBpKdDgKvAr7mlSatUzGQ4N1J+/dKAgvFYUIrDFQ= ]",
	       0, "run: wg pubkey < <(echo KEY) in a hook runs wgctl's wg personality");
}

/* The directory a run's first hook made, as that hook saw it. */
static void dir_of(struct hook_env *e, char *dir, size_t len)
{
	char file[] = "/tmp/t_orch_hooks.XXXXXX", hook[PATH_MAX + 64];
	int fd = mkstemp(file);
	FILE *f;

	dir[0] = '\0';
	if (fd < 0)
		return;
	close(fd);
	snprintf(hook, sizeof(hook), "printf %%s \"${PATH%%%%:*}\" >%s", file);
	if (hook_run(e, hook) == 0 && (f = fopen(file, "r"))) {
		if (!fgets(dir, (int)len, f))
			dir[0] = '\0';
		fclose(f);
	}
	unlink(file);
}

/* Each run has its own directory, and its end removes it; no process-wide state. */
static void test_cleanup(void)
{
	char one[PATH_MAX], two[PATH_MAX], again[PATH_MAX];
	struct hook_env a, b;
	struct stat st;

	hook_env_init(&a);
	hook_env_init(&b);
	ok(!a.dir[0], "no directory before the first hook");
	dir_of(&a, one, sizeof(one));
	dir_of(&b, two, sizeof(two));
	dir_of(&a, again, sizeof(again));
	ok(strstr(one, "/wgctl-hooks.") && strstr(two, "/wgctl-hooks.") && strcmp(one, two),
	   "two runs, two directories (%s, %s)", one, two);
	ok(!strcmp(one, again), "a run's hooks share its directory");
	hook_env_cleanup(&a);
	ok(stat(one, &st) && errno == ENOENT && !a.dir[0],
	   "the end of a run removes its directory");
	ok(stat(two, &st) == 0 && S_ISDIR(st.st_mode), "and not another run's");
	hook_env_cleanup(&b);
	ok(stat(two, &st) && errno == ENOENT, "which its own end removes");
	hook_env_cleanup(&b);
	ok(true, "ending twice is harmless");
}

static void test_spawn(void)
{
	const char *printf_argv[] = { "printf", "a%sb", "x", NULL };
	const char *cat_argv[] = { "cat", NULL };
	const char *false_argv[] = { "false", NULL };
	const char *sh_argv[] = { "sh", "-c", "echo to-stderr >&2; echo out", NULL };
	const char *none_argv[] = { "wgctl-no-such-program", NULL };
	struct strbuf out;
	char path[PATH_MAX];
	int ret;

	strbuf_init(&out);
	ret = spawn_run(printf_argv, NULL, NULL, 0, &out, 0);
	ok(ret == 0 && out.buf && !strcmp(out.buf, "axb"), "spawn: stdout collected");
	strbuf_reset(&out);
	{
		size_t n = 300000;
		char *big = malloc(n);

		for (size_t i = 0; i < n; ++i)
			big[i] = (char)('A' + i % 23);
		ret = spawn_run(cat_argv, NULL, big, n, &out, 0);
		ok(ret == 0 && out.len == n && !memcmp(out.buf, big, n),
		   "spawn: 300 kB through cat");
		free(big);
	}
	strbuf_reset(&out);
	ret = spawn_run(cat_argv, NULL, "", 0, &out, 0);
	ok(ret == 0 && out.len == 0, "spawn: empty stdin");
	ok(spawn_run(false_argv, NULL, NULL, 0, NULL, 0) == 1, "spawn: exit status of false is 1");
	strbuf_reset(&out);
	ret = spawn_run(sh_argv, NULL, NULL, 0, &out, SPAWN_QUIET);
	ok(ret == 0 && !strcmp(out.buf, "out\n"), "spawn: quiet keeps stdout");
	ret = spawn_run(none_argv, NULL, NULL, 0, NULL, 0);
	ok(ret == -ENOENT, "spawn: a missing program is -ENOENT (%d)", ret);
	strbuf_free(&out);
	ok(spawn_which("sh", path, sizeof(path)) && path[0] == '/', "which sh: %s", path);
	ok(!spawn_which("wgctl-no-such-program", path, sizeof(path)), "which: missing program");
	ok(!spawn_which("/bin/sh", path, sizeof(path)), "which: a path is not looked up");
}

int main(int argc, char *argv[])
{
	const char *base = strrchr(argv[0], '/');

	/* Called by a hook as `wg`: answer so the test can tell who ran. */
	if (!strcmp(base ? base + 1 : argv[0], "wg")) {
		printf("t_orch_hooks as wg:");
		for (int i = 1; i < argc; ++i)
			printf(" %s", argv[i]);
		putchar('\n');
		return 0;
	}
	setenv("ORIG_PATH", getenv("PATH") ? getenv("PATH") : "", 1);
	hook_env_init(&run);
	test_expand();
	test_expand_long();
	test_run();
	test_cleanup();
	test_spawn();
	test_wgctl();
	hook_env_cleanup(&run);
	return done_testing();
}
