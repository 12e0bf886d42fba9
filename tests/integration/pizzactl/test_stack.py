"""The local stack's real servers, started by the session fixture, each proven with a real client."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import psycopg
import pymongo
import pytest
import redis
from confluent_kafka import Consumer, Producer
from confluent_kafka.admin import AdminClient, NewTopic

from pizza.config import PlatformSettings
from pizza.db.migrate import migrate_all
from pizza.db.shards import ShardMap
from pizzactl.stack import Stack

pytestmark = pytest.mark.integration


def test_every_shard_is_migrated_and_knows_its_name(stack: PlatformSettings) -> None:
    assert len(stack.shards) == 4
    for name, dsn in stack.shards.items():
        with psycopg.connect(dsn) as conn:
            row = conn.execute("SELECT shard FROM shard_identity").fetchone()
            assert row == (name,)
            partitions = {
                row[0]
                for row in conn.execute(
                    "SELECT inhrelid::regclass::text FROM pg_inherits WHERE inhparent = 'orders'::regclass"
                ).fetchall()
            }
            month = date.today().replace(day=1)
            for ahead in range(4):  # this month and three ahead (older months may be archived by other tests)
                first = (month + timedelta(days=32 * ahead)).replace(day=1)
                assert f"orders_p{first:%Y_%m}" in partitions


def test_migrations_are_idempotent(stack: PlatformSettings) -> None:
    results = migrate_all(stack)
    assert all(r.applied == [] for r in results)


def test_shard_map_routes_a_user_to_a_configured_shard(stack: PlatformSettings) -> None:
    with psycopg.connect(stack.catalog) as conn:
        shard_map = ShardMap.load(conn)
    assert shard_map.shard_names == sorted(stack.shards)
    assert shard_map.shard_for_user(uuid.uuid4()) in stack.shards


def test_redis_ping(stack: PlatformSettings) -> None:
    client = redis.Redis.from_url(stack.redis)
    assert client.ping() is True
    client.set("pizza:test", "margherita")
    assert client.get("pizza:test") == b"margherita"


def test_kafka_topic_produce_consume(stack: PlatformSettings) -> None:
    topic = f"test.stack.{uuid.uuid4().hex[:8]}"
    admin = AdminClient({"bootstrap.servers": stack.kafka})
    admin.create_topics([NewTopic(topic, num_partitions=1, replication_factor=1)])[topic].result(10)
    producer = Producer({"bootstrap.servers": stack.kafka, "enable.idempotence": True, "acks": "all"})
    for i in range(5):
        producer.produce(topic, key=b"k", value=f"slice-{i}".encode())
    assert producer.flush(10) == 0
    consumer = Consumer(
        {
            "bootstrap.servers": stack.kafka,
            "group.id": f"g-{topic}",
            "auto.offset.reset": "earliest",
            "session.timeout.ms": 6000,
        }
    )
    consumer.subscribe([topic])
    seen: list[bytes] = []
    try:
        for _ in range(60):
            msg = consumer.poll(1.0)
            if msg is not None and msg.error() is None:
                seen.append(msg.value())
            if len(seen) == 5:
                break
    finally:
        consumer.close()
    assert seen == [f"slice-{i}".encode() for i in range(5)]


def test_mongo_round_trip(stack: PlatformSettings) -> None:
    client: pymongo.MongoClient = pymongo.MongoClient(stack.mongo)
    coll = client[stack.mongo_database]["stack_test"]
    doc_id = uuid.uuid4().hex
    coll.insert_one({"_id": doc_id, "pizza": "diavola", "sizes": ["S", "M", "L"]})
    assert coll.find_one({"_id": doc_id}) == {"_id": doc_id, "pizza": "diavola", "sizes": ["S", "M", "L"]}
    client.close()


def test_up_is_idempotent_and_restarts_only_a_dead_service(stack: PlatformSettings) -> None:
    local = Stack(stack)
    assert local.up() == {"pg": False, "redis": False, "kafka": False, "mongo": False}
    redis_service = local.service("redis")
    old_pid = redis_service.pid()
    assert old_pid is not None
    import os
    import signal
    import time

    os.kill(old_pid, signal.SIGKILL)
    for _ in range(50):
        if not redis_service.running():
            break
        time.sleep(0.1)
    assert local.up() == {"pg": False, "redis": True, "kafka": False, "mongo": False}
    assert redis_service.pid() != old_pid
    assert all(s.healthy for s in local.status())
