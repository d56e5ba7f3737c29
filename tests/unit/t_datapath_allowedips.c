// SPDX-License-Identifier: MIT
/*
 * Cryptokey routing table: the kernel selftest's static vectors and corner cases, then a
 * randomized differential test against a deliberately naive linear table ("horrible").
 *
 * ALLOWEDIPS_SEED=<n> replays a run; ALLOWEDIPS_QUERIES=<n> sets the random lookups per family;
 * ALLOWEDIPS_BENCH=1 adds a 1,000,000-prefix / 10,000-owner timing run (not a pass criterion).
 */
#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <time.h>

#include "datapath/allowedips.h"
#include "util/mem.h"
#include "tap.h"

#define container_of(ptr, type, member) ((type *)((char *)(ptr)-offsetof(type, member)))

struct peer {
	unsigned int id;
	struct allowedips_owner aip;
};

static uint8_t *ip4(uint8_t o1, uint8_t o2, uint8_t o3, uint8_t o4)
{
	static uint8_t buf[4][16];
	static unsigned int next;
	uint8_t *p = buf[next++ % 4];

	memset(p, 0, 16);
	p[0] = o1;
	p[1] = o2;
	p[2] = o3;
	p[3] = o4;
	return p;
}

static uint8_t *ip6(uint32_t w0, uint32_t w1, uint32_t w2, uint32_t w3)
{
	static uint8_t buf[4][16];
	static unsigned int next;
	uint8_t *p = buf[next++ % 4];
	uint32_t w[4] = { w0, w1, w2, w3 };

	for (int i = 0; i < 4; ++i) {
		p[4 * i] = (uint8_t)(w[i] >> 24);
		p[4 * i + 1] = (uint8_t)(w[i] >> 16);
		p[4 * i + 2] = (uint8_t)(w[i] >> 8);
		p[4 * i + 3] = (uint8_t)w[i];
	}
	return p;
}

static const char *fmt_addr(int family, const uint8_t *a)
{
	static char buf[2][64];
	static unsigned int next;
	char *p = buf[next++ % 2];

	if (family == AF_INET)
		snprintf(p, 64, "%u.%u.%u.%u", a[0], a[1], a[2], a[3]);
	else
		snprintf(p, 64,
			 "%02x%02x:%02x%02x:%02x%02x:%02x%02x:"
			 "%02x%02x:%02x%02x:%02x%02x:%02x%02x",
			 a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10], a[11],
			 a[12], a[13], a[14], a[15]);
	return p;
}

static struct peer *owner_peer(struct allowedips_owner *o)
{
	return o ? container_of(o, struct peer, aip) : NULL;
}

static const char *peer_name(const struct peer *p)
{
	static char buf[2][16];
	static unsigned int next;
	char *s = buf[next++ % 2];

	if (!p)
		return "(none)";
	snprintf(s, 16, "%c", 'a' + (int)p->id);
	return s;
}

/* ---- kernel selftest vectors ---- */

static struct allowedips t;
static struct peer peers[8];
static struct peer *const a = &peers[0], *const b = &peers[1], *const c = &peers[2],
			  *const d = &peers[3], *const e = &peers[4], *const f = &peers[5],
			  *const g = &peers[6], *const h = &peers[7];

static bool insert(int family, struct peer *p, const uint8_t *addr, uint8_t cidr)
{
	int ret = allowedips_insert(&t, family, addr, cidr, &p->aip);

	if (ret)
		printf("# insert %s/%u -> %s: %d\n", fmt_addr(family, addr), cidr, peer_name(p),
		       ret);
	return !ret;
}

static void test(int num, int family, struct peer *want, const uint8_t *addr)
{
	struct peer *got = owner_peer(allowedips_lookup(&t, family, addr));

	ok(got == want, "/* %2d */ %s -> %s (got %s)", num, fmt_addr(family, addr), peer_name(want),
	   peer_name(got));
}

static void test_negative(int family, struct peer * not, const uint8_t *addr)
{
	struct peer *got = owner_peer(allowedips_lookup(&t, family, addr));

	ok(got != not, "%s no longer routes to %s", fmt_addr(family, addr), peer_name(not ));
}

static void init_peers(void)
{
	for (unsigned int i = 0; i < 8; ++i) {
		peers[i].id = i;
		allowedips_owner_init(&peers[i].aip);
	}
}

