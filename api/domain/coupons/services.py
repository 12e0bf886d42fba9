"""Coupon logic: admins manage coupons; the ordering domain prices with them and redeems them.

Quotes only *read* a coupon (``discount``). An order *redeems* it (``redeem``): the catalog row is
locked, every rule including the usage limit is checked again, and the use is counted with a
redemption row, all in one catalog transaction, so two orders can never both take the last use.
The order itself commits on a shard afterwards; if that fails the caller hands the use back
(``release``). See docs/orders.md for the crash window this leaves and how it is repaired.

An order cancelled or refunded later gets its use back through ``give_back`` (the saga worker's
``coupons`` consumer), which announces ``CouponReleased`` from the catalog outbox.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from api.db import Databases
from api.domain.coupons import schemas
from api.domain.coupons.repositories import CouponRepository
from api.domain.coupons.rules import Coupon, CouponContext, CouponRejected, discount_cents, normalize_code
from api.lib.errors import ConflictError, NotFoundError, UnprocessableError
from api.lib.outbox import write_outbox
from pizza.contracts.events import CouponReleased, CouponReleaseReason
from pizza.logs import get_logger

log = get_logger(__name__)


def to_rule(row: dict[str, Any]) -> Coupon:
    return Coupon(
        code=row["code"],
        kind=row["kind"],
        value=int(row["value"]),
        currency=row["currency"],
        city=row["city"],
        first_order_only=row["first_order_only"],
        min_subtotal_cents=int(row["min_subtotal_cents"]),
        max_uses=row["max_uses"],
        uses=int(row["uses"]),
        valid_from=row["valid_from"],
        valid_until=row["valid_until"],
    )


def to_schema(row: dict[str, Any]) -> schemas.Coupon:
    return schemas.Coupon(**{field: row[field] for field in schemas.Coupon.__struct_fields__})


def _rejected(code: str, exc: CouponRejected) -> UnprocessableError:
    return UnprocessableError(str(exc), title="Coupon not applicable", extra={"coupon_code": code})


class CouponService:
    def __init__(self, db: Databases, clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.db, self.clock = db, clock

    # --- used by the ordering domain ------------------------------------------------------------------
    async def discount(self, code: str, ctx: CouponContext) -> tuple[str, int]:
        """(normalised code, discount in minor units) for a quote; raises a 422 problem if it does not apply."""
        code = normalize_code(code)
        async with self.db.catalog.connection() as conn:
            row = await CouponRepository(conn).get(code)
        if row is None:
            raise UnprocessableError(f"there is no coupon {code}", title="Unknown coupon", extra={"coupon_code": code})
        try:
            return code, discount_cents(to_rule(row), ctx)
        except CouponRejected as exc:
            raise _rejected(code, exc) from exc

    async def redeem(self, code: str, order_id: uuid.UUID, user_id: uuid.UUID, ctx: CouponContext) -> tuple[str, int]:
        """Check and count one use atomically in the catalog (committed when this returns)."""
        code = normalize_code(code)
        async with self.db.catalog_tx() as conn:
            repo = CouponRepository(conn)
            row = await repo.get(code, for_update=True)
            if row is None:
                raise UnprocessableError(f"there is no coupon {code}", title="Unknown coupon")
            try:
                amount = discount_cents(to_rule(row), ctx)
            except CouponRejected as exc:
                raise _rejected(code, exc) from exc
            await repo.record_use(code, order_id, user_id)
        return code, amount

    async def release(self, code: str, order_id: uuid.UUID) -> None:
        """Give back the use taken for an order that did not commit. Never raises: it runs while unwinding."""
        try:
            async with self.db.catalog_tx() as conn:
                released = await CouponRepository(conn).release_use(normalize_code(code), order_id)
            log.info("coupon use released", code=code, order_id=str(order_id), released=released is not None)
        except Exception:  # the original error matters more; the ledger lets a job repair this
            log.exception("coupon use could not be released", code=code, order_id=str(order_id))

    async def give_back(self, code: str, order_id: uuid.UUID, reason: CouponReleaseReason) -> bool:
        """Give back the use a cancelled or refunded order took; False when it holds none (any more).

        Once per order however often it is asked: the redemption row is deleted, the count decremented and
        ``CouponReleased`` written to the catalog outbox in one catalog transaction, so a second call finds
        no row and announces nothing. Unlike ``release`` it raises, so the consumer calling it retries.
        """
        code = normalize_code(code)
        async with self.db.catalog_tx() as conn:
            redemption = await CouponRepository(conn).release_use(code, order_id)
            if redemption is None:
                return False
            released = CouponReleased(
                code=code, order_id=order_id, user_id=redemption["user_id"], released_at=self.clock(), reason=reason
            )
            await write_outbox(conn, released)
        log.info("coupon use given back", code=code, order_id=str(order_id), reason=reason)
        return True

    # --- administration ----------------------------------------------------------------------------------
    async def create(self, data: schemas.CouponCreate) -> schemas.Coupon:
        values = {field: getattr(data, field) for field in data.__struct_fields__}
        values["code"] = normalize_code(data.code)
        values["city"] = data.city.strip() if data.city else None
        async with self.db.catalog_tx() as conn:
            row = await CouponRepository(conn).create(values)
        if row is None:
            raise ConflictError(f"coupon {values['code']} already exists")
        return to_schema(row)

    async def get(self, code: str) -> schemas.Coupon:
        async with self.db.catalog.connection() as conn:
            row = await CouponRepository(conn).get(normalize_code(code))
        if row is None:
            raise NotFoundError(f"there is no coupon {normalize_code(code)}")
        return to_schema(row)

    async def page(self, after: str | None, limit: int) -> schemas.CouponPage:
        async with self.db.catalog.connection() as conn:
            rows = await CouponRepository(conn).page(after, limit + 1)
        items = [to_schema(r) for r in rows[:limit]]
        return schemas.CouponPage(items=items, next_cursor=items[-1].code if len(rows) > limit else None)
