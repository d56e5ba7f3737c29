// SPDX-License-Identifier: MIT
/*
 * The sans-I/O half of `peer add` / `peer remove` (peeredit.h). Addresses are searched upward
 * from the network address + 1, so a removed peer's address is the first one given again, and
 * two runs over the same file give the same answer (the caller serializes them with a lock).
 * The server's file is edited as text: a section is found with the same line reader the parser
 * uses, so "which lines are a [Peer] section" means what it means to wg.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "model/config_line.h"
#include "model/emit.h"
#include "model/encoding.h"
#include "model/peeredit.h"
#include "util/mem.h"

enum { V6_SEARCH = 65536 };

bool peeredit_valid_name(const char *name)
{
	size_t n = strlen(name);

	if (!n || n > 64)
		return false;
	for (size_t i = 0; i < n; ++i) {
		if (!isalnum((unsigned char)name[i]) && !strchr("_.@+-", name[i]))
			return false;
	}
	return true;
}

static unsigned int addr_len(uint16_t family)
{
	return family == AF_INET ? 4 : 16;
}

/* The address of `p` with every host bit set to `ones` (0: network, 1: broadcast). */
static void edge(uint8_t out[16], const struct wg_allowedip *p, bool ones)
{
	unsigned int len = addr_len(p->family);

	memcpy(out, &p->ip6, len);
	for (unsigned int i = 0; i < len; ++i) {
		unsigned int bit = i * 8;
		uint8_t host = bit >= p->cidr       ? 0xff
			       : bit + 8 <= p->cidr ? 0
						    : (0xff >> (p->cidr - bit));

		out[i] = ones ? (out[i] | host) : (out[i] & (uint8_t)~host);
	}
}

static bool held_by(const struct wg_device *dev, uint16_t family, const void *addr)
{
	const struct wg_allowedip *aip;
	const struct wg_peer *peer;

	if (!dev)
		return false;
	for_each_wgpeer (dev, peer) {
		for_each_wgallowedip (peer, aip) {
			if (model_prefix_contains(aip, family, addr, family == AF_INET ? 32 : 128))
				return true;
		}
	}
	return false;
}

bool peeredit_address_taken(const struct wg_config *conf, const struct wg_device *running,
			    uint16_t family, const void *addr)
{
	unsigned int len = addr_len(family), host = family == AF_INET ? 32 : 128;
	const struct wg_allowedip *a;
	uint8_t e[16];

	for (a = conf->addresses.first_allowedip; a; a = a->next_allowedip) {
		if (a->family != family)
			continue;
		if (!memcmp(&a->ip6, addr, len))
			return true;
		if (!model_prefix_contains(a, family, addr, host) || a->cidr == host)
			continue;
		edge(e, a, false);
		if (!memcmp(e, addr, len))
			return true;
		edge(e, a, true);
		if (family == AF_INET && !memcmp(e, addr, len))
			return true;
	}
	return held_by(conf->device, family, addr) || held_by(running, family, addr);
}

/* Big-endian increment; false when it wrapped. */
static bool next_addr(uint8_t *a, unsigned int len)
{
	for (unsigned int i = len; i-- > 0;) {
		if (++a[i])
			return true;
	}
	return false;
}

static int allocate_one(const struct wg_config *conf, const struct wg_device *running,
			const struct wg_allowedip *subnet, struct wg_peer *out)
{
	unsigned int len = addr_len(subnet->family);
	struct wg_allowedip *aip;
	uint8_t cand[16], last[16];
	unsigned long tries = 0;

	edge(cand, subnet, false);
	edge(last, subnet, true);
	while (memcmp(cand, last, len) < 0 && next_addr(cand, len)) {
		if (subnet->family == AF_INET6 && ++tries > V6_SEARCH)
			break;
		if (peeredit_address_taken(conf, running, subnet->family, cand) ||
		    held_by(&(struct wg_device){ .first_peer = out }, subnet->family, cand))
			continue;
		aip = model_allowedip_new(out);
		if (!aip)
			return -ENOMEM;
		aip->family = subnet->family;
		aip->cidr = subnet->family == AF_INET ? 32 : 128;
		memcpy(&aip->ip6, cand, len);
		return 0;
	}
	return -ENOSPC;
}

