// SPDX-License-Identifier: MIT
/*
 * libFuzzer harness: the receive path of lib/datapath for every message type. Two devices, A and
 * B, with fixed keys and an in-memory io complete a handshake on a virtual clock; B is the target.
 * The low two bits of the first byte pick what the rest (after two bytes) becomes:
 *   0  a raw datagram to B (any bytes, any length)
 *   1  an inner packet that the harness encrypts under A's current session
 *      (noise_keypair_encrypt), so decryption succeeds and the inner-IP checks run
 *   2  an IP packet given to A's tunnel side (dp_device_tun_packet): A routes, pads, encrypts
 *   3  a handshake message (initiation, response or cookie reply): the input is XORed over a real
 *      message of that type captured during the handshake, and MAC1 is made valid for B
 * Bits 6-7 of the first byte advance the virtual clock (so the load that outlasts its queue,
 * timers and key expiry move) and bit 2 runs the timers; the second byte holds mode flags (see
 * each mode).
 * Whatever B answers is delivered back to A and A's answers to B, for a few rounds. The pair is
 * rebuilt (a new handshake) when an input changed handshake state, so findings reproduce alone.
 */
#include <arpa/inet.h>
#include <endian.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "datapath/device_impl.h"
#include "noise/messages.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define QMAX      64
#define FRAME_MAX 2048

struct frame {
	size_t len;
	uint8_t data[FRAME_MAX];
};

struct side {
	struct dp_device *dev;
	struct dp_endpoint self;
	struct frame udp[QMAX];
	size_t nudp;
	size_t ntun;
	uint8_t priv[32], pub[32];
};

static struct side A, B;
static struct dp_endpoint A6; /* A as seen over IPv6 */
static struct dp_time now;
static uint8_t mac1_key_b[BLAKE2S_HASH_SIZE], mac1_key_a[BLAKE2S_HASH_SIZE];
static uint8_t tmpl_init[MESSAGE_INITIATION_LEN], tmpl_resp[MESSAGE_RESPONSE_LEN];
static uint8_t tmpl_cookie[MESSAGE_COOKIE_LEN];
static bool have_cookie;

static void advance(uint64_t ns)
{
	now.now += ns;
	now.wall.tv_nsec += (long)(ns % NSEC_PER_SEC);
	now.wall.tv_sec += (time_t)(ns / NSEC_PER_SEC) + now.wall.tv_nsec / 1000000000L;
	now.wall.tv_nsec %= 1000000000L;
}

static int io_udp_send(void *arg, const struct dp_endpoint *ep, const void *buf, size_t len)
{
	struct side *s = arg;

	(void)ep;
	if (s->nudp == QMAX || len > FRAME_MAX)
		return -ENOBUFS;
	s->udp[s->nudp].len = len;
	memcpy(s->udp[s->nudp++].data, buf, len);
	return 0;
}

static int io_tun_write(void *arg, const void *buf, size_t len)
{
	struct side *s = arg;

	(void)buf;
	(void)len;
	s->ntun++;
	return 0;
}

static int io_udp_bind(void *arg, uint16_t port, uint32_t fwmark, uint16_t *bound)
{
	(void)arg;
	(void)fwmark;
	*bound = port ? port : 51820;
	return 0;
}

static const struct dp_io_ops ops = {
	.udp_send = io_udp_send,
	.tun_write = io_tun_write,
	.udp_bind = io_udp_bind,
};

static void set_ep(struct dp_endpoint *ep, const char *ip, uint16_t port)
{
	memset(ep, 0, sizeof(*ep));
	ep->addr.addr4.sin_family = AF_INET;
	ep->addr.addr4.sin_port = htons(port);
	inet_pton(AF_INET, ip, &ep->addr.addr4.sin_addr);
}

static void add_aip(struct wg_peer *p, int family, const char *ip, uint8_t cidr)
{
	struct wg_allowedip *a = model_allowedip_new(p);

	a->family = (uint16_t)family;
	a->cidr = cidr;
	inet_pton(family, ip, family == AF_INET ? (void *)&a->ip4 : (void *)&a->ip6);
}

/*
 * s's peer is other. A routes everything to B (so any IP packet given to A is sent); B allows
 * A only 10.1.0.0/24 and fd01::/64, so the inner-source filter has something to refuse.
 */
