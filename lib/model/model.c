// SPDX-License-Identifier: MIT
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "model/diag.h"
#include "model/encoding.h"
#include "model/model.h"
#include "util/mem.h"
#include "util/number.h"

struct wg_device *model_device_new(void)
{
	return calloc(1, sizeof(struct wg_device));
}

struct wg_peer *model_peer_new(struct wg_device *dev)
{
	struct wg_peer *peer = calloc(1, sizeof(*peer));

	if (!peer)
		return NULL;
	if (dev->last_peer)
		dev->last_peer->next_peer = peer;
	else
		dev->first_peer = peer;
	dev->last_peer = peer;
	return peer;
}

struct wg_allowedip *model_allowedip_new(struct wg_peer *peer)
{
	struct wg_allowedip *aip = calloc(1, sizeof(*aip));

	if (!aip)
		return NULL;
	if (peer->last_allowedip)
		peer->last_allowedip->next_allowedip = aip;
	else
		peer->first_allowedip = aip;
	peer->last_allowedip = aip;
	return aip;
}

static int copy_peer(struct wg_device *to, const struct wg_peer *from)
{
	struct wg_peer *peer = model_peer_new(to);
	const struct wg_allowedip *a;
	struct wg_allowedip *c;

	if (!peer)
		return -ENOMEM;
	*peer = *from;
	peer->first_allowedip = peer->last_allowedip = NULL;
	peer->next_peer = NULL;
	peer->endpoint_text = NULL;
	peer->name = NULL;
	if ((from->endpoint_text && !(peer->endpoint_text = strdup(from->endpoint_text))) ||
	    (from->name && !(peer->name = strdup(from->name))))
		return -ENOMEM;
	for_each_wgallowedip (from, a) {
		if (!(c = model_allowedip_new(peer)))
			return -ENOMEM;
		*c = *a;
		c->next_allowedip = NULL;
	}
	return 0;
}

struct wg_device *model_device_copy(const struct wg_device *dev)
{
	struct wg_device *copy = model_device_new();
	const struct wg_peer *peer;

	if (!copy)
		return NULL;
	*copy = *dev;
	copy->first_peer = copy->last_peer = NULL;
	for_each_wgpeer (dev, peer) {
		if (copy_peer(copy, peer) < 0) {
			model_device_free(copy);
			return NULL;
		}
	}
	return copy;
}

void model_peer_free_allowedips(struct wg_peer *peer)
{
	struct wg_allowedip *aip, *next;

	for (aip = peer->first_allowedip; aip; aip = next) {
		next = aip->next_allowedip;
		free(aip);
	}
	peer->first_allowedip = peer->last_allowedip = NULL;
}

void model_peer_free(struct wg_peer *peer)
{
	if (!peer)
		return;
	model_peer_free_allowedips(peer);
	free(peer->endpoint_text);
	free(peer->name);
	memzero_explicit(peer, sizeof(*peer));
	free(peer);
}

void model_peer_remove(struct wg_device *dev, struct wg_peer *prev, struct wg_peer *peer)
{
	if (prev)
		prev->next_peer = peer->next_peer;
	else
		dev->first_peer = peer->next_peer;
	if (dev->last_peer == peer)
		dev->last_peer = prev;
	model_peer_free(peer);
}

void model_device_free(struct wg_device *dev)
{
	struct wg_peer *peer, *next;

	if (!dev)
		return;
	for (peer = dev->first_peer; peer; peer = next) {
		next = peer->next_peer;
		model_peer_free(peer);
	}
	memzero_explicit(dev, sizeof(*dev));
	free(dev);
}

struct wg_peer *model_find_peer(const struct wg_device *dev, const uint8_t public_key[WG_KEY_LEN])
{
	struct wg_peer *peer;

	for_each_wgpeer (dev, peer) {
		if ((peer->flags & WGPEER_HAS_PUBLIC_KEY) &&
		    !memcmp(peer->public_key, public_key, WG_KEY_LEN))
			return peer;
	}
	return NULL;
}