static void test_static(void)
{
	bool all = true;

	allowedips_init(&t);
	init_peers();

	all &= insert(AF_INET, a, ip4(192, 168, 4, 0), 24);
	all &= insert(AF_INET, b, ip4(192, 168, 4, 4), 32);
	all &= insert(AF_INET, c, ip4(192, 168, 0, 0), 16);
	all &= insert(AF_INET, d, ip4(192, 95, 5, 64), 27);
	/* Replaces the previous entry; host bits must be masked off. */
	all &= insert(AF_INET, c, ip4(192, 95, 5, 65), 27);
	all &= insert(AF_INET6, d, ip6(0x26075300, 0x60006b00, 0, 0xc05f0543), 128);
	all &= insert(AF_INET6, c, ip6(0x26075300, 0x60006b00, 0, 0), 64);
	all &= insert(AF_INET, e, ip4(0, 0, 0, 0), 0);
	all &= insert(AF_INET6, e, ip6(0, 0, 0, 0), 0);
	/* Replaces the previous entry. */
	all &= insert(AF_INET6, f, ip6(0, 0, 0, 0), 0);
	all &= insert(AF_INET6, g, ip6(0x24046800, 0, 0, 0), 32);
	/* Host bits must be masked off. */
	all &= insert(AF_INET6, h, ip6(0x24046800, 0x40040800, 0xdeadbeef, 0xdeadbeef), 64);
	all &= insert(AF_INET6, a, ip6(0x24046800, 0x40040800, 0xdeadbeef, 0xdeadbeef), 128);
	all &= insert(AF_INET6, c, ip6(0x24446800, 0x40e40800, 0xdeaebeef, 0xdefbeef), 128);
	all &= insert(AF_INET6, b, ip6(0x24446800, 0xf0e40800, 0xeeaebeef, 0), 98);
	all &= insert(AF_INET, g, ip4(64, 15, 112, 0), 20);
	/* Host bits must be masked off. */
	all &= insert(AF_INET, h, ip4(64, 15, 123, 211), 25);
	all &= insert(AF_INET, a, ip4(10, 0, 0, 0), 25);
	all &= insert(AF_INET, b, ip4(10, 0, 0, 128), 25);
	all &= insert(AF_INET, a, ip4(10, 1, 0, 0), 30);
	all &= insert(AF_INET, b, ip4(10, 1, 0, 4), 30);
	all &= insert(AF_INET, c, ip4(10, 1, 0, 8), 29);
	all &= insert(AF_INET, d, ip4(10, 1, 0, 16), 29);
	ok(all, "static: 23 inserts succeed");
	ok(!allowedips_check(&t), "static: trie invariants hold");

	test(1, AF_INET, a, ip4(192, 168, 4, 20));
	test(2, AF_INET, a, ip4(192, 168, 4, 0));
	test(3, AF_INET, b, ip4(192, 168, 4, 4));
	test(4, AF_INET, c, ip4(192, 168, 200, 182));
	test(5, AF_INET, c, ip4(192, 95, 5, 68));
	test(6, AF_INET, e, ip4(192, 95, 5, 96));
	test(7, AF_INET6, d, ip6(0x26075300, 0x60006b00, 0, 0xc05f0543));
	test(8, AF_INET6, c, ip6(0x26075300, 0x60006b00, 0, 0xc02e01ee));
	test(9, AF_INET6, f, ip6(0x26075300, 0x60006b01, 0, 0));
	test(10, AF_INET6, g, ip6(0x24046800, 0x40040806, 0, 0x1006));
	test(11, AF_INET6, g, ip6(0x24046800, 0x40040806, 0x1234, 0x5678));
	test(12, AF_INET6, f, ip6(0x240467ff, 0x40040806, 0x1234, 0x5678));
	test(13, AF_INET6, f, ip6(0x24046801, 0x40040806, 0x1234, 0x5678));
	test(14, AF_INET6, h, ip6(0x24046800, 0x40040800, 0x1234, 0x5678));
	test(15, AF_INET6, h, ip6(0x24046800, 0x40040800, 0, 0));
	test(16, AF_INET6, h, ip6(0x24046800, 0x40040800, 0x10101010, 0x10101010));
	test(17, AF_INET6, a, ip6(0x24046800, 0x40040800, 0xdeadbeef, 0xdeadbeef));
	test(18, AF_INET, g, ip4(64, 15, 116, 26));
	test(19, AF_INET, g, ip4(64, 15, 127, 3));
	test(20, AF_INET, g, ip4(64, 15, 123, 1));
	test(21, AF_INET, h, ip4(64, 15, 123, 128));
	test(22, AF_INET, h, ip4(64, 15, 123, 129));
	test(23, AF_INET, a, ip4(10, 0, 0, 52));
	test(24, AF_INET, b, ip4(10, 0, 0, 220));
	test(25, AF_INET, a, ip4(10, 1, 0, 2));
	test(26, AF_INET, b, ip4(10, 1, 0, 6));
	test(27, AF_INET, c, ip4(10, 1, 0, 10));
	test(28, AF_INET, d, ip4(10, 1, 0, 20));

	/* Remove-by-owner must leave nothing of a behind. */
	all = insert(AF_INET, a, ip4(1, 0, 0, 0), 32);
	all &= insert(AF_INET, a, ip4(64, 0, 0, 0), 32);
	all &= insert(AF_INET, a, ip4(128, 0, 0, 0), 32);
	all &= insert(AF_INET, a, ip4(192, 0, 0, 0), 32);
	all &= insert(AF_INET, a, ip4(255, 0, 0, 0), 32);
	ok(all, "five more /32s for a");
	allowedips_remove_by_owner(&t, &a->aip);
	ok(a->aip.count == 0 && !allowedips_owner_first(&a->aip), "a's list is empty");
	test_negative(AF_INET, a, ip4(1, 0, 0, 0));
	test_negative(AF_INET, a, ip4(64, 0, 0, 0));
	test_negative(AF_INET, a, ip4(128, 0, 0, 0));
	test_negative(AF_INET, a, ip4(192, 0, 0, 0));
	test_negative(AF_INET, a, ip4(255, 0, 0, 0));
	test_negative(AF_INET, a, ip4(10, 1, 0, 2));
	test_negative(AF_INET6, a, ip6(0x24046800, 0x40040800, 0xdeadbeef, 0xdeadbeef));
	test(29, AF_INET, e, ip4(10, 0, 0, 52));
	test(30, AF_INET6, h, ip6(0x24046800, 0x40040800, 0xdeadbeef, 0xdeadbeef));
	ok(!allowedips_check(&t), "invariants hold after remove-by-owner");

	allowedips_free(&t);
	ok(allowedips_node_count(&t) == 0 && allowedips_bytes(&t) == 0, "free releases every node");
	ok(!t.root4 && !t.root6, "free empties both roots");
	ok(b->aip.count == 0 && !allowedips_owner_first(&b->aip), "free empties the owners' lists");

	allowedips_init(&t);
	insert(AF_INET, a, ip4(192, 168, 0, 0), 16);
	insert(AF_INET, a, ip4(192, 168, 0, 0), 24);
	allowedips_remove_by_owner(&t, &a->aip);
	test_negative(AF_INET, a, ip4(192, 168, 0, 1));
	ok(allowedips_node_count(&t) == 0, "nested prefixes of one owner: trie empty afterwards");
	allowedips_free(&t);
}

