// SPDX-License-Identifier: MIT
/*
 * Timer state machine: (1) each timer against a fake clock, table-driven, with the caller's
 * side emulated (an initiation or keepalive sent is reported back as the events it causes);
 * (2) two protocol cores joined in memory by byte queues and driven by a virtual clock in 10 ms
 * steps: a ping every step for 30 minutes with rekeys, 10 minutes of silence until the keys are
 * zeroed, traffic again; and a wire that drops everything until the initiator gives up.
 */
#include <endian.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "crypto/crypto.h"
#include "noise/noise.h"
#include "noise/timers.h"
#include "util/mem.h"
#include "tap.h"

#define MS (NSEC_PER_SEC / 1000)
#define T0 (1000 * NSEC_PER_SEC)

/* ---------------------------------------------------------------------------------------- */
/* (1) each timer on its own */

static int fixed_fill(void *arg, void *buf, size_t len)
{
	memset(buf, 0, len);
	memcpy(buf, arg, len < sizeof(uint64_t) ? len : sizeof(uint64_t));
	return 0;
}

enum op {
	OP_END,
	OP_DATA_SENT,
	OP_DATA_RECV,
	OP_AUTH_SENT,
	OP_AUTH_RECV,
	OP_TRAVERSAL,
	OP_HS_INIT,
	OP_HS_COMPLETE,
	OP_SESSION,
	OP_PKA,
};

struct step {
	uint32_t at_ms;
	enum op op;
	uint16_t arg;
};

struct fire {
	uint32_t at_ms;
	unsigned int actions;
};

#define HS (TIMERS_SEND_HANDSHAKE_INITIATION | TIMERS_CLEAR_ENDPOINT_SRC)
#define KA TIMERS_SEND_KEEPALIVE

/* Jitter is pinned to 100 ms: retransmit 5.1 s, new handshake 15.1 s. */
static const struct timer_case {
	const char *name;
	uint32_t horizon_ms;
	struct step steps[4];
	struct fire want[6];
} cases[] = {
	{ "retransmit at REKEY_TIMEOUT + jitter, again and again",
	  10300,
	  { { 0, OP_HS_INIT, 0 } },
	  { { 5100, HS }, { 10200, HS } } },
	{ "handshake complete stops retransmission",
	  30000,
	  { { 0, OP_HS_INIT, 0 }, { 3000, OP_HS_COMPLETE, 0 } },
	  { { 0 } } },
	{ "keepalive 10 s after data received",
	  30000,
	  { { 0, OP_DATA_RECV, 0 }, { 0, OP_AUTH_RECV, 0 } },
	  { { 10000, KA } } },
	{ "anything sent cancels the keepalive",
	  30000,
	  { { 0, OP_DATA_RECV, 0 }, { 4000, OP_AUTH_SENT, 0 } },
	  { { 0 } } },
	{ "new handshake 15 s + jitter after data sent without reply",
	  20000,
	  { { 0, OP_DATA_SENT, 0 }, { 0, OP_AUTH_SENT, 0 } },
	  { { 15100, HS } } },
	{ "further data does not postpone the new handshake",
	  16000,
	  { { 0, OP_DATA_SENT, 0 }, { 10000, OP_DATA_SENT, 0 } },
	  { { 15100, HS } } },
	{ "any authenticated reply cancels the new handshake",
	  40000,
	  { { 0, OP_DATA_SENT, 0 }, { 14000, OP_AUTH_RECV, 0 } },
	  { { 0 } } },
	{ "new handshake within REKEY_TIMEOUT of an initiation only clears the source",
	  20000,
	  { { 0, OP_DATA_SENT, 0 }, { 12000, OP_HS_INIT, 0 }, { 12050, OP_HS_COMPLETE, 0 } },
	  { { 15100, TIMERS_CLEAR_ENDPOINT_SRC } } },
	{ "persistent keepalive: one at once, then every interval",
	  80000,
	  { { 0, OP_PKA, 25 } },
	  { { 0, KA }, { 25000, KA }, { 50000, KA }, { 75000, KA } } },
	{ "persistent keepalive restarts on every traversal",
	  100000,
	  { { 0, OP_PKA, 25 }, { 20000, OP_TRAVERSAL, 0 }, { 40000, OP_TRAVERSAL, 0 } },
	  { { 0, KA }, { 65000, KA }, { 90000, KA } } },
	{ "persistent keepalive switched off",
	  100000,
	  { { 0, OP_PKA, 25 }, { 10000, OP_PKA, 0 } },
	  { { 0, KA } } },
	{ "key material zeroed 540 s after a session",
	  600000,
	  { { 0, OP_SESSION, 0 } },
	  { { 540000, TIMERS_ZERO_KEYS } } },
	{ "a new session postpones the zeroing",
	  900000,
	  { { 0, OP_SESSION, 0 }, { 300000, OP_SESSION, 0 } },
	  { { 840000, TIMERS_ZERO_KEYS } } },
};

