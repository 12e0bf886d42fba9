"""Opaque cursors for keyset pagination.

A cursor is the sort key of the last row of a page, JSON in URL-safe base64. Keyset pages stay fast
at any depth (no OFFSET scan) and stable while rows are inserted. Cursors are not secret: a client
that edits one only moves its own window, and a malformed one is a 422 (any string fits the
schema, so the rule is the domain's), never a 500.
"""

from __future__ import annotations

import base64
import binascii
from typing import TypeVar

import msgspec

from api.lib.errors import UnprocessableError

T = TypeVar("T")


def encode_cursor(position: object) -> str:
    return base64.urlsafe_b64encode(msgspec.json.encode(position)).decode().rstrip("=")


def decode_cursor(cursor: str, into: type[T]) -> T:
    """Decode a cursor into the given msgspec type; any tampering becomes a 422 problem."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        return msgspec.json.decode(raw, type=into)
    except (binascii.Error, ValueError, msgspec.DecodeError, msgspec.ValidationError) as exc:
        raise UnprocessableError("the cursor is not one this API issued", extra={"cursor": cursor[:200]}) from exc
