from __future__ import annotations

import re

import msgspec
import pytest

from api.domain.orders.idempotency import KEY_PATTERN, request_hash

pytestmark = pytest.mark.unit


class Line(msgspec.Struct):
    item: str
    quantity: int


class Body(msgspec.Struct):
    restaurant_id: str
    lines: list[Line]
    note: str | None = None


def test_the_same_request_has_the_same_fingerprint_whatever_its_formatting() -> None:
    a = msgspec.json.decode(b'{"restaurant_id": "r1", "lines": [{"item": "x", "quantity": 1}]}', type=Body)
    b = msgspec.json.decode(b'{"lines":[{"quantity":1,"item":"x"}],"restaurant_id":"r1"}', type=Body)
    assert request_hash(a) == request_hash(b)
    assert len(request_hash(a)) == 64


def test_any_change_of_the_body_changes_the_fingerprint() -> None:
    base = Body("r1", [Line("x", 1)])
    assert request_hash(base) != request_hash(Body("r1", [Line("x", 2)]))
    assert request_hash(base) != request_hash(Body("r1", [Line("x", 1)], note="ring twice"))
    assert request_hash(base) != request_hash(Body("r2", [Line("x", 1)]))


def test_key_pattern_accepts_uuids_and_rejects_blank_or_spaced_keys() -> None:
    assert re.match(KEY_PATTERN, "3f1d7e0c-8a1e-4f6b-9e0a-1c2b3d4e5f60")
    assert not re.match(KEY_PATTERN, "")
    assert not re.match(KEY_PATTERN, "has space")
    assert not re.match(KEY_PATTERN, "x" * 256)
