// SPDX-License-Identifier: MIT
/*
 * aips-bench: the lookup figures of docs/scale.md. Not part of make check.
 *
 * Builds one allowedips table with the mix of tests/bench/scale (60% IPv4 /32 in 10/8, 20% IPv4
 * /24 in 100/8-163/8, 15% IPv6 /128 in fd00:5ca1::/32, 5% IPv6 /64 in 2001:db8::/32) over many
 * owners, then times lookups of random addresses: hits (random host bits under a stored prefix)
 * and misses (random addresses in the same ranges that no prefix covers), IPv4 and IPv6.
 *
 * Two naive references check it: a hash probe of every prefix length, longest first, over the
 * whole table (it checks --check lookups of every kind), and a linear longest-prefix scan over a
 * small table of the first --sample prefixes (checked against a trie of the same prefixes). Any
 * disagreement is printed and the exit status is 1.
 *
 *   build/tests/tools/aips-bench [--prefixes N] [--owners N] [--lookups N] [--check N]
 *                                [--sample N] [--seed N]
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "datapath/allowedips.h"

struct owner {
	unsigned int id;
	struct allowedips_owner aip;
};

struct prefix {
	uint8_t addr[16];
	uint8_t cidr;
	uint8_t v6;
	unsigned int owner;
};

/* The reference hash: every stored prefix, keyed by family, length and masked address. */
struct slot {
	uint8_t addr[16];
	uint8_t cidr, v6, used;
	unsigned int owner;
};

