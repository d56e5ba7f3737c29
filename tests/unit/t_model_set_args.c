// SPDX-License-Identifier: MIT
/*
 * The `set` grammar: every keyword into the delta it means, key files read from a private
 * directory, allowed-ips replacing or adding and removing single prefixes, and each error worded
 * as Debian's wg (v1.0.20210914) words it, with the parse stopping where wg stops.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>

#include "model/encoding.h"
#include "model/set_args.h"
#include "tap.h"

static const char *const k1 = "yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk=";
static const char *const p1 = "HIgo9xNzJMWLKASShiTqIybxZ0U3wGLiUeJ1PKf8ykw=";
static const char *const p2 = "xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=";
static char dir[] = "/tmp/wgctl-set-args.XXXXXX";

/* What the fake resolver saw; it resolves names that start with "ok" to 192.0.2.1:port 51820. */
static unsigned int resolved;
static char last_resolved[256];

static int resolve(union wg_endpoint *ep, const char *text, struct diag_list *d, unsigned int line)
{
	++resolved;
	snprintf(last_resolved, sizeof(last_resolved), "%s", text);
	if (strncmp(text, "ok", 2)) {
		diag_error(d, line, "Name or service not known: `%s'", text);
		return -EINVAL;
	}
	memset(ep, 0, sizeof(*ep));
	ep->addr4.sin_family = AF_INET;
	ep->addr4.sin_port = htons(51820);
	ep->addr4.sin_addr.s_addr = htonl(0xc0000201);
	return 0;
}

static void put_file(const char *name, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	if (!f || fputs(text, f) < 0 || fclose(f))
		abort();
}

/*
 * Parses `words` (NULL-terminated; "@name" is the file `name' in the test's directory, "@" the
 * directory itself) into *dev; `msgs` gets what `set` prints on stderr.
 */
static bool parse(const char *const *words, model_resolve_fn *fn, struct wg_device **dev,
		  char msgs[1024])
{
	static char paths[16][256];
	const char *argv[16];
	struct diag_list d;
	int argc = 0;
	bool ret;
	FILE *f;

	for (; words[argc]; ++argc) {
		argv[argc] = words[argc];
		if (words[argc][0] == '@') {
			snprintf(paths[argc], sizeof(paths[argc]), "%s/%s", dir, words[argc] + 1);
			argv[argc] = paths[argc];
		}
	}
	*dev = model_device_new();
	if (!*dev)
		abort();
	diag_init(&d, NULL);
	ret = model_parse_set_args(*dev, argc, argv, fn, &d);
	f = fmemopen(msgs, 1024, "w");
	if (!f)
		abort();
	diag_print(&d, f);
	fputc('\0', f);
	fclose(f);
	diag_free(&d);
	return ret;
}

static bool key_is(const uint8_t key[WG_KEY_LEN], const char *b64)
{
	uint8_t want[WG_KEY_LEN];

	return key_from_base64(want, b64) && !memcmp(key, want, WG_KEY_LEN);
}

static size_t count_allowedips(const struct wg_peer *peer)
{
	const struct wg_allowedip *aip;
	size_t n = 0;

	for_each_wgallowedip (peer, aip)
		++n;
	return n;
}

static bool prefix_is(const struct wg_allowedip *aip, int family, const char *addr,
		      unsigned int cidr, uint32_t flags)
{
	uint8_t want[16];

	return aip && aip->family == family && aip->cidr == cidr && aip->flags == flags &&
	       inet_pton(family, addr, want) == 1 &&
	       !memcmp(family == AF_INET ? (const void *)&aip->ip4 : (const void *)&aip->ip6, want,
		       family == AF_INET ? 4 : 16);
}

