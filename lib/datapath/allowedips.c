// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "datapath/allowedips.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/*
 * Keys are held as two host-order 64-bit words, most significant bit first, so that IPv4 (in the
 * top 32 bits of key[0]) and IPv6 share the same bit arithmetic. key is always masked to cidr.
 * A node's children both extend its prefix; bit[b] holds those whose bit at index cidr is b.
 * Links are arena indices (0 is none): 48 bytes a node, with no allocator header.
 */
struct allowedips_node {
	/* What a lookup reads comes first. */
	uint64_t key[2];
	uint32_t bit[2];
	uint32_t parent;
	uint32_t owner_prev, owner_next;
	uint8_t cidr;
	uint8_t bitlen;
	struct allowedips_owner *owner;
};

enum { CHUNK_SHIFT = 12, CHUNK_NODES = 1 << CHUNK_SHIFT };

static inline struct allowedips_node *N(const struct allowedips *t, uint32_t i)
{
	return &t->chunks[i >> CHUNK_SHIFT][i & (CHUNK_NODES - 1)];
}

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

static uint32_t *root_of(struct allowedips *t, int family, unsigned int *bitlen)
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

static uint32_t *slot_of(struct allowedips *t, uint32_t i)
{
	const struct allowedips_node *n = N(t, i);
	struct allowedips_node *parent;

	if (!n->parent)
		return n->bitlen == 32 ? &t->root4 : &t->root6;
	parent = N(t, n->parent);
	return &parent->bit[parent->bit[1] == i];
}

static size_t capacity(const struct allowedips *t)
{
	return t->nchunks << CHUNK_SHIFT;
}

static int add_chunk(struct allowedips *t)
{
	struct allowedips_node **chunks, *chunk;
	size_t cap;

	/* Index 0 means none, so the last index in use must stay below 2^32. */
	if (t->nchunks >= ((size_t)UINT32_MAX >> CHUNK_SHIFT))
		return -ENOMEM;
	if (t->nchunks == t->chunks_cap) {
		cap = t->chunks_cap ? 2 * t->chunks_cap : 16;
		chunks = realloc(t->chunks, cap * sizeof(*chunks));
		if (!chunks)
			return -ENOMEM;
		t->chunks = chunks;
		t->chunks_cap = cap;
	}
	chunk = malloc(CHUNK_NODES * sizeof(*chunk));
	if (!chunk)
		return -ENOMEM;
	t->chunks[t->nchunks++] = chunk;
	return 0;
}

/* Nodes to be had without allocating; top is 1 in a table without chunks. */
static size_t available(const struct allowedips *t)
{
	size_t cap = capacity(t);

	return t->free_count + (cap > t->top ? cap - t->top : 0);
}

static uint32_t node_new(struct allowedips *t, const uint64_t key[2], unsigned int cidr,
			 unsigned int bitlen)
{
	struct allowedips_node *n;
	uint32_t i;

	if (t->free_list) {
		i = t->free_list;
		t->free_list = N(t, i)->bit[0];
		--t->free_count;
	} else {
		if (t->top >= capacity(t) && add_chunk(t) < 0)
			return 0;
		i = t->top++;
	}
	n = N(t, i);
	memset(n, 0, sizeof(*n));
	n->key[0] = key[0];
	n->key[1] = key[1];
	mask_key(n->key, cidr);
	n->cidr = (uint8_t)cidr;
	n->bitlen = (uint8_t)bitlen;
	++t->nodes;
	t->bytes += sizeof(*n);
	return i;
}

/* Once lookups run concurrently, this is where the reuse has to wait for readers. */
static void node_free(struct allowedips *t, uint32_t i)
{
	struct allowedips_node *n = N(t, i);

	memset(n, 0, sizeof(*n));
	n->bit[0] = t->free_list;
	t->free_list = i;
	++t->free_count;
	--t->nodes;
	t->bytes -= sizeof(*n);
}

static void owner_append(struct allowedips *t, struct allowedips_owner *o, uint32_t i)
{
	struct allowedips_node *n = N(t, i);

	n->owner_prev = o->last;
	n->owner_next = 0;
	if (o->last)
		N(t, o->last)->owner_next = i;
	else
		o->first = i;
	o->last = i;
	++o->count;
	o->table = t;
	n->owner = o;
	t->prefixes4 += n->bitlen == 32;
}