/* 129 /128s that share up to 127 bits: the deepest shape a v6 trie can take. */
static void test_deep(void)
{
	uint8_t ip[16];
	bool all = true, found = true;
	uint64_t part;

	allowedips_init(&t);
	init_peers();
	for (int i = 0; i < 64; ++i) {
		part = ~0ULL << i;
		memset(ip, 0xff, 8);
		for (int j = 0; j < 8; ++j)
			ip[8 + j] = (uint8_t)(part >> (56 - 8 * j));
		all &= !allowedips_insert(&t, AF_INET6, ip, 128, &a->aip);
		found &= allowedips_lookup(&t, AF_INET6, ip) == &a->aip;
		for (int j = 0; j < 8; ++j)
			ip[j] = (uint8_t)(part >> (56 - 8 * j));
		memset(ip + 8, 0, 8);
		all &= !allowedips_insert(&t, AF_INET6, ip, 128, &b->aip);
		found &= allowedips_lookup(&t, AF_INET6, ip) == &b->aip;
	}
	memset(ip, 0, 16);
	all &= !allowedips_insert(&t, AF_INET6, ip, 128, &a->aip);
	ok(all, "deep: 129 near-identical /128 inserts succeed");
	ok(found, "deep: each /128 routes to its owner");
	ok(a->aip.count == 65 && b->aip.count == 64, "deep: owner counts 65 and 64");
	ok(!allowedips_check(&t), "deep: invariants hold");
	ip[15] = 1;
	ok(!allowedips_lookup(&t, AF_INET6, ip), "deep: ::1 matches nothing");
	allowedips_remove_by_owner(&t, &b->aip);
	ok(!allowedips_check(&t), "deep: invariants hold after removing half");
	allowedips_remove_by_owner(&t, &a->aip);
	ok(allowedips_node_count(&t) == 0, "deep: trie empty after removing both owners");

	/* Same shape again, released by allowedips_free() (which must not recurse). */
	for (int i = 0; i < 128; ++i) {
		memset(ip, 0, 16);
		ip[i / 8] = (uint8_t)(0x80 >> (i % 8));
		allowedips_insert(&t, AF_INET6, ip, 128, &a->aip);
		allowedips_insert(&t, AF_INET6, ip, (uint8_t)(i + 1), &b->aip);
	}
	ok(!allowedips_check(&t), "deep: 256 nested prefixes keep invariants");
	allowedips_free(&t);
	ok(allowedips_node_count(&t) == 0, "deep: free releases everything");
}

static void test_iteration(void)
{
	const struct allowedips_node *n;
	static const struct {
		int family;
		uint8_t cidr;
		uint8_t addr[16];
	} want[] = {
		{ AF_INET, 27, { 192, 95, 5, 64 } },
		{ AF_INET6,
		  128,
		  { 0x26, 0x07, 0x53, 0x00, 0x60, 0x00, 0x6b, 0x00, 0, 0, 0, 0, 0xc0, 0x5f, 0x05,
		    0x43 } },
		{ AF_INET, 29, { 10, 1, 0, 16 } },
		{ AF_INET6,
		  83,
		  { 0x26, 0x07, 0x53, 0x00, 0x6d, 0x8a, 0x6b, 0xf8, 0xda, 0xb1, 0xe0 } },
		{ AF_INET6, 21, { 0x26, 0x07, 0x50 } },
	};
	unsigned int count = 0, matched = 0;
	uint8_t addr[16], cidr;
	int family;

	allowedips_init(&t);
	init_peers();
	insert(AF_INET, a, ip4(192, 95, 5, 93), 27);
	insert(AF_INET6, a, ip6(0x26075300, 0x60006b00, 0, 0xc05f0543), 128);
	insert(AF_INET, a, ip4(10, 1, 0, 20), 29);
	insert(AF_INET6, a, ip6(0x26075300, 0x6d8a6bf8, 0xdab1f1df, 0xc05f1523), 83);
	insert(AF_INET6, a, ip6(0x26075300, 0x6d8a6bf8, 0xdab1f1df, 0xc05f1523), 21);
	allowedips_for_each(n, &a->aip)
	{
		memset(addr, 0, sizeof(addr));
		family = allowedips_node_read(n, addr, &cidr);
		if (count < ARRAY_SIZE(want) && family == want[count].family &&
		    cidr == want[count].cidr && !memcmp(addr, want[count].addr, 16))
			++matched;
		else
			printf("# entry %u: %s/%u\n", count, fmt_addr(family, addr), cidr);
		++count;
	}
	ok(count == 5 && a->aip.count == 5, "iteration: five entries");
	ok(matched == 5, "iteration: masked prefixes in insertion order (192.95.5.64/27, "
			 "2607:5300:6000:6b00::c05f:543/128, 10.1.0.16/29, "
			 "2607:5300:6d8a:6bf8:dab1:e000::/83, 2607:5000::/21)");

	/* Moving one prefix to another owner puts it at the end of that owner's list. */
	insert(AF_INET, b, ip4(1, 2, 3, 4), 32);
	insert(AF_INET, b, ip4(10, 1, 0, 23), 29);
	n = allowedips_owner_first(&b->aip);
	n = n ? allowedips_owner_next(n) : NULL;
	ok(n && allowedips_node_read(n, addr, &cidr) == AF_INET && cidr == 29 &&
		   !memcmp(addr, ip4(10, 1, 0, 16), 4),
	   "iteration: a moved prefix is appended to its new owner");
	ok(a->aip.count == 4 && b->aip.count == 2, "iteration: counts follow the move");
	/* Re-inserting by the same owner keeps its place. */
	insert(AF_INET, a, ip4(192, 95, 5, 64), 27);
	n = allowedips_owner_first(&a->aip);
	ok(n && allowedips_node_read(n, addr, &cidr) == AF_INET && cidr == 27,
	   "iteration: a same-owner re-insert keeps its position");
	allowedips_free(&t);
}

