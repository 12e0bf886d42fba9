"""The main job in miniature: an order placed through the HTTP API -> CDC relay -> lake sink -> one
Airflow run of the batch chain (compaction, facts, warehouse load, dbt build) -> the marts snapshot
the dashboards read shows the order, with the amount the customer paid."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import pytest
from test_orders_to_warehouse import run_dag

from pizza.config import PlatformSettings
from streaming.relay.app import CdcRelay

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def test_an_order_placed_through_the_api_shows_up_in_the_dashboards_marts(
    stack: PlatformSettings,
    relay: CdcRelay,
    batch_env: Path,
    admin: Any,
    customer: Any,
    make_restaurant: Callable[..., Any],
    place_order: Callable[..., dict[str, Any]],
    walk_order: Callable[..., dict[str, Any]],
    sink_to_lake: Callable[..., None],
) -> None:
    restaurant = make_restaurant()
    order = walk_order(place_order(customer, restaurant.restaurant_id), "DELIVERED", staff=restaurant.staff)

    relay.run(until_idle=True)
    sink_to_lake(stack, batch_env / "lake")

    run_dag("cdc_lake_compaction.py", "cdc_lake_compaction")
    run_dag("warehouse_load.py", "warehouse_load")
    run_dag("marts_build.py", "marts_build")

    from dashboards.settings import get_dashboard_settings

    get_dashboard_settings.cache_clear()
    snapshot = get_dashboard_settings().marts
    assert snapshot.exists(), "the marts_build DAG publishes the marts snapshot the dashboards read"
    with duckdb.connect(str(snapshot), read_only=True) as con:
        row = con.execute(
            "SELECT status, total_minor, currency FROM marts.fct_orders WHERE order_id = ?", [order["order_id"]]
        ).fetchone()
    assert row == ("DELIVERED", order["total_cents"], order["currency"])
