// SPDX-License-Identifier: MIT
/*
 * wgflood: hostile traffic for tests/t0610-hostile.sh. Sends IPv4/UDP datagrams from spoofed
 * sources through a raw socket (IP_HDRINCL) in sendmmsg batches, at a given rate for a given time.
 *
 *   wgflood MODE -t IP:PORT [-k PUBKEY] [-r PPS] [-d SECONDS] [-n COUNT] [-s CIDR] [-p PORT]
 *
 *   init         148-byte handshake initiations: random sender index, ephemeral, static and
 *                timestamp bytes, and a valid MAC1 for PUBKEY (the responder's public key)
 *   badmac       the same with a wrong MAC1
 *   garbage      random lengths (0..1024) and bytes
 *   replay FILE  resend captured datagrams: FILE has one hex payload a line (tshark's
 *                udp.payload field; ':' and blanks ignored, '#' starts a comment line), sent
 *                in turn
 *
 *   -r PPS       rate (0 = as fast as possible; default 0)
 *   -d SECONDS   how long (default 1; ignored when -n ends it first)
 *   -n COUNT     stop after COUNT datagrams (0 = no limit)
 *   -s CIDR      source addresses drawn at random from this prefix (default 10.99.0.0/16)
 *   -p PORT      fixed source port (default: random 1024..65535)
 *
 * Prints `sent=N seconds=T pps=R start_ms=M` (M: CLOCK_REALTIME of the first send, in ms) on
 * stdout, also when stopped early by SIGTERM or SIGINT.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/udp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "crypto/crypto.h"
#include "model/encoding.h"
#include "noise/messages.h"

enum { BATCH = 64, PKT_MAX = 1500, PAYLOAD_MAX = PKT_MAX - 28, GARBAGE_MAX = 1024 };

enum mode { MODE_INIT, MODE_BADMAC, MODE_GARBAGE, MODE_REPLAY };

struct record {
	size_t len;
	uint8_t *data;
};

static uint64_t rng_state;
static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static uint64_t rnd(void)
{
	/* xorshift64*: the flood needs speed, not secrecy */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545F4914F6CDD1DULL;
}

