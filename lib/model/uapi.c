// SPDX-License-Identifier: MIT
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/uapi.h"
#include "model/emit.h"
#include "model/encoding.h"
#include "util/mem.h"
#include "util/number.h"

const char *uapi_run_dir(void)
{
	const char *dir = getenv("WGCTL_RUN_DIR");

	return dir && *dir ? dir : RUNSTATEDIR "/wireguard";
}

/* A slice of the input; requests are not NUL-terminated. */
struct span {
	const char *p;
	size_t n;
};

struct line_reader {
	const char *p, *end;
	unsigned int lineno;
};

/* Next line without its '\n'; false at the end of input or at the empty line ending a message. */
static bool next_line(struct line_reader *r, struct span *line)
{
	const char *nl;

	if (r->p >= r->end)
		return false;
	nl = memchr(r->p, '\n', (size_t)(r->end - r->p));
	line->p = r->p;
	line->n = nl ? (size_t)(nl - r->p) : (size_t)(r->end - r->p);
	r->p = nl ? nl + 1 : r->end;
	++r->lineno;
	return line->n != 0;
}

static bool split_line(const struct span *line, struct span *key, struct span *value)
{
	const char *eq = memchr(line->p, '=', line->n);

	if (!eq || memchr(line->p, '\0', line->n))
		return false;
	key->p = line->p;
	key->n = (size_t)(eq - line->p);
	value->p = eq + 1;
	value->n = line->n - key->n - 1;
	return true;
}

static bool span_is(const struct span *s, const char *lit)
{
	size_t n = strlen(lit);

	return s->n == n && !memcmp(s->p, lit, n);
}

static bool span_uint(uint64_t *out, const struct span *v, uint64_t max)
{
	/* Decimal digits only, as Go's strconv.ParseUint(s, 10, bits) accepts them. */
	return parse_uint(v->p, v->n, 10, max, out);
}

static bool span_key(uint8_t key[WG_KEY_LEN], const struct span *v)
{
	char hex[WG_KEY_LEN_HEX];
	bool ok;

	if (v->n != WG_KEY_LEN_HEX - 1)
		return false;
	memcpy(hex, v->p, v->n);
	hex[v->n] = '\0';
	ok = key_from_hex(key, hex);
	memzero_explicit(hex, sizeof(hex));
	return ok;
}

static bool span_cstr(char *buf, size_t cap, const struct span *v)
{
	if (v->n >= cap)
		return false;
	memcpy(buf, v->p, v->n);
	buf[v->n] = '\0';
	return true;
}

/* "ip/cidr", '-' first to remove (set only); the cidr is mandatory, as in netip.ParsePrefix. */
static bool span_allowedip(struct wg_peer *peer, const struct span *v, bool allow_remove)
{
	char ip[INET6_ADDRSTRLEN];
	struct wg_allowedip *aip;
	union {
		struct in_addr ip4;
		struct in6_addr ip6;
	} addr;
	struct span s = *v;
	const char *slash;
	uint16_t family;
	uint32_t flags = 0;
	uint64_t cidr;

	if (allow_remove && s.n && s.p[0] == '-') {
		flags = WGALLOWEDIP_REMOVE_ME;
		++s.p;
		--s.n;
	}
	slash = memchr(s.p, '/', s.n);
	if (!slash || slash == s.p || (size_t)(slash - s.p) >= sizeof(ip))
		return false;
	memcpy(ip, s.p, (size_t)(slash - s.p));
	ip[slash - s.p] = '\0';
	family = memchr(ip, ':', (size_t)(slash - s.p)) ? AF_INET6 : AF_INET;
	if (inet_pton(family, ip, &addr) != 1)
		return false;
	if (!parse_uint(slash + 1, s.n - (size_t)(slash + 1 - s.p), 10,
			family == AF_INET ? 32 : 128, &cidr))
		return false;
	aip = model_allowedip_new(peer);
	if (!aip)
		return false;
	aip->family = family;
	aip->cidr = (uint8_t)cidr;
	aip->flags = flags;
	if (family == AF_INET)
		aip->ip4 = addr.ip4;
	else
		aip->ip6 = addr.ip6;
	return true;
}

static bool span_endpoint(union wg_endpoint *ep, const struct span *v)
{
	char buf[UAPI_ENDPOINT_LEN];

	return span_cstr(buf, sizeof(buf), v) && uapi_parse_endpoint(ep, buf);
}

