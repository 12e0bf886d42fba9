"""Synthetic raw CDC, shaped exactly like the lake sink's files, for tests and benchmarks.

Orders walk the real state machine (PENDING -> PAID -> ACCEPTED -> PREPARING -> READY -> PICKED_UP ->
DELIVERED, some CANCELLED), each step an ``orders`` update plus an ``order_status_history`` insert in one
transaction; payments go PENDING -> SUCCEEDED/FAILED/REFUNDED; users live on the shard the shard map
gives them; restaurants and coupons on the catalog. A few rows are deleted, and a share of changes is
delivered twice (same shard, lsn, table, pk; another Kafka offset), as a relay replay would.

``generate`` also returns the expected final state per table, so tests can compare exactly.
"""

from __future__ import annotations

import json
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
from pizza.contracts.cdc import CDC_SCHEMA_VERSION
from pizza.contracts.curated import CURATED_TABLES
from pizza.contracts.lake import RAW_CDC, RAW_CDC_SCHEMA, raw_file_name
from pizza.db.shards import ShardMap

Row = dict[str, Any]
Key = tuple[Any, ...]

CITIES = {
    "Berlin": ("DE", "EUR", "Europe/Berlin", 52.52, 13.40),
    "Paris": ("FR", "EUR", "Europe/Paris", 48.86, 2.35),
    "London": ("GB", "GBP", "Europe/London", 51.51, -0.13),
    "New York": ("US", "USD", "America/New_York", 40.71, -74.01),
    "São Paulo": ("BR", "BRL", "America/Sao_Paulo", -23.55, -46.63),
    "Tokyo": ("JP", "JPY", "Asia/Tokyo", 35.68, 139.69),
}
MENU = [("margherita", 900), ("diavola", 1150), ("quattro-formaggi", 1300), ("marinara", 800), ("calzone", 1250)]
FLOW = [  # next status, minutes after the previous step (low, high)
    ("PAID", 0.5, 3.0),
    ("ACCEPTED", 0.5, 5.0),
    ("PREPARING", 1.0, 3.0),
    ("READY", 8.0, 20.0),
    ("PICKED_UP", 2.0, 10.0),
    ("DELIVERED", 8.0, 30.0),
]


@dataclass(frozen=True)
class SyntheticSpec:
    orders: int = 500
    start: datetime = datetime(2026, 1, 5, tzinfo=UTC)
    days: int = 3
    shards: int = 4
    restaurants: int = 24
    users: int | None = None  # default: a third of the orders
    cancel_share: float = 0.08
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


class _World:
    def __init__(self, spec: SyntheticSpec) -> None:
        self.spec = spec
        self.rng = random.Random(spec.seed)
        self.shard_map = ShardMap.even([f"shard_{i}" for i in range(spec.shards)])
        self.changes: list[Change] = []

    def uuid(self) -> uuid.UUID:
        return uuid.UUID(int=self.rng.getrandbits(128), version=4)

    def emit(self, table: str, op: str, shard: str, at: datetime, row: Row, key_row: Row | None = None) -> None:
        keys = CURATED_TABLES[table].primary_key
        pk = {k: (key_row or row)[k] for k in keys}
        self.changes.append(Change(table, op, shard, at, pk, None if op == "d" else dict(row)))

    def minutes(self, low: float, high: float) -> timedelta:
        return timedelta(minutes=self.rng.uniform(low, high))


