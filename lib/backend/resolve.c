// SPDX-License-Identifier: MIT
#include <errno.h>
#include <limits.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "backend/resolve.h"

/* -1 for "infinity"; wg's default is 15. */
static long resolution_retries(void)
{
	const char *v = getenv("WG_ENDPOINT_RESOLUTION_RETRIES");
	char *end;
	long n;

	if (!v)
		return 15;
	if (!strcmp(v, "infinity"))
		return -1;
	n = strtol(v, &end, 10);
	return *end || n < 0 ? 15 : n;
}

static bool permanent(int err)
{
	return err == EAI_NONAME || err == EAI_FAIL || err == EAI_NODATA;
}

static void sleep_ms(unsigned int ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

int resolve_endpoint(union wg_endpoint *ep, const char *text, struct diag_list *d,
		     unsigned int line)
{
	const struct addrinfo hints = { .ai_family = AF_UNSPEC,
					.ai_socktype = SOCK_DGRAM,
					.ai_protocol = IPPROTO_UDP };
	char *host = strdup(text), *port, *end;
	struct addrinfo *res = NULL;
	long retries = resolution_retries();
	unsigned int delay = 1000;
	int ret;

	if (!host)
		return -ENOMEM;
	if (host[0] == '[' && (end = strchr(host, ']')) && end[1] == ':') {
		*end = '\0';
		port = end + 2;
		memmove(host, host + 1, strlen(host));
	} else if ((port = strrchr(host, ':'))) {
		*port++ = '\0';
	}
	if (!port || !*host || !*port) {
		diag_error(d, line, "Unable to find port of endpoint: `%s'", text);
		free(host);
		return -EINVAL;
	}
	for (long i = 0;; ++i) {
		ret = getaddrinfo(host, port, &hints, &res);
		if (ret == 0 || permanent(ret) || (retries >= 0 && i >= retries))
			break;
		sleep_ms(delay);
		delay = delay * 6 / 5 > 20000 ? 20000 : delay * 6 / 5;
	}
	if (ret) {
		diag_error(d, line, "%s: `%s'",
			   ret == EAI_SYSTEM ? strerror(errno) : gai_strerror(ret), text);
		free(host);
		return -EINVAL;
	}
	memset(ep, 0, sizeof(*ep));
	if (res->ai_addrlen <= sizeof(*ep))
		memcpy(ep, res->ai_addr, res->ai_addrlen);
	freeaddrinfo(res);
	free(host);
	return 0;
}

int resolve_device_endpoints(struct wg_device *dev, struct diag_list *d)
{
	struct wg_peer *peer;
	int ret = 0;

	for_each_wgpeer (dev, peer) {
		if (!peer->endpoint_text)
			continue;
		d->item_source = peer->source;
		if (resolve_endpoint(&peer->endpoint, peer->endpoint_text, d, peer->lineno) < 0)
			ret = -EINVAL;
		d->item_source = NULL;
	}
	return ret;
}