static void device_keywords(void)
{
	const char *const args[] = { "listen-port", "51820", "fwmark", "0x1234",
				     "private-key", "@key",  NULL };
	const char *const off[] = { "fwmark",      "off",    "listen-port", "0",
				    "private-key", "@empty", NULL };
	const char *const spaced[] = { "private-key", "@spaced", NULL };
	const char *const service[] = { "listen-port", "domain", NULL };
	struct wg_device *dev;
	char msgs[1024];

	ok(parse(args, resolve, &dev, msgs) && !*msgs,
	   "listen-port, fwmark, private-key: parsed, no message");
	ok(dev->flags == (WGDEVICE_HAS_LISTEN_PORT | WGDEVICE_HAS_FWMARK |
			  WGDEVICE_HAS_PRIVATE_KEY) &&
		   dev->listen_port == 51820 && dev->fwmark == 0x1234 &&
		   key_is(dev->private_key, k1) && !dev->first_peer,
	   "... into the device: port 51820, fwmark 0x1234, the key file's key, no peer");
	model_device_free(dev);
	ok(parse(off, resolve, &dev, msgs) && !*msgs,
	   "fwmark off, listen-port 0, an empty key file");
	ok(dev->flags == (WGDEVICE_HAS_LISTEN_PORT | WGDEVICE_HAS_FWMARK |
			  WGDEVICE_HAS_PRIVATE_KEY) &&
		   dev->fwmark == 0 && dev->listen_port == 0 && key_is_zero(dev->private_key),
	   "... set, each to zero: an empty key file is the all-zero key, which removes the key");
	model_device_free(dev);
	ok(parse(spaced, resolve, &dev, msgs) && key_is(dev->private_key, k1),
	   "a key file may end in any whitespace after its 44 characters");
	model_device_free(dev);
	ok(parse(service, resolve, &dev, msgs) && dev->listen_port == 53,
	   "listen-port takes a service name");
	model_device_free(dev);
}

static void peer_keywords(void)
{
	const char *const full[] = { "peer",
				     p1,
				     "endpoint",
				     "192.0.2.7:51821",
				     "persistent-keepalive",
				     "25",
				     "allowed-ips",
				     " 10.0.0.0/8, fd00::/64 ",
				     "preshared-key",
				     "@key",
				     NULL };
	const char *const two[] = { "peer",   p1,
				    "remove", "peer",
				    p2,       "persistent-keepalive",
				    "off",    "preshared-key",
				    "@empty", "allowed-ips",
				    "",       NULL };
	const char *const v6[] = { "peer", p1, "endpoint", "[2001:db8::1]:443", NULL };
	struct wg_device *dev;
	const struct wg_peer *p;
	char msgs[1024];

	ok(parse(full, resolve, &dev, msgs) && !*msgs,
	   "peer with endpoint, keepalive, allowed-ips, preshared-key");
	p = dev->first_peer;
	ok(p && !p->next_peer && key_is(p->public_key, p1) &&
		   p->flags == (WGPEER_HAS_PUBLIC_KEY | WGPEER_HAS_ENDPOINT |
				WGPEER_HAS_PERSISTENT_KEEPALIVE_INTERVAL |
				WGPEER_REPLACE_ALLOWEDIPS | WGPEER_HAS_PRESHARED_KEY) &&
		   !dev->flags,
	   "... one peer with exactly those flags, the device untouched");
	ok(p && p->endpoint.addr4.sin_family == AF_INET &&
		   p->endpoint.addr4.sin_port == htons(51821) &&
		   p->endpoint.addr4.sin_addr.s_addr == htonl(0xc0000207) && !p->endpoint_text &&
		   !resolved,
	   "... a numeric endpoint is filled in without the resolver");
	ok(p && p->persistent_keepalive_interval == 25 && key_is(p->preshared_key, k1),
	   "... keepalive 25, the psk");
	ok(p && count_allowedips(p) == 2 &&
		   prefix_is(p->first_allowedip, AF_INET, "10.0.0.0", 8, 0) &&
		   prefix_is(p->first_allowedip->next_allowedip, AF_INET6, "fd00::", 64, 0),
	   "... allowed-ips with spaces stripped: 10.0.0.0/8 and fd00::/64 in order, replacing");
	model_device_free(dev);

	ok(parse(two, resolve, &dev, msgs) && !*msgs, "peer remove, then a second peer");
	p = dev->first_peer;
	ok(p && p->flags == (WGPEER_HAS_PUBLIC_KEY | WGPEER_REMOVE_ME) && key_is(p->public_key, p1),
	   "... the first is removed, nothing else");
	p = p ? p->next_peer : NULL;
	ok(p && key_is(p->public_key, p2) && p->persistent_keepalive_interval == 0 &&
		   key_is_zero(p->preshared_key) && !p->first_allowedip &&
		   p->flags == (WGPEER_HAS_PUBLIC_KEY | WGPEER_HAS_PERSISTENT_KEEPALIVE_INTERVAL |
				WGPEER_HAS_PRESHARED_KEY | WGPEER_REPLACE_ALLOWEDIPS),
	   "... the second: keepalive off, psk removed by an empty file, allowed-ips \"\" removes "
	   "them all");
	model_device_free(dev);

	ok(parse(v6, resolve, &dev, msgs) &&
		   dev->first_peer->endpoint.addr6.sin6_family == AF_INET6 &&
		   dev->first_peer->endpoint.addr6.sin6_port == htons(443),
	   "a bracketed IPv6 endpoint");
	model_device_free(dev);
}

