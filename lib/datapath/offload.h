/* SPDX-License-Identifier: MIT */
/*
 * The TUN side of segmentation offload, as pure functions over buffers. With IFF_VNET_HDR and
 * TUNSETOFFLOAD the kernel hands over TCP (and UDP) packets of up to 64 KB whose checksum is left
 * to be completed; they are cut here into the segments the kernel would have sent, each with
 * correct lengths, sequence numbers and checksums, before encryption. In the other direction,
 * decrypted TCP segments of one flow are planned into one large packet for a single TUN write
 * (the kernel's GRO, done before the kernel sees them).
 */
#ifndef WGCTL_DATAPATH_OFFLOAD_H
#define WGCTL_DATAPATH_OFFLOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum dp_gso_type { DP_GSO_NONE, DP_GSO_TCP, DP_GSO_UDP };

/* What the kernel says of one packet (struct virtio_net_hdr, in host order). */
struct dp_offload {
	uint8_t gso;       /* enum dp_gso_type */
	bool needs_csum;   /* the L4 checksum holds only the pseudo-header's sum */
	uint16_t gso_size; /* payload bytes per segment */
	uint16_t hdr_len;  /* L3 and L4 headers (given with gso, for the TUN write) */
	uint16_t csum_start, csum_offset;
};

/* The ones' complement sum of buf added to sum (RFC 1071, in memory byte order), not folded. */
uint32_t csum_add(uint32_t sum, const void *buf, size_t len);
/* The 16-bit ones' complement of the folded sum, ready to store. */
uint16_t csum_fold(uint32_t sum);

/* Completes a needs_csum packet's checksum in place. 0 or -EINVAL. */
int offload_complete_csum(uint8_t *pkt, size_t len, const struct dp_offload *o);

/* A large packet checked and ready to be cut; segments are then independent of each other. */
struct offload_split {
	const uint8_t *pkt;
	size_t len;
	size_t l4, hdr_len; /* offsets of the L4 header and of the payload */
	unsigned int count, gso_size;
	uint8_t family, proto;
};

/* Checks pkt against o (gso TCP or UDP). 0 or -EINVAL. */
int offload_split_init(struct offload_split *s, const uint8_t *pkt, size_t len,
		       const struct dp_offload *o);
/* The length of segment i (< s->count). */
size_t offload_split_len(const struct offload_split *s, unsigned int i);
/* Writes segment i (< s->count) to out (room for hdr_len + gso_size); returns its length. */
size_t offload_split_segment(const struct offload_split *s, unsigned int i, uint8_t *out);

/* Decrypted packets, in arrival order, to be written to the TUN. */
struct gro_pkt {
	uint8_t *buf;
	size_t len;
	uint32_t next;    /* the following member of its group, GRO_END for the last */
	uint32_t payload; /* TCP payload bytes (coalescable packets only) */
};

/* A group to write: head and its followers' payloads, the head's headers rewritten. */
struct gro_group {
	uint32_t head;
	uint32_t count;
	size_t len; /* head's length once rewritten: headers plus every member's payload */
};

#define GRO_END UINT32_MAX
/* Members of one group at most, as the kernel's GRO. */
enum { GRO_MAX_SEGMENTS = 64 };

/*
 * Plans pkts[0..n) into groups (written to groups, at most n) in the order of their first
 * packets; each flow's packets keep their order. Returns the number of groups.
 */
size_t gro_plan(struct gro_pkt *pkts, size_t n, struct gro_group *groups);
/*
 * For a group of more than one: rewrites the head's IP and TCP headers for the whole group and
 * describes it in *o (TCP, needs_csum, the head's header length) for the TUN write.
 */
void gro_finish(struct gro_pkt *pkts, const struct gro_group *g, struct dp_offload *o);

#endif
