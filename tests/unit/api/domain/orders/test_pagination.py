from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from api.domain.orders.pagination import Cursor, InvalidCursor

pytestmark = pytest.mark.unit


def test_a_cursor_survives_the_round_trip() -> None:
    cursor = Cursor(datetime(2026, 3, 1, 12, 30, 15, 123000, tzinfo=UTC), uuid.uuid4())
    token = cursor.encode()
    assert "=" not in token
    assert Cursor.decode(token) == cursor


@pytest.mark.parametrize("token", ["", "not-base64!!", "aGVsbG8", "MjAyNi0wMy0wMVQxMjozMHxub3QtYS11dWlk"])
def test_a_forged_or_damaged_cursor_is_rejected(token: str) -> None:
    with pytest.raises(InvalidCursor):
        Cursor.decode(token)
