"""The synthetic world as curated tables (``orders``, ``order_items``, ``restaurants``), for the
recommendations job's development runs and tests.

The rows follow the curated contract exactly (``pizza.contracts.curated``) and land in the lake layout
the job reads, so the job cannot tell them from compacted CDC data. The world's customers have stable
tastes and favourite restaurants, so a collaborative model has real signal to find and a popularity
ranking is a fair but beatable baseline.
"""

from __future__ import annotations

import json
import random
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pyarrow as pa
import pyarrow.dataset as ds

from pipelines.io.lakefs import Location
from pipelines.synthetic.orders import order_stream
from pipelines.synthetic.world import build_world
from pizza.contracts.curated import ORDER_ITEMS, ORDERS, PARTITION_DATE, RESTAURANTS, CuratedTable
from pizza.contracts.lake import CURATED
from pizza.money import Threshold

DELIVERY_FEE = Threshold(299)  # US-dollar cents, charged in each city's currency


@dataclass(frozen=True)
class CuratedSpec:
    """Size of the dataset. Defaults = a development run; tests pass smaller numbers."""

    customers: int = 2000
    cities: int = 4
    restaurants_per_city: int = 12
    orders_per_customer: float = 9.0
    days: int = 180
    end: datetime = datetime(2025, 6, 30, tzinfo=UTC)
    seed: int = 7


@dataclass(frozen=True)
class CuratedSummary:
    users: int
    restaurants: int
    dishes: int
    orders: int
    order_items: int
    cancelled: int
    first_order_at: datetime
    last_order_at: datetime


def generate(spec: CuratedSpec) -> dict[str, pa.Table]:
    """The curated tables ``orders``, ``order_items`` and ``restaurants`` as Arrow tables (contract schemas)."""
    world = build_world(
        cities=spec.cities, restaurants_per_city=spec.restaurants_per_city, customers=spec.customers, seed=spec.seed
    )
    rng = random.Random(spec.seed)

    def new_id() -> str:
        return str(uuid.UUID(int=rng.getrandbits(128), version=4))

    user_ids = {c.key: new_id() for c in world.customers}
    restaurant_ids = {r.key: new_id() for r in world.restaurants}
    orders: list[dict[str, object]] = []
    items: list[dict[str, object]] = []
    lsn = 0
    count = round(spec.customers * spec.orders_per_customer)
    for placed in order_stream(world, count=count, days=spec.days, end=spec.end, seed=spec.seed):
        order_id, created = new_id(), placed.placed_at
        for line_no, line in enumerate(placed.lines, start=1):
            lsn += 1
            items.append(
                {
                    "order_id": order_id,
                    "line_no": line_no,
                    "order_created_at": created,
                    "menu_item_id": line.menu_item_id,
                    "name": line.name,
                    "size": line.size,
                    "toppings": json.dumps(list(line.toppings)),
                    "quantity": line.quantity,
                    "unit_price_cents": line.unit_price_cents,
                    "line_total_cents": line.line_total_cents,
                    "_shard": "shard_0",
                    "_lsn": lsn,
                    "_commit_ts": created,
                    PARTITION_DATE: created.date(),
                }
            )
        last = placed.steps[-1]
        city = placed.restaurant.city
        lsn += 1
        orders.append(
            {
                "order_id": order_id,
                "user_id": user_ids[placed.customer.key],
                "restaurant_id": restaurant_ids[placed.restaurant.key],
                "status": last.status,
                "currency": city.currency,
                "subtotal_cents": placed.subtotal_cents,
                "discount_cents": 0,
                "delivery_fee_cents": DELIVERY_FEE.in_currency(city.currency),
                "total_cents": placed.subtotal_cents + DELIVERY_FEE.in_currency(city.currency),
                "city": city.name,
                "delivery_lat": placed.customer.lat,
                "delivery_lon": placed.customer.lon,
                "created_at": created,
                "updated_at": last.at,
                "_shard": "shard_0",
                "_lsn": lsn,
                "_commit_ts": last.at,
                PARTITION_DATE: created.date(),
            }
        )
    opened: datetime = spec.end - timedelta(days=spec.days)
    restaurant_rows: list[dict[str, object]] = [
        {
            "restaurant_id": restaurant_ids[r.key],
            "name": r.name,
            "city": r.city.name,
            "country": r.city.country,
            "timezone": r.city.timezone,
            "currency": r.city.currency,
            "cuisine": r.cuisine,
            "address": f"{r.key} Main Street, {r.city.name}",
            "lat": r.lat,
            "lon": r.lon,
            "opening_hours": "{}",
            "rating_avg": 4.2,
            "rating_count": 10,
            "is_active": True,
            "created_at": opened,
            "updated_at": opened,
            "_shard": "catalog",
            "_lsn": 0,
            "_commit_ts": opened,
            PARTITION_DATE: opened.date(),
        }
        for r in world.restaurants
    ]
    return {
        ORDERS.name: pa.Table.from_pylist(orders, schema=ORDERS.arrow_schema()),
        ORDER_ITEMS.name: pa.Table.from_pylist(items, schema=ORDER_ITEMS.arrow_schema()),
        RESTAURANTS.name: pa.Table.from_pylist(restaurant_rows, schema=RESTAURANTS.arrow_schema()),
    }


def summarize(tables: dict[str, pa.Table]) -> CuratedSummary:
    orders = tables[ORDERS.name]
    created = orders.column("created_at").to_pylist()
    return CuratedSummary(
        users=len(set(orders.column("user_id").to_pylist())),
        restaurants=tables[RESTAURANTS.name].num_rows,
        dishes=len(set(tables[ORDER_ITEMS.name].column("menu_item_id").to_pylist())),
        orders=orders.num_rows,
        order_items=tables[ORDER_ITEMS.name].num_rows,
        cancelled=orders.column("status").to_pylist().count("CANCELLED"),
        first_order_at=min(created),
        last_order_at=max(created),
    )


def write_curated(tables: dict[str, pa.Table], lake: Location) -> None:
    """Write each table under ``curated/<table>/date=YYYY-MM-DD/`` (Hive partitions), replacing those dates."""
    contracts: dict[str, CuratedTable] = {t.name: t for t in (ORDERS, ORDER_ITEMS, RESTAURANTS)}
    for name, table in tables.items():
        partitioning = ds.partitioning(pa.schema([contracts[name].arrow_schema().field(PARTITION_DATE)]), flavor="hive")
        ds.write_dataset(
            table,
            lake.path(CURATED, name),
            filesystem=lake.fs,
            format="parquet",
            partitioning=partitioning,
            basename_template="part-{i}.parquet",
            existing_data_behavior="delete_matching",
        )


def write_synthetic_lake(spec: CuratedSpec, lake: Location) -> CuratedSummary:
    tables = generate(spec)
    write_curated(tables, lake)
    return summarize(tables)
