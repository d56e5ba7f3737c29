// SPDX-License-Identifier: MIT
/*
 * Metric names follow the Prometheus conventions (base units, `_total` for counters) and the
 * names the community exporters made familiar (wireguard_peer_receive_bytes_total, ...).
 * Label values are escaped as the format requires: backslash, double quote and newline. A
 * peer's name comes from its `# Name =` comment in the config, "" when it has none.
 */
#include <ctype.h>
#include <inttypes.h>
#include <string.h>

#include "model/emit.h"
#include "model/encoding.h"
#include "model/metrics.h"

static void label(struct strbuf *sb, const char *key, const char *value, bool first)
{
	strbuf_printf(sb, "%s%s=\"", first ? "" : ",", key);
	for (; *value; ++value) {
		if (*value == '\\' || *value == '"')
			strbuf_putc(sb, '\\');
		if (*value == '\n')
			strbuf_puts(sb, "\\n");
		else
			strbuf_putc(sb, *value);
	}
	strbuf_putc(sb, '"');
}

static void family(struct strbuf *sb, const char *name, const char *type, const char *help)
{
	strbuf_printf(sb, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void peer_labels(struct strbuf *sb, const struct metrics_iface *m, const struct wg_peer *p)
{
	const struct wg_peer *named = m->names ? model_find_peer(m->names, p->public_key) : NULL;
	char key[WG_KEY_LEN_BASE64], ips[4096], one[64];
	const struct wg_allowedip *aip;
	size_t at = 0;

	key_to_base64(key, p->public_key);
	ips[0] = '\0';
	for_each_wgallowedip (p, aip) {
		emit_prefix(one, sizeof(one), aip->family, &aip->ip6, aip->cidr);
		if (at + strlen(one) + 2 >= sizeof(ips))
			break;
		at += (size_t)snprintf(ips + at, sizeof(ips) - at, "%s%s", at ? "," : "", one);
	}
	label(sb, "interface", m->name, true);
	label(sb, "public_key", key, false);
	label(sb, "name", named && named->name ? named->name : "", false);
	label(sb, "allowed_ips", ips, false);
}

enum peer_value { RX, TX, HANDSHAKE, ENDPOINT, KEEPALIVE };

static void peer_family(struct strbuf *sb, const struct metrics_iface *v, size_t n,
			enum peer_value what)
{
	char ep[128];

	for (size_t i = 0; i < n; ++i) {
		const struct wg_peer *p;

		for_each_wgpeer (v[i].dev, p) {
			if (what == ENDPOINT && !p->endpoint.addr.sa_family)
				continue;
			strbuf_puts(sb, what == RX   ? "wireguard_peer_receive_bytes_total{"
					: what == TX ? "wireguard_peer_transmit_bytes_total{"
					: what == HANDSHAKE
						? "wireguard_peer_latest_handshake_seconds{"
					: what == ENDPOINT
						? "wireguard_peer_endpoint_info{"
						: "wireguard_peer_persistent_keepalive_seconds{");
			peer_labels(sb, &v[i], p);
			if (what == ENDPOINT) {
				emit_endpoint(ep, sizeof(ep), p);
				label(sb, "endpoint", ep, false);
			}
			strbuf_puts(sb, "} ");
			if (what == RX)
				strbuf_printf(sb, "%" PRIu64 "\n", p->rx_bytes);
			else if (what == TX)
				strbuf_printf(sb, "%" PRIu64 "\n", p->tx_bytes);
			else if (what == HANDSHAKE)
				strbuf_printf(sb, "%" PRId64 "\n", p->last_handshake_time.tv_sec);
			else if (what == ENDPOINT)
				strbuf_puts(sb, "1\n");
			else
				strbuf_printf(sb, "%u\n", p->persistent_keepalive_interval);
		}
	}
}

/* A `name=number` line of a stats answer: its name, if it is a metric name's tail. */
static bool stat_line(const char *s, size_t len, size_t *name_len)
{
	size_t i = 0;

	while (i < len &&
	       (islower((unsigned char)s[i]) || isdigit((unsigned char)s[i]) || s[i] == '_'))
		++i;
	if (!i || i >= len || s[i] != '=' || !strncmp(s, "errno", i) || i + 1 == len)
		return false;
	for (size_t j = i + 1; j < len; ++j) {
		if (!isdigit((unsigned char)s[j]))
			return false;
	}
	*name_len = i;
	return true;
}

static void datapath(struct strbuf *sb, const struct metrics_iface *v, size_t n)
{
	const char *first = NULL;

	for (size_t i = 0; i < n && !first; ++i)
		first = v[i].stats;
	if (!first)
		return;
	/* One family per counter the first answer has; every interface that has it adds a line. */
	for (const char *s = first, *e; *s; s = *e ? e + 1 : e) {
		size_t name_len;

		e = s + strcspn(s, "\n");
		if (!stat_line(s, (size_t)(e - s), &name_len))
			continue;
		strbuf_printf(sb,
			      "# HELP wgctl_datapath_%.*s_total The bundled datapath's %.*s "
			      "counter.\n# TYPE wgctl_datapath_%.*s_total counter\n",
			      (int)name_len, s, (int)name_len, s, (int)name_len, s);
		for (size_t i = 0; i < n; ++i) {
			for (const char *t = v[i].stats, *te; t && *t; t = *te ? te + 1 : te) {
				size_t tl;

				te = t + strcspn(t, "\n");
				if (!stat_line(t, (size_t)(te - t), &tl) || tl != name_len ||
				    strncmp(t, s, tl))
					continue;
				strbuf_printf(sb, "wgctl_datapath_%.*s_total{", (int)tl, t);
				label(sb, "interface", v[i].name, true);
				strbuf_printf(sb, "} %.*s\n", (int)(te - t - tl - 1), t + tl + 1);
				break;
			}
		}
	}
}

void metrics_format(struct strbuf *sb, const struct metrics_iface *v, size_t n)
{
	char key[WG_KEY_LEN_BASE64];

	family(sb, "wireguard_interface_info", "gauge",
	       "A WireGuard interface: its public key and listen port.");
	for (size_t i = 0; i < n; ++i) {
		strbuf_puts(sb, "wireguard_interface_info{");
		label(sb, "interface", v[i].name, true);
		key_to_base64(key, v[i].dev->public_key);
		label(sb, "public_key", v[i].dev->flags & WGDEVICE_HAS_PUBLIC_KEY ? key : "",
		      false);
		strbuf_printf(sb, ",listen_port=\"%u\"} 1\n", v[i].dev->listen_port);
	}
	family(sb, "wireguard_interface_peers", "gauge", "Peers of the interface.");
	for (size_t i = 0; i < n; ++i) {
		strbuf_puts(sb, "wireguard_interface_peers{");
		label(sb, "interface", v[i].name, true);
		strbuf_printf(sb, "} %zu\n", model_peer_count(v[i].dev));
	}
	family(sb, "wireguard_peer_receive_bytes_total", "counter",
	       "Bytes received from the peer.");
	peer_family(sb, v, n, RX);
	family(sb, "wireguard_peer_transmit_bytes_total", "counter", "Bytes sent to the peer.");
	peer_family(sb, v, n, TX);
	family(sb, "wireguard_peer_latest_handshake_seconds", "gauge",
	       "Unix time of the latest handshake with the peer; 0 for never.");
	peer_family(sb, v, n, HANDSHAKE);
	family(sb, "wireguard_peer_endpoint_info", "gauge", "The peer's current endpoint.");
	peer_family(sb, v, n, ENDPOINT);
	family(sb, "wireguard_peer_persistent_keepalive_seconds", "gauge",
	       "The peer's persistent keepalive interval; 0 for off.");
	peer_family(sb, v, n, KEEPALIVE);
	datapath(sb, v, n);
}
