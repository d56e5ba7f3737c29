// SPDX-License-Identifier: MIT
/*
 * The daemon's send queue (udp.c) against the sendmmsg() and sendmsg() defined here, which the
 * linker takes over libc's and which only record what they are handed. A datagram waiting for
 * its seal is plaintext in the queue: it must never reach them. Only SEALED datagrams are handed
 * over; a PENDING one holds back itself and everything after it, its bytes staying where its
 * seal will write them; DEAD ones are dropped; GSO runs never take in a datagram not SEALED.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <string.h>
#include <sys/socket.h>

#include "daemon/udp.h"
#include "tap.h"

enum { FAKE_FD = 1000, MAX_SENT = 64, DLEN = 100 };

static struct {
	uint8_t data[DLEN];
	size_t len;
	bool gso; /* part of a GSO run */
} sent[MAX_SENT];
static size_t nsent, messages;

/* Each datagram of a message, GSO runs cut at their segment size as the kernel would. */
static void record(const struct msghdr *mh)
{
	const struct iovec *v = mh->msg_iov;
	uint16_t segment = 0;

	for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR((struct msghdr *)mh, c)) {
		if (c->cmsg_level == IPPROTO_UDP && c->cmsg_type == UDP_SEGMENT)
			memcpy(&segment, CMSG_DATA(c), sizeof(segment));
	}
	++messages;
	for (size_t off = 0; off < v->iov_len && nsent < MAX_SENT; ++nsent) {
		size_t n = segment && v->iov_len - off > segment ? segment : v->iov_len - off;

		memcpy(sent[nsent].data, (const uint8_t *)v->iov_base + off, n < DLEN ? n : DLEN);
		sent[nsent].len = n;
		sent[nsent].gso = segment;
		off += n;
	}
}

int sendmmsg(int fd, struct mmsghdr *mm, unsigned int vlen, int flags)
{
	(void)fd;
	(void)flags;
	for (unsigned int i = 0; i < vlen; ++i) {
		record(&mm[i].msg_hdr);
		mm[i].msg_len = (unsigned int)mm[i].msg_hdr.msg_iov->iov_len;
	}
	return (int)vlen;
}

ssize_t sendmsg(int fd, const struct msghdr *mh, int flags)
{
	(void)fd;
	(void)flags;
	record(mh);
	return (ssize_t)mh->msg_iov->iov_len;
}

static struct udp u;
static struct udp_txq q;
static struct dp_endpoint ep1, ep2;

static void set_ep(struct dp_endpoint *ep, const char *ip, uint16_t port)
{
	memset(ep, 0, sizeof(*ep));
	ep->addr.addr4.sin_family = AF_INET;
	ep->addr.addr4.sin_port = htons(port);
	inet_pton(AF_INET, ip, &ep->addr.addr4.sin_addr);
}

/* A datagram copied into the queue, as handshakes are: finished, so SEALED. */
static void push_copy(const struct dp_endpoint *ep, uint8_t fill)
{
	uint8_t buf[DLEN];

	memset(buf, fill, sizeof(buf));
	must(udp_txq_push(&q, ep, buf, sizeof(buf)));
}

/*
 * A datagram in a queue buffer, as the device seals data: plaintext ('P') while its seal is
 * pending. Returns its state, which only "the device" (this test) moves on.
 */
static enum dp_tx_state *push_in_place(const struct dp_endpoint *ep, uint8_t **data)
{
	enum dp_tx_state *state;
	uint8_t *buf = udp_txq_buffer(&q, DLEN, &state);

	if (!buf)
		abort();
	memset(buf, 'P', DLEN);
	must(udp_txq_push(&q, ep, buf, DLEN));
	if (data)
		*data = buf;
	return state;
}

/* What the seal does: ciphertext ('S') in place, then SEALED. */
static void seal(enum dp_tx_state *state, uint8_t *data)
{
	memset(data, 'S', DLEN);
	*state = DP_TX_SEALED;
}

static bool plaintext_sent(void)
{
	for (size_t i = 0; i < nsent; ++i) {
		if (memchr(sent[i].data, 'P', sent[i].len))
			return true;
	}
	return false;
}

/* The fills of what was sent, in order, as a string. */
static const char *sent_fills(void)
{
	static char s[MAX_SENT + 1];

	for (size_t i = 0; i < nsent; ++i)
		s[i] = (char)sent[i].data[0];
	s[nsent] = '\0';
	return s;
}