bool model_prefix_contains(const struct wg_allowedip *outer, uint16_t family, const void *addr,
			   uint8_t cidr)
{
	const uint8_t *a = addr, *b = (const uint8_t *)&outer->ip6;
	unsigned int bits = outer->cidr, i;

	if (outer->family != family || cidr < outer->cidr)
		return false;
	for (i = 0; bits >= 8; ++i, bits -= 8) {
		if (a[i] != b[i])
			return false;
	}
	return !bits || !((a[i] ^ b[i]) & (uint8_t)(0xff << (8 - bits)));
}

size_t model_peer_count(const struct wg_device *dev)
{
	const struct wg_peer *peer;
	size_t n = 0;

	for_each_wgpeer (dev, peer)
		++n;
	return n;
}

bool model_parse_key(uint8_t key[WG_KEY_LEN], const char *value, struct diag_list *d,
		     unsigned int line)
{
	if (key_from_base64(key, value))
		return true;
	diag_error(d, line, "Key is not the correct length or format: `%s'", value);
	return false;
}

bool model_parse_secret_key(uint8_t key[WG_KEY_LEN], const char *value, struct diag_list *d,
			    unsigned int line)
{
	size_t n = strlen(value);

	if (n <= 8)
		return model_parse_key(key, value, d, line);
	if (key_from_base64(key, value))
		return true;
	diag_error(d, line,
		   "Key is not the correct length or format: %zu characters (a secret: not shown)",
		   n);
	return false;
}

static bool parse_u32(uint32_t *out, const char *value, unsigned int base)
{
	uint64_t v;

	if (!parse_uint_str(value, base, UINT32_MAX, &v))
		return false;
	*out = (uint32_t)v;
	return true;
}

bool model_parse_fwmark(uint32_t *fwmark, const char *value, struct diag_list *d, unsigned int line)
{
	bool hex = strlen(value) > 2 && value[0] == '0' && value[1] == 'x';

	if (!strcasecmp(value, "off")) {
		*fwmark = 0;
		return true;
	}
	if (parse_u32(fwmark, hex ? value + 2 : value, hex ? 16 : 10))
		return true;
	diag_error(d, line, "Fwmark is neither 0/off nor 0-0xffffffff: `%s'", value);
	return false;
}

/* Stricter than wg(8), whose getaddrinfo() silently truncates 70000 to 4464. */
bool model_parse_port(uint16_t *port, const char *value, struct diag_list *d, unsigned int line)
{
	const struct addrinfo hints = { .ai_family = AF_UNSPEC,
					.ai_socktype = SOCK_DGRAM,
					.ai_protocol = IPPROTO_UDP,
					.ai_flags = AI_PASSIVE };
	struct addrinfo *res;
	uint32_t v;
	int ret;

	if (!*value) {
		diag_error(d, line, "Unable to parse empty port");
		return false;
	}
	/* Stricter than wg, which lets getaddrinfo truncate 70000 to 4464. */
	if (value[strspn(value, "0123456789")] == '\0') {
		if (parse_u32(&v, value, 10) && v <= 65535) {
			*port = (uint16_t)v;
			return true;
		}
		diag_error(d, line, "Port is not in the range 0-65535: `%s'", value);
		return false;
	}
	ret = getaddrinfo(NULL, value, &hints, &res);
	if (ret) {
		diag_error(d, line, "%s: `%s'",
			   ret == EAI_SYSTEM ? strerror(errno) : gai_strerror(ret), value);
		return false;
	}
	if (res->ai_family == AF_INET)
		*port = ntohs(((struct sockaddr_in *)res->ai_addr)->sin_port);
	else
		*port = ntohs(((struct sockaddr_in6 *)res->ai_addr)->sin6_port);
	freeaddrinfo(res);
	return true;
}

bool model_parse_keepalive(uint16_t *interval, const char *value, struct diag_list *d,
			   unsigned int line)
{
	uint32_t v;

	if (!strcasecmp(value, "off")) {
		*interval = 0;
		return true;
	}
	if (parse_u32(&v, value, 10) && v <= 65535) {
		*interval = (uint16_t)v;
		return true;
	}
	diag_error(d, line, "Persistent keepalive interval is neither 0/off nor 1-65535: `%s'",
		   value);
	return false;
}

static bool parse_ip(uint16_t *family, void *addr, const char *value)
{
	if (strchr(value, ':')) {
		if (inet_pton(AF_INET6, value, addr) != 1)
			return false;
		*family = AF_INET6;
	} else {
		if (inet_pton(AF_INET, value, addr) != 1)
			return false;
		*family = AF_INET;
	}
	return true;
}

