#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Sends malformed WireGuard datagrams to a daemon and reports which got a reply.

Usage: wgcraft.py HOST PORT RESPONDER_PUBKEY_B64 KIND...
Each KIND is sent once from a fresh socket; prints "KIND reply|silent" per line. MAC1 is
computed where a kind needs it to get past the first check (hashlib's BLAKE2s)."""
import base64
import hashlib
import os
import socket
import struct
import sys


def mac1(pub, msg):
    key = hashlib.blake2s(b"mac1----" + pub).digest()
    return hashlib.blake2s(msg, key=key, digest_size=16).digest()


def with_mac1(pub, body):
    # body is everything before mac1; mac2 stays zero
    return body + mac1(pub, body) + bytes(16)


def craft(kind, pub):
    r = os.urandom
    if kind == "empty":
        return b""
    if kind == "short":
        return struct.pack("<I", 4) + r(27)
    if kind == "type0":
        return bytes(148)
    if kind == "type5":
        return struct.pack("<I", 5) + r(144)
    if kind == "reserved":
        return struct.pack("<I", 1 | 1 << 16) + r(144)
    if kind == "init-truncated":
        return struct.pack("<I", 1) + r(143)
    if kind == "init-oversized":
        return struct.pack("<I", 1) + r(145)
    if kind == "response-truncated":
        return struct.pack("<I", 2) + r(87)
    if kind == "cookie-oversized":
        return struct.pack("<I", 3) + r(61)
    if kind == "data-huge":
        return struct.pack("<I", 4) + r(65503)  # the largest IPv4 UDP payload
    if kind == "init-bad-mac1":
        return struct.pack("<I", 1) + r(144)
    if kind == "init-garbage":
        return with_mac1(pub, struct.pack("<I", 1) + r(112))
    if kind == "response-unknown-index":
        return with_mac1(pub, struct.pack("<I", 2) + r(56))
    if kind == "cookie-unknown-index":
        return struct.pack("<I", 3) + r(60)
    if kind == "data-unknown-index":
        return struct.pack("<I", 4) + r(44)
    raise SystemExit("unknown kind " + kind)


def main():
    host, port, pub = sys.argv[1], int(sys.argv[2]), base64.b64decode(sys.argv[3])
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    for kind in sys.argv[4:]:
        s = socket.socket(fam, socket.SOCK_DGRAM)
        s.settimeout(0.3)
        s.sendto(craft(kind, pub), (host, port))
        try:
            s.recv(2048)
            print(kind, "reply")
        except socket.timeout:
            print(kind, "silent")
        s.close()


if __name__ == "__main__":
    main()
