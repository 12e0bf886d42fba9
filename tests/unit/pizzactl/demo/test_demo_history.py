"""The demo's history is the same on every run: it ends at an anchor kept in the state folder."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from pipelines.synthetic.world import build_world
from pizzactl.demo.history import HistoryPlan, history_orders

pytestmark = pytest.mark.unit


def test_the_plan_is_fixed_at_the_first_run_and_read_back_after(tmp_path: Path) -> None:
    path = tmp_path / "demo" / "plan.json"
    first = HistoryPlan.load_or_create(path)
    assert abs(first.anchor - datetime.now(UTC)) < timedelta(minutes=1)
    assert HistoryPlan.load_or_create(path) == first


def test_the_same_seed_and_anchor_give_the_same_import_bodies_however_late_the_rerun() -> None:
    world = build_world(cities=2, restaurants_per_city=2, customers=20, seed=3)
    restaurants = {r.key: f"id-{r.key}" for r in world.restaurants}
    customers = {c.key: f"user-{c.key}" for c in world.customers}
    anchor = datetime(2026, 11, 30, 12, tzinfo=UTC)

    def plan(count: int) -> list[dict[str, object]]:
        return list(history_orders(world, restaurants, customers, count=count, days=14, seed=3, anchor=anchor))

    bodies = plan(40)
    assert plan(40) == bodies
    assert plan(25) == bodies[:25]  # a smaller run is a prefix: its external ids mean the same orders
    assert len({b["external_id"] for b in bodies}) == 40
    assert all(anchor - timedelta(days=14) <= datetime.fromisoformat(str(b["placed_at"])) < anchor for b in bodies)
