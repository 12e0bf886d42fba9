"""Fixtures of the payments integration tests: a local server speaking the Stripe endpoints we call
(the shards and Redis are the shared kit's ``databases`` and ``redis``)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from urllib.parse import parse_qsl

import pytest
from payments_doubles import FakeStripe, StripeRequest
from support.http_doubles import Reply, Request, serve_http


@pytest.fixture
def fake_stripe() -> Iterator[FakeStripe]:
    fake = FakeStripe()

    def answer(request: Request) -> Reply:
        req = StripeRequest(request.method, request.path, request.headers, dict(parse_qsl(request.body.decode())))
        fake.requests.append(req)
        status, payload = fake.handle(req)
        return Reply(status, payload, {"Request-Id": f"req_{uuid.uuid4().hex[:10]}"})

    with serve_http(answer) as url:
        fake.url = url
        yield fake
