/* SPDX-License-Identifier: MIT */
/*
 * The UAPI text protocol (wireguard.com/xplatform) as a pure codec between the model and
 * `key=value` lines, shared by the client (backend) and the server (daemon). No sockets here:
 * they do the framing I/O. Also where the sockets live.
 */
#ifndef WGCTL_MODEL_UAPI_H
#define WGCTL_MODEL_UAPI_H

#include <stdbool.h>
#include <stddef.h>

#include "model/model.h"
#include "util/strbuf.h"

/* The socket directory, RUNSTATEDIR/wireguard; WGCTL_RUN_DIR moves it (tests). */
const char *uapi_run_dir(void);

/* Room for "[v6%scope]:port" with a numeric or IFNAMSIZ scope. */
enum { UAPI_ENDPOINT_LEN = 72 };

/* Reply body to `get=1` exactly as wireguard-go writes it, ending with "errno=0\n\n". */
void uapi_format_get(struct strbuf *out, const struct wg_device *dev);

/*
 * Reads a get reply as the wg client does: unknown keys are ignored and the device public key
 * is left for the caller to derive. Returns 0, -N for a nonzero `errno=N`, or -EPROTO.
 * On success *dev owns a new device; on failure it is NULL.
 */
int uapi_parse_get(struct wg_device **dev, const char *text, size_t len);

/* The whole `set=1` request for a model delta, blank line included. */
void uapi_format_set(struct strbuf *out, const struct wg_device *dev);

/*
 * Parses the body of a set request (the lines after "set=1", up to the empty line) into a
 * delta carrying the same flags, without applying anything. Returns 0, -EINVAL for an unknown
 * key or bad value, or -EPROTO for a line without '='; `why` (may be NULL) then gets one line
 * naming the key. On failure *delta is NULL.
 */
int uapi_parse_set(struct wg_device **delta, const char *text, size_t len, struct strbuf *why);

/* "a.b.c.d:port" or "[v6]:port" with a numeric scope id; "" for any other family. */
void uapi_format_endpoint(char buf[UAPI_ENDPOINT_LEN], const union wg_endpoint *ep);
/* The numeric forms above; a scope may be a number or an interface name. */
bool uapi_parse_endpoint(union wg_endpoint *ep, const char *value);

#endif