static void apply(struct timers *t, const struct step *s, uint64_t now)
{
	switch (s->op) {
	case OP_DATA_SENT:
		timers_event_data_sent(t, now);
		break;
	case OP_DATA_RECV:
		timers_event_data_received(t, now);
		break;
	case OP_AUTH_SENT:
		timers_event_any_authenticated_packet_sent(t, now);
		break;
	case OP_AUTH_RECV:
		timers_event_any_authenticated_packet_received(t, now);
		break;
	case OP_TRAVERSAL:
		timers_event_any_authenticated_packet_traversal(t, now);
		break;
	case OP_HS_INIT:
		timers_event_handshake_initiated(t, now);
		break;
	case OP_HS_COMPLETE:
		timers_event_handshake_complete(t, now);
		break;
	case OP_SESSION:
		timers_event_session_derived(t, now);
		break;
	case OP_PKA:
		timers_event_persistent_keepalive_set(t, s->arg, now);
		break;
	case OP_END:
		break;
	}
}

/* What a caller does after sending what the timers asked for. */
static void emulate_caller(struct timers *t, unsigned int actions, uint64_t now)
{
	if (actions & (TIMERS_SEND_HANDSHAKE_INITIATION | TIMERS_SEND_KEEPALIVE)) {
		timers_event_any_authenticated_packet_traversal(t, now);
		timers_event_any_authenticated_packet_sent(t, now);
	}
	if (actions & TIMERS_SEND_HANDSHAKE_INITIATION)
		timers_event_handshake_initiated(t, now);
}

/*
 * Jump from deadline to deadline (and script step to step) until horizon; record what fires.
 * Returns the number of fires, or -1 if a tick 1 ns before a reported deadline fired.
 */
static int drive(struct timers *t, const struct step *steps, size_t nsteps, uint64_t horizon,
		 struct fire *got, size_t cap)
{
	size_t i = 0, n = 0;
	uint64_t now = T0;

	for (;;) {
		uint64_t next = timers_next_deadline(t);
		unsigned int actions;

		if (i < nsteps && steps[i].op != OP_END &&
		    (!next || T0 + steps[i].at_ms * MS <= next)) {
			now = T0 + steps[i].at_ms * MS;
			apply(t, &steps[i++], now);
			continue;
		}
		if (!next || next > horizon)
			break;
		if (next > now && timers_tick(t, next - 1))
			return -1;
		now = next > now ? next : now;
		actions = timers_tick(t, now);
		if (actions && n < cap) {
			got[n].at_ms = (uint32_t)((now - T0) / MS);
			got[n++].actions = actions;
		}
		emulate_caller(t, actions, now);
	}
	return (int)n;
}

static void test_table(void)
{
	uint64_t j = 100 * MS;
	struct noise_rng rng = { .fill = fixed_fill, .arg = &j };

	for (size_t c = 0; c < ARRAY_SIZE(cases); ++c) {
		const struct timer_case *tc = &cases[c];
		struct fire got[16];
		size_t nwant = 0;
		struct timers t;
		bool same;
		int n;

		while (nwant < ARRAY_SIZE(tc->want) && tc->want[nwant].actions)
			++nwant;
		timers_init(&t, &rng);
		n = drive(&t, tc->steps, ARRAY_SIZE(tc->steps), T0 + tc->horizon_ms * MS, got,
			  ARRAY_SIZE(got));
		same = n == (int)nwant;
		for (int i = 0; same && i < n; ++i)
			same = got[i].at_ms == tc->want[i].at_ms &&
			       got[i].actions == tc->want[i].actions;
		ok(same, "timer %zu: %s", c + 1, tc->name);
		if (!same) {
			for (int i = 0; i < n; ++i)
				printf("#   got %u ms: 0x%x\n", got[i].at_ms, got[i].actions);
			for (size_t i = 0; i < nwant; ++i)
				printf("#  want %u ms: 0x%x\n", tc->want[i].at_ms,
				       tc->want[i].actions);
		}
	}
}

