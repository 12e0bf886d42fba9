"""HTTP surface of carts and orders. Thin: parse, authorise by role, call ``OrderService``."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.di import Provide
from litestar.openapi import ResponseSpec
from litestar.params import Parameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED, HTTP_202_ACCEPTED

from api.domain.orders.deps import provide_order_service, provide_refund_decisions
from api.domain.orders.idempotency import KEY_HEADER, KEY_PATTERN
from api.domain.orders.schemas import (
    Cancellation,
    Cart,
    Order,
    OrderPage,
    Quote,
    RefundApproval,
    RefundRejection,
    RefundRequest,
    RefundRequestStatus,
    StatusChange,
)
from api.domain.orders.services import OrderService, RefundDecisions
from api.lib.auth import CurrentUser, require_roles
from pizza.contracts.events import OrderStatus

DEPENDENCIES = {"orders": Provide(provide_order_service, sync_to_thread=False)}
Limit = Annotated[int, Parameter(ge=1, le=100, description="page size")]
CursorParam = Annotated[
    str | None, Parameter(max_length=200, description="`next_cursor` of the previous page; omit for the first")
]
IdempotencyKey = Annotated[
    str,
    Parameter(
        header=KEY_HEADER,
        pattern=KEY_PATTERN,
        description="A client-chosen unique key (e.g. a UUID) per order: retries with the same key and body "
        "return the same order; the same key with another body is refused with 422.",
    ),
]
AuthedRequest = Request[CurrentUser, Any, Any]


class CartController(Controller):
    path = "/cart"
    tags = ["orders"]
    dependencies = DEPENDENCIES

    @post("/quote", operation_id="QuoteCart", status_code=HTTP_200_OK, summary="Price a cart on the server")
    async def quote(self, request: AuthedRequest, orders: OrderService, data: Cart) -> Quote:
        """Menu prices, sizes, toppings, availability, opening hours, delivery fee and coupon, as an order would."""
        data.require_one_address()
        return await orders.quote(request.user, data)


class OrderController(Controller):
    path = "/orders"
    tags = ["orders"]
    dependencies = DEPENDENCIES

    @post(
        "/",
        operation_id="CreateOrder",
        guards=[require_roles("customer")],
        summary="Place an order (idempotent with the Idempotency-Key header)",
        responses={200: ResponseSpec(data_container=Order, description="a retry: the order placed earlier")},
    )
    async def create_order(
        self, request: AuthedRequest, orders: OrderService, data: Cart, idempotency_key: IdempotencyKey
    ) -> Response[Order]:
        data.require_one_address()
        order, created = await orders.create(request.user, data, idempotency_key)
        return Response(order, status_code=HTTP_201_CREATED if created else HTTP_200_OK)

    @get("/", operation_id="ListOrders", summary="Your orders, newest first")
    async def list_orders(
        self, request: AuthedRequest, orders: OrderService, cursor: CursorParam = None, limit: Limit = 20
    ) -> OrderPage:
        return await orders.history(request.user, cursor, limit)

    @get("/{order_id:uuid}", operation_id="GetOrder", summary="One order with items and status history")
    async def get_order(self, request: AuthedRequest, orders: OrderService, order_id: uuid.UUID) -> Order:
        """Customers see their own orders, staff their restaurant's; anything else is 404."""
        return await orders.get(request.user, order_id)

    @post(
        "/{order_id:uuid}/cancel",
        operation_id="CancelOrder",
        status_code=HTTP_200_OK,
        summary="Cancel before the restaurant accepts (refunded if already paid)",
    )
    async def cancel_order(
        self, request: AuthedRequest, orders: OrderService, order_id: uuid.UUID, data: Cancellation | None = None
    ) -> Order:
        return await orders.cancel(request.user, order_id, data.reason if data else None)

    @post(
        "/{order_id:uuid}/status",
        operation_id="ChangeOrderStatus",
        status_code=HTTP_200_OK,
        guards=[require_roles("restaurant_staff", "rider")],
        summary="Move an order along its state machine (staff, riders; PAID by admins)",
        responses={
            202: ResponseSpec(
                data_container=RefundRequest,
                description="a staff refund above the refund caps: held, nothing refunded, until an admin approves",
            )
        },
    )
    async def change_status(
        self, request: AuthedRequest, orders: OrderService, order_id: uuid.UUID, data: StatusChange
    ) -> Response[Order]:
        """Illegal transitions are 409; a legal one by the wrong role is 403. A staff refund above the
        caps is 202 with the refund request an admin decides."""
        moved = await orders.move(
            request.user,
            order_id,
            data.status,
            reason=data.reason,
            estimated_ready_minutes=data.estimated_ready_minutes,
        )
        if isinstance(moved, RefundRequest):
            return Response(moved, status_code=HTTP_202_ACCEPTED)  # type: ignore[arg-type]
        return Response(moved)


class RestaurantOrderController(Controller):
    path = "/restaurants/{restaurant_id:uuid}/orders"
    tags = ["orders"]
    dependencies = DEPENDENCIES
    guards = [require_roles("restaurant_staff")]

    @get("/", operation_id="ListRestaurantOrders", summary="A restaurant's incoming orders (its staff only)")
    async def list_restaurant_orders(
        self,
        request: AuthedRequest,
        orders: OrderService,
        restaurant_id: uuid.UUID,
        status: Annotated[list[OrderStatus] | None, Parameter(description="repeat to ask for several")] = None,
        cursor: CursorParam = None,
        limit: Limit = 20,
    ) -> OrderPage:
        return await orders.restaurant_queue(request.user, restaurant_id, status, cursor, limit)


class RefundRequestAdminController(Controller):
    """Staff refunds held above the caps, for an admin to approve (the ordinary refund) or reject."""

    path = "/admin/refund-requests"
    tags = ["orders", "payments", "admin"]
    guards = [require_roles("admin")]
    dependencies = {"refunds": Provide(provide_refund_decisions, sync_to_thread=False)}

    @get("/", operation_id="ListRefundRequests", summary="Staff refund requests: pending oldest first, others newest")
    async def list_refund_requests(
        self,
        refunds: RefundDecisions,
        status: Annotated[RefundRequestStatus, Parameter(description="which requests")] = "pending",
        limit: Annotated[int, Parameter(ge=1, le=500, description="at most this many")] = 100,
    ) -> list[RefundRequest]:
        return await refunds.list(status, limit)

    @get("/{request_id:uuid}", operation_id="GetRefundRequest", summary="One staff refund request with its audit")
    async def get_refund_request(self, refunds: RefundDecisions, request_id: uuid.UUID) -> RefundRequest:
        return await refunds.get(request_id)

    @post(
        "/{request_id:uuid}/approve",
        operation_id="ApproveRefundRequest",
        status_code=HTTP_200_OK,
        summary="Refund the order as the staff member asked (once; 409 if already decided or the order moved on)",
    )
    async def approve(
        self,
        request: AuthedRequest,
        refunds: RefundDecisions,
        request_id: uuid.UUID,
        data: RefundApproval,
    ) -> RefundRequest:
        """The body is required (``{}`` without a reason), so the schema says exactly what is accepted."""
        return await refunds.approve(request.user, request_id, data.reason)

    @post(
        "/{request_id:uuid}/reject",
        operation_id="RejectRefundRequest",
        status_code=HTTP_200_OK,
        summary="Refuse the refund, with the reason; nothing is refunded",
    )
    async def reject(
        self, request: AuthedRequest, refunds: RefundDecisions, request_id: uuid.UUID, data: RefundRejection
    ) -> RefundRequest:
        return await refunds.reject(request.user, request_id, data.reason)
