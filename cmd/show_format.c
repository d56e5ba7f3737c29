// SPDX-License-Identifier: MIT
/*
 * The output forms of `show`, byte for byte as wg(8) writes them: the pretty form with its
 * colour rules, the tab-separated script fields, `dump`, and wgctl's own JSON.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmd/show.h"
#include "model/emit.h"
#include "model/encoding.h"

#define RESET  "\x1b[0m"
#define BOLD   "\x1b[1m"
#define RED    "\x1b[31m"
#define GREEN  "\x1b[32m"
#define YELLOW "\x1b[33m"
#define CYAN   "\x1b[36m"

bool show_color_enabled(void)
{
	static int enabled = -1;
	const char *mode;

	if (enabled < 0) {
		mode = getenv("WG_COLOR_MODE");
		if (mode && !strcmp(mode, "always"))
			enabled = 1;
		else if (mode && !strcmp(mode, "never"))
			enabled = 0;
		else
			enabled = isatty(fileno(stdout));
	}
	return enabled;
}

/* Prints fmt with its escape sequences removed unless colour is on, as wg's terminal_printf. */
/* Appends fmt with its escape sequences removed unless colour is on, as wg's terminal_printf. */
static void __attribute__((format(printf, 2, 3))) tprintf(struct strbuf *out, const char *fmt, ...)
{
	struct strbuf tmp;
	va_list ap;

	strbuf_init(&tmp);
	va_start(ap, fmt);
	strbuf_vprintf(&tmp, fmt, ap);
	va_end(ap);
	if (tmp.oom) {
		out->oom = true;
	} else if (show_color_enabled()) {
		strbuf_append(out, tmp.buf, tmp.len);
	} else {
		for (const char *p = tmp.buf; p && *p;) {
			if (*p == '\x1b') {
				p = strchr(p, 'm');
				p = p ? p + 1 : "";
				continue;
			}
			strbuf_putc(out, *p++);
		}
	}
	strbuf_free(&tmp);
}

static const char *key(char buf[WG_KEY_LEN_BASE64], const uint8_t k[WG_KEY_LEN])
{
	key_to_base64(buf, k);
	return buf;
}

static const char *maybe_key(char buf[WG_KEY_LEN_BASE64], const uint8_t k[WG_KEY_LEN], bool have)
{
	return have ? key(buf, k) : "(none)";
}

static const char *masked_key(char buf[WG_KEY_LEN_BASE64], const uint8_t k[WG_KEY_LEN])
{
	const char *var = getenv("WG_HIDE_KEYS");

	return var && !strcmp(var, "never") ? key(buf, k) : "(hidden)";
}

static bool has_endpoint(const struct wg_peer *peer)
{
	return peer->endpoint.addr.sa_family == AF_INET ||
	       peer->endpoint.addr.sa_family == AF_INET6;
}

static void put_prefix(struct strbuf *out, const struct wg_allowedip *aip, bool pretty, char sep)
{
	char buf[64];

	emit_prefix(buf, sizeof(buf), aip->family, &aip->ip6, aip->cidr);
	if (pretty) {
		/* The slash is cyan in wg's pretty output. */
		char *slash = strrchr(buf, '/');

		*slash = '\0';
		tprintf(out, "%s" CYAN "/" RESET "%s%s", buf, slash + 1,
			aip->next_allowedip ? ", " : "\n");
	} else {
		strbuf_printf(out, "%s%c", buf, sep);
	}
}

static size_t pretty_time(char *buf, size_t len, unsigned long long left)
{
	static const struct {
		const char *unit;
		unsigned long long secs;
	} units[] = {
		{ "year", 365ULL * 24 * 60 * 60 },
		{ "day", 24 * 60 * 60 },
		{ "hour", 60 * 60 },
		{ "minute", 60 },
		{ "second", 1 },
	};
	size_t off = 0;

	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); ++i) {
		unsigned long long n = left / units[i].secs;

		left %= units[i].secs;
		if (!n)
			continue;
		off += (size_t)snprintf(buf + off, len - off, "%s%llu " CYAN "%s%s" RESET,
					off ? ", " : "", n, units[i].unit, n == 1 ? "" : "s");
	}
	return off;
}

static void put_ago(struct strbuf *out, const struct wg_timespec64 *t)
{
	time_t now = time(NULL);
	char buf[512];

	if (now == t->tv_sec) {
		tprintf(out, "Now");
	} else if (now < t->tv_sec) {
		tprintf(out,
			RED "System clock wound backward; connection problems may ensue." RESET);
	} else {
		pretty_time(buf, sizeof(buf), (unsigned long long)(now - t->tv_sec));
		tprintf(out, "%s ago", buf);
	}
}