void uapi_format_endpoint(char buf[UAPI_ENDPOINT_LEN], const union wg_endpoint *ep)
{
	char ip[INET6_ADDRSTRLEN];

	buf[0] = '\0';
	if (ep->addr.sa_family == AF_INET) {
		if (inet_ntop(AF_INET, &ep->addr4.sin_addr, ip, sizeof(ip)))
			snprintf(buf, UAPI_ENDPOINT_LEN, "%s:%u", ip, ntohs(ep->addr4.sin_port));
	} else if (ep->addr.sa_family == AF_INET6) {
		if (!inet_ntop(AF_INET6, &ep->addr6.sin6_addr, ip, sizeof(ip)))
			return;
		if (ep->addr6.sin6_scope_id)
			snprintf(buf, UAPI_ENDPOINT_LEN, "[%s%%%u]:%u", ip, ep->addr6.sin6_scope_id,
				 ntohs(ep->addr6.sin6_port));
		else
			snprintf(buf, UAPI_ENDPOINT_LEN, "[%s]:%u", ip, ntohs(ep->addr6.sin6_port));
	}
}

bool uapi_parse_endpoint(union wg_endpoint *ep, const char *value)
{
	char host[INET6_ADDRSTRLEN + IF_NAMESIZE + 1];
	const char *start, *port;
	bool v6 = value[0] == '[';
	uint64_t portnum, scope = 0;
	size_t hlen;
	char *pct;

	memset(ep, 0, sizeof(*ep));
	if (v6) {
		const char *close = strchr(value, ']');

		if (!close || close[1] != ':')
			return false;
		start = value + 1;
		hlen = (size_t)(close - start);
		port = close + 2;
	} else {
		port = strrchr(value, ':');
		if (!port)
			return false;
		start = value;
		hlen = (size_t)(port - value);
		++port;
	}
	if (!hlen || hlen >= sizeof(host) || !parse_uint_str(port, 10, 65535, &portnum))
		return false;
	memcpy(host, start, hlen);
	host[hlen] = '\0';
	if (!v6) {
		if (inet_pton(AF_INET, host, &ep->addr4.sin_addr) != 1)
			goto err;
		ep->addr4.sin_family = AF_INET;
		ep->addr4.sin_port = htons((uint16_t)portnum);
		return true;
	}
	pct = strchr(host, '%');
	if (pct) {
		*pct++ = '\0';
		if (!*pct)
			goto err;
		if (!parse_uint_str(pct, 10, UINT32_MAX, &scope)) {
			scope = if_nametoindex(pct);
			if (!scope)
				goto err;
		}
	}
	if (inet_pton(AF_INET6, host, &ep->addr6.sin6_addr) != 1)
		goto err;
	ep->addr6.sin6_family = AF_INET6;
	ep->addr6.sin6_port = htons((uint16_t)portnum);
	ep->addr6.sin6_scope_id = (uint32_t)scope;
	return true;
err:
	memset(ep, 0, sizeof(*ep));
	return false;
}

static void put_key(struct strbuf *out, const char *name, const uint8_t key[WG_KEY_LEN])
{
	char hex[WG_KEY_LEN_HEX];

	key_to_hex(hex, key);
	strbuf_printf(out, "%s=%s\n", name, hex);
	memzero_explicit(hex, sizeof(hex));
}

static void put_allowedip(struct strbuf *out, const struct wg_allowedip *aip, bool removal)
{
	char prefix[INET6_ADDRSTRLEN + 5];

	if (aip->family != AF_INET && aip->family != AF_INET6)
		return;
	emit_prefix(prefix, sizeof(prefix), aip->family, &aip->ip6, aip->cidr);
	strbuf_printf(out, "allowed_ip=%s%s\n", removal ? "-" : "", prefix);
}

void uapi_format_get(struct strbuf *out, const struct wg_device *dev)
{
	static const uint8_t zero[WG_KEY_LEN];
	char endpoint[UAPI_ENDPOINT_LEN];
	struct wg_allowedip *aip;
	struct wg_peer *peer;

	if (!key_is_zero(dev->private_key))
		put_key(out, "private_key", dev->private_key);
	if (dev->listen_port)
		strbuf_printf(out, "listen_port=%u\n", dev->listen_port);
	if (dev->fwmark)
		strbuf_printf(out, "fwmark=%" PRIu32 "\n", dev->fwmark);
	for_each_wgpeer (dev, peer) {
		put_key(out, "public_key", peer->public_key);
		put_key(out, "preshared_key",
			peer->flags & WGPEER_HAS_PRESHARED_KEY ? peer->preshared_key : zero);
		strbuf_puts(out, "protocol_version=1\n");
		uapi_format_endpoint(endpoint, &peer->endpoint);
		if (endpoint[0])
			strbuf_printf(out, "endpoint=%s\n", endpoint);
		strbuf_printf(out,
			      "last_handshake_time_sec=%" PRId64
			      "\nlast_handshake_time_nsec=%" PRId64 "\n",
			      peer->last_handshake_time.tv_sec, peer->last_handshake_time.tv_nsec);
		strbuf_printf(out, "tx_bytes=%" PRIu64 "\nrx_bytes=%" PRIu64 "\n", peer->tx_bytes,
			      peer->rx_bytes);
		strbuf_printf(out, "persistent_keepalive_interval=%u\n",
			      peer->persistent_keepalive_interval);
		for_each_wgallowedip (peer, aip)
			put_allowedip(out, aip, false);
	}
	strbuf_puts(out, "errno=0\n\n");
}

