#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Canonical form of `wg showconf` text for comparisons: peers keyed by public key, allowed IPs
masked and sorted (userspace and kernel implementations return them in trie order, not file order)."""
import ipaddress, json, sys

def norm(text):
    iface, peers, cur = {}, {}, None
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        if line == '[Interface]':
            cur = iface
            continue
        if line == '[Peer]':
            cur = {}
            continue
        k, v = (s.strip() for s in line.split('=', 1))
        if k == 'PublicKey':
            peers[v + '='] = cur
            continue
        if k == 'AllowedIPs':
            # Repeated AllowedIPs lines accumulate, as in wg's grammar.
            v = sorted(cur.get(k, []) + [str(ipaddress.ip_network(a.strip(), strict=False))
                                         for a in v.split(',') if a.strip()])
        cur[k] = v
    return {'Interface': iface, 'Peers': peers}

src = open(sys.argv[1]) if len(sys.argv) > 1 and sys.argv[1] != '-' else sys.stdin
print(json.dumps(norm(src.read()), sort_keys=True, indent=1))