/* Two Address lines in one subnet give the peer one address there, not two. */
static bool earlier_same_subnet(const struct wg_config *conf, const struct wg_allowedip *a)
{
	const struct wg_allowedip *b;
	uint8_t na[16], nb[16];

	edge(na, a, false);
	for (b = conf->addresses.first_allowedip; b != a; b = b->next_allowedip) {
		edge(nb, b, false);
		if (b->family == a->family && b->cidr == a->cidr &&
		    !memcmp(na, nb, addr_len(a->family)))
			return true;
	}
	return false;
}

int peeredit_allocate(const struct wg_config *conf, const struct wg_device *running,
		      struct wg_peer *out, struct diag_list *d)
{
	const struct wg_allowedip *a;
	char text[INET6_ADDRSTRLEN + 8];
	int ret;

	if (!conf->addresses.first_allowedip) {
		diag_error(d, conf->interface_lineno,
			   "no `Address =': there is no subnet to give the new peer an address "
			   "from (or pass --address)");
		return -ENOENT;
	}
	for (a = conf->addresses.first_allowedip; a; a = a->next_allowedip) {
		if (earlier_same_subnet(conf, a))
			continue;
		ret = allocate_one(conf, running, a, out);
		if (ret == -ENOSPC) {
			emit_prefix(text, sizeof(text), a->family, &a->ip6, a->cidr);
			diag_error(d, a->lineno, "no free address left in `%s'", text);
		}
		if (ret)
			return ret;
	}
	return 0;
}

int peeredit_subnets(const struct wg_config *conf, struct wg_peer *out)
{
	const struct wg_allowedip *a, *b;
	struct wg_allowedip *n;
	uint8_t net[16];

	for (a = conf->addresses.first_allowedip; a; a = a->next_allowedip) {
		edge(net, a, false);
		for (b = out->first_allowedip; b; b = b->next_allowedip) {
			if (b->family == a->family && b->cidr == a->cidr &&
			    !memcmp(&b->ip6, net, addr_len(a->family)))
				break;
		}
		if (b)
			continue;
		n = model_allowedip_new(out);
		if (!n)
			return -ENOMEM;
		n->family = a->family;
		n->cidr = a->cidr;
		memcpy(&n->ip6, net, addr_len(a->family));
	}
	return 0;
}

static void put_prefixes(struct strbuf *sb, const char *key, const struct wg_peer *p)
{
	char text[INET6_ADDRSTRLEN + 8];
	const struct wg_allowedip *aip;

	strbuf_printf(sb, "%s = ", key);
	for_each_wgallowedip (p, aip) {
		emit_prefix(text, sizeof(text), aip->family, &aip->ip6, aip->cidr);
		strbuf_printf(sb, "%s%s", text, aip->next_allowedip ? ", " : "\n");
	}
	if (!p->first_allowedip)
		strbuf_putc(sb, '\n');
}

static void put_key(struct strbuf *sb, const char *name, const uint8_t *key)
{
	char base64[WG_KEY_LEN_BASE64];

	key_to_base64(base64, key);
	strbuf_printf(sb, "%s = %s\n", name, base64);
	memzero_explicit(base64, sizeof(base64));
}

void peeredit_server_section(struct strbuf *sb, const struct peeredit_peer *p)
{
	strbuf_printf(sb, "[Peer]\n# Name = %s\n", p->name);
	put_key(sb, "PublicKey", p->public_key);
	if (p->preshared_key)
		put_key(sb, "PresharedKey", p->preshared_key);
	put_prefixes(sb, "AllowedIPs", p->addresses);
}

