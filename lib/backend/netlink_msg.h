/* SPDX-License-Identifier: MIT */
/*
 * Building and parsing the messages of the kernel's "wireguard" generic netlink family and of
 * rtnetlink links, without a socket: the SET fragmenter (netlink_set.c), the coalescing GET
 * parser, the family lookup and the link-kind reader (netlink_msg.c). netlink.c moves these
 * buffers through sockets; the unit test feeds them directly.
 */
#ifndef WGCTL_BACKEND_NETLINK_MSG_H
#define WGCTL_BACKEND_NETLINK_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <net/if.h>

#include <libmnl/libmnl.h>

#include "model/model.h"

/*
 * The numbers of include/uapi/linux/wireguard.h, spelled here: Debian 12's copy lacks
 * WGALLOWEDIP_A_FLAGS (Linux 6.16), and its WG_KEY_LEN macro would collide with the model's.
 */
#define WGNL_GENL_NAME "wireguard"
enum { WGNL_GENL_VERSION = 1 };

enum {
	WGNL_CMD_GET_DEVICE = 0,
	WGNL_CMD_SET_DEVICE = 1,
};

enum { WGNL_DEVICE_F_REPLACE_PEERS = 1U << 0 };

enum {
	WGNL_DEVICE_A_IFINDEX = 1,
	WGNL_DEVICE_A_IFNAME = 2,
	WGNL_DEVICE_A_PRIVATE_KEY = 3,
	WGNL_DEVICE_A_PUBLIC_KEY = 4,
	WGNL_DEVICE_A_FLAGS = 5,
	WGNL_DEVICE_A_LISTEN_PORT = 6,
	WGNL_DEVICE_A_FWMARK = 7,
	WGNL_DEVICE_A_PEERS = 8,
};

enum {
	WGNL_PEER_F_REMOVE_ME = 1U << 0,
	WGNL_PEER_F_REPLACE_ALLOWEDIPS = 1U << 1,
	WGNL_PEER_F_UPDATE_ONLY = 1U << 2,
};

enum {
	WGNL_PEER_A_PUBLIC_KEY = 1,
	WGNL_PEER_A_PRESHARED_KEY = 2,
	WGNL_PEER_A_FLAGS = 3,
	WGNL_PEER_A_ENDPOINT = 4,
	WGNL_PEER_A_PERSISTENT_KEEPALIVE_INTERVAL = 5,
	WGNL_PEER_A_LAST_HANDSHAKE_TIME = 6,
	WGNL_PEER_A_RX_BYTES = 7,
	WGNL_PEER_A_TX_BYTES = 8,
	WGNL_PEER_A_ALLOWEDIPS = 9,
	WGNL_PEER_A_PROTOCOL_VERSION = 10,
};

enum { WGNL_ALLOWEDIP_F_REMOVE_ME = 1U << 0 };

enum {
	WGNL_ALLOWEDIP_A_FAMILY = 1,
	WGNL_ALLOWEDIP_A_IPADDR = 2,
	WGNL_ALLOWEDIP_A_CIDR_MASK = 3,
	WGNL_ALLOWEDIP_A_FLAGS = 4,
};

/* 1 <= strlen(ifname) < IFNAMSIZ */
bool netlink_ifname_ok(const char *ifname);
/* A generic netlink header at buf; NULL if len cannot hold it. */
struct nlmsghdr *netlink_put_genl(void *buf, size_t len, uint16_t family, uint16_t flags,
				  uint32_t seq, uint8_t cmd, uint8_t version);

/*
 * Attribute walks as plain loops (libmnl's for-each macros are not loops to clang-format):
 * the attribute after `a` in [start, end), the first when `a` is NULL, NULL past the end.
 */
const struct nlattr *netlink_attr_next(const void *start, const void *end, const struct nlattr *a);

static inline const struct nlattr *netlink_nest_next(const struct nlattr *nest,
						     const struct nlattr *a)
{
	const char *start = mnl_attr_get_payload(nest);

	return netlink_attr_next(start, start + mnl_attr_get_payload_len(nest), a);
}

