/* SPDX-License-Identifier: MIT */
/*
 * The one model of a WireGuard device that every frontend (config file, `set` argv, runtime
 * dump) produces and every backend consumes. Presence is recorded in flag words, never in
 * sentinel values.
 */
#ifndef WGCTL_MODEL_H
#define WGCTL_MODEL_H

#include <net/if.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

enum {
	WG_KEY_LEN = 32,
	WG_KEY_LEN_BASE64 = 45, /* 44 characters and the terminator */
	WG_KEY_LEN_HEX = 65,
};

enum {
	/*
	 * An endpoint as written, with its terminator: a DNS name (253 characters) or a scoped
	 * address in brackets, a colon and a port or service name (31). Longer is refused when
	 * parsed, so every writer's buffer of this size holds any endpoint whole.
	 */
	WG_ENDPOINT_HOST_MAX = 253,
	WG_ENDPOINT_TEXT_SIZE = WG_ENDPOINT_HOST_MAX + 2 + 1 + 31 + 1,
};

enum {
	WGDEVICE_REPLACE_PEERS = 1U << 0,
	WGDEVICE_HAS_PRIVATE_KEY = 1U << 1,
	WGDEVICE_HAS_PUBLIC_KEY = 1U << 2,
	WGDEVICE_HAS_LISTEN_PORT = 1U << 3,
	WGDEVICE_HAS_FWMARK = 1U << 4,
};

enum {
	WGPEER_REMOVE_ME = 1U << 0,
	WGPEER_REPLACE_ALLOWEDIPS = 1U << 1,
	WGPEER_HAS_PUBLIC_KEY = 1U << 2,
	WGPEER_HAS_PRESHARED_KEY = 1U << 3,
	WGPEER_HAS_PERSISTENT_KEEPALIVE_INTERVAL = 1U << 4,
	WGPEER_UPDATE_ONLY = 1U << 5,
	WGPEER_HAS_ENDPOINT = 1U << 6,
};

enum {
	WGALLOWEDIP_REMOVE_ME = 1U << 0,
};

union wg_ip {
	struct in_addr ip4;
	struct in6_addr ip6;
};

struct wg_allowedip {
	uint16_t family;
	uint8_t cidr;
	uint32_t flags;
	union {
		struct in_addr ip4;
		struct in6_addr ip6;
	};
	unsigned int lineno;
	struct wg_allowedip *next_allowedip;
};

union wg_endpoint {
	struct sockaddr addr;
	struct sockaddr_in addr4;
	struct sockaddr_in6 addr6;
};

struct wg_timespec64 {
	int64_t tv_sec;
	int64_t tv_nsec;
};

struct wg_peer {
	uint32_t flags;
	uint8_t public_key[WG_KEY_LEN];
	uint8_t preshared_key[WG_KEY_LEN];
	/* A numeric endpoint lives in `endpoint`; a hostname stays as text until it is resolved. */
	union wg_endpoint endpoint;
	char *endpoint_text;
	struct wg_timespec64 last_handshake_time;
	uint64_t rx_bytes, tx_bytes;
	uint16_t persistent_keepalive_interval;
	struct wg_allowedip *first_allowedip, *last_allowedip;
	char *name;
	unsigned int lineno;
	/* The shared peer list this peer came from (not owned); NULL for the config file itself. */
	const char *source;
	struct wg_peer *next_peer;
};

struct wg_device {
	char name[IFNAMSIZ];
	uint32_t ifindex;
	uint32_t flags;
	uint8_t public_key[WG_KEY_LEN];
	uint8_t private_key[WG_KEY_LEN];
	uint32_t fwmark;
	uint16_t listen_port;
	struct wg_peer *first_peer, *last_peer;
};

#define for_each_wgpeer(__dev, __peer)                                                             \
	for ((__peer) = (__dev)->first_peer; (__peer); (__peer) = (__peer)->next_peer)
#define for_each_wgallowedip(__peer, __allowedip)                                                  \
	for ((__allowedip) = (__peer)->first_allowedip; (__allowedip);                             \
	     (__allowedip) = (__allowedip)->next_allowedip)

struct wg_device *model_device_new(void);
struct wg_peer *model_peer_new(struct wg_device *dev);
struct wg_allowedip *model_allowedip_new(struct wg_peer *peer);
/* A deep copy (peers, allowed IPs, names, hostname endpoints; `source` still borrowed). NULL on
 * ENOMEM. */
struct wg_device *model_device_copy(const struct wg_device *dev);
/* Wipes keys before freeing. NULL is fine. */
void model_device_free(struct wg_device *dev);
void model_peer_free(struct wg_peer *peer);
void model_peer_free_allowedips(struct wg_peer *peer);
/* Unlinks `peer` (whose predecessor is `prev`, NULL for the first) from dev and frees it. */
void model_peer_remove(struct wg_device *dev, struct wg_peer *prev, struct wg_peer *peer);

struct wg_peer *model_find_peer(const struct wg_device *dev, const uint8_t public_key[WG_KEY_LEN]);
size_t model_peer_count(const struct wg_device *dev);

/*
 * Value parsers shared by config files and `set`. Each returns false after adding one
 * diagnostic, worded as wg(8) words it, that quotes the offending input.
 */
struct diag_list;
bool model_parse_key(uint8_t key[WG_KEY_LEN], const char *value, struct diag_list *d,
		     unsigned int line);
/*
 * The same for a secret (PrivateKey, PresharedKey, a key file): a value of more than 8
 * characters, which may be the key with a typo, is not quoted, only its length is given.
 */
bool model_parse_secret_key(uint8_t key[WG_KEY_LEN], const char *value, struct diag_list *d,
			    unsigned int line);
bool model_parse_fwmark(uint32_t *fwmark, const char *value, struct diag_list *d,
			unsigned int line);
bool model_parse_port(uint16_t *port, const char *value, struct diag_list *d, unsigned int line);
bool model_parse_keepalive(uint16_t *interval, const char *value, struct diag_list *d,
			   unsigned int line);
/* Comma-separated [+|-]ip[/cidr] list appended to peer; clears REPLACE_ALLOWEDIPS on +/-. */
bool model_parse_allowedips(struct wg_peer *peer, const char *value, struct diag_list *d,
			    unsigned int line);
/* ip[/cidr]; a bare address is /32 or /128. */
bool model_parse_prefix(uint16_t *family, void *addr, uint8_t *cidr, const char *value);
bool model_prefix_host_bits_zero(uint16_t family, const void *addr, uint8_t cidr);
/* Whether every address of family/addr/cidr lies inside `outer` (the same prefix included). */
bool model_prefix_contains(const struct wg_allowedip *outer, uint16_t family, const void *addr,
			   uint8_t cidr);
/*
 * "host:port" or "[v6]:port": numeric hosts fill peer->endpoint, names go to endpoint_text. A
 * host longer than WG_ENDPOINT_HOST_MAX or a port longer than 31 characters is refused.
 */
bool model_parse_endpoint(struct wg_peer *peer, const char *value, struct diag_list *d,
			  unsigned int line);

/* Comparisons used by syncconf and reload. */
bool model_endpoint_equal(const union wg_endpoint *a, const union wg_endpoint *b);
bool model_allowedips_equal(const struct wg_peer *a, const struct wg_peer *b);

#endif
