// SPDX-License-Identifier: MIT
/*
 * libFuzzer harness: the parsers of kernel netlink replies (lib/backend/netlink_msg.c), above
 * all the WG_CMD_GET_DEVICE dump parser that builds the model and joins split peers.
 *
 * The first byte picks the mode. Even: the rest is raw datagrams, each a 16-bit little-endian
 * length and that many bytes, fed to the GET, family, link and ACK parsers. Odd: the rest is a
 * small program that builds well-formed messages (nests, the attributes' right lengths, keys
 * that repeat so peers get joined), so fuzzing reaches deep into the attribute tree.
 *
 * Whatever a GET dump parses to must be a valid model (every peer keyed, every allowed IP a
 * valid prefix, no two neighbouring peers with one key), must come back the same through the
 * SET fragmenter (at a buffer size the input picks) and the GET parser, and must format as
 * UAPI text that parses back to the same text.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>

#include "backend/netlink_msg.h"
#include "model/uapi.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum { FAMILY = 0x15, BUF_SIZE = 16384 };

struct input {
	const uint8_t *p, *end;
};

static uint8_t get8(struct input *in)
{
	return in->p < in->end ? *in->p++ : 0;
}

static uint16_t get16(struct input *in)
{
	return (uint16_t)(get8(in) | get8(in) << 8);
}

static void getbytes(struct input *in, void *out, size_t n)
{
	uint8_t *o = out;

	for (size_t i = 0; i < n; ++i)
		o[i] = get8(in);
}

/* ---- invariants --------------------------------------------------------------------------- */

static void fail(const char *what, const struct strbuf *a, const struct strbuf *b)
{
	fprintf(stderr, "%s\n%s---\n%s", what, a ? a->buf : "", b ? b->buf : "");
	abort();
}

static void check_model(const struct wg_device *dev)
{
	const struct wg_peer *p, *prev = NULL;
	const struct wg_allowedip *a;

	for_each_wgpeer (dev, p) {
		if (!(p->flags & WGPEER_HAS_PUBLIC_KEY))
			fail("peer without a public key", NULL, NULL);
		if (prev && !memcmp(prev->public_key, p->public_key, WG_KEY_LEN))
			fail("neighbouring peers with one key were not joined", NULL, NULL);
		for_each_wgallowedip (p, a) {
			if (!((a->family == AF_INET && a->cidr <= 32) ||
			      (a->family == AF_INET6 && a->cidr <= 128)))
				fail("invalid allowed IP", NULL, NULL);
		}
		prev = p;
	}
	if (dev->last_peer && dev->last_peer->next_peer)
		fail("last_peer is not the last", NULL, NULL);
}

/* The device through the SET fragmenter at `len` bytes a message and back through GET. */
static void check_set_roundtrip(const struct wg_device *dev, size_t len)
{
	struct netlink_set_cursor c;
	struct netlink_get_state st = { .family = FAMILY };
	struct strbuf t1, t2;
	uint8_t *buf = malloc(len);
	int n;

	st.dev = model_device_new();
	if (!buf || !st.dev)
		goto out;
	netlink_set_begin(&c, dev);
	while ((n = netlink_set_next(&c, buf, len, FAMILY, "wg0", 1)) > 0) {
		if (netlink_get_parse(&st, buf, (size_t)n))
			fail("a SET message does not parse as GET", NULL, NULL);
	}
	if (n == -EMSGSIZE)
		goto out; /* one peer header does not fit this size */
	if (n < 0)
		fail("the SET fragmenter refused a parsed device", NULL, NULL);
	strbuf_init(&t1);
	strbuf_init(&t2);
	uapi_format_set(&t1, dev);
	uapi_format_set(&t2, st.dev);
	if (!t1.oom && !t2.oom && (t1.len != t2.len || memcmp(t1.buf, t2.buf, t1.len)))
		fail("GET -> SET fragments -> GET differs:", &t1, &t2);
	strbuf_free(&t1);
	strbuf_free(&t2);
out:
	model_device_free(st.dev);
	free(buf);
}

