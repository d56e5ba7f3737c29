// SPDX-License-Identifier: MIT
/* The Prometheus exposition: families once over every interface, names, escapes, counters. */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "model/encoding.h"
#include "model/metrics.h"
#include "tests/unit/tap.h"

#define KEY_A "YFbZn6O0ZD6EVnJ/mKqhr+W5dRGjUZiB4XUBhmRRjE0="

static size_t count(const char *hay, const char *needle)
{
	size_t n = 0;

	for (const char *s = hay; (s = strstr(s, needle)); s += strlen(needle))
		++n;
	return n;
}

int main(void)
{
	struct wg_device *a = model_device_new(), *b = model_device_new(),
			 *names = model_device_new();
	struct wg_peer *p = model_peer_new(a), *named = model_peer_new(names);
	struct wg_allowedip *aip = model_allowedip_new(p);
	struct metrics_iface v[2] = {
		{ .name = "wg0", .dev = a, .names = names, .stats = "rx_packets=7\nerrno=0\n\n" },
		{ .name = "wg\"1", .dev = b, .stats = NULL },
	};
	struct strbuf sb;

	key_from_base64(p->public_key, KEY_A);
	memcpy(named->public_key, p->public_key, WG_KEY_LEN);
	named->flags = WGPEER_HAS_PUBLIC_KEY;
	named->name = strdup("al\\ice");
	p->rx_bytes = 1234;
	p->tx_bytes = 99;
	p->last_handshake_time.tv_sec = 1700000000;
	p->endpoint.addr4.sin_family = AF_INET;
	p->endpoint.addr4.sin_port = htons(51820);
	inet_pton(AF_INET, "192.0.2.1", &p->endpoint.addr4.sin_addr);
	aip->family = AF_INET;
	aip->cidr = 24;
	inet_pton(AF_INET, "10.0.0.0", &aip->ip4);
	strbuf_init(&sb);
	metrics_format(&sb, v, 2);
	strbuf_putc(&sb, '\0');
	ok(count(sb.buf, "# TYPE wireguard_peer_receive_bytes_total counter\n") == 1,
	   "one TYPE per family");
	ok(strstr(sb.buf, "wireguard_peer_receive_bytes_total{interface=\"wg0\",public_key=\"" KEY_A
			  "\",name=\"al\\\\ice\",allowed_ips=\"10.0.0.0/24\"} 1234\n") != NULL,
	   "rx with labels, the name escaped");
	ok(strstr(sb.buf, "wireguard_peer_transmit_bytes_total{") && strstr(sb.buf, "} 99\n") &&
		   strstr(sb.buf, "} 1700000000\n"),
	   "tx and handshake");
	ok(strstr(sb.buf, ",endpoint=\"192.0.2.1:51820\"} 1\n") != NULL, "endpoint info");
	ok(strstr(sb.buf, "wireguard_interface_peers{interface=\"wg\\\"1\"} 0\n") != NULL,
	   "second interface, quote escaped");
	ok(strstr(sb.buf, "wgctl_datapath_rx_packets_total{interface=\"wg0\"} 7\n") &&
		   !strstr(sb.buf, "errno"),
	   "datapath counters, errno line not a metric");
	if (tap_failed || getenv("T_METRICS_DUMP"))
		printf("# %s", sb.buf);
	strbuf_free(&sb);
	model_device_free(a);
	model_device_free(b);
	model_device_free(names);
	return done_testing();
}