static void endpoint_names(void)
{
	const char *const name[] = { "peer", p1, "endpoint", "ok.example:51820", NULL };
	struct wg_device *dev;
	char msgs[1024];

	resolved = 0;
	ok(parse(name, resolve, &dev, msgs) && resolved == 1 &&
		   !strcmp(last_resolved, "ok.example:51820") &&
		   dev->first_peer->endpoint.addr4.sin_addr.s_addr == htonl(0xc0000201),
	   "a name goes to the resolver once, whole, and its answer is the endpoint");
	model_device_free(dev);
	ok(parse(name, NULL, &dev, msgs) && dev->first_peer->endpoint_text &&
		   !strcmp(dev->first_peer->endpoint_text, "ok.example:51820") &&
		   (dev->first_peer->flags & WGPEER_HAS_ENDPOINT),
	   "without a resolver the name stays as text");
	model_device_free(dev);
}

static void allowedips_plus_minus(void)
{
	const char *const args[] = { "peer", p1, "allowed-ips",
				     "+10.5.0.0/24, -10.9.0.0/16,+fd05::/64", NULL };
	const char *const warn[] = { "peer", p1, "allowed-ips", "10.0.0.1/8", NULL };
	struct wg_device *dev;
	const struct wg_peer *p;
	char msgs[1024];

	ok(parse(args, resolve, &dev, msgs) && !*msgs, "allowed-ips with + and -");
	p = dev->first_peer;
	ok(!(p->flags & WGPEER_REPLACE_ALLOWEDIPS),
	   "... does not replace the peer's other allowed IPs");
	ok(count_allowedips(p) == 3 && prefix_is(p->first_allowedip, AF_INET, "10.5.0.0", 24, 0) &&
		   prefix_is(p->first_allowedip->next_allowedip, AF_INET, "10.9.0.0", 16,
			     WGALLOWEDIP_REMOVE_ME) &&
		   prefix_is(p->first_allowedip->next_allowedip->next_allowedip, AF_INET6,
			     "fd05::", 64, 0),
	   "... +10.5.0.0/24 added, -10.9.0.0/16 removed, +fd05::/64 added");
	model_device_free(dev);
	ok(parse(warn, resolve, &dev, msgs) &&
		   !strcmp(msgs, "Warning: AllowedIP has nonzero host part: 10.0.0.1/8\n") &&
		   prefix_is(dev->first_peer->first_allowedip, AF_INET, "10.0.0.1", 8, 0),
	   "a nonzero host part is a warning, as wg's, and kept as given");
	model_device_free(dev);
}

