"""Read back what any Kafka client could read: every message of every topic."""

from __future__ import annotations

import uuid

from confluent_kafka import OFFSET_BEGINNING, Consumer, Message, TopicPartition


def read_every_topic(bootstrap: str) -> list[Message]:
    """Every message of every topic of the broker, from the beginning up to the end offsets of now.

    An independent consumer (direct assignment, no group): what any Kafka client could read.
    """
    consumer = Consumer(
        {"bootstrap.servers": bootstrap, "group.id": f"privacy-{uuid.uuid4().hex}", "enable.auto.commit": False}
    )
    try:
        topics = consumer.list_topics(timeout=10).topics
        remaining: dict[tuple[str, int], int] = {}
        assignment: list[TopicPartition] = []
        for name, topic in topics.items():
            if name.startswith("__"):  # the broker's own bookkeeping
                continue
            for partition in topic.partitions:
                low, high = consumer.get_watermark_offsets(TopicPartition(name, partition), timeout=10)
                if high > low:
                    remaining[(name, partition)] = high
                    assignment.append(TopicPartition(name, partition, OFFSET_BEGINNING))
        consumer.assign(assignment)
        messages: list[Message] = []
        while remaining:
            batch = consumer.consume(1000, timeout=5)
            assert batch, f"no messages arrived; still waiting for {sorted(remaining)[:5]}"
            for message in batch:
                if message.error() is not None:
                    continue
                messages.append(message)
                key = (str(message.topic()), int(message.partition() or 0))
                if key in remaining and int(message.offset() or 0) + 1 >= remaining[key]:
                    del remaining[key]
        return messages
    finally:
        consumer.close()


def message_bytes(message: Message) -> bytes:
    """Key, value and headers of a message as one searchable byte string."""
    parts = [as_bytes(message.key()), as_bytes(message.value())]
    parts += [as_bytes(header[0]) + as_bytes(header[1]) for header in message.headers() or []]
    return b"\x00".join(parts)


def as_bytes(data: str | bytes | None) -> bytes:
    return data.encode() if isinstance(data, str) else (data or b"")
