// SPDX-License-Identifier: MIT
/*
 * Test tool: parse a config with wgctl's parser and print what `wg showconf` would show after
 * `wg setconf` of its stripped form (hostname endpoints resolved as wg resolves them: first
 * getaddrinfo result). Used by the differential tests against Debian's wg-quick and wg.
 */
#include <netdb.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "model/config.h"
#include "model/emit.h"

static int resolve(struct wg_peer *peer)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC,
				  .ai_socktype = SOCK_DGRAM,
				  .ai_protocol = IPPROTO_UDP };
	char *host = strdup(peer->endpoint_text), *port;
	struct addrinfo *res;
	int ret;

	if (host[0] == '[') {
		memmove(host, host + 1, strlen(host));
		port = strchr(host, ']');
		*port++ = '\0';
		++port;
	} else {
		port = strrchr(host, ':');
		*port++ = '\0';
	}
	ret = getaddrinfo(host, port, &hints, &res);
	if (!ret) {
		memcpy(&peer->endpoint, res->ai_addr, res->ai_addrlen);
		freeaddrinfo(res);
	}
	free(host);
	return ret;
}

int main(int argc, char *argv[])
{
	enum config_grammar g =
		argc == 3 && !strcmp(argv[1], "--wg") ? CONFIG_GRAMMAR_WG : CONFIG_GRAMMAR_QUICK;
	struct wg_config conf;
	struct wg_peer *peer;
	struct diag_list d;
	struct strbuf sb;
	int ret;

	if (argc < 2)
		return 2;
	diag_init(&d, argv[argc - 1]);
	ret = config_read_file(&conf, argv[argc - 1], g, &d);
	diag_print(&d, stderr);
	if (ret)
		return 1;
	for_each_wgpeer (conf.device, peer) {
		if (peer->endpoint_text && resolve(peer)) {
			fprintf(stderr, "cannot resolve %s\n", peer->endpoint_text);
			return 1;
		}
	}
	strbuf_init(&sb);
	emit_showconf(&sb, conf.device);
	fputs(sb.buf, stdout);
	strbuf_free(&sb);
	config_free(&conf);
	diag_free(&d);
	return 0;
}
