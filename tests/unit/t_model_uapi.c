// SPDX-License-Identifier: MIT
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <time.h>

#include "model/uapi.h"
#include "model/encoding.h"
#include "util/mem.h"
#include "prng.h"
#include "tap.h"

/*
 * Captured from Debian 12's wireguard-go v0.0.20220316 (wireguard-tools v1.0.20210914):
 *   ip netns add uapit
 *   ip netns exec uapit env WG_PROCESS_FOREGROUND=1 wireguard-go -f wguapit0 &
 *   ip netns exec uapit wg setconf wguapit0 FIXTURE_CONF   (link left down: no handshakes)
 *   printf 'get=1\n\n' to /var/run/wireguard/wguapit0.sock (python3 socket), read to "\n\n"
 *   kill <pid>; ip netns del uapit
 */
static const char FIXTURE_CONF[] __attribute__((unused)) =
	"[Interface]\n"
	"PrivateKey = YAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk=\n"
	"ListenPort = 51820\n"
	"FwMark = 0x1234\n"
	"\n"
	"[Peer]\n"
	"PublicKey = xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=\n"
	"PresharedKey = 6AIFQVvXRlzAKqUuY01Gzw1i7lIuTQZVnYUj6DfRLCo=\n"
	"Endpoint = 192.0.2.1:51820\n"
	"PersistentKeepalive = 25\n"
	"AllowedIPs = 10.192.122.3/32, 10.192.124.0/24, fd00:1::/64\n"
	"\n"
	"[Peer]\n"
	"PublicKey = TrMvSoP4jYQlY6RIzBgbssQqY3vxI2Pi+y71lOWWXX0=\n"
	"Endpoint = [2001:db8::1]:4500\n"
	"AllowedIPs = 10.10.10.0/24\n"
	"\n"
	"[Peer]\n"
	"PublicKey = gN65BkIKy1eCE9pP1wdc8ROUtkHLF2PfAqYdyYBz6EA=\n";

static const char FIXTURE_GET[] =
	"private_key=6009f3e5317e9575c9b5ed78b638b7ce530dabe85ddab614220241801ddf0669\n"
	"listen_port=51820\n"
	"fwmark=4660\n"
	"public_key=c53201039adba14be71f886da1d8dbe9eebded08cb111b75340078999aa9f038\n"
	"preshared_key=e80205415bd7465cc02aa52e634d46cf0d62ee522e4d06559d8523e837d12c2a\n"
	"protocol_version=1\n"
	"endpoint=192.0.2.1:51820\n"
	"last_handshake_time_sec=0\n"
	"last_handshake_time_nsec=0\n"
	"tx_bytes=0\n"
	"rx_bytes=0\n"
	"persistent_keepalive_interval=25\n"
	"allowed_ip=10.192.122.3/32\n"
	"allowed_ip=10.192.124.0/24\n"
	"allowed_ip=fd00:1::/64\n"
	"public_key=4eb32f4a83f88d842563a448cc181bb2c42a637bf12363e2fb2ef594e5965d7d\n"
	"preshared_key=0000000000000000000000000000000000000000000000000000000000000000\n"
	"protocol_version=1\n"
	"endpoint=[2001:db8::1]:4500\n"
	"last_handshake_time_sec=0\n"
	"last_handshake_time_nsec=0\n"
	"tx_bytes=0\n"
	"rx_bytes=0\n"
	"persistent_keepalive_interval=0\n"
	"allowed_ip=10.10.10.0/24\n"
	"public_key=80deb906420acb578213da4fd7075cf11394b641cb1763df02a61dc98073e840\n"
	"preshared_key=0000000000000000000000000000000000000000000000000000000000000000\n"
	"protocol_version=1\n"
	"last_handshake_time_sec=0\n"
	"last_handshake_time_nsec=0\n"
	"tx_bytes=0\n"
	"rx_bytes=0\n"
	"persistent_keepalive_interval=0\n"
	"errno=0\n"
	"\n";

