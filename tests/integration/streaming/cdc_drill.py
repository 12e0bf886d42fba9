"""Helpers for the streaming tests: read topics back.

Orders are written with the kit's ``ShardOrderWriter`` (``support.shards``). ``read_topics``
reads whole topics from the beginning by direct assignment (no group join), keeping only the messages
a test is interested in.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Iterable

from confluent_kafka import OFFSET_BEGINNING, Consumer, Message, TopicPartition


def read_topics(
    bootstrap: str,
    topics: Iterable[str],
    keep: Callable[[Message], bool],
    expected: int,
    timeout_s: float = 30.0,
    settle_s: float = 1.0,
) -> list[Message]:
    """Kept messages of ``topics`` from the beginning; waits for ``expected`` of them, then ``settle_s``
    more to catch any extra (duplicates), and returns them in (topic, partition, offset) order."""
    consumer = Consumer(
        {"bootstrap.servers": bootstrap, "group.id": f"test-{uuid.uuid4().hex}", "enable.auto.commit": False}
    )
    try:
        metadata = consumer.list_topics(timeout=10).topics
        consumer.assign(
            [TopicPartition(t, p, OFFSET_BEGINNING) for t in topics if t in metadata for p in metadata[t].partitions]
        )
        kept: list[Message] = []
        deadline = time.monotonic() + timeout_s
        settle_until: float | None = None
        while time.monotonic() < (settle_until or deadline):
            for message in consumer.consume(500, timeout=0.2):
                if message.error() is None and keep(message):
                    kept.append(message)
            if settle_until is None and len(kept) >= expected:
                settle_until = time.monotonic() + settle_s
        return sorted(kept, key=lambda m: (m.topic(), m.partition(), m.offset()))
    finally:
        consumer.close()


def value_of(message: Message) -> dict:
    return json.loads(message.value() or b"{}")
