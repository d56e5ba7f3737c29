// SPDX-License-Identifier: MIT
/*
 * Segmentation and coalescing against naive references: checksums recomputed word by word
 * (RFC 1071), every segment checked field by field, and coalescing round-tripped through
 * segmentation back to the same bytes.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <sys/socket.h>

#include "datapath/offload.h"
#include "prng.h"
#include "tap.h"

enum { BIG = 65535 };

static uint8_t big[BIG + 64], seg[BIG + 64], seg2[BIG + 64];

static uint32_t be16(const uint8_t *p)
{
	return (uint32_t)p[0] << 8 | p[1];
}

static uint32_t be32(const uint8_t *p)
{
	return be16(p) << 16 | be16(p + 2);
}

/* RFC 1071, big-endian 16-bit words: the sum over data that includes its checksum is 0xffff. */
static uint32_t naive_sum(uint32_t sum, const uint8_t *p, size_t len)
{
	for (size_t i = 0; i + 1 < len; i += 2)
		sum += be16(p + i);
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return sum;
}

static bool l4_csum_ok(const uint8_t *p, size_t len, size_t l4, uint8_t proto)
{
	uint32_t sum = 0;

	if (p[0] >> 4 == 4)
		sum = naive_sum(0, p + 12, 8);
	else
		sum = naive_sum(0, p + 8, 32);
	sum += proto + (uint32_t)(len - l4);
	return naive_sum(sum, p + l4, len - l4) == 0xffff;
}

/* A large packet as the kernel hands it over: needs_csum with the pseudo-header sum filled in. */
static size_t make_big(int family, uint8_t proto, size_t payload, uint8_t flags, size_t opts,
		       struct dp_offload *o, uint16_t gso)
{
	size_t l3 = family == AF_INET ? 20 : 40, l4h = proto == 6 ? 20 + opts : 8;
	size_t len = l3 + l4h + payload;
	uint32_t sum;
	uint16_t c;

	memset(big, 0, l3 + l4h);
	if (family == AF_INET) {
		big[0] = 0x45;
		big[2] = (uint8_t)(len >> 8), big[3] = (uint8_t)len;
		big[4] = 0x12, big[5] = 0x34;
		big[6] = 0x40; /* DF */
		big[8] = 64;
		big[9] = proto;
		rnd_bytes(big + 12, 8);
	} else {
		big[0] = 0x60;
		big[4] = (uint8_t)((len - 40) >> 8), big[5] = (uint8_t)(len - 40);
		big[6] = proto;
		big[7] = 64;
		rnd_bytes(big + 8, 32);
	}
	rnd_bytes(big + l3, 4); /* ports */
	if (proto == 6) {
		rnd_bytes(big + l3 + 4, 8); /* seq, ack */
		big[l3 + 12] = (uint8_t)((l4h / 4) << 4);
		big[l3 + 13] = flags;
		big[l3 + 14] = 0x01, big[l3 + 15] = 0xf5;
		rnd_bytes(big + l3 + 20, opts);
	} else {
		big[l3 + 4] = (uint8_t)((len - l3) >> 8), big[l3 + 5] = (uint8_t)(len - l3);
	}
	rnd_bytes(big + l3 + l4h, payload);
	sum = family == AF_INET ? csum_add(0, big + 12, 8) : csum_add(0, big + 8, 32);
	sum = csum_add(sum, (uint16_t[]){ htons(proto) }, 2);
	sum = csum_add(sum, (uint16_t[]){ htons((uint16_t)(len - l3)) }, 2);
	c = (uint16_t)~csum_fold(sum);
	memcpy(big + l3 + (proto == 6 ? 16 : 6), &c, 2);
	*o = (struct dp_offload){
		.gso = gso ? (proto == 6 ? DP_GSO_TCP : DP_GSO_UDP) : DP_GSO_NONE,
		.needs_csum = true,
		.gso_size = gso,
		.csum_start = (uint16_t)l3,
		.csum_offset = proto == 6 ? 16 : 6,
	};
	return len;
}

