// SPDX-License-Identifier: MIT
#include <arpa/inet.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>

#include "model/emit.h"
#include "model/encoding.h"
#include "model/keyfile.h"

void emit_endpoint(char *buf, size_t len, const struct wg_peer *peer)
{
	const union wg_endpoint *ep = &peer->endpoint;
	char host[NI_MAXHOST], service[NI_MAXSERV];
	socklen_t addr_len;

	buf[0] = '\0';
	if (ep->addr.sa_family != AF_INET && ep->addr.sa_family != AF_INET6) {
		if (peer->endpoint_text)
			snprintf(buf, len, "%s", peer->endpoint_text);
		return;
	}
	addr_len = ep->addr.sa_family == AF_INET ? sizeof(ep->addr4) : sizeof(ep->addr6);
	if (getnameinfo(&ep->addr, addr_len, host, sizeof(host), service, sizeof(service),
			NI_DGRAM | NI_NUMERICSERV | NI_NUMERICHOST))
		return;
	if (ep->addr.sa_family == AF_INET6 && strchr(host, ':'))
		snprintf(buf, len, "[%s]:%s", host, service);
	else
		snprintf(buf, len, "%s:%s", host, service);
}

void emit_prefix(char *buf, size_t len, uint16_t family, const void *addr, uint8_t cidr)
{
	char ip[INET6_ADDRSTRLEN];

	if (!inet_ntop(family, addr, ip, sizeof(ip))) {
		buf[0] = '\0';
		return;
	}
	snprintf(buf, len, "%s/%u", ip, cidr);
}

/* psk_file: the PresharedKeyFile written in place of the key (save), or NULL. */
static void peer_section(struct strbuf *sb, const struct wg_peer *peer, bool with_name,
			 const char *psk_file)
{
	char base64[WG_KEY_LEN_BASE64], text[WG_ENDPOINT_TEXT_SIZE];
	const struct wg_allowedip *aip;

	strbuf_puts(sb, "[Peer]\n");
	if (with_name && peer->name)
		strbuf_printf(sb, "# Name = %s\n", peer->name);
	key_to_base64(base64, peer->public_key);
	strbuf_printf(sb, "PublicKey = %s\n", base64);
	if (psk_file) {
		strbuf_printf(sb, "PresharedKeyFile = %s\n", psk_file);
	} else if (peer->flags & WGPEER_HAS_PRESHARED_KEY) {
		key_to_base64(base64, peer->preshared_key);
		strbuf_printf(sb, "PresharedKey = %s\n", base64);
	}
	if (peer->first_allowedip)
		strbuf_puts(sb, "AllowedIPs = ");
	for_each_wgallowedip (peer, aip) {
		emit_prefix(text, sizeof(text), aip->family, &aip->ip6, aip->cidr);
		strbuf_puts(sb, text);
		if (aip->next_allowedip)
			strbuf_puts(sb, ", ");
	}
	if (peer->first_allowedip)
		strbuf_putc(sb, '\n');
	emit_endpoint(text, sizeof(text), peer);
	if (text[0])
		strbuf_printf(sb, "Endpoint = %s\n", text);
	if (peer->persistent_keepalive_interval)
		strbuf_printf(sb, "PersistentKeepalive = %u\n",
			      peer->persistent_keepalive_interval);
	explicit_bzero(base64, sizeof(base64));
}

void emit_peer(struct strbuf *sb, const struct wg_peer *peer)
{
	peer_section(sb, peer, true, NULL);
}

/* showconf, with conf's key files (if conf) written where their keys would be. */
static void device_sections(struct strbuf *sb, const struct wg_device *dev,
			    const struct wg_config *conf)
{
	const struct wg_key_file *own = conf ? config_key_file(conf, NULL) : NULL, *psk;
	char base64[WG_KEY_LEN_BASE64];
	const struct wg_peer *peer;

	strbuf_puts(sb, "[Interface]\n");
	if (dev->listen_port)
		strbuf_printf(sb, "ListenPort = %u\n", dev->listen_port);
	if (dev->fwmark)
		strbuf_printf(sb, "FwMark = 0x%x\n", dev->fwmark);
	if (own) {
		strbuf_printf(sb, "PrivateKeyFile = %s\n", own->name);
	} else if (dev->flags & WGDEVICE_HAS_PRIVATE_KEY) {
		key_to_base64(base64, dev->private_key);
		strbuf_printf(sb, "PrivateKey = %s\n", base64);
	}
	strbuf_putc(sb, '\n');
	for_each_wgpeer (dev, peer) {
		psk = conf ? config_key_file(conf, peer->public_key) : NULL;
		peer_section(sb, peer, false, psk ? psk->name : NULL);
		if (peer->next_peer)
			strbuf_putc(sb, '\n');
	}
	explicit_bzero(base64, sizeof(base64));
}

void emit_showconf(struct strbuf *sb, const struct wg_device *dev)
{
	device_sections(sb, dev, NULL);
}

void emit_saved(struct strbuf *sb, const struct wg_device *dev, const struct wg_config *conf)
{
	device_sections(sb, dev, conf);
}
