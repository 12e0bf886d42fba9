"""A realistic synthetic warehouse for the dbt project and the dashboards' tests.

Builds schema ``lake`` of a DuckDB file exactly as the warehouse loader publishes it (current state per
primary key, Postgres columns typed for DuckDB, personal data hashed, CDC columns ``_shard``, ``_lsn``,
``_commit_ts``): a few hundred orders over ~60 days in several cities, time zones and currencies, with
status histories, payments, coupons and order items that are often bought together.

Times are relative to ``now`` so source freshness holds. The rows are returned too, so tests compute
expected figures independently of dbt.
"""

from __future__ import annotations

import hashlib
import random
import shutil
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from pizza.contracts.curated import CURATED_TABLES, DUCKDB_TYPES, FACT_TABLES, PARTITION_DATE, WAREHOUSE_SCHEMA

ORDER_STATUSES = ("PENDING", "PAID", "ACCEPTED", "PREPARING", "READY", "PICKED_UP", "DELIVERED")


@dataclass(frozen=True)
class City:
    name: str
    country: str
    timezone: str
    currency: str
    lat: float
    lon: float
    price_scale: int  # stored units (hundredths of the currency) per "one euro" of menu price


CITIES = (
    City("London", "GB", "Europe/London", "GBP", 51.5074, -0.1278, 90),
    City("Paris", "FR", "Europe/Paris", "EUR", 48.8566, 2.3522, 100),
    City("Tokyo", "JP", "Asia/Tokyo", "JPY", 35.6762, 139.6503, 16000),  # hundredths of a yen, like every currency
    City("New York City", "US", "America/New_York", "USD", 40.7128, -74.0060, 110),
    City("Mumbai", "IN", "Asia/Kolkata", "INR", 19.0760, 72.8777, 9000),
    City("São Paulo", "BR", "America/Sao_Paulo", "BRL", -23.5505, -46.6333, 550),
)

# (menu item key, name, base price in euros); drinks and sides are bought with pizzas.
PIZZAS = (("margherita", "Margherita", 9), ("pepperoni", "Pepperoni", 11), ("quattro", "Quattro Formaggi", 12))
SIDES = (("cola", "Cola", 3), ("tiramisu", "Tiramisu", 5), ("garlic-bread", "Garlic Bread", 4))

RECOMMENDATIONS_DDL = """
    customer_id VARCHAR, rank INTEGER, item_type VARCHAR, item_id VARCHAR, item_name VARCHAR,
    score DOUBLE, model_version VARCHAR, generated_at TIMESTAMPTZ"""


@dataclass
class LakeData:
    """The rows written to ``lake.*``, keyed by table name, plus the clock they were made with."""

    now: datetime
    tables: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def rows(self, table: str) -> list[dict[str, Any]]:
        return self.tables[table]


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