static void owner_unlink(struct allowedips *t, uint32_t i)
{
	struct allowedips_node *n = N(t, i);
	struct allowedips_owner *o = n->owner;

	if (n->owner_prev)
		N(t, n->owner_prev)->owner_next = n->owner_next;
	else
		o->first = n->owner_next;
	if (n->owner_next)
		N(t, n->owner_next)->owner_prev = n->owner_prev;
	else
		o->last = n->owner_prev;
	n->owner_prev = n->owner_next = 0;
	--o->count;
	n->owner = NULL;
	t->prefixes4 -= n->bitlen == 32;
}

/*
 * The IPv4 directory (allowedips.h). Level 0 is indexed by the top 16 bits of the address and
 * holds prefixes of length 0..16, level 1 by the next 8 (17..24), level 2 by the last 8 (25..32).
 * A slot holds the owner of the longest prefix of its level's lengths that covers it, so that a
 * lookup keeps the deepest non-empty slot on its way down. Owners, not node indices: a lookup
 * then needs no node at all. A table below level 0 exists while it has an owner or a child.
 */
enum { DIR_L0 = 16, DIR_L1 = 24 };

struct dir4_l2 {
	struct allowedips_owner *owner[256];
	unsigned int used;
};

struct dir4_l1 {
	struct allowedips_owner *owner[256];
	struct dir4_l2 *child[256];
	unsigned int used;
};

struct allowedips_dir4 {
	struct allowedips_owner *owner[1 << DIR_L0];
	struct dir4_l1 *child[1 << DIR_L0];
};

/* The owner of the longest prefix of length lo..hi covering the (hi-bit) slot at key0. */
static struct allowedips_owner *trie_best4(const struct allowedips *t, uint64_t key0,
					   unsigned int lo, unsigned int hi)
{
	const uint64_t key[2] = { key0, 0 };
	struct allowedips_owner *found = NULL;
	const struct allowedips_node *n;

	for (uint32_t i = t->root4; i; i = n->bit[bit_at(key, n->cidr)]) {
		n = N(t, i);
		if (n->cidr > hi || !prefix_matches(n, key))
			break;
		if (n->owner && n->cidr >= lo)
			found = n->owner;
		if (n->cidr == 32)
			break;
	}
	return found;
}

static void dir4_free(struct allowedips *t)
{
	struct allowedips_dir4 *d = t->dir4;

	if (!d)
		return;
	for (size_t i = 0; i < ARRAY_LEN(d->child); ++i) {
		struct dir4_l1 *l1 = d->child[i];

		if (!l1)
			continue;
		for (size_t j = 0; j < 256; ++j)
			free(l1->child[j]);
		free(l1);
	}
	free(d);
	t->dir4 = NULL;
	t->dir4_bytes = 0;
}

/* Out of memory: lookups walk the trie from now on (until the table is emptied). */
static void dir4_fail(struct allowedips *t)
{
	dir4_free(t);
	t->dir4_failed = true;
}

/* Sets one slot of a lower table and keeps its count of non-empty slots. */
static void slot_set(struct allowedips_owner **slot, unsigned int *used, struct allowedips_owner *o)
{
	*used += (o != NULL) - (*slot != NULL);
	*slot = o;
}

