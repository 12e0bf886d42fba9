"""Create topics on first use, with the platform's partition count and replication factor.

Topics are made explicitly (never by broker auto-creation) so that every environment gets the
partitioning it is configured for: more partitions on a production cluster, one replica locally. A
consumer started before the relay creates what it reads, instead of subscribing to nothing and waiting
for a metadata refresh. Creating a topic that already exists is not an error.
"""

from __future__ import annotations

from collections.abc import Iterable

from confluent_kafka import KafkaError, KafkaException
from confluent_kafka.admin import AdminClient, NewTopic  # type: ignore[attr-defined]  # re-exported, untyped

from pizza.logs import get_logger

log = get_logger(__name__)


class TopicManager:
    def __init__(self, bootstrap: str, partitions: int, replication_factor: int) -> None:
        self.admin = AdminClient({"bootstrap.servers": bootstrap})
        self.partitions = partitions
        self.replication_factor = replication_factor
        self.known: set[str] = set(self.admin.list_topics(timeout=10).topics)

    def ensure(self, topics: Iterable[str]) -> list[str]:
        """Create the topics that do not exist yet; return the ones created now."""
        missing = sorted(set(topics) - self.known)
        if not missing:
            return []
        futures = self.admin.create_topics(
            [NewTopic(t, num_partitions=self.partitions, replication_factor=self.replication_factor) for t in missing]
        )
        created = []
        for topic, future in futures.items():
            try:
                future.result(timeout=30)
                created.append(topic)
                log.info("topic created", topic=topic, partitions=self.partitions)
            except KafkaException as exc:
                if exc.args[0].code() != KafkaError.TOPIC_ALREADY_EXISTS:
                    raise
            self.known.add(topic)
        return created


def ensure_topics(bootstrap: str, topics: Iterable[str], partitions: int, replication_factor: int) -> list[str]:
    """Create the missing topics once; return those created now."""
    return TopicManager(bootstrap, partitions, replication_factor).ensure(topics)
