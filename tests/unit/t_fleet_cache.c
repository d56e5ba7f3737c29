// SPDX-License-Identifier: MIT
/*
 * The last good copy of a peer list: one 0600 file per (interface, source) under
 * WGCTL_CACHE_DIR, read back byte for byte with its validators and signature, bound to its
 * source, and anything that is not a whole cache file refused rather than read as a list.
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fleet/cache.h"
#include "tap.h"

static const char *const url = "https://fleet.example.com/wg/peers.conf?token=a#b";

static int mode_of(const char *path)
{
	struct stat st;

	return stat(path, &st) < 0 ? -1 : (int)(st.st_mode & 07777);
}

static void paths(const char *dir)
{
	char a[4096], b[4096], tiny[16];

	ok(!strcmp(cache_dir(), dir), "the cache directory is WGCTL_CACHE_DIR");
	ok(cache_path(a, sizeof(a), "wg0", url) == 0 && !strncmp(a, dir, strlen(dir)) &&
		   a[strlen(dir)] == '/' && !strncmp(a + strlen(dir) + 1, "wg0-", 4) &&
		   strlen(a) == strlen(dir) + 1 + 4 + 16 + 5 && !strcmp(a + strlen(a) - 5, ".list"),
	   "DIR/IFNAME-<16 hex>.list: %s", a);
	cache_path(b, sizeof(b), "wg0", url);
	ok(!strcmp(a, b), "the same (interface, source): the same file");
	cache_path(b, sizeof(b), "wg1", url);
	ok(strcmp(a, b), "another interface: another file");
	cache_path(b, sizeof(b), "wg0", "https://fleet.example.com/wg/peers.conf?token=b#b");
	ok(strcmp(a, b), "another source (only the query differs): another file");
	fleet_file_path(b, sizeof(b), dir, "wg0", url, "state");
	ok(!strncmp(a, b, strlen(a) - 4) && !strcmp(b + strlen(b) - 6, ".state"),
	   "fleet_file_path: the same name with another extension");
	ok(cache_path(tiny, sizeof(tiny), "wg0", url) == -ENAMETOOLONG,
	   "a buffer too short: -ENAMETOOLONG");
}

static void round_trip(const char *dir)
{
	static const char body[] =
		"# wgctl-peer-list name=corp serial=1 expires=2030-01-01T00:00:00Z\n\n"
		"[Peer]\nPublicKey = x\n\nsignature: not a header here\n\0binary\xff\n";
	struct cache_entry e =
				   {
					   .url = (char *)url,
					   .etag = "\"33a64df5\"",
					   .last_modified = "Wed, 21 Oct 2015 07:28:00 GMT",
					   .signature = "c2lnbmF0dXJl",
					   .body = (char *)body,
					   .len = sizeof(body) - 1,
				   },
			   back;
	char path[4096];

	cache_path(path, sizeof(path), "wg0", url);
	ok(cache_load(path, url, &back) == -ENOENT, "no file yet: -ENOENT");
	ok(cache_store(path, &e) == 0, "stored");
	ok(mode_of(path) == 0600 && mode_of(dir) == 0700, "a 0600 file in a 0700 directory");
	ok(cache_load(path, url, &back) == 0, "loaded");
	ok(back.url && !strcmp(back.url, url) && back.etag && !strcmp(back.etag, e.etag) &&
		   back.last_modified && !strcmp(back.last_modified, e.last_modified) &&
		   back.signature && !strcmp(back.signature, e.signature),
	   "url, etag, last-modified and signature read back");
	ok(back.len == e.len && !memcmp(back.body, body, e.len) && back.body[back.len] == '\0',
	   "the body byte for byte (blank lines, a header-like line, NUL and 0xff), "
	   "NUL-terminated");
	cache_entry_free(&back);
	ok(cache_load(path, "https://fleet.example.com/wg/peers.conf", &back) == -EINVAL &&
		   !back.body,
	   "bound to its source: another URL's request is refused, nothing returned");

	e.etag = e.last_modified = e.signature = NULL;
	e.body = "";
	e.len = 0;
	ok(cache_store(path, &e) == 0 && cache_load(path, url, &back) == 0 && !back.etag &&
		   !back.last_modified && !back.signature && back.len == 0 && back.body,
	   "stored again without validators or signature, and an empty list: replaced, read back "
	   "so");
	cache_entry_free(&back);
}

static void refusals(void)
{
	static const char *const bad[] = {
		"",
		"wgctl peer list cache 1",
		"wgctl peer list cache 2\nurl: x\n\nbody",
		"wgctl peer list cache 1\nurl: x\nno blank line and no end",
		"wgctl peer list cache 1\nurl: x\n",
		"not a cache file\n\n[Peer]\n",
		"[Peer]\nPublicKey = yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk=\n",
	};
	static const char future[] = "wgctl peer list cache 1\nfuture: 1\nurl: u\n\n";
	struct cache_entry e;
	bool all = true;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); ++i) {
		memset(&e, 0, sizeof(e));
		all = all && cache_parse(&e, bad[i], strlen(bad[i])) == -EINVAL;
		cache_entry_free(&e);
	}
	ok(all, "not a whole cache file: refused, never read as a list (%zu forms)",
	   sizeof(bad) / sizeof(bad[0]));

	memset(&e, 0, sizeof(e));
	ok(cache_parse(&e, future, strlen(future)) == 0 && e.url && !strcmp(e.url, "u") &&
		   e.len == 0,
	   "a header it does not know is skipped");
	cache_entry_free(&e);
}

int main(void)
{
	char dir[] = "/tmp/wgctl-cache.XXXXXX", sub[4096], cmd[4200];

	if (!mkdtemp(dir))
		return 1;
	snprintf(sub, sizeof(sub), "%s/cache", dir);
	setenv("WGCTL_CACHE_DIR", sub, 1);
	paths(sub);
	round_trip(sub);
	refusals();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		return 1;
	return done_testing();
}