/* Recomputes every slot that the IPv4 prefix a/cidr (host order, masked) covers. */
static void dir4_refresh(struct allowedips *t, uint32_t a, unsigned int cidr)
{
	struct allowedips_dir4 *d = t->dir4;
	struct allowedips_owner *o;
	struct dir4_l1 *l1;
	struct dir4_l2 *l2;
	uint32_t hi = a >> 16, mid = (a >> 8) & 255;

	if (t->dir4_failed)
		return;
	if (!d) {
		d = t->dir4 = calloc(1, sizeof(*d));
		if (!d)
			return dir4_fail(t);
		t->dir4_bytes = sizeof(*d);
	}
	if (cidr <= DIR_L0) {
		for (uint32_t s = hi, end = hi + (1U << (DIR_L0 - cidr)); s < end; ++s)
			d->owner[s] = trie_best4(t, (uint64_t)s << 48, 0, DIR_L0);
		return;
	}
	l1 = d->child[hi];
	if (!l1) {
		l1 = d->child[hi] = calloc(1, sizeof(*l1));
		if (!l1)
			return dir4_fail(t);
		t->dir4_bytes += sizeof(*l1);
	}
	if (cidr <= DIR_L1) {
		for (uint32_t s = mid, end = mid + (1U << (DIR_L1 - cidr)); s < end; ++s) {
			o = trie_best4(t, (uint64_t)(hi << 8 | s) << 40, DIR_L0 + 1, DIR_L1);
			slot_set(&l1->owner[s], &l1->used, o);
		}
	} else {
		l2 = l1->child[mid];
		if (!l2) {
			l2 = l1->child[mid] = calloc(1, sizeof(*l2));
			if (!l2)
				return dir4_fail(t);
			t->dir4_bytes += sizeof(*l2);
			++l1->used;
		}
		for (uint32_t s = a & 255, end = (a & 255) + (1U << (32 - cidr)); s < end; ++s) {
			o = trie_best4(t, (uint64_t)((a & ~255U) | s) << 32, DIR_L1 + 1, 32);
			slot_set(&l2->owner[s], &l2->used, o);
		}
		if (!l2->used) {
			free(l2);
			l1->child[mid] = NULL;
			t->dir4_bytes -= sizeof(*l2);
			--l1->used;
		}
	}
	if (!l1->used) {
		free(l1);
		d->child[hi] = NULL;
		t->dir4_bytes -= sizeof(*l1);
	}
}

/* Every IPv4 prefix's slots: the directory made afresh from the trie. */
static void dir4_build(struct allowedips *t)
{
	for (uint32_t i = 1; i < t->top && !t->dir4_failed; ++i) {
		const struct allowedips_node *n = N(t, i);

		if (n->owner && n->bitlen == 32)
			dir4_refresh(t, (uint32_t)(n->key[0] >> 32), n->cidr);
	}
}

/*
 * After any change of the prefix at node n: its slots, if it is IPv4. The directory exists
 * from dir4_min IPv4 prefixes on and goes below half that: on a small table its sparse tables
 * would cost more than the trie (a lone /32 takes a 2 KiB level-2 table), and the trie is in
 * cache anyway.
 */
static void dir_refresh_node(struct allowedips *t, const struct allowedips_node *n)
{
	if (n->bitlen != 32)
		return;
	if (!t->dir4) {
		if (t->prefixes4 >= t->dir4_min && t->prefixes4 && !t->dir4_failed)
			dir4_build(t);
	} else if (t->prefixes4 < t->dir4_min / 2 || !t->prefixes4) {
		dir4_free(t);
	} else {
		dir4_refresh(t, (uint32_t)(n->key[0] >> 32), n->cidr);
	}
}

/* Replaces old (a child of its parent, or the root) with new in the tree. */
static void replace(struct allowedips *t, uint32_t *slot, uint32_t old, uint32_t new)
{
	N(t, new)->parent = N(t, old)->parent;
	N(t, old)->parent = new;
	*slot = new;
}

void allowedips_init(struct allowedips *t)
{
	memset(t, 0, sizeof(*t));
	t->top = 1;
	t->dir4_min = ALLOWEDIPS_DIR4_MIN;
}

void allowedips_set_dir4_min(struct allowedips *t, size_t prefixes)
{
	t->dir4_min = prefixes;
	if (t->dir4 && (t->prefixes4 < prefixes / 2 || !t->prefixes4))
		dir4_free(t);
	else if (!t->dir4 && t->prefixes4 >= prefixes && t->prefixes4 && !t->dir4_failed)
		dir4_build(t);
}

void allowedips_owner_init(struct allowedips_owner *o)
{
	memset(o, 0, sizeof(*o));
}

static void release_chunks(struct allowedips *t)
{
	size_t dir4_min = t->dir4_min;

	dir4_free(t);
	for (size_t c = 0; c < t->nchunks; ++c)
		free(t->chunks[c]);
	free(t->chunks);
	allowedips_init(t);
	t->dir4_min = dir4_min;
}

