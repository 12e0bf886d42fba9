"""The lake sink on the real broker: every row change once in the lake, bad messages dead-lettered,
and a crash between writing files and committing offsets repaired without duplicates."""

from __future__ import annotations

import json
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import pyarrow.fs as pafs
import pyarrow.parquet as pq
import pytest
from cdc_drill import read_topics
from confluent_kafka import Producer
from support.shards import ShardOrderWriter

from pizza.config import PlatformSettings
from pizza.contracts.cdc import DEAD_LETTER_TOPIC, RowChange, SourceInfo
from pizza.contracts.lake import RAW_CDC_SCHEMA
from pizza.messaging.topics import TopicManager
from streaming.consumers.cdc_to_lake.app import LakeSinkApp
from streaming.consumers.cdc_to_lake.lag import sink_lag
from streaming.relay.app import CdcRelay
from streaming.serialization import encode_row_change
from streaming.settings import LakeSinkSettings
from streaming.sinks.lake_store import LakeStore

pytestmark = pytest.mark.integration

HOUR = datetime(2026, 11, 25, 9, 59, 59, tzinfo=UTC)


def lake_rows(store: LakeStore, table: str) -> list[dict[str, Any]]:
    selector = pafs.FileSelector(store.table_dir(table), recursive=True, allow_not_found=True)
    rows = []
    for info in store.fs.get_file_info(selector):
        if info.type == pafs.FileType.File and info.base_name.endswith(".parquet") and info.base_name[0] not in "._":
            table_rows = pq.read_table(info.path, schema=RAW_CDC_SCHEMA, filesystem=store.fs).to_pylist()
            rows += [r | {"_path": info.path} for r in table_rows]
    return rows


def scratch_topic(stack: PlatformSettings) -> tuple[str, str]:
    """A one-partition cdc topic of its own, so a test sees only the messages it produced."""
    table = f"sinktest_{uuid.uuid4().hex[:10]}"
    TopicManager(stack.kafka, partitions=1, replication_factor=1).ensure([f"cdc.{table}"])
    return f"cdc.{table}", table


def produce_changes(stack: PlatformSettings, topic: str, table: str, count: int, start: int = 0) -> None:
    producer = Producer({"bootstrap.servers": stack.kafka, "enable.idempotence": True})
    for n in range(start, start + count):
        commit = HOUR + timedelta(milliseconds=200 * n)  # the batch crosses 10:00
        change = RowChange(
            op="c",
            after={"id": n},
            pk={"id": n},
            source=SourceInfo(db="d", shard="shard_0", table=table, lsn=1000 + n, ts_ms=int(commit.timestamp() * 1000)),
        )
        producer.produce(topic, key=str(n).encode(), value=encode_row_change(change))
    assert producer.flush(10) == 0


def sink_for(stack: PlatformSettings, settings: LakeSinkSettings, lake: str, pattern: str) -> LakeSinkApp:
    return LakeSinkApp(stack, settings.model_copy(update={"topic_pattern": pattern}), LakeStore(lake))


def test_every_row_change_of_the_orders_lands_in_the_lake_exactly_once(
    stack: PlatformSettings, relay: CdcRelay, writer: ShardOrderWriter, sink_settings: LakeSinkSettings, tmp_path: Path
) -> None:
    orders = [writer.place(lines=3) for _ in range(8)]
    for order in orders[:4]:
        writer.change_status(order, "PAID")
    relay.run(until_idle=True)

    sink = sink_for(stack, sink_settings, str(tmp_path), r"^cdc\.(orders|order_items|order_status_history)$")
    try:
        sink.run(idle_exit_s=2)
    finally:
        sink.close()

    store = LakeStore(str(tmp_path))
    ids = {str(o.order_id): o for o in orders}
    mine = {
        table: [r for r in lake_rows(store, table) if json.loads(r["after"] or r["before"])["order_id"] in ids]
        for table in ("orders", "order_items", "order_status_history")
    }
    assert len(mine["orders"]) == 8 + 4
    assert len(mine["order_items"]) == 8 * 3
    assert len(mine["order_status_history"]) == 8 + 4
    all_rows = [r for rows in mine.values() for r in rows]
    identities = Counter((r["shard"], r["table"], r["pk"], r["lsn"]) for r in all_rows)
    assert max(identities.values()) == 1  # every row change exactly once
    offsets = Counter((r["kafka_topic"], r["kafka_partition"], r["kafka_offset"]) for r in all_rows)
    assert max(offsets.values()) == 1
    for r in all_rows:
        assert f"/raw/cdc/{r['table']}/date={r['commit_ts']:%Y-%m-%d}/hour={r['commit_ts']:%H}/" in r["_path"]
        assert r["shard"] == ids[json.loads(r["after"])["order_id"]].shard
    statuses = sorted(json.loads(r["after"])["status"] for r in mine["orders"] if r["op"] == "u")
    assert statuses == ["PAID"] * 4