static void check_uapi_roundtrip(const struct wg_device *dev)
{
	struct wg_device *b = NULL;
	struct strbuf t1, t2;

	strbuf_init(&t1);
	strbuf_init(&t2);
	uapi_format_get(&t1, dev);
	if (!t1.oom) {
		if (uapi_parse_get(&b, t1.buf, t1.len))
			fail("the parsed device does not format as a valid UAPI get:", &t1, NULL);
		uapi_format_get(&t2, b);
		if (!t2.oom && (t1.len != t2.len || memcmp(t1.buf, t2.buf, t1.len)))
			fail("UAPI round trip differs:", &t1, &t2);
	}
	model_device_free(b);
	strbuf_free(&t1);
	strbuf_free(&t2);
}

static void check_device(const struct wg_device *dev, size_t set_len)
{
	check_model(dev);
	check_set_roundtrip(dev, set_len);
	check_uapi_roundtrip(dev);
}

/* ---- the other reply parsers -------------------------------------------------------------- */

static int count_link(void *ctx, const char *name, const char *kind)
{
	size_t *n = ctx;

	if (!*name || strlen(name) >= IFNAMSIZ || strlen(kind) >= 64)
		abort();
	return ++*n > 100 ? -E2BIG : 0;
}

static void other_parsers(const void *buf, size_t len)
{
	size_t links = 0;
	struct netlink_link_state ls = { .fn = count_link, .ctx = &links };
	uint16_t id;
	bool done = false;

	netlink_family_parse(buf, len, 0, &id);
	netlink_link_parse(&ls, buf, len);
	netlink_ack_parse(buf, len, 0, 0, &done);
}

/* One datagram at its own allocation of exactly its size, so any overread is caught. */
static int feed(struct netlink_get_state *st, const void *data, size_t len, bool others)
{
	void *copy = malloc(len ? len : 1);
	int ret;

	if (!copy)
		return -ENOMEM;
	memcpy(copy, data, len);
	ret = netlink_get_parse(st, copy, len);
	if (others)
		other_parsers(copy, len);
	free(copy);
	return ret;
}

/* ---- raw mode ----------------------------------------------------------------------------- */

static int run_raw(struct netlink_get_state *st, struct input *in)
{
	int ret = 0;

	while (in->p < in->end && !ret && !st->done) {
		size_t n = get16(in);

		if (n > (size_t)(in->end - in->p))
			n = (size_t)(in->end - in->p);
		ret = feed(st, in->p, n, true);
		in->p += n;
	}
	return ret;
}

/* ---- structured mode ---------------------------------------------------------------------- */

struct builder {
	uint8_t buf[BUF_SIZE];
	size_t used;          /* bytes of complete messages before nlh */
	struct nlmsghdr *nlh; /* the message being built, or NULL */
	struct nlattr *nest[6];
	int depth;
};

static size_t room(const struct builder *b)
{
	return BUF_SIZE - b->used;
}

static void end_message(struct builder *b)
{
	if (!b->nlh)
		return;
	while (b->depth > 0)
		mnl_attr_nest_end(b->nlh, b->nest[--b->depth]);
	b->used += NLMSG_ALIGN(b->nlh->nlmsg_len);
	b->nlh = NULL;
}

static bool begin_message(struct builder *b, uint16_t type, uint16_t flags, size_t extra)
{
	end_message(b);
	if (room(b) < MNL_NLMSG_HDRLEN + MNL_ALIGN(extra) + 64)
		return false;
	b->nlh = mnl_nlmsg_put_header(b->buf + b->used);
	b->nlh->nlmsg_type = type;
	b->nlh->nlmsg_flags = flags;
	if (extra)
		memset(mnl_nlmsg_put_extra_header(b->nlh, extra), 0, MNL_ALIGN(extra));
	return true;
}

static bool ensure_message(struct builder *b)
{
	struct genlmsghdr *g;

	if (b->nlh)
		return true;
	if (!begin_message(b, FAMILY, NLM_F_MULTI, sizeof(*g)))
		return false;
	g = mnl_nlmsg_get_payload(b->nlh);
	g->cmd = WGNL_CMD_GET_DEVICE;
	g->version = WGNL_GENL_VERSION;
	return true;
}

