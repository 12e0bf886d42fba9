"""One Kafka consumer group for one purpose: poll, decode the envelope, call the handler, commit.

At least once, in order per partition (= per order), and each effect once:

* offsets are committed, synchronously, only past messages that were handled (their effect and
  message-log entry committed by the handler) or dead-lettered (and the dead letter acknowledged);
  a crash re-delivers the rest, and the message log turns the repeats into no-ops;
* a transient error (database, Redis, MongoDB or network down, a payment gateway timing out) is retried
  with tenacity; if it persists, the partition is rewound to the message and polled again, so nothing
  is ever skipped and the group membership stays alive meanwhile;
* anything else can never succeed — bad JSON, an unknown event type or version, an invalid payload, a
  domain error — so the message goes to the dead-letter topic with the reason, and the partition moves on.

While a store is down the loop keeps turning (liveness holds) and ``stall`` says since when a message has
been waiting for it (readiness fails); the first message handled once the store is back clears it.

The confluent-kafka client is blocking: its calls run in a worker thread, the handlers on the event loop.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from confluent_kafka import Consumer, KafkaError, KafkaException, Message, TopicPartition
from prometheus_client import Counter, Histogram
from pydantic import ValidationError
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception_type, stop_after_attempt, wait_exponential

from pizza.contracts.events import EVENT_TYPES, Event, EventEnvelope
from pizza.logs import get_logger
from pizza.messaging.deadletters import DeadLetterError, DeadLetters
from pizza.messaging.health import Heartbeat, Stall

log = get_logger(__name__)

BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)

MESSAGES = Counter("pizza_consumer_messages", "Messages handled, by consumer and outcome", ["consumer", "outcome"])
DEAD_LETTERS = Counter("pizza_consumer_dead_letters", "Messages sent to the dead-letter topic", ["consumer"])
RETRIES = Counter("pizza_consumer_retries", "Handler attempts that failed with a transient error", ["consumer"])
HANDLE_SECONDS = Histogram("pizza_consumer_handle_seconds", "Time to handle one message", ["consumer"], buckets=BUCKETS)

Handler = Callable[[EventEnvelope, Event], Awaitable[str]]
"""Applies one event; returns a short outcome for metrics and logs (e.g. "advanced", "duplicate")."""


@dataclass(frozen=True, slots=True)
class ConsumerOptions:
    group_id: str
    session_timeout_ms: int = 10_000
    poll_timeout_s: float = 0.5
    batch_size: int = 100
    attempts: int = 5
    backoff_s: float = 0.2
    extra: dict[str, str] = field(default_factory=dict)


def consumer_config(bootstrap: str, name: str, options: ConsumerOptions) -> dict[str, Any]:
    return {
        "bootstrap.servers": bootstrap,
        "group.id": options.group_id,
        "client.id": f"pizza-{name}",
        "enable.auto.commit": False,
        "auto.offset.reset": "earliest",
        "session.timeout.ms": options.session_timeout_ms,
        "heartbeat.interval.ms": max(100, options.session_timeout_ms // 3),
        **options.extra,
    }


def decode(value: bytes | None) -> tuple[EventEnvelope, Event]:
    """The envelope and its typed event; ``ValueError`` says why a message can never be processed."""
    if not value:
        raise ValueError("empty message")
    try:
        envelope = EventEnvelope.model_validate_json(value)
    except ValidationError as exc:
        raise ValueError(f"not an EventEnvelope v1: {_first_error(exc)}") from exc
    if envelope.event_type not in EVENT_TYPES:
        raise ValueError(f"unknown event type {envelope.event_type!r}")
    try:
        return envelope, envelope.parse()
    except ValidationError as exc:
        raise ValueError(f"invalid {envelope.event_type} payload: {_first_error(exc)}") from exc


def _first_error(exc: ValidationError) -> str:
    err = exc.errors()[0]
    return f"{'.'.join(str(p) for p in err['loc']) or 'value'}: {err['msg']}"


class EventConsumer:
    """Consume ``topics`` in group ``options.group_id`` and hand each event to ``handler``."""

    def __init__(
        self,
        name: str,
        topics: Sequence[str],
        handler: Handler,
        *,
        bootstrap: str,
        options: ConsumerOptions,
        transient: tuple[type[BaseException], ...],
        stale_after_s: float = 120.0,
    ) -> None:
        self.name = name
        self.topics = list(topics)
        self.handler = handler
        self.options = options
        self.transient = transient
        self.consumer = Consumer(consumer_config(bootstrap, name, options))
        self.dead_letters = DeadLetters(bootstrap, f"{name}:{options.group_id}")
        self.heartbeat = Heartbeat(stale_after_s, name=name)
        self.stall = Stall()
        self.joined = False  # a first assignment (possibly empty) came from the group
        self.handled = 0
        self.dead_lettered = 0

    async def run(self, stop: asyncio.Event) -> None:
        """Consume until ``stop`` is set; then leave the group (its partitions go to the others at once)."""
        self.consumer.subscribe(self.topics, on_assign=self._on_assign)
        log.info("consuming", consumer=self.name, group=self.options.group_id, topics=self.topics)
        try:
            while not stop.is_set():
                await self.poll_once()
        finally:
            await asyncio.to_thread(self.consumer.close)

    def _on_assign(self, _consumer: Consumer, _partitions: list[TopicPartition]) -> None:
        self.joined = True

    def readiness(self) -> str:
        """``"ok"`` once in the group and while no message waits for a store that is down."""
        return self.stall.check() if self.joined else "joining the consumer group"

    async def poll_once(self) -> int:
        """Handle what one poll returns and commit past it; the number of messages polled."""
        messages = await asyncio.to_thread(self.consumer.consume, self.options.batch_size, self.options.poll_timeout_s)
        if messages:
            offsets = await self._handle_batch(messages)
            if offsets:
                try:
                    await asyncio.to_thread(self.consumer.commit, offsets=offsets, asynchronous=False)
                except KafkaException as exc:  # e.g. revoked by a rebalance: the new owner's message log dedupes
                    log.warning("offset commit failed", consumer=self.name, error=str(exc))
        self.heartbeat.beat()
        return len(messages)

    async def _handle_batch(self, messages: list[Message]) -> list[TopicPartition]:
        first: dict[tuple[str, int], int] = {}
        done: dict[tuple[str, int], int] = {}
        rewound: set[tuple[str, int]] = set()
        for message in messages:
            error = message.error()
            if error is not None:
                if error.code() != KafkaError._PARTITION_EOF:
                    log.warning("consumer error", consumer=self.name, error=str(error))
                continue
            tp = (message.topic() or "", message.partition() or 0)
            offset = message.offset() or 0
            first.setdefault(tp, offset)
            if tp in rewound:
                continue  # an earlier message of this partition must succeed first
            if await self._process(message):
                done[tp] = offset + 1
            else:
                rewound.add(tp)
                self.consumer.seek(TopicPartition(tp[0], tp[1], offset))
        try:
            await asyncio.to_thread(self.dead_letters.flush)
        except DeadLetterError as exc:
            log.error("dead letters not acknowledged; the batch will be read again", error=str(exc))
            for (topic, partition), offset in first.items():
                if (topic, partition) not in rewound:
                    self.consumer.seek(TopicPartition(topic, partition, offset))
            return []
        return [TopicPartition(topic, partition, offset) for (topic, partition), offset in done.items()]

    async def _process(self, message: Message) -> bool:
        """Handle one message; False when it must be polled again (a transient error persisted)."""
        started = time.perf_counter()
        try:
            envelope, event = decode(message.value())
        except ValueError as exc:
            self._dead_letter(message, str(exc))
            return True
        try:
            outcome = await self._attempt(envelope, event)
        except self.transient as exc:
            log.warning("transient error persisted; polling the message again", consumer=self.name,
                        event_id=str(envelope.event_id), error=repr(exc))  # fmt: skip
            MESSAGES.labels(self.name, "retry_later").inc()
            self.stall.blocked(f"{type(exc).__name__}: {exc}")
            return False
        except Exception as exc:  # anything else fails the same way every time: dead-letter it
            log.exception("handler failed; dead-lettering", consumer=self.name, event_id=str(envelope.event_id))
            self._dead_letter(message, f"{envelope.event_type} {envelope.event_id}: {type(exc).__name__}: {exc}")
            return True
        MESSAGES.labels(self.name, outcome).inc()
        HANDLE_SECONDS.labels(self.name).observe(time.perf_counter() - started)
        self.handled += 1
        self.stall.cleared()
        return True

    async def _attempt(self, envelope: EventEnvelope, event: Event) -> str:
        def count_retry(_state: RetryCallState) -> None:
            RETRIES.labels(self.name).inc()

        async for attempt in AsyncRetrying(
            stop=stop_after_attempt(self.options.attempts),
            wait=wait_exponential(multiplier=self.options.backoff_s, max=5),
            retry=retry_if_exception_type(self.transient),
            before_sleep=count_retry,
            reraise=True,
        ):
            with attempt:
                return await self.handler(envelope, event)
        raise AssertionError("unreachable")  # pragma: no cover

    def _dead_letter(self, message: Message, reason: str) -> None:
        self.dead_letters.send(message, reason)
        self.dead_lettered += 1
        DEAD_LETTERS.labels(self.name).inc()
        MESSAGES.labels(self.name, "dead_letter").inc()