static void test_remove(void)
{
	size_t nodes;

	allowedips_init(&t);
	init_peers();
	insert(AF_INET, a, ip4(10, 0, 0, 0), 8);
	insert(AF_INET, b, ip4(10, 1, 0, 0), 16);
	insert(AF_INET, c, ip4(10, 0, 0, 0), 16);
	insert(AF_INET6, a, ip6(0x20010db8, 0, 0, 0), 32);

	ok(allowedips_remove(&t, AF_INET, ip4(10, 1, 0, 0), 16, &a->aip) == -ENOENT,
	   "remove: someone else's prefix is -ENOENT");
	ok(allowedips_lookup(&t, AF_INET, ip4(10, 1, 2, 3)) == &b->aip, "remove: ... and stays");
	ok(allowedips_remove(&t, AF_INET, ip4(10, 1, 0, 0), 17, &b->aip) == -ENOENT,
	   "remove: a longer prefix than inserted is -ENOENT");
	ok(allowedips_remove(&t, AF_INET, ip4(10, 0, 0, 0), 9, &a->aip) == -ENOENT,
	   "remove: an absent prefix inside an owned one is -ENOENT");
	/* 10.0.0.0/15 exists only as the branch point of the two /16s. */
	ok(allowedips_remove(&t, AF_INET, ip4(10, 0, 0, 0), 15, NULL) == -ENOENT,
	   "remove: a branch point is not a prefix (NULL owner)");
	ok(allowedips_remove(&t, AF_INET, ip4(10, 0, 0, 0), 15, &a->aip) == -ENOENT,
	   "remove: a branch point is not a prefix");
	ok(allowedips_remove(&t, AF_INET6, ip4(10, 0, 0, 0), 8, &a->aip) == -ENOENT,
	   "remove: the other family's table is separate");
	ok(allowedips_remove(&t, AF_INET, ip4(10, 1, 2, 3), 33, &b->aip) == -EINVAL,
	   "remove: cidr 33 for IPv4 is -EINVAL");
	ok(allowedips_remove(&t, AF_UNIX, ip4(10, 1, 2, 3), 8, &b->aip) == -EINVAL,
	   "remove: unknown family is -EINVAL");
	ok(allowedips_insert(&t, AF_INET6, ip6(0, 0, 0, 0), 129, &b->aip) == -EINVAL,
	   "insert: cidr 129 for IPv6 is -EINVAL");
	ok(allowedips_insert(&t, AF_INET, ip4(0, 0, 0, 0), 0, NULL) == -EINVAL,
	   "insert: NULL owner is -EINVAL");
	ok(!allowedips_lookup(&t, AF_UNIX, ip4(10, 0, 0, 1)), "lookup: unknown family: nothing");

	nodes = allowedips_node_count(&t);
	ok(nodes == 5, "remove: 4 prefixes + 1 branch point (%zu)", nodes);
	ok(allowedips_remove(&t, AF_INET, ip4(10, 1, 2, 3), 16, &b->aip) == 0,
	   "remove: host bits are ignored, the owner's prefix goes");
	ok(allowedips_lookup(&t, AF_INET, ip4(10, 1, 2, 3)) == &a->aip, "remove: falls back to /8");
	ok(allowedips_node_count(&t) == 3, "remove: the branch point went with it");
	ok(allowedips_remove(&t, AF_INET, ip4(10, 1, 0, 0), 16, &b->aip) == -ENOENT,
	   "remove: twice is -ENOENT");
	ok(allowedips_remove(&t, AF_INET, ip4(10, 0, 0, 0), 8, &a->aip) == 0,
	   "remove: a prefix with one child");
	ok(allowedips_lookup(&t, AF_INET, ip4(10, 0, 0, 1)) == &c->aip &&
		   !allowedips_lookup(&t, AF_INET, ip4(10, 2, 0, 1)),
	   "remove: the child still routes, the rest does not");
	ok(allowedips_node_count(&t) == 2 && a->aip.count == 1 && c->aip.count == 1,
	   "remove: node and owner counts");
	ok(!allowedips_check(&t), "remove: invariants hold");
	ok(allowedips_remove(&t, AF_INET, ip4(10, 0, 0, 0), 16, &c->aip) == 0 &&
		   allowedips_remove(&t, AF_INET6, ip6(0x20010db8, 1, 2, 3), 32, &a->aip) == 0,
	   "remove: the last prefixes");
	ok(allowedips_node_count(&t) == 0 && !t.root4 && !t.root6, "remove: trie empty");

	/* An intermediate node that gains an owner and loses it again. */
	insert(AF_INET, a, ip4(10, 0, 0, 0), 16);
	insert(AF_INET, a, ip4(10, 1, 0, 0), 16);
	insert(AF_INET, b, ip4(10, 0, 0, 0), 15);
	ok(allowedips_node_count(&t) == 3, "branch point promoted to a prefix: no new node");
	ok(allowedips_lookup(&t, AF_INET, ip4(10, 0, 255, 255)) == &a->aip &&
		   allowedips_lookup(&t, AF_INET, ip4(10, 1, 0, 0)) == &a->aip,
	   "promoted: the /16s still win");
	allowedips_remove_by_owner(&t, &b->aip);
	ok(allowedips_node_count(&t) == 3 && !allowedips_check(&t), "demoted to a branch point");
	allowedips_free(&t);
}

/* ---- randomized differential test ---- */

static uint64_t rng_state;

static uint64_t rnd(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t rnd_below(uint64_t n)
{
	return rnd() % n;
}

static void rnd_bytes(uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; ++i)
		p[i] = (uint8_t)rnd();
}

/* dst gets the first 'bits' bits of src and keeps the rest. */
static void copy_head(uint8_t *dst, const uint8_t *src, unsigned int bits)
{
	for (unsigned int k = 0; k < bits; ++k) {
		uint8_t m = (uint8_t)(0x80 >> (k % 8));

		dst[k / 8] = (uint8_t)((dst[k / 8] & ~m) | (src[k / 8] & m));
	}
}

/*
 * The reference: per family, one flat array sorted by prefix length, longest first, scanned
 * from the start for every lookup. Masks are built byte by byte, sharing nothing with the trie.
 */
struct ref_entry {
	uint64_t prefix[2], mask[2];
	uint8_t addr[16];
	uint8_t cidr;
	int family;
	struct peer *owner;
	uint64_t seq;
};

struct horrible_allowedips {
	struct ref_entry *v[2];
	size_t n[2], cap[2];
	uint64_t seq;
};

static int fam_idx(int family)
{
	return family == AF_INET6;
}

static unsigned int fam_bits(int family)
{
	return family == AF_INET ? 32 : 128;
}

