"""The synthetic world as raw CDC, shaped exactly like the lake sink's files, for tests and benchmarks.

The world's restaurants and coupons live on the catalog, its customers (and their addresses) on the shard
the shard map gives them; each of the world's orders is an ``orders`` insert with its lines, first history
row and a PENDING payment in one transaction, then one transaction per status change (the order, a history
row, and the payment at PAID, CANCELLED or REFUNDED). Steps after the spec's end have not happened yet. A
few rows are deleted, and a share of changes is delivered twice (same shard, lsn, table, pk; another Kafka
offset), as a relay replay would.

``generate`` also returns the expected final state per table, so tests can compare exactly.
"""

from __future__ import annotations

import json
import math
import random
import uuid
import zlib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from pipelines.io.lakefs import Location
from pipelines.synthetic.orders import Outcomes, SyntheticOrder, order_stream
from pipelines.synthetic.world import Customer, Restaurant, build_world
from pizza.contracts.cdc import CDC_SCHEMA_VERSION
from pizza.contracts.curated import CURATED_TABLES
from pizza.contracts.lake import RAW_CDC, RAW_CDC_SCHEMA, raw_file_name
from pizza.db.shards import ShardMap
from pizza.money import Threshold

Row = dict[str, Any]
Key = tuple[Any, ...]
MAX_CITIES = 6
DELIVERY_FEE = Threshold(299)  # US-dollar cents, charged in each restaurant's currency


@dataclass(frozen=True)
class SyntheticSpec:
    orders: int = 500
    start: datetime = datetime(2026, 1, 5, tzinfo=UTC)
    days: int = 3
    shards: int = 4
    restaurants: int = 24  # spread over up to six cities
    users: int | None = None  # default: a third of the orders
    cancel_share: float = 0.08  # orders whose payment fails; a quarter as many more are refunded
    delete_share: float = 0.02  # cancelled orders purged, addresses removed
    duplicate_share: float = 0.03
    seed: int = 7

    @property
    def end(self) -> datetime:
        """'Now' for the generated world: changes after this moment have not happened yet."""
        return self.start + timedelta(days=self.days)


@dataclass
class Change:
    table: str
    op: str
    shard: str
    at: datetime
    pk: Row
    after: Row | None
    lsn: int = 0
    offset: int = 0
    partition: int = 0


@dataclass
class SyntheticLake:
    changes: list[Change]
    duplicates: list[Change]
    expected: dict[str, dict[Key, Row]] = field(default_factory=dict)

    def expected_rows(self, table: str) -> list[Row]:
        return list(self.expected.get(table, {}).values())


def _ts(value: datetime) -> str:
    """wal2json's text form of a timestamptz, as the relay forwards it."""
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f") + "+00"


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return _ts(value)
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, dict | list):
        return json.dumps(value)  # jsonb arrives as JSON text
    return value


def _dumps(row: Row | None) -> str | None:
    return None if row is None else json.dumps({k: _json_value(v) for k, v in row.items()})


class _Changes:
    """The change log being written, with the renderer's own random source for ids and extras."""

    def __init__(self, spec: SyntheticSpec) -> None:
        self.spec = spec
        self.rng = random.Random(spec.seed)
        self.shard_map = ShardMap.even([f"shard_{i}" for i in range(spec.shards)])
        self.changes: list[Change] = []

    def uuid(self) -> uuid.UUID:
        return uuid.UUID(int=self.rng.getrandbits(128), version=4)

    def emit(self, table: str, op: str, shard: str, at: datetime, row: Row) -> None:
        pk = {k: row[k] for k in CURATED_TABLES[table].primary_key}
        self.changes.append(Change(table, op, shard, at, pk, None if op == "d" else dict(row)))

    def minutes(self, low: float, high: float) -> timedelta:
        return timedelta(minutes=self.rng.uniform(low, high))