#define PK1 "c53201039adba14be71f886da1d8dbe9eebded08cb111b75340078999aa9f038"

static void add_aip(struct wg_peer *peer, const char *ip, uint8_t cidr)
{
	struct wg_allowedip *aip = model_allowedip_new(peer);

	aip->family = strchr(ip, ':') ? AF_INET6 : AF_INET;
	aip->cidr = cidr;
	inet_pton(aip->family, ip, &aip->ip6);
}

static struct wg_device *fixture_device(void)
{
	struct wg_device *dev = model_device_new();
	struct wg_peer *p;

	key_from_hex(dev->private_key,
		     "6009f3e5317e9575c9b5ed78b638b7ce530dabe85ddab614220241801ddf0669");
	dev->listen_port = 51820;
	dev->fwmark = 0x1234;
	dev->flags = WGDEVICE_HAS_PRIVATE_KEY | WGDEVICE_HAS_LISTEN_PORT | WGDEVICE_HAS_FWMARK;

	p = model_peer_new(dev);
	key_from_hex(p->public_key, PK1);
	key_from_hex(p->preshared_key,
		     "e80205415bd7465cc02aa52e634d46cf0d62ee522e4d06559d8523e837d12c2a");
	p->flags = WGPEER_HAS_PUBLIC_KEY | WGPEER_HAS_PRESHARED_KEY | WGPEER_HAS_ENDPOINT |
		   WGPEER_HAS_PERSISTENT_KEEPALIVE_INTERVAL;
	uapi_parse_endpoint(&p->endpoint, "192.0.2.1:51820");
	p->persistent_keepalive_interval = 25;
	add_aip(p, "10.192.122.3", 32);
	add_aip(p, "10.192.124.0", 24);
	add_aip(p, "fd00:1::", 64);

	p = model_peer_new(dev);
	key_from_hex(p->public_key,
		     "4eb32f4a83f88d842563a448cc181bb2c42a637bf12363e2fb2ef594e5965d7d");
	p->flags = WGPEER_HAS_PUBLIC_KEY | WGPEER_HAS_ENDPOINT |
		   WGPEER_HAS_PERSISTENT_KEEPALIVE_INTERVAL;
	uapi_parse_endpoint(&p->endpoint, "[2001:db8::1]:4500");
	add_aip(p, "10.10.10.0", 24);

	p = model_peer_new(dev);
	key_from_hex(p->public_key,
		     "80deb906420acb578213da4fd7075cf11394b641cb1763df02a61dc98073e840");
	p->flags = WGPEER_HAS_PUBLIC_KEY | WGPEER_HAS_PERSISTENT_KEEPALIVE_INTERVAL;
	return dev;
}

static bool aips_equal_ordered(const struct wg_peer *a, const struct wg_peer *b, bool with_flags)
{
	const struct wg_allowedip *x = a->first_allowedip, *y = b->first_allowedip;

	for (; x && y; x = x->next_allowedip, y = y->next_allowedip) {
		if (x->family != y->family || x->cidr != y->cidr ||
		    memcmp(&x->ip6, &y->ip6, x->family == AF_INET ? 4 : 16) ||
		    (with_flags && x->flags != y->flags))
			return false;
	}
	return !x && !y;
}