static void ref_make(struct ref_entry *r, int family, const uint8_t *addr, uint8_t cidr)
{
	uint8_t mask[16] = { 0 };
	unsigned int bytes = fam_bits(family) / 8;

	memset(r, 0, sizeof(*r));
	for (unsigned int i = 0; i < bytes; ++i) {
		int bits = (int)cidr - 8 * (int)i;

		if (bits >= 8)
			mask[i] = 0xff;
		else if (bits > 0)
			mask[i] = (uint8_t)(0xff << (8 - bits));
		r->addr[i] = addr[i] & mask[i];
	}
	memcpy(r->mask, mask, 16);
	memcpy(r->prefix, r->addr, 16);
	r->cidr = cidr;
	r->family = family;
}

static struct ref_entry *ref_find(struct horrible_allowedips *hz, int family,
				  const struct ref_entry *k)
{
	int fi = fam_idx(family);

	for (size_t i = 0; i < hz->n[fi]; ++i) {
		struct ref_entry *r = &hz->v[fi][i];

		if (r->cidr == k->cidr && !memcmp(r->addr, k->addr, 16))
			return r;
	}
	return NULL;
}

static void ref_insert(struct horrible_allowedips *hz, int family, const uint8_t *addr,
		       uint8_t cidr, struct peer *p)
{
	int fi = fam_idx(family);
	struct ref_entry k, *r;
	size_t pos;

	ref_make(&k, family, addr, cidr);
	r = ref_find(hz, family, &k);
	if (r) {
		if (r->owner != p) {
			r->owner = p;
			r->seq = ++hz->seq;
		}
		return;
	}
	if (hz->n[fi] == hz->cap[fi]) {
		hz->cap[fi] = hz->cap[fi] ? 2 * hz->cap[fi] : 256;
		hz->v[fi] = realloc(hz->v[fi], hz->cap[fi] * sizeof(*hz->v[fi]));
		if (!hz->v[fi])
			abort();
	}
	for (pos = 0; pos < hz->n[fi] && hz->v[fi][pos].cidr >= cidr; ++pos)
		;
	memmove(&hz->v[fi][pos + 1], &hz->v[fi][pos], (hz->n[fi] - pos) * sizeof(k));
	k.owner = p;
	k.seq = ++hz->seq;
	hz->v[fi][pos] = k;
	++hz->n[fi];
}

static int ref_remove(struct horrible_allowedips *hz, int family, const uint8_t *addr, uint8_t cidr,
		      struct peer *p)
{
	int fi = fam_idx(family);
	struct ref_entry k, *r;
	size_t pos;

	ref_make(&k, family, addr, cidr);
	r = ref_find(hz, family, &k);
	if (!r || r->owner != p)
		return -ENOENT;
	pos = (size_t)(r - hz->v[fi]);
	memmove(r, r + 1, (hz->n[fi] - pos - 1) * sizeof(*r));
	--hz->n[fi];
	return 0;
}

static void ref_remove_owner(struct horrible_allowedips *hz, struct peer *p)
{
	for (int fi = 0; fi < 2; ++fi) {
		size_t j = 0;

		for (size_t i = 0; i < hz->n[fi]; ++i) {
			if (hz->v[fi][i].owner != p)
				hz->v[fi][j++] = hz->v[fi][i];
		}
		hz->n[fi] = j;
	}
}

static struct peer *ref_lookup(const struct horrible_allowedips *hz, int family,
			       const uint8_t *addr)
{
	int fi = fam_idx(family);
	uint64_t q[2] = { 0, 0 };

	memcpy(q, addr, fam_bits(family) / 8);
	for (size_t i = 0; i < hz->n[fi]; ++i) {
		const struct ref_entry *r = &hz->v[fi][i];

		if ((q[0] & r->mask[0]) == r->prefix[0] && (q[1] & r->mask[1]) == r->prefix[1])
			return r->owner;
	}
	return NULL;
}

enum {
	NUM_PEERS = 64,
	NUM_RAND_ROUTES = 128,
	NUM_MUTATED_ROUTES = 8,
	NUM_ROUND_QUERIES = 3000,
};

static struct peer rpeers[NUM_PEERS];

/* A random prefix, or one that shares a random-length head with an existing entry. */
static void random_prefix(const struct horrible_allowedips *hz, int family, uint8_t *addr,
			  uint8_t *cidr)
{
	unsigned int bits = fam_bits(family);
	int fi = fam_idx(family);

	memset(addr, 0, 16);
	rnd_bytes(addr, bits / 8);
	if (hz->n[fi] && rnd_below(4)) {
		const struct ref_entry *r = &hz->v[fi][rnd_below(hz->n[fi])];

		copy_head(addr, r->addr, (unsigned int)rnd_below(bits + 1));
	}
	*cidr = (uint8_t)rnd_below(bits + 1);
}

/* Query addresses: uniform, inside a stored prefix, or one bit off a stored prefix's edge. */
static void random_query(const struct horrible_allowedips *hz, int family, uint8_t *addr)
{
	unsigned int bits = fam_bits(family);
	int fi = fam_idx(family);
	const struct ref_entry *r;
	uint64_t kind = rnd_below(4);

	memset(addr, 0, 16);
	rnd_bytes(addr, bits / 8);
	if (!hz->n[fi] || kind == 0)
		return;
	r = &hz->v[fi][rnd_below(hz->n[fi])];
	for (unsigned int i = 0; i < bits / 8; ++i) {
		uint8_t m = (uint8_t)((const uint8_t *)r->mask)[i];

		addr[i] = (uint8_t)((addr[i] & ~m) | r->addr[i]);
	}
	if (kind == 3 && r->cidr) {
		unsigned int bit = r->cidr - 1 - (unsigned int)rnd_below(r->cidr < 3 ? r->cidr : 3);

		addr[bit / 8] ^= (uint8_t)(0x80 >> (bit % 8));
	}
}

static size_t compare_queries(const struct horrible_allowedips *hz, int family, size_t n)
{
	uint8_t addr[16];
	size_t bad = 0;

	for (size_t i = 0; i < n; ++i) {
		struct peer *want, *got;

		random_query(hz, family, addr);
		want = ref_lookup(hz, family, addr);
		got = owner_peer(allowedips_lookup(&t, family, addr));
		if (want != got && bad++ < 5)
			printf("# mismatch: %s -> trie %d, reference %d\n", fmt_addr(family, addr),
			       got ? (int)got->id : -1, want ? (int)want->id : -1);
	}
	return bad;
}

