from __future__ import annotations

import uuid

import msgspec
import pytest

from api.lib.errors import UnprocessableError
from api.lib.pagination import decode_cursor, encode_cursor

pytestmark = pytest.mark.unit


class Position(msgspec.Struct, array_like=True):
    sort: float
    row_id: uuid.UUID


def test_a_cursor_round_trips_its_position_exactly() -> None:
    position = Position(0.1 + 0.2, uuid.uuid4())
    cursor = encode_cursor(position)
    assert "=" not in cursor
    assert decode_cursor(cursor, Position) == position


@pytest.mark.parametrize("cursor", ["", "%%%", "bm90IGpzb24", encode_cursor(["x", "y"]), encode_cursor([1.0])])
def test_a_cursor_the_api_did_not_issue_is_a_422(cursor: str) -> None:
    with pytest.raises(UnprocessableError) as caught:
        decode_cursor(cursor, Position)
    assert caught.value.status_code == 422
