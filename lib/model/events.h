/* SPDX-License-Identifier: MIT */
/*
 * `wgctl events` without I/O: what changed between the last observed state of an interface and
 * the device now. A peer is "connected" from its first handshake after silence until it has had
 * no handshake for `stale` seconds (a live session re-keys every 120 s, so 180 s by default);
 * its endpoint changing while known is roaming; peers appear and disappear. The state is saved
 * as text between runs, so that a restart neither repeats nor loses an event.
 */
#ifndef WGCTL_MODEL_EVENTS_H
#define WGCTL_MODEL_EVENTS_H

#include <stdbool.h>
#include <stdint.h>

#include "model/model.h"
#include "model/uapi.h"
#include "util/strbuf.h"

enum ev_kind { EV_CONNECTED, EV_DISCONNECTED, EV_ENDPOINT, EV_ADDED, EV_REMOVED };

struct ev_peer {
	uint8_t key[WG_KEY_LEN];
	int64_t handshake;
	bool connected;
	char endpoint[UAPI_ENDPOINT_LEN];
};

struct ev_state {
	struct ev_peer *v;
	size_t n;
	bool valid; /* false: nothing observed yet, the first step is the baseline */
};

struct ev_event {
	enum ev_kind kind;
	const struct ev_peer *peer;    /* as it is now (as it was, for EV_REMOVED) */
	const char *previous_endpoint; /* EV_ENDPOINT */
};

typedef void (*ev_emit)(void *ctx, const struct ev_event *e);

const char *ev_kind_name(enum ev_kind kind);
/* One observation at unix time `now`; events in order, the state updated. 0 or -ENOMEM. */
int ev_step(struct ev_state *st, const struct wg_device *dev, int64_t now, int64_t stale,
	    ev_emit emit, void *ctx);
void ev_state_free(struct ev_state *st);
void ev_state_format(struct strbuf *sb, const struct ev_state *st);
/* 0, -EINVAL for anything but what ev_state_format writes (st then empty, not valid). */
int ev_state_parse(struct ev_state *st, const char *text);
/* One JSON object and a newline; `name` may be NULL. */
void ev_format_json(struct strbuf *sb, const char *ifname, const char *name,
		    const struct ev_event *e, int64_t now);

#endif