static int cmp_seq(const void *x, const void *y)
{
	const struct ref_entry *const *p = x, *const *q = y;

	return (*p)->seq < (*q)->seq ? -1 : (*p)->seq > (*q)->seq;
}

/* The owner's list must be exactly its reference entries, ordered by when it got them. */
static bool compare_lists(const struct horrible_allowedips *hz, struct peer *p)
{
	const struct ref_entry **mine;
	const struct allowedips_node *n;
	size_t count = 0, i = 0;
	uint8_t addr[16], cidr;
	bool same = true;
	int family;

	mine = calloc(hz->n[0] + hz->n[1] + 1, sizeof(*mine));
	if (!mine)
		abort();
	for (int fi = 0; fi < 2; ++fi)
		for (size_t j = 0; j < hz->n[fi]; ++j)
			if (hz->v[fi][j].owner == p)
				mine[count++] = &hz->v[fi][j];
	qsort(mine, count, sizeof(*mine), cmp_seq);
	allowedips_for_each(n, &p->aip)
	{
		memset(addr, 0, sizeof(addr));
		family = allowedips_node_read(n, addr, &cidr);
		if (i >= count || family != mine[i]->family || cidr != mine[i]->cidr ||
		    memcmp(addr, mine[i]->addr, 16))
			same = false;
		++i;
	}
	same &= i == count && p->aip.count == count;
	free(mine);
	return same;
}

static size_t env_size(const char *name, size_t def)
{
	const char *s = getenv(name);

	return s && *s ? (size_t)strtoull(s, NULL, 0) : def;
}

static double now_sec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void random_ops(struct horrible_allowedips *hz, struct peer **alive, size_t nalive, size_t n,
		       size_t *disagree)
{
	uint8_t addr[16], cidr;

	for (size_t i = 0; i < n; ++i) {
		int family = rnd_below(2) ? AF_INET : AF_INET6;
		int fi = fam_idx(family);
		struct peer *p = alive[rnd_below(nalive)];
		int want, got;

		if (rnd_below(3) || !hz->n[fi]) {
			random_prefix(hz, family, addr, &cidr);
			ref_insert(hz, family, addr, cidr, p);
			if (allowedips_insert(&t, family, addr, cidr, &p->aip))
				++*disagree;
			continue;
		}
		/* Exact removal: by the owner, by someone else, or of a nearby prefix. */
		{
			const struct ref_entry *r = &hz->v[fi][rnd_below(hz->n[fi])];

			memcpy(addr, r->addr, 16);
			cidr = r->cidr;
			if (!rnd_below(4))
				p = r->owner;
			else if (rnd_below(2))
				p = r->owner, cidr = (uint8_t)rnd_below(fam_bits(family) + 1);
		}
		want = ref_remove(hz, family, addr, cidr, p);
		got = allowedips_remove(&t, family, addr, cidr, &p->aip);
		if (want != got)
			++*disagree;
	}
}