bool model_parse_prefix(uint16_t *family, void *addr, uint8_t *cidr, const char *value)
{
	char ip[INET6_ADDRSTRLEN + 1];
	const char *slash = strchr(value, '/');
	size_t iplen = slash ? (size_t)(slash - value) : strlen(value);
	uint32_t mask;

	if (!iplen || iplen >= sizeof(ip))
		return false;
	memcpy(ip, value, iplen);
	ip[iplen] = '\0';
	if (!parse_ip(family, addr, ip))
		return false;
	if (!slash) {
		*cidr = *family == AF_INET ? 32 : 128;
		return true;
	}
	if (!parse_u32(&mask, slash + 1, 10) || mask > (*family == AF_INET ? 32U : 128U))
		return false;
	*cidr = (uint8_t)mask;
	return true;
}

bool model_prefix_host_bits_zero(uint16_t family, const void *addr, uint8_t cidr)
{
	const uint8_t *b = addr;
	unsigned int len = family == AF_INET ? 4 : 16;

	for (unsigned int i = 0; i < len; ++i) {
		unsigned int bit = i * 8;
		uint8_t host = bit >= cidr       ? 0xff
			       : bit + 8 <= cidr ? 0
						 : (uint8_t)(0xff >> (cidr - bit));

		if (b[i] & host)
			return false;
	}
	return true;
}

bool model_parse_allowedips(struct wg_peer *peer, const char *value, struct diag_list *d,
			    unsigned int line)
{
	char *copy, *cursor, *entry;
	bool ret = true;

	peer->flags |= WGPEER_REPLACE_ALLOWEDIPS;
	if (!*value)
		return true;
	copy = strdup(value);
	if (!copy) {
		diag_error(d, line, "Out of memory");
		return false;
	}
	cursor = copy;
	while (ret && (entry = strsep(&cursor, ","))) {
		struct wg_allowedip *aip;
		uint32_t flags = 0;
		union wg_ip addr;
		uint16_t family;
		uint8_t cidr;

		if (*entry == '-' || *entry == '+') {
			if (*entry == '-')
				flags |= WGALLOWEDIP_REMOVE_ME;
			peer->flags &= ~WGPEER_REPLACE_ALLOWEDIPS;
			++entry;
		}
		if (!model_parse_prefix(&family, &addr, &cidr, entry)) {
			size_t iplen = strcspn(entry, "/");
			char saved = entry[iplen];

			entry[iplen] = '\0';
			if (parse_ip(&family, &addr, entry)) {
				entry[iplen] = saved;
				diag_error(d, line, "AllowedIP is not in the correct format: `%s'",
					   entry);
			} else {
				diag_error(d, line, "Unable to parse IP address: `%s'", entry);
			}
			ret = false;
			break;
		}
		if (!model_prefix_host_bits_zero(family, &addr, cidr))
			diag_warn(d, line, "AllowedIP has nonzero host part: %s", entry);
		aip = model_allowedip_new(peer);
		if (!aip) {
			diag_error(d, line, "Out of memory");
			ret = false;
			break;
		}
		aip->family = family;
		aip->cidr = cidr;
		aip->flags = flags;
		aip->lineno = line;
		if (family == AF_INET)
			aip->ip4 = addr.ip4;
		else
			aip->ip6 = addr.ip6;
	}
	free(copy);
	return ret;
}

static bool parse_numeric_endpoint(union wg_endpoint *ep, const char *host, const char *port)
{
	uint32_t p;

	if (!parse_u32(&p, port, 10) || p > 65535)
		return false;
	memset(ep, 0, sizeof(*ep));
	if (inet_pton(AF_INET, host, &ep->addr4.sin_addr) == 1) {
		ep->addr4.sin_family = AF_INET;
		ep->addr4.sin_port = htons((uint16_t)p);
		return true;
	}
	if (inet_pton(AF_INET6, host, &ep->addr6.sin6_addr) == 1) {
		ep->addr6.sin6_family = AF_INET6;
		ep->addr6.sin6_port = htons((uint16_t)p);
		return true;
	}
	memset(ep, 0, sizeof(*ep));
	return false;
}

