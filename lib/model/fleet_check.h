/* SPDX-License-Identifier: MIT */
/*
 * Checks over a fleet of configs, one file per host: what only shows when the files are read
 * together (shared keys, unknown or one-sided peers, unrouted addresses, NAT keepalives, relays),
 * plus each file's own lint as coded findings. Pure: nothing is printed.
 */
#ifndef WGCTL_MODEL_FLEET_CHECK_H
#define WGCTL_MODEL_FLEET_CHECK_H

#include <stdbool.h>
#include <stddef.h>

#include "model/config.h"

/* Stable finding codes (the `code` of a finding; documented in wgctl(8) under check). */
#define FLEET_DUPLICATE_KEY    "duplicate-private-key"
#define FLEET_UNKNOWN_PEER     "unknown-peer"
#define FLEET_OVERLAP          "allowedips-overlap"
#define FLEET_UNROUTED_ADDRESS "address-not-routed"
#define FLEET_ONE_SIDED        "one-sided-peer"
#define FLEET_NAT_KEEPALIVE    "nat-no-keepalive"
#define FLEET_IPV6_LEAK        "ipv6-leak"
#define FLEET_RELAY            "relay-no-forwarding"
#define FLEET_DNS_BACKEND      "dns-backend"
#define FLEET_LINT             "lint"
#define FLEET_PARSE            "parse"

enum { FLEET_MAX_LOCATIONS = 3 };

struct fleet_host {
	const struct wg_config *conf;
	const char *source; /* the file name findings print; borrowed */
};

struct fleet_location {
	const char *file;  /* borrowed from the host's source */
	unsigned int line; /* 0: the file as a whole */
};

struct fleet_finding {
	enum diag_severity severity;
	const char *code;
	char *message; /* names every location after the first */
	struct fleet_location loc[FLEET_MAX_LOCATIONS];
	size_t nloc;
	bool fleet; /* needs the whole fleet, rather than being about one file alone */
};

struct fleet_result {
	struct fleet_finding *items;
	size_t count, cap;
	unsigned int errors, warnings;
};

void fleet_result_init(struct fleet_result *r);
void fleet_result_free(struct fleet_result *r);
/* Appends a copy of `f` (its message ignored) with the formatted message. 0 or -ENOMEM. */
int fleet_add(struct fleet_result *r, const struct fleet_finding *f, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * Appends each host's own findings (lint, overlapping AllowedIPs) and, when `whole` says the
 * hosts are the complete fleet, the findings between hosts. Returns 0 or -ENOMEM.
 */
int fleet_check(const struct fleet_host *hosts, size_t n, bool whole, struct fleet_result *r);

#endif
