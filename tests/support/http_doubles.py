"""A local HTTP server standing in for a provider's API (Stripe, Twilio, SendGrid) in tests.

The double's logic is a function from the request to the reply; this module owns the socket, the
thread and the JSON encoding, so each double is only the part that speaks for its provider.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    headers: dict[str, str]  # lower-case names
    body: bytes


@dataclass(frozen=True)
class Reply:
    status: int
    payload: Any
    headers: dict[str, str]


Handler = Callable[[Request], Reply]


@contextmanager
def serve_http(handle: Handler) -> Iterator[str]:
    """Answer every POST on a free loopback port with ``handle(request)`` as JSON; yield the base URL."""

    class JsonHandler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            reply = handle(Request("POST", self.path, {k.lower(): v for k, v in self.headers.items()}, body))
            data = json.dumps(reply.payload).encode()
            self.send_response(reply.status)
            self.send_header("Content-Type", "application/json")
            for name, value in reply.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: Any) -> None:
            return None

    server = ThreadingHTTPServer(("127.0.0.1", 0), JsonHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