static bool span_errno(int *err, const struct span *v)
{
	struct span s = *v;
	uint64_t n;

	/* wg accepts only digits here, but wireguard-go writes its codes negated. */
	if (s.n && s.p[0] == '-') {
		++s.p;
		--s.n;
	}
	if (!span_uint(&n, &s, INT_MAX))
		return false;
	*err = -(int)n;
	return true;
}

int uapi_parse_get(struct wg_device **devp, const char *text, size_t len)
{
	struct line_reader r = { .p = text, .end = text + len };
	struct span line, key, v;
	struct wg_device *dev;
	struct wg_peer *peer = NULL;
	bool have_errno = false;
	int ret = 0;
	uint64_t n;

	*devp = NULL;
	dev = model_device_new();
	if (!dev)
		return -ENOMEM;
	while (next_line(&r, &line)) {
		if (!split_line(&line, &key, &v))
			goto proto;
		if (span_is(&key, "errno")) {
			if (!span_errno(&ret, &v))
				goto proto;
			have_errno = true;
		} else if (!peer && span_is(&key, "private_key")) {
			if (!span_key(dev->private_key, &v))
				goto proto;
			dev->flags |= WGDEVICE_HAS_PRIVATE_KEY;
		} else if (!peer && span_is(&key, "listen_port")) {
			if (!span_uint(&n, &v, UINT16_MAX))
				goto proto;
			dev->listen_port = (uint16_t)n;
			dev->flags |= WGDEVICE_HAS_LISTEN_PORT;
		} else if (!peer && span_is(&key, "fwmark")) {
			if (!span_uint(&n, &v, UINT32_MAX))
				goto proto;
			dev->fwmark = (uint32_t)n;
			dev->flags |= WGDEVICE_HAS_FWMARK;
		} else if (span_is(&key, "public_key")) {
			peer = model_peer_new(dev);
			if (!peer) {
				ret = -ENOMEM;
				goto err;
			}
			if (!span_key(peer->public_key, &v))
				goto proto;
			peer->flags |= WGPEER_HAS_PUBLIC_KEY;
		} else if (!peer) {
			continue;
		} else if (span_is(&key, "preshared_key")) {
			if (!span_key(peer->preshared_key, &v))
				goto proto;
			if (!key_is_zero(peer->preshared_key))
				peer->flags |= WGPEER_HAS_PRESHARED_KEY;
		} else if (span_is(&key, "endpoint")) {
			if (!span_endpoint(&peer->endpoint, &v))
				goto proto;
			peer->flags |= WGPEER_HAS_ENDPOINT;
		} else if (span_is(&key, "persistent_keepalive_interval")) {
			if (!span_uint(&n, &v, UINT16_MAX))
				goto proto;
			peer->persistent_keepalive_interval = (uint16_t)n;
			peer->flags |= WGPEER_HAS_PERSISTENT_KEEPALIVE_INTERVAL;
		} else if (span_is(&key, "allowed_ip")) {
			if (!span_allowedip(peer, &v, false))
				goto proto;
		} else if (span_is(&key, "last_handshake_time_sec")) {
			if (!span_uint(&n, &v, INT64_MAX))
				goto proto;
			peer->last_handshake_time.tv_sec = (int64_t)n;
		} else if (span_is(&key, "last_handshake_time_nsec")) {
			if (!span_uint(&n, &v, INT64_MAX))
				goto proto;
			peer->last_handshake_time.tv_nsec = (int64_t)n;
		} else if (span_is(&key, "tx_bytes")) {
			if (!span_uint(&peer->tx_bytes, &v, UINT64_MAX))
				goto proto;
		} else if (span_is(&key, "rx_bytes")) {
			if (!span_uint(&peer->rx_bytes, &v, UINT64_MAX))
				goto proto;
		}
	}
	if (!have_errno)
		goto proto;
	if (ret)
		goto err;
	*devp = dev;
	return 0;
proto:
	ret = -EPROTO;
err:
	model_device_free(dev);
	return ret;
}

