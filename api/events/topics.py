"""Make sure the topics a consumer reads and writes exist before it subscribes.

The CDC relay creates the ``events.*`` topics when it starts; a consumer process started first would
otherwise subscribe to nothing and wait for a metadata refresh. Creating a topic that already exists
is not an error. Partitions and replication come from the platform settings, like the relay's.
"""

from __future__ import annotations

from collections.abc import Iterable

from confluent_kafka import KafkaError, KafkaException
from confluent_kafka.admin import AdminClient, NewTopic  # type: ignore[attr-defined]  # re-exported, untyped

from pizza.logs import get_logger

log = get_logger(__name__)


def ensure_topics(bootstrap: str, topics: Iterable[str], partitions: int, replication_factor: int) -> list[str]:
    """Create the missing topics; return those created now."""
    admin = AdminClient({"bootstrap.servers": bootstrap})
    missing = sorted(set(topics) - set(admin.list_topics(timeout=10).topics))
    if not missing:
        return []
    futures = admin.create_topics(
        [NewTopic(t, num_partitions=partitions, replication_factor=replication_factor) for t in missing]
    )
    created = []
    for topic, future in futures.items():
        try:
            future.result(timeout=30)
            created.append(topic)
            log.info("topic created", topic=topic, partitions=partitions)
        except KafkaException as exc:
            if exc.args[0].code() != KafkaError.TOPIC_ALREADY_EXISTS:
                raise
    return created
