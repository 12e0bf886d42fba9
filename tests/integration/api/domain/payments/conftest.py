"""Fixtures of the payments integration tests: a local server speaking the Stripe endpoints we call
(the shards and Redis are the shared kit's ``databases`` and ``redis``)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from payments_doubles import FakeStripe, serving_fake_stripe


@pytest.fixture
def fake_stripe() -> Iterator[FakeStripe]:
    with serving_fake_stripe() as fake:
        yield fake