static void test_csum(void)
{
	uint8_t buf[2000];
	bool all = true;

	for (int i = 0; i < 2000 && all; ++i) {
		size_t off = rnd() % 8, len = rnd() % 1500;
		uint16_t c;
		uint8_t *p = buf + off;

		rnd_bytes(p, len);
		c = csum_fold(csum_add(0, p, len));
		/* Stored in memory order, the complement makes the naive sum all ones... */
		memcpy(p + len + (len & 1), &c, 2);
		if (len & 1)
			p[len] = 0;
		all = naive_sum(0, p, len + (len & 1) + 2) == 0xffff;
	}
	ok(all, "csum_add/csum_fold agree with RFC 1071 over 2000 random buffers and alignments");
	memset(buf, 0xff, 64);
	ok(csum_fold(csum_add(0, buf, 64)) == 0, "all-ones data folds to a zero checksum");

	/* Up to a whole 64 KB super-packet, where the wide path's lanes carry the most. */
	static uint8_t wide[65536 + 8];
	all = true;
	for (int i = 0; i < 300 && all; ++i) {
		size_t off = rnd() % 8, len = i < 20 ? 65535 - (size_t)i : rnd() % 65536;

		if (i % 3 == 0)
			memset(wide + off, 0xff, len);
		else
			rnd_bytes(wide + off, len);
		/* Memory order on this little-endian host: the byte swap of the network-order sum.
		 */
		all = csum_fold(csum_add(0, wide + off, len)) ==
		      (uint16_t)~__builtin_bswap16((uint16_t)naive_sum(0, wide + off, len));
		if (!all)
			printf("# csum len %zu off %zu\n", len, off);
	}
	ok(all, "csum_add agrees with RFC 1071 up to 65535 bytes, random and all-ones");
}

/* Every segment checked against the large packet it came from; only a failure is printed. */
static bool check_segments(const struct offload_split *s, const struct dp_offload *o, size_t len,
			   const char *what)
{
	size_t l3 = s->l4, hdr = s->hdr_len, total = 0;
	uint8_t flags = s->proto == 6 ? big[l3 + 13] : 0;

	for (unsigned int i = 0; i < s->count; ++i) {
		size_t n = offload_split_segment(s, i, seg), plen = n - hdr;
		bool last = i + 1 == s->count;
		bool good = n == offload_split_len(s, i) &&
			    plen == (last ? len - hdr - (size_t)i * o->gso_size : o->gso_size) &&
			    !memcmp(seg + hdr, big + hdr + (size_t)i * o->gso_size, plen) &&
			    l4_csum_ok(seg, n, l3, s->proto);

		if (s->family == AF_INET)
			good = good && be16(seg + 2) == n && naive_sum(0, seg, 20) == 0xffff &&
			       be16(seg + 4) == ((be16(big + 4) + i) & 0xffff) &&
			       !memcmp(seg + 6, big + 6, 4) && !memcmp(seg + 12, big + 12, 8);
		else
			good = good && be16(seg + 4) == n - 40 && !memcmp(seg + 6, big + 6, 34);
		if (s->proto == 6) {
			uint8_t want = flags;

			if (!last)
				want &= (uint8_t)~0x09;
			if (i)
				want &= (uint8_t)~0x80;
			good = good && be32(seg + l3 + 4) == be32(big + l3 + 4) + i * o->gso_size &&
			       seg[l3 + 13] == want && !memcmp(seg + l3 + 8, big + l3 + 8, 4) &&
			       !memcmp(seg + l3 + 18, big + l3 + 18, hdr - l3 - 18);
		} else {
			good = good && be16(seg + l3 + 4) == n - l3;
		}
		if (!good) {
			printf("# %s: segment %u of %u is wrong\n", what, i, s->count);
			return false;
		}
		total += plen;
	}
	return total == len - hdr;
}

