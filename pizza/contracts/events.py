"""Domain events (v1): what the outbox holds and what services consume from ``events.<aggregate>``.

The API writes an ``OutboxEvent`` row in the same transaction as the state change it describes; the
CDC relay turns the committed row into a Kafka message on ``events.<aggregate_type>`` keyed by
``aggregate_id``, so every event of one order is in one partition, in commit order.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from pizza.ids import new_id

OrderStatus = Literal[
    "PENDING", "PAID", "ACCEPTED", "PREPARING", "READY", "PICKED_UP", "DELIVERED", "CANCELLED", "REFUNDED"
]
CouponReleaseReason = Literal["order_cancelled", "payment_refunded"]


class Event(BaseModel):
    """Base of every payload. Subclasses set the aggregate and the version they speak."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    aggregate_type: ClassVar[str]
    schema_version: ClassVar[int] = 1

    @classmethod
    def event_type(cls) -> str:
        return cls.__name__

    def aggregate_id(self) -> str:
        raise NotImplementedError


class OrderEvent(Event):
    aggregate_type: ClassVar[str] = "order"
    order_id: uuid.UUID

    def aggregate_id(self) -> str:
        return str(self.order_id)


class OrderLine(BaseModel):
    model_config = ConfigDict(frozen=True)
    menu_item_id: str
    name: str
    size: str | None = None
    quantity: int
    unit_price_cents: int


class OrderCreated(OrderEvent):
    user_id: uuid.UUID
    restaurant_id: uuid.UUID
    city: str
    currency: str
    subtotal_cents: int
    discount_cents: int
    delivery_fee_cents: int
    total_cents: int
    coupon_code: str | None = None
    delivery_lat: float | None = None
    delivery_lon: float | None = None
    items: list[OrderLine]
    created_at: datetime


class OrderStatusChanged(OrderEvent):
    user_id: uuid.UUID
    restaurant_id: uuid.UUID
    from_status: OrderStatus | None
    to_status: OrderStatus
    reason: str | None = None
    estimated_ready_at: datetime | None = None
    changed_at: datetime


class PaymentSucceeded(OrderEvent):
    payment_id: uuid.UUID
    user_id: uuid.UUID
    amount_cents: int
    currency: str
    provider: str
    provider_ref: str | None = None


class PaymentFailed(OrderEvent):
    payment_id: uuid.UUID
    user_id: uuid.UUID
    amount_cents: int
    currency: str
    provider: str
    reason: str


class PaymentRefunded(OrderEvent):
    payment_id: uuid.UUID
    user_id: uuid.UUID
    amount_cents: int
    currency: str
    provider: str


class DeliveryAssigned(OrderEvent):
    delivery_id: uuid.UUID
    rider_id: uuid.UUID
    user_id: uuid.UUID
    eta_minutes: float
    assigned_at: datetime


class UserEvent(Event):
    aggregate_type: ClassVar[str] = "user"
    user_id: uuid.UUID

    def aggregate_id(self) -> str:
        return str(self.user_id)


class UserRegistered(UserEvent):
    role: str
    city: str | None = None
    registered_at: datetime


class RestaurantEvent(Event):
    aggregate_type: ClassVar[str] = "restaurant"
    restaurant_id: uuid.UUID

    def aggregate_id(self) -> str:
        return str(self.restaurant_id)


class MenuUpdated(RestaurantEvent):
    item_count: int
    updated_at: datetime


class CouponEvent(Event):
    """Keyed by the code: every use of one coupon is in one partition, in commit order."""

    aggregate_type: ClassVar[str] = "coupon"
    code: str

    def aggregate_id(self) -> str:
        return self.code


class CouponReleased(CouponEvent):
    """The use an order took was given back (the order was cancelled or refunded): the coupon works again."""

    order_id: uuid.UUID
    user_id: uuid.UUID
    released_at: datetime
    reason: CouponReleaseReason


EVENT_TYPES: dict[str, type[Event]] = {
    cls.event_type(): cls
    for cls in (
        OrderCreated,
        OrderStatusChanged,
        PaymentSucceeded,
        PaymentFailed,
        PaymentRefunded,
        DeliveryAssigned,
        UserRegistered,
        MenuUpdated,
        CouponReleased,
    )
}


class OutboxEvent(BaseModel):
    """One outbox row; ``of()`` is the single factory every writer uses."""

    event_id: uuid.UUID = Field(default_factory=new_id)
    aggregate_type: str
    aggregate_id: str
    event_type: str
    schema_version: int
    payload: dict[str, Any]
    headers: dict[str, str] = Field(default_factory=dict)

    @classmethod
    def of(cls, event: Event, **headers: str) -> OutboxEvent:
        return cls(
            aggregate_type=event.aggregate_type,
            aggregate_id=event.aggregate_id(),
            event_type=event.event_type(),
            schema_version=event.schema_version,
            payload=event.model_dump(mode="json"),
            headers=headers,
        )


class EventEnvelope(BaseModel):
    """The value of a message on ``events.<aggregate>`` (JSON). Headers repeat type and version."""

    event_id: uuid.UUID
    event_type: str
    schema_version: int
    aggregate_type: str
    aggregate_id: str
    occurred_at: datetime
    payload: dict[str, Any]
    headers: dict[str, str] = Field(default_factory=dict)
    source: dict[str, Any] = Field(default_factory=dict, description="shard, lsn, txid of the outbox row")

    def parse(self) -> Event:
        """The typed payload; raises KeyError for an unknown type, ValidationError for a bad payload."""
        cls = EVENT_TYPES[self.event_type]
        if self.schema_version != cls.schema_version:
            raise ValueError(f"{self.event_type} v{self.schema_version} not understood (speak v{cls.schema_version})")
        return cls.model_validate(self.payload)


def events_topic(aggregate_type: str) -> str:
    return f"events.{aggregate_type}"
