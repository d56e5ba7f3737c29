/* SPDX-License-Identifier: MIT */
/*
 * wg(8)'s `set` grammar: the words after the interface name into a model delta, as
 * wireguard-tools' config_read_cmd(). Every message goes into the diag list, worded as wg words
 * it, and the parse stops at the first error.
 */
#ifndef WGCTL_MODEL_SET_ARGS_H
#define WGCTL_MODEL_SET_ARGS_H

#include <stdbool.h>

#include "model/diag.h"
#include "model/model.h"

/*
 * Turns a peer's endpoint name into an address, adding one diagnostic on failure: 0 or -errno.
 * The model does no DNS; `set` passes the backend's resolver.
 */
typedef int model_resolve_fn(union wg_endpoint *ep, const char *text, struct diag_list *d,
			     unsigned int line);

/*
 * Reads `argc` words into `dev`: listen-port, fwmark and private-key (a file) for the device,
 * then per `peer <key>`: remove, endpoint, allowed-ips (replacing, or +/- single prefixes),
 * persistent-keepalive and preshared-key (a file). An endpoint name is handed to `resolve` when
 * its word is read, so that a name that does not resolve stops the parse there; with NULL it stays
 * in endpoint_text. Returns false after an error; the delta is then incomplete and must not be
 * applied.
 */
bool model_parse_set_args(struct wg_device *dev, int argc, const char *const argv[],
			  model_resolve_fn *resolve, struct diag_list *d);

#endif
