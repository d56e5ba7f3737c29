// SPDX-License-Identifier: MIT
/*
 * Reads a configuration file into a struct wg_config. How one line travels:
 *
 * 1. ini_stream.c reads the physical line, of any length and with any bytes, and carries it
 *    through the system libinih, escaped so that inih interprets none of it. Then it calls
 *    on_line with the line byte for byte and its number.
 * 2. config_line_read (config_line.c) reads it once, the way each tool does: the trimmed text
 *    (on line 1 without a BOM), whether it holds a NUL, wg's view (the text before '#' with all
 *    whitespace removed) and wg-quick's (key and value before '#', trimmed, and the raw value
 *    that hooks keep), each with its section header if it is one, and a "# Name =" comment.
 * 3. on_line applies it. A NUL byte is reported and nothing else is done. wg-quick's header
 *    moves its [Interface] state, and inside [Interface] its keys are consumed (quick_entry).
 *    wgctl's key files, in wg's sections, are consumed next (key_file_entry): they keep only
 *    their place in the text `strip` prints. Every other line is kept for `strip` as its text,
 *    then goes to wg's grammar (wg_line): a header opens a section, a known key sets a field,
 *    anything else is "Line unrecognized".
 * Nothing is applied anywhere, and no file but the config is opened: the caller gets the model
 * and the diagnostics, and reads the key files (model/keyfile.h) when it needs the keys.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "model/config.h"
#include "model/config_line.h"
#include "model/encoding.h"
#include "model/ini_stream.h"
#include "model/peerlist_header.h"
#include "util/number.h"
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
	struct config_line line;
	/* Where the slots' keys came from so far, for "never a key and its file" (0: not yet). */
	unsigned int private_key_line, private_key_file_line, psk_line, psk_file_line;
	int err;
};

static const char *const hook_keys[WG_HOOK_COUNT] = {
	[WG_HOOK_PRE_UP] = "PreUp",
	[WG_HOOK_POST_UP] = "PostUp",
	[WG_HOOK_PRE_DOWN] = "PreDown",
	[WG_HOOK_POST_DOWN] = "PostDown",
};

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
	uint64_t v;

	if (!parse_uint_str(s, 10, UINT32_MAX, &v))
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

/*
 * A list of prefixes split as wg-quick splits Address (commas and blanks), appended to `to`;
 * `networks` refuses host bits (PeerListAllowedIPs names networks; Address names the host).
 */
static void quick_prefixes(struct parser *p, struct wg_peer *to, const char *value,
			   unsigned int lineno, bool networks, const char *error)
{
	const char *cursor = value, *tok;
	size_t len;

	while (next_token(&cursor, &tok, &len)) {
		char buf[INET6_ADDRSTRLEN + 8];
		struct wg_allowedip *a;
		union wg_ip addr;
		uint16_t family;
		uint8_t cidr;

		if (!token_copy(buf, sizeof(buf), tok, len) ||
		    !model_parse_prefix(&family, &addr, &cidr, buf) ||
		    (networks && !model_prefix_host_bits_zero(family, &addr, cidr))) {
			diag_error(p->d, lineno, "%s: `%.*s'", error, (int)len, tok);
			continue;
		}
		a = model_allowedip_new(to);
		if (!a)
			return oom(p);
		a->family = family;
		a->cidr = cidr;
		a->lineno = lineno;
		memcpy(&a->ip6, &addr, family == AF_INET ? 4 : 16);
	}
}

