"""Idempotent order creation: a client retries with the same ``Idempotency-Key`` and gets the same order.

The key is scoped to the user (another user's key never collides). The request is fingerprinted so
that a reused key with a *different* body is refused (422) instead of silently returning an order
the client did not ask for. The fingerprint is taken over the validated, canonically encoded body
(sorted keys, no whitespace), so formatting differences of the same request do not matter.
"""

from __future__ import annotations

import hashlib
from typing import Any

import msgspec

KEY_HEADER = "Idempotency-Key"
KEY_PATTERN = r"^[!-~]{1,255}$"  # printable ASCII without spaces, as in the IETF draft's examples


def request_hash(body: Any) -> str:
    """SHA-256 of the canonical JSON of a decoded request body (msgspec Struct, dict, list...)."""
    canonical = msgspec.json.encode(body, order="sorted")
    return hashlib.sha256(canonical).hexdigest()
