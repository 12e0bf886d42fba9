"""A benchmark run while a development stack is up leaves that stack exactly as it was.

The session's stack stands in for the developer's: the benchmark process inherits its ``PIZZA_*``
environment, as it would from a shell where `pizza stack up` ran. Before and after one short CDC
benchmark (it commits orders on every shard, creates slots and publishes to topics) the test records
every table's row count in the catalog and the shards, every topic's offsets, every replication
slot's positions, the databases, and the files of the lake, archive and warehouse; all must match.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest
from confluent_kafka import Consumer, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

from pizza.config import PlatformSettings

pytestmark = [pytest.mark.integration, pytest.mark.slow]

REPO = Path(__file__).resolve().parents[3]
# Benchmark stacks take ports in 20000-24999, apart from the test stacks (25000-29999) and the defaults;
# each test session its own block, below the 23000 a `make bench` uses.
_TEST_BASE = int(os.environ.get("PIZZA_TEST_PORT_BASE", "25000"))
BENCH_PORT_BASE = int(os.environ.get("PIZZA_TEST_BENCH_PORT_BASE", str(20000 + (_TEST_BASE % 5000) // 2)))


@dataclass(frozen=True)
class Snapshot:
    databases: list[str]
    row_counts: dict[str, int]
    slots: dict[str, tuple[Any, ...]]
    offsets: dict[str, tuple[int, int]]
    files: dict[str, tuple[int, int]]


def row_counts(dsn: str, label: str) -> dict[str, int]:
    """Exact row count of every table (each partition on its own) outside the system schemas."""
    with psycopg.connect(dsn) as conn:
        tables = conn.execute(
            """SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname)
                 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                WHERE c.relkind = 'r' AND n.nspname NOT IN ('pg_catalog', 'information_schema')
                  AND n.nspname NOT LIKE 'pg_toast%'"""
        ).fetchall()
        return {f"{label}.{t}": conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for (t,) in tables}  # type: ignore[index]


def offsets(bootstrap: str) -> dict[str, tuple[int, int]]:
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"iso-{uuid.uuid4().hex[:8]}"})
    try:
        found: dict[str, tuple[int, int]] = {}
        for topic, meta in consumer.list_topics(timeout=10).topics.items():
            for partition in meta.partitions:
                low, high = consumer.get_watermark_offsets(TopicPartition(topic, partition), timeout=10, cached=False)
                found[f"{topic}[{partition}]"] = (low, high)
        return found
    finally:
        consumer.close()


def files(*roots: Path) -> dict[str, tuple[int, int]]:
    return {
        str(path): (path.stat().st_size, path.stat().st_mtime_ns)
        for root in roots
        if root.exists()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def snapshot(settings: PlatformSettings) -> Snapshot:
    with psycopg.connect(settings.local_dsn("postgres")) as conn:
        databases = sorted(r[0] for r in conn.execute("SELECT datname FROM pg_database"))
        slots = {
            r[0]: tuple(r[1:])
            for r in conn.execute(
                "SELECT slot_name, database, confirmed_flush_lsn::text, restart_lsn::text FROM pg_replication_slots"
            )
        }
    counts = row_counts(settings.catalog, "catalog")
    for name, dsn in settings.shards.items():
        counts |= row_counts(dsn, name)
    return Snapshot(
        databases,
        counts,
        slots,
        offsets(settings.kafka),
        files(Path(settings.lake), Path(settings.archive), settings.warehouse.parent),
    )


@pytest.fixture
def developers_stack(stack: PlatformSettings) -> Iterator[PlatformSettings]:
    """The session's stack with what a developer's holds: an order, a slot behind it, a topic, lake files."""
    suffix = uuid.uuid4().hex[:8]
    shard = sorted(stack.shards)[0]
    slot = f"iso_{suffix}"
    topic = f"iso.{suffix}"
    with psycopg.connect(stack.shards[shard], autocommit=True) as conn:
        conn.execute("SELECT pg_create_logical_replication_slot(%s, 'wal2json')", (slot,))
        conn.execute(
            "INSERT INTO orders (order_id, user_id, restaurant_id, status, currency, subtotal_cents, total_cents,"
            " city, delivery_address) VALUES (%s, %s, %s, 'PENDING', 'EUR', 900, 900, 'Napoli', '{}')",
            (uuid.uuid4(), uuid.uuid4(), uuid.uuid4()),
        )
    admin = AdminClient({"bootstrap.servers": stack.kafka})
    admin.create_topics([NewTopic(topic, 1, 1)])[topic].result(30)
    producer = Producer({"bootstrap.servers": stack.kafka})
    for n in range(3):
        producer.produce(topic, key=str(n).encode(), value=b"developer's event")
    assert producer.flush(30) == 0
    marker = Path(stack.lake) / "raw" / "isolation" / f"{suffix}.parquet"
    marker.parent.mkdir(parents=True, exist_ok=True)
    marker.write_bytes(b"a developer's lake file")
    try:
        yield stack
    finally:
        marker.unlink(missing_ok=True)
        with psycopg.connect(stack.shards[shard], autocommit=True) as conn:
            conn.execute("SELECT pg_drop_replication_slot(%s)", (slot,))


def test_a_benchmark_leaves_the_running_stack_untouched(developers_stack: PlatformSettings, tmp_path: Path) -> None:
    before = snapshot(developers_stack)
    assert before.slots
    assert before.offsets
    assert before.files
    assert before.row_counts

    result_file = tmp_path / "cdc.json"
    argv = [sys.executable, "bench/cdc.py", "--orders", "100", "--rate", "20", "--seconds", "1"]
    argv += ["--port-base", str(BENCH_PORT_BASE), "--json", str(result_file)]
    run = subprocess.run(argv, cwd=REPO, env=dict(os.environ), capture_output=True, text=True, timeout=400)
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-4000:]

    report = json.loads(result_file.read_text())
    assert report["benchmark"] == "cdc"
    assert report["figures"][0]["value"] > 0
    assert report["figures"][0]["baseline"] > 0
    assert "relay backlog drain" in run.stdout

    after = snapshot(developers_stack)
    assert after.databases == before.databases
    assert after.row_counts == before.row_counts
    assert after.slots == before.slots
    assert after.offsets == before.offsets
    assert after.files == before.files


def test_pointing_a_benchmark_at_the_running_stack_needs_consent(stack: PlatformSettings) -> None:
    """--target-existing-stack says what it would write and where, then refuses with no --yes and no terminal."""
    argv = [sys.executable, "bench/cdc.py", "--target-existing-stack", "--orders", "10", "--seconds", "1"]
    run = subprocess.run(
        argv, cwd=REPO, env=dict(os.environ), capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=120
    )
    assert run.returncode != 0
    assert "refusing without --yes" in run.stderr
    assert "WRITE to an existing stack" in run.stdout
    assert str(stack.pg_port) in run.stdout
    assert stack.kafka in run.stdout
