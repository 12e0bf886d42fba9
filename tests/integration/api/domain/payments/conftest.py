"""Fixtures of the payments integration tests: a local server speaking the Stripe endpoints we call,
and the real shards, Redis and the payment service wired to them."""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import AsyncIterator, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl

import pytest
from payments_doubles import FakeStripe, StripeRequest
from redis.asyncio import Redis

from api.db import Databases
from pizza.config import PlatformSettings


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def fake_stripe() -> Iterator[FakeStripe]:
    fake = FakeStripe()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
            req = StripeRequest(
                "POST", self.path, {k.lower(): v for k, v in self.headers.items()}, dict(parse_qsl(body))
            )
            fake.requests.append(req)
            status, payload = fake.handle(req)
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Request-Id", f"req_{uuid.uuid4().hex[:10]}")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: Any) -> None:
            return None

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield fake
    server.shutdown()
    server.server_close()


@pytest.fixture
async def databases(stack: PlatformSettings) -> AsyncIterator[Databases]:
    db = Databases(stack, min_size=1, max_size=4)
    await db.open()
    yield db
    await db.close()


@pytest.fixture
async def redis(stack: PlatformSettings) -> AsyncIterator[Redis]:
    client = Redis.from_url(stack.redis)
    yield client
    await client.aclose()