static void test_split(void)
{
	static const struct {
		int family;
		uint8_t proto, flags;
		size_t payload, opts;
		uint16_t gso;
		const char *what;
	} cases[] = {
		{ AF_INET, 6, 0x18, 64000, 12, 1368, "TCPv4 64000 bytes, PSH, timestamps" },
		{ AF_INET, 6, 0x99, 5000, 0, 1380,
		  "TCPv4 FIN|PSH|CWR: FIN and PSH last, CWR first" },
		{ AF_INET6, 6, 0x10, 65000, 12, 1348, "TCPv6 65000 bytes" },
		{ AF_INET6, 6, 0x10, 1348, 12, 1348, "TCPv6 exactly one segment" },
		{ AF_INET, 17, 0, 30001, 0, 1400, "UDPv4 (USO) odd length" },
		{ AF_INET6, 17, 0, 9000, 0, 1000, "UDPv6 (USO)" },
	};
	struct offload_split s;
	struct dp_offload o;
	size_t len;
	int i;

	for (i = 0; i < (int)(sizeof(cases) / sizeof(cases[0])); ++i) {
		len = make_big(cases[i].family, cases[i].proto, cases[i].payload, cases[i].flags,
			       cases[i].opts, &o, cases[i].gso);
		ok(offload_split_init(&s, big, len, &o) == 0 &&
			   check_segments(&s, &o, len, cases[i].what),
		   "%s: %u segments, every field and checksum right", cases[i].what, s.count);
	}
	for (i = 0; i < 200; ++i) {
		bool v6 = rnd() & 1, tcp = rnd() % 3;
		size_t payload = 1 + rnd() % 60000;

		len = make_big(v6 ? AF_INET6 : AF_INET, tcp ? 6 : 17, payload, 0x10,
			       tcp ? 4 * (rnd() % 10) : 0, &o, (uint16_t)(100 + rnd() % 1400));
		if (offload_split_init(&s, big, len, &o) || !check_segments(&s, &o, len, "random"))
			break;
	}
	ok(i == 200, "200 random packets (v4/v6, TCP with options, UDP, any gso_size) cut right");
	len = make_big(AF_INET, 6, 3000, 0x10, 0, &o, 1000);
	o.csum_start = 24;
	ok(offload_split_init(&s, big, len, &o) == -EINVAL,
	   "a csum_start past the IP header is refused");
	o.csum_start = 20;
	o.gso_size = 0;
	ok(offload_split_init(&s, big, len, &o) == -EINVAL, "a zero gso_size is refused");
	o.gso_size = 1000;
	o.gso = DP_GSO_UDP;
	ok(offload_split_init(&s, big, len, &o) == -EINVAL,
	   "a UDP request on a TCP packet is refused");
	o.gso = DP_GSO_TCP;
	ok(offload_split_init(&s, big, 40, &o) == -EINVAL, "headers without payload are refused");
	big[32] = 0xf0;
	ok(offload_split_init(&s, big, 70, &o) == -EINVAL,
	   "a TCP header longer than the packet is refused");
}

static void test_complete(void)
{
	struct dp_offload o;
	size_t len;

	len = make_big(AF_INET, 6, 777, 0x18, 12, &o, 0);
	ok(offload_complete_csum(big, len, &o) == 0 && l4_csum_ok(big, len, 20, 6),
	   "a needs_csum TCPv4 packet is completed to a valid checksum");
	len = make_big(AF_INET6, 17, 333, 0, 0, &o, 0);
	ok(offload_complete_csum(big, len, &o) == 0 && l4_csum_ok(big, len, 40, 17),
	   "a needs_csum UDPv6 packet is completed to a valid checksum");
	o.csum_start = (uint16_t)len;
	ok(offload_complete_csum(big, len, &o) == -EINVAL, "a csum_start past the end is refused");
}

/* Cuts big into pkts (copies in pool), as if each had arrived decrypted. */
static size_t cut(struct gro_pkt *pkts, uint8_t *pool, size_t len, const struct dp_offload *o)
{
	struct offload_split s;
	size_t used = 0;

	if (offload_split_init(&s, big, len, o))
		return 0;
	for (unsigned int i = 0; i < s.count; ++i) {
		pkts[i].buf = pool + used;
		pkts[i].len = offload_split_segment(&s, i, pool + used);
		used += pkts[i].len;
	}
	return s.count;
}

