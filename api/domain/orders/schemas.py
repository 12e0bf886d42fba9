"""Wire types of carts and orders (msgspec): constraints here are what makes bad input a 400 problem."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

import msgspec
from msgspec import Meta, Struct

from api.domain.orders.refund_caps import HoldReason
from api.lib.errors import UnprocessableError
from api.lib.validation import NOT_BLANK, text
from pizza.contracts.events import OrderStatus

Name = Annotated[str, Meta(min_length=1, max_length=100, pattern=NOT_BLANK)]  # not blank, no NUL
CouponCode = Annotated[str, Meta(min_length=2, max_length=40, pattern=r"^[A-Za-z0-9_-]+$")]
Reason = Annotated[str, text(500)]  # visible and NUL-free: Postgres text cannot hold NUL
Cents = Annotated[int, Meta(ge=0)]


class CartItem(Struct, forbid_unknown_fields=True):
    """One line of a cart. Prices are never sent by the client: they come from the menu."""

    menu_item_id: Name
    quantity: Annotated[int, Meta(ge=1, le=50)] = 1
    size: Name | None = None
    toppings: Annotated[list[Name], Meta(max_length=20)] = msgspec.field(default_factory=list)


class DeliveryAddress(Struct, forbid_unknown_fields=True):
    line1: Annotated[str, Meta(min_length=1, max_length=200, pattern=NOT_BLANK)]
    city: Name
    lat: Annotated[float, Meta(ge=-90, le=90)]
    lon: Annotated[float, Meta(ge=-180, le=180)]
    postcode: Annotated[str, Meta(min_length=1, max_length=20)] | None = None
    country: Annotated[str, Meta(pattern=r"^[A-Z]{2}$")] | None = None
    notes: Reason | None = None


class Cart(Struct, forbid_unknown_fields=True):
    """What the customer wants: priced by ``POST /cart/quote``, ordered by ``POST /orders``.

    The delivery address is either a saved one (``address_id``) or given inline (``address``).
    """

    restaurant_id: uuid.UUID
    items: Annotated[list[CartItem], Meta(min_length=1, max_length=50)]
    address_id: uuid.UUID | None = None
    address: DeliveryAddress | None = None
    coupon_code: CouponCode | None = None

    def require_one_address(self) -> None:
        """A rule between two fields the schema cannot say, so a 422 (not a validation 400)."""
        if (self.address_id is None) == (self.address is None):
            raise UnprocessableError("give exactly one of `address_id` (a saved address) or `address`")


class PricedItem(Struct):
    line_no: int
    menu_item_id: str
    name: str
    size: str
    toppings: list[str]
    quantity: int
    unit_price_cents: int
    line_total_cents: int


class Quote(Struct):
    """The server's price of a cart: what ``POST /orders`` would charge right now."""

    restaurant_id: uuid.UUID
    currency: str
    items: list[PricedItem]
    subtotal_cents: int
    discount_cents: int
    delivery_fee_cents: int
    total_cents: int
    distance_km: float
    coupon_code: str | None = None


class StatusEntry(Struct):
    seq: int
    from_status: OrderStatus | None
    to_status: OrderStatus
    changed_at: datetime
    reason: str | None = None
    changed_by: str | None = None


class Order(Struct):
    order_id: uuid.UUID
    user_id: uuid.UUID
    restaurant_id: uuid.UUID
    status: OrderStatus
    currency: str
    subtotal_cents: int
    discount_cents: int
    delivery_fee_cents: int
    total_cents: int
    city: str
    delivery_address: DeliveryAddress
    items: list[PricedItem]
    history: list[StatusEntry]
    created_at: datetime
    updated_at: datetime
    coupon_code: str | None = None
    estimated_ready_at: datetime | None = None


class OrderSummary(Struct):
    """One row of an order list (a customer's history or a restaurant's queue)."""

    order_id: uuid.UUID
    user_id: uuid.UUID
    restaurant_id: uuid.UUID
    status: OrderStatus
    currency: str
    total_cents: int
    item_count: int
    created_at: datetime
    updated_at: datetime
    estimated_ready_at: datetime | None = None


class OrderPage(Struct):
    items: list[OrderSummary]
    next_cursor: str | None = None


class StatusChange(Struct, forbid_unknown_fields=True):
    """A move along the state machine by staff, a rider or an admin."""

    status: OrderStatus
    reason: Reason | None = None
    estimated_ready_minutes: Annotated[int, Meta(ge=1, le=240)] | None = None


class Cancellation(Struct, forbid_unknown_fields=True):
    reason: Reason | None = None


RefundRequestStatus = Literal["within_cap", "pending", "approved", "rejected"]


class RefundRequest(Struct):
    """A refund a staff member asked for: made at once within the caps, or waiting for an admin's decision.

    The audit trail of staff refunds: who asked and why (``requested_by``, ``request_reason``,
    ``created_at``), which cap held it (``hold_reason``), who decided, when and why (``decided_*``).
    """

    request_id: uuid.UUID
    order_id: uuid.UUID
    user_id: uuid.UUID
    restaurant_id: uuid.UUID
    amount_cents: int
    currency: str
    status: RefundRequestStatus
    requested_by: uuid.UUID
    created_at: datetime
    updated_at: datetime
    hold_reason: HoldReason | None = None
    request_reason: str | None = None
    decided_by: uuid.UUID | None = None
    decided_at: datetime | None = None
    decision_reason: str | None = None

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> RefundRequest:
        return cls(**{name: row[name] for name in cls.__struct_fields__})


class RefundApproval(Struct, forbid_unknown_fields=True):
    reason: Reason | None = None


class RefundRejection(Struct, forbid_unknown_fields=True):
    """Why the refund is refused: recorded with the request and shown to whoever reads it."""

    reason: Reason