static void test_give_up(void)
{
	uint64_t j = 100 * MS, now = T0, give_up = 0, zero = 0, last = 0;
	struct noise_rng rng = { .fill = fixed_fill, .arg = &j };
	unsigned int initiations = 1, after = 0, keepalives = 0;
	struct timers t;

	timers_init(&t, &rng);
	timers_event_handshake_initiated(&t, now);
	timers_event_data_received(&t, now);
	while ((now = timers_next_deadline(&t)) && now < T0 + 1000 * NSEC_PER_SEC) {
		unsigned int actions = timers_tick(&t, now);

		if (actions & TIMERS_SEND_HANDSHAKE_INITIATION) {
			if (give_up)
				++after;
			++initiations;
			last = now;
		}
		if (actions & TIMERS_SEND_KEEPALIVE)
			++keepalives;
		if (actions & TIMERS_CLEAR_STAGED_PACKETS)
			give_up = now;
		if (actions & TIMERS_ZERO_KEYS)
			zero = now;
		if (actions & TIMERS_SEND_HANDSHAKE_INITIATION)
			timers_event_handshake_initiated(&t, now);
	}
	ok(initiations == 20 && !after, "give-up: 20 initiations in all, none after giving up (%u)",
	   initiations);
	ok(last - T0 == 19 * (REKEY_TIMEOUT + j) && last - T0 >= REKEY_ATTEMPT_TIME,
	   "give-up: last retry at %llu ms", (unsigned long long)((last - T0) / MS));
	ok(give_up - T0 == 20 * (REKEY_TIMEOUT + j), "give-up: staged packets dropped at %llu ms",
	   (unsigned long long)((give_up - T0) / MS));
	ok(zero == give_up + KEY_ZEROING_TIME, "give-up: keys zeroed 540 s later");
	ok(keepalives == 1, "give-up: the pending keepalive fired before, not after");
	ok(!timers_next_deadline(&t) && t.t_handshake_attempts == MAX_TIMER_HANDSHAKES + 1,
	   "give-up: nothing left armed");
}

static void test_jitter_and_gap(void)
{
	uint64_t j = REKEY_TIMEOUT_JITTER_MAX;
	struct noise_rng rng = { .fill = fixed_fill, .arg = &j };
	struct timers t;

	timers_init(&t, &rng);
	ok(!timers_next_deadline(&t) && !timers_tick(&t, T0), "fresh timers: nothing armed");
	ok(timers_may_initiate(&t, 0), "first initiation always allowed");
	timers_event_handshake_initiated(&t, T0);
	ok(t.t_retransmit_handshake == T0 + REKEY_TIMEOUT + 333333333ULL,
	   "jitter capped at 333.33 ms");
	ok(!timers_may_initiate(&t, T0 + REKEY_TIMEOUT - 1) &&
		   timers_may_initiate(&t, T0 + REKEY_TIMEOUT),
	   "initiations at least REKEY_TIMEOUT apart");
	j = REKEY_TIMEOUT_JITTER_MAX + 1;
	timers_event_handshake_initiated(&t, T0);
	ok(t.t_retransmit_handshake == T0 + REKEY_TIMEOUT, "jitter wraps into 0..333 ms");
	timers_event_persistent_keepalive_set(&t, 0, T0);
	timers_event_any_authenticated_packet_traversal(&t, T0);
	ok(!t.t_persistent_keepalive, "no persistent keepalive without an interval");
	timers_stop(&t);
	ok(!timers_next_deadline(&t), "stop disarms everything");
}

/* ---------------------------------------------------------------------------------------- */
/* (2) two cores joined in memory */

#define MAX_INDICES 16
#define QUEUE_LEN   256
#define PKT_MAX     160
#define STEP        (10 * MS)

struct pkt {
	uint16_t len;
	uint8_t buf[PKT_MAX];
};

struct queue {
	size_t n;
	struct pkt p[QUEUE_LEN];
};

struct simnode {
	const char *name;
	struct noise_local l;
	struct noise_remote peer;
	struct timers t;
	struct {
		uint32_t idx;
		bool used;
	} index[MAX_INDICES];
	uint64_t rng_state;
	/* Sequence numbers of the pings or replies waiting for a session; UINT32_MAX: keepalive. */
	uint32_t staged[MAX_STAGED_PACKETS];
	size_t nstaged;
	struct queue out;
	struct simnode *other;