bool model_parse_endpoint(struct wg_peer *peer, const char *value, struct diag_list *d,
			  unsigned int line)
{
	char *copy, *host, *port;
	bool ret = false;

	if (!*value) {
		diag_error(d, line, "Unable to parse empty endpoint");
		return false;
	}
	copy = strdup(value);
	if (!copy)
		return false;
	if (copy[0] == '[') {
		char *end = strchr(copy, ']');

		if (!end) {
			diag_error(d, line, "Unable to find matching brace of endpoint: `%s'",
				   value);
			goto out;
		}
		*end++ = '\0';
		if (*end++ != ':' || !*end) {
			diag_error(d, line, "Unable to find port of endpoint: `%s'", value);
			goto out;
		}
		host = copy + 1;
		port = end;
	} else {
		port = strrchr(copy, ':');
		if (!port || !port[1]) {
			diag_error(d, line, "Unable to find port of endpoint: `%s'", value);
			goto out;
		}
		*port++ = '\0';
		host = copy;
	}
	if (!*host) {
		diag_error(d, line, "Unable to find host of endpoint: `%s'", value);
		goto out;
	}
	/* No name resolves past these lengths, and the writers' buffers hold no more. */
	if (strlen(host) > WG_ENDPOINT_HOST_MAX || strlen(port) > 31) {
		diag_error(d, line,
			   "Endpoint host is longer than %d or its port longer than 31 characters: "
			   "`%s'",
			   WG_ENDPOINT_HOST_MAX, value);
		goto out;
	}
	free(peer->endpoint_text);
	peer->endpoint_text = NULL;
	memset(&peer->endpoint, 0, sizeof(peer->endpoint));
	if (!parse_numeric_endpoint(&peer->endpoint, host, port)) {
		/* A name (or a scoped address or service name): kept verbatim for the resolver. */
		peer->endpoint_text = strdup(value);
		if (!peer->endpoint_text)
			goto out;
	}
	peer->flags |= WGPEER_HAS_ENDPOINT;
	ret = true;
out:
	free(copy);
	return ret;
}

bool model_endpoint_equal(const union wg_endpoint *a, const union wg_endpoint *b)
{
	if (a->addr.sa_family != b->addr.sa_family)
		return false;
	if (a->addr.sa_family == AF_INET)
		return a->addr4.sin_port == b->addr4.sin_port &&
		       a->addr4.sin_addr.s_addr == b->addr4.sin_addr.s_addr;
	if (a->addr.sa_family == AF_INET6)
		return a->addr6.sin6_port == b->addr6.sin6_port &&
		       a->addr6.sin6_scope_id == b->addr6.sin6_scope_id &&
		       !memcmp(&a->addr6.sin6_addr, &b->addr6.sin6_addr, sizeof(struct in6_addr));
	return true;
}

static int cmp_allowedip(const void *pa, const void *pb)
{
	const struct wg_allowedip *a = *(const struct wg_allowedip *const *)pa;
	const struct wg_allowedip *b = *(const struct wg_allowedip *const *)pb;

	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	if (a->cidr != b->cidr)
		return a->cidr < b->cidr ? -1 : 1;
	return memcmp(&a->ip6, &b->ip6, a->family == AF_INET ? 4 : 16);
}

static struct wg_allowedip **sorted_allowedips(const struct wg_peer *peer, size_t *n)
{
	struct wg_allowedip *aip, **v;
	size_t i = 0;

	*n = 0;
	for_each_wgallowedip (peer, aip)
		++*n;
	v = calloc(*n ? *n : 1, sizeof(*v));
	if (!v)
		return NULL;
	for_each_wgallowedip (peer, aip)
		v[i++] = aip;
	qsort(v, *n, sizeof(*v), cmp_allowedip);
	return v;
}

/* Set equality: order is not significant to the datapath. */
bool model_allowedips_equal(const struct wg_peer *a, const struct wg_peer *b)
{
	struct wg_allowedip **va, **vb;
	size_t na, nb;
	bool eq = false;

	va = sorted_allowedips(a, &na);
	vb = sorted_allowedips(b, &nb);
	if (va && vb && na == nb) {
		eq = true;
		for (size_t i = 0; eq && i < na; ++i)
			eq = !cmp_allowedip(&va[i], &vb[i]);
	}
	free(va);
	free(vb);
	return eq;
}