class _Generator:
    def __init__(self, seed: int, now: datetime, days: int, customers: int) -> None:
        self.rng = random.Random(seed)
        self.now = now
        self.days = days
        self.customers = customers
        self.lsn = 1_000
        self.data = LakeData(now=now, tables={name: [] for name in CURATED_TABLES})

    def uid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def cdc(self, shard: str, commit_ts: datetime) -> dict[str, Any]:
        self.lsn += self.rng.randint(1, 50)
        return {"_shard": shard, "_lsn": self.lsn, "_commit_ts": commit_ts}

    def add(self, table: str, row: dict[str, Any], shard: str, commit_ts: datetime) -> None:
        self.data.tables[table].append({**row, **self.cdc(shard, commit_ts)})

    def build(self) -> LakeData:
        start = self.now - timedelta(days=self.days)
        restaurants = self.restaurants(start)
        self.coupons(start)
        users = self.users(start, restaurants)
        for user in users:
            self.orders_of(user, restaurants, start)
        return self.data

    def restaurants(self, start: datetime) -> list[dict[str, Any]]:
        out = []
        for city in CITIES:
            for n in range(2):
                rid = self.uid()
                created = start - timedelta(days=200)
                rated = self.rng.random() > 0.1
                row = {
                    "restaurant_id": rid,
                    "name": f"{('Luigi', 'Nonna')[n]}'s {city.name}",
                    "city": city.name,
                    "country": city.country,
                    "timezone": city.timezone,
                    "currency": city.currency,
                    "cuisine": ("pizza", "italian")[n],
                    "address": f"{n + 1} Main Street",
                    "lat": city.lat + self.rng.uniform(-0.05, 0.05),
                    "lon": city.lon + self.rng.uniform(-0.05, 0.05),
                    "opening_hours": '{"mon": [["11:00", "23:00"]]}',
                    "rating_avg": round(self.rng.uniform(3.4, 4.9), 2) if rated else None,
                    "rating_count": self.rng.randint(3, 900) if rated else 0,
                    "is_active": True,
                    "created_at": created,
                    "updated_at": self.now - timedelta(days=2),
                    "_city": city,
                }
                out.append(row)
                public = {k: v for k, v in row.items() if not k.startswith("_")}
                self.add("restaurants", public, "catalog", row["updated_at"])
        return out

    def coupons(self, start: datetime) -> None:
        for code, kind, value in (("WELCOME10", "percentage", 10), ("PIZZA5", "fixed", 500)):
            row = {
                "code": code,
                "kind": kind,
                "value": value,
                "currency": "EUR" if kind == "fixed" else None,
                "city": None,
                "first_order_only": code == "WELCOME10",
                "min_subtotal_cents": 0,
                "max_uses": None,
                "uses": 0,
                "valid_from": start,
                "valid_until": None,
                "created_at": start,
            }
            self.add("coupons", row, "catalog", start)

    def users(self, start: datetime, restaurants: list[dict[str, Any]]) -> list[dict[str, Any]]:
        out = []
        for i in range(self.customers):
            city = self.rng.choice(CITIES)
            signed_up = start + timedelta(days=self.rng.uniform(-30, self.days - 2))
            user = {
                "user_id": self.uid(),
                "email_hmac": _sha(f"customer{i}@example.com"),
                "phone_hmac": _sha(f"+100000{i:04d}"),
                "role": "customer",
                "restaurant_id": None,
                "city": city.name,
                "loyalty_points": self.rng.randint(0, 500),
                "created_at": signed_up,
                "updated_at": signed_up,
                "_city": city,
                "_shard": f"shard_{i % 4}",
            }
            out.append(user)
            self.add("users", {k: v for k, v in user.items() if not k.startswith("_")}, user["_shard"], signed_up)
            self.add(
                "user_addresses",
                {
                    "address_id": self.uid(),
                    "user_id": user["user_id"],
                    "label": "home",
                    "city": city.name,
                    "country": city.country,
                    "lat": city.lat + self.rng.uniform(-0.1, 0.1),
                    "lon": city.lon + self.rng.uniform(-0.1, 0.1),
                    "is_default": True,
                    "created_at": signed_up,
                },
                user["_shard"],
                signed_up,
            )
        staff = {
            "user_id": self.uid(),
            "email_hmac": _sha("staff@example.com"),
            "phone_hmac": None,
            "role": "restaurant_staff",
            "restaurant_id": restaurants[0]["restaurant_id"],
            "city": restaurants[0]["city"],
            "loyalty_points": 0,
            "created_at": start,
            "updated_at": start,
        }
        self.add("users", staff, "shard_0", start)
        return out

    def orders_of(self, user: dict[str, Any], restaurants: list[dict[str, Any]], start: datetime) -> None:
        city: City = user["_city"]
        local = [r for r in restaurants if r["city"] == city.name]
        favourite = self.rng.choice(local)
        n_orders = min(1 + int(self.rng.expovariate(0.45)), 12)
        first = max(start, user["created_at"])
        span = (self.now - first).total_seconds()
        for k in range(n_orders):
            placed = first + timedelta(seconds=self.rng.uniform(0, span))
            placed = self._at_meal_time(placed, city)
            if placed >= self.now - timedelta(minutes=5):
                continue
            restaurant = favourite if self.rng.random() < 0.8 else self.rng.choice(local)
            self.order(user, restaurant, placed, first_order=k == 0)

    def _at_meal_time(self, ts: datetime, city: City) -> datetime:
        """Move a random time to lunch or dinner in the city's local time: demand has a shape."""
        from zoneinfo import ZoneInfo

        local = ts.astimezone(ZoneInfo(city.timezone))
        hour = self.rng.choices([12, 13, 18, 19, 20, 21, 15, 10], weights=[4, 3, 4, 6, 6, 3, 1, 1])[0]
        local = local.replace(hour=hour, minute=self.rng.randint(0, 59), second=self.rng.randint(0, 59))
        return local.astimezone(UTC)

    def order(self, user: dict[str, Any], restaurant: dict[str, Any], placed: datetime, *, first_order: bool) -> None:
        city: City = restaurant["_city"]
        rid = restaurant["restaurant_id"]
        order_id = self.uid()
        shard = user["_shard"]
        lines: list[tuple[str, str, int, int]] = []
        pizza = self.rng.choice(PIZZAS)
        lines.append((pizza[0], pizza[1], self.rng.choice([1, 1, 2]), pizza[2] * city.price_scale))
        if self.rng.random() < 0.6:  # a cola with a pizza, most of the time
            lines.append((SIDES[0][0], SIDES[0][1], 1, SIDES[0][2] * city.price_scale))
        if pizza[0] == "quattro" and self.rng.random() < 0.7:
            lines.append((SIDES[1][0], SIDES[1][1], 1, SIDES[1][2] * city.price_scale))
        if self.rng.random() < 0.2:
            lines.append((SIDES[2][0], SIDES[2][1], 1, SIDES[2][2] * city.price_scale))
        subtotal = sum(q * p for _, _, q, p in lines)
        coupon = "WELCOME10" if first_order and self.rng.random() < 0.3 else None
        discount = subtotal // 10 if coupon else 0
        fee = 2 * city.price_scale
        total = subtotal - discount + fee

        # lifecycle: how far the order got, by age and by chance
        age_min = (self.now - placed).total_seconds() / 60
        roll = self.rng.random()
        terminal = "DELIVERED" if roll < 0.86 else ("CANCELLED" if roll < 0.96 else "REFUNDED")
        steps = [0.0, 1.0, 3.0, 5.0]  # PENDING, PAID, ACCEPTED, PREPARING minutes after placing
        ready = steps[-1] + self.rng.uniform(8, 18)
        picked = ready + self.rng.uniform(1, 8)
        delivered = picked + self.rng.uniform(6, 18)
        times = [*steps, ready, picked, delivered]
        history: list[tuple[str, float, str | None]] = []
        if terminal == "CANCELLED":
            cut = self.rng.choice([1, 2, 3])
            history = [(ORDER_STATUSES[i], times[i], None) for i in range(cut + 1)]
            history.append(("CANCELLED", times[cut] + 2, "customer changed mind"))
        else:
            history = [(s, t, None) for s, t in zip(ORDER_STATUSES, times, strict=True)]
            if terminal == "REFUNDED":
                history.append(("REFUNDED", delivered + 30, "cold pizza"))
        history = [h for h in history if h[1] <= age_min]  # the future has not happened yet
        status = history[-1][0]
        last_change = placed + timedelta(minutes=history[-1][1])

        self.add(
            "orders",
            {
                "order_id": order_id,
                "user_id": user["user_id"],
                "restaurant_id": rid,
                "status": status,
                "currency": city.currency,
                "subtotal_cents": subtotal,
                "discount_cents": discount,
                "delivery_fee_cents": fee,
                "total_cents": total,
                "coupon_code": coupon,
                "city": city.name,
                "delivery_lat": city.lat + self.rng.uniform(-0.1, 0.1),
                "delivery_lon": city.lon + self.rng.uniform(-0.1, 0.1),
                "idempotency_key": None,
                "request_hash": None,
                "created_at": placed,
                "updated_at": last_change,
            },
            shard,
            last_change,
        )
        for line_no, (key, name, qty, price) in enumerate(lines, start=1):
            self.add(
                "order_items",
                {
                    "order_id": order_id,
                    "line_no": line_no,
                    "order_created_at": placed,
                    "menu_item_id": f"{rid[:8]}-{key}",
                    "name": name,
                    "size": "large" if key in {p[0] for p in PIZZAS} else None,
                    "toppings": "[]",
                    "quantity": qty,
                    "unit_price_cents": price,
                    "line_total_cents": qty * price,
                },
                shard,
                placed,
            )
        previous: str | None = None
        for seq, (to_status, minutes, reason) in enumerate(history, start=1):
            changed = placed + timedelta(minutes=minutes)
            self.add(
                "order_status_history",
                {
                    "order_id": order_id,
                    "seq": seq,
                    "from_status": previous,
                    "to_status": to_status,
                    "reason": reason,
                    "changed_by": "system",
                    "changed_at": changed,
                },
                shard,
                changed,
            )
            previous = to_status
        if len(history) > 1 or status == "CANCELLED":
            paid = any(h[0] == "PAID" for h in history)
            pay_status = "REFUNDED" if status == "REFUNDED" else ("SUCCEEDED" if paid else "FAILED")
            self.add(
                "payments",
                {
                    "payment_id": self.uid(),
                    "order_id": order_id,
                    "user_id": user["user_id"],
                    "amount_cents": total,
                    "currency": city.currency,
                    "status": pay_status,
                    "provider": "simulated",
                    "provider_ref": None,
                    "method": "card",
                    "failure_reason": None if paid else "card_declined",
                    "created_at": placed,
                    "updated_at": last_change,
                },
                shard,
                last_change,
            )


