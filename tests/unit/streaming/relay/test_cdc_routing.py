"""A committed transaction becomes row changes on cdc.<parent table> and events on events.<aggregate>."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

import jsonschema
import pytest

from pizza.contracts.cdc import DEAD_LETTER_TOPIC
from pizza.contracts.events import OrderStatusChanged, OutboxEvent
from streaming.relay.routing import ChangeRouter
from streaming.relay.wal2json import RowEvent, Transaction
from streaming.serialization import decode_event, decode_row_change, schema_for

pytestmark = pytest.mark.unit

COMMIT = datetime(2026, 11, 25, 18, 0, 0, 500000, tzinfo=UTC)
ORDER_ID = uuid.UUID("019ab000-0000-7000-8000-000000000001")
CREATED = "2026-11-25 17:59:59.9+00"


def router() -> ChangeRouter:
    partitions = {("public", "orders_p2026_11"): "orders"}
    return ChangeRouter(
        shard="shard_2",
        database="pizza_shard_2",
        resolve_table=lambda schema, table: partitions.get((schema, table), table),
        excluded_tables=["processed_events", "_yoyo_*"],
    )


def txn(*changes: RowEvent) -> Transaction:
    return Transaction(xid=77, begin_lsn=100, changes=list(changes), commit_lsn=900, end_lsn=950, commit_time=COMMIT)


def order_insert(lsn: int = 200) -> RowEvent:
    return RowEvent(
        "I",
        "public",
        "orders_p2026_11",
        lsn,
        {"order_id": str(ORDER_ID), "created_at": CREATED, "status": "PENDING"},
        None,
        ("order_id", "created_at"),
    )


def outbox_insert(event: OutboxEvent, lsn: int = 300, created_at: str = CREATED) -> RowEvent:
    row = event.model_dump(mode="json") | {"created_at": created_at}
    return RowEvent("I", "public", "outbox", lsn, row, None, ("event_id",))


def status_changed() -> OutboxEvent:
    return OutboxEvent.of(
        OrderStatusChanged(
            order_id=ORDER_ID,
            user_id=uuid.uuid4(),
            restaurant_id=uuid.uuid4(),
            from_status="PENDING",
            to_status="PAID",
            changed_at=COMMIT,
        ),
        trace_id="abc",
    )


def test_a_partition_row_is_published_under_its_parent_table_keyed_by_primary_key() -> None:
    [message] = router().route(txn(order_insert()))
    assert message.topic == "cdc.orders"
    assert message.kind == "cdc"
    assert json.loads(message.key or b"") == {"created_at": CREATED, "order_id": str(ORDER_ID)}
    wire = json.loads(message.value)
    jsonschema.validate(wire, schema_for(message.topic))  # the relay's bytes match the published schema
    assert wire["source"]["schema"] == "public"
    change = decode_row_change(message.value)
    assert change.op == "c"
    assert change.before is None
    assert change.after == {"order_id": str(ORDER_ID), "created_at": CREATED, "status": "PENDING"}
    assert change.source.table == "orders"
    assert (change.source.shard, change.source.db, change.source.lsn) == ("shard_2", "pizza_shard_2", 200)
    assert (change.source.txid, change.source.commit_lsn) == (77, 950)
    assert change.commit_time == COMMIT.replace(microsecond=500000)
    assert dict(message.headers) == {"schema_version": b"1", "shard": b"shard_2"}


def test_updates_carry_the_old_key_in_before_and_deletes_have_no_after() -> None:
    identity = {"order_id": str(ORDER_ID), "created_at": CREATED}
    update = RowEvent("U", "public", "orders_p2026_11", 210, identity | {"status": "PAID"}, identity, ("order_id",))
    delete = RowEvent("D", "public", "orders_p2026_11", 220, None, identity, ("order_id",))
    updated, deleted = (decode_row_change(m.value) for m in router().route(txn(update, delete)))
    assert (updated.op, updated.before, updated.after) == ("u", identity, identity | {"status": "PAID"})
    assert (deleted.op, deleted.before, deleted.after, deleted.pk) == ("d", identity, None, {"order_id": str(ORDER_ID)})


def test_an_outbox_insert_becomes_an_event_keyed_by_aggregate_with_type_headers() -> None:
    event = status_changed()
    [message] = router().route(txn(outbox_insert(event)))
    assert message.topic == "events.order"
    assert message.kind == "event"
    assert message.key == str(ORDER_ID).encode()
    headers = dict(message.headers)
    assert headers["event_type"] == b"OrderStatusChanged"
    assert headers["schema_version"] == b"1"
    assert headers["event_id"] == str(event.event_id).encode()
    assert headers["trace_id"] == b"abc"
    jsonschema.validate(json.loads(message.value), schema_for(message.topic))
    envelope = decode_event(message.value)
    assert envelope.event_id == event.event_id
    assert envelope.occurred_at == datetime(2026, 11, 25, 17, 59, 59, 900000, tzinfo=UTC)
    assert envelope.source == {
        "shard": "shard_2",
        "db": "pizza_shard_2",
        "lsn": 300,
        "commit_lsn": 950,
        "txid": 77,
        "ts_ms": int(COMMIT.timestamp() * 1000),
    }
    parsed = envelope.parse()
    assert isinstance(parsed, OrderStatusChanged)
    assert parsed.to_status == "PAID"


def test_outbox_trimming_and_excluded_tables_publish_nothing() -> None:
    event = status_changed()
    trimmed = RowEvent("D", "public", "outbox", 400, None, {"event_id": str(event.event_id)}, ("event_id",))
    log = RowEvent("I", "public", "processed_events", 410, {"consumer": "x"}, None, ("consumer",))
    yoyo = RowEvent("I", "public", "_yoyo_log", 420, {"id": "1"}, None, ("id",))
    assert router().route(txn(trimmed, log, yoyo)) == []


def test_messages_keep_the_transaction_order() -> None:
    messages = router().route(txn(order_insert(200), outbox_insert(status_changed(), 300)))
    assert [m.topic for m in messages] == ["cdc.orders", "events.order"]


def test_a_bad_outbox_row_goes_to_the_dead_letter_topic_with_the_reason() -> None:
    bad = RowEvent("I", "public", "outbox", 300, {"event_id": "not-a-uuid", "aggregate_id": "o-1"}, None, ())
    [message] = router().route(txn(bad, order_insert()))[:1]
    assert message.topic == DEAD_LETTER_TOPIC
    assert message.kind == "dead_letter"
    reason = dict(message.headers)["dlq.reason"]
    assert isinstance(reason, bytes)
    assert b"outbox row is not a valid event" in reason
    assert json.loads(message.value)["event_id"] == "not-a-uuid"
