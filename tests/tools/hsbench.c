// SPDX-License-Identifier: MIT
/*
 * hsbench: responder handshakes per second, for tests/bench/run. Plays N real initiators, each
 * with its own static key (derived from a seed, so the responder can be configured with their
 * public keys), against one responder: wgctl daemon or wireguard-go, which cannot tell it from N
 * real peers.
 *
 *   hsbench peers -n N [-s SEED]
 *       prints N `[Peer]` sections (public key, a /32 allowed IP) for `wg setconf`
 *   hsbench run -n N -k RESPONDER_PUB -t IP:PORT [-s SEED] [-c COUNT] [-w WINDOW]
 *               [-d SECONDS] [-p PID]
 *       prepares COUNT initiations (round-robin over the initiators, each with a newer
 *       timestamp than its last and a valid MAC1) before the clock starts, so that making them
 *       costs the responder no CPU, then sends them keeping at most WINDOW unanswered: the
 *       responder's handshake queue stays far below its under-load mark (no cookies, no rate
 *       limit), and consecutive initiations of one initiator are N sends apart, well over the
 *       protocol's 20 ms flood interval at any rate this host reaches.
 *
 * A response counts when it is a 92-byte handshake response whose receiver index is that of an
 * initiation still outstanding. With -p, the responder's CPU time (utime + stime of every
 * thread, /proc/PID/stat) over the same interval gives handshakes per CPU-second.
 *
 * Prints `sent=S responses=R lost=L seconds=T rate=HS/s cpu=C per_cpu=HS/CPU-s` on stdout.
 * Traffic goes only where -t says (the bench's own namespace).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "crypto/crypto.h"
#include "model/encoding.h"
#include "noise/noise.h"

enum { LOST_AFTER_MS = 1000 };

struct initiator {
	struct noise_local l;
	struct noise_remote r;
};

static uint32_t next_index;

static struct noise_remote *no_remote(void *arg, const uint8_t pub[NOISE_PUBLIC_KEY_LEN])
{
	(void)arg;
	(void)pub;
	return NULL;
}

/* The sender index of each initiation is its position in the prepared list. */
static int index_set(void *arg, struct noise_remote *r, uint32_t *index)
{
	(void)arg;
	(void)r;
	*index = next_index;
	return 0;
}

static void index_drop(void *arg, uint32_t index)
{
	(void)arg;
	(void)index;
}

static const struct noise_upcall upcall = { NULL, no_remote, index_set, index_drop };

static void die(const char *what)
{
	fprintf(stderr, "hsbench: %s\n", what);
	exit(1);
}

