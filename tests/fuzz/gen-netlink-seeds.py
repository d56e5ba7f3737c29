#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Writes tests/fuzz/seeds/netlink/: WG_CMD_GET_DEVICE dump replies laid out as the kernel's
drivers/net/wireguard/netlink.c lays them out (device attributes in the first message only,
NLA_F_NESTED nests, a peer split across messages when its allowed IPs overflow, NLMSG_DONE),
framed for fuzz_netlink.c's raw mode: a mode byte (0), a SET-size byte, then each datagram as a
16-bit little-endian length and its bytes. Plus a few programs for its structured mode."""
import os
import struct
import sys

FAMILY = 0x15
NLM_F_MULTI = 2
NLMSG_ERROR, NLMSG_DONE = 2, 3
NESTED = 0x8000
AF_INET, AF_INET6 = 2, 10


def attr(t, payload):
    n = 4 + len(payload)
    return struct.pack("<HH", n, t) + payload + b"\0" * ((4 - n % 4) % 4)


def nest(t, parts):
    return attr(t | NESTED, b"".join(parts))


def msg(mtype, payload, seq=7, pid=4242, flags=NLM_F_MULTI):
    return struct.pack("<IHHII", 16 + len(payload), mtype, flags, seq, pid) + payload


def genl(attrs):
    return msg(FAMILY, bytes([0, 1, 0, 0]) + b"".join(attrs))


def key(i):
    return bytes((i * 37 + j) & 0xFF for j in range(32))


def aip(fam, addr, cidr):
    return nest(0, [attr(3, bytes([cidr])), attr(1, struct.pack("<H", fam)), attr(2, addr)])


def endpoint4(a, port):
    return struct.pack("<H", AF_INET) + struct.pack(">H", port) + bytes(a) + b"\0" * 8


def endpoint6(tail, port):
    return (struct.pack("<H", AF_INET6) + struct.pack(">H", port) + b"\0" * 4 +
            bytes([0x20, 0x01, 0x0d, 0xb8] + [0] * 11 + [tail]) + b"\0" * 4)


def peer(i, aips, ep=None, psk=False, handshake=(0, 0), keepalive=0, rx=0, tx=0):
    parts = [attr(1, key(i)), attr(2, key(100 + i) if psk else b"\0" * 32),
             attr(6, struct.pack("<qq", *handshake)), attr(5, struct.pack("<H", keepalive)),
             attr(8, struct.pack("<Q", tx)), attr(7, struct.pack("<Q", rx)),
             attr(10, struct.pack("<I", 1))]
    if ep:
        parts.append(attr(4, ep))
    if aips:
        parts.append(nest(9, aips))
    return nest(0, parts)


def device(name="wg0", priv=True):
    a = [attr(6, struct.pack("<H", 51820)), attr(7, struct.pack("<I", 0)),
         attr(1, struct.pack("<I", 5)), attr(2, name.encode() + b"\0")]
    if priv:
        a += [attr(3, key(250)), attr(4, key(251))]
    return a


def done(code=0):
    return msg(NLMSG_DONE, struct.pack("<i", code))


def raw(datagrams, set_size=0):
    out = bytes([0, set_size])
    for d in datagrams:
        out += struct.pack("<H", len(d)) + d
    return out


def v4(i):
    return aip(AF_INET, bytes([10, 0, i >> 8 & 255, i & 255]), 32)


def seeds():
    yield "empty-device", raw([genl(device(priv=False)) + done()])
    yield "one-peer", raw([genl(device() + [nest(8, [peer(1, [v4(1), aip(AF_INET6, bytes(
        [0xfd] + [0] * 14 + [1]), 128)], endpoint4([192, 0, 2, 1], 51820), psk=True,
        handshake=(1700000000, 5), keepalive=25, rx=1234, tx=5678)])]) + done()])
    yield "three-peers", raw([genl(device() + [nest(8, [
        peer(1, [v4(1)], endpoint6(1, 443)),
        peer(2, [aip(AF_INET, bytes([0, 0, 0, 0]), 0), aip(AF_INET6, bytes(16), 0)]),
        peer(3, [])])]), done()], 3)
    # A peer whose allowed IPs overflow the first message continues in the second, keyed again.
    first = genl(device() + [nest(8, [peer(1, [v4(i) for i in range(40)])])])
    second = genl([nest(8, [nest(0, [attr(1, key(1)), nest(9, [v4(i) for i in range(40, 80)])]),
                            peer(2, [v4(500)])])])
    yield "split-peer", raw([first, second + done()], 1)
    yield "split-datagrams", raw([first + second, done()], 0)
    yield "error-reply", raw([msg(NLMSG_ERROR, struct.pack("<i", -19) + msg(FAMILY, b"\0" * 4)[:16],
                                  flags=0)])
    yield "interrupted", raw([msg(FAMILY, bytes([0, 1, 0, 0]) + b"".join(device()),
                                  flags=NLM_F_MULTI | 0x10) + done()])
    # RTM_NEWLINK dump replies, as `ip link` lists links: name, and the kind inside IFLA_LINKINFO.
    def link(index, name, kind=None):
        attrs = attr(3, name + b"\0")
        if kind is not None:
            attrs += nest(18, [attr(1, kind)])
        return msg(16, struct.pack("<BBHiII", 0, 0, 1, index, 1, 0) + attrs)
    yield "link-dump", raw([link(1, b"lo") + link(7, b"wg0", b"wireguard\0") +
                            link(8, b"eth0", b"veth"), done()])
    yield "link-odd", raw([link(2, b"x" * 15, b"k" * 70) + link(3, b"", b"wireguard") +
                           msg(16, b"\0" * 8) + done()])
    # Structured mode (fuzz_netlink.c run_built): op bytes.
    yield "built-peers", bytes([1, 2, 0x01, 6, 2, 0x01, 2, 0, 0x0f, 0x0f, 1, 0xf1, 3, 0, 0x18, 1,
                                0, 0x0d, 0x0f, 1, 0x02, 0, 0x0c])


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "seeds", "netlink")
    os.makedirs(out, exist_ok=True)
    for name, data in seeds():
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
