"""Raw CDC rows -> Parquet files in the lake, exactly once per Kafka offset.

Lifecycle per topic partition: ``add`` rows, ``flush`` when a size, byte or age limit is reached
(writes one file per commit date/hour the batch touches), then the caller commits ``next_offset``.

Every file of a batch is named after the batch's offset range ``(topic, partition, first, last)``,
so a replay of the same offsets rewrites the same files instead of adding copies. Only a
partition's latest batch can be incomplete (offsets are committed after all its files are written),
so on assignment ``assign`` replays exactly that batch and stops at its recorded end.
"""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pyarrow as pa

from pizza.contracts.lake import RAW_CDC_SCHEMA, raw_file_name
from pizza.logs import get_logger
from streaming.settings import LakeSinkSettings
from streaming.sinks.lake_store import LakeStore

log = get_logger(__name__)

TopicPartition = tuple[str, int]


@dataclass(slots=True)
class PartitionBuffer:
    table: str
    first_offset: int = -1
    last_offset: int = -1
    rows: list[dict[str, Any]] = field(default_factory=list)
    size_bytes: int = 0
    opened_at: float = 0.0
    replay_until: int | None = None  # recorded end of a batch being rewritten

    @property
    def empty(self) -> bool:
        return self.first_offset < 0


@dataclass(frozen=True, slots=True)
class FlushResult:
    topic: str
    partition: int
    next_offset: int  # what to commit
    paths: list[str]
    rows: int
    newest_commit: datetime | None


@dataclass(frozen=True, slots=True)
class StartPlan:
    offset: int | None  # None: the committed offset (or auto.offset.reset) is right
    replay_until: int | None
    reason: str


def table_of(topic: str) -> str:
    """``cdc.orders`` -> ``orders``."""
    return topic.split(".", 1)[1] if "." in topic else topic


class ParquetLakeSink:
    def __init__(self, store: LakeStore, settings: LakeSinkSettings) -> None:
        self.store = store
        self.settings = settings
        self.buffers: dict[TopicPartition, PartitionBuffer] = {}

    # --- assignment ---------------------------------------------------------------------------------
    def assign(self, topic: str, partition: int, committed: int | None) -> StartPlan:
        """Take a partition; say where to start reading it, with the lake as the truth."""
        table = table_of(topic)
        self.store.remove_stale_temp_files(table, topic, partition)
        files = self.store.raw_files(table, topic, partition)
        self.buffers[(topic, partition)] = PartitionBuffer(table)
        if not files:
            return StartPlan(None, None, "no files yet")
        latest = max(files)
        if committed is not None and latest.last_offset < committed:
            return StartPlan(None, None, f"lake complete up to {latest.last_offset}")
        if committed is None or committed <= latest.first_offset:
            # the latest batch may be missing some of its hour files: rewrite it exactly
            self.buffers[(topic, partition)].replay_until = latest.last_offset
            return StartPlan(
                latest.first_offset, latest.last_offset, f"rewrite batch {latest.first_offset}..{latest.last_offset}"
            )
        log.warning("committed offset inside a written batch", topic=topic, partition=partition, committed=committed)
        return StartPlan(latest.last_offset + 1, None, "committed offset inside the latest batch: skip past it")

    def owns(self, topic: str, partition: int) -> bool:
        return (topic, partition) in self.buffers

    def drop(self, topic: str, partition: int) -> None:
        """Forget a revoked partition's buffer: its next owner re-reads from the committed offset."""
        self.buffers.pop((topic, partition), None)

    # --- add / flush --------------------------------------------------------------------------------
    def add(self, topic: str, partition: int, offset: int, row: dict[str, Any] | None, size: int) -> bool:
        """Buffer a row (None: an offset with nothing to write, e.g. dead-lettered). True if due now."""
        buffer = self.buffers[(topic, partition)]  # KeyError: not assigned to this sink
        if not buffer.empty and offset <= buffer.last_offset:
            return False  # already buffered: a partition's offsets only grow within one assignment
        if buffer.empty:
            buffer.first_offset = offset
            buffer.opened_at = time.monotonic()
        buffer.last_offset = offset
        buffer.size_bytes += size
        if row is not None:
            buffer.rows.append(row)
        return self.is_due(buffer, time.monotonic())

    def is_due(self, buffer: PartitionBuffer, now: float) -> bool:
        if buffer.empty:
            return False
        if buffer.replay_until is not None:  # rewriting a batch: its end is fixed, no other limit applies
            return buffer.last_offset >= buffer.replay_until
        return (
            len(buffer.rows) >= self.settings.max_rows
            or buffer.size_bytes >= self.settings.max_bytes
            or now - buffer.opened_at >= self.settings.max_age_s
        )

    def due(self) -> list[TopicPartition]:
        now = time.monotonic()
        return [tp for tp, buffer in self.buffers.items() if self.is_due(buffer, now)]

    def pending(self) -> list[TopicPartition]:
        return [tp for tp, buffer in self.buffers.items() if not buffer.empty and buffer.replay_until is None]

    def overdue(self, now: float, grace_s: float) -> list[str]:
        """Open batches older than their age limit plus ``grace_s``: offsets the sink holds but cannot write
        (e.g. a batch being rewritten waits for an end offset the broker no longer has)."""
        late = []
        for (topic, partition), buffer in self.buffers.items():
            age = now - buffer.opened_at
            if not buffer.empty and age >= self.settings.max_age_s + grace_s:
                until = f", rewriting up to offset {buffer.replay_until}" if buffer.replay_until is not None else ""
                late.append(f"{topic}[{partition}] from offset {buffer.first_offset} open {age:.0f}s{until}")
        return late

    @property
    def buffered_rows(self) -> int:
        return sum(len(b.rows) for b in self.buffers.values())

    def flush(self, topic: str, partition: int) -> FlushResult:
        """Write the partition's buffer (one file per commit date/hour) and reset it."""
        buffer = self.buffers[(topic, partition)]
        if buffer.empty:
            raise ValueError(f"nothing buffered for {topic}[{partition}]")
        groups: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
        for row in buffer.rows:
            ts: datetime = row["commit_ts"]
            groups[(ts.strftime("%Y-%m-%d"), ts.strftime("%H"))].append(row)
        name = raw_file_name(topic, partition, buffer.first_offset, buffer.last_offset)
        paths = []
        for (day, hour), rows in sorted(groups.items()):
            path = f"{self.store.table_dir(buffer.table)}/date={day}/hour={hour}/{name}"
            self.store.write(path, pa.Table.from_pylist(rows, schema=RAW_CDC_SCHEMA), self.settings.parquet_compression)
            paths.append(path)
        newest = max((row["commit_ts"] for row in buffer.rows), default=None)
        result = FlushResult(topic, partition, buffer.last_offset + 1, paths, len(buffer.rows), newest)
        self.buffers[(topic, partition)] = PartitionBuffer(buffer.table)
        return result
