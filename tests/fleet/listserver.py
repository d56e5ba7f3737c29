#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""A small HTTP(S) server for the peer-list tests: serves files from a directory with ETag and
Last-Modified, answers If-None-Match / If-Modified-Since with 304 as a web server would, and logs
one line per request (method path status if-none-match if-modified-since) so tests can see what
was asked and answered. Paths under /hang/ never answer (timeouts); /redirect/X redirects to X."""
import argparse
import email.utils
import hashlib
import http.server
import os
import ssl
import time

ap = argparse.ArgumentParser()
ap.add_argument("--root", required=True)
ap.add_argument("--bind", default="0.0.0.0")
ap.add_argument("--port", type=int, required=True)
ap.add_argument("--cert")
ap.add_argument("--key")
ap.add_argument("--log", required=True)
ap.add_argument("--ready", help="file that receives the server's PID once it listens")
args = ap.parse_args()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *a):
        pass

    def record(self, status):
        with open(args.log, "a") as f:
            f.write("%s %s %d inm=%s ims=%s\n" % (
                self.command, self.path, status,
                self.headers.get("If-None-Match", "-"),
                (self.headers.get("If-Modified-Since") or "-").replace(" ", "_")))

    def answer(self, status, body=b"", headers=()):
        self.record(status)
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def do_GET(self):
        if self.path.startswith("/hang/"):
            self.record(0)
            time.sleep(3600)
            return
        if self.path.startswith("/redirect/"):
            return self.answer(302, headers=[("Location", self.path[len("/redirect"):].replace("/to:", "", 1))])
        path = os.path.join(args.root, self.path.lstrip("/").split("?")[0])
        try:
            with open(path, "rb") as f:
                body = f.read()
            mtime = os.stat(path).st_mtime
        except OSError:
            return self.answer(404, b"not found\n")
        etag = '"%s"' % hashlib.sha256(body).hexdigest()[:32]
        last_modified = email.utils.formatdate(int(mtime), usegmt=True)
        validators = [("ETag", etag), ("Last-Modified", last_modified)]
        inm = self.headers.get("If-None-Match")
        ims = self.headers.get("If-Modified-Since")
        if inm is not None:
            if etag in [t.strip() for t in inm.split(",")]:
                return self.answer(304, headers=validators)
        elif ims is not None:
            since = email.utils.parsedate_to_datetime(ims).timestamp()
            if int(mtime) <= since:
                return self.answer(304, headers=validators)
        self.answer(200, body, validators + [("Content-Type", "text/plain")])

    do_HEAD = do_GET


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True


srv = Server((args.bind, args.port), Handler)
if args.cert:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(args.cert, args.key)
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
if args.ready:
    with open(args.ready + ".tmp", "w") as f:
        f.write("%d\n" % os.getpid())
    os.rename(args.ready + ".tmp", args.ready)
srv.serve_forever()
