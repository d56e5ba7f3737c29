/* SPDX-License-Identifier: MIT */
/*
 * Cryptokey routing: longest-prefix match from an inner IP address to the peer that owns the
 * prefix. One path-compressed binary trie per family; every node is either a prefix with an owner
 * or a branch point with exactly two children, so removing all prefixes leaves both tries empty.
 *
 * Owners are opaque to the table: the caller embeds struct allowedips_owner in its peer and gets
 * back to the peer with container_of(). Each owner keeps the list of its prefixes in insertion
 * order, so that listing and removing them costs O(own prefixes).
 *
 * Writers (insert/remove/free) allocate and must be serialised by the caller. allowedips_lookup()
 * only reads and never allocates; a node is fully initialised before it is linked in, so that a
 * reader scheme (RCU-like deferred reuse, or a rwlock) can be added around it later. Such a
 * scheme has to cover the free list (a removed node is reused, not freed) and the chunk table,
 * which add_chunk() may move.
 *
 * IPv4 lookups do not walk the trie: a direct-indexed table of three levels (16, 8 and 8 bits of
 * the address, DIR-16-8-8) holds, per slot, the owner of the longest prefix whose length falls in
 * that level and covers the slot; a lookup reads at most three slots and keeps the deepest owner,
 * so it costs about one cache miss per level instead of one per trie node. The trie stays the
 * only truth (insert, remove, the owner lists, allowedips_check()); after each change the slots
 * that the changed prefix covers are recomputed from it. A table that cannot be allocated turns
 * the directory off and lookups walk the trie again: an insert never fails for it. Small tables
 * (below ALLOWEDIPS_DIR4_MIN IPv4 prefixes) have none: their trie stays in cache, and sparse
 * directory tables would cost more memory than the trie's nodes.
 */
#ifndef WGCTL_DATAPATH_ALLOWEDIPS_H
#define WGCTL_DATAPATH_ALLOWEDIPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct allowedips_node;
struct allowedips;
struct allowedips_dir4;

/* Node references are 32-bit indices into the table's node arena; 0 is none. */
struct allowedips_owner {
	const struct allowedips *table;
	uint32_t first, last;
	size_t count;
};

/*
 * Nodes live in fixed chunks of ALLOWEDIPS_CHUNK_NODES, so that a node never moves and a
 * reference costs 4 bytes instead of 8 (docs/scale.md). A freed node goes to a free list; the
 * chunks beyond the highest node in use are freed by allowedips_unreserve(), and all of them
 * once the table is empty.
 */
struct allowedips {
	uint32_t root4, root6;
	size_t nodes;
	size_t bytes;
	struct allowedips_node **chunks;
	size_t nchunks, chunks_cap;
	/* Freed nodes, chained through bit[0], and the next never-used index. */
	uint32_t free_list, top;
	size_t free_count;
	/*
	 * The IPv4 lookup directory: built once the table holds dir4_min IPv4 prefixes, dropped
	 * below half that; NULL before, or after an allocation for it failed.
	 */
	struct allowedips_dir4 *dir4;
	bool dir4_failed;
	size_t dir4_bytes, dir4_min, prefixes4;
};

/*
 * Below this many IPv4 prefixes, no directory: the trie is small enough to stay mostly in cache,
 * and on sparse prefixes each level-2 table (2 KiB) would hold one or two of them.
 */
enum { ALLOWEDIPS_DIR4_MIN = 1 << 18 };

void allowedips_init(struct allowedips *t);
/* Frees every node and leaves the owners that were in the table with empty lists. */
void allowedips_free(struct allowedips *t);
/* Where the IPv4 directory starts (ALLOWEDIPS_DIR4_MIN by default; 0 or 1: always). For tests. */
void allowedips_set_dir4_min(struct allowedips *t, size_t prefixes);
/* An all-zero owner is valid too. */
void allowedips_owner_init(struct allowedips_owner *o);

/*
 * Set aside nodes so that the next `inserts` insertions cannot fail with -ENOMEM: a
 * configuration change reserves first and then applies without a failure point. 0 or -ENOMEM.
 */
int allowedips_reserve(struct allowedips *t, size_t inserts);
/* Free the chunks above the highest node in use, or every chunk when the table is empty. */
void allowedips_unreserve(struct allowedips *t);

/*
 * addr is 4 bytes for AF_INET and 16 for AF_INET6, in network order; host bits below cidr are
 * ignored. An existing prefix moves to o (to the end of o's list). 0, -EINVAL or -ENOMEM.
 */
int allowedips_insert(struct allowedips *t, int family, const void *addr, uint8_t cidr,
		      struct allowedips_owner *o);
/* Removes the exact prefix if o owns it: 0, -ENOENT (absent or someone else's) or -EINVAL. */
int allowedips_remove(struct allowedips *t, int family, const void *addr, uint8_t cidr,
		      struct allowedips_owner *o);
void allowedips_remove_by_owner(struct allowedips *t, struct allowedips_owner *o);
/* Owner of the longest prefix containing addr, or NULL. */
struct allowedips_owner *allowedips_lookup(const struct allowedips *t, int family,
					   const void *addr);

/* An owner's prefixes in insertion order. Do not change the table while walking it. */
const struct allowedips_node *allowedips_owner_first(const struct allowedips_owner *o);
const struct allowedips_node *allowedips_owner_next(const struct allowedips_node *n);
/* Writes the masked prefix (4 or 16 bytes) and its length; returns AF_INET or AF_INET6. */
int allowedips_node_read(const struct allowedips_node *n, void *addr, uint8_t *cidr);
#define allowedips_for_each(n, o)                                                                  \
	for ((n) = allowedips_owner_first(o); (n); (n) = allowedips_owner_next(n))

/* Prefix and branch nodes in both tries; zero once every owner is removed. */
size_t allowedips_node_count(const struct allowedips *t);
/* Bytes of the nodes in use (nodes * node size). */
size_t allowedips_bytes(const struct allowedips *t);
/* Bytes of the IPv4 lookup directory's tables (allocated; the top level is touched sparsely). */
size_t allowedips_dir_bytes(const struct allowedips *t);
/* Bytes of the chunks allocated for nodes, in use, free or set aside. */
size_t allowedips_arena_bytes(const struct allowedips *t);
size_t allowedips_node_size(void);
/*
 * Walks both tries and checks every invariant (masked keys, parent links, growing prefix
 * lengths, no branch point with fewer than two children, node count): 0 or -EUCLEAN. For tests.
 */
int allowedips_check(const struct allowedips *t);

#endif