def generate_lake(*, seed: int = 7, now: datetime | None = None, days: int = 60, customers: int = 140) -> LakeData:
    """Synthetic lake rows; deterministic for a given seed and ``now``."""
    now = (now or datetime.now(UTC)).replace(microsecond=0)
    return _Generator(seed, now, days, customers).build()


def _ddl(columns: dict[str, str]) -> str:
    return ", ".join(f'"{name}" {DUCKDB_TYPES[kind]}' for name, kind in columns.items())  # type: ignore[index]


def write_lake(path: Path, data: LakeData) -> None:
    """Create (or replace) schema ``lake`` in the DuckDB file ``path``, typed by the curated contract.

    Curated tables get their ``date`` partition column (UTC date of the table's business date column);
    the facts are derived from them as the Spark fact jobs define them (UTC order date, first status times).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(path)) as con:
        con.execute("SET TimeZone = 'UTC'")
        con.execute(f"CREATE SCHEMA IF NOT EXISTS {WAREHOUSE_SCHEMA}")
        for name, table in CURATED_TABLES.items():
            con.execute(f"CREATE OR REPLACE TABLE {WAREHOUSE_SCHEMA}.{name} ({_ddl(table.columns)})")
            rows = data.rows(name)
            if rows:
                frame = pd.DataFrame(rows)  # noqa: F841  (read by DuckDB's replacement scan)
                names = ", ".join(f'"{c}"' for c in rows[0])
                con.execute(
                    f"INSERT INTO {WAREHOUSE_SCHEMA}.{name} ({names}, {PARTITION_DATE}) "
                    f"SELECT {names}, CAST({table.date_column} AS DATE) FROM frame"
                )
        for name, fact in FACT_TABLES.items():
            con.execute(f"CREATE OR REPLACE TABLE {WAREHOUSE_SCHEMA}.{name} ({_ddl(fact.columns)})")
            con.execute(f"INSERT INTO {WAREHOUSE_SCHEMA}.{name} BY NAME {_FACT_SQL[name]}")


_FIRST_TIMES = """
    SELECT order_id,
           min(changed_at) FILTER (WHERE to_status = 'PAID') AS paid_at,
           min(changed_at) FILTER (WHERE to_status = 'ACCEPTED') AS accepted_at,
           min(changed_at) FILTER (WHERE to_status = 'READY') AS ready_at,
           min(changed_at) FILTER (WHERE to_status = 'PICKED_UP') AS picked_up_at,
           min(changed_at) FILTER (WHERE to_status = 'DELIVERED') AS delivered_at,
           min(changed_at) FILTER (WHERE to_status = 'CANCELLED') AS cancelled_at
    FROM lake.order_status_history GROUP BY order_id
