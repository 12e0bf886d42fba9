"""Responses of the loyalty domain."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

import msgspec

EntryKind = Literal["earn", "redeem", "redeem_reversal", "earn_reversal", "credit"]


class LedgerEntry(msgspec.Struct):
    """One move of the balance: an order's (``order_id``) or a credit's (``reference_id``, ``reason``)."""

    entry_id: uuid.UUID
    kind: EntryKind
    points: int
    balance_after: int
    created_at: datetime
    order_id: uuid.UUID | None = None
    reference_id: str | None = None
    reason: str | None = None


class LoyaltyAccount(msgspec.Struct):
    user_id: uuid.UUID
    balance: int
    point_value_cents: int
    ledger: list[LedgerEntry]
    next_cursor: str | None = None
