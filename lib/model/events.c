// SPDX-License-Identifier: MIT
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/encoding.h"
#include "model/events.h"

#define STATE_MAGIC "wgctl events state 1\n"

static const char *const names[] = {
	[EV_CONNECTED] = "connected", [EV_DISCONNECTED] = "disconnected",
	[EV_ENDPOINT] = "endpoint",   [EV_ADDED] = "added",
	[EV_REMOVED] = "removed",
};

const char *ev_kind_name(enum ev_kind kind)
{
	return names[kind];
}

static struct ev_peer *find(const struct ev_state *st, const uint8_t *key)
{
	for (size_t i = 0; i < st->n; ++i) {
		if (!memcmp(st->v[i].key, key, WG_KEY_LEN))
			return &st->v[i];
	}
	return NULL;
}

static void emit1(ev_emit emit, void *ctx, enum ev_kind kind, const struct ev_peer *p,
		  const char *prev)
{
	struct ev_event e = { .kind = kind, .peer = p, .previous_endpoint = prev };

	emit(ctx, &e);
}

int ev_step(struct ev_state *st, const struct wg_device *dev, int64_t now, int64_t stale,
	    ev_emit emit, void *ctx)
{
	size_t n = model_peer_count(dev), k = 0;
	struct ev_peer *next = calloc(n ? n : 1, sizeof(*next));
	const struct wg_peer *p;

	if (!next)
		return -ENOMEM;
	for_each_wgpeer (dev, p) {
		struct ev_peer *was = st->valid ? find(st, p->public_key) : NULL, *is = &next[k++];
		int64_t hs = p->last_handshake_time.tv_sec;
		bool fresh = hs && now - hs <= stale;

		memcpy(is->key, p->public_key, WG_KEY_LEN);
		is->handshake = hs;
		uapi_format_endpoint(is->endpoint, &p->endpoint);
		if (!st->valid) {
			is->connected = fresh; /* the baseline: nothing to report yet */
			continue;
		}
		if (!was)
			emit1(emit, ctx, EV_ADDED, is, NULL);
		is->connected = was && was->connected;
		if (!is->connected && fresh && (!was || hs != was->handshake)) {
			is->connected = true;
			emit1(emit, ctx, EV_CONNECTED, is, NULL);
		} else if (is->connected && !fresh) {
			is->connected = false;
			emit1(emit, ctx, EV_DISCONNECTED, is, NULL);
		}
		if (was && was->endpoint[0] && is->endpoint[0] &&
		    strcmp(was->endpoint, is->endpoint))
			emit1(emit, ctx, EV_ENDPOINT, is, was->endpoint);
	}
	for (size_t i = 0; st->valid && i < st->n; ++i) {
		if (!model_find_peer(dev, st->v[i].key))
			emit1(emit, ctx, EV_REMOVED, &st->v[i], NULL);
	}
	free(st->v);
	st->v = next;
	st->n = n;
	st->valid = true;
	return 0;
}

void ev_state_free(struct ev_state *st)
{
	free(st->v);
	memset(st, 0, sizeof(*st));
}

void ev_state_format(struct strbuf *sb, const struct ev_state *st)
{
	char key[WG_KEY_LEN_BASE64];

	strbuf_puts(sb, STATE_MAGIC);
	for (size_t i = 0; i < st->n; ++i) {
		key_to_base64(key, st->v[i].key);
		strbuf_printf(sb, "%s %" PRId64 " %d %s\n", key, st->v[i].handshake,
			      st->v[i].connected, st->v[i].endpoint[0] ? st->v[i].endpoint : "-");
	}
}

int ev_state_parse(struct ev_state *st, const char *text)
{
	size_t len = strlen(STATE_MAGIC);

	memset(st, 0, sizeof(*st));
	if (strncmp(text, STATE_MAGIC, len))
		return -EINVAL;
	for (const char *s = text + len, *e; *s; s = e + 1) {
		char key[WG_KEY_LEN_BASE64], ep[UAPI_ENDPOINT_LEN];
		struct ev_peer *v, *p;
		long long hs;
		int c, used = 0;

		e = strchr(s, '\n');
		if (!e || e - s > 200 ||
		    sscanf(s, "%44s %lld %d %71s%n", key, &hs, &c, ep, &used) != 4 ||
		    s + used != e || (c != 0 && c != 1) || hs < 0)
			goto bad;
		v = realloc(st->v, (st->n + 1) * sizeof(*v));
		if (!v)
			goto bad;
		st->v = v;
		p = &v[st->n++];
		memset(p, 0, sizeof(*p));
		if (!key_from_base64(p->key, key))
			goto bad;
		p->handshake = hs;
		p->connected = c;
		if (strcmp(ep, "-"))
			snprintf(p->endpoint, sizeof(p->endpoint), "%s", ep);
	}
	st->valid = true;
	return 0;
bad:
	ev_state_free(st);
	return -EINVAL;
}

static void json_str(struct strbuf *sb, const char *s)
{
	strbuf_putc(sb, '"');
	for (; *s; ++s) {
		if (*s == '"' || *s == '\\')
			strbuf_printf(sb, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			strbuf_printf(sb, "\\u%04x", (unsigned char)*s);
		else
			strbuf_putc(sb, *s);
	}
	strbuf_putc(sb, '"');
}

void ev_format_json(struct strbuf *sb, const char *ifname, const char *name,
		    const struct ev_event *e, int64_t now)
{
	char key[WG_KEY_LEN_BASE64];

	key_to_base64(key, e->peer->key);
	strbuf_printf(sb, "{\"time\":%" PRId64 ",\"event\":\"%s\",\"interface\":", now,
		      names[e->kind]);
	json_str(sb, ifname);
	strbuf_printf(sb, ",\"public_key\":\"%s\",\"name\":", key);
	if (name)
		json_str(sb, name);
	else
		strbuf_puts(sb, "null");
	strbuf_puts(sb, ",\"endpoint\":");
	if (e->peer->endpoint[0])
		json_str(sb, e->peer->endpoint);
	else
		strbuf_puts(sb, "null");
	if (e->previous_endpoint) {
		strbuf_puts(sb, ",\"previous_endpoint\":");
		json_str(sb, e->previous_endpoint);
	}
	strbuf_printf(sb, ",\"latest_handshake\":%" PRId64 "}\n", e->peer->handshake);
}
