// SPDX-License-Identifier: MIT
/*
 * Each line is seen twice, as the two upstream tools see it:
 * - wg-quick's view: text before '#', key and value trimmed; inside [Interface] the keys
 *   Address, DNS, MTU, Table, the four hooks and SaveConfig are consumed here (hooks keep
 *   everything after '=', '#' included); every other line is kept verbatim for wg.
 * - wg's view of what is kept: text before '#' with all whitespace removed, keys matched
 *   case-insensitively by prefix "Key=".
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "model/config.h"
#include "model/encoding.h"
#include "model/ini_stream.h"
#include "model/peerlist_header.h"
#include "util/strbuf.h"

enum section {
	SECTION_NONE,
	SECTION_INTERFACE,
	SECTION_PEER,
};

struct parser {
	struct wg_config *conf;
	struct diag_list *d;
	enum config_grammar grammar;
	enum section section;
	bool quick_interface;
	struct wg_peer *peer;
	struct strbuf stripped;
	int err;
};

static const char *const hook_keys[WG_HOOK_COUNT] = {
	[WG_HOOK_PRE_UP] = "PreUp",
	[WG_HOOK_POST_UP] = "PostUp",
	[WG_HOOK_PRE_DOWN] = "PreDown",
	[WG_HOOK_POST_DOWN] = "PostDown",
};

int strlist_push(struct wg_strlist *l, const char *s, size_t len, unsigned int lineno)
{
	char *copy;

	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 4;
		char **v = realloc(l->v, cap * sizeof(*v));
		unsigned int *ln;

		if (!v)
			return -ENOMEM;
		l->v = v;
		ln = realloc(l->lineno, cap * sizeof(*ln));
		if (!ln)
			return -ENOMEM;
		l->lineno = ln;
		l->cap = cap;
	}
	copy = strndup(s, len);
	if (!copy)
		return -ENOMEM;
	l->v[l->n] = copy;
	l->lineno[l->n++] = lineno;
	return 0;
}

void strlist_free(struct wg_strlist *l)
{
	for (size_t i = 0; i < l->n; ++i)
		free(l->v[i]);
	free(l->v);
	free(l->lineno);
	memset(l, 0, sizeof(*l));
}

/* A run of 40 base64 characters: a key (or one in hex) pasted somewhere. */
static bool has_key_run(const char *s, size_t n)
{
	size_t run = 0;

	for (size_t i = 0; i < n; ++i) {
		run = isalnum((unsigned char)s[i]) || s[i] == '+' || s[i] == '/' ? run + 1 : 0;
		if (run >= 40)
			return true;
	}
	return false;
}

/*
 * wg's "Line unrecognized", except that a line that may carry a secret (a PrivateKey or
 * PresharedKey line out of place, or any key-like run) is not quoted: at most its name is.
 */
static void unrecognized(struct parser *p, unsigned int lineno, const char *line)
{
	const char *eq = strchr(line, '=');
	size_t n = strlen(line), name = eq ? (size_t)(eq - line) : n;

	if (strncasecmp(line, "PrivateKey", 10) && strncasecmp(line, "PresharedKey", 12) &&
	    !has_key_run(line, n))
		diag_error(p->d, lineno, "Line unrecognized: `%s'", line);
	else if (eq && !has_key_run(line, name))
		diag_error(p->d, lineno,
			   "Line unrecognized: `%.*s=' and a value not shown (it may be a key)",
			   (int)name, line);
	else
		diag_error(p->d, lineno,
			   "Line unrecognized: %zu characters not shown (they may hold a key)", n);
}

static void oom(struct parser *p)
{
	p->err = -ENOMEM;
}

static bool parse_u32_dec(const char *s, uint32_t *out)
{
	unsigned long long v;
	char *end;

	if (!isdigit((unsigned char)*s))
		return false;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end || v > UINT32_MAX)
		return false;
	*out = (uint32_t)v;
	return true;
}

/* Splits on commas and whitespace, as wg-quick's ${value//,/ } word splitting does. */
static bool next_token(const char **cursor, const char **tok, size_t *len)
{
	const char *s = *cursor;

	while (*s == ',' || isspace((unsigned char)*s))
		++s;
	if (!*s)
		return false;
	*tok = s;
	while (*s && *s != ',' && !isspace((unsigned char)*s))
		++s;
	*len = (size_t)(s - *tok);
	*cursor = s;
	return true;
}

