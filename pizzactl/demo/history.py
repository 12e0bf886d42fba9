"""Back-dated order history for the demo: weeks of orders with realistic daily and weekly rhythm.

History goes through the API's admin import (``POST /admin/orders/import``): the same pricing,
shard routing and tables as live orders, with the timestamps of the past. Imports are facts, not
commands, so they emit no domain events (no payment is taken, nobody is notified); analytics sees
them through CDC row changes like every other write. The orders are the synthetic world's order
stream (``pipelines.synthetic.orders``), placed over the last weeks with the local demand's rhythm.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pipelines.synthetic.orders import order_stream
from pipelines.synthetic.world import World
from pizzactl.demo.shopping import cart_body


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
    """Import bodies of the world's order stream, ending at ``anchor``.

    The history ends at ``anchor`` (kept in the state folder by :class:`HistoryPlan`), not at "now", so
    the same seed gives the same orders on every run and a re-run's import finds them already there.
    """
    # Another world or span is another history: its orders get other external ids instead of colliding.
    plan = f"{seed}-{len(world.cities)}x{len(world.restaurants)}x{len(world.customers)}-{days}d"
    for order in order_stream(world, count=count, days=days, end=anchor, seed=seed):
        failed = not order.paid
        yield {
            "external_id": f"demo-{plan}-{order.number}",
            "user_id": customer_ids[order.customer.key],
            "cart": cart_body(order.customer, restaurant_ids[order.restaurant.key], order.lines),
            "placed_at": order.placed_at.isoformat(),
            "timeline": [{"status": step.status, "at": step.at.isoformat()} for step in order.steps],
            "payment": "failed" if failed else "succeeded",
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