def test_a_malformed_message_is_dead_lettered_with_its_reason_and_the_sink_goes_on(
    stack: PlatformSettings, sink_settings: LakeSinkSettings, tmp_path: Path
) -> None:
    topic, table = scratch_topic(stack)
    produce_changes(stack, topic, table, 2)
    producer = Producer({"bootstrap.servers": stack.kafka})
    producer.produce(topic, key=b"bad", value=b"{not json", headers=[("origin", b"test")])
    assert producer.flush(10) == 0
    produce_changes(stack, topic, table, 2, start=2)

    sink = sink_for(stack, sink_settings, str(tmp_path), f"^{topic}$")
    try:
        sink.run(idle_exit_s=2)
    finally:
        sink.close()

    assert sorted(r["kafka_offset"] for r in lake_rows(LakeStore(str(tmp_path)), table)) == [0, 1, 3, 4]
    [dead] = read_topics(
        stack.kafka, [DEAD_LETTER_TOPIC], lambda m: dict(m.headers() or []).get("dlq.topic") == topic.encode(), 1
    )
    headers = dict(dead.headers() or [])
    assert headers["dlq.offset"] == b"2"
    assert headers["origin"] == b"test"  # original headers kept
    assert headers["dlq.reason"].startswith(b"not a RowChange v1")
    assert dead.value() == b"{not json"


def test_a_crash_between_writing_files_and_committing_rewrites_the_same_files(
    stack: PlatformSettings, sink_settings: LakeSinkSettings, tmp_path: Path
) -> None:
    topic, table = scratch_topic(stack)
    produce_changes(stack, topic, table, 20)
    settings = sink_settings.model_copy(update={"max_age_s": 3600.0, "max_rows": 1000})

    crashed = sink_for(stack, settings, str(tmp_path), f"^{topic}$")
    try:
        while crashed.sink.buffered_rows < 20:
            crashed.poll_once()
        result = crashed.sink.flush(topic, 0)  # files written: 09:59 and 10:00 ...
        Path(result.paths[-1]).unlink()  # ... but the process died after the first one, before the commit
    finally:
        crashed.close()  # leaves the group without committing

    produce_changes(stack, topic, table, 5, start=20)
    restarted = sink_for(stack, sink_settings.model_copy(update={"max_rows": 7}), str(tmp_path), f"^{topic}$")
    try:
        restarted.run(idle_exit_s=2)
    finally:
        restarted.close()

    rows = lake_rows(LakeStore(str(tmp_path)), table)
    assert sorted(r["kafka_offset"] for r in rows) == list(range(25))  # every offset once: none lost, none twice
    rewritten = {Path(r["_path"]).name for r in rows if r["kafka_offset"] < 20}
    assert rewritten == {Path(result.paths[0]).name}  # the batch was rewritten under its recorded range


def test_the_lag_counts_what_is_on_kafka_but_not_yet_durable_in_the_lake(
    stack: PlatformSettings, sink_settings: LakeSinkSettings, tmp_path: Path
) -> None:
    topic, table = scratch_topic(stack)
    settings = sink_settings.model_copy(
        update={"topic_pattern": f"^{topic}$", "group_id": f"lag-{uuid.uuid4().hex[:8]}", "max_age_s": 3600.0}
    )
    produce_changes(stack, topic, table, 12)
    assert sink_lag(stack, settings) == {f"{topic}[0]": 12}  # nothing committed yet

    sink = LakeSinkApp(stack, settings, LakeStore(str(tmp_path)))
    try:
        while sink.sink.buffered_rows < 12:
            sink.poll_once()
        assert sink_lag(stack, settings) == {f"{topic}[0]": 12}  # buffered is not durable
        sink.flush_all()
        assert sink_lag(stack, settings) == {f"{topic}[0]": 0}
    finally:
        sink.close()


def test_the_lake_can_live_on_object_storage(
    stack: PlatformSettings, sink_settings: LakeSinkSettings, s3_endpoint: str
) -> None:
    bucket = f"lake-{uuid.uuid4().hex[:8]}"
    boto3.client("s3", endpoint_url=f"http://{s3_endpoint}", region_name="us-east-1").create_bucket(Bucket=bucket)
    lake = f"s3://{bucket}/pizza?endpoint_override={s3_endpoint}&scheme=http&region=us-east-1"
    topic, table = scratch_topic(stack)
    produce_changes(stack, topic, table, 6)

    sink = sink_for(stack, sink_settings, lake, f"^{topic}$")
    try:
        sink.run(idle_exit_s=2)
    finally:
        sink.close()

    store = LakeStore(lake)
    assert sorted(r["kafka_offset"] for r in lake_rows(store, table)) == list(range(6))
    assert {Path(f.path).parent.name for f in store.raw_files(table, topic, 0)} == {"hour=09", "hour=10"}
    assert store.raw_files(table, topic, 0)[0].path.startswith(f"{bucket}/pizza/raw/cdc/{table}/date=2026-11-25/")
