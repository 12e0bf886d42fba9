"""The world's orders: who orders what, where and when, and how each order's life goes on from there.

Customers are drawn by activity, restaurants mostly from their favourites, dishes by taste; moments
follow the local demand curve (lunch and dinner peaks, busy weekends). Each order then walks the state
machine (``PENDING -> PAID -> ... -> DELIVERED``) with realistic gaps, unless its payment fails
(``CANCELLED``) or it is refunded on the way (``REFUNDED``). Every rendering of the world (the demo's
API calls, raw CDC, curated tables) reads this one stream.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from pipelines.synthetic.world import Customer, Restaurant, World, hourly_demand

# (status, minutes after the previous step: low, high)
LIFECYCLE: tuple[tuple[str, float, float], ...] = (
    ("PAID", 0.3, 2.0),
    ("ACCEPTED", 1.0, 5.0),
    ("PREPARING", 1.0, 4.0),
    ("READY", 8.0, 22.0),
    ("PICKED_UP", 2.0, 9.0),
    ("DELIVERED", 8.0, 30.0),
)


@dataclass(frozen=True)
class Outcomes:
    """How often an order does not end DELIVERED."""

    payment_failure: float = 0.04  # the payment fails: the order ends CANCELLED, never paid
    refund: float = 0.02  # paid, then refunded before it leaves the kitchen


@dataclass(frozen=True)
class Line:
    menu_item_id: str
    name: str
    size: str
    toppings: tuple[str, ...]
    quantity: int
    unit_price_cents: int

    @property
    def line_total_cents(self) -> int:
        return self.unit_price_cents * self.quantity


@dataclass(frozen=True)
class Step:
    status: str
    at: datetime


@dataclass(frozen=True)
class SyntheticOrder:
    number: int  # position in the stream: a stable external id
    customer: Customer
    restaurant: Restaurant
    placed_at: datetime
    lines: tuple[Line, ...]
    steps: tuple[Step, ...]  # the status changes after PENDING, in order

    @property
    def paid(self) -> bool:
        return any(step.status == "PAID" for step in self.steps)

    @property
    def subtotal_cents(self) -> int:
        return sum(line.line_total_cents for line in self.lines)

    def steps_before(self, now: datetime) -> tuple[Step, ...]:
        """The steps that have happened by ``now`` (an order may still be on its way)."""
        return tuple(step for step in self.steps if step.at < now)


def choose_restaurant(customer: Customer, local: Sequence[Restaurant], rng: random.Random) -> Restaurant:
    favourites = [r for r in local if r.key in customer.favourites]
    if favourites and rng.random() < 0.75:
        return rng.choice(favourites)
    return rng.choice(list(local))


def _price(item: dict[str, object], size: str, toppings: Sequence[str]) -> int:
    sizes = {s["name"]: int(s["price_cents"]) for s in item["sizes"]}  # type: ignore[attr-defined]
    extras = {t["name"]: int(t["price_cents"]) for t in item["toppings"]}  # type: ignore[attr-defined]
    return sizes[size] + sum(extras[t] for t in toppings)


def choose_lines(customer: Customer, restaurant: Restaurant, rng: random.Random) -> tuple[Line, ...]:
    """One to three pizzas picked by taste (the same pizza again is one line), sometimes a side."""
    pizzas = [item for item in restaurant.menu if item["category"] == "pizza"]
    weights = [customer.tastes[str(item["tags"][0])] + 0.02 for item in pizzas]  # type: ignore[index]
    picked: dict[str, tuple[dict[str, object], str, list[str], int]] = {}
    for _ in range(rng.choices((1, 2, 3), weights=(0.5, 0.35, 0.15))[0]):
        item = rng.choices(pizzas, weights=weights)[0]
        key = str(item["id"])
        if key not in picked:
            picked[key] = (item, rng.choices(("S", "M", "L"), weights=(0.2, 0.5, 0.3))[0], [], 0)
        chosen, size, toppings, quantity = picked[key]
        if rng.random() < 0.2:
            toppings[:] = ["extra cheese"]
        picked[key] = (chosen, size, toppings, quantity + 1)
    if rng.random() < 0.35:
        side = rng.choice([item for item in restaurant.menu if item["category"] == "side"])
        picked[str(side["id"])] = (side, "regular", [], 1)
    return tuple(
        Line(key, str(item["name"]), size, tuple(toppings), quantity, _price(item, size, toppings))
        for key, (item, size, toppings, quantity) in picked.items()
    )


def sample_instant(timezone: str, days: int, rng: random.Random, now: datetime) -> datetime:
    """A moment in the last ``days`` days (at least an hour ago), drawn from the local demand curve."""
    tz = ZoneInfo(timezone)
    while True:
        moment = now - timedelta(seconds=rng.uniform(3600, days * 86400))
        local = moment.astimezone(tz)
        if rng.random() * 3.2 < hourly_demand(local.hour, local.weekday()):
            return moment.replace(microsecond=0)


def timeline(placed_at: datetime, rng: random.Random, outcomes: Outcomes = Outcomes()) -> tuple[Step, ...]:
    """The status changes after PENDING."""
    at = placed_at
    if rng.random() < outcomes.payment_failure:
        return (Step("CANCELLED", at + timedelta(minutes=rng.uniform(0.3, 2.0))),)
    refund_at = rng.randrange(1, 4) if rng.random() < outcomes.refund else None
    steps: list[Step] = []
    for i, (status, low, high) in enumerate(LIFECYCLE):
        at += timedelta(minutes=rng.uniform(low, high))
        if i == refund_at:
            steps.append(Step("REFUNDED", at))
            break
        steps.append(Step(status, at))
    return tuple(steps)


def order_stream(
    world: World, *, count: int, days: int, end: datetime, seed: int, outcomes: Outcomes = Outcomes()
) -> Iterator[SyntheticOrder]:
    """``count`` orders placed in the ``days`` before ``end``; the same arguments give the same orders,
    and a shorter stream is a prefix of a longer one."""
    rng = random.Random(seed)
    weights = [c.activity for c in world.customers]
    by_city: dict[str, list[Restaurant]] = {}
    for r in world.restaurants:
        by_city.setdefault(r.city.name, []).append(r)
    for number in range(count):
        customer = rng.choices(world.customers, weights=weights)[0]
        restaurant = choose_restaurant(customer, by_city[customer.city.name], rng)
        lines = choose_lines(customer, restaurant, rng)
        placed_at = sample_instant(customer.city.timezone, days, rng, end)
        yield SyntheticOrder(number, customer, restaurant, placed_at, lines, timeline(placed_at, rng, outcomes))