static void configure(struct side *s, const struct side *other, bool everything)
{
	struct wg_device *d = model_device_new();
	struct wg_peer *p = model_peer_new(d);

	d->flags = WGDEVICE_HAS_PRIVATE_KEY;
	memcpy(d->private_key, s->priv, 32);
	p->flags = WGPEER_HAS_PUBLIC_KEY | WGPEER_REPLACE_ALLOWEDIPS | WGPEER_HAS_ENDPOINT;
	memcpy(p->public_key, other->pub, 32);
	p->endpoint = other->self.addr;
	if (everything) {
		add_aip(p, AF_INET, "0.0.0.0", 0);
		add_aip(p, AF_INET6, "::", 0);
	} else {
		add_aip(p, AF_INET, "10.1.0.0", 24);
		add_aip(p, AF_INET6, "fd01::", 64);
	}
	if (dp_device_apply(s->dev, d, &now, NULL))
		abort();
	model_device_free(d);
}

static void make_side(struct side *s, const char *ip, uint16_t port, uint8_t seed)
{
	s->dev = dp_device_new(&ops, s);
	if (!s->dev)
		abort();
	s->nudp = s->ntun = 0;
	set_ep(&s->self, ip, port);
	memset(s->priv, seed, 32);
	curve25519_clamp_secret(s->priv);
	if (curve25519_generate_public(s->pub, s->priv))
		abort();
	dp_device_open(s->dev);
	dp_device_set_up(s->dev, true, &now);
}

/* A datagram to s and, as the daemon's loop would after it, the handshakes it queued. */
static void udp_to(struct side *s, const struct dp_endpoint *from, uint8_t *buf, size_t len)
{
	dp_device_udp_packet(s->dev, from, buf, len, &now);
	dp_device_process_handshakes(s->dev, SIZE_MAX, &now);
}

/* Move queued datagrams across, at most rounds times each way; tunnel writes are discarded. */
static void deliver(int rounds)
{
	static struct frame f;

	for (int r = 0; r < rounds; ++r) {
		bool any = false;

		for (int i = 0; i < 2; ++i) {
			struct side *from = i ? &B : &A, *to = i ? &A : &B;
			size_t n = from->nudp;

			for (size_t k = 0; k < n && k < QMAX; ++k) {
				f = from->udp[k];
				udp_to(to, &from->self, f.data, f.len);
				any = true;
			}
			memmove(from->udp, from->udp + n, (from->nudp - n) * sizeof(f));
			from->nudp -= n;
		}
		if (!any)
			break;
	}
	A.ntun = B.ntun = 0;
}

static void send_ip(struct side *s, const char *src, const char *dst)
{
	static uint8_t room[DP_HEADROOM + 64 + DP_TAILROOM];
	uint8_t *p = room + DP_HEADROOM;

	memset(p, 0, 28);
	p[0] = 0x45;
	p[3] = 28;
	p[8] = 64;
	p[9] = 17;
	inet_pton(AF_INET, src, p + 12);
	inet_pton(AF_INET, dst, p + 16);
	dp_device_tun_packet(s->dev, p, 28, NULL, &now);
}

static void teardown(void)
{
	if (A.dev)
		dp_device_free(A.dev);
	if (B.dev)
		dp_device_free(B.dev);
	A.dev = B.dev = NULL;
}

static void mac1_key(uint8_t key[BLAKE2S_HASH_SIZE], const uint8_t pub[32])
{
	uint8_t in[COOKIE_LABEL_LEN + 32];

	memcpy(in, COOKIE_LABEL_MAC1, COOKIE_LABEL_LEN);
	memcpy(in + COOKIE_LABEL_LEN, pub, 32);
	if (blake2s(key, BLAKE2S_HASH_SIZE, in, sizeof(in), NULL, 0))
		abort();
}

/* MAC2 as B's checker would want it from A's address, when B holds a cookie secret. */
static void stamp_mac2(uint8_t *msg, size_t len, bool v6)
{
	const struct cookie_checker *cc = &B.dev->local.l_cookie;
	uint8_t in[18], cookie[COOKIE_LEN];
	size_t alen = v6 ? 16 : 4;

	if (!cc->cc_has_secret) /* validating under load makes the secret */
		cookie_checker_validate(&B.dev->local.l_cookie, msg, len,
					&(struct cookie_src){ .family = AF_INET }, true, now.now);
	if (!cc->cc_has_secret)
		return;
	if (v6) {
		memcpy(in, &A6.addr.addr6.sin6_addr, 16);
		memcpy(in + 16, &A6.addr.addr6.sin6_port, 2);
	} else {
		memcpy(in, &A.self.addr.addr4.sin_addr, 4);
		memcpy(in + 4, &A.self.addr.addr4.sin_port, 2);
	}
	if (blake2s(cookie, COOKIE_LEN, in, alen + 2, cc->cc_secret, sizeof(cc->cc_secret)) ||
	    blake2s(msg + len - COOKIE_LEN, COOKIE_LEN, msg, len - COOKIE_LEN, cookie, COOKIE_LEN))
		abort();
}