/* What a get reply must bring back: presence follows the values wireguard-go prints. */
static const char *diff_get(const struct wg_device *a, const struct wg_device *b)
{
	const struct wg_peer *p, *q;
	uint32_t want = (key_is_zero(a->private_key) ? 0 : WGDEVICE_HAS_PRIVATE_KEY) |
			(a->listen_port ? WGDEVICE_HAS_LISTEN_PORT : 0) |
			(a->fwmark ? WGDEVICE_HAS_FWMARK : 0);

	if (b->flags != want)
		return "device flags";
	if (memcmp(a->private_key, b->private_key, WG_KEY_LEN))
		return "private key";
	if (a->listen_port != b->listen_port || a->fwmark != b->fwmark)
		return "port/fwmark";
	for (p = a->first_peer, q = b->first_peer; p && q; p = p->next_peer, q = q->next_peer) {
		bool psk = (p->flags & WGPEER_HAS_PRESHARED_KEY) && !key_is_zero(p->preshared_key);
		bool ep = p->endpoint.addr.sa_family == AF_INET ||
			  p->endpoint.addr.sa_family == AF_INET6;

		if (q->flags !=
		    (WGPEER_HAS_PUBLIC_KEY | WGPEER_HAS_PERSISTENT_KEEPALIVE_INTERVAL |
		     (psk ? WGPEER_HAS_PRESHARED_KEY : 0) | (ep ? WGPEER_HAS_ENDPOINT : 0)))
			return "peer flags";
		if (memcmp(p->public_key, q->public_key, WG_KEY_LEN))
			return "public key";
		if (psk && memcmp(p->preshared_key, q->preshared_key, WG_KEY_LEN))
			return "preshared key";
		if (ep && !model_endpoint_equal(&p->endpoint, &q->endpoint))
			return "endpoint";
		if (p->last_handshake_time.tv_sec != q->last_handshake_time.tv_sec ||
		    p->last_handshake_time.tv_nsec != q->last_handshake_time.tv_nsec)
			return "handshake time";
		if (p->rx_bytes != q->rx_bytes || p->tx_bytes != q->tx_bytes)
			return "transfer";
		if (p->persistent_keepalive_interval != q->persistent_keepalive_interval)
			return "keepalive";
		if (!aips_equal_ordered(p, q, true))
			return "allowed ips";
	}
	return p || q ? "peer count" : NULL;
}

/* What a set request must bring back: the same flags and every flagged value. */
static const char *diff_set(const struct wg_device *a, const struct wg_device *b)
{
	const struct wg_peer *p, *q;

	if (a->flags != b->flags)
		return "device flags";
	if ((a->flags & WGDEVICE_HAS_PRIVATE_KEY) &&
	    memcmp(a->private_key, b->private_key, WG_KEY_LEN))
		return "private key";
	if ((a->flags & WGDEVICE_HAS_LISTEN_PORT) && a->listen_port != b->listen_port)
		return "listen port";
	if ((a->flags & WGDEVICE_HAS_FWMARK) && a->fwmark != b->fwmark)
		return "fwmark";
	for (p = a->first_peer, q = b->first_peer; p && q; p = p->next_peer, q = q->next_peer) {
		if (memcmp(p->public_key, q->public_key, WG_KEY_LEN))
			return "public key";
		if (p->flags & WGPEER_REMOVE_ME) {
			if (q->flags != (WGPEER_HAS_PUBLIC_KEY | WGPEER_REMOVE_ME) ||
			    q->first_allowedip)
				return "removed peer";
			continue;
		}
		if (q->flags != (p->flags | WGPEER_HAS_PUBLIC_KEY))
			return "peer flags";
		if ((p->flags & WGPEER_HAS_PRESHARED_KEY) &&
		    memcmp(p->preshared_key, q->preshared_key, WG_KEY_LEN))
			return "preshared key";
		if ((p->flags & WGPEER_HAS_ENDPOINT) &&
		    !model_endpoint_equal(&p->endpoint, &q->endpoint))
			return "endpoint";
		if ((p->flags & WGPEER_HAS_PERSISTENT_KEEPALIVE_INTERVAL) &&
		    p->persistent_keepalive_interval != q->persistent_keepalive_interval)
			return "keepalive";
		if (!aips_equal_ordered(p, q, true))
			return "allowed ips";
	}
	return p || q ? "peer count" : NULL;
}