void allowedips_free(struct allowedips *t)
{
	struct allowedips_node *n;

	/* Every node in use is below top; free nodes have no owner. */
	for (uint32_t i = 1; i < t->top; ++i) {
		n = N(t, i);
		if (n->owner)
			allowedips_owner_init(n->owner);
	}
	release_chunks(t);
}

int allowedips_reserve(struct allowedips *t, size_t inserts)
{
	/* An insert takes at most two nodes: the prefix and a branch point. */
	if (inserts > SIZE_MAX / 2)
		return -ENOMEM;
	while (available(t) < 2 * inserts) {
		if (add_chunk(t) < 0)
			return -ENOMEM;
	}
	return 0;
}

void allowedips_unreserve(struct allowedips *t)
{
	if (!t->nodes) {
		release_chunks(t);
		return;
	}
	while (t->nchunks && ((t->nchunks - 1) << CHUNK_SHIFT) >= t->top)
		free(t->chunks[--t->nchunks]);
}

int allowedips_insert(struct allowedips *t, int family, const void *addr, uint8_t cidr,
		      struct allowedips_owner *o)
{
	struct allowedips_node *n, *p;
	uint32_t *rootp, *slot, i, parent = 0, new, mid;
	unsigned int bitlen, common;
	uint64_t key[2];

	rootp = root_of(t, family, &bitlen);
	if (!rootp || !o || cidr > bitlen)
		return -EINVAL;
	load_key(key, bitlen, addr);
	mask_key(key, cidr);

	for (i = *rootp; i; i = n->bit[bit_at(key, n->cidr)]) {
		n = N(t, i);
		if (n->cidr > cidr || !prefix_matches(n, key))
			break;
		if (n->cidr == cidr) {
			if (n->owner == o)
				return 0;
			if (n->owner)
				owner_unlink(t, i);
			owner_append(t, o, i);
			dir_refresh_node(t, n);
			return 0;
		}
		parent = i;
	}

	/* i is the subtree below parent where the prefix belongs; it does not contain it. */
	new = node_new(t, key, cidr, bitlen);
	if (!new)
		return -ENOMEM;
	if (parent) {
		p = N(t, parent);
		slot = &p->bit[bit_at(key, p->cidr)];
	} else {
		slot = rootp;
	}
	if (!i) {
		N(t, new)->parent = parent;
		*slot = new;
	} else {
		n = N(t, i);
		common = common_bits(n->key, key);
		if (common > cidr)
			common = cidr;
		if (common == cidr) {
			/* The new prefix covers n: it slots in above it. */
			N(t, new)->bit[bit_at(n->key, cidr)] = i;
			replace(t, slot, i, new);
		} else {
			/* They diverge at bit 'common': a branch point takes n's place. */
			mid = node_new(t, key, common, bitlen);
			if (!mid) {
				node_free(t, new);
				return -ENOMEM;
			}
			p = N(t, mid);
			p->bit[bit_at(n->key, common)] = i;
			p->bit[bit_at(key, common)] = new;
			N(t, new)->parent = mid;
			replace(t, slot, i, mid);
		}
	}
	owner_append(t, o, new);
	dir_refresh_node(t, N(t, new));
	return 0;
}

/* Drops i's owner, then removes i and any branch point left with one child. */
static void unown(struct allowedips *t, uint32_t i)
{
	struct allowedips_node *n = N(t, i), *p;
	const struct allowedips_node gone = *n;
	uint32_t parent, child;

	owner_unlink(t, i);
	if (n->bit[0] && n->bit[1]) {
		dir_refresh_node(t, n);
		return;
	}
	child = n->bit[0] ? n->bit[0] : n->bit[1];
	parent = n->parent;
	*slot_of(t, i) = child;
	if (child)
		N(t, child)->parent = parent;
	node_free(t, i);
	if (child || !parent)
		goto out;
	p = N(t, parent);
	if (p->owner)
		goto out;
	child = p->bit[0] ? p->bit[0] : p->bit[1];
	*slot_of(t, parent) = child;
	N(t, child)->parent = p->parent;
	node_free(t, parent);
out:
	dir_refresh_node(t, &gone);
}