	unsigned int initiations, sessions, zeroings, give_ups, staged_dropped, errors;
	unsigned int accepted_old, out_of_order, keepalives_rx;
	uint64_t first_initiation, last_initiation, max_gap, min_gap;
	uint64_t last_session, last_zero, give_up_at, min_rekey, max_rekey;
	uint32_t rx_seq;
	uint64_t rx_count;
};

struct sim {
	struct simnode a, b;
	uint64_t now;
	bool drop;
	uint32_t ping_seq;
	bool want_capture;
	uint64_t captured_at;
	struct pkt captured;
};

static uint64_t xorshift(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545f4914f6cdd1dULL;
}

static struct noise_remote *sim_remote_get(void *arg, const uint8_t public_key[32])
{
	struct simnode *n = arg;

	return memcmp(n->peer.r_public, public_key, 32) ? NULL : &n->peer;
}

static int sim_index_set(void *arg, struct noise_remote *r, uint32_t *idx)
{
	struct simnode *n = arg;

	(void)r;
	for (size_t i = 0; i < MAX_INDICES; ++i) {
		if (!n->index[i].used) {
			n->index[i].used = true;
			n->index[i].idx = (uint32_t)xorshift(&n->rng_state) & ~0xfU;
			n->index[i].idx |= (uint32_t)i;
			*idx = n->index[i].idx;
			return 0;
		}
	}
	++n->errors;
	return -ENOSPC;
}

static void sim_index_drop(void *arg, uint32_t idx)
{
	struct simnode *n = arg;
	size_t i = idx & 0xf;

	if (n->index[i].used && n->index[i].idx == idx)
		n->index[i].used = false;
	else
		++n->errors;
}

static bool sim_index_known(const struct simnode *n, uint32_t idx)
{
	size_t i = idx & 0xf;

	return n->index[i].used && n->index[i].idx == idx;
}

static int sim_rng(void *arg, void *buf, size_t len)
{
	struct simnode *n = arg;
	uint8_t *p = buf;

	for (size_t i = 0; i < len; ++i)
		p[i] = (uint8_t)xorshift(&n->rng_state);
	return 0;
}

static void simnode_init(struct simnode *n, const char *name, uint8_t key_base, uint64_t seed)
{
	struct noise_upcall u = {
		.u_arg = n,
		.u_remote_get = sim_remote_get,
		.u_index_set = sim_index_set,
		.u_index_drop = sim_index_drop,
	};
	struct noise_rng rng = { .fill = sim_rng, .arg = n };
	uint8_t key[32];

	for (int i = 0; i < 32; ++i)
		key[i] = (uint8_t)(key_base + i);
	n->name = name;
	n->rng_state = seed;
	n->min_gap = n->min_rekey = UINT64_MAX;
	noise_local_init(&n->l, &u, &rng);
	if (noise_local_set_private(&n->l, key) < 0)
		++n->errors;
	timers_init(&n->t, &rng);
}

static void sim_init(struct sim *s)
{
	memset(s, 0, sizeof(*s));
	simnode_init(&s->a, "a", 0x10, 0x1111);
	simnode_init(&s->b, "b", 0x80, 0x2222);
	s->a.other = &s->b;
	s->b.other = &s->a;
	if (noise_remote_init(&s->a.peer, &s->a.l, s->b.l.l_public) < 0 ||
	    noise_remote_init(&s->b.peer, &s->b.l, s->a.l.l_public) < 0 ||
	    noise_remote_precompute(&s->a.peer) < 0 || noise_remote_precompute(&s->b.peer) < 0)
		++s->a.errors;
	s->now = T0;
}

static void wire_push(struct sim *s, struct simnode *from, const void *buf, size_t len)
{
	struct pkt *p;

	if (s->drop)
		return;
	if (from->out.n == QUEUE_LEN || len > PKT_MAX) {
		++from->errors;
		return;
	}
	p = &from->out.p[from->out.n++];
	p->len = (uint16_t)len;
	memcpy(p->buf, buf, len);
}

static void sim_wall(const struct sim *s, struct timespec *wall)
{
	wall->tv_sec = 1700000000 + (time_t)(s->now / NSEC_PER_SEC);
	wall->tv_nsec = (long)(s->now % NSEC_PER_SEC);
}