static bool token_copy(char *buf, size_t cap, const char *tok, size_t len)
{
	if (len >= cap)
		return false;
	memcpy(buf, tok, len);
	buf[len] = '\0';
	return true;
}

static void quick_address(struct parser *p, const char *value, unsigned int lineno)
{
	const char *cursor = value, *tok;
	size_t len;

	while (next_token(&cursor, &tok, &len)) {
		char buf[INET6_ADDRSTRLEN + 8];
		struct wg_allowedip *a;
		union wg_ip addr;
		uint16_t family;
		uint8_t cidr;

		if (!token_copy(buf, sizeof(buf), tok, len) || !model_parse_prefix(&family, &addr, &cidr, buf)) {
			diag_error(p->d, lineno, "Address is not an IP address with an optional prefix length: `%.*s'",
				   (int)len, tok);
			continue;
		}
		a = model_allowedip_new(&p->conf->addresses);
		if (!a)
			return oom(p);
		a->family = family;
		a->cidr = cidr;
		a->lineno = lineno;
		memcpy(&a->ip6, &addr, family == AF_INET ? 4 : 16);
	}
}

static bool is_nameserver_token(const char *tok, size_t len)
{
	bool digits_dots = true;

	for (size_t i = 0; i < len; ++i) {
		if (tok[i] == ':')
			return true;
		if (!isdigit((unsigned char)tok[i]) && tok[i] != '.')
			digits_dots = false;
	}
	return digits_dots;
}

static void quick_dns(struct parser *p, const char *value, unsigned int lineno)
{
	const char *cursor = value, *tok;
	size_t len;

	while (next_token(&cursor, &tok, &len)) {
		struct in6_addr scratch;
		char buf[INET6_ADDRSTRLEN + 1];
		bool server = is_nameserver_token(tok, len);

		if (server && (!token_copy(buf, sizeof(buf), tok, len) ||
			       inet_pton(strchr(buf, ':') ? AF_INET6 : AF_INET, buf, &scratch) != 1)) {
			diag_error(p->d, lineno, "DNS server is not an IP address: `%.*s'", (int)len, tok);
			continue;
		}
		if (strlist_push(server ? &p->conf->dns : &p->conf->dns_search, tok, len, lineno))
			return oom(p);
	}
}

static void quick_mtu(struct parser *p, const char *value, unsigned int lineno)
{
	uint32_t mtu;

	if (!*value) {
		p->conf->flags &= ~WGCONF_HAS_MTU;
		return;
	}
	if (!parse_u32_dec(value, &mtu) || mtu < 68 || mtu > 65535) {
		diag_error(p->d, lineno, "MTU is not a number in the range 68-65535: `%s'", value);
		return;
	}
	p->conf->mtu = mtu;
	p->conf->flags |= WGCONF_HAS_MTU;
}

static void quick_table(struct parser *p, const char *value, unsigned int lineno)
{
	uint32_t num;

	free(p->conf->table);
	p->conf->table = NULL;
	p->conf->flags &= ~WGCONF_HAS_TABLE;
	if (!*value)
		return;
	if (!parse_u32_dec(value, &num)) {
		for (const char *c = value; *c; ++c) {
			if (!isalnum((unsigned char)*c) && !strchr("_.-", *c)) {
				diag_error(p->d, lineno, "Table is neither off, auto, a number nor a table name: `%s'", value);
				return;
			}
		}
	}
	p->conf->table = strdup(value);
	if (!p->conf->table)
		return oom(p);
	p->conf->flags |= WGCONF_HAS_TABLE;
}

/* wg-quick's true/false, with its message; sets flag in conf->flags when it parsed. */
static void quick_bool(struct parser *p, const char *value, unsigned int lineno, bool *out,
		       uint32_t flag)
{
	if (!strcasecmp(value, "true"))
		*out = true;
	else if (!strcasecmp(value, "false"))
		*out = false;
	else {
		diag_error(p->d, lineno, "`%s' is neither true nor false", value);
		return;
	}
	p->conf->flags |= flag;
}