static void test_random(void)
{
	struct horrible_allowedips hz = { 0 };
	struct peer *alive[NUM_PEERS];
	size_t nalive = NUM_PEERS, queries, bad, disagree = 0, round_bad = 0, list_bad = 0;
	size_t check_bad = 0, count_bad = 0;
	uint8_t addr[16], cidr;
	double t0;
	uint64_t seed;
	char *end;
	const char *s = getenv("ALLOWEDIPS_SEED");

	if (s && *s) {
		seed = strtoull(s, &end, 0);
	} else {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		seed = (uint64_t)ts.tv_sec * 1000000007ULL ^ (uint64_t)ts.tv_nsec;
	}
	printf("# random: seed %" PRIu64 " (replay with ALLOWEDIPS_SEED=%" PRIu64 ")\n", seed,
	       seed);
	rng_state = seed;
	queries = env_size("ALLOWEDIPS_QUERIES", 1000000);

	allowedips_init(&t);
	/*
	 * The IPv4 directory from 64 prefixes: built early while inserting, kept up through the
	 * rest, dropped below 32 as the owners go (and rebuilt if the mixed inserts cross 64
	 * again). The other tests keep the default and so test the trie's own lookup.
	 */
	allowedips_set_dir4_min(&t, 64);
	for (unsigned int i = 0; i < NUM_PEERS; ++i) {
		rpeers[i].id = i;
		allowedips_owner_init(&rpeers[i].aip);
		alive[i] = &rpeers[i];
	}

	for (int family = AF_INET; family; family = family == AF_INET ? AF_INET6 : 0) {
		for (unsigned int i = 0; i < NUM_RAND_ROUTES; ++i) {
			struct peer *p = &rpeers[rnd_below(NUM_PEERS)];
			uint8_t base[16];
			unsigned int keep;

			memset(addr, 0, 16);
			rnd_bytes(addr, fam_bits(family) / 8);
			memcpy(base, addr, 16);
			cidr = (uint8_t)(1 + rnd_below(fam_bits(family)));
			ref_insert(&hz, family, addr, cidr, p);
			disagree += !!allowedips_insert(&t, family, addr, cidr, &p->aip);
			for (unsigned int j = 0; j < NUM_MUTATED_ROUTES; ++j) {
				/* Keep a random-length head of the base route. */
				rnd_bytes(addr, fam_bits(family) / 8);
				keep = (unsigned int)rnd_below(fam_bits(family) + 1);
				copy_head(addr, base, keep);
				cidr = (uint8_t)(1 + rnd_below(fam_bits(family)));
				p = &rpeers[rnd_below(NUM_PEERS)];
				ref_insert(&hz, family, addr, cidr, p);
				disagree += !!allowedips_insert(&t, family, addr, cidr, &p->aip);
			}
		}
	}
	random_ops(&hz, alive, nalive, 4000, &disagree);
	ok(!disagree, "random: inserts and exact removes return what the reference predicts");
	ok(!allowedips_check(&t), "random: invariants hold (%zu v4 + %zu v6 prefixes, %zu nodes)",
	   hz.n[0], hz.n[1], allowedips_node_count(&t));
	ok(t.dir4 != NULL, "random: IPv4 lookups go through the directory (%zu KiB of tables)",
	   allowedips_dir_bytes(&t) / 1024);

	t0 = now_sec();
	bad = compare_queries(&hz, AF_INET, queries);
	ok(!bad, "random: %zu IPv4 lookups agree with the reference (%zu differ)", queries, bad);
	bad = compare_queries(&hz, AF_INET6, queries);
	ok(!bad, "random: %zu IPv6 lookups agree with the reference (%zu differ)", queries, bad);
	printf("# random: %.2f s for the lookups\n", now_sec() - t0);
	for (unsigned int i = 0; i < NUM_PEERS; ++i)
		list_bad += !compare_lists(&hz, &rpeers[i]);
	ok(!list_bad, "random: every owner's list matches the reference, in order");

	/* Remove owners one at a time, with a few mixed operations each round. */
	while (nalive) {
		size_t victim = rnd_below(nalive);
		struct peer *p = alive[victim];

		alive[victim] = alive[--nalive];
		allowedips_remove_by_owner(&t, &p->aip);
		ref_remove_owner(&hz, p);
		if (p->aip.count || allowedips_owner_first(&p->aip))
			++list_bad;
		if (nalive)
			random_ops(&hz, alive, nalive, 16, &disagree);
		if (nalive % 8 == 0)
			allowedips_unreserve(&t);
		check_bad += !!allowedips_check(&t);
		count_bad += allowedips_node_count(&t) > 2 * (hz.n[0] + hz.n[1]);
		round_bad += compare_queries(&hz, AF_INET, NUM_ROUND_QUERIES);
		round_bad += compare_queries(&hz, AF_INET6, NUM_ROUND_QUERIES);
		for (size_t i = 0; i < nalive; i += 7)
			list_bad += !compare_lists(&hz, alive[i]);
	}
	ok(!round_bad, "random: lookups agree after each of %d owner removals", NUM_PEERS);
	ok(!disagree, "random: mixed operations between removals agree");
	ok(!check_bad, "random: invariants hold after every round");
	ok(!count_bad, "random: never more than 2 nodes per prefix");
	ok(!list_bad, "random: removed owners have empty lists, the others match");
	ok(!t.dir4 && allowedips_dir_bytes(&t) == 0,
	   "random: the IPv4 directory went with the prefixes");
	ok(hz.n[0] == 0 && hz.n[1] == 0, "random: reference is empty");
	ok(allowedips_node_count(&t) == 0 && allowedips_bytes(&t) == 0 && !t.root4 && !t.root6,
	   "random: trie is empty, no intermediate node left (%zu)", allowedips_node_count(&t));
	allowedips_unreserve(&t);
	ok(allowedips_arena_bytes(&t) == 0, "random: unreserve of the empty table frees the arena");
	allowedips_free(&t);
	free(hz.v[0]);
	free(hz.v[1]);
}

/*
 * The node arena: a reservation covers the inserts that follow it without allocating, freed
 * nodes are reused before the arena grows, unreserve gives back the chunks above the highest
 * node in use and everything once the table is empty. 20,000 /32s span several chunks.
 */
static void test_arena(void)
{
	enum { ARENA_PREFIXES = 20000 };
	struct peer *ap = calloc(4, sizeof(*ap));
	size_t arena, grew = 0, fails = 0, bad = 0;
	uint8_t addr[4];

	if (!ap)
		abort();
	for (unsigned int i = 0; i < 4; ++i)
		ap[i].id = i;
	allowedips_init(&t);
	ok(allowedips_arena_bytes(&t) == 0 && allowedips_check(&t) == 0, "arena: empty at first");
	ok(allowedips_reserve(&t, ARENA_PREFIXES) == 0, "arena: reserve %d inserts",
	   ARENA_PREFIXES);
	arena = allowedips_arena_bytes(&t);
	ok(arena >= 2 * ARENA_PREFIXES * allowedips_node_size(), "arena: room for two nodes each");
	for (uint32_t i = 0; i < ARENA_PREFIXES; ++i) {
		uint32_t v = i * 2654435761U;

		memcpy(addr, &v, 4);
		fails += allowedips_insert(&t, AF_INET, addr, 32, &ap[i % 4].aip) != 0;
		grew += allowedips_arena_bytes(&t) != arena;
	}
	ok(!fails && !grew, "arena: reserved inserts never allocate (%zu grew, %zu failed)", grew,
	   fails);
	ok(allowedips_check(&t) == 0, "arena: invariants hold with %zu nodes",
	   allowedips_node_count(&t));
	allowedips_unreserve(&t);
	ok(allowedips_arena_bytes(&t) <= arena && allowedips_check(&t) == 0,
	   "arena: unreserve keeps every node in use");
	for (uint32_t i = 0; i < ARENA_PREFIXES; ++i) {
		uint32_t v = i * 2654435761U;

		memcpy(addr, &v, 4);
		bad += owner_peer(allowedips_lookup(&t, AF_INET, addr)) != &ap[i % 4];
	}
	ok(!bad, "arena: every prefix found after unreserve (%zu wrong)", bad);

	/* Half the owners go; their nodes are reused by as many new prefixes. */
	allowedips_remove_by_owner(&t, &ap[0].aip);
	allowedips_remove_by_owner(&t, &ap[1].aip);
	arena = allowedips_arena_bytes(&t);
	grew = fails = 0;
	for (uint32_t i = 0; i < ARENA_PREFIXES / 2; ++i) {
		uint32_t v = i * 2654435761U + 1;

		memcpy(addr, &v, 4);
		fails += allowedips_insert(&t, AF_INET, addr, 32, &ap[i % 2].aip) != 0;
		grew += allowedips_arena_bytes(&t) != arena;
	}
	ok(!fails && !grew, "arena: freed nodes are reused before the arena grows");
	ok(allowedips_check(&t) == 0 && ap[0].aip.count + ap[1].aip.count == ARENA_PREFIXES / 2,
	   "arena: invariants and counts hold after reuse");
	for (unsigned int i = 0; i < 4; ++i)
		allowedips_remove_by_owner(&t, &ap[i].aip);
	ok(allowedips_node_count(&t) == 0 && allowedips_check(&t) == 0,
	   "arena: empty after removing every owner");
	allowedips_unreserve(&t);
	ok(allowedips_arena_bytes(&t) == 0, "arena: unreserve on an empty table frees every chunk");
	addr[0] = 10;
	ok(allowedips_insert(&t, AF_INET, addr, 8, &ap[2].aip) == 0 &&
		   owner_peer(allowedips_lookup(&t, AF_INET, addr)) == &ap[2],
	   "arena: the table is usable again");
	allowedips_free(&t);
	ok(allowedips_arena_bytes(&t) == 0 && ap[2].aip.count == 0 && !ap[2].aip.first,
	   "arena: free releases the chunks and empties the owner");
	free(ap);
}