static void reset_sent(void)
{
	nsent = messages = 0;
}

static void test_pending_holds_back(void)
{
	enum dp_tx_state *d1, *d2;
	uint8_t *b1, *b2, *next;

	reset_sent();
	push_copy(&ep1, 'A');
	d1 = push_in_place(&ep2, &b1);
	d2 = push_in_place(&ep1, &b2);
	seal(d2, b2); /* sealed at once, behind one still pending */
	push_copy(&ep2, 'B');
	ok(udp_flush(&u, &q) == 0 && !plaintext_sent(),
	   "flush with a PENDING datagram: no plaintext handed over");
	is_str(sent_fills(), "A", "only what comes before it goes, in order");
	ok(*d1 == DP_TX_PENDING && q.n == 4 && q.head == 1 && !memchr(b1, 'S', DLEN),
	   "the PENDING one and all after it stay queued, its bytes in place");
	next = udp_txq_buffer(&q, DLEN, &d2);
	ok(next >= b2 + DLEN, "the area is not reused under it: new room comes after it");

	reset_sent();
	ok(udp_flush(&u, &q) == 0 && nsent == 0,
	   "flushing again sends nothing while it is PENDING");
	seal(d1, b1);
	ok(udp_flush(&u, &q) == 0 && !plaintext_sent(), "sealed, the flush sends the rest");
	is_str(sent_fills(), "SSB", "in queue order");
	ok(q.n == 0 && q.head == 0 && q.used == 0, "and the queue is empty again");
}

static void test_dead_dropped(void)
{
	enum dp_tx_state *d;
	uint8_t *b;

	reset_sent();
	push_copy(&ep1, 'A');
	d = push_in_place(&ep1, &b);
	*d = DP_TX_DEAD; /* a failed seal (whose bytes the device zeroes; these are left as they
			    were) */
	push_copy(&ep1, 'B');
	ok(udp_flush(&u, &q) == 0 && !plaintext_sent(), "a DEAD datagram is never handed over");
	is_str(sent_fills(), "AB", "the others are");
	ok(q.n == 0, "and it leaves the queue with them");
}

static void test_gso_runs(void)
{
	enum dp_tx_state *d[6];
	uint8_t *b[6];

	/* S S P S, then S S D S S: runs of equal datagrams to one endpoint, cut at non-SEALED. */
	reset_sent();
	for (int i = 0; i < 4; ++i) {
		d[i] = push_in_place(&ep1, &b[i]);
		if (i != 2)
			seal(d[i], b[i]);
	}
	ok(udp_flush(&u, &q) == 0 && nsent == 2 && messages == 1 && sent[0].gso &&
		   !plaintext_sent(),
	   "two SEALED datagrams before a PENDING one: one GSO message of two, the run stops "
	   "there");
	seal(d[2], b[2]);
	reset_sent();
	ok(udp_flush(&u, &q) == 0 && nsent == 2 && messages == 1 && sent[0].gso,
	   "sealed: the other two as one GSO message");

	reset_sent();
	for (int i = 0; i < 5; ++i) {
		d[i] = push_in_place(&ep1, &b[i]);
		if (i == 2)
			*d[i] = DP_TX_DEAD;
		else
			seal(d[i], b[i]);
	}
	ok(udp_flush(&u, &q) == 0 && nsent == 4 && messages == 2 && !plaintext_sent(),
	   "a DEAD datagram in a run: two GSO messages around it, it in neither");
}

static void test_reservation(void)
{
	enum dp_tx_state *s1, *s2;
	uint8_t *b1 = udp_txq_buffer(&q, DLEN, &s1), *b2;

	*s1 = DP_TX_SEALED;
	b2 = udp_txq_buffer(&q, DLEN, &s2);
	ok(b1 == b2 && s1 == s2 && *s2 == DP_TX_PENDING,
	   "room handed out but not queued is handed out again, PENDING afresh");
	q.reserved = NULL;
}

int main(void)
{
	udp_init(&u, true);
	u.fd4 = FAKE_FD;
	set_ep(&ep1, "192.0.2.1", 51820);
	set_ep(&ep2, "192.0.2.2", 51820);
	must(udp_txq_init(&q, 64 * DLEN, 64));
	test_pending_holds_back();
	test_dead_dropped();
	test_gso_runs();
	test_reservation();
	udp_txq_free(&q);
	return done_testing();
}
