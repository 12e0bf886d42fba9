"""Local servers the notification adapters talk to in tests: a recording HTTP server and an SMTP sink."""

from __future__ import annotations

import json
import socket
import threading
import uuid
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

ShardUser = Callable[..., Awaitable[uuid.UUID]]


@dataclass
class HttpCall:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class RecordingServer:
    """Answers each request with the next queued reply (then ``default``) and records it."""

    url: str = ""
    calls: list[HttpCall] = field(default_factory=list)
    replies: list[tuple[int, dict[str, str], Any]] = field(default_factory=list)
    default: tuple[int, dict[str, str], Any] = (200, {}, {})

    def reply(self, status: int, body: Any = None, **headers: str) -> None:
        self.replies.append((status, headers, body if body is not None else {}))


@contextmanager
def recording_server(default: tuple[int, dict[str, str], Any]) -> Iterator[RecordingServer]:
    server_state = RecordingServer(default=default)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            server_state.calls.append(
                HttpCall("POST", self.path, {k.lower(): v for k, v in self.headers.items()}, body)
            )
            status, extra, payload = server_state.replies.pop(0) if server_state.replies else server_state.default
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            for name, value in extra.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: Any) -> None:
            return None

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server_state.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server_state
    finally:
        server.shutdown()
        server.server_close()


@dataclass
class SmtpSink:
    """Keeps every accepted message; ``refuse`` makes it answer RCPT TO with that reply instead."""

    port: int = 0
    messages: list[Envelope] = field(default_factory=list)
    refuse: str | None = None

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, rcpt_options: list[str]
    ) -> str:
        if self.refuse:
            return self.refuse
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        self.messages.append(envelope)
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def smtp_sink() -> Iterator[SmtpSink]:
    sink = SmtpSink(port=free_port())
    controller = Controller(sink, hostname="127.0.0.1", port=sink.port)
    controller.start()
    try:
        yield sink
    finally:
        controller.stop()
