"""Fixtures of the batch layer's integration tests: one Spark session, a moto S3 server, order writers."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path

import psycopg
import pytest
from pyspark.sql import SparkSession
from support.serving import free_port

from pipelines.settings import PipelineSettings
from pipelines.spark import get_spark
from pizza.config import PlatformSettings
from pizza.db.shards import ShardMap
from pizza.ids import new_id


@pytest.fixture(scope="session")
def spark() -> SparkSession:
    return get_spark(PipelineSettings(), "pizza-tests")


@pytest.fixture(scope="session")
def s3_endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real S3-compatible server (moto in server mode) on a free loopback port, for the session."""
    port = free_port()
    log = tmp_path_factory.mktemp("moto") / "moto.log"
    binary = Path(sys.executable).parent / "moto_server"
    saved = {k: os.environ.get(k) for k in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_DEFAULT_REGION")}
    os.environ.update(AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing", AWS_DEFAULT_REGION="us-east-1")
    with open(log, "wb") as out:
        proc = subprocess.Popen([str(binary), "-H", "127.0.0.1", "-p", str(port)], stdout=out, stderr=subprocess.STDOUT)
    endpoint = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                break
        time.sleep(0.2)
    else:
        proc.kill()
        pytest.fail(f"moto_server did not start: {log.read_text()}")
    yield endpoint
    proc.terminate()
    proc.wait(timeout=10)
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


@pytest.fixture
def s3_bucket(s3_endpoint: str) -> str:
    """A fresh, empty bucket; returns its name."""
    import boto3

    name = f"pizza-{uuid.uuid4().hex[:12]}"
    boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1").create_bucket(Bucket=name)
    return name


OrderWriter = Callable[[str, datetime, int], list[str]]


@pytest.fixture
def month_partitions_for(stack: PlatformSettings) -> Callable[[str, list[datetime]], None]:
    """Recreate month partitions an earlier test archived (pg_partman creates only missing ones)."""

    def ensure(shard: str, months: list[datetime]) -> None:
        with psycopg.connect(stack.shards[shard], autocommit=True) as conn:
            for parent in ("public.orders", "public.order_items"):
                conn.execute("SELECT partman.create_partition_time(%s, %s::timestamptz[])", (parent, months))

    return ensure


@pytest.fixture
def write_orders(stack: PlatformSettings) -> OrderWriter:
    """Write delivered orders for a new user the way the API does: user, order, items, status history and
    outbox rows in one transaction on the user's shard. Returns the order ids; the user's shard is the one
    the caller names (the user id is drawn until the shard map routes it there)."""
    with psycopg.connect(stack.catalog) as conn:
        shard_map = ShardMap.load(conn)

    def write(shard: str, at: datetime, count: int) -> list[str]:
        user_id = new_id()
        while shard_map.shard_for_user(user_id) != shard:
            user_id = new_id()
        ids: list[str] = []
        with psycopg.connect(stack.shards[shard]) as conn, conn.transaction():
            conn.execute(
                "INSERT INTO users (user_id, email, name, password_hash, city, created_at) VALUES (%s,%s,%s,%s,%s,%s)",
                (user_id, f"{user_id}@example.com", "Archive Tester", "x", "Berlin", at - timedelta(days=1)),
            )
            for n in range(count):
                order_id, created = new_id(), at + timedelta(hours=n, minutes=n)
                conn.execute(
                    """INSERT INTO orders (order_id, user_id, restaurant_id, status, currency, subtotal_cents,
                           discount_cents, delivery_fee_cents, total_cents, city, delivery_address, delivery_lat,
                           delivery_lon, created_at, updated_at)
                       VALUES (%s,%s,%s,'DELIVERED','EUR',%s,0,299,%s,'Berlin',%s,52.520001,13.404954,%s,%s)""",
                    (
                        order_id,
                        user_id,
                        uuid.uuid4(),
                        1000 + n,
                        1299 + n,
                        json.dumps({"line1": f"Street {n}", "note": "ring twice"}),
                        created,
                        created,
                    ),
                )
                for line in (1, 2):
                    conn.execute(
                        """INSERT INTO order_items (order_id, line_no, order_created_at, menu_item_id, name, size,
                               toppings, quantity, unit_price_cents, line_total_cents)
                           VALUES (%s,%s,%s,'margherita','Margherita',%s,%s,1,500,500)""",
                        (order_id, line, created, None if line == 2 else "large", json.dumps(["basil"])),
                    )
                for seq, (before, after) in enumerate([(None, "PENDING"), ("PENDING", "DELIVERED")], start=1):
                    conn.execute(
                        """INSERT INTO order_status_history (order_id, seq, from_status, to_status, changed_at)
                           VALUES (%s,%s,%s,%s,%s)""",
                        (order_id, seq, before, after, created + timedelta(minutes=30 * (seq - 1))),
                    )
                conn.execute(
                    """INSERT INTO outbox (event_id, aggregate_type, aggregate_id, event_type, schema_version, payload)
                       VALUES (%s,'order',%s,'OrderCreated',1,'{}')""",
                    (new_id(), str(order_id)),
                )
                ids.append(str(order_id))
        return ids

    return write
