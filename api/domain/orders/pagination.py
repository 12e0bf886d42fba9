"""Keyset positions of newest-first order lists: ``(created_at, order_id)`` of the last row served.

Keyset pagination stays fast on deep pages (it seeks the ``(user_id, created_at)`` index instead of
skipping rows) and is stable while new orders arrive, which OFFSET pagination is not. The opaque
cursor encoding is the API's shared one (``api.lib.pagination``).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from msgspec import Meta, Struct

from api.lib.pagination import decode_cursor, encode_cursor


class Position(Struct, array_like=True, frozen=True):
    created_at: Annotated[datetime, Meta(tz=True)]
    order_id: uuid.UUID

    def encode(self) -> str:
        return encode_cursor(self)


def parse_cursor(token: str | None) -> Position | None:
    """The position a cursor names (None for the first page); a forged cursor is a 400 problem."""
    return decode_cursor(token, Position) if token else None