/* ---- optional benchmark ---- */

static void bench_lookups(int family, size_t nprefixes, uint8_t (*stored)[16], uint8_t *stored_cidr,
			  uint8_t (*addrs)[16], size_t nlookups)
{
	size_t hits;
	double t0, t1;

	for (int inside = 0; inside < 2; ++inside) {
		for (size_t i = 0; i < nlookups; ++i) {
			rnd_bytes(addrs[i], 16);
			/* "inside": random host bits under a stored prefix, the deepest walks. */
			if (inside) {
				size_t j = rnd_below(nprefixes);

				copy_head(addrs[i], stored[j], stored_cidr[j]);
			}
		}
		hits = 0;
		t0 = now_sec();
		for (size_t i = 0; i < nlookups; ++i)
			hits += allowedips_lookup(&t, family, addrs[i]) != NULL;
		t1 = now_sec();
		printf("# bench: %zu prefixes, %s lookups (%s): %.1f ns each, %zu%% hit\n",
		       nprefixes, family == AF_INET ? "v4" : "v6",
		       inside ? "inside stored prefixes" : "uniform",
		       (t1 - t0) * 1e9 / (double)nlookups, hits * 100 / nlookups);
	}
}

/* prefixes of one family spread over owners; returns 0 when every insert succeeded. */
static int bench_fill(int family, size_t nprefixes, struct peer *owners, size_t nowners,
		      uint8_t (*stored)[16], uint8_t *stored_cidr)
{
	int fails = 0;

	for (size_t i = 0; i < nprefixes; ++i) {
		memset(stored[i], 0, 16);
		rnd_bytes(stored[i], fam_bits(family) / 8);
		stored_cidr[i] = family == AF_INET ? (uint8_t)(16 + rnd_below(17))
						   : (uint8_t)(32 + rnd_below(97));
		fails += !!allowedips_insert(&t, family, stored[i], stored_cidr[i],
					     &owners[i % nowners].aip);
	}
	return fails;
}

static void bench(void)
{
	enum { OWNERS = 10000, PREFIXES = 1000000, LOOKUPS = 2000000 };
	struct peer *bp = calloc(OWNERS, sizeof(*bp));
	uint8_t(*addrs)[16] = malloc((size_t)LOOKUPS * 16);
	uint8_t(*stored)[16] = malloc((size_t)PREFIXES * 16);
	uint8_t *stored_cidr = malloc(PREFIXES);
	size_t v4 = PREFIXES / 2;
	double t0, t1;
	int fails;

	if (!bp || !addrs || !stored || !stored_cidr)
		abort();

	/* A configuration of ordinary size: 1,000 peers with ten prefixes each. */
	allowedips_init(&t);
	fails = bench_fill(AF_INET, 10000, bp, 1000, stored, stored_cidr);
	bench_lookups(AF_INET, 10000, stored, stored_cidr, addrs, LOOKUPS);
	allowedips_free(&t);
	fails += bench_fill(AF_INET6, 10000, bp, 1000, stored, stored_cidr);
	bench_lookups(AF_INET6, 10000, stored, stored_cidr, addrs, LOOKUPS);
	allowedips_free(&t);

	/* Issue 8's scale: 1,000,000 prefixes over 10,000 peers. */
	t0 = now_sec();
	fails += bench_fill(AF_INET, v4, bp, OWNERS, stored, stored_cidr);
	fails += bench_fill(AF_INET6, PREFIXES - v4, bp, OWNERS, stored + v4, stored_cidr + v4);
	t1 = now_sec();
	printf("# bench: %d prefixes (%zu v4 /16-/32, %zu v6 /32-/128), %d owners: %.3f s\n",
	       PREFIXES, v4, PREFIXES - v4, OWNERS, t1 - t0);
	printf("# bench: %zu nodes of %zu bytes = %zu bytes, %.1f bytes/prefix (+ malloc's own)\n",
	       allowedips_node_count(&t), allowedips_node_size(), allowedips_bytes(&t),
	       (double)allowedips_bytes(&t) / PREFIXES);
	ok(!fails, "bench: all inserts succeed");
	bench_lookups(AF_INET, v4, stored, stored_cidr, addrs, LOOKUPS);
	bench_lookups(AF_INET6, PREFIXES - v4, stored + v4, stored_cidr + v4, addrs, LOOKUPS);

	t0 = now_sec();
	for (size_t i = 0; i < OWNERS; ++i)
		allowedips_remove_by_owner(&t, &bp[i].aip);
	t1 = now_sec();
	printf("# bench: removing %d owners one by one: %.3f s\n", OWNERS, t1 - t0);
	ok(allowedips_node_count(&t) == 0, "bench: trie empty after removing every owner");
	allowedips_free(&t);
	free(stored_cidr);
	free(stored);
	free(addrs);
	free(bp);
}

int main(void)
{
	double t0 = now_sec();

	test_static();
	test_deep();
	test_iteration();
	test_remove();
	test_random();
	test_arena();
	if (env_size("ALLOWEDIPS_BENCH", 0))
		bench();
	printf("# total %.2f s\n", now_sec() - t0);
	return done_testing();
}
