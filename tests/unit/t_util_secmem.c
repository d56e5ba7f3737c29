// SPDX-License-Identifier: MIT
/*
 * lib/util/secmem: zeroed on alloc, locked (VmLck grows; smaps shows `lo`), left out of core
 * dumps (smaps shows `dd`), wiped before the pages go back (observed by interposing munmap),
 * a refused mlock counted and not fatal (observed by interposing mlock), and the process made
 * non-dumpable. This binary's own munmap/mlock win over libc's (and the sanitizers' weak
 * interceptors) for every caller in the process, lib/util/secmem.c included.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "tap.h"
#include "util/secmem.h"

static bool fail_mlock;
static const uint8_t *watch; /* munmap checks that this range is zero */
static size_t watch_len;
static int watch_seen, watch_dirty;

int mlock(const void *addr, size_t len);
int munmap(void *addr, size_t len);

int mlock(const void *addr, size_t len)
{
	if (fail_mlock) {
		errno = EPERM;
		return -1;
	}
	return (int)syscall(SYS_mlock, addr, len);
}

int munmap(void *addr, size_t len)
{
	if (watch && watch >= (uint8_t *)addr && watch + watch_len <= (uint8_t *)addr + len) {
		++watch_seen;
		for (size_t i = 0; i < watch_len; ++i)
			watch_dirty |= watch[i] != 0;
	}
	return (int)syscall(SYS_munmap, addr, len);
}

static bool all_zero(const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; ++i) {
		if (b[i])
			return false;
	}
	return true;
}

/* VmLck of /proc/self/status in kB, or -1. */
static long vmlck_kb(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long kb = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "VmLck: %ld kB", &kb) == 1)
			break;
	}
	fclose(f);
	return kb;
}

/* The VmFlags line of the smaps entry that contains p, into flags; false if none. */
static bool smaps_flags(const void *p, char *flags, size_t cap)
{
	FILE *f = fopen("/proc/self/smaps", "r");
	char line[512];
	bool in = false, found = false;
	uintptr_t lo, hi, a = (uintptr_t)p;

	if (!f)
		return false;
	while (fgets(line, sizeof(line), f)) {
		size_t n;

		if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2 &&
		    strchr(line, '-') < strchr(line, ' ')) {
			in = a >= lo && a < hi;
		} else if (in && !strncmp(line, "VmFlags:", 8)) {
			n = strcspn(line + 8, "\n");

			if (n >= cap)
				n = cap - 1;
			memcpy(flags, line + 8, n);
			flags[n] = '\0';
			found = true;
			break;
		}
	}
	fclose(f);
	return found;
}

static bool has_flag(const char *flags, const char *flag)
{
	char want[8];

	snprintf(want, sizeof(want), " %s", flag);
	for (const char *s = flags; (s = strstr(s, want)); s += 3) {
		if (s[3] == ' ' || s[3] == '\n' || s[3] == '\0')
			return true;
	}
	return false;
}

static void test_alloc_zero_locked_dontdump(void)
{
	struct secmem_stats st0, st1;
	long before = vmlck_kb(), after;
	char flags[256] = "";
	size_t n = 3 * 4096 + 100;
	uint8_t *p;

	secmem_get_stats(&st0);
	p = secmem_alloc(n);
	if (!ok(p != NULL, "alloc of %zu bytes", n))
		return;
	ok(((uintptr_t)p & 15) == 0, "16-byte aligned");
	ok(all_zero(p, n), "zero after alloc");
	memset(p, 0xa5, n); /* every byte writable */
	secmem_get_stats(&st1);
	ok(st1.live_allocs == st0.live_allocs + 1 && st1.live_bytes >= st0.live_bytes + n,
	   "counted: %zu allocs, %zu bytes", st1.live_allocs, st1.live_bytes);
	after = vmlck_kb();
	if (st1.lock_failures != st0.lock_failures) {
		printf("# mlock refused here (RLIMIT_MEMLOCK?): the VmLck checks are skipped\n");
	} else {
		ok(after >= before + (long)(n / 1024), "VmLck grew: %ld kB -> %ld kB", before,
		   after);
		ok(st1.locked_bytes >= st0.locked_bytes + n, "locked bytes counted");
	}
	ok(smaps_flags(p, flags, sizeof(flags)), "smaps has the region");
	ok(has_flag(flags, "dd"), "smaps VmFlags has dd (not in core dumps):%s", flags);
	if (st1.lock_failures == st0.lock_failures)
		ok(has_flag(flags, "lo"), "smaps VmFlags has lo (locked)");
	ok(smaps_flags(p + n - 1, flags, sizeof(flags)) && has_flag(flags, "dd"),
	   "the last byte's page is dd too");

	watch = p;
	watch_len = n;
	watch_seen = watch_dirty = 0;
	secmem_free(p);
	watch = NULL;
	ok(watch_seen == 1 && !watch_dirty, "wiped before munmap (seen %d, dirty %d)", watch_seen,
	   watch_dirty);
	ok(vmlck_kb() <= after - (long)(n / 1024) || st1.lock_failures != st0.lock_failures,
	   "VmLck back down after free");
	secmem_get_stats(&st1);
	ok(st1.live_allocs == st0.live_allocs && st1.live_bytes == st0.live_bytes &&
		   st1.locked_bytes == st0.locked_bytes,
	   "counters back after free");
}