static void sent_authenticated(struct sim *s, struct simnode *n)
{
	timers_event_any_authenticated_packet_traversal(&n->t, s->now);
	timers_event_any_authenticated_packet_sent(&n->t, s->now);
}

static void received_authenticated(struct sim *s, struct simnode *n)
{
	timers_event_any_authenticated_packet_received(&n->t, s->now);
	timers_event_any_authenticated_packet_traversal(&n->t, s->now);
}

static void initiate(struct sim *s, struct simnode *n)
{
	struct message_handshake_initiation m;
	struct timespec wall;

	sim_wall(s, &wall);
	if (noise_create_initiation(&n->peer, &m, &wall, s->now) < 0) {
		++n->errors;
		return;
	}
	cookie_maker_mac(&n->peer.r_cookie, (uint8_t *)&m, sizeof(m), s->now);
	wire_push(s, n, &m, sizeof(m));
	if (n->initiations++) {
		uint64_t gap = s->now - n->last_initiation;

		n->max_gap = gap > n->max_gap ? gap : n->max_gap;
		n->min_gap = gap < n->min_gap ? gap : n->min_gap;
	} else {
		n->first_initiation = s->now;
	}
	n->last_initiation = s->now;
	sent_authenticated(s, n);
	timers_event_handshake_initiated(&n->t, s->now);
}

static void stage(struct simnode *n, uint32_t seq)
{
	if (n->nstaged == MAX_STAGED_PACKETS) {
		memmove(n->staged, n->staged + 1, sizeof(n->staged) - sizeof(n->staged[0]));
		--n->nstaged;
		++n->staged_dropped;
	}
	n->staged[n->nstaged++] = seq;
}

/* A ping ('P') or reply ('R') carrying seq, or a keepalive for seq == UINT32_MAX. */
static void send_data(struct sim *s, struct simnode *n, uint32_t seq)
{
	uint8_t plain[5], wire[PKT_MAX];
	size_t len = seq == UINT32_MAX ? 0 : sizeof(plain);
	struct noise_keypair *kp = noise_remote_current(&n->peer);
	int ret = -ENOKEY;

	plain[0] = n == &s->a ? 'P' : 'R';
	memcpy(plain + 1, &seq, sizeof(seq));
	if (kp)
		ret = noise_keypair_encrypt(kp, wire, sizeof(wire), plain, len, s->now);
	if (ret < 0) {
		stage(n, seq);
		if (timers_keep_key_fresh_send(&n->t, &n->peer, s->now))
			initiate(s, n);
		return;
	}
	if (s->want_capture && len && n == &s->a) {
		s->want_capture = false;
		s->captured_at = s->now;
		s->captured.len = (uint16_t)ret;
		memcpy(s->captured.buf, wire, (size_t)ret);
	}
	wire_push(s, n, wire, (size_t)ret);
	sent_authenticated(s, n);
	if (len)
		timers_event_data_sent(&n->t, s->now);
	if (timers_keep_key_fresh_send(&n->t, &n->peer, s->now))
		initiate(s, n);
}

static void flush_staged(struct sim *s, struct simnode *n, bool keepalive_if_empty)
{
	uint32_t staged[MAX_STAGED_PACKETS];
	size_t count = n->nstaged;

	if (!count && keepalive_if_empty) {
		send_data(s, n, UINT32_MAX);
		return;
	}
	memcpy(staged, n->staged, count * sizeof(staged[0]));
	n->nstaged = 0;
	for (size_t i = 0; i < count; ++i)
		send_data(s, n, staged[i]);
}

static void session_derived(struct sim *s, struct simnode *n)
{
	if (n->sessions++) {
		uint64_t d = s->now - n->last_session;

		n->max_rekey = d > n->max_rekey ? d : n->max_rekey;
		n->min_rekey = d < n->min_rekey ? d : n->min_rekey;
	}
	n->last_session = s->now;
	timers_event_session_derived(&n->t, s->now);
}

static bool mac1_ok(struct sim *s, struct simnode *n, uint8_t *buf, size_t len)
{
	struct cookie_src src = { .family = AF_INET, .port = htobe16(51820) };

	return cookie_checker_validate(&n->l.l_cookie, buf, len, &src, false, s->now) ==
	       COOKIE_MAC_VALID_NO_COOKIE;
}

