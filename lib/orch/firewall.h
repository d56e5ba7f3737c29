/* SPDX-License-Identifier: MIT */
/*
 * wg-quick's anti-spoofing and connmark rules for a default route through the tunnel, in the nft
 * table `wg-quick-IF` (family ip or ip6) when nft exists, else iptables-restore/ip6tables-restore
 * rules tagged with the comment "wg-quick(8) rule for IF", so that wg-quick and wgctl remove each
 * other's rules. 0 or -errno (the failing tool's exit status mapped to -EIO; its stderr passed on).
 */
#ifndef WGCTL_ORCH_FIREWALL_H
#define WGCTL_ORCH_FIREWALL_H

#include <stdint.h>

#include "orch/rtnl.h"

/*
 * What firewall_add runs, for `--dry-run` and for `[#]` lines: "nft -f /dev/stdin" or
 * "iptables-restore -n" (the script goes to the tool's standard input; firewall_remove prints
 * its own lines, only for the tools it really runs).
 */
void firewall_describe(char *buf, size_t len, const char *ifname, int family);
/*
 * The whole text firewall_add would feed its tool (nft script or iptables-restore input),
 * malloc'd; NULL on ENOMEM.
 */
char *firewall_script(const char *ifname, int family, uint32_t fwmark,
		      const struct orch_rtnl_prefix *addrs, int naddrs);
/* addrs: the interface's current addresses of that family (the anti-spoof rules name them). */
int firewall_add(const char *ifname, int family, uint32_t fwmark,
		 const struct orch_rtnl_prefix *addrs, int naddrs);
/* Removes every rule of IF in both families (errors ignored, as wg-quick ignores them). */
void firewall_remove(const char *ifname);
/* Whether any rule of IF exists (for tests and for `down` of a half-broken interface). */
int firewall_present(const char *ifname);

#endif
