"""Wire types of coupons (msgspec)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from msgspec import Meta, Struct

from api.lib.validation import NOT_BLANK

CouponCode = Annotated[str, Meta(min_length=2, max_length=40, pattern=r"^[A-Za-z0-9_-]+$")]
AwareDatetime = Annotated[datetime, Meta(tz=True)]


class CouponCreate(Struct, forbid_unknown_fields=True):
    """A new coupon. ``value`` is a percentage (1-100) for ``percentage``, minor units for ``fixed``."""

    code: CouponCode
    kind: Literal["percentage", "fixed"]
    value: Annotated[int, Meta(ge=1, le=100_000_00)]
    currency: Annotated[str, Meta(pattern=r"^[A-Z]{3}$")] | None = None
    city: Annotated[str, Meta(min_length=1, max_length=100, pattern=NOT_BLANK)] | None = None
    first_order_only: bool = False
    min_subtotal_cents: Annotated[int, Meta(ge=0, le=100_000_00)] = 0
    max_uses: Annotated[int, Meta(ge=1)] | None = None
    valid_from: AwareDatetime | None = None
    valid_until: AwareDatetime | None = None

    def rule_broken(self) -> str | None:
        """A rule across fields, which the schema cannot say (hence a 422, not a 400), or ``None``."""
        if self.kind == "percentage" and self.value > 100:
            return "a percentage coupon takes 1-100 percent off"
        if self.kind == "fixed" and self.currency is None:
            return "a fixed-amount coupon needs its `currency`"
        if self.valid_from and self.valid_until and self.valid_until <= self.valid_from:
            return "`valid_until` must be after `valid_from`"
        return None


class Coupon(Struct):
    code: str
    kind: Literal["percentage", "fixed"]
    value: int
    first_order_only: bool
    min_subtotal_cents: int
    uses: int
    valid_from: datetime
    created_at: datetime
    currency: str | None = None
    city: str | None = None
    max_uses: int | None = None
    valid_until: datetime | None = None


class CouponPage(Struct):
    items: list[Coupon]
    next_cursor: str | None = None
