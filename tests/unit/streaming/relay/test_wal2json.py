"""wal2json v2 rows (as Postgres returned them on the local stack) decode into whole transactions."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from streaming.relay.wal2json import DecodeError, decode_rows, format_lsn, parse_lsn, parse_timestamp

pytestmark = pytest.mark.unit

ORDER_ID = "737c051a-743f-421f-87ec-7d5011adc573"
CREATED = "2026-11-25 18:32:31.1221+00"
PK = [{"name": "order_id", "type": "uuid"}, {"name": "created_at", "type": "timestamp with time zone"}]


def _row(lsn: str, xid: int, record: dict) -> tuple[str, int, str]:
    return (lsn, xid, json.dumps(record))


def _order_columns(status: str) -> list[dict]:
    return [
        {"name": "order_id", "type": "uuid", "value": ORDER_ID},
        {"name": "status", "type": "text", "value": status},
        {"name": "total_cents", "type": "bigint", "value": 100},
        {"name": "delivery_address", "type": "jsonb", "value": '{"a": 1}'},
        {"name": "created_at", "type": "timestamp with time zone", "value": CREATED},
    ]


TS = "2026-11-25 18:32:31.123833+00"
ROWS = [
    _row("0/354B058", 923, {"action": "B", "xid": 923, "timestamp": TS, "lsn": "0/354B650", "nextlsn": "0/354B680"}),
    _row(
        "0/354B058",
        923,
        {
            "action": "I",
            "xid": 923,
            "lsn": "0/354B058",
            "schema": "public",
            "table": "orders_p2026_11",
            "columns": _order_columns("PENDING"),
            "pk": PK,
        },
    ),
    _row("0/354B680", 923, {"action": "C", "xid": 923, "timestamp": TS, "lsn": "0/354B650", "nextlsn": "0/354B680"}),
    _row("0/354C2D8", 924, {"action": "B", "xid": 924, "timestamp": TS, "lsn": "0/354C4F0", "nextlsn": "0/354C520"}),
    _row(
        "0/354C2D8",
        924,
        {
            "action": "U",
            "xid": 924,
            "lsn": "0/354C2D8",
            "schema": "public",
            "table": "orders_p2026_11",
            "columns": _order_columns("PAID"),
            "identity": [
                {"name": "order_id", "type": "uuid", "value": ORDER_ID},
                {"name": "created_at", "type": "timestamp with time zone", "value": CREATED},
            ],
            "pk": PK,
        },
    ),
    _row(
        "0/354C300",
        924,
        {
            "action": "D",
            "xid": 924,
            "lsn": "0/354C300",
            "schema": "public",
            "table": "outbox",
            "identity": [{"name": "event_id", "type": "uuid", "value": "68a43107-f7cd-4dbc-8def-520478e4b396"}],
            "pk": [{"name": "event_id", "type": "uuid"}],
        },
    ),
    _row("0/354C520", 924, {"action": "C", "xid": 924, "timestamp": TS, "lsn": "0/354C4F0", "nextlsn": "0/354C520"}),
]


def test_lsn_text_round_trips_through_integers() -> None:
    assert parse_lsn("0/354B058") == 0x354B058
    assert parse_lsn("16/B374D848") == (0x16 << 32) + 0xB374D848
    assert format_lsn(parse_lsn("16/B374D848")) == "16/B374D848"
    with pytest.raises(DecodeError):
        parse_lsn("354B058")


def test_postgres_timestamps_become_aware_utc() -> None:
    assert parse_timestamp(CREATED) == datetime(2026, 11, 25, 18, 32, 31, 122100, tzinfo=UTC)
    assert parse_timestamp("2026-11-25 20:32:31+02") == datetime(2026, 11, 25, 18, 32, 31, tzinfo=UTC)


def test_rows_decode_into_transactions_with_commit_positions() -> None:
    first, second = decode_rows(ROWS)
    assert (first.xid, first.commit_lsn, first.end_lsn) == (923, 0x354B650, 0x354B680)
    assert first.commit_time == parse_timestamp(TS)
    assert first.commit_ts_ms == int(parse_timestamp(TS).timestamp() * 1000)
    assert [c.action for c in first.changes] == ["I"]
    assert [c.action for c in second.changes] == ["U", "D"]
    assert second.end_lsn == 0x354C520


def test_a_row_change_keeps_its_own_lsn_key_and_parsed_json() -> None:
    insert = decode_rows(ROWS)[0].changes[0]
    assert insert.lsn == 0x354B058
    assert insert.table == "orders_p2026_11"
    assert insert.columns is not None
    assert insert.columns["delivery_address"] == {"a": 1}  # jsonb text -> JSON value
    assert insert.pk() == {"order_id": ORDER_ID, "created_at": CREATED}
    assert insert.identity is None


def test_a_delete_takes_its_key_from_the_old_identity() -> None:
    delete = decode_rows(ROWS)[1].changes[1]
    assert delete.columns is None
    assert delete.pk() == {"event_id": "68a43107-f7cd-4dbc-8def-520478e4b396"}


def test_truncate_is_recorded_as_skipped_not_published() -> None:
    rows = [
        ROWS[0],
        _row("0/1", 923, {"action": "T", "xid": 923, "schema": "public", "table": "coupons"}),
        ROWS[2],
    ]
    [txn] = decode_rows(rows)
    assert txn.changes == []
    assert txn.skipped == ["T:public.coupons"]


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        (ROWS[:2], "has no COMMIT"),
        ([ROWS[1]], "outside a transaction"),
        ([ROWS[0], ROWS[0]], "BEGIN inside"),
        ([_row("0/1", 1, {"action": "X"})], "unknown wal2json action"),
    ],
)
def test_unexpected_output_stops_the_relay_instead_of_skipping(rows: list, message: str) -> None:
    with pytest.raises(DecodeError, match=message):
        decode_rows(rows)
