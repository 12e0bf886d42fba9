"""Erasure reaches everything (GDPR Art. 17): a customer whose order went through the whole chain
(HTTP API -> CDC relay -> Kafka -> raw lake -> compaction and facts -> warehouse -> dbt marts) erases
their account; after the chain runs again, no Kafka topic, no Parquet file under the lake or the
archive, and no warehouse or marts table holds their e-mail, phone, name, street line or postcode in
plain text, and the order is still counted in ``fct_orders`` under the same (pseudonymous) user id."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import duckdb
import httpx
import psycopg
import pyarrow.parquet as pq
import pytest
from support.api_actors import DELIVERY_ADDRESS, PASSWORD, ApiRestaurant, ApiUser
from support.kafka_readback import message_bytes, read_every_topic

from pizza.config import PlatformSettings, get_platform_settings
from streaming.relay.app import CdcRelay

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def run_chain(stack: PlatformSettings, relay: CdcRelay, root: Path, sink: Callable[..., None], *, marts: bool) -> None:
    """Publish, land, compact, build facts, load the warehouse (and build the marts): what Airflow runs."""
    from pipelines import orchestration

    relay.run(until_idle=True)
    sink(stack, root / "lake")
    orchestration.build_daily_facts(orchestration.compact_curated_tables())
    orchestration.load_warehouse()
    if marts:
        orchestration.run_marts_build()


def parquet_files(root: Path) -> Iterator[Path]:
    yield from (p for p in root.rglob("*.parquet") if p.is_file()) if root.exists() else iter(())


def duckdb_tables(path: Path) -> Iterator[tuple[str, list[tuple[Any, ...]]]]:
    with duckdb.connect(str(path), read_only=True) as con:
        tables = con.execute(
            "SELECT table_schema, table_name FROM information_schema.tables WHERE table_schema NOT IN "
            "('information_schema', 'pg_catalog')"
        ).fetchall()
        for schema, table in tables:
            yield f"{schema}.{table}", con.execute(f'SELECT * FROM "{schema}"."{table}"').fetchall()


def test_an_erased_customer_is_found_nowhere_downstream_and_their_order_still_counts(
    stack: PlatformSettings,
    relay: CdcRelay,
    batch_env: Path,
    http: httpx.Client,
    admin: ApiUser,
    make_user: Callable[..., ApiUser],
    make_restaurant: Callable[..., ApiRestaurant],
    place_order: Callable[..., dict[str, Any]],
    walk_order: Callable[..., dict[str, Any]],
    sink_to_lake: Callable[..., None],
) -> None:
    restaurant = make_restaurant()
    customer = make_user()
    tag = uuid.uuid4().hex[:10]
    mine = {
        "email": customer.email.lower(),
        "phone": f"+4917{int(tag, 16) % 10**8:08d}",
        "name": f"Erasure Tester {tag}",
        "line1": f"Vergessenweg {tag}",
        "postcode": f"E{tag[:6]}",
    }
    assert http.patch(
        "/users/me", json={"phone": mine["phone"], "name": mine["name"]}, headers=customer.headers
    ).is_success
    address = {"label": "home", "line1": mine["line1"], "city": "Berlin", "postcode": mine["postcode"],
               "country": "DE", "lat": 52.52, "lon": 13.42}  # fmt: skip
    assert http.post("/users/me/addresses", json=address, headers=customer.headers).status_code == 201
    delivery = {**DELIVERY_ADDRESS, "line1": mine["line1"], "postcode": mine["postcode"]}
    placed = place_order(customer, restaurant.restaurant_id, address=delivery)
    order = walk_order(placed, "DELIVERED", staff=restaurant.staff)
    run_chain(stack, relay, batch_env, sink_to_lake, marts=False)

    wrong = http.request("DELETE", "/users/me", json={"current_password": "not the password"}, headers=customer.headers)
    assert wrong.status_code == 403, wrong.text
    erased = http.request("DELETE", "/users/me", json={"current_password": PASSWORD}, headers=customer.headers)
    assert erased.status_code == 204, erased.text
    assert http.get("/users/me", headers=customer.headers).status_code == 401  # its tokens died with it
    again = http.delete(f"/users/{customer.user_id}", headers=admin.headers)
    assert again.status_code == 204, again.text  # idempotent
    login = http.post("/auth/token", data={"username": customer.email, "password": PASSWORD})
    assert login.status_code == 401
    run_chain(stack, relay, batch_env, sink_to_lake, marts=True)

    needles = {what: value.lower().encode() for what, value in mine.items()}

    def assert_absent(blob: bytes, where: str) -> None:
        blob = blob.lower()
        for what, needle in needles.items():
            assert needle not in blob, f"{what} in plain text in {where}"

    for message in read_every_topic(stack.kafka):
        assert_absent(message_bytes(message), f"topic {message.topic()} at offset {message.offset()}")
    platform = get_platform_settings()
    files = [*parquet_files(batch_env / "lake"), *parquet_files(Path(platform.archive))]
    assert any("raw" in f.parts for f in files), "the lake sink wrote raw files: the search saw them"
    for file in files:
        assert_absent(json.dumps(pq.read_table(file).to_pylist(), default=str).encode(), str(file))
    warehouses = [platform.warehouse, platform.marts_snapshot]
    searched = 0
    for path in (Path(p) for p in warehouses if Path(p).exists()):
        for table, rows in duckdb_tables(path):
            searched += 1
            assert_absent(json.dumps(rows, default=str).encode(), f"{path.name}:{table}")
    assert searched >= 10, "the warehouse and the marts were searched"

    with duckdb.connect(str(platform.warehouse), read_only=True) as con:
        fact = con.execute(
            "SELECT customer_id, total_minor FROM marts.fct_orders WHERE order_id = ?", [order["order_id"]]
        ).fetchone()
    assert fact == (str(customer.user_id), order["total_cents"])  # the order still counts, same pseudonymous id
    with psycopg.connect(stack.catalog) as conn:
        key = conn.execute(
            "SELECT wrapped_key, erased_at FROM user_data_keys WHERE user_id = %s", (customer.user_id,)
        ).fetchone()
        directory = conn.execute("SELECT 1 FROM user_directory WHERE email = %s", (mine["email"],)).fetchone()
    assert key is not None
    assert key[0] is None  # crypto-shredded: every sealed copy is unreadable
    assert key[1] is not None
    assert directory is None