static void put_bytes(struct strbuf *out, uint64_t b)
{
	static const char *const units[] = { "KiB", "MiB", "GiB", "TiB" };
	double v = (double)b / 1024;
	size_t i = 0;

	if (b < 1024) {
		tprintf(out, "%u " CYAN "B" RESET, (unsigned int)b);
		return;
	}
	while (i < 3 && b >= (1ULL << (10 * (i + 2)))) {
		v /= 1024;
		++i;
	}
	tprintf(out, "%.2f " CYAN "%s" RESET, v, units[i]);
}

/* Most recent handshake first, never-handshaked last; stable like glibc's merge sort. */
static bool hs_before(const struct wg_peer *a, const struct wg_peer *b)
{
	bool a0 = !a->last_handshake_time.tv_sec && !a->last_handshake_time.tv_nsec;
	bool b0 = !b->last_handshake_time.tv_sec && !b->last_handshake_time.tv_nsec;

	if (a0 || b0)
		return !a0 && b0;
	if (a->last_handshake_time.tv_sec != b->last_handshake_time.tv_sec)
		return a->last_handshake_time.tv_sec > b->last_handshake_time.tv_sec;
	return a->last_handshake_time.tv_nsec > b->last_handshake_time.tv_nsec;
}

static void sort_peers(struct wg_device *dev)
{
	struct wg_peer *sorted = NULL, **tail, *p, *next, **pos;

	/* Insertion into a list, keeping equal elements in their order: peers are few. */
	for (p = dev->first_peer; p; p = next) {
		next = p->next_peer;
		for (pos = &sorted; *pos && !hs_before(p, *pos); pos = &(*pos)->next_peer)
			;
		p->next_peer = *pos;
		*pos = p;
	}
	dev->first_peer = sorted;
	for (tail = &dev->first_peer; *tail; tail = &(*tail)->next_peer)
		dev->last_peer = *tail;
}

void show_pretty(struct strbuf *out, struct wg_device *dev, const struct show_names *names)
{
	char kb[WG_KEY_LEN_BASE64], ep[128], buf[512];
	const struct wg_allowedip *aip;
	const struct wg_peer *peer;
	const char *name;

	tprintf(out, RESET);
	tprintf(out, GREEN BOLD "interface" RESET ": " GREEN "%s" RESET "\n", dev->name);
	if (dev->flags & WGDEVICE_HAS_PUBLIC_KEY)
		tprintf(out, "  " BOLD "public key" RESET ": %s\n", key(kb, dev->public_key));
	if (dev->flags & WGDEVICE_HAS_PRIVATE_KEY)
		tprintf(out, "  " BOLD "private key" RESET ": %s\n",
			masked_key(kb, dev->private_key));
	if (dev->listen_port)
		tprintf(out, "  " BOLD "listening port" RESET ": %u\n", dev->listen_port);
	if (dev->fwmark)
		tprintf(out, "  " BOLD "fwmark" RESET ": 0x%x\n", dev->fwmark);
	if (dev->first_peer) {
		sort_peers(dev);
		tprintf(out, "\n");
	}
	for_each_wgpeer (dev, peer) {
		tprintf(out, YELLOW BOLD "peer" RESET ": " YELLOW "%s" RESET "\n",
			key(kb, peer->public_key));
		name = show_names_find(names, peer->public_key);
		if (name)
			tprintf(out, "  " BOLD "name" RESET ": %s\n", name);
		if (peer->flags & WGPEER_HAS_PRESHARED_KEY)
			tprintf(out, "  " BOLD "preshared key" RESET ": %s\n",
				masked_key(kb, peer->preshared_key));
		if (has_endpoint(peer)) {
			emit_endpoint(ep, sizeof(ep), peer);
			tprintf(out, "  " BOLD "endpoint" RESET ": %s\n", ep);
		}
		tprintf(out, "  " BOLD "allowed ips" RESET ": ");
		if (peer->first_allowedip) {
			for_each_wgallowedip (peer, aip)
				put_prefix(out, aip, true, 0);
		} else {
			tprintf(out, "(none)\n");
		}
		if (peer->last_handshake_time.tv_sec) {
			tprintf(out, "  " BOLD "latest handshake" RESET ": ");
			put_ago(out, &peer->last_handshake_time);
			tprintf(out, "\n");
		}
		if (peer->rx_bytes || peer->tx_bytes) {
			tprintf(out, "  " BOLD "transfer" RESET ": ");
			put_bytes(out, peer->rx_bytes);
			tprintf(out, " received, ");
			put_bytes(out, peer->tx_bytes);
			tprintf(out, " sent\n");
		}
		if (peer->persistent_keepalive_interval) {
			pretty_time(buf, sizeof(buf), peer->persistent_keepalive_interval);
			tprintf(out, "  " BOLD "persistent keepalive" RESET ": every %s\n", buf);
		}
		if (peer->next_peer)
			tprintf(out, "\n");
	}
}