def _restaurants(log: _Changes, restaurants: list[Restaurant]) -> dict[str, Row]:
    spec, rng = log.spec, log.rng
    rows: dict[str, Row] = {}
    for r in restaurants:
        created = spec.start - timedelta(days=rng.randint(30, 300), seconds=rng.randint(0, 86_399))
        row: Row = {
            "restaurant_id": log.uuid(),
            "name": r.name,
            "city": r.city.name,
            "country": r.city.country,
            "timezone": r.city.timezone,
            "currency": r.city.currency,
            "cuisine": r.cuisine,
            "address": f"{rng.randint(1, 200)} Main Street",
            "lat": r.lat,
            "lon": r.lon,
            "opening_hours": {"mon": [["11:00", "23:00"]]},
            "rating_avg": round(rng.uniform(3.5, 5.0), 2),
            "rating_count": rng.randint(0, 500),
            "is_active": True,
            "created_at": created,
            "updated_at": created,
        }
        log.emit("restaurants", "r", "catalog", created, row)
        if rng.random() < 0.3:  # a rating refresh inside the window
            at = spec.start + log.minutes(0, spec.days * 1440)
            row = {**row, "rating_avg": round(rng.uniform(3.5, 5.0), 2), "updated_at": at}
            log.emit("restaurants", "u", "catalog", at, row)
        rows[r.key] = row
    return rows


def _coupons(log: _Changes) -> None:
    for code, value in (("WELCOME10", 10), ("PIZZA5", 5), ("FAMILY15", 15)):
        created = log.spec.start - timedelta(days=60)
        coupon: Row = {
            "code": code,
            "kind": "percentage",
            "value": value,
            "currency": None,
            "city": None,
            "first_order_only": code == "WELCOME10",
            "min_subtotal_cents": 0,
            "max_uses": None,
            "uses": 0,
            "valid_from": created,
            "valid_until": None,
            "created_at": created,
        }
        log.emit("coupons", "r", "catalog", created, coupon)


@dataclass
class _User:
    row: Row
    shard: str
    addresses: list[Row]


def _users(log: _Changes, customers: list[Customer]) -> dict[str, _User]:
    spec, rng = log.spec, log.rng
    users: dict[str, _User] = {}
    for i, customer in enumerate(customers):
        user_id = log.uuid()
        shard = log.shard_map.shard_for_user(user_id)
        created = spec.start - timedelta(days=rng.uniform(1, 60))
        user: Row = {
            "user_id": user_id,
            "email": f" {customer.email.title()} ",  # as typed: the curated layer normalises it
            "name": customer.name,
            "phone": f"+4915{i:08d}" if rng.random() < 0.7 else None,
            "password_hash": "$argon2id$v=19$secret",
            "role": "customer",
            "restaurant_id": None,
            "city": customer.city.name,
            "loyalty_points": 0,
            "created_at": created,
            "updated_at": created,
        }
        log.emit("users", "c", shard, created, user)
        addresses: list[Row] = []
        for n in range(rng.randint(1, 2)):
            away = 0.0 if n == 0 else 0.02
            address: Row = {
                "address_id": log.uuid(),
                "user_id": user_id,
                "label": "home" if n == 0 else "work",
                "line1": f"{rng.randint(1, 99)} Side Street",
                "city": customer.city.name,
                "postcode": f"{rng.randint(10000, 99999)}",
                "country": customer.city.country,
                "lat": round(customer.lat + rng.uniform(-away, away), 6),
                "lon": round(customer.lon + rng.uniform(-away, away), 6),
                "is_default": n == 0,
                "created_at": created,
            }
            log.emit("user_addresses", "c", shard, created, address)
            addresses.append(address)
        if len(addresses) > 1 and rng.random() < spec.delete_share * 10:
            gone = addresses.pop()
            at = spec.start + log.minutes(1, 600)
            if at < spec.end:
                log.emit("user_addresses", "d", shard, at, gone)
            else:
                addresses.append(gone)
        users[customer.key] = _User(user, shard, addresses)
    return users


def _history(order_id: uuid.UUID, seq: int, before: str | None, after: str, at: datetime) -> Row:
    return {
        "order_id": order_id,
        "seq": seq,
        "from_status": before,
        "to_status": after,
        "reason": "payment failed" if after == "CANCELLED" else "refunded" if after == "REFUNDED" else None,
        "changed_by": "system",
        "changed_at": at,
    }