static void put(struct builder *b, uint16_t type, size_t len, const void *data)
{
	if (ensure_message(b))
		mnl_attr_put_check(b->nlh, room(b), type, len, data);
}

static void open_nest(struct builder *b, uint16_t type)
{
	struct nlattr *n;

	if (b->depth >= (int)(sizeof(b->nest) / sizeof(b->nest[0])) || !ensure_message(b))
		return;
	n = mnl_attr_nest_start_check(b->nlh, room(b), type);
	if (n)
		b->nest[b->depth++] = n;
}

static void close_nest(struct builder *b)
{
	if (b->nlh && b->depth > 0)
		mnl_attr_nest_end(b->nlh, b->nest[--b->depth]);
}

/* A key from one byte: few distinct keys, so peers repeat and get joined. */
static void small_key(struct input *in, uint8_t key[WG_KEY_LEN])
{
	uint8_t v = get8(in);

	memset(key, v & 7, WG_KEY_LEN);
	if (v & 0x80)
		getbytes(in, key, WG_KEY_LEN);
}

/* The attribute's own length mostly; 1 in 8 an input-chosen one. */
static size_t length_for(struct input *in, size_t right)
{
	uint8_t v = get8(in);

	return (v & 7) ? right : (size_t)(v >> 3);
}

static void device_attr(struct builder *b, struct input *in)
{
	uint8_t v[64] = { 0 };
	uint8_t t = get8(in) % 9;
	static const size_t right[] = { 0, 4, 4, 32, 32, 4, 2, 4, 0 };

	if (t == WGNL_DEVICE_A_IFNAME) {
		size_t n = get8(in) % 20;

		getbytes(in, v, n);
		put(b, t, n, v);
		return;
	}
	if (t == WGNL_DEVICE_A_PEERS) {
		open_nest(b, t);
		return;
	}
	if (t == WGNL_DEVICE_A_PRIVATE_KEY || t == WGNL_DEVICE_A_PUBLIC_KEY)
		small_key(in, v);
	else
		getbytes(in, v, 4);
	put(b, t, length_for(in, right[t]), v);
}

static void peer_attr(struct builder *b, struct input *in)
{
	uint8_t v[64] = { 0 };
	uint8_t t = get8(in) % 12;
	uint16_t fam;
	size_t n;

	switch (t) {
	case WGNL_PEER_A_PUBLIC_KEY:
	case WGNL_PEER_A_PRESHARED_KEY:
		small_key(in, v);
		put(b, t, length_for(in, WG_KEY_LEN), v);
		break;
	case WGNL_PEER_A_ENDPOINT:
		fam = (get8(in) & 1) ? AF_INET6 : AF_INET;
		memcpy(v, &fam, sizeof(fam));
		getbytes(in, v + 2, 26);
		n = fam == AF_INET ? sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6);
		put(b, t, length_for(in, n), v);
		break;
	case WGNL_PEER_A_PERSISTENT_KEEPALIVE_INTERVAL:
		getbytes(in, v, 2);
		put(b, t, length_for(in, 2), v);
		break;
	case WGNL_PEER_A_LAST_HANDSHAKE_TIME:
		getbytes(in, v, 16);
		put(b, t, length_for(in, 16), v);
		break;
	case WGNL_PEER_A_RX_BYTES:
	case WGNL_PEER_A_TX_BYTES:
		getbytes(in, v, 8);
		put(b, t, length_for(in, 8), v);
		break;
	case WGNL_PEER_A_ALLOWEDIPS:
		open_nest(b, t);
		break;
	default:
		getbytes(in, v, 4);
		put(b, t, length_for(in, 4), v);
	}
}

