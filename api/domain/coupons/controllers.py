"""``/coupons``: administrators create and inspect coupons; customers apply them in carts and orders."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, get, post
from litestar.di import Provide
from litestar.params import Parameter

from api.domain.coupons.deps import provide_coupon_service
from api.domain.coupons.schemas import Coupon, CouponCode, CouponCreate, CouponPage
from api.domain.coupons.services import CouponService
from api.lib.auth import require_roles
from api.lib.errors import UnprocessableError


class CouponController(Controller):
    path = "/coupons"
    tags = ["coupons"]
    guards = [require_roles("admin")]
    dependencies = {"coupons": Provide(provide_coupon_service, sync_to_thread=False)}

    @post("/", operation_id="CreateCoupon", summary="Create a coupon (admin)")
    async def create_coupon(self, coupons: CouponService, data: CouponCreate) -> Coupon:
        if broken := data.rule_broken():
            raise UnprocessableError(broken, title="Invalid coupon")
        return await coupons.create(data)

    @get("/", operation_id="ListCoupons", summary="List coupons by code (admin)")
    async def list_coupons(
        self,
        coupons: CouponService,
        limit: Annotated[int, Parameter(ge=1, le=100)] = 50,
        cursor: Annotated[CouponCode | None, Parameter(description="`next_cursor` of the previous page")] = None,
    ) -> CouponPage:
        return await coupons.page(cursor, limit)

    @get("/{code:str}", operation_id="GetCoupon", summary="One coupon with its current use count (admin)")
    async def get_coupon(self, coupons: CouponService, code: Annotated[str, Parameter(max_length=40)]) -> Coupon:
        return await coupons.get(code)
