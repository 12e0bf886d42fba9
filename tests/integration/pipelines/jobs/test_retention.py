"""Retention on real databases: rows past their horizon go, in batches; younger rows and other users' stay."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import psycopg
import pytest

from pipelines.jobs import retention
from pipelines.settings import PipelineSettings
from pizza.config import PlatformSettings

pytestmark = pytest.mark.integration

NOW = datetime.now(UTC)
OLD = {"idempotency_keys": NOW - timedelta(hours=25), "outbox": NOW - timedelta(days=8),
       "processed_events": NOW - timedelta(days=15), "refresh_tokens": NOW - timedelta(minutes=1)}  # fmt: skip
YOUNG = {"idempotency_keys": NOW - timedelta(hours=23), "outbox": NOW - timedelta(days=6),
         "processed_events": NOW - timedelta(days=13), "refresh_tokens": NOW + timedelta(days=1)}  # fmt: skip


def _plant_shard(conn: psycopg.Connection, user_id: uuid.UUID, age: dict[str, datetime], n: int) -> None:
    for _ in range(n):
        conn.execute(
            """INSERT INTO idempotency_keys (user_id, key, request_hash, order_id, created_at)
               VALUES (%s, %s, 'h', %s, %s)""",
            (user_id, uuid.uuid4().hex, uuid.uuid4(), age["idempotency_keys"]),
        )
        conn.execute(
            "INSERT INTO refresh_tokens (token_hash, family_id, user_id, expires_at) VALUES (%s, %s, %s, %s)",
            (uuid.uuid4().hex, uuid.uuid4(), user_id, age["refresh_tokens"]),
        )
        _plant_log_tables(conn, age)


def _plant_log_tables(conn: psycopg.Connection, age: dict[str, datetime]) -> None:
    conn.execute(
        """INSERT INTO outbox (event_id, aggregate_type, aggregate_id, event_type, schema_version, payload, created_at)
           VALUES (%s, 'retention_test', 'a', 'Nothing', 1, '{}', %s)""",
        (uuid.uuid4(), age["outbox"]),
    )
    conn.execute(
        "INSERT INTO processed_events (consumer, event_id, processed_at) VALUES ('retention_test', %s, %s)",
        (uuid.uuid4(), age["processed_events"]),
    )


def _counts(conn: psycopg.Connection, user_id: uuid.UUID | None) -> dict[str, tuple[int, int]]:
    """(old, young) rows per table that this test planted."""
    mine = {
        "idempotency_keys": ("created_at", "user_id = %(u)s"),
        "refresh_tokens": ("expires_at", "user_id = %(u)s"),
        "outbox": ("created_at", "aggregate_type = 'retention_test'"),
        "processed_events": ("processed_at", "consumer = 'retention_test'"),
    }
    counts = {}
    for table, (column, planted) in mine.items():
        if user_id is None and table in ("idempotency_keys", "refresh_tokens"):
            continue
        row = conn.execute(
            f"""SELECT count(*) FILTER (WHERE {column} <= %(cut)s), count(*) FILTER (WHERE {column} > %(cut)s)
                  FROM {table} WHERE {planted}""",
            {"u": user_id, "cut": OLD[table] + timedelta(seconds=30)},
        ).fetchone()
        assert row is not None
        counts[table] = (row[0], row[1])
    return counts


@pytest.fixture
def planted(stack: PlatformSettings) -> tuple[uuid.UUID, str]:
    user_id = uuid.uuid4()
    shard = "shard_1"
    with psycopg.connect(stack.shards[shard], autocommit=True) as conn:
        conn.execute("DELETE FROM outbox WHERE aggregate_type = 'retention_test'")
        conn.execute("DELETE FROM processed_events WHERE consumer = 'retention_test'")
        conn.execute(
            "INSERT INTO users (user_id, email, name, password_hash) VALUES (%s, %s, 'Retention Test', 'x')",
            (user_id, f"{user_id}@example.test"),
        )
        _plant_shard(conn, user_id, OLD, 5)
        _plant_shard(conn, user_id, YOUNG, 3)
    with psycopg.connect(stack.catalog, autocommit=True) as conn:
        conn.execute("DELETE FROM outbox WHERE aggregate_type = 'retention_test'")
        conn.execute("DELETE FROM processed_events WHERE consumer = 'retention_test'")
        for age, n in ((OLD, 4), (YOUNG, 2)):
            for _ in range(n):
                _plant_log_tables(conn, age)
    return user_id, shard


def test_purge_removes_rows_past_each_horizon_in_batches_and_keeps_the_rest(
    stack: PlatformSettings, planted: tuple[uuid.UUID, str]
) -> None:
    user_id, shard = planted
    settings = PipelineSettings(retention_batch_rows=2)  # 5 old rows per table: three batches

    dry = retention.purge_database(stack.shards[shard], shard, settings, dry_run=True)
    assert {p.table for p in dry} == {"idempotency_keys", "outbox", "processed_events", "refresh_tokens"}
    with psycopg.connect(stack.shards[shard]) as conn:
        assert _counts(conn, user_id) == {t: (5, 3) for t in OLD}, "a dry run deletes nothing"

    purged = retention.purge_database(stack.shards[shard], shard, settings)
    assert all(p.rows >= 5 for p in purged), purged  # other tests' expired rows may go too
    with psycopg.connect(stack.shards[shard]) as conn:
        assert _counts(conn, user_id) == {t: (0, 3) for t in OLD}

    catalog = retention.purge_database(stack.catalog, retention.CATALOG, settings)
    assert {p.table for p in catalog} == {"outbox", "processed_events"}, "the catalog has no keys or tokens"
    with psycopg.connect(stack.catalog) as conn:
        assert _counts(conn, None) == {"outbox": (0, 2), "processed_events": (0, 2)}


def test_every_database_of_the_platform_is_covered(stack: PlatformSettings) -> None:
    assert set(retention.databases(stack)) == {"catalog", *stack.shards}
