/* SPDX-License-Identifier: MIT */
/* The little of IPv4 and IPv6 headers the datapath reads: version, length and addresses. */
#ifndef WGCTL_DATAPATH_IP_H
#define WGCTL_DATAPATH_IP_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include "model/model.h"

enum { IP4_HEADER_LEN = 20, IP6_HEADER_LEN = 40 };

/* The family of the packet and its destination (for routing), or -1 if it is not IP. */
static inline int ip_packet_dst(const uint8_t *p, size_t len, union wg_ip *dst)
{
	if (len >= IP4_HEADER_LEN && p[0] >> 4 == 4) {
		memcpy(&dst->ip4, p + 16, 4);
		return AF_INET;
	}
	if (len >= IP6_HEADER_LEN && p[0] >> 4 == 6) {
		memcpy(&dst->ip6, p + 24, 16);
		return AF_INET6;
	}
	return -1;
}

/*
 * For a decrypted packet: the family, its source, and in *len the length its header claims, so
 * that padding can be cut off. -1 when it is not IP or claims more bytes than arrived.
 */
static inline int ip_packet_src(const uint8_t *p, size_t *len, union wg_ip *src)
{
	size_t claimed;

	if (*len >= IP4_HEADER_LEN && p[0] >> 4 == 4) {
		claimed = (size_t)p[2] << 8 | p[3];
		if (claimed < IP4_HEADER_LEN || claimed > *len)
			return -1;
		memcpy(&src->ip4, p + 12, 4);
		*len = claimed;
		return AF_INET;
	}
	if (*len >= IP6_HEADER_LEN && p[0] >> 4 == 6) {
		claimed = IP6_HEADER_LEN + ((size_t)p[4] << 8 | p[5]);
		if (claimed > *len)
			return -1;
		memcpy(&src->ip6, p + 8, 16);
		*len = claimed;
		return AF_INET6;
	}
	return -1;
}

#endif