static uint32_t find_exact(struct allowedips *t, int family, const void *addr, uint8_t cidr,
			   int *err)
{
	const struct allowedips_node *n;
	unsigned int bitlen;
	uint32_t *rootp, i;
	uint64_t key[2];

	rootp = root_of(t, family, &bitlen);
	if (!rootp || cidr > bitlen) {
		*err = -EINVAL;
		return 0;
	}
	load_key(key, bitlen, addr);
	mask_key(key, cidr);
	for (i = *rootp; i; i = n->bit[bit_at(key, n->cidr)]) {
		n = N(t, i);
		if (n->cidr > cidr || !prefix_matches(n, key))
			break;
		if (n->cidr == cidr)
			return i;
	}
	*err = -ENOENT;
	return 0;
}

int allowedips_remove(struct allowedips *t, int family, const void *addr, uint8_t cidr,
		      struct allowedips_owner *o)
{
	uint32_t i;
	int err = 0;

	i = find_exact(t, family, addr, cidr, &err);
	if (!i)
		return err;
	if (!N(t, i)->owner || N(t, i)->owner != o)
		return -ENOENT;
	unown(t, i);
	return 0;
}

void allowedips_remove_by_owner(struct allowedips *t, struct allowedips_owner *o)
{
	while (o->first)
		unown(t, o->first);
}

struct allowedips_owner *allowedips_lookup(const struct allowedips *t, int family, const void *addr)
{
	const struct allowedips_node *n;
	struct allowedips_owner *found = NULL;
	unsigned int bitlen;
	uint64_t key[2];
	uint32_t i;