static void put_ifname(struct strbuf *out, const struct wg_device *dev, bool with_interface)
{
	if (with_interface)
		strbuf_printf(out, "%s\t", dev->name);
}

static void put_endpoint(struct strbuf *out, const struct wg_peer *peer, char sep)
{
	char ep[128];

	if (has_endpoint(peer)) {
		emit_endpoint(ep, sizeof(ep), peer);
		strbuf_printf(out, "%s%c", ep, sep);
	} else {
		strbuf_printf(out, "(none)%c", sep);
	}
}

static void dump(struct strbuf *out, const struct wg_device *dev, bool with_interface)
{
	char kb[WG_KEY_LEN_BASE64];
	const struct wg_allowedip *aip;
	const struct wg_peer *peer;

	put_ifname(out, dev, with_interface);
	strbuf_printf(out, "%s\t",
		      maybe_key(kb, dev->private_key, dev->flags & WGDEVICE_HAS_PRIVATE_KEY));
	strbuf_printf(out, "%s\t",
		      maybe_key(kb, dev->public_key, dev->flags & WGDEVICE_HAS_PUBLIC_KEY));
	strbuf_printf(out, "%u\t", dev->listen_port);
	if (dev->fwmark)
		strbuf_printf(out, "0x%x\n", dev->fwmark);
	else
		strbuf_puts(out, "off\n");
	for_each_wgpeer (dev, peer) {
		put_ifname(out, dev, with_interface);
		strbuf_printf(out, "%s\t", key(kb, peer->public_key));
		strbuf_printf(
			out, "%s\t",
			maybe_key(kb, peer->preshared_key, peer->flags & WGPEER_HAS_PRESHARED_KEY));
		put_endpoint(out, peer, '\t');
		if (peer->first_allowedip) {
			for_each_wgallowedip (peer, aip)
				put_prefix(out, aip, false, aip->next_allowedip ? ',' : '\t');
		} else {
			strbuf_puts(out, "(none)\t");
		}
		strbuf_printf(out, "%llu\t%" PRIu64 "\t%" PRIu64 "\t",
			      (unsigned long long)peer->last_handshake_time.tv_sec, peer->rx_bytes,
			      peer->tx_bytes);
		if (peer->persistent_keepalive_interval)
			strbuf_printf(out, "%u\n", peer->persistent_keepalive_interval);
		else
			strbuf_puts(out, "off\n");
	}
}

bool show_field(struct strbuf *out, const struct wg_device *dev, const char *param,
		bool with_interface)
{
	char kb[WG_KEY_LEN_BASE64], kb2[WG_KEY_LEN_BASE64];
	const struct wg_allowedip *aip;
	const struct wg_peer *peer;

	if (!strcmp(param, "public-key")) {
		put_ifname(out, dev, with_interface);
		strbuf_printf(out, "%s\n",
			      maybe_key(kb, dev->public_key, dev->flags & WGDEVICE_HAS_PUBLIC_KEY));
	} else if (!strcmp(param, "private-key")) {
		put_ifname(out, dev, with_interface);
		strbuf_printf(
			out, "%s\n",
			maybe_key(kb, dev->private_key, dev->flags & WGDEVICE_HAS_PRIVATE_KEY));
	} else if (!strcmp(param, "listen-port")) {
		put_ifname(out, dev, with_interface);
		strbuf_printf(out, "%u\n", dev->listen_port);
	} else if (!strcmp(param, "fwmark")) {
		put_ifname(out, dev, with_interface);
		if (dev->fwmark)
			strbuf_printf(out, "0x%x\n", dev->fwmark);
		else
			strbuf_puts(out, "off\n");
	} else if (!strcmp(param, "dump")) {
		dump(out, dev, with_interface);
	} else if (!strcmp(param, "endpoints") || !strcmp(param, "allowed-ips") ||
		   !strcmp(param, "latest-handshakes") || !strcmp(param, "transfer") ||
		   !strcmp(param, "persistent-keepalive") || !strcmp(param, "preshared-keys") ||
		   !strcmp(param, "peers")) {
		for_each_wgpeer (dev, peer) {
			put_ifname(out, dev, with_interface);
			key(kb, peer->public_key);
			if (!strcmp(param, "peers")) {
				strbuf_printf(out, "%s\n", kb);
				continue;
			}
			strbuf_printf(out, "%s\t", kb);
			if (!strcmp(param, "endpoints")) {
				put_endpoint(out, peer, '\n');
			} else if (!strcmp(param, "allowed-ips")) {
				if (!peer->first_allowedip)
					strbuf_puts(out, "(none)\n");
				for_each_wgallowedip (peer, aip)
					put_prefix(out, aip, false,
						   aip->next_allowedip ? ' ' : '\n');
			} else if (!strcmp(param, "latest-handshakes")) {
				strbuf_printf(out, "%llu\n",
					      (unsigned long long)peer->last_handshake_time.tv_sec);
			} else if (!strcmp(param, "transfer")) {
				strbuf_printf(out, "%" PRIu64 "\t%" PRIu64 "\n", peer->rx_bytes,
					      peer->tx_bytes);
			} else if (!strcmp(param, "persistent-keepalive")) {
				if (peer->persistent_keepalive_interval)
					strbuf_printf(out, "%u\n",
						      peer->persistent_keepalive_interval);
				else
					strbuf_puts(out, "off\n");
			} else {
				strbuf_printf(out, "%s\n",
					      maybe_key(kb2, peer->preshared_key,
							peer->flags & WGPEER_HAS_PRESHARED_KEY));
			}
		}
	} else {
		return false;
	}
	return true;
}