void peeredit_client_config(struct strbuf *sb, const struct peeredit_peer *p)
{
	strbuf_printf(sb, "[Interface]\n# Name = %s\n", p->name);
	put_key(sb, "PrivateKey", p->private_key);
	put_prefixes(sb, "Address", p->addresses);
	if (p->dns && *p->dns)
		strbuf_printf(sb, "DNS = %s\n", p->dns);
	strbuf_puts(sb, "\n[Peer]\n");
	put_key(sb, "PublicKey", p->server_public_key);
	if (p->preshared_key)
		put_key(sb, "PresharedKey", p->preshared_key);
	put_prefixes(sb, "AllowedIPs", p->routes);
	if (p->endpoint && *p->endpoint)
		strbuf_printf(sb, "Endpoint = %s\n", p->endpoint);
	if (p->keepalive)
		strbuf_printf(sb, "PersistentKeepalive = %u\n", p->keepalive);
}

int peeredit_append(const char *text, const char *section, char **out)
{
	struct strbuf sb;
	size_t len = strlen(text);

	strbuf_init(&sb);
	strbuf_append(&sb, text, len);
	if (len && text[len - 1] != '\n')
		strbuf_putc(&sb, '\n');
	if (len && !(len >= 2 && text[len - 1] == '\n' && text[len - 2] == '\n'))
		strbuf_putc(&sb, '\n');
	strbuf_puts(&sb, section);
	if (sb.oom) {
		strbuf_free(&sb);
		return -ENOMEM;
	}
	*out = strbuf_detach(&sb);
	return 0;
}

/* One physical line of the text, read by the parser's line reader. */
struct line {
	size_t start, end; /* end: after its '\n' */
	enum config_header header;
	bool blank, plain_comment;
	bool key_match;
};

/* Whether `text` (trimmed) is `# KEY = VALUE`; returns VALUE or NULL. */
static const char *comment_value(const char *text, const char *key)
{
	size_t n = strlen(key);
	const char *s = text;

	if (*s++ != '#')
		return NULL;
	while (isspace((unsigned char)*s))
		++s;
	if (strncasecmp(s, key, n))
		return NULL;
	for (s += n; isspace((unsigned char)*s); ++s)
		;
	if (*s++ != '=')
		return NULL;
	while (isspace((unsigned char)*s))
		++s;
	return s;
}

/* wgctl's own comment keys are part of their section; any other comment is the user's prose. */
static bool wgctl_comment(const char *text)
{
	static const char *const keys[] = { "Name", "Endpoints", "PublicEndpoint" };

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); ++i) {
		if (comment_value(text, keys[i]))
			return true;
	}
	return false;
}

static int read_lines(const char *text, const uint8_t *key, struct line **out, size_t *n_out)
{
	struct config_line cl;
	struct line *v = NULL;
	size_t n = 0, cap = 0, at = 0, len = strlen(text);
	uint8_t k[WG_KEY_LEN];
	const char *val;
	int ret = 0;

	config_line_init(&cl);
	while (at < len) {
		const char *nl = memchr(text + at, '\n', len - at);
		size_t end = nl ? (size_t)(nl - text) + 1 : len;
		struct line *l;

		if (n == cap) {
			struct line *nv = realloc(v, (cap = cap ? cap * 2 : 64) * sizeof(*v));

			if (!nv) {
				ret = -ENOMEM;
				break;
			}
			v = nv;
		}
		ret = config_line_read(&cl, text + at, (nl ? end - 1 : end) - at, (unsigned)n + 1);
		if (ret)
			break;
		l = &v[n++];
		l->start = at;
		l->end = end;
		l->header = cl.wg.header;
		l->blank = !*cl.text;
		l->plain_comment = cl.text[0] == '#' && !wgctl_comment(cl.text);
		val = key ? config_line_wg_value(&cl, "PublicKey") : NULL;
		l->key_match = val && key_from_base64(k, val) && !memcmp(k, key, WG_KEY_LEN);
		at = end;
	}
	config_line_free(&cl);
	if (ret) {
		free(v);
		return ret;
	}
	*out = v;
	*n_out = n;
	return 0;
}

