"""The relay on the real stack: every committed change reaches Kafka, in commit order per key, nothing lost."""

from __future__ import annotations

import threading
from collections import defaultdict

import psycopg
import pytest
from cdc_drill import read_topics, value_of
from confluent_kafka import Message
from support.shards import PlacedOrder, ShardOrderWriter

from pizza.config import PlatformSettings
from streaming.relay.app import CdcRelay, build_relay, slot_name
from streaming.relay.publisher import Publisher, PublishError, producer_config
from streaming.relay.slot import ReplicationSlot
from streaming.relay.status import shard_status
from streaming.settings import CdcSettings

pytestmark = pytest.mark.integration

ROW_TOPICS = ["cdc.orders", "cdc.order_items", "cdc.order_status_history", "cdc.idempotency_keys", "cdc.outbox"]


def place_orders(writer: ShardOrderWriter, count: int) -> list[PlacedOrder]:
    orders = [writer.place(lines=2, idempotency_key=f"k{n}") for n in range(count)]
    for order in orders[::2]:  # half of them move on twice
        writer.change_status(order, "PAID")
        writer.change_status(order, "ACCEPTED")
    return orders


def order_id_of(message: Message) -> str | None:
    value = value_of(message)
    row = value.get("after") or value.get("before") or value.get("payload") or {}
    return row.get("order_id")


def test_every_row_change_and_event_reaches_kafka_in_commit_order_per_key(
    stack: PlatformSettings, relay: CdcRelay, writer: ShardOrderWriter
) -> None:
    orders = place_orders(writer, 12)
    writer.add_coupon(code := f"C{orders[0].order_id.hex[:8]}")
    assert len({o.shard for o in orders}) >= 2
    relay.run(until_idle=True)

    ids = {str(o.order_id): o for o in orders}
    expected_rows = sum(1 + 2 + len(o.statuses) + (len(o.statuses) - 1) for o in orders)  # order c/u, items, history
    rows = read_topics(stack.kafka, ROW_TOPICS, lambda m: order_id_of(m) in ids, expected_rows)
    by_topic: dict[str, list[dict]] = defaultdict(list)
    for message in rows:
        by_topic[message.topic()].append(value_of(message))
    assert by_topic.keys() == {"cdc.orders", "cdc.order_items", "cdc.order_status_history"}  # excluded tables absent
    assert len(rows) == expected_rows  # nothing lost, nothing twice

    per_order: dict[str, list[dict]] = defaultdict(list)
    for change in by_topic["cdc.orders"]:  # already in partition order: per key, Kafka order
        per_order[change["after"]["order_id"]].append(change)
    for order_id, changes in per_order.items():
        order = ids[order_id]
        assert [c["op"] for c in changes] == ["c"] + ["u"] * (len(order.statuses) - 1)
        assert [c["after"]["status"] for c in changes] == order.statuses
        assert [c["source"]["lsn"] for c in changes] == sorted(c["source"]["lsn"] for c in changes)
        assert {(c["source"]["shard"], c["source"]["table"]) for c in changes} == {(order.shard, "orders")}
        assert changes[0]["pk"] == {"order_id": order_id, "created_at": changes[0]["after"]["created_at"]}

    expected_events = sum(len(o.statuses) for o in orders)
    events = read_topics(stack.kafka, ["events.order"], lambda m: order_id_of(m) in ids, expected_events)
    per_aggregate: dict[str, list[Message]] = defaultdict(list)
    for message in events:
        per_aggregate[message.key().decode()].append(message)
    assert len(events) == expected_events
    for order_id, messages in per_aggregate.items():
        assert len({m.partition() for m in messages}) == 1
        types = [dict(m.headers())["event_type"].decode() for m in messages]
        assert types == ["OrderCreated"] + ["OrderStatusChanged"] * (len(ids[order_id].statuses) - 1)
        assert [value_of(m)["payload"].get("to_status") for m in messages[1:]] == ids[order_id].statuses[1:]

    [coupon, used] = read_topics(stack.kafka, ["cdc.coupons"], lambda m: value_of(m)["pk"] == {"code": code}, 2)
    assert (value_of(coupon)["op"], value_of(used)["op"], value_of(used)["after"]["uses"]) == ("c", "u", 1)
    assert value_of(used)["source"]["shard"] == "catalog"


def test_a_slot_is_not_advanced_until_kafka_acknowledged_everything(
    stack: PlatformSettings, relay: CdcRelay, cdc_settings: CdcSettings, writer: ShardOrderWriter
) -> None:
    order = writer.place()
    dsn = stack.shards[order.shard]
    with psycopg.connect(dsn, autocommit=True) as conn:
        slot = ReplicationSlot(conn, slot_name(cdc_settings, order.shard), cdc_settings.capture_schemas)
        before = slot.confirmed_lsn()
        unreachable = Publisher(
            producer_config("127.0.0.1:1", {"message.timeout.ms": "1500"}), relay.publisher.topics, ack_timeout_s=3
        )
        cut_off = CdcRelay(relay.sources, unreachable, cdc_settings)
        with pytest.raises(PublishError):
            cut_off.cycle()
        assert slot.confirmed_lsn() == before  # the batch stays in the slot

        relay.run(until_idle=True)  # Kafka is back: the same changes go out, then the slot moves
        assert slot.confirmed_lsn() > before
    found = read_topics(stack.kafka, ["cdc.orders"], lambda m: order_id_of(m) == str(order.order_id), 1)
    assert len(found) == 1


def test_a_second_relay_stands_by_and_takes_over_when_the_first_stops(
    stack: PlatformSettings, cdc_settings: CdcSettings, writer: ShardOrderWriter
) -> None:
    first = build_relay(stack, cdc_settings, ["shard_0"])
    second = build_relay(stack, cdc_settings, ["shard_0"])
    try:
        first.run(until_idle=True)
        [status] = shard_status(stack, cdc_settings, ["shard_0"])
        assert status.relay_pid is not None
        assert second.cycle() == (0, False)  # standing by: the lock is held
        assert not second.sources[0].active

        first.close()
        stop = threading.Event()
        threading.Timer(5, stop.set).start()
        second.run(stop, until_idle=True)
        assert second.sources[0].active
    finally:
        first.close()
        second.close()


def test_status_reports_lag_in_bytes_and_seconds_until_the_relay_catches_up(
    stack: PlatformSettings, relay: CdcRelay, cdc_settings: CdcSettings, writer: ShardOrderWriter
) -> None:
    order = writer.place()
    [waiting] = shard_status(stack, cdc_settings, [order.shard])
    assert waiting.lag is not None
    assert waiting.lag.lag_bytes is not None
    assert waiting.lag.lag_bytes > 0
    assert waiting.lag.lag_seconds is not None
    assert waiting.lag.lag_seconds > 0
    relay.run(until_idle=True)
    [caught_up] = shard_status(stack, cdc_settings, [order.shard])
    assert caught_up.lag is not None
    assert caught_up.lag.lag_seconds == 0.0
    assert caught_up.lag.lag_bytes is not None
    assert caught_up.lag.lag_bytes < waiting.lag.lag_bytes