/* wgctl's extension: "ipv4", "ipv6", both, or off; the relay must ask for it. */
static void quick_forwarding(struct parser *p, const char *value, unsigned int lineno)
{
	char buf[64], *tok, *save = NULL;

	p->conf->forwarding = 0;
	p->conf->forwarding_lineno = lineno;
	p->conf->flags |= WGCONF_HAS_FORWARDING;
	if (strlen(value) >= sizeof(buf) || !strcasecmp(value, "off") || !*value) {
		if (strlen(value) >= sizeof(buf))
			diag_error(p->d, lineno, "Forwarding is neither off nor a list of ipv4, ipv6: `%s'", value);
		return;
	}
	strcpy(buf, value);
	for (tok = strtok_r(buf, ", \t", &save); tok; tok = strtok_r(NULL, ", \t", &save)) {
		if (!strcasecmp(tok, "ipv4")) {
			p->conf->forwarding |= WGCONF_FORWARD_IPV4;
		} else if (!strcasecmp(tok, "ipv6")) {
			p->conf->forwarding |= WGCONF_FORWARD_IPV6;
		} else {
			diag_error(p->d, lineno, "Forwarding is neither off nor a list of ipv4, ipv6: `%s'", value);
			return;
		}
	}
}

const char *peer_list_expected_name(const struct wg_peer_list_ref *ref)
{
	return ref->name ? ref->name : ref->source;
}

/*
 * A path (absolute, or relative to the config's directory) or an http, https or file URL,
 * optionally followed by `name=NAME`, the name its header must carry.
 */
static void quick_peer_list(struct parser *p, const char *value, unsigned int lineno)
{
	const char *scheme_end = strstr(value, "://"), *name = NULL;
	size_t len = strlen(value), cut = len;
	struct wg_peer_list_ref *v, *ref;

	while (cut && !isspace((unsigned char)value[cut - 1]))
		--cut;
	if (cut && !strncasecmp(value + cut, "name=", 5)) {
		name = value + cut + 5;
		for (len = cut; len && isspace((unsigned char)value[len - 1]); --len)
			;
		if (!peerlist_name_valid(name)) {
			diag_error(p->d, lineno, "PeerList name is not 1 to %d printable characters: `%s'",
				   PEERLIST_NAME_MAX, name);
			return;
		}
	}
	if (!len || (scheme_end && strncasecmp(value, "https://", 8) && strncasecmp(value, "http://", 7) &&
		     strncasecmp(value, "file://", 7))) {
		diag_error(p->d, lineno, "PeerList is neither a path nor an http://, https:// or file:// URL: `%s'",
			   value);
		return;
	}
	v = realloc(p->conf->peer_lists, (p->conf->n_peer_lists + 1) * sizeof(*v));
	if (!v)
		return oom(p);
	p->conf->peer_lists = v;
	ref = &v[p->conf->n_peer_lists];
	memset(ref, 0, sizeof(*ref));
	ref->lineno = lineno;
	ref->source = strndup(value, len);
	ref->name = name ? strdup(name) : NULL;
	++p->conf->n_peer_lists;
	if (!ref->source || (name && !ref->name))
		oom(p);
}

static void quick_peer_list_scope(struct parser *p, const char *value, unsigned int lineno)
{
	const char *cursor = value, *tok;
	size_t len;

	while (next_token(&cursor, &tok, &len)) {
		char buf[INET6_ADDRSTRLEN + 8];
		struct wg_allowedip *a;
		union wg_ip addr;
		uint16_t family;
		uint8_t cidr;

		if (!token_copy(buf, sizeof(buf), tok, len) || !model_parse_prefix(&family, &addr, &cidr, buf) ||
		    !model_prefix_host_bits_zero(family, &addr, cidr)) {
			diag_error(p->d, lineno, "PeerListAllowedIPs is not a list of network prefixes: `%.*s'",
				   (int)len, tok);
			continue;
		}
		a = model_allowedip_new(&p->conf->peer_list_scope);
		if (!a)
			return oom(p);
		a->family = family;
		a->cidr = cidr;
		a->lineno = lineno;
		memcpy(&a->ip6, &addr, family == AF_INET ? 4 : 16);
	}
}

static void quick_peer_list_key(struct parser *p, const char *value, unsigned int lineno)
{
	uint8_t key[WG_KEY_LEN];

	if (!key_from_base64(key, value)) {
		diag_error(p->d, lineno, "PeerListKey is not a base64 Ed25519 public key: `%s'", value);
		return;
	}
	if (strlist_push(&p->conf->peer_list_keys, value, strlen(value), lineno))
		oom(p);
}

static void quick_peer_list_ca(struct parser *p, const char *value)
{
	free(p->conf->peer_list_ca);
	p->conf->peer_list_ca = NULL;
	p->conf->flags &= ~WGCONF_HAS_PEER_LIST_CA;
	if (!*value)
		return;
	p->conf->peer_list_ca = strdup(value);
	if (!p->conf->peer_list_ca)
		return oom(p);
	p->conf->flags |= WGCONF_HAS_PEER_LIST_CA;
}

