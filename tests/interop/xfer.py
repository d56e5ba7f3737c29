#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# The interop suite's bulk transfer: a TCP sink that hashes what it receives and a source that
# sends a deterministic stream and hashes what it sent. Both print "<sha256> <bytes>".
#   xfer.py serve ADDR PORT READYFILE   accept one connection, read to EOF, print digest
#   xfer.py send ADDR PORT BYTES SEED   connect (retrying up to 10 s), send, print digest
import hashlib
import random
import socket
import sys
import time

BLOCK = 1 << 20


def serve(addr, port, ready):
    fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, port))
    s.listen(1)
    with open(ready, "w") as f:
        f.write("ready\n")
    c, _ = s.accept()
    h = hashlib.sha256()
    n = 0
    buf = bytearray(BLOCK)
    view = memoryview(buf)
    while True:
        k = c.recv_into(view)
        if k == 0:
            break
        h.update(view[:k])
        n += k
    c.close()
    print(h.hexdigest(), n)


def send(addr, port, total, seed):
    fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
    deadline = time.monotonic() + 10
    while True:
        c = socket.socket(fam, socket.SOCK_STREAM)
        c.settimeout(5)
        try:
            c.connect((addr, port))
            break
        except OSError:
            c.close()
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
    c.settimeout(60)
    rng = random.Random(seed)
    h = hashlib.sha256()
    left = total
    while left > 0:
        b = rng.randbytes(min(BLOCK, left))
        h.update(b)
        c.sendall(b)
        left -= len(b)
    c.shutdown(socket.SHUT_WR)
    c.recv(1)  # wait for the sink to close: everything was read
    c.close()
    print(h.hexdigest(), total)


if __name__ == "__main__":
    if sys.argv[1] == "serve":
        serve(sys.argv[2], int(sys.argv[3]), sys.argv[4])
    elif sys.argv[1] == "send":
        send(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]))
    else:
        sys.exit("usage: xfer.py serve ADDR PORT READYFILE | send ADDR PORT BYTES SEED")
