"""One ``cdc.<table>`` message -> one raw lake row (pure). Anything else is malformed, with a reason."""

from __future__ import annotations

from typing import Any

from pizza.contracts.cdc import CDC_SCHEMA_VERSION
from streaming.serialization import MalformedMessage, canonical_json, decode_row_change
from streaming.sinks.parquet_lake import table_of


def to_lake_row(topic: str, partition: int, offset: int, value: bytes | None) -> dict[str, Any]:
    """The ``RAW_CDC_SCHEMA`` row of a message; raises ``MalformedMessage`` saying why it is not one."""
    change = decode_row_change(value)
    if change.schema_version != CDC_SCHEMA_VERSION:
        raise MalformedMessage(f"schema_version {change.schema_version} not understood (speak {CDC_SCHEMA_VERSION})")
    if change.source.table != table_of(topic):
        raise MalformedMessage(f"row of table {change.source.table!r} on topic {topic!r}")
    return {
        "op": change.op,
        "table": change.source.table,
        "shard": change.source.shard,
        "lsn": change.source.lsn,
        "txid": change.source.txid,
        "commit_ts": change.commit_time,
        "pk": canonical_json(change.pk),
        "before": None if change.before is None else canonical_json(change.before),
        "after": None if change.after is None else canonical_json(change.after),
        "schema_version": change.schema_version,
        "kafka_topic": topic,
        "kafka_partition": partition,
        "kafka_offset": offset,
    }