static void receive_initiation(struct sim *s, struct simnode *n, struct pkt *p)
{
	struct message_handshake_initiation init;
	struct message_handshake_response resp;
	struct noise_remote *found = NULL;

	memcpy(&init, p->buf, sizeof(init));
	if (!mac1_ok(s, n, p->buf, p->len) ||
	    noise_consume_initiation(&n->l, &init, &found, s->now) < 0 || found != &n->peer) {
		++n->errors;
		return;
	}
	received_authenticated(s, n);
	if (noise_create_response(found, &resp, s->now) < 0 ||
	    noise_begin_session(found, s->now) < 0) {
		++n->errors;
		return;
	}
	cookie_maker_mac(&found->r_cookie, (uint8_t *)&resp, sizeof(resp), s->now);
	session_derived(s, n);
	wire_push(s, n, &resp, sizeof(resp));
	sent_authenticated(s, n);
}

static void receive_response(struct sim *s, struct simnode *n, struct pkt *p)
{
	struct message_handshake_response resp;

	memcpy(&resp, p->buf, sizeof(resp));
	if (!mac1_ok(s, n, p->buf, p->len) || !sim_index_known(n, le32toh(resp.receiver_index)) ||
	    noise_consume_response(&n->peer, &resp, s->now) < 0 ||
	    noise_begin_session(&n->peer, s->now) < 0) {
		++n->errors;
		return;
	}
	session_derived(s, n);
	timers_event_handshake_complete(&n->t, s->now);
	received_authenticated(s, n);
	if (n == &s->a && n->sessions == 5)
		s->want_capture = true;
	flush_staged(s, n, true);
}

static void receive_data(struct sim *s, struct simnode *n, struct pkt *p)
{
	const struct message_data *m = (const struct message_data *)p->buf;
	struct noise_keypair *kp = NULL;
	uint8_t plain[PKT_MAX];
	uint32_t seq;
	int ret;

	if (sim_index_known(n, le32toh(m->key_idx)))
		kp = noise_remote_keypair_lookup(&n->peer, le32toh(m->key_idx));
	if (!kp) {
		++n->errors;
		return;
	}
	ret = noise_keypair_decrypt(kp, plain, p->buf, p->len, s->now);
	if (ret < 0) {
		++n->errors;
		return;
	}
	if (s->now - kp->kp_birthdate >= REJECT_AFTER_TIME)
		++n->accepted_old;
	if (noise_remote_received_with_keypair(&n->peer, kp)) {
		timers_event_handshake_complete(&n->t, s->now);
		flush_staged(s, n, false);
	}
	received_authenticated(s, n);
	if (timers_keep_key_fresh_recv(&n->t, &n->peer, s->now))
		initiate(s, n);
	if (!ret) {
		++n->keepalives_rx;
		return;
	}
	timers_event_data_received(&n->t, s->now);
	memcpy(&seq, plain + 1, sizeof(seq));
	if (ret != 5 || seq != n->rx_seq)
		++n->out_of_order;
	n->rx_seq = seq + 1;
	++n->rx_count;
	if (plain[0] == 'P')
		send_data(s, n, seq);
}

static void deliver(struct sim *s, struct simnode *from)
{
	static struct queue q;
	struct simnode *to = from->other;

	memcpy(&q, &from->out, sizeof(q));
	from->out.n = 0;
	for (size_t i = 0; i < q.n; ++i) {
		struct pkt *p = &q.p[i];

		switch (p->len < 4 ? 0 : le32toh(((struct message_header *)p->buf)->type)) {
		case MESSAGE_HANDSHAKE_INITIATION:
			receive_initiation(s, to, p);
			break;
		case MESSAGE_HANDSHAKE_RESPONSE:
			receive_response(s, to, p);
			break;
		case MESSAGE_DATA:
			receive_data(s, to, p);
			break;
		default:
			++to->errors;
		}
	}
}

static void tick(struct sim *s, struct simnode *n)
{
	unsigned int actions = timers_tick(&n->t, s->now);

	if (actions & TIMERS_CLEAR_STAGED_PACKETS) {
		n->nstaged = 0;
		++n->give_ups;
		n->give_up_at = s->now;
	}
	if (actions & TIMERS_ZERO_KEYS) {
		noise_remote_clear(&n->peer);
		++n->zeroings;
		n->last_zero = s->now;
	}
	if (actions & TIMERS_SEND_HANDSHAKE_INITIATION)
		initiate(s, n);
	if (actions & TIMERS_SEND_KEEPALIVE)
		send_data(s, n, UINT32_MAX);
}