static void rnd_endpoint(union wg_endpoint *ep)
{
	memset(ep, 0, sizeof(*ep));
	if (rnd() & 1) {
		ep->addr4.sin_family = AF_INET;
		ep->addr4.sin_port = (uint16_t)rnd();
		rnd_bytes(&ep->addr4.sin_addr, 4);
	} else {
		ep->addr6.sin6_family = AF_INET6;
		ep->addr6.sin6_port = (uint16_t)rnd();
		rnd_bytes(&ep->addr6.sin6_addr, 16);
		if (rnd() % 4 == 0)
			ep->addr6.sin6_scope_id = (uint32_t)rnd();
	}
}

static void rnd_aips(struct wg_peer *peer, bool removals)
{
	unsigned int n = (unsigned int)(rnd() % 51);

	for (unsigned int i = 0; i < n; ++i) {
		struct wg_allowedip *aip = model_allowedip_new(peer);

		aip->family = rnd() & 1 ? AF_INET : AF_INET6;
		aip->cidr = (uint8_t)(rnd() % (aip->family == AF_INET ? 33 : 129));
		rnd_bytes(&aip->ip6, aip->family == AF_INET ? 4 : 16);
		if (removals && rnd() % 3 == 0)
			aip->flags = WGALLOWEDIP_REMOVE_ME;
	}
}

static struct wg_device *rnd_delta(void)
{
	struct wg_device *dev = model_device_new();
	unsigned int peers = (unsigned int)(rnd() % 5);

	dev->flags = (uint32_t)rnd() & (WGDEVICE_REPLACE_PEERS | WGDEVICE_HAS_PRIVATE_KEY |
					WGDEVICE_HAS_LISTEN_PORT | WGDEVICE_HAS_FWMARK);
	if (rnd() & 1)
		rnd_bytes(dev->private_key, WG_KEY_LEN);
	dev->listen_port = (uint16_t)rnd();
	dev->fwmark = (uint32_t)rnd();
	for (unsigned int i = 0; i < peers; ++i) {
		struct wg_peer *p = model_peer_new(dev);

		p->flags = (uint32_t)rnd() &
			   (WGPEER_REMOVE_ME | WGPEER_REPLACE_ALLOWEDIPS |
			    WGPEER_HAS_PRESHARED_KEY | WGPEER_HAS_PERSISTENT_KEEPALIVE_INTERVAL |
			    WGPEER_UPDATE_ONLY | WGPEER_HAS_ENDPOINT);
		p->flags |= WGPEER_HAS_PUBLIC_KEY;
		rnd_bytes(p->public_key, WG_KEY_LEN);
		if (rnd() & 1)
			rnd_bytes(p->preshared_key, WG_KEY_LEN);
		if (p->flags & WGPEER_HAS_ENDPOINT)
			rnd_endpoint(&p->endpoint);
		p->persistent_keepalive_interval = (uint16_t)rnd();
		rnd_aips(p, true);
	}
	return dev;
}

static struct wg_device *rnd_state(void)
{
	struct wg_device *dev = model_device_new();
	unsigned int peers = (unsigned int)(rnd() % 5);

	if (rnd() & 1)
		rnd_bytes(dev->private_key, WG_KEY_LEN);
	dev->listen_port = rnd() & 1 ? (uint16_t)rnd() : 0;
	dev->fwmark = rnd() & 1 ? (uint32_t)rnd() : 0;
	for (unsigned int i = 0; i < peers; ++i) {
		struct wg_peer *p = model_peer_new(dev);

		p->flags = WGPEER_HAS_PUBLIC_KEY | ((uint32_t)rnd() & WGPEER_HAS_PRESHARED_KEY);
		rnd_bytes(p->public_key, WG_KEY_LEN);
		rnd_bytes(p->preshared_key, WG_KEY_LEN);
		if (rnd() % 3)
			rnd_endpoint(&p->endpoint);
		p->last_handshake_time.tv_sec = (int64_t)(rnd() >> 1);
		p->last_handshake_time.tv_nsec = (int64_t)(rnd() % 1000000000);
		p->rx_bytes = rnd();
		p->tx_bytes = rnd();
		p->persistent_keepalive_interval = (uint16_t)rnd();
		rnd_aips(p, false);
	}
	return dev;
}