static void quick_address(struct parser *p, const char *value, unsigned int lineno)
{
	quick_prefixes(p, &p->conf->addresses, value, lineno, false,
		       "Address is not an IP address with an optional prefix length");
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

		if (server &&
		    (!token_copy(buf, sizeof(buf), tok, len) ||
		     inet_pton(strchr(buf, ':') ? AF_INET6 : AF_INET, buf, &scratch) != 1)) {
			diag_error(p->d, lineno, "DNS server is not an IP address: `%.*s'",
				   (int)len, tok);
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
				diag_error(p->d, lineno,
					   "Table is neither off, auto, a number nor a table name: "
					   "`%s'",
					   value);
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
			diag_error(p->d, lineno,
				   "Forwarding is neither off nor a list of ipv4, ipv6: `%s'",
				   value);
		return;
	}
	strcpy(buf, value);
	for (tok = strtok_r(buf, ", \t", &save); tok; tok = strtok_r(NULL, ", \t", &save)) {
		if (!strcasecmp(tok, "ipv4")) {
			p->conf->forwarding |= WGCONF_FORWARD_IPV4;
		} else if (!strcasecmp(tok, "ipv6")) {
			p->conf->forwarding |= WGCONF_FORWARD_IPV6;
		} else {
			diag_error(p->d, lineno,
				   "Forwarding is neither off nor a list of ipv4, ipv6: `%s'",
				   value);
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
			diag_error(p->d, lineno,
				   "PeerList name is not 1 to %d printable characters: `%s'",
				   PEERLIST_NAME_MAX, name);
			return;
		}
	}
	if (!len || (scheme_end && strncasecmp(value, "https://", 8) &&
		     strncasecmp(value, "http://", 7) && strncasecmp(value, "file://", 7))) {
		diag_error(
			p->d, lineno,
			"PeerList is neither a path nor an http://, https:// or file:// URL: `%s'",
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
	quick_prefixes(p, &p->conf->peer_list_scope, value, lineno, true,
		       "PeerListAllowedIPs is not a list of network prefixes");
}

bool config_netns_name_ok(const char *name)
{
	size_t n = strlen(name);

	return n && n <= 255 && strcmp(name, ".") && strcmp(name, "..") && !strchr(name, '/');
}

static void quick_namespace(struct parser *p, const char *value, unsigned int lineno)
{
	free(p->conf->netns);
	p->conf->netns = NULL;
	p->conf->flags &= ~WGCONF_HAS_NAMESPACE;
	p->conf->netns_lineno = lineno;
	if (!*value)
		return;
	if (!config_netns_name_ok(value)) {
		diag_error(p->d, lineno, "Namespace is not a network namespace name: `%s'", value);
		return;
	}
	p->conf->netns = strdup(value);
	if (!p->conf->netns)
		return oom(p);
	p->conf->flags |= WGCONF_HAS_NAMESPACE;
}

static void quick_kill_switch(struct parser *p, const char *value, unsigned int lineno)
{
	p->conf->kill_switch_lineno = lineno;
	p->conf->flags |= WGCONF_HAS_KILL_SWITCH;
	if (!strcasecmp(value, "off") || !strcasecmp(value, "false"))
		p->conf->kill_switch = WGCONF_KILL_SWITCH_OFF;
	else if (!strcasecmp(value, "on") || !strcasecmp(value, "true"))
		p->conf->kill_switch = WGCONF_KILL_SWITCH_ON;
	else if (!strcasecmp(value, "persistent"))
		p->conf->kill_switch = WGCONF_KILL_SWITCH_PERSISTENT;
	else
		diag_error(p->d, lineno, "KillSwitch is neither off, on nor persistent: `%s'",
			   value);
}

static void quick_kill_switch_allow(struct parser *p, const char *value, unsigned int lineno)
{
	quick_prefixes(p, &p->conf->kill_switch_allow, value, lineno, true,
		       "KillSwitchAllow is not a list of network prefixes");
}

static void quick_peer_list_key(struct parser *p, const char *value, unsigned int lineno)
{
	uint8_t key[WG_KEY_LEN];

	if (!key_from_base64(key, value)) {
		diag_error(p->d, lineno, "PeerListKey is not a base64 Ed25519 public key: `%s'",
			   value);
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

/* Returns true when wg-quick consumes the line itself. */
static bool quick_entry(struct parser *p, const struct config_line *l)
{
	const char *value = l->quick.value;
	unsigned int lineno = l->lineno;

	if (p->grammar != CONFIG_GRAMMAR_QUICK || !p->quick_interface)
		return false;
	for (int h = 0; h < WG_HOOK_COUNT; ++h) {
		if (config_line_quick_is(l, hook_keys[h])) {
			/* Text after '#' is the shell's, not a comment. */
			if (strlist_push(&p->conf->hooks[h], l->quick.raw_value,
					 strlen(l->quick.raw_value), lineno))
				oom(p);
			return true;
		}
	}
	if (config_line_quick_is(l, "Address"))
		quick_address(p, value, lineno);
	else if (config_line_quick_is(l, "DNS"))
		quick_dns(p, value, lineno);
	else if (config_line_quick_is(l, "MTU"))
		quick_mtu(p, value, lineno);
	else if (config_line_quick_is(l, "Table")) {
		quick_table(p, value, lineno);
		p->conf->table_lineno = lineno;
	} else if (config_line_quick_is(l, "SaveConfig"))
		quick_bool(p, value, lineno, &p->conf->save_config, WGCONF_HAS_SAVE_CONFIG);
	else if (config_line_quick_is(l, "Forwarding"))
		quick_forwarding(p, value, lineno);
	else if (config_line_quick_is(l, "ProxyARP"))
		quick_bool(p, value, lineno, &p->conf->proxy_arp, WGCONF_HAS_PROXY_ARP);
	else if (config_line_quick_is(l, "PeerList"))
		quick_peer_list(p, value, lineno);
	else if (config_line_quick_is(l, "PeerListKey"))
		quick_peer_list_key(p, value, lineno);
	else if (config_line_quick_is(l, "PeerListCA"))
		quick_peer_list_ca(p, value);
	else if (config_line_quick_is(l, "PeerListAllowedIPs"))
		quick_peer_list_scope(p, value, lineno);
	else if (config_line_quick_is(l, "Namespace"))
		quick_namespace(p, value, lineno);
	else if (config_line_quick_is(l, "KillSwitch"))
		quick_kill_switch(p, value, lineno);
	else if (config_line_quick_is(l, "KillSwitchAllow"))
		quick_kill_switch_allow(p, value, lineno);
	else
		return false;
	return true;
}

/* One slot, two sources: the later line is the error, and neither is applied from it. */
static void both(struct parser *p, unsigned int lineno, const char *key, const char *other,
		 unsigned int other_line)
{
	diag_error(p->d, lineno, "%s and the %s of line %u are the same key: keep one of them", key,
		   other, other_line);
}

/*
 * wgctl's PrivateKeyFile ([Interface]) and PresharedKeyFile ([Peer]). They stand for wg's keys,
 * so they belong to wg's sections (not wg-quick's [Interface] state), but are matched and valued
 * as wg-quick's keys are: a whole trimmed key, and a value that keeps its inner spaces (a path).
 * wg(8) does not know them: a `setconf` file (CONFIG_GRAMMAR_WG) gets wg's "Line unrecognized",
 * as does one in the other section. A shared peer list may not name them: a file on the host that
 * reads the list is not the list's to choose. The line itself never reaches `strip`, whose
 * text keeps only its place (strip_at), where config_strip_text() writes the key it names.
 */
static bool key_file_entry(struct parser *p, const struct config_line *l)
{
	bool interface = config_line_quick_is(l, "PrivateKeyFile");
	const char *key = interface ? "PrivateKeyFile" : "PresharedKeyFile";
	unsigned int *own = interface ? &p->private_key_file_line : &p->psk_file_line;
	unsigned int other = interface ? p->private_key_line : p->psk_line;
	struct wg_key_file *v, *ref;
	bool refused = true;

	if (p->grammar == CONFIG_GRAMMAR_WG ||
	    (!interface && !config_line_quick_is(l, "PresharedKeyFile")) ||
	    p->section != (interface ? SECTION_INTERFACE : SECTION_PEER))
		return false;
	if (p->grammar == CONFIG_GRAMMAR_PEERS)
		diag_error(p->d, l->lineno,
			   "A peer list cannot name a key file (%s) on the hosts that read it",
			   key);
	else if (!*l->quick.value)
		diag_error(p->d, l->lineno, "%s names no file", key);
	else if (other)
		both(p, l->lineno, key, interface ? "PrivateKey" : "PresharedKey", other);
	else if (*own)
		diag_error(p->d, l->lineno, "A second %s for the same key; the first is on line %u",
			   key, *own);
	else
		refused = false;
	if (!*own)
		*own = l->lineno;
	if (refused)
		return true;
	v = realloc(p->conf->key_files, (p->conf->n_key_files + 1) * sizeof(*v));
	if (!v) {
		oom(p);
		return true;
	}
	p->conf->key_files = v;
	ref = &v[p->conf->n_key_files++];
	memset(ref, 0, sizeof(*ref));
	ref->peer = interface ? NULL : p->peer;
	ref->lineno = l->lineno;
	ref->strip_at = p->stripped.len;
	ref->name = strdup(l->quick.value);
	if (!ref->name)
		oom(p);
	return true;
}

static void wg_interface_line(struct parser *p, const struct config_line *l)
{
	struct wg_device *dev = p->conf->device;
	const char *v;

	if ((v = config_line_wg_value(l, "ListenPort"))) {
		if (model_parse_port(&dev->listen_port, v, p->d, l->lineno))
			dev->flags |= WGDEVICE_HAS_LISTEN_PORT;
	} else if ((v = config_line_wg_value(l, "FwMark"))) {
		if (model_parse_fwmark(&dev->fwmark, v, p->d, l->lineno))
			dev->flags |= WGDEVICE_HAS_FWMARK;
	} else if ((v = config_line_wg_value(l, "PrivateKey"))) {
		if (p->private_key_file_line)
			both(p, l->lineno, "PrivateKey", "PrivateKeyFile",
			     p->private_key_file_line);
		else if (model_parse_secret_key(dev->private_key, v, p->d, l->lineno))
			dev->flags |= WGDEVICE_HAS_PRIVATE_KEY;
		p->private_key_line = l->lineno;
	} else {
		unrecognized(p, l->lineno, l->wg.line);
	}
}

static void wg_peer_line(struct parser *p, const struct config_line *l)
{
	struct wg_peer *peer = p->peer;
	const char *v;

	if ((v = config_line_wg_value(l, "Endpoint"))) {
		model_parse_endpoint(peer, v, p->d, l->lineno);
	} else if ((v = config_line_wg_value(l, "PublicKey"))) {
		if (model_parse_key(peer->public_key, v, p->d, l->lineno))
			peer->flags |= WGPEER_HAS_PUBLIC_KEY;
	} else if ((v = config_line_wg_value(l, "AllowedIPs"))) {
		model_parse_allowedips(peer, v, p->d, l->lineno);
	} else if ((v = config_line_wg_value(l, "PersistentKeepalive"))) {
		if (model_parse_keepalive(&peer->persistent_keepalive_interval, v, p->d, l->lineno))
			peer->flags |= WGPEER_HAS_PERSISTENT_KEEPALIVE_INTERVAL;
	} else if ((v = config_line_wg_value(l, "PresharedKey"))) {
		if (p->psk_file_line)
			both(p, l->lineno, "PresharedKey", "PresharedKeyFile", p->psk_file_line);
		else if (model_parse_secret_key(peer->preshared_key, v, p->d, l->lineno))
			peer->flags |= WGPEER_HAS_PRESHARED_KEY;
		p->psk_line = l->lineno;
	} else {
		unrecognized(p, l->lineno, l->wg.line);
	}
}

static void wg_section(struct parser *p, enum config_header header, unsigned int lineno)
{
	if (header == CONFIG_HEADER_INTERFACE && p->grammar == CONFIG_GRAMMAR_PEERS) {
		diag_error(p->d, lineno, "A peer list holds only [Peer] sections, not [Interface]");
		p->section = SECTION_NONE;
	} else if (header == CONFIG_HEADER_INTERFACE) {
		if (p->conf->flags & WGCONF_HAS_INTERFACE)
			diag_warn(p->d, lineno,
				  "A second [Interface] section; its keys add to the first");
		p->conf->flags |= WGCONF_HAS_INTERFACE;
		p->conf->interface_lineno = lineno;
		p->section = SECTION_INTERFACE;
	} else {
		p->peer = model_peer_new(p->conf->device);
		if (!p->peer)
			return oom(p);
		p->peer->flags |= WGPEER_REPLACE_ALLOWEDIPS;
		p->peer->lineno = lineno;
		p->section = SECTION_PEER;
		p->psk_line = p->psk_file_line = 0;
	}
}

static void wg_line(struct parser *p, const struct config_line *l)
{
	if (!*l->wg.line)
		return;
	if (l->wg.header == CONFIG_HEADER_INTERFACE || l->wg.header == CONFIG_HEADER_PEER)
		wg_section(p, l->wg.header, l->lineno);
	else if (p->section == SECTION_INTERFACE)
		wg_interface_line(p, l);
	else if (p->section == SECTION_PEER)
		wg_peer_line(p, l);
	else
		unrecognized(p, l->lineno, l->wg.line);
}

static void on_line(void *ctx, const char *s, size_t len, unsigned int lineno)
{
	struct parser *p = ctx;
	struct config_line *l = &p->line;

	if (config_line_read(l, s, len, lineno))
		return oom(p);
	if (l->nul) {
		diag_error(p->d, lineno, "Line contains a NUL byte");
		return;
	}
	if (l->quick.header)
		p->quick_interface = l->quick.header == CONFIG_HEADER_INTERFACE;
	if (quick_entry(p, l) || key_file_entry(p, l))
		return;
	strbuf_puts(&p->stripped, l->text);
	strbuf_putc(&p->stripped, '\n');
	if (l->name && p->section == SECTION_PEER) {
		free(p->peer->name);
		p->peer->name = strdup(l->name);
		if (!p->peer->name)
			oom(p);
	}
	wg_line(p, l);
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
				   "PeerList `%s' is fetched in clear and no PeerListKey verifies "
				   "it: anyone on "
				   "the network path could choose this host's peers (use https://, "
				   "add PeerListKey, "
				   "or both)",
				   ref->source);
		else if (!strncasecmp(ref->source, "https://", 8))
			diag_warn(p->d, ref->lineno,
				  "PeerList `%s' is not signed: whoever controls that server can "
				  "choose this "
				  "host's peers (add PeerListKey)",
				  ref->source);
	}
}

static void finish(struct parser *p)
{
	struct wg_peer *peer, *other;

	check_list_trust(p);
	for_each_wgpeer (p->conf->device, peer) {
		if (!(peer->flags & WGPEER_HAS_PUBLIC_KEY)) {
			diag_error(p->d, peer->lineno, "A peer is missing a public key");
			continue;
		}
		for (other = peer->next_peer; other; other = other->next_peer) {
			if ((other->flags & WGPEER_HAS_PUBLIC_KEY) &&
			    !memcmp(other->public_key, peer->public_key, WG_KEY_LEN))
				diag_add(p->d,
					 p->grammar == CONFIG_GRAMMAR_PEERS ? DIAG_ERROR
									    : DIAG_WARNING,
					 other->lineno, "The peer of line %u appears again; %s",
					 peer->lineno,
					 p->grammar == CONFIG_GRAMMAR_PEERS
						 ? "a peer list names each peer once"
						 : "this section replaces its AllowedIPs");
		}
	}
}

int config_read_stream(struct wg_config *conf, FILE *f, enum config_grammar grammar,
		       struct diag_list *d)
{
	struct parser p = { .conf = conf, .d = d, .grammar = grammar };
	int ret;

	memset(conf, 0, sizeof(*conf));
	conf->device = model_device_new();
	if (!conf->device)
		return -ENOMEM;
	strbuf_init(&p.stripped);
	config_line_init(&p.line);
	ret = ini_stream_parse(f, on_line, &p);
	config_line_free(&p.line);
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

int config_read_file(struct wg_config *conf, const char *path, enum config_grammar grammar,
		     struct diag_list *d)
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
	model_peer_free_allowedips(&conf->kill_switch_allow);
	free(conf->netns);
	for (size_t i = 0; i < conf->n_key_files; ++i) {
		free(conf->key_files[i].name);
		free(conf->key_files[i].path);
	}
	free(conf->key_files);
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