/* Returns true when wg-quick consumes the line itself. `hook_value` keeps any '#'. */
static bool quick_entry(struct parser *p, const char *key, const char *value, const char *hook_value,
			unsigned int lineno)
{
	if (p->grammar != CONFIG_GRAMMAR_QUICK || !p->quick_interface)
		return false;
	for (int h = 0; h < WG_HOOK_COUNT; ++h) {
		if (!strcasecmp(key, hook_keys[h])) {
			if (strlist_push(&p->conf->hooks[h], hook_value, strlen(hook_value), lineno))
				oom(p);
			return true;
		}
	}
	if (!strcasecmp(key, "Address"))
		quick_address(p, value, lineno);
	else if (!strcasecmp(key, "DNS"))
		quick_dns(p, value, lineno);
	else if (!strcasecmp(key, "MTU"))
		quick_mtu(p, value, lineno);
	else if (!strcasecmp(key, "Table"))
		quick_table(p, value, lineno);
	else if (!strcasecmp(key, "SaveConfig"))
		quick_bool(p, value, lineno, &p->conf->save_config, WGCONF_HAS_SAVE_CONFIG);
	else if (!strcasecmp(key, "Forwarding"))
		quick_forwarding(p, value, lineno);
	else if (!strcasecmp(key, "ProxyARP"))
		quick_bool(p, value, lineno, &p->conf->proxy_arp, WGCONF_HAS_PROXY_ARP);
	else if (!strcasecmp(key, "PeerList"))
		quick_peer_list(p, value, lineno);
	else if (!strcasecmp(key, "PeerListKey"))
		quick_peer_list_key(p, value, lineno);
	else if (!strcasecmp(key, "PeerListCA"))
		quick_peer_list_ca(p, value);
	else if (!strcasecmp(key, "PeerListAllowedIPs"))
		quick_peer_list_scope(p, value, lineno);
	else
		return false;
	return true;
}

static const char *key_value(const char *line, const char *key)
{
	size_t klen = strlen(key);

	return strncasecmp(line, key, klen) ? NULL : line + klen;
}

static void wg_interface_line(struct parser *p, const char *line, unsigned int lineno)
{
	struct wg_device *dev = p->conf->device;
	const char *v;

	if ((v = key_value(line, "ListenPort="))) {
		if (model_parse_port(&dev->listen_port, v, p->d, lineno))
			dev->flags |= WGDEVICE_HAS_LISTEN_PORT;
	} else if ((v = key_value(line, "FwMark="))) {
		if (model_parse_fwmark(&dev->fwmark, v, p->d, lineno))
			dev->flags |= WGDEVICE_HAS_FWMARK;
	} else if ((v = key_value(line, "PrivateKey="))) {
		if (model_parse_secret_key(dev->private_key, v, p->d, lineno))
			dev->flags |= WGDEVICE_HAS_PRIVATE_KEY;
	} else {
		unrecognized(p, lineno, line);
	}
}

static void wg_peer_line(struct parser *p, const char *line, unsigned int lineno)
{
	struct wg_peer *peer = p->peer;
	const char *v;

	if ((v = key_value(line, "Endpoint="))) {
		model_parse_endpoint(peer, v, p->d, lineno);
	} else if ((v = key_value(line, "PublicKey="))) {
		if (model_parse_key(peer->public_key, v, p->d, lineno))
			peer->flags |= WGPEER_HAS_PUBLIC_KEY;
	} else if ((v = key_value(line, "AllowedIPs="))) {
		model_parse_allowedips(peer, v, p->d, lineno);
	} else if ((v = key_value(line, "PersistentKeepalive="))) {
		if (model_parse_keepalive(&peer->persistent_keepalive_interval, v, p->d, lineno))
			peer->flags |= WGPEER_HAS_PERSISTENT_KEEPALIVE_INTERVAL;
	} else if ((v = key_value(line, "PresharedKey="))) {
		if (model_parse_secret_key(peer->preshared_key, v, p->d, lineno))
			peer->flags |= WGPEER_HAS_PRESHARED_KEY;
	} else {
		unrecognized(p, lineno, line);
	}
}