static void test_fixture(void)
{
	struct wg_device *dev = fixture_device(), *back = NULL;
	struct strbuf sb;
	const char *d;

	strbuf_init(&sb);
	uapi_format_get(&sb, dev);
	is_str(sb.buf, FIXTURE_GET, "get reply matches wireguard-go byte for byte");
	ok(uapi_parse_get(&back, FIXTURE_GET, strlen(FIXTURE_GET)) == 0,
	   "fixture get reply parses");
	d = back ? diff_get(dev, back) : "no device";
	ok(!d, "fixture parses back to the same model (%s)", d ? d : "equal");
	strbuf_reset(&sb);
	if (back)
		uapi_format_get(&sb, back);
	is_str(sb.buf, FIXTURE_GET, "parsed fixture formats back identically");
	model_device_free(back);
	model_device_free(dev);
	strbuf_free(&sb);
}

static void test_round_trips(void)
{
	unsigned int set_bad = 0, get_bad = 0;
	const char *first_set = NULL, *first_get = NULL;
	struct strbuf sb, why;

	strbuf_init(&sb);
	strbuf_init(&why);
	for (unsigned int i = 0; i < 500; ++i) {
		struct wg_device *a = rnd_delta(), *b = NULL;
		const char *d;
		int ret;

		strbuf_reset(&sb);
		strbuf_reset(&why);
		uapi_format_set(&sb, a);
		ret = sb.len > 6 && !memcmp(sb.buf, "set=1\n", 6) && sb.buf[sb.len - 1] == '\n' &&
				      sb.buf[sb.len - 2] == '\n'
			      ? uapi_parse_set(&b, sb.buf + 6, sb.len - 6, &why)
			      : -1;
		d = ret ? "parse failed" : diff_set(a, b);
		if (d) {
			if (!set_bad++)
				printf("# set #%u: %s %s\n%s", i, d, why.buf ? why.buf : "",
				       sb.buf);
			first_set = first_set ? first_set : d;
		}
		model_device_free(a);
		model_device_free(b);

		a = rnd_state();
		b = NULL;
		strbuf_reset(&sb);
		uapi_format_get(&sb, a);
		ret = uapi_parse_get(&b, sb.buf, sb.len);
		d = ret ? "parse failed" : diff_get(a, b);
		if (d) {
			if (!get_bad++)
				printf("# get #%u: %s\n%s", i, d, sb.buf);
			first_get = first_get ? first_get : d;
		}
		model_device_free(a);
		model_device_free(b);
	}
	ok(!set_bad, "500 random deltas survive model -> set text -> model (%u bad)", set_bad);
	ok(!get_bad, "500 random devices survive model -> get text -> model (%u bad)", get_bad);
	strbuf_free(&sb);
	strbuf_free(&why);
}

#define Z64    "0000000000000000000000000000000000000000000000000000000000000000"
#define SECRET "abcdef0123456789abcdef0123456789abcdef0123456789abcdef012345678"

