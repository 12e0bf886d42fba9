"""Local servers the notification adapters talk to in tests: a recording HTTP server and an SMTP sink."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from support.http_doubles import Reply, Request, serve_http
from support.serving import free_port

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
    state = RecordingServer(default=default)

    def answer(request: Request) -> Reply:
        state.calls.append(HttpCall(request.method, request.path, request.headers, request.body))
        status, headers, payload = state.replies.pop(0) if state.replies else state.default
        return Reply(status, payload, headers)

    with serve_http(answer) as url:
        state.url = url
        yield state


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


@contextmanager
def smtp_sink() -> Iterator[SmtpSink]:
    sink = SmtpSink(port=free_port())
    controller = Controller(sink, hostname="127.0.0.1", port=sink.port)
    controller.start()
    try:
        yield sink
    finally:
        controller.stop()