"""


def _minutes(a: str, b: str) -> str:
    return f"(epoch({b}) - epoch({a})) / 60.0"


_FACT_SQL = {
    "fact_orders": f"""
        WITH t AS ({_FIRST_TIMES}),
        i AS (SELECT order_id, sum(quantity) AS item_count, count(*) AS line_count
              FROM lake.order_items GROUP BY order_id)
        SELECT o.order_id, o.user_id, o.restaurant_id, o.city, o.currency, o.subtotal_cents, o.discount_cents,
               o.delivery_fee_cents, o.total_cents, o.coupon_code, o.status AS final_status,
               i.item_count, i.line_count, o.created_at AS placed_at, t.paid_at, t.accepted_at, t.ready_at,
               t.picked_up_at, t.delivered_at, t.cancelled_at,
               {_minutes("o.created_at", "t.paid_at")} AS placed_to_paid_minutes,
               {_minutes("t.paid_at", "t.ready_at")} AS paid_to_ready_minutes,
               {_minutes("t.ready_at", "t.picked_up_at")} AS ready_to_picked_up_minutes,
               {_minutes("t.picked_up_at", "t.delivered_at")} AS picked_up_to_delivered_minutes,
               {_minutes("o.created_at", "t.delivered_at")} AS placed_to_delivered_minutes,
               CAST(o.created_at AS DATE) AS order_date, o._shard, CAST(o.created_at AS DATE) AS date
        FROM lake.orders o LEFT JOIN t USING (order_id) LEFT JOIN i USING (order_id)
    """,
    "fact_payments": f"""
        SELECT p.payment_id, p.order_id, p.user_id, coalesce(o.city, 'unknown') AS city, p.currency,
               p.amount_cents, p.status, p.provider, p.method, p.failure_reason,
               p.status = 'SUCCEEDED' AS is_succeeded, p.created_at, p.updated_at,
               o.created_at AS order_placed_at,
               {_minutes("o.created_at", "p.created_at")} AS placed_to_payment_minutes,
               CAST(p.created_at AS DATE) AS payment_date, p._shard,
               CAST(coalesce(o.created_at, p.created_at) AS DATE) AS date
        FROM lake.payments p LEFT JOIN lake.orders o USING (order_id)
    """,
    "fact_deliveries": f"""
        WITH t AS ({_FIRST_TIMES})
        SELECT o.order_id, o.user_id, o.restaurant_id, o.city, o.status AS final_status,
               t.delivered_at IS NOT NULL AS is_delivered, o.created_at AS placed_at, t.ready_at,
               t.picked_up_at, t.delivered_at,
               {_minutes("t.ready_at", "t.picked_up_at")} AS ready_to_picked_up_minutes,
               {_minutes("t.picked_up_at", "t.delivered_at")} AS picked_up_to_delivered_minutes,
               {_minutes("o.created_at", "t.delivered_at")} AS placed_to_delivered_minutes,
               CAST(o.created_at AS DATE) AS order_date, o._shard, CAST(o.created_at AS DATE) AS date
        FROM lake.orders o JOIN t USING (order_id) WHERE t.ready_at IS NOT NULL
    """,
}


def write_recommendations(path: Path, rows: list[dict[str, Any]]) -> None:
    """Play the recommendation job: write ``lake.customer_recommendations``."""
    with duckdb.connect(str(path)) as con:
        con.execute(f"CREATE OR REPLACE TABLE lake.customer_recommendations ({RECOMMENDATIONS_DDL})")
        frame = pd.DataFrame(rows)  # noqa: F841
        con.execute("INSERT INTO lake.customer_recommendations BY NAME SELECT * FROM frame")


def execute(path: Path, sql: str) -> None:
    """Run one statement against the warehouse (to damage it on purpose in failure tests)."""
    with duckdb.connect(str(path)) as con:
        con.execute(sql)


# --- built warehouses, shared by the dbt and the dashboards tests (one dbt build per test session) ------


@dataclass
class BuiltWarehouse:
    """A synthetic lake, the warehouse dbt built from it, and the dashboards' marts snapshot."""

    root: Path
    data: LakeData
    lake_only: Path  # the lake before dbt ran: a clean start for failure tests
    warehouse: Path
    snapshot: Path
    run: Any  # pizzactl.cli.analytics.DbtRun