static void test_realloc_same_pages(void)
{
	uint8_t *p = secmem_alloc(64), *q;
	uintptr_t old = (uintptr_t)p;

	if (!ok(p != NULL, "alloc 64"))
		return;
	memset(p, 0x5a, 64);
	secmem_free(p);
	q = secmem_alloc(64);
	if (!ok(q != NULL, "alloc 64 again"))
		return;
	if ((uintptr_t)q == old)
		ok(all_zero(q, 64), "the same pages come back zero");
	else
		ok(all_zero(q, 64), "zero (other pages: the reuse is not observable here)");
	secmem_free(q);
}

static void test_lock_failure_tolerated(void)
{
	struct secmem_stats st0, st1;
	char flags[256] = "";
	uint8_t *p;

	secmem_get_stats(&st0);
	fail_mlock = true;
	p = secmem_alloc(100);
	fail_mlock = false;
	secmem_get_stats(&st1);
	if (!ok(p != NULL, "alloc succeeds when mlock is refused"))
		return;
	ok(st1.lock_failures == st0.lock_failures + 1, "the refusal is counted");
	ok(st1.locked_bytes == st0.locked_bytes, "and not counted as locked");
	ok(smaps_flags(p, flags, sizeof(flags)) && has_flag(flags, "dd") && !has_flag(flags, "lo"),
	   "still dd, not lo:%s", flags);
	ok(all_zero(p, 100), "still zero");
	secmem_free(p);
	secmem_get_stats(&st1);
	ok(st1.locked_bytes == st0.locked_bytes && st1.live_allocs == st0.live_allocs,
	   "free of an unlocked allocation keeps the counters straight");
}

static void test_bad_sizes(void)
{
	errno = 0;
	ok(!secmem_alloc(0) && errno == EINVAL, "size 0 is EINVAL");
	errno = 0;
	ok(!secmem_alloc(SIZE_MAX - 8) && errno == EOVERFLOW, "SIZE_MAX - 8 is EOVERFLOW");
	errno = 0;
	ok(!secmem_calloc(SIZE_MAX / 2, 3) && errno == EOVERFLOW, "calloc overflow is EOVERFLOW");
	secmem_free(NULL);
	ok(true, "free(NULL) is fine");
}

static void test_many(void)
{
	void *v[200];
	bool good = true;

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); ++i) {
		v[i] = secmem_calloc(i + 1, 8);
		good = good && v[i] && all_zero(v[i], (i + 1) * 8);
		if (v[i])
			memset(v[i], (int)i, (i + 1) * 8);
	}
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); ++i)
		secmem_free(v[i]);
	ok(good, "200 allocations of 8..1600 bytes, each zero");
}

static void test_harden(void)
{
	struct rlimit r;

	ok(prctl(PR_GET_DUMPABLE) == 1, "dumpable before");
	ok(secmem_harden_process() == 0, "secmem_harden_process");
	ok(prctl(PR_GET_DUMPABLE) == 0, "not dumpable after");
	ok(getrlimit(RLIMIT_CORE, &r) == 0 && r.rlim_cur == 0 && r.rlim_max == 0, "RLIMIT_CORE 0");
}

/*
 * The pool: zeroed, aligned, distinct objects packed into 64 KiB slabs (not a mapping each),
 * wiped and reused, slabs given back as they empty. 4200 bytes is a datapath peer's size.
 */
static void test_pool(void)
{
	static struct secmem_pool pool = SECMEM_POOL_INIT(4200);
	enum { N = 200 };
	unsigned char *obj[N];
	struct secmem_stats st0, st1;
	bool zero = true, aligned = true, apart = true;
	size_t i, j;

	secmem_get_stats(&st0);
	for (i = 0; i < N; ++i) {
		obj[i] = secmem_pool_alloc(&pool);
		if (!obj[i])
			abort();
		for (j = 0; j < 4200; ++j)
			zero &= obj[i][j] == 0;
		aligned &= ((uintptr_t)obj[i] & 15) == 0;
		memset(obj[i], (int)(i & 255) | 1, 4200);
	}
	for (i = 0; i < N; ++i) {
		for (j = 0; j < 4200; ++j)
			apart &= obj[i][j] == ((i & 255) | 1);
	}
	secmem_get_stats(&st1);
	ok(zero && aligned, "pool: %d objects zeroed and 16-byte aligned", N);
	ok(apart, "pool: no object overlaps another");
	ok(pool.slabs == (N + 14) / 15 && st1.live_allocs == st0.live_allocs + pool.slabs &&
		   st1.live_bytes == st0.live_bytes + pool.slabs * 65536,
	   "pool: %zu slabs of 64 KiB for %d objects of 4200 B (one mapping each)", pool.slabs, N);
	for (i = 0; i < N; i += 2)
		secmem_pool_free(&pool, obj[i]);
	for (i = 0; i < N; i += 2) {
		obj[i] = secmem_pool_alloc(&pool);
		for (j = 0; j < 4200; ++j)
			zero &= obj[i][j] == 0;
	}
	ok(zero && pool.slabs == (N + 14) / 15, "pool: freed objects come back wiped, no new slab");
	for (i = 0; i < N; ++i)
		secmem_pool_free(&pool, obj[i]);
	secmem_pool_free(&pool, NULL);
	secmem_get_stats(&st1);
	ok(pool.objects == 0 && pool.slabs == 1 && st1.live_allocs == st0.live_allocs + 1,
	   "pool: emptied, it keeps one slab (%zu)", pool.slabs);
}

int main(void)
{
	test_alloc_zero_locked_dontdump();
	test_realloc_same_pages();
	test_lock_failure_tolerated();
	test_bad_sizes();
	test_many();
	test_pool();
	test_harden();
	return done_testing();
}
