// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "datapath/allowedips.h"

/*
 * Keys are held as two host-order 64-bit words, most significant bit first, so that IPv4 (in the
 * top 32 bits of key[0]) and IPv6 share the same bit arithmetic. key is always masked to cidr.
 * A node's children both extend its prefix; bit[b] holds those whose bit at index cidr is b.
 */
struct allowedips_node {
	/* What a lookup reads comes first, in the first 48 bytes. */
	uint64_t key[2];
	struct allowedips_node *bit[2];
	struct allowedips_owner *owner;
	uint8_t cidr;
	uint8_t bitlen;
	struct allowedips_node *parent;
	struct allowedips_node *owner_prev, *owner_next;
};

static inline uint64_t get_be64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; ++i)
		v = v << 8 | p[i];
	return v;
}

static inline void put_be64(uint8_t *p, uint64_t v)
{
	for (int i = 7; i >= 0; --i, v >>= 8)
		p[i] = (uint8_t)v;
}

static inline uint64_t top_mask(unsigned int n)
{
	return n ? ~0ULL << (64 - n) : 0;
}

static inline void load_key(uint64_t key[2], unsigned int bitlen, const void *addr)
{
	const uint8_t *p = addr;

	if (bitlen == 32) {
		key[0] = (uint64_t)p[0] << 56 | (uint64_t)p[1] << 48 | (uint64_t)p[2] << 40 |
			 (uint64_t)p[3] << 32;
		key[1] = 0;
	} else {
		key[0] = get_be64(p);
		key[1] = get_be64(p + 8);
	}
}

static inline void mask_key(uint64_t key[2], unsigned int cidr)
{
	if (cidr <= 64) {
		key[0] &= top_mask(cidr);
		key[1] = 0;
	} else {
		key[1] &= top_mask(cidr - 64);
	}
}

static inline bool prefix_matches(const struct allowedips_node *n, const uint64_t key[2])
{
	if (n->cidr <= 64)
		return !((n->key[0] ^ key[0]) & top_mask(n->cidr));
	return n->key[0] == key[0] && !((n->key[1] ^ key[1]) & top_mask(n->cidr - 64));
}

static inline unsigned int bit_at(const uint64_t key[2], unsigned int i)
{
	return (key[i >> 6] >> (63 - (i & 63))) & 1;
}

static unsigned int common_bits(const uint64_t a[2], const uint64_t b[2])
{
	uint64_t x = a[0] ^ b[0];

	if (x)
		return (unsigned int)__builtin_clzll(x);
	x = a[1] ^ b[1];
	return x ? 64 + (unsigned int)__builtin_clzll(x) : 128;
}

static struct allowedips_node **root_of(struct allowedips *t, int family, unsigned int *bitlen)
{
	if (family == AF_INET) {
		*bitlen = 32;
		return &t->root4;
	}
	if (family == AF_INET6) {
		*bitlen = 128;
		return &t->root6;
	}
	return NULL;
}

static struct allowedips_node **slot_of(struct allowedips *t, const struct allowedips_node *n)
{
	if (!n->parent)
		return n->bitlen == 32 ? &t->root4 : &t->root6;
	return &n->parent->bit[n->parent->bit[1] == n];
}

static struct allowedips_node *node_new(struct allowedips *t, const uint64_t key[2],
					unsigned int cidr, unsigned int bitlen)
{
	struct allowedips_node *n = t->spare;

	if (n) {
		t->spare = n->bit[0];
		--t->spares;
		memset(n, 0, sizeof(*n));
	} else if (!(n = calloc(1, sizeof(*n)))) {
		return NULL;
	}
	n->key[0] = key[0];
	n->key[1] = key[1];
	mask_key(n->key, cidr);
	n->cidr = (uint8_t)cidr;
	n->bitlen = (uint8_t)bitlen;
	++t->nodes;
	t->bytes += sizeof(*n);
	return n;
}

/* Once lookups run concurrently, this is where the free has to wait for readers. */
static void node_free(struct allowedips *t, struct allowedips_node *n)
{
	--t->nodes;
	t->bytes -= sizeof(*n);
	free(n);
}

static void owner_append(struct allowedips_owner *o, struct allowedips_node *n)
{
	n->owner_prev = o->last;
	n->owner_next = NULL;
	if (o->last)
		o->last->owner_next = n;
	else
		o->first = n;
	o->last = n;
	++o->count;
	n->owner = o;
}

