# Copyright 2026 e-conomic Connector authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Serve a FakeEconomic over HTTP (both hosts' paths on one port) for the demo."""

import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from .webhooks import deliver_in_thread


class _Handler(BaseHTTPRequestHandler):
    server_version = "FakeEconomic/1.0"
    protocol_version = "HTTP/1.1"

    def _serve(self):
        fake = self.server.fake
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        host = self.headers.get("Host")
        if not host:
            address, port = self.server.server_address[:2]
            host = f"{address}:{port}"
        url = f"http://{host}{self.path}"
        status, headers, content = fake.handle(self.command, url, dict(self.headers.items()), body)
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(content)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(content)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _serve

    def log_request(self, code="-", size="-"):
        # The request line holds no tokens (they travel in headers); log it as is.
        if self.server.log_requests:
            sys.stderr.write(
                f"{self.log_date_time_string()} {self.command} {self.path} -> {code}\n"
            )

    def log_message(self, format, *args):  # noqa: A002  (signature of the base class)
        if self.server.log_requests:
            sys.stderr.write(f"{self.log_date_time_string()} {format % args}\n")


def make_server(fake, host="127.0.0.1", port=8079, log_requests=True, deliver_webhooks=True):
    """A ThreadingHTTPServer answering with `fake`; call serve_forever() or use a thread.

    Requests are logged to stderr as "METHOD path -> status" (never headers, so no tokens).
    With ``deliver_webhooks`` the fake POSTs its webhook events to the registered URLs (in a
    thread each) and, for a local demo, accepts http:// webhook URLs (e-conomic: HTTPS only).
    """
    if deliver_webhooks:
        fake.webhook_sender = deliver_in_thread
        fake.webhook_allow_http = True
    server = ThreadingHTTPServer((host, port), _Handler)
    server.log_requests = log_requests
    server.daemon_threads = True
    server.fake = fake
    return server
