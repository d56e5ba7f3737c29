// SPDX-License-Identifier: MIT
/* events: each change reported once, in order; the state survives a format/parse round trip. */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include "model/events.h"
#include "tests/unit/tap.h"

static char log_buf[4096];

static void record(void *ctx, const struct ev_event *e)
{
	(void)ctx;
	strncat(log_buf, ev_kind_name(e->kind), sizeof(log_buf) - strlen(log_buf) - 2);
	strcat(log_buf, " ");
}

static void step(struct ev_state *st, const struct wg_device *dev, int64_t now, const char *want,
		 const char *name)
{
	log_buf[0] = '\0';
	must(ev_step(st, dev, now, 180, record, NULL));
	is_str(log_buf, want, name);
}

int main(void)
{
	struct wg_device *dev = model_device_new();
	struct wg_peer *p = model_peer_new(dev);
	struct ev_state st = { 0 }, back;
	struct strbuf sb;

	p->flags = WGPEER_HAS_PUBLIC_KEY;
	memset(p->public_key, 7, WG_KEY_LEN);
	step(&st, dev, 1000, "", "first observation: a baseline, nothing reported");
	p->last_handshake_time.tv_sec = 1001;
	p->endpoint.addr4.sin_family = AF_INET;
	p->endpoint.addr4.sin_port = htons(1);
	step(&st, dev, 1002, "connected ", "first handshake: connected");
	step(&st, dev, 1100, "", "nothing changed: nothing");
	p->last_handshake_time.tv_sec = 1121;
	step(&st, dev, 1122, "", "re-key of a connected peer: nothing");
	p->endpoint.addr4.sin_port = htons(2);
	step(&st, dev, 1123, "endpoint ", "endpoint changed");
	step(&st, dev, 1302, "disconnected ", "no handshake for more than 180 s");
	step(&st, dev, 1400, "", "reported once");
	strbuf_init(&sb);
	ev_state_format(&sb, &st);
	strbuf_putc(&sb, '\0');
	must(ev_state_parse(&back, sb.buf));
	ok(back.n == 1 && back.valid && !back.v[0].connected && back.v[0].handshake == 1121 &&
		   !strcmp(back.v[0].endpoint, "0.0.0.0:2"),
	   "state round trip");
	ev_state_free(&st);
	ok(ev_state_parse(&st, "junk\n") == -EINVAL && !st.valid, "junk state refused");
	ev_state_free(&st);
	st = back;
	p->last_handshake_time.tv_sec = 1500;
	step(&st, dev, 1501, "connected ", "after a restart: a new handshake connects once");
	model_peer_remove(dev, NULL, p);
	step(&st, dev, 1502, "removed ", "removed");
	p = model_peer_new(dev);
	p->flags = WGPEER_HAS_PUBLIC_KEY;
	memset(p->public_key, 8, WG_KEY_LEN);
	step(&st, dev, 1503, "added ", "added");
	strbuf_free(&sb);
	ev_state_free(&st);
	model_device_free(dev);
	return done_testing();
}
