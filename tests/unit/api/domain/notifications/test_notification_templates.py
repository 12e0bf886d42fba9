from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from api.domain.notifications.templates import TEMPLATES, money, render, short, template_key
from pizza.contracts.events import (
    CouponReleased,
    DeliveryAssigned,
    Event,
    MenuUpdated,
    OrderCreated,
    OrderLine,
    OrderStatusChanged,
    PaymentFailed,
    PaymentRefunded,
    PaymentSucceeded,
    UserRegistered,
)

pytestmark = pytest.mark.unit

ORDER = uuid.UUID("0193f0c2-7a1b-7c3d-8e4f-123456789abc")
USER, RESTAURANT, PAYMENT = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
NOW = datetime(2026, 5, 1, 18, 30, tzinfo=UTC)
PAY = {"order_id": ORDER, "payment_id": PAYMENT, "user_id": USER, "amount_cents": 2450, "currency": "EUR"}


def status(to: str, **extra: object) -> OrderStatusChanged:
    return OrderStatusChanged(
        order_id=ORDER, user_id=USER, restaurant_id=RESTAURANT, from_status="PAID", to_status=to, changed_at=NOW,
        **extra,  # type: ignore[arg-type]
    )  # fmt: skip


SAMPLES: list[Event] = [
    UserRegistered(user_id=USER, role="customer", registered_at=NOW),
    OrderCreated(
        order_id=ORDER, user_id=USER, restaurant_id=RESTAURANT, city="Berlin", currency="EUR", subtotal_cents=2200,
        discount_cents=0, delivery_fee_cents=250, total_cents=2450, created_at=NOW,
        items=[OrderLine(menu_item_id="m", name="Margherita", size="large", quantity=2, unit_price_cents=1100)],
    ),
    PaymentSucceeded(**PAY, provider="simulated"),
    PaymentFailed(**PAY, provider="simulated", reason="card_declined"),
    PaymentRefunded(**PAY, provider="simulated"),
    DeliveryAssigned(order_id=ORDER, delivery_id=uuid.uuid4(), rider_id=uuid.uuid4(), user_id=USER, eta_minutes=17.6,
                     assigned_at=NOW),
    status("ACCEPTED", estimated_ready_at=NOW),
    status("PICKED_UP"),
    status("DELIVERED"),
    status("CANCELLED", reason="restaurant closed"),
    CouponReleased(code="WELCOME10", order_id=ORDER, user_id=USER, released_at=NOW, reason="order_cancelled"),
]  # fmt: skip


def test_every_template_has_a_sample_event() -> None:
    assert {template_key(e) for e in SAMPLES} == set(TEMPLATES)


@pytest.mark.parametrize("event", SAMPLES, ids=template_key)
@pytest.mark.parametrize("channel", ["email", "sms"])
def test_every_template_renders_for_its_event(event: Event, channel: str) -> None:
    message = render(event, channel, "Ada")  # type: ignore[arg-type]
    assert message is not None
    assert message.body.strip()
    assert (message.subject is None) == (channel == "sms")
    if channel == "sms":
        assert len(message.body) <= 160  # one SMS segment


def test_the_order_email_lists_items_and_total() -> None:
    message = render(SAMPLES[1], "email", "Ada")
    assert message is not None
    assert message.subject == "We received your order 0193F0C2"
    assert "Hi Ada," in message.body
    assert "2 x Margherita (large)" in message.body
    assert "Total: 24.50 EUR." in message.body


def test_status_templates_pick_the_new_status() -> None:
    accepted = render(status("ACCEPTED", estimated_ready_at=NOW), "email", "Ada")
    cancelled = render(status("CANCELLED", reason="restaurant closed"), "sms", "Ada")
    assert accepted is not None
    assert "ready at 18:30 UTC" in accepted.body
    assert cancelled is not None
    assert cancelled.body == "Order 0193F0C2 cancelled."


def test_a_released_coupon_says_why_it_came_back() -> None:
    refunded = CouponReleased(
        code="WELCOME10", order_id=ORDER, user_id=USER, released_at=NOW, reason="payment_refunded"
    )
    email, sms = render(refunded, "email", "Ada"), render(SAMPLES[-1], "sms", "Ada")
    assert email is not None
    assert email.subject == "Your coupon WELCOME10 can be used again"
    assert "order 0193F0C2 was refunded" in email.body
    assert sms is not None
    assert sms.body == "Coupon WELCOME10 is yours again (order 0193F0C2 cancelled)."


def test_events_without_a_template_announce_nothing() -> None:
    assert render(status("PAID"), "email", "Ada") is None
    assert render(MenuUpdated(restaurant_id=RESTAURANT, item_count=3, updated_at=NOW), "sms", "Ada") is None


def test_money_and_short_ids() -> None:
    assert money(123456, "EUR") == "1,234.56 EUR"
    assert money(5, "USD") == "0.05 USD"
    assert short(ORDER) == "0193F0C2"


@pytest.mark.parametrize("channel", ["email", "sms"])
def test_the_welcome_message_carries_no_text_the_new_user_chose(channel: str) -> None:
    spam = "Claim your prize at http://evil.example"
    rendered = render(UserRegistered(user_id=USER, role="customer", registered_at=NOW), channel, spam)  # type: ignore[arg-type]
    assert rendered is not None
    assert spam not in (rendered.subject or "") + rendered.body