static const struct {
	const char *body;
	int err;
	const char *why;
} bad_sets[] = {
	{ "foo=bar\n\n", -EINVAL, "invalid UAPI device key: `foo'" },
	{ "=1\n\n", -EINVAL, "invalid UAPI device key: `'" },
	{ "noequals\n\n", -EPROTO, "line 1 is not key=value" },
	{ "listen_port=1\nlisten_port\n\n", -EPROTO, "line 2 is not key=value" },
	{ "listen_port=99999\n\n", -EINVAL, "failed to parse listen_port: `99999'" },
	{ "listen_port=-1\n\n", -EINVAL, "failed to parse listen_port: `-1'" },
	{ "listen_port=\n\n", -EINVAL, "failed to parse listen_port: `'" },
	{ "listen_port= 1\n\n", -EINVAL, "failed to parse listen_port: ` 1'" },
	{ "fwmark=4294967296\n\n", -EINVAL, "failed to parse fwmark: `4294967296'" },
	{ "fwmark=0x10\n\n", -EINVAL, "failed to parse fwmark: `0x10'" },
	{ "replace_peers=false\n\n", -EINVAL, "invalid replace_peers value: `false'" },
	{ "private_key=" SECRET "g\n\n", -EINVAL, "invalid private_key" },
	{ "private_key=" SECRET "\n\n", -EINVAL, "invalid private_key" },
	{ "endpoint=192.0.2.1:1\n\n", -EINVAL, "peer key endpoint before any public_key" },
	{ "public_key=" PK1 "\nlisten_port=1\n\n", -EINVAL,
	  "device key listen_port after the first public_key" },
	{ "public_key=xyz\n\n", -EINVAL, "invalid public_key: `xyz'" },
	{ "public_key=" PK1 "\nprotocol_version=2\n\n", -EINVAL, "invalid protocol_version: `2'" },
	{ "public_key=" PK1 "\nremove=false\n\n", -EINVAL, "invalid remove value: `false'" },
	{ "public_key=" PK1 "\nupdate_only=TRUE\n\n", -EINVAL,
	  "invalid update_only value: `TRUE'" },
	{ "public_key=" PK1 "\nreplace_allowed_ips=1\n\n", -EINVAL,
	  "invalid replace_allowed_ips value: `1'" },
	{ "public_key=" PK1 "\npreshared_key=" SECRET "\n\n", -EINVAL, "invalid preshared_key" },
	{ "public_key=" PK1 "\nendpoint=example.com:51820\n\n", -EINVAL,
	  "invalid endpoint: `example.com:51820'" },
	{ "public_key=" PK1 "\nendpoint=[::1]51820\n\n", -EINVAL,
	  "invalid endpoint: `[::1]51820'" },
	{ "public_key=" PK1 "\nendpoint=192.0.2.1:65536\n\n", -EINVAL,
	  "invalid endpoint: `192.0.2.1:65536'" },
	{ "public_key=" PK1 "\nendpoint=[192.0.2.1]:1\n\n", -EINVAL,
	  "invalid endpoint: `[192.0.2.1]:1'" },
	{ "public_key=" PK1 "\nendpoint=2001:db8::1:1\n\n", -EINVAL,
	  "invalid endpoint: `2001:db8::1:1'" },
	{ "public_key=" PK1 "\nendpoint=[fe80::1%no-such-if0]:1\n\n", -EINVAL,
	  "invalid endpoint: `[fe80::1%no-such-if0]:1'" },
	{ "public_key=" PK1 "\nallowed_ip=10.0.0.0/33\n\n", -EINVAL,
	  "failed to parse allowed_ip: `10.0.0.0/33'" },
	{ "public_key=" PK1 "\nallowed_ip=10.0.0.1\n\n", -EINVAL,
	  "failed to parse allowed_ip: `10.0.0.1'" },
	{ "public_key=" PK1 "\nallowed_ip=--10.0.0.0/8\n\n", -EINVAL,
	  "failed to parse allowed_ip: `--10.0.0.0/8'" },
	{ "public_key=" PK1 "\nallowed_ip=::/129\n\n", -EINVAL,
	  "failed to parse allowed_ip: `::/129'" },
	{ "public_key=" PK1 "\npersistent_keepalive_interval=65536\n\n", -EINVAL,
	  "failed to parse persistent_keepalive_interval: `65536'" },
	{ "public_key=" PK1 "\nrx_bytes=5\n\n", -EINVAL, "invalid UAPI peer key: `rx_bytes'" },
	{ "public_key=" PK1 "\nallowed_ip=10.0.0.0/8\nbadline\n\n", -EPROTO,
	  "line 3 is not key=value" },
};

