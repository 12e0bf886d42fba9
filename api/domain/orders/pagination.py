"""Opaque keyset cursors for newest-first lists: ``(created_at, order_id)`` of the last row served.

Keyset pagination stays fast on deep pages (it seeks the ``(user_id, created_at)`` index instead of
skipping rows) and is stable while new orders arrive, which OFFSET pagination is not.
"""

from __future__ import annotations

import base64
import binascii
import uuid
from dataclasses import dataclass
from datetime import datetime


class InvalidCursor(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class Cursor:
    created_at: datetime
    order_id: uuid.UUID

    def encode(self) -> str:
        raw = f"{self.created_at.isoformat()}|{self.order_id}".encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @classmethod
    def decode(cls, token: str) -> Cursor:
        try:
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
            stamp, order_id = raw.split("|")
            created_at = datetime.fromisoformat(stamp)
            if created_at.tzinfo is None:
                raise ValueError("naive timestamp")
            return cls(created_at, uuid.UUID(order_id))
        except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
            raise InvalidCursor("the cursor is not one this API issued") from exc
