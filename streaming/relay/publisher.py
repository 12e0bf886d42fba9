"""Publish a batch to Kafka and return only once the broker acknowledged every message of it.

The producer is idempotent with ``acks=all``: its own retries neither reorder nor duplicate.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from functools import partial

from confluent_kafka import KafkaError, Message, Producer

from pizza.logs import get_logger
from pizza.messaging.topics import TopicManager
from streaming.relay.routing import OutgoingMessage

log = get_logger(__name__)

AckHook = Callable[[OutgoingMessage, float], None]
"""Called for each acknowledged message with the broker's ack time (Unix seconds)."""


class PublishError(RuntimeError):
    """Not every message of a batch was acknowledged: the caller must not confirm the batch."""


def producer_config(bootstrap: str, extra: dict[str, str]) -> dict[str, str | int | bool]:
    config: dict[str, str | int | bool] = {
        "bootstrap.servers": bootstrap,
        "partitioner": "murmur2_random",  # same partition for a key as Java clients and Kafka Connect
        "client.id": "pizza-cdc-relay",
        **extra,
    }
    config.update({"enable.idempotence": True, "acks": "all"})  # never overridable: the no-loss promise
    return config


class Publisher:
    def __init__(self, config: dict[str, str | int | bool], topics: TopicManager, ack_timeout_s: float) -> None:
        self.config = config
        self.topics = topics
        self.ack_timeout_s = ack_timeout_s
        self.producer = Producer(config)

    def publish(self, messages: Sequence[OutgoingMessage], on_ack: AckHook | None = None) -> None:
        if not messages:
            return
        self.topics.ensure({m.topic for m in messages})
        failures: list[str] = []
        acked = [0]

        def delivered(out: OutgoingMessage, err: KafkaError | None, msg: Message) -> None:
            if err is not None:
                failures.append(f"{out.topic}: {err}")
                return
            acked[0] += 1
            if on_ack is not None:
                on_ack(out, time.time())

        for out in messages:
            while True:
                try:
                    self.producer.produce(
                        out.topic,
                        value=out.value,
                        key=out.key,
                        headers=out.headers,
                        on_delivery=partial(delivered, out),
                    )
                    break
                except BufferError:  # local queue full: let deliveries drain
                    self.producer.poll(0.05)
            self.producer.poll(0)
        remaining = self.producer.flush(self.ack_timeout_s)
        if failures or remaining or acked[0] != len(messages):
            self._reset()
            raise PublishError(
                f"{acked[0]}/{len(messages)} acknowledged, {remaining} still queued; first failure: "
                f"{failures[0] if failures else 'timeout'}"
            )

    def _reset(self) -> None:
        """Drop what is queued and start a fresh producer (an idempotent producer may be fenced after errors)."""
        self.producer.purge()
        self.producer.flush(0)
        self.producer = Producer(self.config)

    def close(self) -> None:
        self.producer.flush(self.ack_timeout_s)
