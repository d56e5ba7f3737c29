// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libmnl/libmnl.h>
#include <linux/netlink.h>

#include "backend/netlink.h"
#include "backend/netlink_msg.h"
#include "util/mem.h"

#ifndef NETLINK_CAP_ACK
#define NETLINK_CAP_ACK 10
#endif

/*
 * The kernel builds a dump datagram no larger than 32 KiB, however big the reader's buffer;
 * twice that leaves room for an error that echoes a whole request.
 */
#define NL_RECV_LEN (64U << 10)
/* One SET fragment. Well below the 16-bit length of the PEERS and ALLOWEDIPS nests. */
#define NL_SET_LEN (32U << 10)
/* wg retries an interrupted dump until it is consistent; a bound keeps a broken kernel finite. */
#define NL_DUMP_TRIES 64

struct nl {
	struct mnl_socket *sk;
	uint32_t portid, seq;
	uint8_t *buf; /* NL_RECV_LEN; may hold keys, wiped on close */
};

static void nl_close(struct nl *nl)
{
	if (nl->buf) {
		memzero_explicit(nl->buf, NL_RECV_LEN);
		free(nl->buf);
	}
	if (nl->sk)
		mnl_socket_close(nl->sk);
	memset(nl, 0, sizeof(*nl));
}

static int nl_open(struct nl *nl, int bus)
{
	int one = 1, ret;

	memset(nl, 0, sizeof(*nl));
	nl->buf = malloc(NL_RECV_LEN);
	if (!nl->buf)
		return -ENOMEM;
	nl->sk = mnl_socket_open2(bus, SOCK_CLOEXEC);
	if (!nl->sk || mnl_socket_bind(nl->sk, 0, MNL_SOCKET_AUTOPID) < 0) {
		ret = -errno;
		nl_close(nl);
		return ret ? ret : -EIO;
	}
	/* Errors need not echo the (possibly 32 KiB, key-bearing) request back. */
	mnl_socket_setsockopt(nl->sk, NETLINK_CAP_ACK, &one, sizeof(one));
	nl->portid = mnl_socket_get_portid(nl->sk);
	nl->seq = (uint32_t)time(NULL);
	return 0;
}

static int nl_send(struct nl *nl, const void *msg, int len)
{
	ssize_t n = mnl_socket_sendto(nl->sk, msg, (size_t)len);

	if (n < 0)
		return -errno;
	return n == len ? 0 : -EIO;
}

static int nl_recv(struct nl *nl, size_t *len)
{
	ssize_t n;

	do
		n = mnl_socket_recvfrom(nl->sk, nl->buf, NL_RECV_LEN);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	*len = (size_t)n;
	return 0;
}

/* The id of the "wireguard" family; looking it up loads the module where that is allowed. */
static int nl_family(struct nl *nl, uint16_t *id)
{
	uint8_t req[256];
	size_t len;
	int ret = netlink_family_request(req, sizeof(req), WGNL_GENL_NAME, ++nl->seq);

	if (ret < 0)
		return ret;
	ret = nl_send(nl, req, ret);
	if (ret == 0)
		ret = nl_recv(nl, &len);
	if (ret == 0)
		ret = netlink_family_parse(nl->buf, len, nl->seq, id);
	if (ret == -ENOENT || ret == 0)
		return -EPROTONOSUPPORT;
	return ret < 0 ? ret : 0;
}

static int genl_open(struct nl *nl, uint16_t *family)
{
	int ret = nl_open(nl, NETLINK_GENERIC);

	if (ret == 0)
		ret = nl_family(nl, family);
	if (ret < 0)
		nl_close(nl);
	return ret;
}

/* ---- links -------------------------------------------------------------------------------- */

static int link_walk(const char *ifname, netlink_link_fn fn, void *ctx, bool *interrupted)
{
	struct netlink_link_state st = { .fn = fn, .ctx = ctx };
	uint8_t req[128];
	struct nl nl;
	size_t len;
	int ret = nl_open(&nl, NETLINK_ROUTE);

	if (ret < 0)
		return ret;
	st.seq = ++nl.seq;
	st.portid = nl.portid;
	ret = netlink_link_request(req, sizeof(req), ifname, st.seq);
	if (ret >= 0)
		ret = nl_send(&nl, req, ret);
	while (ret == 0 && !st.done) {
		ret = nl_recv(&nl, &len);
		if (ret == 0)
			ret = netlink_link_parse(&st, nl.buf, len);
	}
	nl_close(&nl);
	*interrupted = st.interrupted;
	return ret;
}

