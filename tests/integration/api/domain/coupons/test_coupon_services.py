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


def test_a_personal_coupon_is_issued_once_per_reference_for_its_owner_only(stack: PlatformSettings) -> None:
    async def scenario(coupons: CouponService) -> None:
        owner, stranger, reference = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
        code = await coupons.issue_personal(owner, 500, "EUR", "missing drink", reference)
        assert await coupons.issue_personal(owner, 500, "EUR", "missing drink", str(reference)) == code
        assert await coupons.issue_personal(owner, 500, "EUR", "another ticket", uuid.uuid4()) != code
        coupon = await coupons.get(code)
        assert (coupon.kind, coupon.value, coupon.currency, coupon.max_uses, coupon.owner_user_id) == (
            "fixed", 500, "EUR", 1, owner
        )  # fmt: skip

        with pytest.raises(UnprocessableError, match="another customer"):
            await coupons.redeem(code, uuid.uuid4(), stranger, ctx())
        assert await coupons.redeem(code, uuid.uuid4(), owner, ctx()) == (code, 500)
        with pytest.raises(UnprocessableError, match="used up"):
            await coupons.redeem(code, uuid.uuid4(), owner, ctx())

    run(stack, scenario)


def test_a_customer_limit_holds_under_concurrency_and_counts_no_use_given_back(stack: PlatformSettings) -> None:
    async def scenario(coupons: CouponService) -> None:
        code = (await coupons.create(CouponCreate(code=f"C{uuid.uuid4().hex[:8]}", kind="percentage", value=10,
                                                  max_uses=100, max_uses_per_customer=2))).code  # fmt: skip
        customer, other = uuid.uuid4(), uuid.uuid4()
        orders = [uuid.uuid4() for _ in range(8)]

        async def attempt(order_id: uuid.UUID) -> bool:
            try:
                await coupons.redeem(code, order_id, customer, ctx())
                return True
            except UnprocessableError:
                return False

        results = await asyncio.gather(*(attempt(o) for o in orders))
        assert results.count(True) == 2
        assert await coupons.redeem(code, uuid.uuid4(), other, ctx()) == (code, 200)  # the limit is per customer
        taken = [o for o, ok in zip(orders, results, strict=True) if ok]
        assert await coupons.give_back(code, taken[0], "order_cancelled")
        assert await attempt(uuid.uuid4())  # the use given back no longer counts
        assert not await attempt(uuid.uuid4())
        assert (await coupons.get(code)).uses == 3

    run(stack, scenario)