static void wg_section(struct parser *p, const char *name, const char *cleaned, unsigned int lineno)
{
	if (!strcasecmp(name, "Interface") && p->grammar == CONFIG_GRAMMAR_PEERS) {
		diag_error(p->d, lineno, "A peer list holds only [Peer] sections, not [Interface]");
		p->section = SECTION_NONE;
	} else if (!strcasecmp(name, "Interface")) {
		if (p->conf->flags & WGCONF_HAS_INTERFACE)
			diag_warn(p->d, lineno, "A second [Interface] section; its keys add to the first");
		p->conf->flags |= WGCONF_HAS_INTERFACE;
		p->conf->interface_lineno = lineno;
		p->section = SECTION_INTERFACE;
	} else if (!strcasecmp(name, "Peer")) {
		p->peer = model_peer_new(p->conf->device);
		if (!p->peer)
			return oom(p);
		p->peer->flags |= WGPEER_REPLACE_ALLOWEDIPS;
		p->peer->lineno = lineno;
		p->section = SECTION_PEER;
	} else {
		unrecognized(p, lineno, cleaned);
	}
}

/* The wg view: text before '#' with every whitespace byte removed. */
static void wg_line(struct parser *p, const char *text, unsigned int lineno)
{
	struct strbuf cleaned;

	strbuf_init(&cleaned);
	for (const char *c = text; *c && *c != '#'; ++c) {
		if (!isspace((unsigned char)*c))
			strbuf_putc(&cleaned, *c);
	}
	if (cleaned.oom)
		oom(p);
	else if (!cleaned.len)
		;
	else if (p->section == SECTION_INTERFACE)
		wg_interface_line(p, cleaned.buf, lineno);
	else if (p->section == SECTION_PEER)
		wg_peer_line(p, cleaned.buf, lineno);
	else
		unrecognized(p, lineno, cleaned.buf);
	strbuf_free(&cleaned);
}

static void keep_for_wg(struct parser *p, const char *raw)
{
	strbuf_puts(&p->stripped, raw);
	strbuf_putc(&p->stripped, '\n');
}

/* wg-quick's section tracking: any key starting with '[' leaves [Interface] unless it is one. */
static void quick_track_section(struct parser *p, const char *raw)
{
	size_t n = strcspn(raw, "#=");

	while (n && isspace((unsigned char)raw[n - 1]))
		--n;
	if (raw[0] == '[')
		p->quick_interface = n == strlen("[Interface]") && !strncasecmp(raw, "[Interface]", n);
}

static void on_section(void *ctx, const char *name, const char *raw, unsigned int lineno)
{
	struct parser *p = ctx;
	char bracketed[64];

	quick_track_section(p, raw);
	keep_for_wg(p, raw);
	snprintf(bracketed, sizeof(bracketed), "[%s]", name);
	wg_section(p, name, bracketed, lineno);
}

static void on_entry(void *ctx, const char *key, const char *value, const char *raw, unsigned int lineno)
{
	struct parser *p = ctx;

	quick_track_section(p, raw);
	if (key && *key && !strchr(key, '#')) {
		size_t vlen = strcspn(value, "#");
		char *v = strndup(value, vlen);
		bool consumed;

		if (!v)
			return oom(p);
		while (vlen && isspace((unsigned char)v[vlen - 1]))
			v[--vlen] = '\0';
		consumed = quick_entry(p, key, v, value, lineno);
		free(v);
		if (consumed)
			return;
	}
	keep_for_wg(p, raw);
	wg_line(p, raw, lineno);
}

static void capture_peer_name(struct parser *p, const char *raw)
{
	const char *s = raw + 1;

	while (isspace((unsigned char)*s))
		++s;
	if (strncasecmp(s, "Name", 4))
		return;
	for (s += 4; isspace((unsigned char)*s); ++s)
		;
	if (*s++ != '=')
		return;
	while (isspace((unsigned char)*s))
		++s;
	if (!*s)
		return;
	free(p->peer->name);
	p->peer->name = strdup(s);
	if (!p->peer->name)
		oom(p);
}

static void on_other(void *ctx, const char *raw, unsigned int lineno)
{
	struct parser *p = ctx;

	if (!raw) {
		diag_error(p->d, lineno, "Line contains a NUL byte");
		return;
	}
	if (raw[0] == '#' && p->section == SECTION_PEER)
		capture_peer_name(p, raw);
	quick_track_section(p, raw);
	keep_for_wg(p, raw);
	wg_line(p, raw, lineno);
}

