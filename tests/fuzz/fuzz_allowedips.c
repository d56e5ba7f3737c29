// SPDX-License-Identifier: MIT
/*
 * libFuzzer harness, differential: the allowed-IPs trie (datapath/allowedips.c) against a naive
 * table (a flat array scanned in full for each question) under an input-chosen sequence of
 * inserts, removes, removes by owner and lookups, with 8 owners and both families. Any
 * disagreement aborts: a return value, the owner of a lookup, an owner's prefixes in order, the
 * trie's own invariants (allowedips_check), and an empty trie once every owner is removed.
 *
 * Each operation is 2 to 18 bytes: an op byte (bits 0-1 the operation, bits 2-4 the owner,
 * bit 5 IPv6, bit 6 a short address: 2 bytes at the front and zeros after, so prefixes meet
 * often), a prefix length (reduced modulo the family's bits + 1, unless bit 7 asks for it raw),
 * then the address bytes.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "datapath/allowedips.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum { OWNERS = 8, MAX_ENTRIES = 4096 };

struct entry {
	int family;
	uint8_t addr[16]; /* masked */
	uint8_t cidr;
	int owner;
	uint64_t seq; /* when the owner got it */
};

static struct entry table[MAX_ENTRIES];
static size_t n;
static uint64_t seq;

static void fail(const char *what)
{
	fprintf(stderr, "allowedips: %s\n", what);
	abort();
}

static void mask(uint8_t *out, const uint8_t *addr, unsigned int bytes, unsigned int cidr)
{
	for (unsigned int i = 0; i < bytes; ++i) {
		unsigned int bits = cidr > 8 * i ? cidr - 8 * i : 0;

		out[i] = bits >= 8 ? addr[i] : bits ? (uint8_t)(addr[i] & (0xff << (8 - bits))) : 0;
	}
	memset(out + bytes, 0, 16 - bytes);
}

static struct entry *find(int family, const uint8_t *masked, uint8_t cidr)
{
	for (size_t i = 0; i < n; ++i) {
		if (table[i].family == family && table[i].cidr == cidr &&
		    !memcmp(table[i].addr, masked, 16))
			return &table[i];
	}
	return NULL;
}

static int ref_lookup(int family, const uint8_t *addr, unsigned int bytes)
{
	int best = -1, owner = -1;
	uint8_t m[16];

	for (size_t i = 0; i < n; ++i) {
		if (table[i].family != family || (int)table[i].cidr <= best)
			continue;
		mask(m, addr, bytes, table[i].cidr);
		if (!memcmp(m, table[i].addr, 16)) {
			best = table[i].cidr;
			owner = table[i].owner;
		}
	}
	return owner;
}

static void drop(struct entry *e)
{
	*e = table[--n];
}

/* Each owner's prefixes, in the order it got them, against its list in the trie. */
static void compare_lists(struct allowedips_owner *owners)
{
	for (int o = 0; o < OWNERS; ++o) {
		const struct allowedips_node *node;
		uint64_t last = 0;
		size_t count = 0;

		allowedips_for_each(node, &owners[o])
		{
			uint8_t addr[16] = { 0 }, cidr;
			int family = allowedips_node_read(node, addr, &cidr);
			struct entry *e = find(family, addr, cidr);

			if (!e || e->owner != o)
				fail("an owner lists a prefix it does not own");
			if (e->seq <= last)
				fail("an owner's prefixes are out of order");
			last = e->seq;
			++count;
		}
		if (owners[o].count != count)
			fail("an owner's count is not the length of its list");
		for (size_t i = 0; i < n; ++i)
			count -= table[i].owner == o;
		if (count)
			fail("an owner lists too few prefixes");
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct allowedips_owner owners[OWNERS];
	struct allowedips t;
	const uint8_t *p = data, *end = data + size;

	allowedips_init(&t);
	for (int o = 0; o < OWNERS; ++o)
		allowedips_owner_init(&owners[o]);
	n = 0;
	seq = 0;
	while (end - p >= 2) {
		uint8_t op = *p++, c = *p++, addr[16] = { 0 }, masked[16];
		int family = op & 0x20 ? AF_INET6 : AF_INET, o = (op >> 2) & 7, ret, want;
		unsigned int bytes = family == AF_INET ? 4 : 16, take = op & 0x40 ? 2 : bytes;
		uint8_t cidr = op & 0x80 ? c : (uint8_t)(c % (8 * bytes + 1));
		struct allowedips_owner *got;
		struct entry *e;

		if ((size_t)(end - p) < take)
			take = (unsigned int)(end - p);
		memcpy(addr, p, take);
		p += take;
		mask(masked, addr, bytes, cidr);
		switch (op & 3) {
		case 0: /* insert */
			ret = allowedips_insert(&t, family, addr, cidr, &owners[o]);
			if (cidr > 8 * bytes) {
				if (ret != -EINVAL)
					fail("an invalid prefix length was taken");
				break;
			}
			if (ret == -ENOMEM) {
				allowedips_free(&t);
				return 0;
			}
			if (ret)
				fail("a valid insert failed");
			e = find(family, masked, cidr);
			if (!e && n == MAX_ENTRIES)
				fail("the harness's table is full");
			if (!e) {
				e = &table[n++];
				e->family = family;
				memcpy(e->addr, masked, 16);
				e->cidr = cidr;
				e->owner = -1;
			}
			if (e->owner != o) {
				e->owner = o;
				e->seq = ++seq;
			}
			break;
		case 1: /* remove */
			ret = allowedips_remove(&t, family, addr, cidr, &owners[o]);
			e = cidr <= 8 * bytes ? find(family, masked, cidr) : NULL;
			want = cidr > 8 * bytes ? -EINVAL : e && e->owner == o ? 0 : -ENOENT;
			if (ret != want)
				fail("remove returned other than the table says");
			if (!ret)
				drop(e);
			break;
		case 2: /* lookup */
			got = allowedips_lookup(&t, family, addr);
			want = ref_lookup(family, addr, bytes);
			if ((want < 0 && got) || (want >= 0 && got != &owners[want]))
				fail("a lookup found another owner than the table");
			break;
		default: /* remove by owner */
			allowedips_remove_by_owner(&t, &owners[o]);
			for (size_t i = n; i-- > 0;) {
				if (table[i].owner == o)
					drop(&table[i]);
			}
			break;
		}
		if (allowedips_check(&t))
			fail("the trie's invariants do not hold");
	}
	compare_lists(owners);
	for (int o = 0; o < OWNERS; ++o)
		allowedips_remove_by_owner(&t, &owners[o]);
	if (allowedips_node_count(&t) || allowedips_check(&t))
		fail("nodes are left once every owner is removed");
	allowedips_free(&t);
	return 0;
}