def _order(log: _Changes, placed: SyntheticOrder, restaurant: Row, user: _User) -> None:
    """One world order: created, then its steps up to 'now', then perhaps purged."""
    spec, rng, shard = log.spec, log.rng, user.shard
    order_id, at = log.uuid(), placed.placed_at
    lines = [
        {
            "order_id": order_id,
            "line_no": line_no,
            "order_created_at": at,
            "menu_item_id": line.menu_item_id,
            "name": line.name,
            "size": line.size,
            "toppings": list(line.toppings),
            "quantity": line.quantity,
            "unit_price_cents": line.unit_price_cents,
            "line_total_cents": line.line_total_cents,
        }
        for line_no, line in enumerate(placed.lines, start=1)
    ]
    subtotal = placed.subtotal_cents
    coupon = "PIZZA5" if rng.random() < 0.1 else None
    discount = subtotal * 5 // 100 if coupon else 0
    address = user.addresses[0] if user.addresses else None
    fee = DELIVERY_FEE.in_currency(restaurant["currency"])
    order: Row = {
        "order_id": order_id,
        "user_id": user.row["user_id"],
        "restaurant_id": restaurant["restaurant_id"],
        "status": "PENDING",
        "currency": restaurant["currency"],
        "subtotal_cents": subtotal,
        "discount_cents": discount,
        "delivery_fee_cents": fee,
        "total_cents": subtotal - discount + fee,
        "coupon_code": coupon,
        "city": restaurant["city"],
        "delivery_address": {"line1": address["line1"] if address else "unknown", "city": restaurant["city"]},
        "delivery_lat": address["lat"] if address else None,
        "delivery_lon": address["lon"] if address else None,
        "idempotency_key": str(log.uuid()),
        "request_hash": f"{rng.getrandbits(64):016x}",
        "created_at": at,
        "updated_at": at,
    }
    payment: Row = {
        "payment_id": log.uuid(),
        "order_id": order_id,
        "user_id": user.row["user_id"],
        "amount_cents": order["total_cents"],
        "currency": order["currency"],
        "status": "PENDING",
        "provider": "simulated",
        "provider_ref": None,
        "method": "card",
        "failure_reason": None,
        "created_at": at,
        "updated_at": at,
    }
    log.emit("orders", "c", shard, at, order)
    for line in lines:
        log.emit("order_items", "c", shard, at, line)
    history = [_history(order_id, 1, None, "PENDING", at)]
    log.emit("order_status_history", "c", shard, at, history[0])
    log.emit("payments", "c", shard, at, payment)
    for step in placed.steps_before(spec.end):
        history.append(_history(order_id, len(history) + 1, order["status"], step.status, step.at))
        order.update(status=step.status, updated_at=step.at)
        log.emit("orders", "u", shard, step.at, order)
        log.emit("order_status_history", "c", shard, step.at, history[-1])
        paid = {"PAID": "SUCCEEDED", "CANCELLED": "FAILED", "REFUNDED": "REFUNDED"}.get(step.status)
        if paid is not None:
            payment.update(status=paid, updated_at=step.at, provider_ref=f"sim_{rng.getrandbits(32):08x}")
            if paid == "FAILED":
                payment["failure_reason"] = "card declined"
            log.emit("payments", "u", shard, step.at, payment)
    if order["status"] == "CANCELLED" and rng.random() < spec.delete_share * 10:
        at = order["updated_at"] + log.minutes(5, 60)
        if at < spec.end:  # purge: the order and everything hanging off it, in one transaction
            log.emit("orders", "d", shard, at, order)
            for line in lines:
                log.emit("order_items", "d", shard, at, line)
            for step_row in history:
                log.emit("order_status_history", "d", shard, at, step_row)
            log.emit("payments", "d", shard, at, payment)


def _assign_positions(changes: list[Change], rng: random.Random, partitions: int = 4) -> None:
    """WAL positions per shard in commit order; Kafka offsets per (topic, partition) in commit order."""
    changes.sort(key=lambda c: (c.at, c.shard))
    lsn: dict[str, int] = defaultdict(lambda: 0x1600000)
    offsets: dict[tuple[str, int], int] = defaultdict(int)
    for change in changes:
        lsn[change.shard] += rng.randint(40, 400)
        change.lsn = lsn[change.shard]
        change.partition = zlib.crc32(json.dumps(change.pk, default=str, sort_keys=True).encode()) % partitions
        key = (change.table, change.partition)
        change.offset = offsets[key]
        offsets[key] += 1


