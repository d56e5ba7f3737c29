/* SPDX-License-Identifier: MIT */
/*
 * A configuration file: the wg(8) part as a struct wg_device, and the keys wg-quick(8) handles
 * itself in [Interface]. The `stripped` text is what `wg-quick strip` prints (wgctl's key files
 * not included: config_strip_text() writes their keys in).
 */
#ifndef WGCTL_MODEL_CONFIG_H
#define WGCTL_MODEL_CONFIG_H

#include <stdio.h>

#include "model/diag.h"
#include "model/model.h"
#include "util/strlist.h"

enum wg_hook {
	WG_HOOK_PRE_UP,
	WG_HOOK_POST_UP,
	WG_HOOK_PRE_DOWN,
	WG_HOOK_POST_DOWN,
	WG_HOOK_COUNT,
};

enum {
	WGCONF_HAS_MTU = 1U << 0,
	WGCONF_HAS_TABLE = 1U << 1,
	WGCONF_HAS_SAVE_CONFIG = 1U << 2,
	WGCONF_HAS_INTERFACE = 1U << 3,
	WGCONF_HAS_FORWARDING = 1U << 4,
	WGCONF_HAS_PROXY_ARP = 1U << 5,
	WGCONF_HAS_PEER_LIST_CA = 1U << 6,
	WGCONF_HAS_NAMESPACE = 1U << 7,
	WGCONF_HAS_KILL_SWITCH = 1U << 8,
};

/* wgctl's KillSwitch: off, on (until down), persistent (until `wgctl killswitch off`). */
enum wg_kill_switch {
	WGCONF_KILL_SWITCH_OFF,
	WGCONF_KILL_SWITCH_ON,
	WGCONF_KILL_SWITCH_PERSISTENT,
};

/* wgctl's relay opt-in (Forwarding = ipv4, ipv6): what `up` turns on and `down` restores. */
enum {
	WGCONF_FORWARD_IPV4 = 1U << 0,
	WGCONF_FORWARD_IPV6 = 1U << 1,
};

/* One `PeerList = SOURCE [name=NAME]` line. */
struct wg_peer_list_ref {
	char *source;
	char *name; /* the name the list's header must carry; NULL: the source as written */
	unsigned int lineno;
};

/*
 * One `PrivateKeyFile =` ([Interface]) or `PresharedKeyFile =` ([Peer]) line: wgctl's keys read
 * from a file instead of written in the config (model/keyfile.h reads them).
 */
struct wg_key_file {
	char *name;           /* the value as written, which `save` writes back */
	char *path;           /* where it was looked for (keyfile.c's rule); NULL until then */
	struct wg_peer *peer; /* the peer whose PresharedKey it holds; NULL: the PrivateKey */
	unsigned int lineno;
	size_t strip_at; /* the offset in `stripped` where `strip` writes the key's own line */
	bool loaded;     /* the key is in the model (device or peer, HAS_* flag set) */
};

struct wg_config {
	struct wg_device *device;
	uint32_t flags;
	struct wg_peer addresses; /* only first_allowedip/last_allowedip are used */
	struct strlist dns, dns_search;
	uint32_t mtu;
	char *table;
	struct strlist hooks[WG_HOOK_COUNT];
	bool save_config;
	unsigned int forwarding; /* WGCONF_FORWARD_* */
	bool proxy_arp;
	unsigned int forwarding_lineno;
	char *stripped;
	unsigned int interface_lineno;
	/*
	 * wgctl's shared peer lists: sources in order, trusted Ed25519 keys (base64), a private CA,
	 * and the prefixes list peers may claim (PeerListAllowedIPs; only first/last_allowedip).
	 */
	struct wg_peer_list_ref *peer_lists;
	size_t n_peer_lists;
	struct strlist peer_list_keys;
	char *peer_list_ca;
	struct wg_peer peer_list_scope;
	/* Key files in file order (so strip_at grows); their keys are read after parsing. */
	struct wg_key_file *key_files;
	size_t n_key_files;
	/*
	 * wgctl's Namespace: the network namespace the link is moved into (created where the
	 * physical network is, so its UDP socket stays there); NULL: none.
	 */
	char *netns;
	unsigned int netns_lineno, table_lineno;
	/* wgctl's kill switch, and the prefixes it lets out in clear (only first/last_allowedip).
	 */
	enum wg_kill_switch kill_switch;
	unsigned int kill_switch_lineno;
	struct wg_peer kill_switch_allow;
};

/* A name `ip netns` accepts: not empty, ".", "..", no '/', at most NAME_MAX bytes. */
bool config_netns_name_ok(const char *name);

enum config_grammar {
	CONFIG_GRAMMAR_WG,    /* what `wg setconf` accepts */
	CONFIG_GRAMMAR_QUICK, /* what `wg-quick` accepts: wg's plus the [Interface] extras */
	CONFIG_GRAMMAR_PEERS, /* a shared peer list: wg's [Peer] sections only, each key once */
};

/*
 * Reads a whole file. Returns 0 when it parsed without errors, -EINVAL when `d` holds errors,
 * or another -errno for I/O. On any error `conf` is still valid to free, and nothing was applied.
 */
int config_read_stream(struct wg_config *conf, FILE *f, enum config_grammar grammar,
		       struct diag_list *d);
int config_read_file(struct wg_config *conf, const char *path, enum config_grammar grammar,
		     struct diag_list *d);
void config_free(struct wg_config *conf);
/* Turns a parsed file into a `setconf` request: absent device keys are reset, peers replaced. */
void config_mark_setconf(struct wg_device *dev);

/* The name a PeerList line expects its list's header to carry. */
const char *peer_list_expected_name(const struct wg_peer_list_ref *ref);

#endif