def _catalog(world: _World) -> tuple[list[Row], list[Row]]:
    spec, rng = world.spec, world.rng
    restaurants: list[Row] = []
    cities = list(CITIES)
    for i in range(spec.restaurants):
        city = cities[i % len(cities)]
        country, currency, tz, lat, lon = CITIES[city]
        created = spec.start - timedelta(days=rng.randint(30, 300), seconds=rng.randint(0, 86_399))
        row: Row = {
            "restaurant_id": world.uuid(),
            "name": f"Pizzeria {i:03d}",
            "city": city,
            "country": country,
            "timezone": tz,
            "currency": currency,
            "cuisine": rng.choice(["neapolitan", "roman", "new-york", "detroit"]),
            "address": f"{rng.randint(1, 200)} Main Street",
            "lat": round(lat + rng.uniform(-0.05, 0.05), 6),
            "lon": round(lon + rng.uniform(-0.05, 0.05), 6),
            "opening_hours": {"mon": [["11:00", "23:00"]]},
            "rating_avg": round(rng.uniform(3.5, 5.0), 2),
            "rating_count": rng.randint(0, 500),
            "is_active": True,
            "created_at": created,
            "updated_at": created,
        }
        world.emit("restaurants", "r", "catalog", created, row)
        if rng.random() < 0.3:  # a rating refresh inside the window
            at = spec.start + world.minutes(0, spec.days * 1440)
            row = {**row, "rating_avg": round(rng.uniform(3.5, 5.0), 2), "updated_at": at}
            world.emit("restaurants", "u", "catalog", at, row)
        restaurants.append(row)
    coupons: list[Row] = []
    for code, value in (("WELCOME10", 10), ("PIZZA5", 5), ("FAMILY15", 15)):
        created = spec.start - timedelta(days=60)
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
        world.emit("coupons", "r", "catalog", created, coupon)
        coupons.append(coupon)
    return restaurants, coupons