static void rnd_fill(uint8_t *p, size_t len)
{
	while (len >= 8) {
		uint64_t v = rnd();

		memcpy(p, &v, 8);
		p += 8;
		len -= 8;
	}
	if (len) {
		uint64_t v = rnd();

		memcpy(p, &v, len);
	}
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint16_t ip_checksum(const void *hdr, size_t len)
{
	const uint8_t *p = hdr;
	uint32_t sum = 0;

	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return htons((uint16_t)~sum);
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* One hex datagram a line; returns the number of records or -1. */
static int read_records(const char *path, struct record **out)
{
	FILE *f = fopen(path, "r");
	struct record *recs = NULL;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int count = 0;

	if (!f) {
		perror(path);
		return -1;
	}
	while ((n = getline(&line, &cap, f)) >= 0) {
		uint8_t *data;
		size_t len = 0, skip = strspn(line, " \t");
		int hi = -1;

		if (line[skip] == '#')
			continue;
		data = malloc((size_t)n / 2 + 1);
		if (!data)
			abort();
		for (ssize_t i = 0; i < n; ++i) {
			int v = hexval((unsigned char)line[i]);

			if (v < 0)
				continue;
			if (hi < 0) {
				hi = v;
			} else {
				data[len++] = (uint8_t)(hi << 4 | v);
				hi = -1;
			}
		}
		if (!len || len > PAYLOAD_MAX) {
			free(data);
			continue;
		}
		recs = realloc(recs, (size_t)(count + 1) * sizeof(*recs));
		if (!recs)
			abort();
		recs[count].len = len;
		recs[count++].data = data;
	}
	free(line);
	fclose(f);
	*out = recs;
	return count;
}

static void usage(void)
{
	fprintf(stderr, "usage: wgflood init|badmac|garbage|replay FILE -t IP:PORT [-k PUBKEY] "
			"[-r PPS] [-d SECONDS] [-n COUNT] [-s CIDR] [-p PORT]\n");
	exit(2);
}

static bool parse_ipport(const char *arg, struct sockaddr_in *sa)
{
	char buf[64];
	char *colon;
	long port;

	if (strlen(arg) >= sizeof(buf))
		return false;
	strcpy(buf, arg);
	colon = strrchr(buf, ':');
	if (!colon)
		return false;
	*colon = '\0';
	port = strtol(colon + 1, NULL, 10);
	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	sa->sin_port = htons((uint16_t)port);
	return port > 0 && port < 65536 && inet_pton(AF_INET, buf, &sa->sin_addr) == 1;
}

static bool parse_cidr(const char *arg, uint32_t *base, uint32_t *mask)
{
	char buf[64];
	char *slash;
	struct in_addr a;
	long bits = 32;

	if (strlen(arg) >= sizeof(buf))
		return false;
	strcpy(buf, arg);
	slash = strchr(buf, '/');
	if (slash) {
		*slash = '\0';
		bits = strtol(slash + 1, NULL, 10);
	}
	if (bits < 0 || bits > 32 || inet_pton(AF_INET, buf, &a) != 1)
		return false;
	*mask = bits ? ~0U << (32 - bits) : 0;
	*base = ntohl(a.s_addr) & *mask;
	return true;
}

int main(int argc, char **argv)
{
	static uint8_t pkts[BATCH][PKT_MAX];
	struct mmsghdr msgs[BATCH];
	struct iovec iovs[BATCH];
	struct sockaddr_in dst = { 0 };
	struct record *recs = NULL;
	uint8_t pub[32], mac1_key[BLAKE2S_HASH_SIZE];
	uint32_t src_base, src_mask;
	double rate = 0, duration = 1, start, next, elapsed;
	unsigned long long limit = 0, sent = 0;
	long long start_ms;
	unsigned long nrec = 0, rec_i = 0;
	long fixed_port = 0;
	bool have_key = false;
	enum mode mode;
	int fd, one = 1, opt;

	if (argc < 2)
		usage();
	if (!strcmp(argv[1], "init"))
		mode = MODE_INIT;
	else if (!strcmp(argv[1], "badmac"))
		mode = MODE_BADMAC;
	else if (!strcmp(argv[1], "garbage"))
		mode = MODE_GARBAGE;
	else if (!strcmp(argv[1], "replay") && argc > 2)
		mode = MODE_REPLAY;
	else
		usage();
	if (mode == MODE_REPLAY) {
		int n = read_records(argv[2], &recs);

		if (n <= 0) {
			fprintf(stderr, "wgflood: no datagrams in %s\n", argv[2]);
			return 1;
		}
		nrec = (unsigned long)n;
		argv += 1;
		argc -= 1;
	}
	parse_cidr("10.99.0.0/16", &src_base, &src_mask);
	optind = 2;
	while ((opt = getopt(argc, argv, "t:k:r:d:n:s:p:")) != -1) {
		switch (opt) {
		case 't':
			if (!parse_ipport(optarg, &dst))
				usage();
			break;
		case 'k':
			if (!key_from_base64(pub, optarg)) {
				fprintf(stderr, "wgflood: bad public key `%s'\n", optarg);
				return 2;
			}
			have_key = true;
			break;
		case 'r':
			rate = strtod(optarg, NULL);
			break;
		case 'd':
			duration = strtod(optarg, NULL);
			break;
		case 'n':
			limit = strtoull(optarg, NULL, 10);
			break;
		case 's':
			if (!parse_cidr(optarg, &src_base, &src_mask))
				usage();
			break;
		case 'p':
			fixed_port = strtol(optarg, NULL, 10);
			break;
		default:
			usage();
		}
	}
	if (!dst.sin_family || (mode == MODE_INIT && !have_key))
		usage();
	if (getrandom(&rng_state, sizeof(rng_state), 0) != sizeof(rng_state) || !rng_state)
		rng_state = 0x9e3779b97f4a7c15ULL ^ (uint64_t)getpid();
	if (have_key) {
		uint8_t in[COOKIE_LABEL_LEN + 32];

		memcpy(in, COOKIE_LABEL_MAC1, COOKIE_LABEL_LEN);
		memcpy(in + COOKIE_LABEL_LEN, pub, 32);
		if (blake2s(mac1_key, sizeof(mac1_key), in, sizeof(in), NULL, 0))
			abort();
	}

	fd = socket(AF_INET, SOCK_RAW, IPPROTO_RAW);
	if (fd < 0 || setsockopt(fd, IPPROTO_IP, IP_HDRINCL, &one, sizeof(one))) {
		perror("wgflood: raw socket");
		return 1;
	}
	{
		int sndbuf = 4 << 20;

		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
	}
	memset(msgs, 0, sizeof(msgs));
	for (int i = 0; i < BATCH; ++i) {
		iovs[i].iov_base = pkts[i];
		msgs[i].msg_hdr.msg_iov = &iovs[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
		msgs[i].msg_hdr.msg_name = &dst;
		msgs[i].msg_hdr.msg_namelen = sizeof(dst);
	}

	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	{
		struct timespec wall;

		clock_gettime(CLOCK_REALTIME, &wall);
		start_ms = (long long)wall.tv_sec * 1000 + wall.tv_nsec / 1000000;
	}
	start = next = now_s();
	for (;;) {
		unsigned int batch = BATCH;
		int ret;

		elapsed = now_s() - start;
		if (stop || elapsed >= duration || (limit && sent >= limit))
			break;
		if (limit && limit - sent < batch)
			batch = (unsigned int)(limit - sent);
		if (rate > 0) {
			/* the batch is due at next, paced to the rate */
			double wait = next - now_s();

			if (wait > 0) {
				struct timespec ts = {
					(time_t)wait, (long)((wait - (double)(time_t)wait) * 1e9)
				};

				nanosleep(&ts, NULL);
			}
			if ((double)batch > rate / 100 && rate / 100 >= 1)
				batch = (unsigned int)(rate / 100);
			next += (double)batch / rate;
		}
		for (unsigned int i = 0; i < batch; ++i) {
			uint8_t *p = pkts[i], *payload = p + 28;
			struct iphdr *ip = (struct iphdr *)p;
			struct udphdr *udp = (struct udphdr *)(p + 20);
			size_t len = 0;

			switch (mode) {
			case MODE_INIT:
			case MODE_BADMAC:
				len = MESSAGE_INITIATION_LEN;
				rnd_fill(payload, len);
				payload[0] = MESSAGE_HANDSHAKE_INITIATION;
				payload[1] = payload[2] = payload[3] = 0;
				if (mode == MODE_INIT)
					if (blake2s(payload + 116, COOKIE_LEN, payload, 116,
						    mac1_key, sizeof(mac1_key)))
						abort();
				memset(payload + 132, 0, COOKIE_LEN);
				break;
			case MODE_GARBAGE:
				len = rnd() % (GARBAGE_MAX + 1);
				rnd_fill(payload, len);
				break;
			case MODE_REPLAY:
				len = recs[rec_i].len;
				memcpy(payload, recs[rec_i].data, len);
				rec_i = (rec_i + 1) % nrec;
				break;
			}
			memset(ip, 0, sizeof(*ip));
			ip->version = 4;
			ip->ihl = 5;
			ip->ttl = 64;
			ip->protocol = IPPROTO_UDP;
			ip->tot_len = htons((uint16_t)(28 + len));
			ip->id = (uint16_t)rnd();
			ip->saddr = htonl(src_base | ((uint32_t)rnd() & ~src_mask));
			ip->daddr = dst.sin_addr.s_addr;
			ip->check = ip_checksum(ip, 20);
			udp->source = htons(fixed_port ? (uint16_t)fixed_port
						       : (uint16_t)(1024 + rnd() % (65536 - 1024)));
			udp->dest = dst.sin_port;
			udp->len = htons((uint16_t)(8 + len));
			udp->check = 0; /* optional over IPv4 */
			iovs[i].iov_len = 28 + len;
		}
		ret = sendmmsg(fd, msgs, batch, 0);
		if (ret < 0) {
			if (errno == ENOBUFS || errno == EAGAIN || errno == EINTR) {
				if (mode == MODE_REPLAY)
					rec_i = (rec_i + nrec - batch % nrec) % nrec;
				continue;
			}
			perror("wgflood: sendmmsg");
			return 1;
		}
		sent += (unsigned long long)ret;
		if (mode == MODE_REPLAY) /* what was not sent goes first next time */
			rec_i = (rec_i + nrec - ((unsigned int)batch - (unsigned int)ret) % nrec) %
				nrec;
	}
	elapsed = now_s() - start;
	printf("sent=%llu seconds=%.3f pps=%.0f start_ms=%lld\n", sent, elapsed,
	       elapsed > 0 ? (double)sent / elapsed : 0.0, start_ms);
	close(fd);
	for (unsigned long i = 0; i < nrec; ++i)
		free(recs[i].data);
	free(recs);
	return 0;
}