/* Over the attributes of a message that follow `offset` bytes of family header. */
static inline const struct nlattr *netlink_msg_next(const struct nlmsghdr *nlh, size_t offset,
						    const struct nlattr *a)
{
	return netlink_attr_next(mnl_nlmsg_get_payload_offset(nlh, offset),
				 mnl_nlmsg_get_payload_tail(nlh), a);
}

/*
 * One SET request cut into messages of at most `len` bytes each. The device attributes and
 * REPLACE_PEERS go in the first message only; a peer whose allowed IPs overflow a message
 * continues in the next one with its public key, UPDATE_ONLY if it had it, and the remaining
 * allowed IPs, so REPLACE_ALLOWEDIPS is sent once, before the first of them.
 */
struct netlink_set_cursor {
	const struct wg_device *delta;
	const struct wg_peer *peer;     /* next peer to write; NULL when all are out */
	const struct wg_allowedip *aip; /* next allowed IP of that peer */
	bool first;                     /* no message built yet */
	bool peer_started;              /* this peer's first fragment already went out */
};

void netlink_set_begin(struct netlink_set_cursor *c, const struct wg_device *delta);
/*
 * Builds the next SET message for ifname into buf (at most len bytes, len <= 65535). Returns
 * its length, 0 when the request is complete (the first call always builds one, so even an
 * empty delta reaches the kernel), or -EMSGSIZE / -EINVAL.
 */
int netlink_set_next(struct netlink_set_cursor *c, void *buf, size_t len, uint16_t family,
		     const char *ifname, uint32_t seq);

/* Reads the ACK of a request: 0 with *done set at the ACK, 0 to keep reading, or its -errno. */
int netlink_ack_parse(const void *buf, size_t len, uint32_t seq, uint32_t portid, bool *done);

/* A WG_CMD_GET_DEVICE dump request for ifname. Its length, or -EMSGSIZE / -EINVAL. */
int netlink_get_request(void *buf, size_t len, uint16_t family, const char *ifname, uint32_t seq);

struct netlink_get_state {
	struct wg_device *dev; /* filled in place; peers split across messages are joined */
	uint16_t family;
	uint32_t seq, portid; /* 0 accepts any */
	bool done;            /* NLMSG_DONE seen */
	bool interrupted;     /* NLM_F_DUMP_INTR seen: the caller must dump again */
};

/*
 * Parses one received datagram of a GET dump (any number of messages). 0 to keep reading
 * (check st->done), or -errno from the kernel's NLMSG_ERROR/NLMSG_DONE, -EPROTO on a message
 * that does not belong here, -ENOMEM.
 */
int netlink_get_parse(struct netlink_get_state *st, const void *buf, size_t len);

/* CTRL_CMD_GETFAMILY for name. Its length, or -EMSGSIZE. */
int netlink_family_request(void *buf, size_t len, const char *name, uint32_t seq);
/* The family id from a reply datagram: 1 with *id set, 0 if the datagram has none, -errno. */
int netlink_family_parse(const void *buf, size_t len, uint32_t seq, uint16_t *id);

/* RTM_GETLINK: a dump of every link when ifname is NULL, else that one link. */
int netlink_link_request(void *buf, size_t len, const char *ifname, uint32_t seq);

/* Called for each link of a reply; a negative return stops the walk and is returned. */
typedef int (*netlink_link_fn)(void *ctx, const char *name, const char *kind);

struct netlink_link_state {
	netlink_link_fn fn;
	void *ctx;
	uint32_t seq, portid; /* 0 accepts any */
	bool done;            /* NLMSG_DONE of a dump, or the ACK ending a single request */
	bool interrupted;     /* NLM_F_DUMP_INTR seen: the caller must dump again */
};

/* Walks the RTM_NEWLINK messages of one datagram. 0 to keep reading (check st->done), or -errno. */
int netlink_link_parse(struct netlink_link_state *st, const void *buf, size_t len);

#endif
