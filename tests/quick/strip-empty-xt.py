#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Drops from a snapshot.sh text the firewall tables that hold no rule: nft tables whose chains
are all empty (with iptables-nft's "# Warning: table ... managed by iptables-nft" line) and
iptables-save stanzas without an -A line. wg-quick's iptables path creates the raw and mangle
tables and their built-in chains through iptables-restore and at down deletes only its rules
(R2 in t0300's header); everything that is a rule stays, so leftover rules are still caught."""
import sys

lines = sys.stdin.read().split('\n')
out, i, section = [], 0, ''
while i < len(lines):
    l = lines[i]
    if l.startswith('== '):
        section = l
        out.append(l); i += 1; continue
    if section == '== nft' and (l.startswith('table ') or l.startswith('# Warning: table ')):
        j = i
        warn = None
        if l.startswith('# Warning'):
            warn = l; j += 1
        block = []
        while j < len(lines):
            block.append(lines[j]); j += 1
            if lines[j - 1] == '}':
                break
        rules = [b for b in block[1:-1] if b.strip() and not b.strip().startswith(('chain ', 'type ')) and b.strip() != '}']
        if rules:
            if warn: out.append(warn)
            out.extend(block)
        i = j; continue
    if section.endswith('tables-save') and l.startswith('*'):
        j, block = i, []
        while j < len(lines):
            block.append(lines[j]); j += 1
            if lines[j - 1] == 'COMMIT':
                break
        if any(b.startswith('-A ') for b in block):
            out.extend(block)
        i = j; continue
    out.append(l); i += 1
sys.stdout.write('\n'.join(out))
