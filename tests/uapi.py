#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Sends one raw request to a UAPI socket and prints the reply: uapi.py SOCKET 'get=1\\n\\n'.
The request is given with C-style escapes so tests can send exact bytes, garbage included."""
import socket
import sys

req = sys.argv[2].encode().decode("unicode_escape").encode("latin-1")
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.settimeout(5)
s.connect(sys.argv[1])
s.sendall(req)
out = b""
try:
    while not out.endswith(b"\n\n"):
        chunk = s.recv(65536)
        if not chunk:
            break
        out += chunk
except socket.timeout:
    pass
sys.stdout.write(out.decode("latin-1"))