static int is_wireguard(void *ctx, const char *name, const char *kind)
{
	(void)name;
	*(bool *)ctx = !strcmp(kind, "wireguard");
	return 0;
}

static bool netlink_has(const char *ifname)
{
	bool wg = false, interrupted;
	size_t n = strnlen(ifname, IFNAMSIZ);

	if (!n || n >= IFNAMSIZ || strchr(ifname, '/'))
		return false;
	return link_walk(ifname, is_wireguard, &wg, &interrupted) == 0 && wg;
}

static int collect_wireguard(void *ctx, const char *name, const char *kind)
{
	if (strcmp(kind, "wireguard"))
		return 0;
	return strlist_push(ctx, name, strlen(name), 0);
}

static int netlink_list(struct strlist *names)
{
	struct strlist found;
	bool interrupted = true;
	int ret = 0;

	for (int tries = 0; interrupted && tries < NL_DUMP_TRIES; ++tries) {
		memset(&found, 0, sizeof(found));
		ret = link_walk(NULL, collect_wireguard, &found, &interrupted);
		if (ret < 0 || interrupted)
			strlist_free(&found);
		if (ret < 0)
			return ret;
	}
	if (interrupted)
		return -EINTR;
	for (size_t i = 0; i < found.n && ret == 0; ++i)
		ret = strlist_push(names, found.v[i], strlen(found.v[i]), 0);
	strlist_free(&found);
	return ret;
}

/* ---- device ------------------------------------------------------------------------------- */

static int get_once(struct nl *nl, uint16_t family, const char *ifname,
		    struct netlink_get_state *st)
{
	uint8_t req[128];
	size_t len;
	int ret;

	st->seq = ++nl->seq;
	st->portid = nl->portid;
	ret = netlink_get_request(req, sizeof(req), family, ifname, st->seq);
	if (ret >= 0)
		ret = nl_send(nl, req, ret);
	while (ret == 0 && !st->done) {
		ret = nl_recv(nl, &len);
		if (ret == 0)
			ret = netlink_get_parse(st, nl->buf, len);
	}
	return ret;
}

static int netlink_get(const char *ifname, struct wg_device **dev)
{
	struct netlink_get_state st;
	uint16_t family;
	struct nl nl;
	int ret;

	*dev = NULL;
	ret = genl_open(&nl, &family);
	if (ret < 0)
		return ret;
	for (int tries = 0; tries < NL_DUMP_TRIES; ++tries) {
		memset(&st, 0, sizeof(st));
		st.family = family;
		st.dev = model_device_new();
		if (!st.dev) {
			ret = -ENOMEM;
			break;
		}
		ret = get_once(&nl, family, ifname, &st);
		if (ret == 0 && !st.interrupted)
			break;
		model_device_free(st.dev);
		st.dev = NULL;
		if (ret < 0)
			break;
		ret = -EINTR;
	}
	nl_close(&nl);
	if (ret < 0)
		return ret;
	if (!st.dev->name[0])
		snprintf(st.dev->name, sizeof(st.dev->name), "%s", ifname);
	*dev = st.dev;
	return 0;
}

static int wait_ack(struct nl *nl)
{
	bool done = false;
	size_t len;
	int ret = 0;

	while (ret == 0 && !done) {
		ret = nl_recv(nl, &len);
		if (ret == 0)
			ret = netlink_ack_parse(nl->buf, len, nl->seq, nl->portid, &done);
	}
	return ret;
}

static int netlink_set(const char *ifname, const struct wg_device *delta)
{
	struct netlink_set_cursor c;
	uint16_t family;
	uint8_t *msg;
	struct nl nl;
	int ret;

	msg = malloc(NL_SET_LEN);
	if (!msg)
		return -ENOMEM;
	ret = genl_open(&nl, &family);
	if (ret < 0) {
		free(msg);
		return ret;
	}
	netlink_set_begin(&c, delta);
	for (;;) {
		ret = netlink_set_next(&c, msg, NL_SET_LEN, family, ifname, ++nl.seq);
		if (ret <= 0)
			break;
		ret = nl_send(&nl, msg, ret);
		if (ret == 0)
			ret = wait_ack(&nl);
		if (ret < 0)
			break;
	}
	memzero_explicit(msg, NL_SET_LEN);
	free(msg);
	nl_close(&nl);
	return ret;
}

const struct backend_ops backend_netlink = {
	.name = "netlink",
	.has = netlink_has,
	.get = netlink_get,
	.set = netlink_set,
	.list = netlink_list,
};