static struct slot *hash;
static size_t hash_mask;
static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint64_t rnd(void)
{
	/* splitmix64 */
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void mask(uint8_t *a, unsigned int cidr, unsigned int bytes)
{
	for (unsigned int i = 0; i < bytes; ++i) {
		if (cidr >= 8 * (i + 1))
			continue;
		a[i] &= cidr > 8 * i ? (uint8_t)(0xff << (8 - (cidr - 8 * i))) : 0;
	}
}

static size_t hash_of(const uint8_t *a, uint8_t cidr, uint8_t v6)
{
	uint64_t h = 1469598103934665603ULL ^ cidr ^ (uint64_t)v6 << 8;

	for (int i = 0; i < 16; ++i)
		h = (h ^ a[i]) * 1099511628211ULL;
	return (size_t)(h ^ h >> 29);
}

static struct slot *hash_find(const uint8_t *a, uint8_t cidr, uint8_t v6, bool add)
{
	size_t i = hash_of(a, cidr, v6) & hash_mask;

	for (;; i = (i + 1) & hash_mask) {
		struct slot *s = &hash[i];

		if (!s->used)
			return add ? s : NULL;
		if (s->cidr == cidr && s->v6 == v6 && !memcmp(s->addr, a, 16))
			return s;
	}
}

/* Longest prefix by probing every length: the owner index + 1, or 0 for no match. */
static unsigned int ref_hash_lookup(const uint8_t *addr, int v6)
{
	unsigned int bits = v6 ? 128 : 32;
	uint8_t a[16];

	for (int cidr = (int)bits; cidr >= 0; --cidr) {
		struct slot *s;

		memset(a, 0, 16);
		memcpy(a, addr, bits / 8);
		mask(a, (unsigned int)cidr, bits / 8);
		s = hash_find(a, (uint8_t)cidr, (uint8_t)v6, false);
		if (s)
			return s->owner + 1;
	}
	return 0;
}

/* The linear reference: scan every prefix, keep the longest that contains addr. */
static unsigned int ref_linear_lookup(const struct prefix *p, size_t n, const uint8_t *addr, int v6)
{
	unsigned int bytes = v6 ? 16 : 4, found = 0;
	int best = -1;
	uint8_t a[16];

	for (size_t i = 0; i < n; ++i) {
		if (p[i].v6 != v6 || (int)p[i].cidr <= best)
			continue;
		memcpy(a, addr, bytes);
		mask(a, p[i].cidr, bytes);
		if (!memcmp(a, p[i].addr, bytes)) {
			best = p[i].cidr;
			found = p[i].owner + 1;
		}
	}
	return found;
}

static void make_prefix(struct prefix *p, size_t i, size_t n)
{
	uint64_t r = rnd();

	memset(p, 0, sizeof(*p));
	if (i < n * 60 / 100) {
		p->addr[0] = 10;
		p->addr[1] = (uint8_t)(r >> 16);
		p->addr[2] = (uint8_t)(r >> 8);
		p->addr[3] = (uint8_t)r;
		p->cidr = 32;
	} else if (i < n * 80 / 100) {
		p->addr[0] = (uint8_t)(100 + ((r >> 16) & 63));
		p->addr[1] = (uint8_t)(r >> 8);
		p->addr[2] = (uint8_t)r;
		p->cidr = 24;
	} else if (i < n * 95 / 100) {
		uint64_t r2 = rnd();

		p->v6 = 1;
		p->addr[0] = 0xfd;
		p->addr[2] = 0x5c;
		p->addr[3] = 0xa1;
		for (int k = 0; k < 8; ++k)
			p->addr[4 + k] = (uint8_t)(r >> (8 * k));
		for (int k = 0; k < 4; ++k)
			p->addr[12 + k] = (uint8_t)(r2 >> (8 * k));
		p->cidr = 128;
	} else {
		p->v6 = 1;
		p->addr[0] = 0x20;
		p->addr[1] = 0x01;
		p->addr[2] = 0x0d;
		p->addr[3] = 0xb8;
		for (int k = 0; k < 4; ++k)
			p->addr[4 + k] = (uint8_t)(r >> (8 * k));
		p->cidr = 64;
	}
}

/* A random address in the ranges the mix populates, for family v6. */
static void near_address(uint8_t *a, int v6)
{
	uint64_t r = rnd(), r2 = rnd();

	memset(a, 0, 16);
	if (!v6) {
		a[0] = (r & 1) ? 10 : (uint8_t)(100 + ((r >> 1) & 63));
		a[1] = (uint8_t)(r >> 16);
		a[2] = (uint8_t)(r >> 24);
		a[3] = (uint8_t)(r >> 32);
		return;
	}
	memcpy(a, (r & 1) ? "\xfd\x00\x5c\xa1" : "\x20\x01\x0d\xb8", 4);
	for (int k = 0; k < 4; ++k)
		a[4 + k] = (uint8_t)(r >> (8 + 8 * k));
	for (int k = 0; k < 8; ++k)
		a[8 + k] = (uint8_t)(r2 >> (8 * k));
}

static size_t arg(int argc, char **argv, const char *name, size_t def)
{
	for (int i = 1; i + 1 < argc; ++i) {
		if (!strcmp(argv[i], name))
			return (size_t)strtoull(argv[i + 1], NULL, 10);
	}
	return def;
}

/* The owner's index + 1, or 0 for no owner, as the references answer. */
static unsigned int owner_index(struct allowedips_owner *o)
{
	return o ? ((struct owner *)((char *)o - offsetof(struct owner, aip)))->id + 1 : 0;
}

static volatile uintptr_t sink;

/* ns per lookup of n addresses, best of three passes. */
static double time_lookups(const struct allowedips *t, uint8_t (*addrs)[16], size_t n, int v6)
{
	double best = 1e99;

	for (int pass = 0; pass < 3; ++pass) {
		uintptr_t acc = 0;
		double t0 = now(), dt;

		for (size_t i = 0; i < n; ++i)
			acc += (uintptr_t)allowedips_lookup(t, v6 ? AF_INET6 : AF_INET, addrs[i]);
		dt = now() - t0;
		sink += acc;
		if (dt < best)
			best = dt;
	}
	return best * 1e9 / (double)n;
}

int main(int argc, char **argv)
{
	size_t nprefixes = arg(argc, argv, "--prefixes", 1000000);
	size_t nowners = arg(argc, argv, "--owners", 10000);
	size_t nlookups = arg(argc, argv, "--lookups", 1000000);
	size_t ncheck = arg(argc, argv, "--check", 4000);
	size_t nsample = arg(argc, argv, "--sample", 1000);
	struct owner *owners = calloc(nowners ? nowners : 1, sizeof(*owners));
	struct prefix *pfx = calloc(nprefixes ? nprefixes : 1, sizeof(*pfx));
	uint8_t(*addrs)[16] = malloc((nlookups ? nlookups : 1) * 16);
	struct allowedips t, small;
	size_t hash_size = 1, mismatches = 0, fails = 0, n4 = 0, n6 = 0;
	double t0, t_insert;
	uint8_t a[16];

	rng_state ^= arg(argc, argv, "--seed", 1);
	if (!owners || !pfx || !addrs || !nowners)
		return 2;
	if (nsample > nprefixes)
		nsample = nprefixes;
	while (hash_size < 2 * nprefixes + 2)
		hash_size <<= 1;
	hash = calloc(hash_size, sizeof(*hash));
	if (!hash)
		return 2;
	hash_mask = hash_size - 1;
	for (size_t i = 0; i < nowners; ++i)
		owners[i].id = (unsigned int)i;

	/* Distinct prefixes, so that the owner of each is known. */
	for (size_t i = 0; i < nprefixes; ++i) {
		struct slot *s;

		do {
			make_prefix(&pfx[i], i, nprefixes);
			s = hash_find(pfx[i].addr, pfx[i].cidr, pfx[i].v6, true);
		} while (s->used);
		s->used = 1;
		memcpy(s->addr, pfx[i].addr, 16);
		s->cidr = pfx[i].cidr;
		s->v6 = pfx[i].v6;
		s->owner = pfx[i].owner = (unsigned int)(i % nowners);
		pfx[i].v6 ? ++n6 : ++n4;
	}
	/* Shuffle the insertion order, as a configuration does not come sorted by family. */
	for (size_t i = nprefixes; i > 1; --i) {
		size_t j = rnd() % i;
		struct prefix tmp = pfx[i - 1];

		pfx[i - 1] = pfx[j];
		pfx[j] = tmp;
	}

	allowedips_init(&t);
	t0 = now();
	if (allowedips_reserve(&t, nprefixes) < 0)
		return 2;
	for (size_t i = 0; i < nprefixes; ++i)
		fails += allowedips_insert(&t, pfx[i].v6 ? AF_INET6 : AF_INET, pfx[i].addr,
					   pfx[i].cidr, &owners[pfx[i].owner].aip) != 0;
	allowedips_unreserve(&t);
	t_insert = now() - t0;
	if (fails) {
		fprintf(stderr, "aips-bench: %zu inserts failed\n", fails);
		return 1;
	}
	printf("aips-bench: %zu prefixes (%zu IPv4, %zu IPv6) over %zu owners\n", nprefixes, n4, n6,
	       nowners);
	printf("  insert (reserve + insert + unreserve)  %8.3f s   %6.0f ns/prefix\n", t_insert,
	       t_insert * 1e9 / (double)(nprefixes ? nprefixes : 1));
	printf("  trie nodes                             %8zu     %6.2f per prefix\n",
	       allowedips_node_count(&t),
	       (double)allowedips_node_count(&t) / (double)(nprefixes ? nprefixes : 1));
	printf("  node bytes (without malloc overhead)   %8.1f MiB %6.1f B/prefix\n",
	       (double)allowedips_bytes(&t) / 1048576.0,
	       (double)allowedips_bytes(&t) / (double)(nprefixes ? nprefixes : 1));
	printf("  node arena (chunks, incl. free/spare)  %8.1f MiB %6.1f B/prefix, %zu B a node\n",
	       (double)allowedips_arena_bytes(&t) / 1048576.0,
	       (double)allowedips_arena_bytes(&t) / (double)(nprefixes ? nprefixes : 1),
	       allowedips_node_size());
	printf("  IPv4 lookup directory (16-8-8 tables)  %8.1f MiB %6.1f B/IPv4 prefix\n",
	       (double)allowedips_dir_bytes(&t) / 1048576.0,
	       (double)allowedips_dir_bytes(&t) / (double)(n4 ? n4 : 1));
	if (allowedips_check(&t)) {
		fprintf(stderr, "aips-bench: allowedips_check failed\n");
		return 1;
	}

	/* Correctness over the whole table: every kind of lookup against the hash probe. */
	for (int v6 = 0; v6 < 2; ++v6) {
		for (size_t i = 0; i < 2 * ncheck && nprefixes; ++i) {
			unsigned int want, got;

			if (i & 1) {
				near_address(a, v6);
			} else {
				const struct prefix *p;

				do
					p = &pfx[rnd() % nprefixes];
				while (p->v6 != v6 && (v6 ? n6 : n4));
				for (int k = 0; k < 16; ++k)
					a[k] = (uint8_t)rnd();
				for (unsigned int b = 0; b < p->cidr; ++b) {
					uint8_t bit = (uint8_t)(0x80 >> (b & 7));

					a[b / 8] = (uint8_t)((a[b / 8] & ~bit) |
							     (p->addr[b / 8] & bit));
				}
			}
			want = ref_hash_lookup(a, v6);
			got = owner_index(allowedips_lookup(&t, v6 ? AF_INET6 : AF_INET, a));
			if (want != got && mismatches++ < 10)
				fprintf(stderr,
					"aips-bench: mismatch (%s): owner %u, reference %u\n",
					v6 ? "v6" : "v4", got, want);
		}
	}

	printf("\n  %-28s %10s %10s\n", "lookup (ns each, best of 3)", "IPv4", "IPv6");
	for (int kind = 0; kind < 2; ++kind) {
		double ns[2];

		for (int v6 = 0; v6 < 2; ++v6) {
			size_t n = 0;

			while (n < nlookups) {
				if (kind == 0) {
					const struct prefix *p = &pfx[rnd() % nprefixes];

					if (p->v6 != v6)
						continue;
					for (int k = 0; k < 16; ++k)
						addrs[n][k] = (uint8_t)rnd();
					for (unsigned int b = 0; b < p->cidr; ++b) {
						uint8_t bit = (uint8_t)(0x80 >> (b & 7));

						addrs[n][b / 8] =
							(uint8_t)((addrs[n][b / 8] & ~bit) |
								  (p->addr[b / 8] & bit));
					}
				} else {
					near_address(addrs[n], v6);
					if (allowedips_lookup(&t, v6 ? AF_INET6 : AF_INET,
							      addrs[n]))
						continue;
				}
				++n;
			}
			ns[v6] = time_lookups(&t, addrs, n, v6);
		}
		printf("  %-28s %10.1f %10.1f\n", kind ? "trie, miss" : "trie, hit", ns[0], ns[1]);
	}
	/* The hash probe, for scale: up to 33 or 129 probes per lookup. */
	{
		double ns[2];

		for (int v6 = 0; v6 < 2; ++v6) {
			size_t n = nlookups / 100 + 1;
			uintptr_t acc = 0;

			for (size_t i = 0; i < n; ++i)
				near_address(addrs[i], v6);
			t0 = now();
			for (size_t i = 0; i < n; ++i)
				acc += ref_hash_lookup(addrs[i], v6);
			ns[v6] = (now() - t0) * 1e9 / (double)n;
			sink += acc;
		}
		printf("  %-28s %10.1f %10.1f\n", "reference: hash per length", ns[0], ns[1]);
	}

	/* The linear reference over a small table: timing and a second correctness check. */
	allowedips_free(&t); /* an owner belongs to one table at a time */
	allowedips_init(&small);
	for (size_t i = 0; i < nsample; ++i)
		fails += allowedips_insert(&small, pfx[i].v6 ? AF_INET6 : AF_INET, pfx[i].addr,
					   pfx[i].cidr, &owners[pfx[i].owner].aip) != 0;
	if (nsample) {
		double ns_lin[2], ns_trie[2];

		for (int v6 = 0; v6 < 2; ++v6) {
			size_t n = ncheck;
			uintptr_t acc = 0;

			for (size_t i = 0; i < n; ++i) {
				if (i & 1) {
					near_address(addrs[i], v6);
				} else {
					const struct prefix *p = &pfx[rnd() % nsample];

					memcpy(addrs[i], p->addr, 16);
					addrs[i][15] ^= (uint8_t)(rnd() & (p->v6 ? 1 : 0));
					if (!p->v6)
						addrs[i][3] ^=
							(uint8_t)(rnd() & 0xff * (p->cidr < 32));
				}
			}
			t0 = now();
			for (size_t i = 0; i < n; ++i)
				acc += ref_linear_lookup(pfx, nsample, addrs[i], v6);
			ns_lin[v6] = (now() - t0) * 1e9 / (double)n;
			sink += acc;
			ns_trie[v6] = time_lookups(&small, addrs, n, v6);
			for (size_t i = 0; i < n; ++i) {
				unsigned int want = ref_linear_lookup(pfx, nsample, addrs[i], v6);
				unsigned int got = owner_index(allowedips_lookup(
					&small, v6 ? AF_INET6 : AF_INET, addrs[i]));

				if (want != got && mismatches++ < 10)
					fprintf(stderr,
						"aips-bench: mismatch in the %zu-prefix table "
						"(%s): owner %u, linear scan %u\n",
						nsample, v6 ? "v6" : "v4", got, want);
			}
		}
		printf("  %-28s %10.1f %10.1f\n", "trie, small table (mixed)", ns_trie[0],
		       ns_trie[1]);
		printf("  %-28s %10.1f %10.1f   (%zu prefixes)\n", "reference: linear scan",
		       ns_lin[0], ns_lin[1], nsample);
	}
	allowedips_free(&small);
	printf("\n  checked %zu lookups against the references: %zu mismatches\n",
	       4 * ncheck + 2 * (nsample ? ncheck : 0), mismatches);
	free(hash);
	free(addrs);
	free(pfx);
	free(owners);
	return mismatches || fails ? 1 : 0;
}
