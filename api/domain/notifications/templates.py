"""Message templates per event (and per new status for ``OrderStatusChanged``), one text per channel.

Jinja2 with ``StrictUndefined``: a template naming a field the event lacks fails in the tests, not in
a customer's inbox. An event with no template here (``MenuUpdated``, an order becoming ``PAID``, which
``PaymentSucceeded`` already announces) sends nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from jinja2 import Environment, StrictUndefined, Template

from api.domain.notifications.providers import Channel
from pizza.contracts.events import Event, OrderStatusChanged


@dataclass(frozen=True, slots=True)
class MessageTemplate:
    subject: str
    email: str
    sms: str


TEMPLATES: dict[str, MessageTemplate] = {
    "UserRegistered": MessageTemplate(
        "Welcome to Pizza Platform",
        # No text the new user chose: anyone can sign up with any address, so a name here would let a
        # stranger put a message of their choosing into a mail we send to someone else.
        "Hello,\n\nwelcome! Your account is ready; your first pizza is a few taps away.\n\n"
        "If you did not create this account, ignore this mail: nothing is charged without you.",
        "Welcome to Pizza Platform! Your account is ready.",
    ),
    "OrderCreated": MessageTemplate(
        "We received your order {{ short(order_id) }}",
        "Hi {{ name }},\n\nthanks for your order {{ short(order_id) }}:\n"
        "{% for item in items %}  {{ item.quantity }} x {{ item.name }}"
        "{% if item.size %} ({{ item.size }}){% endif %}\n"
        "{% endfor %}Total: {{ money(total_cents, currency) }}.\nWe will let you know when the kitchen accepts it.",
        "Order {{ short(order_id) }} received: {{ money(total_cents, currency) }}.",
    ),
    "PaymentSucceeded": MessageTemplate(
        "Payment received for order {{ short(order_id) }}",
        "Hi {{ name }},\n\nwe received your payment of {{ money(amount_cents, currency) }} "
        "for order {{ short(order_id) }}. The restaurant has your order now.",
        "Paid {{ money(amount_cents, currency) }} for order {{ short(order_id) }}.",
    ),
    "PaymentFailed": MessageTemplate(
        "Payment failed for order {{ short(order_id) }}",
        "Hi {{ name }},\n\nyour payment of {{ money(amount_cents, currency) }} for order {{ short(order_id) }} "
        "did not go through, so the order was cancelled. Nothing was charged.",
        "Payment for order {{ short(order_id) }} failed; the order was cancelled.",
    ),
    "PaymentRefunded": MessageTemplate(
        "Refund for order {{ short(order_id) }}",
        "Hi {{ name }},\n\nwe refunded {{ money(amount_cents, currency) }} for order {{ short(order_id) }}. "
        "Your bank may take a few days to show it.",
        "Refunded {{ money(amount_cents, currency) }} for order {{ short(order_id) }}.",
    ),
    "DeliveryAssigned": MessageTemplate(
        "A rider is on the way to the restaurant",
        "Hi {{ name }},\n\na rider will pick up order {{ short(order_id) }}; "
        "about {{ eta_minutes | round | int }} minutes to your door.",
        "Rider assigned to order {{ short(order_id) }}, ETA ~{{ eta_minutes | round | int }} min.",
    ),
    "OrderStatusChanged:ACCEPTED": MessageTemplate(
        "Order {{ short(order_id) }} accepted",
        "Hi {{ name }},\n\nthe restaurant accepted order {{ short(order_id) }}"
        "{% if estimated_ready_at %}; it should be ready at {{ estimated_ready_at.strftime('%H:%M') }} UTC{% endif %}.",
        "Order {{ short(order_id) }} accepted by the restaurant.",
    ),
    "OrderStatusChanged:PICKED_UP": MessageTemplate(
        "Order {{ short(order_id) }} is on its way",
        "Hi {{ name }},\n\nyour order {{ short(order_id) }} is on its way!",
        "Your pizza is on its way (order {{ short(order_id) }}).",
    ),
    "OrderStatusChanged:DELIVERED": MessageTemplate(
        "Order {{ short(order_id) }} delivered",
        "Hi {{ name }},\n\norder {{ short(order_id) }} was delivered. Enjoy your meal!",
        "Order {{ short(order_id) }} delivered. Enjoy!",
    ),
    "OrderStatusChanged:CANCELLED": MessageTemplate(
        "Order {{ short(order_id) }} cancelled",
        "Hi {{ name }},\n\norder {{ short(order_id) }} was cancelled{% if reason %} ({{ reason }}){% endif %}.",
        "Order {{ short(order_id) }} cancelled.",
    ),
    "CouponReleased": MessageTemplate(
        "Your coupon {{ code }} can be used again",
        "Hi {{ name }},\n\norder {{ short(order_id) }} was "
        "{% if reason == 'payment_refunded' %}refunded{% else %}cancelled{% endif %}, "
        "so we gave your coupon {{ code }} back: you can use it on your next order.",
        "Coupon {{ code }} is yours again (order {{ short(order_id) }} "
        "{% if reason == 'payment_refunded' %}refunded{% else %}cancelled{% endif %}).",
    ),
}


def money(cents: int, currency: str) -> str:
    return f"{cents / 100:,.2f} {currency}"


def short(value: Any) -> str:
    """The first block of an id: enough for a human to match an order, never ambiguous within a user."""
    return str(value).split("-")[0].upper()


_ENV = Environment(undefined=StrictUndefined, autoescape=False, keep_trailing_newline=False)  # noqa: S701 - plain text
_ENV.globals.update(money=money, short=short)
_COMPILED: dict[tuple[str, str], Template] = {}


def template_key(event: Event) -> str:
    if isinstance(event, OrderStatusChanged):
        return f"{event.event_type()}:{event.to_status}"
    return event.event_type()


def _compiled(key: str, part: str) -> Template:
    if (key, part) not in _COMPILED:
        _COMPILED[key, part] = _ENV.from_string(getattr(TEMPLATES[key], part))
    return _COMPILED[key, part]


@dataclass(frozen=True, slots=True)
class Rendered:
    subject: str | None
    body: str


def render(event: Event, channel: Channel, name: str) -> Rendered | None:
    """The message for one channel, or None when this event is not announced."""
    key = template_key(event)
    if key not in TEMPLATES:
        return None
    context = {**dict(event), "name": name}
    if channel == "sms":
        return Rendered(None, _compiled(key, "sms").render(context))
    return Rendered(_compiled(key, "subject").render(context), _compiled(key, "email").render(context))