void uapi_format_set(struct strbuf *out, const struct wg_device *dev)
{
	char endpoint[UAPI_ENDPOINT_LEN];
	struct wg_allowedip *aip;
	struct wg_peer *peer;

	strbuf_puts(out, "set=1\n");
	if (dev->flags & WGDEVICE_HAS_PRIVATE_KEY)
		put_key(out, "private_key", dev->private_key);
	if (dev->flags & WGDEVICE_HAS_LISTEN_PORT)
		strbuf_printf(out, "listen_port=%u\n", dev->listen_port);
	if (dev->flags & WGDEVICE_HAS_FWMARK)
		strbuf_printf(out, "fwmark=%" PRIu32 "\n", dev->fwmark);
	if (dev->flags & WGDEVICE_REPLACE_PEERS)
		strbuf_puts(out, "replace_peers=true\n");
	for_each_wgpeer (dev, peer) {
		put_key(out, "public_key", peer->public_key);
		if (peer->flags & WGPEER_REMOVE_ME) {
			strbuf_puts(out, "remove=true\n");
			continue;
		}
		if (peer->flags & WGPEER_UPDATE_ONLY)
			strbuf_puts(out, "update_only=true\n");
		if (peer->flags & WGPEER_HAS_PRESHARED_KEY)
			put_key(out, "preshared_key", peer->preshared_key);
		if (peer->flags & WGPEER_HAS_ENDPOINT) {
			/* An unresolved hostname has no UAPI form; the caller resolves first. */
			uapi_format_endpoint(endpoint, &peer->endpoint);
			if (endpoint[0])
				strbuf_printf(out, "endpoint=%s\n", endpoint);
		}
		if (peer->flags & WGPEER_HAS_PERSISTENT_KEEPALIVE_INTERVAL)
			strbuf_printf(out, "persistent_keepalive_interval=%u\n",
				      peer->persistent_keepalive_interval);
		if (peer->flags & WGPEER_REPLACE_ALLOWEDIPS)
			strbuf_puts(out, "replace_allowed_ips=true\n");
		for_each_wgallowedip (peer, aip)
			put_allowedip(out, aip, aip->flags & WGALLOWEDIP_REMOVE_ME);
	}
	strbuf_putc(out, '\n');
}

static int __attribute__((format(printf, 3, 4)))
set_error(struct strbuf *why, int err, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	if (!why)
		return err;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	strbuf_puts(why, msg);
	return err;
}

/* Quoted values are cut short: a reason is one line, not an echo of the request. */
#define QUOTE(s) (int)((s)->n > 80 ? 80 : (s)->n), (s)->p

static bool is_device_key(const struct span *k)
{
	return span_is(k, "private_key") || span_is(k, "listen_port") || span_is(k, "fwmark") ||
	       span_is(k, "replace_peers");
}

static bool is_peer_key(const struct span *k)
{
	return span_is(k, "update_only") || span_is(k, "remove") || span_is(k, "preshared_key") ||
	       span_is(k, "endpoint") || span_is(k, "persistent_keepalive_interval") ||
	       span_is(k, "replace_allowed_ips") || span_is(k, "allowed_ip") ||
	       span_is(k, "protocol_version");
}

static int parse_set_device(struct wg_device *dev, const struct span *k, const struct span *v,
			    struct strbuf *why)
{
	uint64_t n;

	if (span_is(k, "private_key")) {
		if (!span_key(dev->private_key, v))
			return set_error(why, -EINVAL, "invalid private_key");
		dev->flags |= WGDEVICE_HAS_PRIVATE_KEY;
	} else if (span_is(k, "listen_port")) {
		if (!span_uint(&n, v, UINT16_MAX))
			return set_error(why, -EINVAL, "failed to parse listen_port: `%.*s'",
					 QUOTE(v));
		dev->listen_port = (uint16_t)n;
		dev->flags |= WGDEVICE_HAS_LISTEN_PORT;
	} else if (span_is(k, "fwmark")) {
		if (!span_uint(&n, v, UINT32_MAX))
			return set_error(why, -EINVAL, "failed to parse fwmark: `%.*s'", QUOTE(v));
		dev->fwmark = (uint32_t)n;
		dev->flags |= WGDEVICE_HAS_FWMARK;
	} else if (span_is(k, "replace_peers")) {
		if (!span_is(v, "true"))
			return set_error(why, -EINVAL, "invalid replace_peers value: `%.*s'",
					 QUOTE(v));
		dev->flags |= WGDEVICE_REPLACE_PEERS;
	} else if (is_peer_key(k)) {
		return set_error(why, -EINVAL, "peer key %.*s before any public_key", QUOTE(k));
	} else {
		return set_error(why, -EINVAL, "invalid UAPI device key: `%.*s'", QUOTE(k));
	}
	return 0;
}