static void owner_unlink(struct allowedips_node *n)
{
	struct allowedips_owner *o = n->owner;

	if (n->owner_prev)
		n->owner_prev->owner_next = n->owner_next;
	else
		o->first = n->owner_next;
	if (n->owner_next)
		n->owner_next->owner_prev = n->owner_prev;
	else
		o->last = n->owner_prev;
	n->owner_prev = n->owner_next = NULL;
	--o->count;
	n->owner = NULL;
}

/* Replaces old (a child of parent, or the root) with new in the tree. */
static void replace(struct allowedips_node **slot, struct allowedips_node *old,
		    struct allowedips_node *new)
{
	new->parent = old->parent;
	old->parent = new;
	*slot = new;
}

void allowedips_init(struct allowedips *t)
{
	memset(t, 0, sizeof(*t));
}

void allowedips_owner_init(struct allowedips_owner *o)
{
	memset(o, 0, sizeof(*o));
}

static void free_tree(struct allowedips *t, struct allowedips_node *n)
{
	struct allowedips_node *parent;

	/* Post-order without a stack: descend while there are children, free on the way up. */
	while (n) {
		if (n->bit[0]) {
			n = n->bit[0];
			continue;
		}
		if (n->bit[1]) {
			n = n->bit[1];
			continue;
		}
		parent = n->parent;
		if (parent)
			parent->bit[parent->bit[1] == n] = NULL;
		if (n->owner)
			allowedips_owner_init(n->owner);
		node_free(t, n);
		n = parent;
	}
}

void allowedips_free(struct allowedips *t)
{
	free_tree(t, t->root4);
	free_tree(t, t->root6);
	t->root4 = t->root6 = NULL;
	allowedips_unreserve(t);
}

int allowedips_reserve(struct allowedips *t, size_t inserts)
{
	struct allowedips_node *n;

	/* An insert takes at most two nodes: the prefix and a branch point. */
	while (t->spares < 2 * inserts) {
		n = calloc(1, sizeof(*n));
		if (!n)
			return -ENOMEM;
		n->bit[0] = t->spare;
		t->spare = n;
		++t->spares;
	}
	return 0;
}

void allowedips_unreserve(struct allowedips *t)
{
	struct allowedips_node *n;

	while ((n = t->spare)) {
		t->spare = n->bit[0];
		free(n);
	}
	t->spares = 0;
}

int allowedips_insert(struct allowedips *t, int family, const void *addr, uint8_t cidr,
		      struct allowedips_owner *o)
{
	struct allowedips_node **rootp, *parent = NULL, *n, *new, *mid;
	struct allowedips_node **slot;
	unsigned int bitlen, common;
	uint64_t key[2];

	rootp = root_of(t, family, &bitlen);
	if (!rootp || !o || cidr > bitlen)
		return -EINVAL;
	load_key(key, bitlen, addr);
	mask_key(key, cidr);

	for (n = *rootp; n && n->cidr <= cidr && prefix_matches(n, key);
	     n = n->bit[bit_at(key, n->cidr)]) {
		if (n->cidr == cidr) {
			if (n->owner == o)
				return 0;
			if (n->owner)
				owner_unlink(n);
			owner_append(o, n);
			return 0;
		}
		parent = n;
	}

	/* n is the subtree below parent where the prefix belongs; it does not contain it. */
	new = node_new(t, key, cidr, bitlen);
	if (!new)
		return -ENOMEM;
	slot = parent ? &parent->bit[bit_at(key, parent->cidr)] : rootp;
	if (!n) {
		new->parent = parent;
		*slot = new;
	} else {
		common = common_bits(n->key, key);
		if (common > cidr)
			common = cidr;
		if (common == cidr) {
			/* The new prefix covers n: it slots in above it. */
			new->bit[bit_at(n->key, cidr)] = n;
			replace(slot, n, new);
		} else {
			/* They diverge at bit 'common': a branch point takes n's place. */
			mid = node_new(t, key, common, bitlen);
			if (!mid) {
				node_free(t, new);
				return -ENOMEM;
			}
			mid->bit[bit_at(n->key, common)] = n;
			mid->bit[bit_at(key, common)] = new;
			new->parent = mid;
			replace(slot, n, mid);
		}
	}
	owner_append(o, new);
	return 0;
}

/* Drops n's owner, then removes n and any branch point left with one child. */
static void unown(struct allowedips *t, struct allowedips_node *n)
{
	struct allowedips_node *parent, *child;

	owner_unlink(n);
	if (n->bit[0] && n->bit[1])
		return;
	child = n->bit[0] ? n->bit[0] : n->bit[1];
	parent = n->parent;
	*slot_of(t, n) = child;
	if (child)
		child->parent = parent;
	node_free(t, n);
	if (child || !parent || parent->owner)
		return;
	child = parent->bit[0] ? parent->bit[0] : parent->bit[1];
	*slot_of(t, parent) = child;
	child->parent = parent->parent;
	node_free(t, parent);
}

