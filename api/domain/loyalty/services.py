"""Loyalty points: earned when an order is delivered, spent as a discount when the next one is placed.

Everything lives on the user's shard (balance, ledger, orders), so earning is one local transaction
and redeeming joins the order placement's own transaction: an order that fails to commit takes its
redemption with it. Each (order, kind) has at most one ledger line, so every entry point is
idempotent and safe to call again when an event is delivered twice.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import psycopg

from api.db import Databases
from api.domain.loyalty import repositories as repo
from api.domain.loyalty.schemas import LedgerEntry, LoyaltyAccount
from api.domain.loyalty.settings import LoyaltySettings, get_loyalty_settings
from api.lib.errors import NotFoundError, UnprocessableError
from api.lib.pagination import decode_cursor, encode_cursor
from api.lib.sql import Row
from pizza.contracts.events import OrderStatusChanged
from pizza.logs import get_logger

log = get_logger(__name__)


@dataclass(frozen=True, slots=True)
class LoyaltyDiscount:
    points: int  # points actually spent (may be fewer than asked: capped by the subtotal share)
    discount_cents: int


def points_earned(food_cents: int, settings: LoyaltySettings) -> int:
    """Whole currency units of food spend times the earn rate (fees earn nothing)."""
    return max(0, food_cents) // 100 * settings.points_per_unit


def quote_discount(balance: int, points: int, subtotal_cents: int, settings: LoyaltySettings) -> LoyaltyDiscount:
    """What ``points`` buy on a subtotal: at most the balance asked for, at most the allowed share."""
    if points < 0:
        raise UnprocessableError("points to redeem cannot be negative")
    if points > balance:
        raise UnprocessableError(
            f"you have {balance} points, not {points}", title="Not enough points", extra={"balance": balance}
        )
    cap_cents = int(subtotal_cents * settings.max_redeem_share)
    usable = min(points, cap_cents // settings.point_value_cents)
    return LoyaltyDiscount(points=usable, discount_cents=usable * settings.point_value_cents)


async def loyalty_discount(
    conn: psycopg.AsyncConnection[Any],
    user_id: uuid.UUID,
    points: int,
    *,
    subtotal_cents: int,
    order_id: uuid.UUID,
    settings: LoyaltySettings | None = None,
) -> LoyaltyDiscount:
    """Redeem points for an order being placed, inside the order's own shard transaction ``conn``.

    Locks the user's balance, spends what the subtotal allows and writes the ledger line keyed by the
    order; called again for the same order it returns the first redemption unchanged.
    """
    settings = settings or get_loyalty_settings()
    done = await repo.entry(conn, order_id, "redeem")
    if done is not None:
        spent = -int(done["points"])
        return LoyaltyDiscount(points=spent, discount_cents=spent * settings.point_value_cents)
    balance = await repo.lock_balance(conn, user_id)
    if balance is None:
        raise NotFoundError(f"there is no user {user_id} on this shard")
    discount = quote_discount(balance, points, subtotal_cents, settings)
    if discount.points > 0:
        await repo.post_entry(conn, user_id, order_id, "redeem", -discount.points)
    return discount


class LoyaltyService:
    def __init__(self, db: Databases, settings: LoyaltySettings | None = None) -> None:
        self.db = db
        self.settings = settings or get_loyalty_settings()

    async def award_points(self, event: OrderStatusChanged) -> LedgerEntry | None:
        """Credit a delivered order's points once (keyed by order id). None: nothing to credit."""
        if event.to_status != "DELIVERED":
            return None
        async with self.db.user_tx(event.user_id) as conn:
            if await repo.lock_balance(conn, event.user_id) is None:
                raise NotFoundError(f"there is no user {event.user_id}")
            if await repo.entry(conn, event.order_id, "earn") is not None:
                return None  # already credited: a replayed event
            order = await repo.order_spend(conn, event.order_id, event.user_id)
            if order is None:
                raise NotFoundError(f"there is no order {event.order_id} of user {event.user_id}")
            if order["status"] != "DELIVERED":
                return None  # refunded since; never credit an order that is not delivered
            points = points_earned(order["food_cents"], self.settings)
            if points == 0:
                return None
            row = await repo.post_entry(conn, event.user_id, event.order_id, "earn", points)
        log.info("loyalty points earned", user_id=str(event.user_id), order_id=str(event.order_id), points=points)
        return _entry(row)

    async def return_redeemed_points(self, event: OrderStatusChanged) -> LedgerEntry | None:
        """Give back the points an order spent when it is cancelled or refunded (once)."""
        if event.to_status not in ("CANCELLED", "REFUNDED"):
            return None
        async with self.db.user_tx(event.user_id) as conn:
            if await repo.lock_balance(conn, event.user_id) is None:
                raise NotFoundError(f"there is no user {event.user_id}")
            spent = await repo.entry(conn, event.order_id, "redeem")
            if spent is None or await repo.entry(conn, event.order_id, "redeem_reversal") is not None:
                return None
            row = await repo.post_entry(conn, event.user_id, event.order_id, "redeem_reversal", -int(spent["points"]))
        return _entry(row)

    async def account(self, user_id: uuid.UUID, cursor: str | None) -> LoyaltyAccount:
        before = decode_cursor(cursor, uuid.UUID) if cursor else None
        limit = self.settings.ledger_page
        async with self.db.pool_for_user(user_id).connection() as conn:
            balance = await repo.balance(conn, user_id)
            if balance is None:
                raise NotFoundError(f"there is no user {user_id}")
            rows = await repo.ledger_page(conn, user_id, before, limit + 1)
        entries = [_entry(r) for r in rows[:limit]]
        return LoyaltyAccount(
            user_id=user_id,
            balance=balance,
            point_value_cents=self.settings.point_value_cents,
            ledger=entries,
            next_cursor=encode_cursor(entries[-1].entry_id) if len(rows) > limit and entries else None,
        )


def _entry(row: Row) -> LedgerEntry:
    return LedgerEntry(
        entry_id=row["entry_id"],
        order_id=row["order_id"],
        kind=row["kind"],
        points=row["points"],
        balance_after=row["balance_after"],
        created_at=row["created_at"],
    )