/* One 10 ms step: packets sent during the last step arrive, timers run, a pings b. */
static void sim_step(struct sim *s, bool ping)
{
	s->now += STEP;
	deliver(s, &s->a);
	deliver(s, &s->b);
	tick(s, &s->a);
	tick(s, &s->b);
	if (ping)
		send_data(s, &s->a, s->ping_seq++);
}

/* A copy of an early message on b's keypair, replayed once that keypair is past REJECT. */
static int replay_captured(struct sim *s)
{
	const struct message_data *m = (const struct message_data *)s->captured.buf;
	struct noise_keypair *kp = NULL;
	uint8_t plain[PKT_MAX];

	if (sim_index_known(&s->b, le32toh(m->key_idx)))
		kp = noise_remote_keypair_lookup(&s->b.peer, le32toh(m->key_idx));
	if (!kp)
		return -ENOKEY;
	return noise_keypair_decrypt(kp, plain, s->captured.buf, s->captured.len, s->now);
}

static void test_ping_for_30_minutes(struct sim *s)
{
	uint64_t steps = 30 * 60 * NSEC_PER_SEC / STEP, quiet;
	unsigned int sessions, rekeyed;
	uint64_t keepalives;
	int replayed = 1;

	for (uint64_t i = 0; i < steps; ++i) {
		sim_step(s, true);
		if (replayed == 1 && s->captured_at &&
		    s->now - s->captured_at >= REJECT_AFTER_TIME + NSEC_PER_SEC)
			replayed = replay_captured(s);
	}
	for (int i = 0; i < 10; ++i)
		sim_step(s, false);
	sessions = s->a.sessions;
	ok(s->ping_seq == steps && s->b.rx_count == steps && s->a.rx_count == steps,
	   "30 min: %u pings, %llu arrived, %llu answered", s->ping_seq,
	   (unsigned long long)s->b.rx_count, (unsigned long long)s->a.rx_count);
	ok(!s->a.out_of_order && !s->b.out_of_order && !s->a.staged_dropped,
	   "30 min: in order, nothing dropped from the stage");
	ok(!s->a.errors && !s->b.errors, "30 min: no protocol errors (a %u, b %u)", s->a.errors,
	   s->b.errors);
	ok(sessions >= (30 * 60) / 121 && sessions <= (30 * 60) / 120 + 1 &&
		   s->b.sessions == sessions,
	   "30 min: %u sessions on each side", sessions);
	ok(s->a.min_rekey >= REKEY_AFTER_TIME && s->a.max_rekey <= REKEY_AFTER_TIME + 100 * MS,
	   "initiator rekeys every %llu..%llu ms", (unsigned long long)(s->a.min_rekey / MS),
	   (unsigned long long)(s->a.max_rekey / MS));
	ok(s->a.initiations == sessions && !s->b.initiations,
	   "one initiation per session, all by a (%u), none retried", s->a.initiations);
	ok(!s->a.accepted_old && !s->b.accepted_old,
	   "nothing accepted on a keypair REJECT_AFTER_TIME old");
	ok(replayed == -EKEYEXPIRED, "a message on a 181 s old keypair is refused (%d)", replayed);
	ok(s->a.give_ups + s->b.give_ups + s->a.zeroings + s->b.zeroings == 0,
	   "30 min: no give-up, no zeroing");

	quiet = s->now;
	keepalives = s->b.keepalives_rx;
	for (uint64_t i = 0; i < 10 * 60 * NSEC_PER_SEC / STEP; ++i)
		sim_step(s, false);
	ok(s->a.zeroings == 1 && s->b.zeroings == 1, "silence: keys zeroed once on each side");
	ok(s->a.last_zero >= s->a.last_session + KEY_ZEROING_TIME &&
		   s->a.last_zero < s->a.last_session + KEY_ZEROING_TIME + STEP &&
		   s->b.last_zero >= s->b.last_session + KEY_ZEROING_TIME &&
		   s->b.last_zero < s->b.last_session + KEY_ZEROING_TIME + STEP,
	   "silence: zeroed 540 s after the last session (%llu s into the silence)",
	   (unsigned long long)((s->a.last_zero - quiet) / NSEC_PER_SEC));
	ok(!noise_remote_current(&s->a.peer) && !noise_remote_current(&s->b.peer) &&
		   !s->a.peer.r_keypairs && !s->b.peer.r_keypairs,
	   "silence: no keypair left, their storage given back (wiped)");
	/* The passive keepalive may find the keypair past REKEY_AFTER_TIME and rekey once. */
	rekeyed = s->a.sessions - sessions;
	ok(rekeyed <= 1 && s->b.keepalives_rx - keepalives == 1 + rekeyed && !s->a.keepalives_rx,
	   "silence: one passive keepalive a -> b, %u rekey(s) from it, then nothing", rekeyed);
	sessions = s->a.sessions;

	for (uint64_t i = 0; i < 60 * NSEC_PER_SEC / STEP; ++i)
		sim_step(s, true);
	for (int i = 0; i < 10; ++i)
		sim_step(s, false);
	ok(s->b.rx_count == s->ping_seq && s->a.rx_count == s->ping_seq && !s->a.out_of_order &&
		   !s->b.out_of_order,
	   "afterwards: all %u pings answered again", s->ping_seq);
	ok(s->a.sessions == sessions + 1 && s->a.initiations == sessions + 1 && !s->a.errors &&
		   !s->b.errors,
	   "afterwards: one new handshake, no errors");
}

