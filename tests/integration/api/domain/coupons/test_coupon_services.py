"""CouponService against the real catalog: atomic redemption and the exactly-once hand-back."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

import pytest

from api.db import Databases
from api.domain.coupons import CouponContext, CouponService
from api.domain.coupons.schemas import CouponCreate
from api.lib.errors import UnprocessableError
from pizza.config import PlatformSettings

pytestmark = pytest.mark.integration


def ctx() -> CouponContext:
    return CouponContext(
        subtotal_cents=2000, currency="EUR", city="Berlin", now=datetime.now(UTC), is_first_order=False
    )


async def with_service(stack: PlatformSettings, test: Callable[[CouponService], Awaitable[None]]) -> None:
    db = Databases(stack, min_size=1, max_size=4)
    await db.open()
    try:
        await test(CouponService(db))
    finally:
        await db.close()


def run(stack: PlatformSettings, test: Callable[[CouponService], Awaitable[None]]) -> None:
    asyncio.run(with_service(stack, test))


def test_a_released_use_is_handed_back_exactly_once(stack: PlatformSettings) -> None:
    async def scenario(coupons: CouponService) -> None:
        code = (await coupons.create(CouponCreate(code=f"R{uuid.uuid4().hex[:8]}", kind="percentage", value=10,
                                                  max_uses=1))).code  # fmt: skip
        order_id, user_id = uuid.uuid4(), uuid.uuid4()
        assert await coupons.redeem(code, order_id, user_id, ctx()) == (code, 200)
        with pytest.raises(UnprocessableError, match="used up"):
            await coupons.redeem(code, uuid.uuid4(), user_id, ctx())
        await coupons.release(code, order_id)
        await coupons.release(code, order_id)  # a second hand-back changes nothing
        assert (await coupons.get(code)).uses == 0
        assert await coupons.redeem(code, uuid.uuid4(), user_id, ctx()) == (code, 200)
        assert (await coupons.get(code)).uses == 1

    run(stack, scenario)


def test_concurrent_redemptions_never_exceed_the_limit(stack: PlatformSettings) -> None:
    async def scenario(coupons: CouponService) -> None:
        code = (await coupons.create(CouponCreate(code=f"L{uuid.uuid4().hex[:8]}", kind="fixed", value=100,
                                                  currency="EUR", max_uses=5))).code  # fmt: skip

        async def attempt() -> bool:
            try:
                await coupons.redeem(code, uuid.uuid4(), uuid.uuid4(), ctx())
                return True
            except UnprocessableError:
                return False

        results = await asyncio.gather(*(attempt() for _ in range(20)))
        assert results.count(True) == 5
        assert (await coupons.get(code)).uses == 5

    run(stack, scenario)