/*
 * A fresh pair with an established session (A initiated, B confirmed by data). Then B starts a
 * second handshake that stays open: A's response to it is the response template (so a mutated
 * response reaches B's consume path) and a genuine cookie reply from A to B's initiation is the
 * cookie template (B has that MAC1 outstanding).
 */
static void setup(void)
{
	struct message_handshake_cookie reply;
	struct cookie_src src = { .family = AF_INET };
	uint8_t binit[MESSAGE_INITIATION_LEN];
	uint32_t sender;

	teardown();
	now.now = 1000 * NSEC_PER_SEC;
	now.wall.tv_sec = 1700000000;
	now.wall.tv_nsec = 0;
	make_side(&A, "192.0.2.1", 1001, 0x11);
	make_side(&B, "192.0.2.2", 1002, 0x22);
	configure(&A, &B, true);
	configure(&B, &A, false);
	send_ip(&A, "10.1.0.1", "10.2.0.1");
	if (A.nudp != 1 || A.udp[0].len != MESSAGE_INITIATION_LEN)
		abort();
	memcpy(tmpl_init, A.udp[0].data, sizeof(tmpl_init));
	deliver(4);
	if (dp_device_stats(A.dev)->handshakes_completed != 1 ||
	    dp_device_stats(B.dev)->handshakes_completed != 1)
		abort();

	advance(NSEC_PER_SEC);
	dp_send_initiation(B.dev->first_peer, &now);
	if (B.nudp != 1 || B.udp[0].len != MESSAGE_INITIATION_LEN)
		abort();
	memcpy(binit, B.udp[0].data, sizeof(binit));
	B.nudp = 0;
	udp_to(&A, &B.self, B.udp[0].data, sizeof(binit));
	if (A.nudp != 1 || A.udp[0].len != MESSAGE_RESPONSE_LEN)
		abort();
	memcpy(tmpl_resp, A.udp[0].data, sizeof(tmpl_resp));
	A.nudp = 0;
	memcpy(&sender, binit + 4, 4);
	src.addr.v4 = B.self.addr.addr4.sin_addr;
	src.port = B.self.addr.addr4.sin_port;
	have_cookie = !cookie_checker_create_reply(&A.dev->local.l_cookie, &reply, binit,
						   sizeof(binit), sender, &src, now.now);
	memcpy(tmpl_cookie, &reply, sizeof(tmpl_cookie));
	A.ntun = B.ntun = 0;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (crypto_init())
		abort();
	A6.addr.addr6.sin6_family = AF_INET6;
	A6.addr.addr6.sin6_port = htons(1001);
	inet_pton(AF_INET6, "fd00::1", &A6.addr.addr6.sin6_addr);
	setup();
	mac1_key(mac1_key_b, B.pub);
	mac1_key(mac1_key_a, A.pub);
	return 0;
}

static uint8_t *copy_of(const uint8_t *data, size_t len, size_t head, size_t tail)
{
	uint8_t *p = malloc(head + len + tail + 1);

	if (!p)
		abort();
	if (len)
		memcpy(p + head, data, len);
	return p;
}

/* Mode 1: encrypt the input under A's current keypair and hand the data message to B. */
static uint8_t *copy_of(const uint8_t *data, size_t len, size_t head, size_t tail);

static void fuzz_inner(const uint8_t *data, size_t size, uint8_t flags)
{
	struct dp_peer *peer = A.dev->first_peer;
	struct noise_keypair *kp = peer ? noise_remote_current(&peer->remote) : NULL;
	size_t cap = size + MESSAGE_DATA_OVERHEAD;
	uint8_t *msg;
	int len;

	if (!kp || size > DP_MAX_PACKET)
		return;
	msg = malloc(cap);
	if (!msg)
		abort();
	if (size)
		memcpy(msg + MESSAGE_DATA_HEADER_LEN, data, size);
	len = noise_keypair_encrypt(kp, msg, cap, msg + MESSAGE_DATA_HEADER_LEN, size, now.now);
	if (len > 0) {
		uint8_t *again = copy_of(msg, (size_t)len, 0, 0);

		udp_to(&B, &A.self, msg, (size_t)len);
		/* flag bit 1: a newer message first; bit 0: then this one again (a replay) */
		if (flags & 2)
			fuzz_inner(NULL, 0, 0);
		if (flags & 1)
			udp_to(&B, &A.self, again, (size_t)len);
		free(again);
	}
	free(msg);
}

