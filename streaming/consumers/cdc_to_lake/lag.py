"""How far the lake sink's group is behind the broker: messages on Kafka not yet durable in the lake.

The sink commits an offset only after the files holding everything before it are written, so a topic
partition whose committed offset has reached its high watermark is wholly in the lake. Used by
``pizza lake status`` and by the demo, which must not compact the lake while part of it is still on Kafka.
"""

from __future__ import annotations

import re
import uuid

from confluent_kafka import Consumer, TopicPartition

from pizza.config import PlatformSettings
from streaming.settings import LakeSinkSettings


def sink_lag(platform: PlatformSettings, settings: LakeSinkSettings, timeout_s: float = 10.0) -> dict[str, int]:
    """``"topic[partition]"`` -> messages after the group's committed offset, for every sink topic."""
    pattern = re.compile(settings.topic_pattern)
    probe = Consumer(
        {
            "bootstrap.servers": platform.kafka,
            "group.id": settings.group_id,  # reads the group's commits; never joins it (no subscribe)
            "client.id": f"pizza-lake-lag-{uuid.uuid4().hex[:6]}",
            "enable.auto.commit": False,
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
        lag = {}
        for tp in probe.committed(partitions, timeout=timeout_s) if partitions else []:
            low, high = probe.get_watermark_offsets(tp, timeout=timeout_s, cached=False)
            done = tp.offset if tp.offset >= 0 else low
            lag[f"{tp.topic}[{tp.partition}]"] = max(0, high - done)
        return lag
    finally:
        probe.close()