static void test_gro(void)
{
	static uint8_t pool[2][BIG * 2], orig[BIG * 2];
	struct gro_pkt pkts[256], mixed[256], fewer[256];
	struct gro_group groups[256];
	struct dp_offload o, back;
	size_t n, len, hdr, ng;

	for (int v = 0; v < 2; ++v) {
		int family = v ? AF_INET6 : AF_INET;
		const char *name = v ? "TCPv6" : "TCPv4";
		size_t l3 = v ? 40 : 20, total = 0;

		len = make_big(family, 6, 40000, 0x18, 12, &o, 1368);
		n = cut(pkts, pool[0], len, &o);
		ng = gro_plan(pkts, n, groups);
		ok(ng == 1 && groups[0].count == n,
		   "%s: %zu segments of one flow plan as one group", name, n);
		memcpy(orig, pool[0], len + (n - 1) * (l3 + 32));
		gro_finish(pkts, &groups[0], &back);
		hdr = back.hdr_len;
		memcpy(seg2, pkts[0].buf, pkts[0].len);
		total = pkts[0].len;
		for (uint32_t i = pkts[0].next; i != GRO_END; i = pkts[i].next) {
			memcpy(seg2 + total, pkts[i].buf + pkts[i].len - pkts[i].payload,
			       pkts[i].payload);
			total += pkts[i].payload;
		}
		ok(total == groups[0].len && total == len && hdr == l3 + 32 &&
			   back.gso == DP_GSO_TCP && back.needs_csum && back.gso_size == 1368 &&
			   back.csum_start == l3 && back.csum_offset == 16,
		   "%s: the group is as long as the original and described as TCP GSO", name);
		ok(!memcmp(seg2 + hdr, big + hdr, len - hdr) && seg2[l3 + 13] == 0x18,
		   "%s: payloads in order, PSH of the last on the head", name);
		memcpy(big, seg2, total);
		n = cut(pkts, pool[1], len, &back);
		offload_complete_csum(seg2, total, &back);
		ok(n == groups[0].count && l4_csum_ok(seg2, total, l3, 6),
		   "%s: coalesced, its pseudo-header sum completes to a valid checksum", name);
		ok(n == groups[0].count && !memcmp(orig, pool[1], len + (n - 1) * hdr),
		   "%s: cut again, the same %zu segments byte for byte", name, n);
	}

	/* Two flows interleaved with a UDP packet and a gap. */
	len = make_big(AF_INET, 6, 8 * 1000, 0x10, 0, &o, 1000);
	n = cut(pkts, pool[0], len, &o);
	len = make_big(AF_INET, 6, 8 * 1000, 0x10, 0, &o, 1000);
	cut(pkts + n, pool[1], len, &o);
	for (size_t i = 0, k = 0; i < 8; ++i) {
		mixed[k++] = pkts[i];
		mixed[k++] = pkts[n + i];
		if (i == 3) {
			len = make_big(AF_INET, 17, 100, 0, 0, &o, 0);
			mixed[k] = (struct gro_pkt){ .buf = seg, .len = len };
			memcpy(seg, big, len);
			++k;
		}
	}
	ng = gro_plan(mixed, 17, groups);
	ok(ng == 3 && groups[0].count == 8 && groups[1].count == 8 && groups[2].count == 1 &&
		   groups[0].head == 0 && groups[1].head == 1 && groups[2].head == 8,
	   "two interleaved flows and a UDP packet: three groups, in first-packet order");
	memcpy(fewer, mixed, 2 * sizeof(*mixed));
	memcpy(fewer + 2, mixed + 3, 14 * sizeof(*mixed));
	ng = gro_plan(fewer, 16, groups);
	ok(ng == 4 && groups[0].count == 1 && groups[2].head == 3 && groups[2].count == 6,
	   "a missing segment ends the group, the flow goes on in a new one");
}

static void test_gro_refusals(void)
{
	static uint8_t pool[BIG * 2];
	struct gro_pkt pkts[128];
	struct gro_group groups[128];
	struct dp_offload o;
	size_t n, len;
	uint32_t seq;

	len = make_big(AF_INET, 6, 4 * 1000, 0x10, 12, &o, 1000);
	n = cut(pkts, pool, len, &o);
	pkts[2].buf[20 + 25] ^= 1; /* a timestamp option */
	ok(gro_plan(pkts, n, groups) == 3 && groups[1].head == 2 && groups[1].count == 1,
	   "different TCP options start a new group");
	n = cut(pkts, pool, len, &o);
	pkts[1].buf[20 + 13] |= 0x08;
	ok(gro_plan(pkts, n, groups) == 2 && groups[0].count == 2,
	   "a PSH segment closes its group");
	n = cut(pkts, pool, len, &o);
	pkts[0].buf[20 + 13] |= 0x02;
	ok(gro_plan(pkts, n, groups) == 2 && groups[0].count == 1, "a SYN is not coalesced");
	len = make_big(AF_INET, 6, 4 * 1000 - 300, 0x10, 0, &o, 1000);
	n = cut(pkts, pool, len, &o);
	ok(n == 4 && gro_plan(pkts, n, groups) == 1 && groups[0].len == len,
	   "a short last segment joins its group");
	pkts[1].len -= 300;
	pkts[1].buf[2] = (uint8_t)(pkts[1].len >> 8), pkts[1].buf[3] = (uint8_t)pkts[1].len;
	seq = be32(pkts[2].buf + 24) - 300;
	pkts[2].buf[24] = (uint8_t)(seq >> 24), pkts[2].buf[25] = (uint8_t)(seq >> 16);
	pkts[2].buf[26] = (uint8_t)(seq >> 8), pkts[2].buf[27] = (uint8_t)seq;
	ok(gro_plan(pkts, 2, groups) == 1 && gro_plan(pkts, 3, groups) == 2 && groups[0].count == 2,
	   "after a short segment nothing more joins, even in sequence");
	len = make_big(AF_INET, 6, 65000, 0x10, 0, &o, 500);
	n = cut(pkts, pool, 100 * 500 + 40, &o);
	ok(gro_plan(pkts, n, groups) == 2 && groups[0].count == GRO_MAX_SEGMENTS,
	   "a group stops at GRO_MAX_SEGMENTS members");
}

int main(void)
{
	test_csum();
	test_split();
	test_complete();
	test_gro();
	test_gro_refusals();
	printf("1..%u\n", tap_run);
	return tap_failed ? 1 : 0;
}
