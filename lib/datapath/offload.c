// SPDX-License-Identifier: MIT
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "datapath/offload.h"
#include "util/bytes.h"

enum {
	IPPROTO_TCP_ = 6,
	IPPROTO_UDP_ = 17,
	TCP_FIN = 0x01,
	TCP_SYN = 0x02,
	TCP_RST = 0x04,
	TCP_PSH = 0x08,
	TCP_ACK = 0x10,
	TCP_URG = 0x20,
	TCP_ECE = 0x40,
	TCP_CWR = 0x80,
	TCP_CSUM_OFFSET = 16,
	UDP_CSUM_OFFSET = 6,
	/* Open flows tracked per batch; a flow beyond them starts a new group. */
	GRO_FLOWS = 16,
	MAX_L3_LEN = 65535,
};

static uint16_t fold16(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

uint16_t csum_fold(uint32_t sum)
{
	return (uint16_t)~fold16(sum);
}

/* Source and destination addresses, protocol and L4 length, as the TCP/UDP checksum covers them. */
static uint32_t pseudo_sum(const uint8_t *pkt, uint8_t family, uint8_t proto, size_t l4_len)
{
	uint32_t sum = family == AF_INET ? csum_add(0, pkt + 12, 8) : csum_add(0, pkt + 8, 32);

	sum = csum_add(sum, (uint16_t[]){ htons(proto) }, 2);
	return csum_add(sum, (uint16_t[]){ htons((uint16_t)l4_len) }, 2);
}

static void ip4_set_csum(uint8_t *pkt, size_t ihl)
{
	uint16_t c;

	pkt[10] = pkt[11] = 0;
	c = csum_fold(csum_add(0, pkt, ihl));
	memcpy(pkt + 10, &c, 2);
}

int offload_complete_csum(uint8_t *pkt, size_t len, const struct dp_offload *o)
{
	size_t field = (size_t)o->csum_start + o->csum_offset;
	uint16_t c;

	if (o->csum_start >= len || field + 2 > len)
		return -EINVAL;
	c = csum_fold(csum_add(0, pkt + o->csum_start, len - o->csum_start));
	/* A zero UDP checksum means none, so a computed zero is sent as its complement. */
	if (!c && o->csum_offset == UDP_CSUM_OFFSET)
		c = 0xffff;
	memcpy(pkt + field, &c, 2);
	return 0;
}

int offload_split_init(struct offload_split *s, const uint8_t *pkt, size_t len,
		       const struct dp_offload *o)
{
	size_t l4, l4h;

	memset(s, 0, sizeof(*s));
	if (len < 20 || o->gso_size == 0)
		return -EINVAL;
	if (pkt[0] >> 4 == 4) {
		l4 = (size_t)(pkt[0] & 15) * 4;
		s->family = AF_INET;
		s->proto = pkt[9];
	} else if (pkt[0] >> 4 == 6) {
		l4 = 40;
		s->family = AF_INET6;
		s->proto = len >= 40 ? pkt[6] : 0;
	} else {
		return -EINVAL;
	}
	if (l4 < 20 || l4 != o->csum_start)
		return -EINVAL;
	if (o->gso == DP_GSO_TCP && s->proto == IPPROTO_TCP_ && l4 + 20 <= len)
		l4h = (size_t)(pkt[l4 + 12] >> 4) * 4;
	else if (o->gso == DP_GSO_UDP && s->proto == IPPROTO_UDP_)
		l4h = 8;
	else
		return -EINVAL;
	if (l4h < (s->proto == IPPROTO_TCP_ ? 20u : 8u) || l4 + l4h >= len)
		return -EINVAL;
	s->pkt = pkt;
	s->len = len;
	s->l4 = l4;
	s->hdr_len = l4 + l4h;
	s->gso_size = o->gso_size;
	s->count = (unsigned int)((len - s->hdr_len + o->gso_size - 1) / o->gso_size);
	if (s->hdr_len + o->gso_size > MAX_L3_LEN)
		return -EINVAL;
	return 0;
}

size_t offload_split_len(const struct offload_split *s, unsigned int i)
{
	size_t off = s->hdr_len + (size_t)i * s->gso_size;

	return s->hdr_len + (s->len - off < s->gso_size ? s->len - off : s->gso_size);
}

size_t offload_split_segment(const struct offload_split *s, unsigned int i, uint8_t *out)
{
	size_t off = s->hdr_len + (size_t)i * s->gso_size;
	size_t plen = s->len - off < s->gso_size ? s->len - off : s->gso_size;
	size_t seglen = s->hdr_len + plen, l4 = s->l4;
	bool last = i + 1 == s->count;
	uint16_t c;

	memcpy(out, s->pkt, s->hdr_len);
	memcpy(out + s->hdr_len, s->pkt + off, plen);
	if (s->family == AF_INET) {
		put_be16(out + 2, (uint16_t)seglen);
		put_be16(out + 4, (uint16_t)(get_be16(out + 4) + i));
		ip4_set_csum(out, l4);
	} else {
		put_be16(out + 4, (uint16_t)(seglen - 40));
	}
	if (s->proto == IPPROTO_TCP_) {
		put_be32(out + l4 + 4, get_be32(out + l4 + 4) + i * s->gso_size);
		if (!last)
			out[l4 + 13] &= (uint8_t) ~(TCP_FIN | TCP_PSH);
		if (i)
			out[l4 + 13] &= (uint8_t)~TCP_CWR;
		out[l4 + 16] = out[l4 + 17] = 0;
		c = csum_fold(csum_add(pseudo_sum(out, s->family, s->proto, seglen - l4), out + l4,
				       seglen - l4));
		memcpy(out + l4 + TCP_CSUM_OFFSET, &c, 2);
	} else {
		put_be16(out + l4 + 4, (uint16_t)(seglen - l4));
		out[l4 + 6] = out[l4 + 7] = 0;
		c = csum_fold(csum_add(pseudo_sum(out, s->family, s->proto, seglen - l4), out + l4,
				       seglen - l4));
		if (!c)
			c = 0xffff;
		memcpy(out + l4 + UDP_CSUM_OFFSET, &c, 2);
	}
	return seglen;
}

/* The TCP header's offset if pkt is a plain data segment that may be coalesced, else 0. */
static size_t tcp_candidate(const uint8_t *p, size_t len, uint32_t *payload)
{
	size_t l4, thl;

	if (len >= 20 && p[0] == 0x45) {
		/* No fragments; options-free headers only, so headers compare byte for byte. */
		if (p[9] != IPPROTO_TCP_ || (get_be16(p + 6) & 0x3fff) || get_be16(p + 2) != len)
			return 0;
		l4 = 20;
	} else if (len >= 40 && p[0] >> 4 == 6) {
		if (p[6] != IPPROTO_TCP_ || (size_t)get_be16(p + 4) + 40 != len)
			return 0;
		l4 = 40;
	} else {
		return 0;
	}
	if (len < l4 + 20)
		return 0;
	thl = (size_t)(p[l4 + 12] >> 4) * 4;
	if (thl < 20 || len <= l4 + thl)
		return 0;
	if ((p[l4 + 13] & ~TCP_PSH) != TCP_ACK)
		return 0;
	*payload = (uint32_t)(len - l4 - thl);
	return l4;
}

struct flow {
	uint32_t group, tail, count;
	uint32_t next_seq;
	size_t l4, total;
	bool open;
};

/* Whether b may follow the flow's last packet a: same headers but for lengths, ID, seq, PSH. */
static bool can_follow(const struct flow *f, const struct gro_pkt *a, const struct gro_pkt *b,
		       size_t l4, uint32_t gso_size)
{
	const uint8_t *x = a->buf, *y = b->buf;
	size_t thl = (size_t)(x[l4 + 12] >> 4) * 4;

	if (!f->open || l4 != f->l4 || b->payload > gso_size ||
	    f->total + b->payload > MAX_L3_LEN || f->count >= GRO_MAX_SEGMENTS)
		return false;
	if (l4 == 20) {
		if (memcmp(x, y, 2) || memcmp(x + 6, y + 6, 4) || memcmp(x + 12, y + 12, 8))
			return false;
	} else if (memcmp(x, y, 4) || memcmp(x + 6, y + 6, 34)) {
		return false;
	}
	if (get_be32(y + l4 + 4) != f->next_seq || (size_t)(y[l4 + 12] >> 4) * 4 != thl)
		return false;
	/* Ports, ack, offset and flags (PSH aside), window, urgent pointer, options. */
	return !memcmp(x + l4, y + l4, 4) && !memcmp(x + l4 + 8, y + l4 + 8, 5) &&
	       !((x[l4 + 13] ^ y[l4 + 13]) & ~TCP_PSH) && !memcmp(x + l4 + 14, y + l4 + 14, 2) &&
	       !memcmp(x + l4 + 18, y + l4 + 18, thl - 18);
}

static bool same_flow(const uint8_t *x, const uint8_t *y, size_t l4)
{
	if (l4 == 20)
		return !memcmp(x + 12, y + 12, 8) && !memcmp(x + 20, y + 20, 4);
	return !memcmp(x + 8, y + 8, 32) && !memcmp(x + 40, y + 40, 4);
}

size_t gro_plan(struct gro_pkt *pkts, size_t n, struct gro_group *groups)
{
	struct flow flows[GRO_FLOWS];
	size_t ng = 0, nf = 0, victim = 0;

	for (size_t i = 0; i < n; ++i) {
		struct gro_pkt *p = &pkts[i];
		size_t l4 = tcp_candidate(p->buf, p->len, &p->payload);
		struct flow *f = NULL;

		p->next = GRO_END;
		for (size_t k = 0; l4 && k < nf; ++k) {
			if (flows[k].l4 == l4 && same_flow(pkts[flows[k].tail].buf, p->buf, l4)) {
				f = &flows[k];
				break;
			}
		}
		if (f) {
			struct gro_pkt *tail = &pkts[f->tail];
			uint32_t gso = pkts[groups[f->group].head].payload;

			if (can_follow(f, tail, p, l4, gso)) {
				tail->next = (uint32_t)i;
				f->tail = (uint32_t)i;
				f->total += p->payload;
				f->next_seq += p->payload;
				f->count++;
				groups[f->group].count++;
				groups[f->group].len = f->total;
				/* A short or pushed segment ends what the receiver may merge. */
				if (p->payload < gso || (p->buf[l4 + 13] & TCP_PSH))
					f->open = false;
				continue;
			}
		} else if (l4) {
			if (nf < GRO_FLOWS)
				f = &flows[nf++];
			else
				f = &flows[victim++ % GRO_FLOWS];
		}
		groups[ng] = (struct gro_group){ .head = (uint32_t)i, .count = 1, .len = p->len };
		if (f) {
			*f = (struct flow){
				.group = (uint32_t)ng,
				.tail = (uint32_t)i,
				.next_seq = get_be32(p->buf + l4 + 4) + p->payload,
				.l4 = l4,
				.total = p->len,
				.count = 1,
				.open = !(p->buf[l4 + 13] & TCP_PSH),
			};
		}
		++ng;
	}
	return ng;
}

void gro_finish(struct gro_pkt *pkts, const struct gro_group *g, struct dp_offload *o)
{
	struct gro_pkt *h = &pkts[g->head], *p = h;
	uint8_t *b = h->buf;
	size_t l4 = b[0] >> 4 == 4 ? 20 : 40;
	uint16_t c;

	while (p->next != GRO_END)
		p = &pkts[p->next];
	b[l4 + 13] |= p->buf[l4 + 13] & TCP_PSH;
	if (l4 == 20) {
		put_be16(b + 2, (uint16_t)g->len);
		ip4_set_csum(b, 20);
	} else {
		put_be16(b + 4, (uint16_t)(g->len - 40));
	}
	/* needs_csum: the field holds the pseudo-header's sum, which the kernel completes. */
	c = fold16(pseudo_sum(b, l4 == 20 ? AF_INET : AF_INET6, IPPROTO_TCP_, g->len - l4));
	memcpy(b + l4 + TCP_CSUM_OFFSET, &c, 2);
	*o = (struct dp_offload){
		.gso = DP_GSO_TCP,
		.needs_csum = true,
		.gso_size = (uint16_t)h->payload,
		.hdr_len = (uint16_t)(h->len - h->payload),
		.csum_start = (uint16_t)l4,
		.csum_offset = TCP_CSUM_OFFSET,
	};
}
