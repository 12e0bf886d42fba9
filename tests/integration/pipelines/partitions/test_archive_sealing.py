"""Archived months hold contact fields only sealed with their owner's data key: the plaintext opens again
with the key (and the verification compares it), and an owner already erased is archived as null."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path

import psycopg
import pyarrow.parquet as pq
import pytest

from pipelines.io.lakefs import location
from pipelines.partitions.archive import archive_shard
from pipelines.settings import PipelineSettings
from pizza.config import PlatformSettings
from pizza.crypto.datakeys import TOMBSTONE, DataKeyStore
from pizza.crypto.envelope import SEALED_PREFIX, field_context, open_field
from pizza.crypto.pseudonyms import PrivacySettings

pytestmark = pytest.mark.integration

TODAY = datetime.now(UTC).date()
SHARD = "shard_3"


def months_back(today: date, back: int) -> datetime:
    index = today.year * 12 + today.month - 1 - back
    return datetime(index // 12, index % 12 + 1, 3, tzinfo=UTC)


def test_archived_delivery_addresses_are_sealed_and_an_erased_owner_s_are_null(
    stack: PlatformSettings,
    write_orders: Callable[[str, datetime, int], list[str]],
    month_partitions_for: Callable[[str, list[datetime]], None],
    tmp_path: Path,
) -> None:
    old = months_back(TODAY, 9)
    month_partitions_for(SHARD, [old.replace(day=1)])
    kept, erased = write_orders(SHARD, old, 2), write_orders(SHARD, old, 1)
    with psycopg.connect(stack.shards[SHARD]) as conn:
        rows = conn.execute(
            "SELECT order_id::text, user_id::text, delivery_address::text FROM orders WHERE order_id = ANY(%s)",
            (kept + erased,),
        ).fetchall()
    truth = {order: (user, address) for order, user, address in rows}
    erased_user = truth[erased[0]][0]
    with psycopg.connect(stack.catalog) as conn:
        conn.execute(TOMBSTONE, (erased_user,))
    keys = DataKeyStore(stack.catalog, PrivacySettings().master_key_bytes())
    try:
        moved = archive_shard(
            stack.shards[SHARD], SHARD, location(str(tmp_path), PipelineSettings()), 6, TODAY, keys=keys
        )
        assert {m.table for m in moved} >= {"orders", "order_items"}  # verified against Postgres, then dropped
        archived = {
            r["order_id"]: r
            for f in tmp_path.rglob("orders/**/*.parquet")
            for r in pq.read_table(f).to_pylist()
            if r["order_id"] in truth
        }
        assert set(archived) == set(truth)
        owner_keys = keys.keys_for({user for user, _ in truth.values()})
    finally:
        keys.forget()
    for order in kept:
        user, address = truth[order]
        sealed = archived[order]["delivery_address"]
        assert sealed.startswith(SEALED_PREFIX)
        assert "Street" not in sealed
        key = owner_keys[user]
        assert key is not None
        assert json.loads(open_field(key, sealed, field_context("orders", "delivery_address", user))) == json.loads(
            address
        )
    assert archived[erased[0]]["delivery_address"] is None
    manifests = [json.loads(m.read_text()) for m in tmp_path.rglob("orders/**/_manifest.json")]
    assert all(m["sealed_columns"] == ["delivery_address"] for m in manifests)