static void test_bad_sets(void)
{
	struct strbuf why;

	strbuf_init(&why);
	for (size_t i = 0; i < ARRAY_SIZE(bad_sets); ++i) {
		struct wg_device *dev = (struct wg_device *)1;
		int ret;

		strbuf_reset(&why);
		ret = uapi_parse_set(&dev, bad_sets[i].body, strlen(bad_sets[i].body), &why);
		ok(ret == bad_sets[i].err && !dev, "bad set %zu gives %d (got %d)", i,
		   bad_sets[i].err, ret);
		is_str(why.buf, bad_sets[i].why, "  reason");
		ok(!why.buf || !strstr(why.buf, "abcdef0123"), "  reason holds no key material");
	}
	strbuf_free(&why);
}

static void test_good_sets(void)
{
	static const char body[] =
		"private_key=" Z64 "\nreplace_peers=true\n"
		"public_key=" PK1 "\nupdate_only=true\nendpoint=[fe80::1%1]:51820\n"
		"protocol_version=1\nallowed_ip=-10.0.0.0/8\nallowed_ip=::/0\n"
		"\nfoo=ignored after the blank line\n";
	struct wg_device *dev = NULL;
	struct wg_allowedip *aip;
	char ep[UAPI_ENDPOINT_LEN];

	ok(uapi_parse_set(&dev, body, strlen(body), NULL) == 0 && dev,
	   "valid set parses, stops at blank line");
	if (!dev)
		return;
	ok(dev->flags == (WGDEVICE_HAS_PRIVATE_KEY | WGDEVICE_REPLACE_PEERS) &&
		   key_is_zero(dev->private_key),
	   "all-zero private_key means remove, with HAS_PRIVATE_KEY");
	ok(dev->first_peer && dev->first_peer == dev->last_peer &&
		   dev->first_peer->flags ==
			   (WGPEER_HAS_PUBLIC_KEY | WGPEER_UPDATE_ONLY | WGPEER_HAS_ENDPOINT),
	   "peer flags");
	uapi_format_endpoint(ep, &dev->first_peer->endpoint);
	is_str(ep, "[fe80::1%1]:51820", "scoped endpoint formats numerically");
	aip = dev->first_peer->first_allowedip;
	ok(aip && aip->flags == WGALLOWEDIP_REMOVE_ME && aip->cidr == 8 && aip->next_allowedip &&
		   !aip->next_allowedip->flags && aip->next_allowedip->family == AF_INET6,
	   "allowed_ip removal and order kept");
	model_device_free(dev);
	ok(uapi_parse_set(&dev, "", 0, NULL) == 0 && dev && !dev->flags && !dev->first_peer,
	   "empty set is a no-op");
	model_device_free(dev);
}

static void test_endpoints(void)
{
	union wg_endpoint ep;
	char buf[UAPI_ENDPOINT_LEN];

	ok(uapi_parse_endpoint(&ep, "[fe80::1%lo]:7") &&
		   ep.addr6.sin6_scope_id == if_nametoindex("lo"),
	   "scope by interface name");
	ok(uapi_parse_endpoint(&ep, "[fe80::1%4294967295]:7") &&
		   ep.addr6.sin6_scope_id == 4294967295U,
	   "largest numeric scope");
	uapi_format_endpoint(buf, &ep);
	is_str(buf, "[fe80::1%4294967295]:7", "largest numeric scope formats");
	ok(uapi_parse_endpoint(&ep, "0.0.0.0:0") && ep.addr.sa_family == AF_INET, "port 0");
	ok(uapi_parse_endpoint(&ep, "[::ffff:192.0.2.1]:1") && ep.addr.sa_family == AF_INET6,
	   "v4-mapped v6");
	uapi_format_endpoint(buf, &ep);
	is_str(buf, "[::ffff:192.0.2.1]:1", "v4-mapped v6 formats");
	ok(!uapi_parse_endpoint(&ep, "[fe80::1%]:7") && ep.addr.sa_family == AF_UNSPEC,
	   "empty scope rejected");
	ok(!uapi_parse_endpoint(&ep, "1.2.3.4:+5"), "signed port rejected");
	ok(!uapi_parse_endpoint(&ep, "1.2.3.4:"), "missing port rejected");
	ok(!uapi_parse_endpoint(&ep, ":5"), "missing host rejected");
	memset(&ep, 0, sizeof(ep));
	uapi_format_endpoint(buf, &ep);
	is_str(buf, "", "no endpoint formats empty");
}

