// SPDX-License-Identifier: MIT
/*
 * libFuzzer harness: the files a fleet keeps between runs, read and written back (what `up`
 * does with them), in a private directory. The first byte picks:
 *
 *   even  a cache file (the last good copy of a list, with its URL, HTTP validators and
 *         signature): whatever reads must store and load back as the same entry, and load for
 *         its own URL only;
 *   odd   a serial state file: whatever reads for a source must store and load back as the same
 *         serial, and load for that source only.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fleet/cache.h"
#include "fleet/liststate.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[] = "/tmp/wgctl-fuzz-cache.XXXXXX";
static char path[sizeof(dir) + 16];

static void cleanup(void)
{
	unlink(path);
	rmdir(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (!mkdtemp(dir))
		abort();
	snprintf(path, sizeof(path), "%s/file", dir);
	setenv("WGCTL_CACHE_DIR", dir, 1);
	setenv("WGCTL_LIST_STATE_DIR", dir, 1);
	atexit(cleanup);
	return 0;
}

static void fail(const char *what, const char *detail)
{
	fprintf(stderr, "%s: %s\n", what, detail ? detail : "(null)");
	abort();
}

static bool same_str(const char *a, const char *b)
{
	return (!a && !b) || (a && b && !strcmp(a, b));
}

static void cache_roundtrip(const char *buf, size_t len)
{
	struct cache_entry e = { 0 }, back;
	int ret;

	if (cache_parse(&e, buf, len))
		goto out;
	if (!e.url) {
		/* Not one of ours to load: cache_load refuses an entry without its URL. */
		if (!cache_store(path, &e) && cache_load(path, "", &back) != -EINVAL)
			fail("a cache file without a URL loads", NULL);
		goto out;
	}
	if ((ret = cache_store(path, &e)))
		fail("cannot store a parsed cache entry", strerror(-ret));
	if ((ret = cache_load(path, e.url, &back)))
		fail("a stored cache entry does not load", strerror(-ret));
	if (!same_str(e.url, back.url) || !same_str(e.etag, back.etag) ||
	    !same_str(e.last_modified, back.last_modified) ||
	    !same_str(e.signature, back.signature) || e.len != back.len ||
	    (e.len && memcmp(e.body, back.body, e.len)))
		fail("a cache entry loads back different", e.url);
	cache_entry_free(&back);
	if (cache_load(path, "https://another.example/list", &back) != -EINVAL &&
	    strcmp(e.url, "https://another.example/list"))
		fail("a cache file loads for another URL", e.url);
out:
	cache_entry_free(&e);
}

static void state_roundtrip(const char *buf, size_t len)
{
	static const char *const sources[] = { "https://h/peers.conf", "a", "" };
	uint64_t serial, back;
	int ret;

	for (size_t i = 0; i < sizeof(sources) / sizeof(sources[0]); ++i) {
		if (liststate_parse(buf, len, sources[i], &serial))
			continue;
		if ((ret = liststate_store(path, sources[i], "corp", serial)))
			fail("cannot store a parsed serial", strerror(-ret));
		if ((ret = liststate_load(path, sources[i], &back)) || back != serial)
			fail("a stored serial loads back different", sources[i]);
		if (liststate_load(path, "https://other/peers.conf", &back) != -EINVAL)
			fail("a state file loads for another source", sources[i]);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *copy;

	if (!size)
		return 0;
	/* A private, NUL-terminated copy of exactly the bytes after the selector. */
	copy = malloc(size);
	if (!copy)
		return 0;
	memcpy(copy, data + 1, size - 1);
	copy[size - 1] = '\0';
	if (data[0] & 1)
		state_roundtrip(copy, size - 1);
	else
		cache_roundtrip(copy, size - 1);
	unlink(path);
	free(copy);
	return 0;
}
