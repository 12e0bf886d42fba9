"""Responses of the loyalty domain."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

import msgspec

EntryKind = Literal["earn", "redeem", "redeem_reversal"]


class LedgerEntry(msgspec.Struct):
    entry_id: uuid.UUID
    order_id: uuid.UUID
    kind: EntryKind
    points: int
    balance_after: int
    created_at: datetime


class LoyaltyAccount(msgspec.Struct):
    user_id: uuid.UUID
    balance: int
    point_value_cents: int
    ledger: list[LedgerEntry]
    next_cursor: str | None = None