_BUILT: dict[Path, BuiltWarehouse] = {}


def recommendation_rows(data: LakeData, *, per_customer: int = 3) -> list[dict[str, Any]]:
    """Rows as the recommendation job writes them: top dishes for every customer with orders."""
    ordered = {o["user_id"] for o in data.rows("orders")}
    dishes = sorted({(i["menu_item_id"], i["name"]) for i in data.rows("order_items")})
    rows = []
    for customer in sorted(ordered):
        for rank, (item_id, name) in enumerate(dishes[:per_customer], start=1):
            rows.append(
                {
                    "customer_id": customer,
                    "rank": rank,
                    "item_type": "dish",
                    "item_id": item_id,
                    "item_name": name,
                    "score": 1.0 / rank,
                    "model_version": "als-test-1",
                    "generated_at": data.now,
                }
            )
    return rows


def built_warehouse(root: Path) -> BuiltWarehouse:
    """Generate the lake under ``root`` and run ``pizza dbt build`` on it, once per process and root."""
    if root in _BUILT:
        return _BUILT[root]
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    data = generate_lake()
    lake_only = root / "lake_only.duckdb"
    write_lake(lake_only, data)
    warehouse = root / "warehouse.duckdb"
    shutil.copyfile(lake_only, warehouse)
    snapshot = root / "marts_snapshot.duckdb"
    run = _build(warehouse, root / "dbt", snapshot)
    _BUILT[root] = BuiltWarehouse(root, data, lake_only, warehouse, snapshot, run)
    return _BUILT[root]