def _expected(changes: Iterable[Change]) -> dict[str, dict[Key, Row]]:
    state: dict[str, dict[Key, Row]] = defaultdict(dict)
    for change in changes:  # already in commit order
        key = tuple(change.pk[k] for k in CURATED_TABLES[change.table].primary_key)
        if change.op == "d":
            state[change.table].pop(key, None)
        else:
            assert change.after is not None
            state[change.table][key] = dict(change.after)
    return dict(state)


def generate(spec: SyntheticSpec) -> SyntheticLake:
    cities = max(1, min(MAX_CITIES, spec.restaurants))
    world = build_world(
        cities=cities,
        restaurants_per_city=math.ceil(spec.restaurants / cities),
        customers=spec.users or max(1, spec.orders // 3),
        seed=spec.seed,
    )
    world.restaurants = world.restaurants[: spec.restaurants]
    served = {r.city.name for r in world.restaurants}
    world.customers = [c for c in world.customers if c.city.name in served]
    log = _Changes(spec)
    restaurants = _restaurants(log, world.restaurants)
    _coupons(log)
    users = _users(log, world.customers)
    outcomes = Outcomes(payment_failure=spec.cancel_share, refund=spec.cancel_share / 4)
    for placed in order_stream(
        world, count=spec.orders, days=spec.days, end=spec.end, seed=spec.seed, outcomes=outcomes
    ):
        _order(log, placed, restaurants[placed.restaurant.key], users[placed.customer.key])
    _assign_positions(log.changes, log.rng)
    last_offset: dict[tuple[str, int], int] = defaultdict(int)
    for change in log.changes:
        slot = (change.table, change.partition)
        last_offset[slot] = max(last_offset[slot], change.offset)
    duplicates = []
    for change in log.changes:
        if log.rng.random() < spec.duplicate_share:
            slot = (change.table, change.partition)
            last_offset[slot] += 1
            duplicates.append(
                Change(**{**change.__dict__, "offset": last_offset[slot], "after": change.after, "pk": change.pk})
            )
    return SyntheticLake(changes=log.changes, duplicates=duplicates, expected=_expected(log.changes))


def raw_table(changes: list[Change]) -> pa.Table:
    return pa.Table.from_pydict(
        {
            "op": [c.op for c in changes],
            "table": [c.table for c in changes],
            "shard": [c.shard for c in changes],
            "lsn": [c.lsn for c in changes],
            "txid": [None for _ in changes],
            "commit_ts": [c.at for c in changes],
            "pk": [_dumps(c.pk) for c in changes],
            "before": [_dumps(c.pk) if c.op in ("u", "d") else None for c in changes],
            "after": [_dumps(c.after) for c in changes],
            "schema_version": [CDC_SCHEMA_VERSION for _ in changes],
            "kafka_topic": [f"cdc.{c.table}" for c in changes],
            "kafka_partition": [c.partition for c in changes],
            "kafka_offset": [c.offset for c in changes],
        },
        schema=RAW_CDC_SCHEMA,
    )


def write_raw(lake: Location, changes: Iterable[Change], until: datetime | None = None) -> list[str]:
    """Write changes (committed before ``until``) as the sink would: one file per table, hour, partition."""
    groups: dict[tuple[str, str, int, int], list[Change]] = defaultdict(list)
    for change in changes:
        if until is not None and change.at >= until:
            continue
        utc = change.at.astimezone(UTC)
        groups[(change.table, utc.strftime("%Y-%m-%d"), utc.hour, change.partition)].append(change)
    written = []
    for (table, day, hour, partition), group in sorted(groups.items()):
        group.sort(key=lambda c: c.offset)
        folder = lake.path(RAW_CDC, table, f"date={day}", f"hour={hour:02d}")
        lake.fs.create_dir(folder, recursive=True)
        name = raw_file_name(f"cdc.{table}", partition, group[0].offset, group[-1].offset)
        pq.write_table(raw_table(group), f"{folder}/{name}", filesystem=lake.fs)
        written.append(f"{folder}/{name}")
    return written