/* Each error as Debian's wg prints it for `wg set IFACE ARGS...' (t0130 compares the two). */
static void errors(void)
{
	static const struct {
		const char *args[8];
		const char *msgs;
	} t[] = {
		/* 1 */ { { "bogus" }, "Invalid argument: bogus\n" },
		/* 2 */ { { "listen-port" }, "Invalid argument: listen-port\n" },
		/* 3 */
		{ { "listen-port", "-1" }, "Servname not supported for ai_socktype: `-1'\n" },
		/* 4 */
		{ { "listen-port", "nosuchservice" },
		  "Servname not supported for ai_socktype: `nosuchservice'\n" },
		/* 5 */
		{ { "fwmark", "0xfffffffff" },
		  "Fwmark is neither 0/off nor 0-0xffffffff: `0xfffffffff'\n" },
		/* 6 */
		{ { "fwmark", "nope" }, "Fwmark is neither 0/off nor 0-0xffffffff: `nope'\n" },
		/* 7 */ { { "private-key", "@absent" }, "fopen: No such file or directory\n" },
		/* 8 */ { { "private-key", "@short" }, "Invalid length key in key file\n" },
		/* 9 */ { { "private-key", "@" }, "Invalid length key in key file\n" },
		/* 10 */
		{ { "private-key", "@trailing" }, "Found trailing character in key file: `x'\n" },
		/* 11 */
		{ { "peer", "notakey" }, "Key is not the correct length or format: `notakey'\n" },
		/* 12 */
		{ { "peer", p1, "endpoint", "1.2.3.4" },
		  "Unable to find port of endpoint: `1.2.3.4'\n" },
		/* 13 */
		{ { "peer", p1, "endpoint", "[::1" },
		  "Unable to find matching brace of endpoint: `[::1'\n" },
		/* 14 */
		{ { "peer", p1, "allowed-ips", "10.0.0.0/33" },
		  "AllowedIP is not in the correct format: `10.0.0.0/33'\n" },
		/* 15 */
		{ { "peer", p1, "allowed-ips", "10.0.0.x" },
		  "Unable to parse IP address: `10.0.0.x'\n" },
		/* 16 */
		{ { "peer", p1, "persistent-keepalive", "65536" },
		  "Persistent keepalive interval is neither 0/off nor 1-65535: `65536'\n" },
		/* 17 */
		{ { "peer", p1, "remove", "listen-port", "1" }, "Invalid argument: listen-port\n" },
		/* 18 */ { { "remove" }, "Invalid argument: remove\n" },
		/* 19 */ { { "peer" }, "Invalid argument: peer\n" },
		/* 20 */ { { "peer", p1, "endpoint" }, "Invalid argument: endpoint\n" },
		/* 21 */
		{ { "peer", p1, "preshared-key", "@short" }, "Invalid length key in key file\n" },
		/* 22 */ { { "endpoint", "192.0.2.1:1" }, "Invalid argument: endpoint\n" },
		/* 23 */
		{ { "peer", p1, "endpoint", "bad.example:1", "allowed-ips", "garbage" },
		  "Name or service not known: `bad.example:1'\n" },
		/* 24 */
		{ { "peer", p1, "allowed-ips", "10.0.0.1/8", "bogus" },
		  "Warning: AllowedIP has nonzero host part: 10.0.0.1/8\nInvalid argument: "
		  "bogus\n" },
	};
	struct wg_device *dev;
	char msgs[1024];

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); ++i) {
		bool parsed = parse(t[i].args, resolve, &dev, msgs);

		ok(!parsed && !strcmp(msgs, t[i].msgs), "error %zu: %s%s", i + 1, t[i].args[0],
		   t[i].args[1] ? " ..." : "");
		if (parsed || strcmp(msgs, t[i].msgs))
			printf("# got:  %s# want: %s", msgs, t[i].msgs);
		model_device_free(dev);
	}
}

/* Not wg's wording, on purpose: wg quotes a bad key file's contents; a secret's length is enough.
 */
static void secret_not_quoted(void)
{
	const char *const args[] = { "private-key", "@badb64", NULL };
	struct wg_device *dev;
	char msgs[1024];

	ok(!parse(args, resolve, &dev, msgs) &&
		   !strcmp(msgs, "Key is not the correct length or format: 44 characters (a "
				 "secret: not shown)\n") &&
		   key_is_zero(dev->private_key),
	   "a key file that is not base64: its length, not its contents, and no key kept");
	model_device_free(dev);
}

int main(void)
{
	char cmd[128];

	if (!mkdtemp(dir))
		return 1;
	put_file("key", "yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk=\n");
	put_file("spaced", "yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk= \t\r\n\v\f\n");
	put_file("empty", "");
	put_file("short", "short\n");
	put_file("trailing", "yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk= x\n");
	put_file("badb64", "yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBm!=");
	device_keywords();
	peer_keywords();
	endpoint_names();
	allowedips_plus_minus();
	errors();
	secret_not_quoted();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		return 1;
	return done_testing();
}