static int parse_set_peer(struct wg_peer *peer, const struct span *k, const struct span *v,
			  struct strbuf *why)
{
	uint64_t n;

	if (span_is(k, "update_only")) {
		if (!span_is(v, "true"))
			return set_error(why, -EINVAL, "invalid update_only value: `%.*s'",
					 QUOTE(v));
		peer->flags |= WGPEER_UPDATE_ONLY;
	} else if (span_is(k, "remove")) {
		if (!span_is(v, "true"))
			return set_error(why, -EINVAL, "invalid remove value: `%.*s'", QUOTE(v));
		peer->flags |= WGPEER_REMOVE_ME;
	} else if (span_is(k, "preshared_key")) {
		if (!span_key(peer->preshared_key, v))
			return set_error(why, -EINVAL, "invalid preshared_key");
		peer->flags |= WGPEER_HAS_PRESHARED_KEY;
	} else if (span_is(k, "endpoint")) {
		if (!span_endpoint(&peer->endpoint, v))
			return set_error(why, -EINVAL, "invalid endpoint: `%.*s'", QUOTE(v));
		peer->flags |= WGPEER_HAS_ENDPOINT;
	} else if (span_is(k, "persistent_keepalive_interval")) {
		if (!span_uint(&n, v, UINT16_MAX))
			return set_error(why, -EINVAL,
					 "failed to parse persistent_keepalive_interval: `%.*s'",
					 QUOTE(v));
		peer->persistent_keepalive_interval = (uint16_t)n;
		peer->flags |= WGPEER_HAS_PERSISTENT_KEEPALIVE_INTERVAL;
	} else if (span_is(k, "replace_allowed_ips")) {
		if (!span_is(v, "true"))
			return set_error(why, -EINVAL, "invalid replace_allowed_ips value: `%.*s'",
					 QUOTE(v));
		peer->flags |= WGPEER_REPLACE_ALLOWEDIPS;
	} else if (span_is(k, "allowed_ip")) {
		if (!span_allowedip(peer, v, true))
			return set_error(why, -EINVAL, "failed to parse allowed_ip: `%.*s'",
					 QUOTE(v));
	} else if (span_is(k, "protocol_version")) {
		if (!span_is(v, "1"))
			return set_error(why, -EINVAL, "invalid protocol_version: `%.*s'",
					 QUOTE(v));
	} else if (is_device_key(k)) {
		return set_error(why, -EINVAL, "device key %.*s after the first public_key",
				 QUOTE(k));
	} else {
		return set_error(why, -EINVAL, "invalid UAPI peer key: `%.*s'", QUOTE(k));
	}
	return 0;
}

int uapi_parse_set(struct wg_device **delta, const char *text, size_t len, struct strbuf *why)
{
	struct line_reader r = { .p = text, .end = text + len };
	struct span line, key, v;
	struct wg_device *dev;
	struct wg_peer *peer = NULL;
	int ret = 0;

	*delta = NULL;
	dev = model_device_new();
	if (!dev)
		return set_error(why, -ENOMEM, "out of memory");
	while (!ret && next_line(&r, &line)) {
		if (!split_line(&line, &key, &v)) {
			ret = set_error(why, -EPROTO, "line %u is not key=value", r.lineno);
		} else if (span_is(&key, "public_key")) {
			peer = model_peer_new(dev);
			if (!peer)
				ret = set_error(why, -ENOMEM, "out of memory");
			else if (!span_key(peer->public_key, &v))
				ret = set_error(why, -EINVAL, "invalid public_key: `%.*s'",
						QUOTE(&v));
			else
				peer->flags |= WGPEER_HAS_PUBLIC_KEY;
		} else if (peer) {
			ret = parse_set_peer(peer, &key, &v, why);
		} else {
			ret = parse_set_device(dev, &key, &v, why);
		}
	}
	if (ret) {
		model_device_free(dev);
		return ret;
	}
	*delta = dev;
	return 0;
}