static void test_drop_all(struct sim *s)
{
	s->drop = true;
	send_data(s, &s->a, s->ping_seq++);
	ok(s->a.initiations == 1 && s->a.nstaged == 1, "drop: ping staged, initiation sent");
	for (uint64_t i = 0; i < 700 * NSEC_PER_SEC / STEP; ++i)
		sim_step(s, false);
	ok(s->a.initiations == 20, "drop: 20 initiations (%u)", s->a.initiations);
	ok(s->a.min_gap >= REKEY_TIMEOUT && s->a.max_gap <= REKEY_TIMEOUT + 333333333ULL + STEP,
	   "drop: retries every %llu..%llu ms", (unsigned long long)(s->a.min_gap / MS),
	   (unsigned long long)(s->a.max_gap / MS));
	ok(s->a.last_initiation - s->a.first_initiation >= REKEY_ATTEMPT_TIME,
	   "drop: retried for %llu ms, at least REKEY_ATTEMPT_TIME",
	   (unsigned long long)((s->a.last_initiation - s->a.first_initiation) / MS));
	ok(s->a.give_ups == 1 && !s->a.nstaged &&
		   s->a.give_up_at - s->a.last_initiation >= REKEY_TIMEOUT,
	   "drop: gave up %llu ms after the first initiation, stage cleared",
	   (unsigned long long)((s->a.give_up_at - s->a.first_initiation) / MS));
	ok(s->a.zeroings == 1 && s->a.last_zero >= s->a.give_up_at + KEY_ZEROING_TIME &&
		   s->a.last_zero < s->a.give_up_at + KEY_ZEROING_TIME + STEP,
	   "drop: keys zeroed 540 s after giving up");
	ok(!s->b.initiations && !s->b.sessions && !s->a.sessions, "drop: b never heard a thing");
}

static void test_keep_key_fresh(struct sim *s)
{
	struct timers *t = &s->a.t;

	ok(timers_keep_key_fresh_send(t, &s->a.peer, s->now),
	   "no keypair: sending asks for a handshake");
	timers_event_handshake_initiated(t, s->now);
	t->t_handshake_attempts = 7;
	ok(!timers_keep_key_fresh_send(t, &s->a.peer, s->now + REKEY_TIMEOUT - 1) &&
		   !t->t_handshake_attempts,
	   "but not twice within REKEY_TIMEOUT; the retry budget restarts");
	ok(!timers_keep_key_fresh_recv(t, &s->a.peer, s->now),
	   "no keypair: nothing to refresh on receive");
}

int main(void)
{
	struct sim *s;

	if (crypto_init() < 0) {
		ok(false, "crypto_init");
		return done_testing();
	}
	test_table();
	test_give_up();
	test_jitter_and_gap();

	s = calloc(1, sizeof(*s));
	sim_init(s);
	test_keep_key_fresh(s);
	sim_init(s);
	test_ping_for_30_minutes(s);
	noise_remote_clear(&s->a.peer);
	noise_remote_clear(&s->b.peer);

	sim_init(s);
	test_drop_all(s);
	noise_remote_clear(&s->a.peer);
	free(s);
	return done_testing();
}
