/* SPDX-License-Identifier: MIT */
/*
 * systemd-resolved's D-Bus API (org.freedesktop.resolve1.Manager at /org/freedesktop/resolve1,
 * and the Link objects it names), through sd-bus on the system bus. The only file of wgctl that
 * includes libsystemd's headers. Addresses and domains are text in the config's own notation:
 * a routing-only domain is written "~name" ("~." takes every query), a search domain "name".
 */
#ifndef WGCTL_ORCH_RESOLVED_H
#define WGCTL_ORCH_RESOLVED_H

#include <stdbool.h>

#include "util/strlist.h"

struct resolved;

/* What resolved holds for a link. */
struct resolved_link {
	struct strlist servers; /* inet_ntop text */
	struct strlist domains; /* "~name" for a routing-only domain */
	bool default_route;     /* the effective value */
	char llmnr[16], mdns[16];
};

/*
 * Connects to the system bus: 1 with *r set when systemd-resolved owns its name there now, 0
 * (nothing to free) when it does not or there is no bus.
 */
int resolved_open(struct resolved **r);
void resolved_close(struct resolved *r);

/*
 * The Manager's calls on one link (SetLinkDNS, SetLinkDomains, SetLinkDefaultRoute,
 * SetLinkLLMNR, SetLinkMulticastDNS, RevertLink). 0 or -errno, with resolved's own words for
 * it in resolved_error().
 */
int resolved_set_dns(struct resolved *r, int ifindex, const struct strlist *servers);
int resolved_set_domains(struct resolved *r, int ifindex, const struct strlist *domains);
int resolved_set_default_route(struct resolved *r, int ifindex, bool on);
int resolved_set_llmnr(struct resolved *r, int ifindex, const char *mode);
int resolved_set_mdns(struct resolved *r, int ifindex, const char *mode);
int resolved_revert(struct resolved *r, int ifindex);
/* The link's properties (GetLink, then Properties.Get of each). 0 or -errno. */
int resolved_read(struct resolved *r, int ifindex, struct resolved_link *out);
void resolved_link_free(struct resolved_link *l);
/* "METHOD: MESSAGE" of the last call that failed. */
const char *resolved_error(const struct resolved *r);

#endif