int peeredit_remove(const char *text, const uint8_t key[WG_KEY_LEN], char **out,
		    unsigned int *removed)
{
	struct line *v;
	struct strbuf sb;
	size_t n, i = 0, copied = 0;
	int ret = read_lines(text, key, &v, &n);

	if (ret)
		return ret;
	*removed = 0;
	strbuf_init(&sb);
	while (i < n) {
		size_t end = i + 1, last = i, from = i;
		bool match = false;

		if (v[i].header != CONFIG_HEADER_PEER) {
			++i;
			continue;
		}
		for (; end < n && v[end].header == CONFIG_HEADER_NONE; ++end) {
			match |= v[end].key_match;
			if (!v[end].blank && !v[end].plain_comment)
				last = end;
		}
		if (!match) {
			i = end;
			continue;
		}
		if (from > 0 && v[from - 1].blank && v[from - 1].start >= copied)
			--from;
		strbuf_append(&sb, text + copied, v[from].start - copied);
		copied = v[last].end;
		++*removed;
		i = end;
	}
	strbuf_puts(&sb, text + copied);
	free(v);
	if (sb.oom) {
		strbuf_free(&sb);
		return -ENOMEM;
	}
	*out = strbuf_detach(&sb);
	return 0;
}

int peeredit_interface_comment(const char *text, const char *key, char **out)
{
	struct config_line cl;
	size_t at = 0, len = strlen(text);
	bool in_interface = false;
	const char *val;
	int ret = 0;

	*out = NULL;
	config_line_init(&cl);
	while (at < len && !*out) {
		const char *nl = memchr(text + at, '\n', len - at);
		size_t end = nl ? (size_t)(nl - text) : len;

		ret = config_line_read(&cl, text + at, end - at, 1);
		if (ret)
			break;
		if (cl.wg.header != CONFIG_HEADER_NONE)
			in_interface = cl.wg.header == CONFIG_HEADER_INTERFACE;
		else if (in_interface && (val = comment_value(cl.text, key)) && *val) {
			*out = strdup(val);
			if (!*out)
				ret = -ENOMEM;
		}
		at = end + 1;
	}
	config_line_free(&cl);
	return ret;
}

static int comment_push(struct peeredit_comment **v, size_t *n, const uint8_t *key,
			const char *value)
{
	struct peeredit_comment *nv = realloc(*v, (*n + 1) * sizeof(**v));

	if (!nv)
		return -ENOMEM;
	*v = nv;
	memcpy(nv[*n].public_key, key, WG_KEY_LEN);
	nv[*n].value = strdup(value);
	if (!nv[*n].value)
		return -ENOMEM;
	++*n;
	return 0;
}

int peeredit_peer_comments(const char *text, const char *key, struct peeredit_comment **out,
			   size_t *n)
{
	struct config_line cl;
	size_t at = 0, len = strlen(text);
	uint8_t pub[WG_KEY_LEN];
	char *value = NULL;
	bool in_peer = false, has_key = false;
	const char *val;
	int ret = 0;

	*out = NULL;
	*n = 0;
	config_line_init(&cl);
	for (;;) {
		const char *nl = at < len ? memchr(text + at, '\n', len - at) : NULL;
		size_t end = nl ? (size_t)(nl - text) : len;
		bool eof = at >= len;

		if (!eof && (ret = config_line_read(&cl, text + at, end - at, 1)))
			break;
		if (eof || cl.wg.header != CONFIG_HEADER_NONE) {
			if (in_peer && has_key && value && (ret = comment_push(out, n, pub, value)))
				break;
			free(value);
			value = NULL;
			has_key = false;
			if (eof)
				break;
			in_peer = cl.wg.header == CONFIG_HEADER_PEER;
		} else if (in_peer && !value && (val = comment_value(cl.text, key)) && *val) {
			if (!(value = strdup(val))) {
				ret = -ENOMEM;
				break;
			}
		} else if (in_peer && (val = config_line_wg_value(&cl, "PublicKey"))) {
			has_key = key_from_base64(pub, val);
		}
		at = end + 1;
	}
	free(value);
	config_line_free(&cl);
	if (ret) {
		peeredit_comments_free(*out, *n);
		*out = NULL;
		*n = 0;
	}
	return ret;
}

void peeredit_comments_free(struct peeredit_comment *v, size_t n)
{
	for (size_t i = 0; i < n; ++i)
		free(v[i].value);
	free(v);
}