	if (family == AF_INET) {
		i = t->root4;
		bitlen = 32;
	} else if (family == AF_INET6) {
		i = t->root6;
		bitlen = 128;
	} else {
		return NULL;
	}
	if (bitlen == 32 && t->dir4) {
		const struct allowedips_dir4 *d = t->dir4;
		const uint8_t *p = addr;
		uint32_t a =
			(uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
		const struct dir4_l1 *l1 = d->child[a >> 16];
		const struct dir4_l2 *l2;
		struct allowedips_owner *o;

		found = d->owner[a >> 16];
		if (!l1)
			return found;
		if ((o = l1->owner[(a >> 8) & 255]))
			found = o;
		l2 = l1->child[(a >> 8) & 255];
		if (l2 && (o = l2->owner[a & 255]))
			found = o;
		return found;
	}
	load_key(key, bitlen, addr);
	while (i) {
		n = N(t, i);
		if (!prefix_matches(n, key))
			break;
		if (n->owner)
			found = n->owner;
		if (n->cidr == bitlen)
			break;
		i = n->bit[bit_at(key, n->cidr)];
	}
	return found;
}

const struct allowedips_node *allowedips_owner_first(const struct allowedips_owner *o)
{
	return o->first ? N(o->table, o->first) : NULL;
}

const struct allowedips_node *allowedips_owner_next(const struct allowedips_node *n)
{
	return n->owner_next ? N(n->owner->table, n->owner_next) : NULL;
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

static int check_tree(const struct allowedips *t, uint32_t i, uint32_t parent, unsigned int bitlen,
		      size_t *nodes)
{
	const struct allowedips_node *n, *p;
	uint64_t masked[2];
	int ret;

	if (!i)
		return 0;
	if (i >= t->top || ++*nodes > t->nodes)
		return -EUCLEAN;
	n = N(t, i);
	masked[0] = n->key[0];
	masked[1] = n->key[1];
	mask_key(masked, n->cidr);
	if (n->parent != parent || n->bitlen != bitlen || n->cidr > bitlen ||
	    masked[0] != n->key[0] || masked[1] != n->key[1])
		return -EUCLEAN;
	if (parent) {
		p = N(t, parent);
		if (n->cidr <= p->cidr || !prefix_matches(p, n->key) ||
		    p->bit[bit_at(n->key, p->cidr)] != i)
			return -EUCLEAN;
	}
	if (!n->owner && !(n->bit[0] && n->bit[1]))
		return -EUCLEAN;
	if (n->owner && n->owner->table != t)
		return -EUCLEAN;
	ret = check_tree(t, n->bit[0], i, bitlen, nodes);
	return ret ? ret : check_tree(t, n->bit[1], i, bitlen, nodes);
}

/*
 * Every slot of every table against the trie, the tables' counts, and a table for every IPv4
 * prefix longer than 16 (or 24): what the directory says is what the trie says.
 */
static int check_dir4(const struct allowedips *t)
{
	const struct allowedips_dir4 *d = t->dir4;
	size_t bytes = sizeof(*d), prefixes4 = 0;

	for (uint32_t i = 1; i < t->top; ++i)
		prefixes4 += N(t, i)->owner && N(t, i)->bitlen == 32;
	if (prefixes4 != t->prefixes4)
		return -EUCLEAN;
	if (!d)
		return prefixes4 && prefixes4 >= t->dir4_min && !t->dir4_failed ? -EUCLEAN : 0;
	if (!prefixes4 || prefixes4 < t->dir4_min / 2)
		return -EUCLEAN;
	for (uint32_t hi = 0; hi < ARRAY_LEN(d->owner); ++hi) {
		const struct dir4_l1 *l1 = d->child[hi];
		unsigned int used = 0;

		if (d->owner[hi] != trie_best4(t, (uint64_t)hi << 48, 0, DIR_L0))
			return -EUCLEAN;
		if (!l1)
			continue;
		bytes += sizeof(*l1);
		for (uint32_t mid = 0; mid < 256; ++mid) {
			const struct dir4_l2 *l2 = l1->child[mid];
			unsigned int used2 = 0;

			if (l1->owner[mid] !=
			    trie_best4(t, (uint64_t)(hi << 8 | mid) << 40, DIR_L0 + 1, DIR_L1))
				return -EUCLEAN;
			used += (l1->owner[mid] != NULL) + (l2 != NULL);
			if (!l2)
				continue;
			bytes += sizeof(*l2);
			for (uint32_t lo = 0; lo < 256; ++lo) {
				if (l2->owner[lo] !=
				    trie_best4(t, (uint64_t)(hi << 16 | mid << 8 | lo) << 32,
					       DIR_L1 + 1, 32))
					return -EUCLEAN;
				used2 += l2->owner[lo] != NULL;
			}
			if (!used2 || used2 != l2->used)
				return -EUCLEAN;
		}
		if (!used || used != l1->used)
			return -EUCLEAN;
	}
	for (uint32_t i = 1; i < t->top; ++i) {
		const struct allowedips_node *n = N(t, i);
		uint32_t a = (uint32_t)(n->key[0] >> 32);

		if (!n->owner || n->bitlen != 32 || n->cidr <= DIR_L0)
			continue;
		if (!d->child[a >> 16] ||
		    (n->cidr > DIR_L1 && !d->child[a >> 16]->child[(a >> 8) & 255]))
			return -EUCLEAN;
	}
	return bytes == t->dir4_bytes ? 0 : -EUCLEAN;
}

int allowedips_check(const struct allowedips *t)
{
	size_t nodes = 0, free_nodes = 0;
	int ret;

	ret = check_tree(t, t->root4, 0, 32, &nodes);
	if (!ret)
		ret = check_tree(t, t->root6, 0, 128, &nodes);
	if (!ret && nodes != t->nodes)
		ret = -EUCLEAN;
	for (uint32_t i = t->free_list; !ret && i; i = N(t, i)->bit[0]) {
		if (i >= t->top || ++free_nodes > t->free_count || N(t, i)->owner)
			ret = -EUCLEAN;
	}
	if (!ret && (free_nodes != t->free_count || t->top > capacity(t) + !t->nchunks ||
		     t->nodes + t->free_count + 1 != t->top))
		ret = -EUCLEAN;
	return ret ? ret : check_dir4(t);
}

size_t allowedips_node_count(const struct allowedips *t)
{
	return t->nodes;
}

size_t allowedips_bytes(const struct allowedips *t)
{
	return t->bytes;
}

size_t allowedips_dir_bytes(const struct allowedips *t)
{
	return t->dir4_bytes;
}

size_t allowedips_arena_bytes(const struct allowedips *t)
{
	return t->nchunks * CHUNK_NODES * sizeof(struct allowedips_node) +
	       t->chunks_cap * sizeof(*t->chunks);
}

size_t allowedips_node_size(void)
{
	return sizeof(struct allowedips_node);
}