/*
 * A list fetched in clear with nothing to verify it lets anyone on the path pick this host's
 * peers: refused. Over https without a key, whoever runs the server can: said every time.
 */
static void check_list_trust(struct parser *p)
{
	for (size_t i = 0; i < p->conf->n_peer_lists; ++i) {
		const struct wg_peer_list_ref *ref = &p->conf->peer_lists[i];

		if (p->conf->peer_list_keys.n)
			return;
		if (!strncasecmp(ref->source, "http://", 7))
			diag_error(p->d, ref->lineno,
				   "PeerList `%s' is fetched in clear and no PeerListKey verifies it: anyone on "
				   "the network path could choose this host's peers (use https://, add PeerListKey, "
				   "or both)",
				   ref->source);
		else if (!strncasecmp(ref->source, "https://", 8))
			diag_warn(p->d, ref->lineno,
				  "PeerList `%s' is not signed: whoever controls that server can choose this "
				  "host's peers (add PeerListKey)",
				  ref->source);
	}
}

static void finish(struct parser *p)
{
	struct wg_peer *peer, *other;

	check_list_trust(p);
	for_each_wgpeer(p->conf->device, peer) {
		if (!(peer->flags & WGPEER_HAS_PUBLIC_KEY)) {
			diag_error(p->d, peer->lineno, "A peer is missing a public key");
			continue;
		}
		for (other = peer->next_peer; other; other = other->next_peer) {
			if ((other->flags & WGPEER_HAS_PUBLIC_KEY) &&
			    !memcmp(other->public_key, peer->public_key, WG_KEY_LEN))
				diag_add(p->d, p->grammar == CONFIG_GRAMMAR_PEERS ? DIAG_ERROR : DIAG_WARNING,
					 other->lineno,
					 "The peer of line %u appears again; %s", peer->lineno,
					 p->grammar == CONFIG_GRAMMAR_PEERS ? "a peer list names each peer once"
									    : "this section replaces its AllowedIPs");
		}
	}
}

int config_read_stream(struct wg_config *conf, FILE *f, enum config_grammar grammar, struct diag_list *d)
{
	static const struct ini_stream_ops ops = {
		.section = on_section,
		.entry = on_entry,
		.other = on_other,
	};
	struct parser p = { .conf = conf, .d = d, .grammar = grammar };
	int ret;

	memset(conf, 0, sizeof(*conf));
	conf->device = model_device_new();
	if (!conf->device)
		return -ENOMEM;
	strbuf_init(&p.stripped);
	ret = ini_stream_parse(f, &ops, &p);
	if (!ret)
		ret = p.err;
	if (!ret)
		finish(&p);
	conf->stripped = strbuf_detach(&p.stripped);
	if (!ret && !conf->stripped)
		ret = -ENOMEM;
	if (!ret && d->errors)
		ret = -EINVAL;
	return ret;
}

int config_read_file(struct wg_config *conf, const char *path, enum config_grammar grammar, struct diag_list *d)
{
	FILE *f = fopen(path, "r");
	int ret;

	if (!f) {
		ret = -errno;
		memset(conf, 0, sizeof(*conf));
		return ret;
	}
	ret = config_read_stream(conf, f, grammar, d);
	fclose(f);
	return ret;
}

void config_free(struct wg_config *conf)
{
	model_device_free(conf->device);
	model_peer_free_allowedips(&conf->addresses);
	strlist_free(&conf->dns);
	strlist_free(&conf->dns_search);
	for (int h = 0; h < WG_HOOK_COUNT; ++h)
		strlist_free(&conf->hooks[h]);
	free(conf->table);
	for (size_t i = 0; i < conf->n_peer_lists; ++i) {
		free(conf->peer_lists[i].source);
		free(conf->peer_lists[i].name);
	}
	free(conf->peer_lists);
	strlist_free(&conf->peer_list_keys);
	free(conf->peer_list_ca);
	model_peer_free_allowedips(&conf->peer_list_scope);
	if (conf->stripped) {
		explicit_bzero(conf->stripped, strlen(conf->stripped));
		free(conf->stripped);
	}
	memset(conf, 0, sizeof(*conf));
}

void config_mark_setconf(struct wg_device *dev)
{
	dev->flags |= WGDEVICE_REPLACE_PEERS | WGDEVICE_HAS_PRIVATE_KEY | WGDEVICE_HAS_FWMARK |
		      WGDEVICE_HAS_LISTEN_PORT;
}
