/* SPDX-License-Identifier: MIT */
/*
 * Per-source handshake rate limiter, consulted only for initiations that carry a valid MAC2 while
 * the device is under load. A token bucket per source: 20 packets/s with a burst of 5, IPv4 keyed
 * by the /32, IPv6 by the /64. Sans-I/O: time is CLOCK_BOOTTIME nanoseconds passed in by the
 * caller, and the table is allocated once by ratelimiter_init() and never grows.
 *
 * Not thread-safe; the caller serialises access.
 */
#ifndef WGCTL_DATAPATH_RATELIMITER_H
#define WGCTL_DATAPATH_RATELIMITER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "noise/siphash.h"

enum {
	RATELIMITER_PACKETS_PER_SECOND = 20,
	RATELIMITER_PACKETS_BURSTABLE = 5,
	RATELIMITER_KEY_SIZE = SIPHASH_KEY_SIZE,
};

#define RATELIMITER_NSEC_PER_SEC 1000000000ULL
#define RATELIMITER_PACKET_COST  (RATELIMITER_NSEC_PER_SEC / RATELIMITER_PACKETS_PER_SECOND)
#define RATELIMITER_TOKEN_MAX    (RATELIMITER_PACKET_COST * RATELIMITER_PACKETS_BURSTABLE)
/* Entries idle for longer than this are dropped by ratelimiter_gc(). */
#define RATELIMITER_IDLE_NS RATELIMITER_NSEC_PER_SEC
/* The kernel's cap: 8 entries per bucket of an 8192-bucket table. */
#define RATELIMITER_DEFAULT_MAX_ENTRIES 65536

struct ratelimiter_entry;

struct ratelimiter {
	struct siphash_key key;
	struct ratelimiter_entry *entries;
	uint32_t *buckets;
	uint32_t bucket_mask;
	uint32_t free;
	size_t max_entries;
	size_t count;
};

/* Allocates room for max_entries sources; 0, -EINVAL or -ENOMEM. key should be random. */
int ratelimiter_init(struct ratelimiter *rl, size_t max_entries,
		     const uint8_t key[RATELIMITER_KEY_SIZE]);
void ratelimiter_uninit(struct ratelimiter *rl);
/*
 * Charges one packet to the source addr (4 bytes for AF_INET, 16 for AF_INET6) at now_ns.
 * Returns false when its bucket is empty, when the table is full and addr is a new source, and
 * for an unknown family.
 */
bool ratelimiter_allow(struct ratelimiter *rl, int family, const void *addr, uint64_t now_ns);
/* Call about once a second: forgets sources idle for more than RATELIMITER_IDLE_NS. */
void ratelimiter_gc(struct ratelimiter *rl, uint64_t now_ns);
size_t ratelimiter_count(const struct ratelimiter *rl);

#endif