static struct allowedips_node *find_exact(struct allowedips *t, int family, const void *addr,
					  uint8_t cidr, int *err)
{
	struct allowedips_node **rootp, *n;
	unsigned int bitlen;
	uint64_t key[2];

	rootp = root_of(t, family, &bitlen);
	if (!rootp || cidr > bitlen) {
		*err = -EINVAL;
		return NULL;
	}
	load_key(key, bitlen, addr);
	mask_key(key, cidr);
	for (n = *rootp; n && n->cidr <= cidr && prefix_matches(n, key);
	     n = n->bit[bit_at(key, n->cidr)]) {
		if (n->cidr == cidr)
			return n;
	}
	*err = -ENOENT;
	return NULL;
}

int allowedips_remove(struct allowedips *t, int family, const void *addr, uint8_t cidr,
		      struct allowedips_owner *o)
{
	struct allowedips_node *n;
	int err = 0;

	n = find_exact(t, family, addr, cidr, &err);
	if (!n)
		return err;
	if (!n->owner || n->owner != o)
		return -ENOENT;
	unown(t, n);
	return 0;
}

void allowedips_remove_by_owner(struct allowedips *t, struct allowedips_owner *o)
{
	while (o->first)
		unown(t, o->first);
}

struct allowedips_owner *allowedips_lookup(const struct allowedips *t, int family,
					   const void *addr)
{
	const struct allowedips_node *n;
	struct allowedips_owner *found = NULL;
	unsigned int bitlen;
	uint64_t key[2];

	if (family == AF_INET) {
		n = t->root4;
		bitlen = 32;
	} else if (family == AF_INET6) {
		n = t->root6;
		bitlen = 128;
	} else {
		return NULL;
	}
	load_key(key, bitlen, addr);
	while (n && prefix_matches(n, key)) {
		if (n->owner)
			found = n->owner;
		if (n->cidr == bitlen)
			break;
		n = n->bit[bit_at(key, n->cidr)];
	}
	return found;
}

const struct allowedips_node *allowedips_owner_first(const struct allowedips_owner *o)
{
	return o->first;
}

const struct allowedips_node *allowedips_owner_next(const struct allowedips_node *n)
{
	return n->owner_next;
}

int allowedips_node_read(const struct allowedips_node *n, void *addr, uint8_t *cidr)
{
	uint8_t buf[16];

	put_be64(buf, n->key[0]);
	put_be64(buf + 8, n->key[1]);
	*cidr = n->cidr;
	if (n->bitlen == 32) {
		memcpy(addr, buf, 4);
		return AF_INET;
	}
	memcpy(addr, buf, 16);
	return AF_INET6;
}

static int check_tree(const struct allowedips_node *n, const struct allowedips_node *parent,
		      unsigned int bitlen, size_t *nodes)
{
	uint64_t masked[2];
	int ret;

	if (!n)
		return 0;
	++*nodes;
	masked[0] = n->key[0];
	masked[1] = n->key[1];
	mask_key(masked, n->cidr);
	if (n->parent != parent || n->bitlen != bitlen || n->cidr > bitlen ||
	    masked[0] != n->key[0] || masked[1] != n->key[1])
		return -EUCLEAN;
	if (parent && (n->cidr <= parent->cidr || !prefix_matches(parent, n->key) ||
		       parent->bit[bit_at(n->key, parent->cidr)] != n))
		return -EUCLEAN;
	if (!n->owner && !(n->bit[0] && n->bit[1]))
		return -EUCLEAN;
	ret = check_tree(n->bit[0], n, bitlen, nodes);
	return ret ? ret : check_tree(n->bit[1], n, bitlen, nodes);
}

int allowedips_check(const struct allowedips *t)
{
	size_t nodes = 0;
	int ret;

	ret = check_tree(t->root4, NULL, 32, &nodes);
	if (!ret)
		ret = check_tree(t->root6, NULL, 128, &nodes);
	if (!ret && nodes != t->nodes)
		ret = -EUCLEAN;
	return ret;
}

size_t allowedips_node_count(const struct allowedips *t)
{
	return t->nodes;
}

size_t allowedips_bytes(const struct allowedips *t)
{
	return t->bytes;
}

size_t allowedips_node_size(void)
{
	return sizeof(struct allowedips_node);
}
