"""A cdc message becomes one raw lake row, or a reason why it cannot."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from pizza.contracts.cdc import RowChange, SourceInfo
from streaming.consumers.cdc_to_lake.handlers import to_lake_row
from streaming.serialization import MalformedMessage, encode_row_change

pytestmark = pytest.mark.unit

TS_MS = 1_764_093_600_123  # 2025-11-25 18:00:00.123 UTC


def change(table: str = "orders", version: int = 1) -> RowChange:
    return RowChange(
        op="u",
        before={"order_id": "o-1"},
        after={"order_id": "o-1", "status": "PAID", "address": {"city": "Roma"}},
        pk={"order_id": "o-1"},
        source=SourceInfo(db="pizza_shard_1", shard="shard_1", table=table, lsn=99, txid=3, ts_ms=TS_MS),
        schema_version=version,
    )


def test_a_row_change_maps_to_the_raw_schema_with_json_text_columns() -> None:
    row = to_lake_row("cdc.orders", 2, 41, encode_row_change(change()))
    assert row == {
        "op": "u",
        "table": "orders",
        "shard": "shard_1",
        "lsn": 99,
        "txid": 3,
        "commit_ts": datetime(2025, 11, 25, 18, 0, 0, 123000, tzinfo=UTC),
        "pk": '{"order_id":"o-1"}',
        "before": '{"order_id":"o-1"}',
        "after": '{"address":{"city":"Roma"},"order_id":"o-1","status":"PAID"}',
        "schema_version": 1,
        "kafka_topic": "cdc.orders",
        "kafka_partition": 2,
        "kafka_offset": 41,
    }


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (b"garbage", "not a RowChange"),
        (encode_row_change(change(table="payments")), "row of table 'payments' on topic 'cdc.orders'"),
        (encode_row_change(change(version=2)), "schema_version 2 not understood"),
    ],
)
def test_malformed_messages_name_the_reason(value: bytes, reason: str) -> None:
    with pytest.raises(MalformedMessage, match=reason):
        to_lake_row("cdc.orders", 0, 0, value)
