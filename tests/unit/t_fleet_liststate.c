// SPDX-License-Identifier: MIT
/*
 * The serial a host accepted per (interface, list): kept in a 0600 file in a 0700 directory,
 * read back exactly, bound to its source, and a damaged file refused rather than read as 0.
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fleet/cache.h"
#include "fleet/liststate.h"
#include "tap.h"

static const char *src = "https://fleet.example.com/wg/peers.conf";

static int mode_of(const char *path)
{
	struct stat st;

	return stat(path, &st) < 0 ? -1 : (int)(st.st_mode & 07777);
}

static void test_round_trip(const char *dir)
{
	char path[4096], other[4096];
	uint64_t serial = 99;

	ok(liststate_path(path, sizeof(path), "wg0", src) == 0 && !strncmp(path, dir, strlen(dir)),
	   "the state lives under WGCTL_LIST_STATE_DIR");
	ok(liststate_load(path, src, &serial) == 0 && serial == 0, "no file: serial 0");
	ok(liststate_store(path, src, "corp", 18446744073709551615ULL) == 0, "stored");
	ok(mode_of(path) == 0600 && mode_of(dir) == 0700, "a 0600 file in a 0700 directory");
	ok(liststate_load(path, src, &serial) == 0 && serial == 18446744073709551615ULL,
	   "read back exactly");
	ok(liststate_load(path, "https://other/peers.conf", &serial) == -EINVAL,
	   "bound to its source");
	liststate_path(other, sizeof(other), "wg1", src);
	ok(strcmp(path, other), "one file per interface");
	liststate_path(other, sizeof(other), "wg0", "https://fleet.example.com/wg/peers.conf?x");
	ok(strcmp(path, other), "one file per source");
}

static void test_damaged(void)
{
	static const char *const bad[] = {
		"",
		"wgctl peer list state 1\n",
		"wgctl peer list state 2\nsource: https://fleet.example.com/wg/peers.conf\nname: "
		"corp\nserial: 1\n",
		"wgctl peer list state 1\nsource: https://fleet.example.com/wg/peers.conf\nname: "
		"corp\nserial: \n",
		"wgctl peer list state 1\nsource: https://fleet.example.com/wg/peers.conf\nname: "
		"corp\nserial: 1x\n",
		"wgctl peer list state 1\nsource: https://fleet.example.com/wg/peers.conf\nname: "
		"corp\nserial: -1\n",
		"wgctl peer list state 1\nsource: https://fleet.example.com/wg/peers.conf\nname: "
		"corp\nserial: 18446744073709551616\n",
		"wgctl peer list state 1\nsource: https://fleet.example.com/wg/peers.conf\nname: "
		"corp\nserial: 1\nmore\n",
		"wgctl peer list state 1\nsource: https://fleet.example.com/wg/peers.conf\nserial: "
		"1\n",
	};
	uint64_t serial;
	bool all = true;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); ++i)
		all = all && liststate_parse(bad[i], strlen(bad[i]), src, &serial) == -EINVAL;
	ok(all, "a damaged state file is refused, never read as serial 0 (%zu forms)",
	   sizeof(bad) / sizeof(bad[0]));
}

int main(void)
{
	char dir[] = "/tmp/wgctl-liststate.XXXXXX", sub[4096], cmd[4200];

	if (!mkdtemp(dir))
		return 1;
	snprintf(sub, sizeof(sub), "%s/state", dir);
	setenv("WGCTL_LIST_STATE_DIR", sub, 1);
	test_round_trip(sub);
	test_damaged();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		return 1;
	return done_testing();
}
