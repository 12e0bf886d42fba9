from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from api.domain.orders.pagination import Position, parse_cursor
from api.lib.errors import UnprocessableError
from api.lib.pagination import encode_cursor

pytestmark = pytest.mark.unit


def test_a_position_survives_the_round_trip_through_its_cursor() -> None:
    position = Position(datetime(2026, 3, 1, 12, 30, 15, 123000, tzinfo=UTC), uuid.uuid4())
    token = position.encode()
    assert "=" not in token
    assert parse_cursor(token) == position
    assert parse_cursor(None) is None


@pytest.mark.parametrize(
    "token",
    ["not-base64!!", "aGVsbG8", encode_cursor(["2026-03-01T12:30:00", str(uuid.uuid4())]), encode_cursor([1, 2])],
)
def test_a_forged_or_damaged_cursor_is_a_bad_request(token: str) -> None:
    with pytest.raises(UnprocessableError):
        parse_cursor(token)