def built_with_recommendations(base: BuiltWarehouse) -> BuiltWarehouse:
    """A copy of ``base`` after the recommendation job ran: the feed models are enabled and published."""
    root = base.root / "with_recommendations"
    if root in _BUILT:
        return _BUILT[root]
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    warehouse = root / "warehouse.duckdb"
    shutil.copyfile(base.warehouse, warehouse)
    write_recommendations(warehouse, recommendation_rows(base.data))
    snapshot = root / "marts_snapshot.duckdb"
    run = _build(warehouse, root / "dbt", snapshot, select="stg_lake__customer_recommendations+")
    _BUILT[root] = BuiltWarehouse(root, base.data, base.lake_only, warehouse, snapshot, run)
    return _BUILT[root]


def _build(warehouse: Path, artifacts: Path, snapshot: Path, select: str | None = None) -> Any:
    from pizza.config import get_platform_settings
    from pizzactl.cli.analytics import DbtSettings, build_and_publish

    run = build_and_publish(
        select=select,
        platform=get_platform_settings().model_copy(update={"warehouse_path": warehouse}),
        settings=DbtSettings(target="ci", artifacts_dir=artifacts),
        snapshot=snapshot,
        quiet=True,
    )
    if not run.success:
        raise AssertionError(f"dbt build failed on the synthetic warehouse: {run.problems}")
    return run


# --- the same lake in Postgres, to build the project on another adapter ---------------------------------

POSTGRES_TYPES = {
    "string": "text",
    "json": "text",
    "bigint": "bigint",
    "int": "integer",
    "double": "double precision",
    "boolean": "boolean",
    "timestamp": "timestamptz",
    "date": "date",
}


def copy_lake_to_postgres(lake_only: Path, dsn: str) -> None:
    """Copy schema ``lake`` of a DuckDB lake file into a Postgres database (replacing it there)."""
    import psycopg

    tables = {**{n: t.columns for n, t in CURATED_TABLES.items()}, **{n: f.columns for n, f in FACT_TABLES.items()}}
    with duckdb.connect(str(lake_only), read_only=True) as source, psycopg.connect(dsn, autocommit=True) as target:
        target.execute(f"DROP SCHEMA IF EXISTS {WAREHOUSE_SCHEMA} CASCADE")
        target.execute(f"CREATE SCHEMA {WAREHOUSE_SCHEMA}")
        for name, columns in tables.items():
            body = ", ".join(f'"{c}" {POSTGRES_TYPES[kind]}' for c, kind in columns.items())
            target.execute(f"CREATE TABLE {WAREHOUSE_SCHEMA}.{name} ({body})")
            names = ", ".join(f'"{c}"' for c in columns)
            rows = source.execute(f"SELECT {names} FROM {WAREHOUSE_SCHEMA}.{name}").fetchall()
            with target.cursor() as cursor, cursor.copy(f"COPY {WAREHOUSE_SCHEMA}.{name} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
