"""Back-dated order history for the demo: weeks of orders with realistic daily and weekly rhythm.

History goes through the API's admin import (``POST /admin/orders/import``): the same pricing,
shard routing and tables as live orders, with the timestamps of the past. Imports are facts, not
commands, so they emit no domain events (no payment is taken, nobody is notified); analytics sees
them through CDC row changes like every other write.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from pizzactl.demo.shopping import build_cart, choose_restaurant
from pizzactl.demo.world import World, hourly_demand

# (status, minutes after the previous step: low, high)
LIFECYCLE: tuple[tuple[str, float, float], ...] = (
    ("PAID", 0.3, 2.0),
    ("ACCEPTED", 1.0, 5.0),
    ("PREPARING", 1.0, 4.0),
    ("READY", 8.0, 22.0),
    ("PICKED_UP", 2.0, 9.0),
    ("DELIVERED", 8.0, 30.0),
)
PAYMENT_FAILURE_RATE = 0.04
CANCEL_AFTER_PAYMENT_RATE = 0.02


def sample_instant(world_city_tz: str, days: int, rng: random.Random, now: datetime) -> datetime:
    """A moment in the last ``days`` days, drawn by rejection from the local demand curve."""
    tz = ZoneInfo(world_city_tz)
    while True:
        moment = now - timedelta(seconds=rng.uniform(3600, days * 86400))
        local = moment.astimezone(tz)
        if rng.random() * 3.2 < hourly_demand(local.hour, local.weekday()):
            return moment.replace(microsecond=0)


def timeline(placed_at: datetime, rng: random.Random) -> tuple[list[dict[str, str]], str]:
    """The status changes after PENDING, and the payment outcome."""
    steps: list[dict[str, str]] = []
    at = placed_at
    if rng.random() < PAYMENT_FAILURE_RATE:
        at += timedelta(minutes=rng.uniform(0.3, 2.0))
        return [{"status": "CANCELLED", "at": at.isoformat()}], "failed"
    cancel_at = rng.randrange(1, 4) if rng.random() < CANCEL_AFTER_PAYMENT_RATE else None
    for i, (status, low, high) in enumerate(LIFECYCLE):
        at += timedelta(minutes=rng.uniform(low, high))
        if cancel_at is not None and i == cancel_at:
            steps.append({"status": "REFUNDED", "at": at.isoformat()})
            break
        steps.append({"status": status, "at": at.isoformat()})
    return steps, "succeeded"


def history_orders(
    world: World,
    restaurant_ids: dict[str, str],
    customer_ids: dict[str, str],
    *,
    count: int,
    days: int,
    seed: int,
    anchor: datetime,
) -> Iterator[dict[str, Any]]:
    """Import bodies, oldest customers first so cohorts look like a growing business.

    The history ends at ``anchor`` (kept in the state folder by :class:`HistoryPlan`), not at "now", so
    the same seed gives the same orders on every run and a re-run's import finds them already there.
    """
    rng = random.Random(seed)
    now = anchor
    # Another world or span is another history: its orders get other external ids instead of colliding.
    plan = f"{seed}-{len(world.cities)}x{len(world.restaurants)}x{len(world.customers)}-{days}d"
    weights = [c.activity for c in world.customers]
    by_city: dict[str, list[Any]] = {}
    for r in world.restaurants:
        by_city.setdefault(r.city.name, []).append(r)
    for i in range(count):
        customer = rng.choices(world.customers, weights=weights)[0]
        restaurant = choose_restaurant(customer, by_city[customer.city.name], rng)
        cart = build_cart(customer, restaurant, rng)
        cart["restaurant_id"] = restaurant_ids[restaurant.key]
        placed_at = sample_instant(customer.city.timezone, days, rng, now)
        steps, payment = timeline(placed_at, rng)
        yield {
            "external_id": f"demo-{plan}-{i}",
            "user_id": customer_ids[customer.key],
            "cart": cart,
            "placed_at": placed_at.isoformat(),
            "timeline": steps,
            "payment": payment,
        }


@dataclass(frozen=True)
class HistoryPlan:
    """When the demo's history ends: fixed at the first run and kept in ``<state>/demo/plan.json``."""

    anchor: datetime

    @classmethod
    def load_or_create(cls, path: Path) -> HistoryPlan:
        if path.exists():
            return cls(datetime.fromisoformat(json.loads(path.read_text())["anchor"]))
        plan = cls(datetime.now(UTC).replace(microsecond=0))
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"anchor": plan.anchor.isoformat()}))
        tmp.replace(path)
        return plan
