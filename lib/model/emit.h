/* SPDX-License-Identifier: MIT */
/* The single writer of the wg(8) text formats shared by showconf, strip and save. */
#ifndef WGCTL_MODEL_EMIT_H
#define WGCTL_MODEL_EMIT_H

#include <stddef.h>

#include "model/config.h"
#include "model/model.h"
#include "util/strbuf.h"

/*
 * "a.b.c.d:port" or "[v6]:port" as wg prints it; a hostname endpoint prints as written. A buffer
 * of WG_ENDPOINT_TEXT_SIZE holds any endpoint the model accepts.
 */
void emit_endpoint(char *buf, size_t len, const struct wg_peer *peer);
/* "a.b.c.d/n" */
void emit_prefix(char *buf, size_t len, uint16_t family, const void *addr, uint8_t cidr);
/* One [Peer] section as showconf writes it, with a `# Name =` line when the peer has one. */
void emit_peer(struct strbuf *sb, const struct wg_peer *peer);
/* Exactly `wg showconf`. */
void emit_showconf(struct strbuf *sb, const struct wg_device *dev);
/*
 * What `save` writes of a running device: showconf, except that where conf takes a key from a
 * file (PrivateKeyFile, or a PresharedKeyFile of the peer with the same public key) the *File
 * line is written as conf has it, never the key (check config_key_files_match() first).
 */
void emit_saved(struct strbuf *sb, const struct wg_device *dev, const struct wg_config *conf);

#endif
