"""The dead-letter topic: a message that can never be processed goes to ``dlq.pizza`` with the reason, and
the partition moves on.

Every consumer uses it (the saga worker's, the lake sink). The original key, value and headers are kept;
``dlq.*`` headers say where the message came from and why, so it can be inspected and replayed after a
fix. A dead-lettered message is never marked processed.
"""

from __future__ import annotations

from confluent_kafka import KafkaError, Message, Producer

from pizza.contracts.cdc import DEAD_LETTER_TOPIC
from pizza.logs import get_logger

log = get_logger(__name__)


class DeadLetterError(RuntimeError):
    """The dead-letter topic did not acknowledge: the offsets of those messages must not be committed."""


class DeadLetters:
    def __init__(self, bootstrap: str, consumer_name: str, topic: str = DEAD_LETTER_TOPIC) -> None:
        self.producer = Producer(
            {"bootstrap.servers": bootstrap, "enable.idempotence": True, "acks": "all", "client.id": consumer_name}
        )
        self.consumer_name = consumer_name
        self.topic = topic
        self.pending = 0
        self.failures: list[str] = []

    def send(self, message: Message, reason: str) -> None:
        headers: list[tuple[str, str | bytes | None]] = [(str(h[0]), h[1]) for h in message.headers() or []]
        headers += [
            ("dlq.reason", reason[:1000].encode()),
            ("dlq.topic", (message.topic() or "").encode()),
            ("dlq.partition", str(message.partition()).encode()),
            ("dlq.offset", str(message.offset()).encode()),
            ("dlq.consumer", self.consumer_name.encode()),
        ]
        log.warning("dead-lettered", topic=message.topic(), offset=message.offset(), reason=reason[:200])
        self.producer.produce(
            self.topic, key=message.key(), value=message.value(), headers=headers, on_delivery=self._delivered
        )
        self.pending += 1
        self.producer.poll(0)

    def _delivered(self, err: KafkaError | None, _msg: Message) -> None:
        if err is not None:
            self.failures.append(str(err))

    def flush(self, timeout_s: float = 30.0) -> None:
        """Wait until every dead letter is acknowledged; call before committing past their offsets."""
        if not self.pending:
            return
        remaining = self.producer.flush(timeout_s)
        self.pending = remaining
        if remaining or self.failures:
            failures, self.failures = self.failures, []
            raise DeadLetterError(f"{remaining} dead letter(s) unacknowledged; failures: {failures[:3]}")
