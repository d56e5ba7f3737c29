/* SPDX-License-Identifier: MIT */
/*
 * `peer add` / `peer remove` without I/O: the next free address in each of the server's
 * subnets, the server's [Peer] section and the client's whole config as text, and edits of the
 * server's config *text* (never re-emitted from the model, so every comment, blank line and
 * spelling of the rest stays as the user wrote it). The caller reads, locks and writes files.
 */
#ifndef WGCTL_MODEL_PEEREDIT_H
#define WGCTL_MODEL_PEEREDIT_H

#include <stdbool.h>

#include "model/config.h"
#include "model/diag.h"
#include "model/model.h"
#include "util/strbuf.h"

/* A peer name: 1..64 of [A-Za-z0-9_.@+-], so that it fits a comment, a file name, a label. */
bool peeredit_valid_name(const char *name);

/*
 * Whether the host address `addr` (family AF_INET/AF_INET6) is held: by an `Address =` of the
 * server, by any allowed IP of a peer of `conf` or of `running` (may be NULL), or is the network
 * or (IPv4) broadcast address of a server subnet that contains it.
 */
bool peeredit_address_taken(const struct wg_config *conf, const struct wg_device *running,
			    uint16_t family, const void *addr);

/*
 * Appends to `out` (its allowed IPs, /32 or /128) the lowest free host address of every subnet
 * of the server's `Address =` lines. 0; -ENOENT when the config has no Address (diagnostic at
 * its [Interface]); -ENOSPC when a subnet is full (diagnostic at that Address line); -ENOMEM.
 * IPv6 subnets are searched over their first 65,536 addresses.
 */
int peeredit_allocate(const struct wg_config *conf, const struct wg_device *running,
		      struct wg_peer *out, struct diag_list *d);

/* Everything a new peer is made of. The keys are the caller's (locked memory). */
struct peeredit_peer {
	const char *name;
	const uint8_t *private_key;   /* the client's */
	const uint8_t *public_key;    /* the client's */
	const uint8_t *preshared_key; /* NULL: none */
	const uint8_t *server_public_key;
	const struct wg_peer *addresses; /* the client's addresses (host prefixes) */
	const struct wg_peer *routes;    /* the client's AllowedIPs */
	const char *endpoint;            /* the server as the client reaches it; may be NULL */
	const char *dns;                 /* the client's DNS line; may be NULL */
	uint16_t keepalive;              /* 0: none */
};

/* The [Peer] section for the server's file: name, public key, PSK, the client's addresses. */
void peeredit_server_section(struct strbuf *sb, const struct peeredit_peer *p);
/* The client's whole wg-quick config. */
void peeredit_client_config(struct strbuf *sb, const struct peeredit_peer *p);
/* The server's subnets (the Address prefixes with host bits cleared) into `out`. -ENOMEM. */
int peeredit_subnets(const struct wg_config *conf, struct wg_peer *out);

/* `text` with `section` appended after one blank line; the rest byte for byte. -ENOMEM. */
int peeredit_append(const char *text, const char *section, char **out);
/*
 * `text` without the [Peer] section(s) whose PublicKey is `key`: from the header to the next
 * header, except the comments and blank lines that end it (they introduce what follows), and
 * one blank line before it. *removed counts the sections. -ENOMEM.
 */
int peeredit_remove(const char *text, const uint8_t key[WG_KEY_LEN], char **out,
		    unsigned int *removed);
/*
 * The value of a `# KEY = VALUE` comment of the [Interface] section (the first), trimmed, as a
 * new string in *out (NULL when there is none). -ENOMEM.
 */
int peeredit_interface_comment(const char *text, const char *key, char **out);

/* One `# KEY = VALUE` comment of a [Peer] section, with the section's public key. */
struct peeredit_comment {
	uint8_t public_key[WG_KEY_LEN];
	char *value;
};

/*
 * Every [Peer] section's first `# KEY = VALUE` comment (sections with a valid PublicKey only),
 * in file order: wgctl's own keys (`# Endpoints =`), which wg and `strip` leave as comments.
 * 0 or -ENOMEM; free with peeredit_comments_free().
 */
int peeredit_peer_comments(const char *text, const char *key, struct peeredit_comment **out,
			   size_t *n);
void peeredit_comments_free(struct peeredit_comment *v, size_t n);
#endif
