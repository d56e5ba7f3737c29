// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "datapath/ratelimiter.h"
#include "util/mem.h"

#define NIL UINT32_MAX

/*
 * Entries live in one array allocated at init; chains and the free list link them by index.
 * A full /32 or the top 64 bits of a v6 address fit in 'ip'; 'family' tells the two apart.
 */
struct ratelimiter_entry {
	uint64_t ip;
	uint64_t last_time_ns;
	uint32_t tokens;
	uint32_t next;
	uint8_t family;
};

int ratelimiter_init(struct ratelimiter *rl, size_t max_entries,
		     const uint8_t key[RATELIMITER_KEY_SIZE])
{
	size_t nbuckets = 16;

	memset(rl, 0, sizeof(*rl));
	if (!max_entries || max_entries >= NIL)
		return -EINVAL;
	/* A load factor of at most one keeps chains short even when the table is full. */
	while (nbuckets < max_entries)
		nbuckets <<= 1;
	rl->entries = calloc(max_entries, sizeof(*rl->entries));
	rl->buckets = malloc(nbuckets * sizeof(*rl->buckets));
	if (!rl->entries || !rl->buckets) {
		free(rl->entries);
		free(rl->buckets);
		memset(rl, 0, sizeof(*rl));
		return -ENOMEM;
	}
	for (size_t i = 0; i < nbuckets; ++i)
		rl->buckets[i] = NIL;
	for (size_t i = 0; i < max_entries; ++i)
		rl->entries[i].next = i + 1 < max_entries ? (uint32_t)(i + 1) : NIL;
	rl->free = 0;
	rl->bucket_mask = (uint32_t)(nbuckets - 1);
	rl->max_entries = max_entries;
	siphash_key_init(&rl->key, key);
	return 0;
}

void ratelimiter_uninit(struct ratelimiter *rl)
{
	free(rl->entries);
	free(rl->buckets);
	memzero_explicit(&rl->key, sizeof(rl->key));
	memset(rl, 0, sizeof(*rl));
}

static bool make_key(int family, const void *addr, uint64_t *ip)
{
	uint32_t a4;

	if (family == AF_INET) {
		memcpy(&a4, addr, sizeof(a4));
		*ip = a4;
		return true;
	}
	if (family == AF_INET6) {
		/* One /64 is one customer: its hosts share a bucket. */
		memcpy(ip, addr, sizeof(*ip));
		return true;
	}
	return false;
}

static uint32_t *bucket_of(struct ratelimiter *rl, int family, uint64_t ip)
{
	uint8_t in[9];

	memcpy(in, &ip, sizeof(ip));
	in[8] = (uint8_t)family;
	return &rl->buckets[siphash(in, sizeof(in), &rl->key) & rl->bucket_mask];
}

bool ratelimiter_allow(struct ratelimiter *rl, int family, const void *addr, uint64_t now_ns)
{
	struct ratelimiter_entry *e;
	uint32_t *bucket, idx;
	uint64_t ip, tokens;

	if (!rl->entries || !make_key(family, addr, &ip))
		return false;
	bucket = bucket_of(rl, family, ip);
	for (idx = *bucket; idx != NIL; idx = e->next) {
		e = &rl->entries[idx];
		if (e->ip != ip || e->family != family)
			continue;
		tokens = e->tokens;
		/* A clock that steps backwards earns nothing rather than a wrapped fortune. */
		if (now_ns > e->last_time_ns) {
			tokens += now_ns - e->last_time_ns;
			if (tokens > RATELIMITER_TOKEN_MAX)
				tokens = RATELIMITER_TOKEN_MAX;
			e->last_time_ns = now_ns;
		}
		if (tokens < RATELIMITER_PACKET_COST) {
			e->tokens = (uint32_t)tokens;
			return false;
		}
		e->tokens = (uint32_t)(tokens - RATELIMITER_PACKET_COST);
		return true;
	}

	if (rl->free == NIL)
		return false;
	idx = rl->free;
	e = &rl->entries[idx];
	rl->free = e->next;
	e->ip = ip;
	e->family = (uint8_t)family;
	e->last_time_ns = now_ns;
	e->tokens = RATELIMITER_TOKEN_MAX - RATELIMITER_PACKET_COST;
	e->next = *bucket;
	*bucket = idx;
	++rl->count;
	return true;
}

void ratelimiter_gc(struct ratelimiter *rl, uint64_t now_ns)
{
	uint32_t *link, idx;
	struct ratelimiter_entry *e;

	if (!rl->entries)
		return;
	for (size_t b = 0; rl->count && b <= rl->bucket_mask; ++b) {
		link = &rl->buckets[b];
		while ((idx = *link) != NIL) {
			e = &rl->entries[idx];
			if (now_ns > e->last_time_ns &&
			    now_ns - e->last_time_ns > RATELIMITER_IDLE_NS) {
				*link = e->next;
				e->next = rl->free;
				rl->free = idx;
				--rl->count;
			} else {
				link = &e->next;
			}
		}
	}
}

size_t ratelimiter_count(const struct ratelimiter *rl)
{
	return rl->count;
}