static void allowedip(struct builder *b, struct input *in)
{
	/* Each value in 32 bytes: a wrong length (at most 31) still reads inside it. */
	uint8_t v = get8(in), addr[32] = { 0 }, fam[32] = { 0 }, cidr[32] = { 0 };
	uint16_t f = (v & 1) ? AF_INET6 : AF_INET;

	memcpy(fam, &f, sizeof(f));
	cidr[0] = get8(in);
	getbytes(in, addr, 16);
	if (!(v & 0x80))
		cidr[0] %= f == AF_INET ? 33 : 129;
	open_nest(b, 0);
	if (!(v & 2))
		put(b, WGNL_ALLOWEDIP_A_FAMILY, length_for(in, 2), fam);
	if (!(v & 4))
		put(b, WGNL_ALLOWEDIP_A_IPADDR, length_for(in, f == AF_INET ? 4 : 16), addr);
	if (!(v & 8))
		put(b, WGNL_ALLOWEDIP_A_CIDR_MASK, length_for(in, 1), cidr);
	close_nest(b);
}

static void control(struct builder *b, struct input *in, bool done)
{
	int32_t code = (get8(in) & 1) ? -(int32_t)(get8(in) % 140) : 0;

	if (done) {
		if (begin_message(b, NLMSG_DONE, NLM_F_MULTI, sizeof(code)))
			memcpy(mnl_nlmsg_get_payload(b->nlh), &code, sizeof(code));
	} else if (begin_message(b, NLMSG_ERROR, 0, sizeof(struct nlmsgerr))) {
		memcpy(mnl_nlmsg_get_payload(b->nlh), &code, sizeof(code));
	}
	end_message(b);
}

static int flush(struct builder *b, struct netlink_get_state *st)
{
	int ret;

	end_message(b);
	ret = b->used ? feed(st, b->buf, b->used, false) : 0;
	b->used = 0;
	return ret;
}

static int run_built(struct netlink_get_state *st, struct input *in)
{
	struct builder *b = calloc(1, sizeof(*b));
	uint8_t raw[256];
	int ret = 0;

	if (!b)
		return -ENOMEM;
	while (in->p < in->end && !ret && !st->done) {
		uint8_t op = get8(in);
		size_t n;

		switch (op % 16) {
		case 0:
			end_message(b);
			ensure_message(b);
			if (b->nlh && (op & 0x10))
				b->nlh->nlmsg_flags |= NLM_F_DUMP_INTR;
			break;
		case 1:
			device_attr(b, in);
			break;
		case 2:
			if (b->depth == 0)
				open_nest(b, WGNL_DEVICE_A_PEERS);
			break;
		case 3:
			open_nest(b, (op & 0x10) ? get8(in) % 4 : 0);
			break;
		case 4:
		case 5:
		case 6:
			peer_attr(b, in);
			break;
		case 7:
			open_nest(b, WGNL_PEER_A_ALLOWEDIPS);
			break;
		case 8:
		case 9:
			allowedip(b, in);
			break;
		case 10:
		case 11:
			close_nest(b);
			break;
		case 12:
			control(b, in, !(op & 0x10));
			break;
		case 13:
			ret = flush(b, st);
			break;
		case 14:
			n = get8(in);
			getbytes(in, raw, n % sizeof(raw));
			put(b, get8(in), n % sizeof(raw), raw);
			break;
		default:
			/* A peer in one go: nest, public key, allowed IPs. */
			if (b->depth == 0)
				open_nest(b, WGNL_DEVICE_A_PEERS);
			if (b->depth == 1) {
				uint8_t key[WG_KEY_LEN];

				open_nest(b, 0);
				small_key(in, key);
				put(b, WGNL_PEER_A_PUBLIC_KEY, WG_KEY_LEN, key);
				open_nest(b, WGNL_PEER_A_ALLOWEDIPS);
				for (n = get8(in) % 4; n > 0; --n)
					allowedip(b, in);
				close_nest(b);
				close_nest(b);
			}
		}
	}
	if (!ret && !st->done)
		ret = flush(b, st);
	free(b);
	return ret;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = { data, data + size };
	struct netlink_get_state st = { .family = FAMILY };
	uint8_t mode = get8(&in);
	size_t set_len = 256 + (size_t)(get8(&in) % 16) * 1024;
	int ret;

	st.dev = model_device_new();
	if (!st.dev)
		return 0;
	ret = (mode & 1) ? run_built(&st, &in) : run_raw(&st, &in);
	if (!ret)
		check_device(st.dev, set_len);
	model_device_free(st.dev);
	return 0;
}