static int parse_get_str(struct wg_device **dev, const char *text)
{
	return uapi_parse_get(dev, text, strlen(text));
}

static void test_get_errors(void)
{
	struct wg_device *dev = (struct wg_device *)1;

	ok(parse_get_str(&dev, "errno=0\n\n") == 0 && dev && !dev->flags, "empty device");
	model_device_free(dev);
	ok(parse_get_str(&dev, "errno=22\n\n") == -22 && !dev, "positive errno");
	ok(parse_get_str(&dev, "errno=-98\n\n") == -98 && !dev, "wireguard-go's negative errno");
	ok(parse_get_str(&dev, "listen_port=1\n\n") == -EPROTO && !dev, "missing errno");
	ok(parse_get_str(&dev, "bogus\nerrno=0\n\n") == -EPROTO, "line without =");
	ok(parse_get_str(&dev, "errno=x\n\n") == -EPROTO, "non-numeric errno");
	ok(parse_get_str(&dev, "listen_port=70000\nerrno=0\n\n") == -EPROTO, "bad value");
	ok(parse_get_str(&dev, "own_public_key=zz\nfuture=1\nerrno=0\n\n") == 0 && dev,
	   "unknown keys ignored");
	model_device_free(dev);
	ok(parse_get_str(&dev, "public_key=" PK1 "\nprivate_key=zz\nerrno=0\n\n") == 0 && dev &&
		   !(dev->flags & WGDEVICE_HAS_PRIVATE_KEY),
	   "device keys inside a peer are ignored, as by wg");
	model_device_free(dev);
}

static void test_big_peer(void)
{
	struct wg_device *dev = model_device_new(), *back = NULL;
	struct wg_peer *p = model_peer_new(dev);
	struct timespec t0, t1;
	struct strbuf sb, why;
	size_t n = 0;
	double secs;
	int ret;

	p->flags = WGPEER_HAS_PUBLIC_KEY | WGPEER_REPLACE_ALLOWEDIPS;
	key_from_hex(p->public_key, PK1);
	for (unsigned int i = 0; i < 130560; ++i) {
		struct wg_allowedip *aip = model_allowedip_new(p);

		aip->family = AF_INET;
		aip->cidr = 32;
		aip->ip4.s_addr = htonl(0x0a000000U + i);
	}
	strbuf_init(&sb);
	strbuf_init(&why);
	uapi_format_set(&sb, dev);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ret = uapi_parse_set(&back, sb.buf + 6, sb.len - 6, &why);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	if (back) {
		struct wg_allowedip *aip;

		for_each_wgallowedip (back->first_peer, aip)
			++n;
	}
	ok(!ret && n == 130560 && !diff_set(dev, back), "130560 allowed IPs parse back (%zu)", n);
	/*
	 * A guard against a quadratic parser (minutes at this size), not a speed figure: linear
	 * parsing takes well under a second, so only a limit far above it stays quiet on a busy
	 * host.
	 */
	ok(secs < 10, "and not quadratically (%.3f s)", secs);
	model_device_free(back);
	model_device_free(dev);
	strbuf_free(&sb);
	strbuf_free(&why);
}

int main(void)
{
	test_fixture();
	test_round_trips();
	test_bad_sets();
	test_good_sets();
	test_endpoints();
	test_get_errors();
	test_big_peer();
	return done_testing();
}