static void json_string(struct strbuf *out, const char *s)
{
	strbuf_putc(out, '"');
	for (; *s; ++s) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			strbuf_printf(out, "\\%c", c);
		else if (c < 0x20)
			strbuf_printf(out, "\\u%04x", c);
		else
			strbuf_putc(out, (char)c);
	}
	strbuf_putc(out, '"');
}

static void json_key(struct strbuf *out, const char *field, const uint8_t k[WG_KEY_LEN])
{
	char kb[WG_KEY_LEN_BASE64];

	strbuf_printf(out, "\"%s\":\"%s\"", field, key(kb, k));
}

void show_json(struct strbuf *out, const struct wg_device *dev, const struct show_names *names)
{
	const char *hide = getenv("WG_HIDE_KEYS");
	bool secrets = hide && !strcmp(hide, "never");
	const struct wg_allowedip *aip;
	const struct wg_peer *peer;
	char buf[128];
	const char *name;

	strbuf_puts(out, "{\"name\":");
	json_string(out, dev->name);
	if (dev->flags & WGDEVICE_HAS_PUBLIC_KEY) {
		strbuf_putc(out, ',');
		json_key(out, "public_key", dev->public_key);
	}
	if (secrets && dev->flags & WGDEVICE_HAS_PRIVATE_KEY) {
		strbuf_putc(out, ',');
		json_key(out, "private_key", dev->private_key);
	}
	strbuf_printf(out, ",\"listen_port\":%u,\"fwmark\":%u,\"peers\":[", dev->listen_port,
		      dev->fwmark);
	for_each_wgpeer (dev, peer) {
		strbuf_putc(out, '{');
		json_key(out, "public_key", peer->public_key);
		name = show_names_find(names, peer->public_key);
		if (name) {
			strbuf_puts(out, ",\"name\":");
			json_string(out, name);
		}
		strbuf_printf(out, ",\"has_preshared_key\":%s",
			      peer->flags & WGPEER_HAS_PRESHARED_KEY ? "true" : "false");
		if (secrets && peer->flags & WGPEER_HAS_PRESHARED_KEY) {
			strbuf_putc(out, ',');
			json_key(out, "preshared_key", peer->preshared_key);
		}
		if (has_endpoint(peer)) {
			emit_endpoint(buf, sizeof(buf), peer);
			strbuf_puts(out, ",\"endpoint\":");
			json_string(out, buf);
		}
		strbuf_puts(out, ",\"allowed_ips\":[");
		for_each_wgallowedip (peer, aip) {
			emit_prefix(buf, sizeof(buf), aip->family, &aip->ip6, aip->cidr);
			json_string(out, buf);
			if (aip->next_allowedip)
				strbuf_putc(out, ',');
		}
		strbuf_printf(out,
			      "],\"latest_handshake\":%lld,\"transfer_rx\":%" PRIu64
			      ",\"transfer_tx\":%" PRIu64 ",\"persistent_keepalive\":%u}%s",
			      (long long)peer->last_handshake_time.tv_sec, peer->rx_bytes,
			      peer->tx_bytes, peer->persistent_keepalive_interval,
			      peer->next_peer ? "," : "");
	}
	strbuf_puts(out, "]}");
}