/*
 * Mode 3: a handshake message of type flags % 3 (initiation, response, cookie reply), the input
 * XORed over its template; flag 0x08 lets the input change the header too, 0x10 forces B under
 * load, 0x20 adds a valid MAC2.
 */
static void fuzz_handshake(const uint8_t *data, size_t size, uint8_t flags)
{
	uint8_t msg[MESSAGE_INITIATION_LEN];
	const uint8_t *tmpl;
	size_t len;
	bool macs = true;

	switch (flags % 3) {
	case 0:
		tmpl = tmpl_init;
		len = sizeof(tmpl_init);
		break;
	case 1:
		tmpl = tmpl_resp;
		len = sizeof(tmpl_resp);
		break;
	default:
		if (!have_cookie)
			return;
		tmpl = tmpl_cookie;
		len = sizeof(tmpl_cookie);
		macs = false;
		break;
	}
	memcpy(msg, tmpl, len);
	for (size_t i = 0; i < size && i < len; ++i)
		msg[i] ^= data[i];
	if (!(flags & 0x08))
		memcpy(msg, tmpl, 4); /* keep the header valid unless asked */
	if (macs) {
		if (blake2s(msg + len - 2 * COOKIE_LEN, COOKIE_LEN, msg, len - 2 * COOKIE_LEN,
			    mac1_key_b, sizeof(mac1_key_b)))
			abort();
		if (flags & 0x10)
			B.dev->under_load_until = now.now + UNDER_LOAD_AFTER_TIME;
		if (flags & 0x20)
			stamp_mac2(msg, len, flags & 0x40);
	}
	/*
	 * bit 6: from an IPv6 source; bit 7: eight times, all queued before B gets to them (the
	 * per-source rate limit under load)
	 */
	for (int i = 0; i < (flags & 0x80 ? 8 : 1); ++i) {
		uint8_t *p = copy_of(msg, len, 0, 0);

		dp_device_udp_packet(B.dev, flags & 0x40 ? &A6 : &A.self, p, len, &now);
		free(p);
	}
	dp_device_process_handshakes(B.dev, SIZE_MAX, &now);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint64_t hs_a, hs_b;
	uint8_t mode, flags, *p;

	if (size < 2)
		return 0;
	if (!A.dev)
		setup();
	mode = data[0];
	flags = data[1];
	data += 2;
	size -= 2;
	/* bits 6-7 of the mode byte: advance the clock by 0, 1 ms, 1 s or 130 s */
	switch (mode >> 6) {
	case 1:
		advance(NSEC_PER_SEC / 1000);
		break;
	case 2:
		advance(NSEC_PER_SEC);
		break;
	case 3:
		advance(130 * NSEC_PER_SEC);
		break;
	}
	hs_a = dp_device_stats(A.dev)->handshakes_completed;
	hs_b = dp_device_stats(B.dev)->handshakes_completed;
	switch (mode & 3) {
	case 0:
		if (size > DP_MAX_DATAGRAM)
			break;
		p = copy_of(data, size, 0, 0);
		udp_to(&B, &A.self, p, size);
		free(p);
		break;
	case 1:
		fuzz_inner(data, size, flags);
		break;
	case 2:
		if (size > DP_MAX_PACKET)
			break;
		p = copy_of(data, size, DP_HEADROOM, DP_TAILROOM);
		dp_device_tun_packet(A.dev, p + DP_HEADROOM, size, NULL, &now);
		free(p);
		break;
	case 3:
		fuzz_handshake(data, size, flags);
		break;
	}
	if (mode & 4)
		dp_device_tick(B.dev, &now), dp_device_tick(A.dev, &now);
	deliver(4);
	/* Keep inputs independent: a changed handshake state or a clock past the session's life
	 * means the next input starts from a fresh pair. */
	if ((mode & 3) == 3 || mode >> 6 == 3 ||
	    dp_device_stats(A.dev)->handshakes_completed != hs_a ||
	    dp_device_stats(B.dev)->handshakes_completed != hs_b || now.now > 1100 * NSEC_PER_SEC)
		teardown();
	return 0;
}
