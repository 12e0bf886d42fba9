"""How far the lake sink's group is behind: messages on Kafka not yet durable in the lake.

The sink commits an offset only after the files holding everything before it are written, so a topic
partition whose committed offset is its end is wholly in the lake. The end is found by reading from the
committed offset until the partition's end-of-partition event, not from the reported high watermark,
which some Kafka-protocol brokers get wrong (the local one reported the last batch's base offset + 1).
Used by ``pizza lake status`` and by the demo, which must not compact while part of the lake is on Kafka.
"""

from __future__ import annotations

import re
import time
import uuid

from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaError, KafkaException, TopicPartition

from pizza.config import PlatformSettings
from streaming.settings import LakeSinkSettings

COUNT_CAP = 1000
"""Messages counted per partition at most: enough to tell "a few" from "many" without reading a backlog."""


def sink_lag(
    platform: PlatformSettings, settings: LakeSinkSettings, timeout_s: float = 30.0, cap: int = COUNT_CAP
) -> dict[str, int]:
    """``"topic[partition]"`` -> messages after the group's committed offset (at most ``cap``), every sink topic."""
    pattern = re.compile(settings.topic_pattern)
    probe = Consumer(
        {
            "bootstrap.servers": platform.kafka,
            "group.id": settings.group_id,  # reads the group's commits; never joins it (assign, no subscribe)
            "client.id": f"pizza-lake-lag-{uuid.uuid4().hex[:6]}",
            "enable.auto.commit": False,
            "enable.partition.eof": True,
            "fetch.wait.max.ms": 100,
        }
    )
    try:
        topics = probe.list_topics(timeout=timeout_s).topics
        partitions = [
            TopicPartition(name, number)
            for name, meta in sorted(topics.items())
            if pattern.match(name)
            for number in sorted(meta.partitions)
        ]
        if not partitions:
            return {}
        committed = probe.committed(partitions, timeout=timeout_s)
        probe.assign([TopicPartition(tp.topic, tp.partition, tp.offset if tp.offset >= 0 else OFFSET_BEGINNING)
                      for tp in committed])  # fmt: skip
        behind = {f"{tp.topic}[{tp.partition}]": 0 for tp in committed}
        reading = set(behind)
        deadline = time.monotonic() + timeout_s
        while reading and time.monotonic() < deadline:
            message = probe.poll(0.5)
            if message is None:
                continue
            key = f"{message.topic()}[{message.partition()}]"
            error = message.error()
            if error is not None:
                if error.code() != KafkaError._PARTITION_EOF:
                    raise KafkaException(error)
                reading.discard(key)
            elif key in reading:
                behind[key] += 1
                if behind[key] >= cap:
                    reading.discard(key)
        if reading:
            raise TimeoutError(f"no end of partition within {timeout_s:.0f} s for {sorted(reading)[:5]}")
        return behind
    finally:
        probe.close()
