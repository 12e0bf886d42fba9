"""The ``coupons`` purpose's decisions: which order events give a coupon use back, and what it then calls."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, cast

import pytest
from support.events import envelope_of

from api.db import Databases
from api.domain.coupons import CouponService
from pizza.contracts.events import (
    CouponReleaseReason,
    Event,
    OrderStatusChanged,
    PaymentFailed,
    PaymentRefunded,
    PaymentSucceeded,
)
from workers.saga import purposes
from workers.saga.purposes import coupons_handler, release_reason

pytestmark = [pytest.mark.unit, pytest.mark.anyio]

ORDER, USER, RESTAURANT, PAYMENT = uuid.uuid4(), uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
NOW = datetime(2026, 5, 1, 18, 30, tzinfo=UTC)
PAY: dict[str, Any] = {"order_id": ORDER, "payment_id": PAYMENT, "user_id": USER, "amount_cents": 2450,
                       "currency": "EUR", "provider": "simulated"}  # fmt: skip


def status(to: str, from_status: str = "PENDING") -> OrderStatusChanged:
    return OrderStatusChanged(
        order_id=ORDER, user_id=USER, restaurant_id=RESTAURANT, from_status=from_status, to_status=to,  # type: ignore[arg-type]
        changed_at=NOW,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("event", "reason"),
    [
        (status("CANCELLED"), "order_cancelled"),
        (PaymentRefunded(**PAY), "payment_refunded"),
        (status("DELIVERED", "PICKED_UP"), None),
        (status("REFUNDED", "PAID"), None),  # its PaymentRefunded gives the use back
        (status("PAID"), None),
        (PaymentSucceeded(**PAY), None),
        (PaymentFailed(**PAY, reason="card_declined"), None),  # the order's CANCELLED that follows does
    ],
    ids=lambda v: v.event_type() if isinstance(v, Event) else str(v),
)
def test_only_a_cancellation_or_a_refund_gives_a_use_back(event: Event, reason: CouponReleaseReason | None) -> None:
    assert release_reason(event) == reason


@dataclass
class World:
    """The order's coupon, the coupons given back and the message log, held in memory."""

    coupon: str | None = "WELCOME10"
    given_back: list[tuple[str, uuid.UUID, str]] = field(default_factory=list)
    logged: set[uuid.UUID] = field(default_factory=set)
    lookups: int = 0

    async def coupon_of(self, db: Databases, order_id: uuid.UUID, user_id: uuid.UUID) -> str | None:
        self.lookups += 1
        return self.coupon

    async def give_back(self, code: str, order_id: uuid.UUID, reason: str) -> bool:
        first = all(o != order_id for _, o, _ in self.given_back)
        self.given_back.append((code, order_id, reason))
        return first

    @asynccontextmanager
    async def once(self, db: Databases, user_id: uuid.UUID, consumer: str, event_id: uuid.UUID) -> AsyncIterator[bool]:
        new = event_id not in self.logged
        self.logged.add(event_id)
        yield new


@pytest.fixture
def world(monkeypatch: pytest.MonkeyPatch) -> World:
    w = World()
    monkeypatch.setattr(purposes, "once", w.once)
    return w


def handler(world: World) -> purposes.Handler:
    return coupons_handler(cast(Databases, None), cast(CouponService, world), coupon_of=world.coupon_of)


async def handle(world: World, event: Event, envelope: Any = None) -> str:
    envelope = envelope or envelope_of(event)
    return cast(str, await handler(world)(envelope, event))


async def test_a_cancelled_order_with_a_coupon_gives_its_use_back_once(world: World) -> None:
    cancelled = status("CANCELLED")
    envelope = envelope_of(cancelled)
    assert await handle(world, cancelled, envelope) == "released"
    assert await handle(world, cancelled, envelope) == "duplicate"  # the same message again
    assert await handle(world, PaymentRefunded(**PAY)) == "already_released"  # another event, same order
    assert world.given_back == [("WELCOME10", ORDER, "order_cancelled"), ("WELCOME10", ORDER, "payment_refunded")]


async def test_an_order_without_a_coupon_gives_nothing_back(world: World) -> None:
    world.coupon = None
    assert await handle(world, status("CANCELLED")) == "no_coupon"
    assert world.given_back == []
    assert world.logged == set()


async def test_other_events_are_ignored_without_reading_the_order(world: World) -> None:
    for event in (status("DELIVERED", "PICKED_UP"), status("REFUNDED", "PAID"), PaymentSucceeded(**PAY)):
        assert await handle(world, event) == "ignored"
    assert (world.lookups, world.given_back, world.logged) == (0, [], set())