def _users(world: _World) -> list[tuple[Row, str, list[Row]]]:
    spec, rng = world.spec, world.rng
    out: list[tuple[Row, str, list[Row]]] = []
    for i in range(spec.users or max(1, spec.orders // 3)):
        user_id = world.uuid()
        shard = world.shard_map.shard_for_user(user_id)
        city = rng.choice(list(CITIES))
        created = spec.start + timedelta(days=rng.uniform(-60, spec.days * 0.5))
        user: Row = {
            "user_id": user_id,
            "email": f"User{i}@Example.com ",
            "name": f"User {i}",
            "phone": f"+4915{i:08d}" if rng.random() < 0.7 else None,
            "password_hash": "$argon2id$v=19$secret",
            "role": "customer",
            "restaurant_id": None,
            "city": city,
            "loyalty_points": 0,
            "created_at": created,
            "updated_at": created,
        }
        world.emit("users", "c", shard, created, user)
        addresses: list[Row] = []
        for n in range(rng.randint(1, 2)):
            _, _, _, lat, lon = CITIES[city]
            address: Row = {
                "address_id": world.uuid(),
                "user_id": user_id,
                "label": "home" if n == 0 else "work",
                "line1": f"{rng.randint(1, 99)} Side Street",
                "city": city,
                "postcode": f"{rng.randint(10000, 99999)}",
                "country": CITIES[city][0],
                "lat": round(lat + rng.uniform(-0.05, 0.05), 6),
                "lon": round(lon + rng.uniform(-0.05, 0.05), 6),
                "is_default": n == 0,
                "created_at": created,
            }
            world.emit("user_addresses", "c", shard, created, address)
            addresses.append(address)
        if len(addresses) > 1 and rng.random() < spec.delete_share * 10:
            gone = addresses.pop()
            at = max(created, spec.start) + world.minutes(1, 600)
            if at < spec.end:
                world.emit("user_addresses", "d", shard, at, gone)
            else:
                addresses.append(gone)
        out.append((user, shard, addresses))
    return out


def _orders(world: _World, restaurants: list[Row], users: list[tuple[Row, str, list[Row]]]) -> None:
    spec, rng = world.spec, world.rng
    window = spec.days * 86_400
    for _ in range(spec.orders):
        user, shard, addresses = rng.choice(users)
        restaurant = rng.choice(restaurants)
        placed = spec.start + timedelta(seconds=rng.uniform(0, window))
        placed = max(placed, user["created_at"] + timedelta(seconds=1))
        if placed >= spec.end:
            continue
        order_id = world.uuid()
        lines = []
        for line_no in range(1, rng.randint(1, 4) + 1):
            menu_item, price = rng.choice(MENU)
            qty = rng.randint(1, 3)
            lines.append(
                {
                    "order_id": order_id,
                    "line_no": line_no,
                    "order_created_at": placed,
                    "menu_item_id": menu_item,
                    "name": menu_item.replace("-", " ").title(),
                    "size": rng.choice(["small", "medium", "large", None]),
                    "toppings": ["basil"] if rng.random() < 0.3 else [],
                    "quantity": qty,
                    "unit_price_cents": price,
                    "line_total_cents": qty * price,
                }
            )
        subtotal = sum(int(line["line_total_cents"]) for line in lines)
        coupon = "PIZZA5" if rng.random() < 0.1 else None
        discount = subtotal * 5 // 100 if coupon else 0
        fee = 299
        address = addresses[0] if addresses else None
        order: Row = {
            "order_id": order_id,
            "user_id": user["user_id"],
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
            "idempotency_key": str(world.uuid()),
            "request_hash": f"{rng.getrandbits(64):016x}",
            "created_at": placed,
            "updated_at": placed,
        }
        payment: Row = {
            "payment_id": world.uuid(),
            "order_id": order_id,
            "user_id": user["user_id"],
            "amount_cents": order["total_cents"],
            "currency": order["currency"],
            "status": "PENDING",
            "provider": "simulated",
            "provider_ref": None,
            "method": "card",
            "failure_reason": None,
            "created_at": placed,
            "updated_at": placed,
        }
        world.emit("orders", "c", shard, placed, order)
        for line in lines:
            world.emit("order_items", "c", shard, placed, line)
        history = [_history(order_id, 1, None, "PENDING", placed)]
        world.emit("order_status_history", "c", shard, placed, history[0])
        world.emit("payments", "c", shard, placed, payment)
        _walk(world, order, payment, history, shard)
        if order["status"] == "CANCELLED" and rng.random() < spec.delete_share * 10:
            at = order["updated_at"] + world.minutes(5, 60)
            if at < spec.end:  # purge: the order and everything hanging off it, in one transaction
                world.emit("orders", "d", shard, at, order)
                for line in lines:
                    world.emit("order_items", "d", shard, at, line)
                for step in history:
                    world.emit("order_status_history", "d", shard, at, step)
                world.emit("payments", "d", shard, at, payment)


def _history(order_id: uuid.UUID, seq: int, before: str | None, after: str, at: datetime) -> Row:
    return {
        "order_id": order_id,
        "seq": seq,
        "from_status": before,
        "to_status": after,
        "reason": None,
        "changed_by": "system",
        "changed_at": at,
    }


def _walk(world: _World, order: Row, payment: Row, history: list[Row], shard: str) -> None:
    """Advance one order through the state machine until it ends or 'now' is reached."""
    spec, rng = world.spec, world.rng
    at: datetime = order["created_at"]
    cancel_after = rng.choice(["PENDING", "PAID"]) if rng.random() < spec.cancel_share else None
    for status, low, high in FLOW:
        if cancel_after == order["status"]:
            status, low, high = "CANCELLED", 1.0, 15.0
        at = at + world.minutes(low, high)
        if at >= spec.end:
            return
        step = _history(order["order_id"], len(history) + 1, order["status"], status, at)
        if status == "CANCELLED":
            step["reason"] = "customer cancelled"
        history.append(step)
        order.update(status=status, updated_at=at)
        world.emit("orders", "u", shard, at, order)
        world.emit("order_status_history", "c", shard, at, step)
        if status in ("PAID", "CANCELLED"):
            paid = payment["status"] == "SUCCEEDED"
            new_status = "SUCCEEDED" if status == "PAID" else ("REFUNDED" if paid else "FAILED")
            payment.update(status=new_status, updated_at=at, provider_ref=f"sim_{rng.getrandbits(32):08x}")
            if new_status == "FAILED":
                payment["failure_reason"] = "cancelled before payment"
            world.emit("payments", "u", shard, at, payment)
        if status == "CANCELLED":
            return


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
    world = _World(spec)
    restaurants, _ = _catalog(world)
    users = _users(world)
    _orders(world, restaurants, users)
    _assign_positions(world.changes, world.rng)
    last_offset: dict[tuple[str, int], int] = defaultdict(int)
    for change in world.changes:
        slot = (change.table, change.partition)
        last_offset[slot] = max(last_offset[slot], change.offset)
    duplicates = []
    for change in world.changes:
        if world.rng.random() < spec.duplicate_share:
            slot = (change.table, change.partition)
            last_offset[slot] += 1
            duplicates.append(
                Change(**{**change.__dict__, "offset": last_offset[slot], "after": change.after, "pk": change.pk})
            )
    return SyntheticLake(changes=world.changes, duplicates=duplicates, expected=_expected(world.changes))


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
