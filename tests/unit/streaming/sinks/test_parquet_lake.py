"""add / flush / read back; and the recovery plan that makes a replay rewrite files instead of duplicating them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from pizza.contracts.lake import RAW_CDC_SCHEMA
from streaming.settings import LakeSinkSettings
from streaming.sinks.lake_store import LakeStore
from streaming.sinks.parquet_lake import ParquetLakeSink

pytestmark = pytest.mark.unit

TOPIC = "cdc.orders"
T0 = datetime(2026, 11, 25, 17, 59, 58, tzinfo=UTC)


def row(offset: int, commit: datetime = T0) -> dict[str, Any]:
    return {
        "op": "c",
        "table": "orders",
        "shard": "shard_0",
        "lsn": 1000 + offset,
        "txid": 5,
        "commit_ts": commit,
        "pk": f'{{"order_id":"o-{offset}"}}',
        "before": None,
        "after": f'{{"order_id":"o-{offset}"}}',
        "schema_version": 1,
        "kafka_topic": TOPIC,
        "kafka_partition": 0,
        "kafka_offset": offset,
    }


def make_sink(tmp_path: Path, **limits: Any) -> ParquetLakeSink:
    settings = LakeSinkSettings(**({"max_rows": 1000, "max_age_s": 3600} | limits))
    return ParquetLakeSink(LakeStore(str(tmp_path)), settings)


def lake_rows(tmp_path: Path) -> list[dict[str, Any]]:
    files = sorted(p for p in tmp_path.rglob("*.parquet") if not p.name.startswith("."))
    rows = [r for f in files for r in pq.read_table(f, schema=RAW_CDC_SCHEMA).to_pylist()]
    return sorted(rows, key=lambda r: r["kafka_offset"])


def feed(sink: ParquetLakeSink, offsets: range, split_at: int | None = None) -> None:
    """Rows at offsets; from ``split_at`` on they commit in the next hour."""
    for offset in offsets:
        commit = T0 + timedelta(seconds=5) if split_at is not None and offset >= split_at else T0
        sink.add(TOPIC, 0, offset, row(offset, commit), 100)


def test_flush_writes_one_file_per_hour_named_after_the_batch_and_reads_back(tmp_path: Path) -> None:
    sink = make_sink(tmp_path)
    sink.assign(TOPIC, 0, committed=None)
    feed(sink, range(10, 16), split_at=13)
    result = sink.flush(TOPIC, 0)
    name = "cdc.orders+0+00000000000000000010+00000000000000000015.parquet"
    assert [Path(p).relative_to(tmp_path).as_posix() for p in result.paths] == [
        f"raw/cdc/orders/date=2026-11-25/hour=17/{name}",
        f"raw/cdc/orders/date=2026-11-25/hour=18/{name}",
    ]
    assert (result.next_offset, result.rows) == (16, 6)
    assert result.newest_commit == T0 + timedelta(seconds=5)
    assert lake_rows(tmp_path) == [row(o, T0 + timedelta(seconds=5) if o >= 13 else T0) for o in range(10, 16)]
    assert sink.buffered_rows == 0


def test_dead_lettered_offsets_count_in_the_batch_range_but_write_no_row(tmp_path: Path) -> None:
    sink = make_sink(tmp_path)
    sink.assign(TOPIC, 0, committed=None)
    sink.add(TOPIC, 0, 0, row(0), 10)
    sink.add(TOPIC, 0, 1, None, 10)
    result = sink.flush(TOPIC, 0)
    assert result.next_offset == 2
    assert Path(result.paths[0]).name == "cdc.orders+0+00000000000000000000+00000000000000000001.parquet"
    assert [r["kafka_offset"] for r in lake_rows(tmp_path)] == [0]


@pytest.mark.parametrize(("limit", "value"), [("max_rows", 3), ("max_bytes", 250)])
def test_a_batch_is_due_at_its_size_limit(tmp_path: Path, limit: str, value: int) -> None:
    sink = make_sink(tmp_path, **{limit: value})
    sink.assign(TOPIC, 0, committed=None)
    assert [sink.add(TOPIC, 0, o, row(o), 100) for o in range(3)] == [False, False, True]


def test_a_batch_is_due_when_its_first_row_is_old_enough(tmp_path: Path) -> None:
    sink = make_sink(tmp_path, max_age_s=30)
    sink.assign(TOPIC, 0, committed=None)
    sink.add(TOPIC, 0, 0, row(0), 100)
    assert sink.due() == []
    sink.buffers[(TOPIC, 0)].opened_at -= 31
    assert sink.due() == [(TOPIC, 0)]


def test_a_partition_that_is_not_assigned_is_refused(tmp_path: Path) -> None:
    sink = make_sink(tmp_path)
    with pytest.raises(KeyError):
        sink.add(TOPIC, 3, 0, row(0), 100)
    sink.assign(TOPIC, 3, committed=None)
    sink.drop(TOPIC, 3)
    assert not sink.owns(TOPIC, 3)


def test_nothing_in_the_lake_or_everything_committed_keeps_the_committed_offset(tmp_path: Path) -> None:
    sink = make_sink(tmp_path)
    assert sink.assign(TOPIC, 0, committed=None).offset is None
    feed(sink, range(0, 5))
    sink.flush(TOPIC, 0)
    plan = make_sink(tmp_path).assign(TOPIC, 0, committed=5)
    assert (plan.offset, plan.replay_until) == (None, None)


def test_a_crash_mid_flush_is_repaired_by_rewriting_exactly_that_batch(tmp_path: Path) -> None:
    first = make_sink(tmp_path)
    first.assign(TOPIC, 0, committed=None)
    feed(first, range(0, 4))
    first.flush(TOPIC, 0)  # committed 4
    feed(first, range(4, 10), split_at=7)
    hour17, hour18 = first.flush(TOPIC, 0).paths
    Path(hour18).unlink()  # the process died after the first file of the batch, before the commit

    second = make_sink(tmp_path, max_rows=2, max_age_s=0.001)  # limits that would split the batch differently
    plan = second.assign(TOPIC, 0, committed=4)
    assert (plan.offset, plan.replay_until) == (4, 9)
    due = [second.add(TOPIC, 0, o, row(o, T0 + timedelta(seconds=5) if o >= 7 else T0), 100) for o in range(4, 10)]
    assert due == [False] * 5 + [True]  # only the recorded end closes the batch
    assert second.flush(TOPIC, 0).paths == [hour17, hour18]
    assert [r["kafka_offset"] for r in lake_rows(tmp_path)] == list(range(10))  # each offset exactly once
    feed(second, range(10, 12))
    assert second.flush(TOPIC, 0).next_offset == 12  # normal limits again after the rewrite


def test_without_committed_offsets_only_the_latest_batch_is_replayed(tmp_path: Path) -> None:
    sink = make_sink(tmp_path)
    sink.assign(TOPIC, 0, committed=None)
    for batch in (range(0, 3), range(3, 6), range(6, 8)):
        feed(sink, batch)
        sink.flush(TOPIC, 0)
    plan = make_sink(tmp_path).assign(TOPIC, 0, committed=None)
    assert (plan.offset, plan.replay_until) == (6, 7)


def test_a_committed_offset_inside_a_written_batch_skips_past_it(tmp_path: Path) -> None:
    sink = make_sink(tmp_path)
    sink.assign(TOPIC, 0, committed=None)
    feed(sink, range(0, 6))
    sink.flush(TOPIC, 0)
    plan = make_sink(tmp_path).assign(TOPIC, 0, committed=3)
    assert (plan.offset, plan.replay_until) == (6, None)


def test_shutdown_does_not_flush_a_batch_being_rewritten(tmp_path: Path) -> None:
    sink = make_sink(tmp_path)
    sink.assign(TOPIC, 0, committed=None)
    feed(sink, range(0, 4))
    sink.flush(TOPIC, 0)
    again = make_sink(tmp_path)
    again.assign(TOPIC, 0, committed=0)
    feed(again, range(0, 2))
    assert again.pending() == []  # its end is fixed by the lake; the next owner finishes it


def test_an_offset_already_buffered_is_not_buffered_twice(tmp_path: Path) -> None:
    sink = make_sink(tmp_path)
    sink.assign(TOPIC, 0, committed=None)
    feed(sink, range(0, 5))
    feed(sink, range(2, 7))  # a re-delivery overlapping the buffer
    result = sink.flush(TOPIC, 0)
    assert (result.next_offset, result.rows) == (7, 7)
    assert [r["kafka_offset"] for r in lake_rows(tmp_path)] == list(range(7))