static void initiator_key(uint8_t priv[32], const char *seed, unsigned i)
{
	char label[64];

	snprintf(label, sizeof(label), "hsbench %u", i);
	if (blake2s(priv, 32, label, strlen(label), seed, strlen(seed)))
		die("blake2s");
	curve25519_clamp_secret(priv);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint64_t boottime_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_BOOTTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* utime + stime of every thread of pid, in seconds; -1 when unreadable. */
static double cpu_seconds(long pid)
{
	char path[64], buf[1024], *p;
	unsigned long long ut, st;
	FILE *f;
	size_t n;

	if (pid <= 0)
		return -1;
	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	/* After the command name, which may hold blanks and parentheses: fields 3.. */
	p = strrchr(buf, ')');
	if (!p ||
	    sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) != 2)
		return -1;
	return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

static int cmd_peers(unsigned n, const char *seed)
{
	uint8_t priv[32], pub[32];
	char b64[WG_KEY_LEN_BASE64];

	for (unsigned i = 0; i < n; ++i) {
		initiator_key(priv, seed, i);
		if (curve25519_generate_public(pub, priv))
			die("public key");
		key_to_base64(b64, pub);
		printf("[Peer]\nPublicKey = %s\nAllowedIPs = 10.%u.%u.%u/32\n\n", b64,
		       100 + (i >> 16), (i >> 8) & 255, i & 255);
	}
	memzero_explicit(priv, sizeof(priv));
	return 0;
}

static int parse_target(struct sockaddr_in *sa, const char *s)
{
	char host[64];
	const char *colon = strrchr(s, ':');

	if (!colon || (size_t)(colon - s) >= sizeof(host))
		return -1;
	memcpy(host, s, (size_t)(colon - s));
	host[colon - s] = 0;
	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	sa->sin_port = htons((uint16_t)atoi(colon + 1));
	return inet_pton(AF_INET, host, &sa->sin_addr) == 1 ? 0 : -1;
}

struct run {
	unsigned n, count, window;
	double seconds;
	long pid;
	const char *seed;
	uint8_t responder[32];
	struct sockaddr_in target;
};

static struct message_handshake_initiation *prepare(const struct run *o)
{
	struct message_handshake_initiation *msgs = calloc(o->count, sizeof(*msgs));
	struct initiator *in = calloc(o->n, sizeof(*in));
	struct timespec wall;
	uint64_t now = boottime_ns();
	uint8_t priv[32];

	if (!msgs || !in)
		die("out of memory");
	clock_gettime(CLOCK_REALTIME, &wall);
	for (unsigned i = 0; i < o->n; ++i) {
		noise_local_init(&in[i].l, &upcall, NULL);
		initiator_key(priv, o->seed, i);
		if (noise_local_set_private(&in[i].l, priv) ||
		    noise_remote_init(&in[i].r, &in[i].l, o->responder) ||
		    noise_remote_precompute(&in[i].r))
			die("initiator setup");
	}
	for (unsigned k = 0; k < o->count; ++k) {
		struct initiator *x = &in[k % o->n];
		/* One second newer per round: the responder keeps each initiator's latest. */
		struct timespec ts = { wall.tv_sec + (time_t)(k / o->n), wall.tv_nsec };

		next_index = k;
		if (noise_create_initiation(&x->r, &msgs[k], &ts, now))
			die("noise_create_initiation");
		cookie_maker_mac(&x->r.r_cookie, (uint8_t *)&msgs[k], sizeof(msgs[k]), now);
		noise_remote_handshake_clear(&x->r);
	}
	for (unsigned i = 0; i < o->n; ++i) {
		noise_remote_clear(&in[i].r);
		noise_local_clear(&in[i].l);
	}
	free(in);
	memzero_explicit(priv, sizeof(priv));
	return msgs;
}

static int cmd_run(const struct run *o)
{
	struct message_handshake_initiation *msgs = prepare(o);
	double *sent_at = calloc(o->count, sizeof(double));
	uint8_t *answered = calloc(o->count, 1);
	unsigned next = 0, outstanding = 0, responses = 0, lost = 0, oldest = 0;
	double start, end, cpu0, cpu1, deadline;
	int fd;

	if (!sent_at || !answered)
		die("out of memory");
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	if (fd < 0 || connect(fd, (const struct sockaddr *)&o->target, sizeof(o->target)))
		die("socket");
	cpu0 = cpu_seconds(o->pid);
	start = now_s();
	deadline = start + o->seconds;
	for (;;) {
		struct message_handshake_response resp;
		double t = now_s();
		ssize_t len;

		while (outstanding < o->window && next < o->count && t < deadline) {
			if (send(fd, &msgs[next], sizeof(msgs[next]), 0) < 0) {
				if (errno == EAGAIN || errno == ENOBUFS)
					break;
				die("send");
			}
			sent_at[next++] = t;
			++outstanding;
		}
		/* What went unanswered for a second is lost: its slot goes to a new one. */
		for (; oldest < next &&
		       (answered[oldest] || t - sent_at[oldest] > LOST_AFTER_MS / 1e3);
		     ++oldest) {
			if (!answered[oldest]) {
				answered[oldest] = 2;
				++lost;
				--outstanding;
			}
		}
		if (outstanding == 0 && (next == o->count || t >= deadline))
			break;
		if (poll(&(struct pollfd){ .fd = fd, .events = POLLIN }, 1, 10) < 0 &&
		    errno != EINTR)
			die("poll");
		while ((len = recv(fd, &resp, sizeof(resp), 0)) >= 0) {
			uint32_t idx = le32toh(resp.receiver_index);

			if (len != (ssize_t)sizeof(resp) ||
			    le32toh(resp.header.type) != MESSAGE_HANDSHAKE_RESPONSE ||
			    idx >= next || answered[idx])
				continue;
			answered[idx] = 1;
			++responses;
			--outstanding;
		}
	}
	end = now_s();
	cpu1 = cpu_seconds(o->pid);
	printf("sent=%u responses=%u lost=%u seconds=%.3f rate=%.1f cpu=%.2f per_cpu=%.1f\n", next,
	       responses, lost, end - start, responses / (end - start),
	       cpu0 >= 0 && cpu1 >= 0 ? cpu1 - cpu0 : -1,
	       cpu0 >= 0 && cpu1 > cpu0 ? responses / (cpu1 - cpu0) : -1);
	close(fd);
	free(answered);
	free(sent_at);
	memzero_explicit(msgs, sizeof(*msgs) * o->count);
	free(msgs);
	return 0;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: hsbench peers -n N [-s SEED]\n"
		"       hsbench run -n N -k PUB -t IP:PORT [-s SEED] [-c COUNT] [-w WINDOW] "
		"[-d SECONDS] [-p PID]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	struct run o = { .n = 1000, .count = 20000, .window = 64, .seconds = 10, .seed = "wgctl" };
	bool have_key = false, have_target = false;
	int c;

	if (argc < 2)
		usage();
	optind = 2;
	while ((c = getopt(argc, argv, "n:s:k:t:c:w:d:p:")) != -1) {
		switch (c) {
		case 'n':
			o.n = (unsigned)strtoul(optarg, NULL, 0);
			break;
		case 's':
			o.seed = optarg;
			break;
		case 'k':
			have_key = key_from_base64(o.responder, optarg);
			break;
		case 't':
			have_target = parse_target(&o.target, optarg) == 0;
			break;
		case 'c':
			o.count = (unsigned)strtoul(optarg, NULL, 0);
			break;
		case 'w':
			o.window = (unsigned)strtoul(optarg, NULL, 0);
			break;
		case 'd':
			o.seconds = atof(optarg);
			break;
		case 'p':
			o.pid = atol(optarg);
			break;
		default:
			usage();
		}
	}
	if (o.n == 0 || o.n > 1000000 || o.window == 0 || o.seconds <= 0)
		usage();
	if (crypto_init())
		die("crypto_init");
	if (!strcmp(argv[1], "peers"))
		return cmd_peers(o.n, o.seed);
	if (strcmp(argv[1], "run") || !have_key || !have_target || o.count == 0)
		usage();
	return cmd_run(&o);
}
