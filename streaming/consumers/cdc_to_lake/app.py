"""The lake sink process: a consumer group over ``cdc.*`` writing raw Parquet files (``pizza lake sink``).

Offsets are committed only after a batch's files are durably written (and its dead letters
acknowledged). Readiness (``ready()``) fails while the broker does not answer or a batch stays open past
its age limit (rows held that cannot be written); the loop keeps turning meanwhile, so liveness holds.
Scale out by starting more processes with the same group id: Kafka spreads the topic partitions over
them, and each partition's files are written by exactly one of them.
"""

from __future__ import annotations

import threading
import time

from confluent_kafka import Consumer, KafkaException, Message, TopicPartition

from pizza.config import PlatformSettings
from pizza.contracts.cdc import DEAD_LETTER_TOPIC
from pizza.logs import get_logger
from pizza.messaging.deadletters import DeadLetters
from pizza.messaging.health import OK, Heartbeat, Stall, check_result
from pizza.messaging.topics import TopicManager
from streaming import observability as obs
from streaming.consumers.cdc_to_lake.handlers import to_lake_row
from streaming.serialization import MalformedMessage
from streaming.settings import LakeSinkSettings
from streaming.sinks.lake_store import LakeStore
from streaming.sinks.parquet_lake import ParquetLakeSink

log = get_logger(__name__)

BROKER_CHECK_S = 5.0
"""How often the loop asks the broker for metadata, to know it answers even when no message arrives."""
MAX_MESSAGES_PER_POLL = 1000
"""Messages handled before the loop looks at due batches, readiness and the heartbeat again."""
OVERDUE_GRACE_S = 30.0
"""A batch open this long past ``max_age_s`` is stuck, not just slow."""


def consumer_config(platform: PlatformSettings, settings: LakeSinkSettings) -> dict[str, str | int | bool]:
    return {
        "bootstrap.servers": platform.kafka,
        "group.id": settings.group_id,
        "client.id": "pizza-lake-sink",
        "enable.auto.commit": False,
        "auto.offset.reset": "earliest",
        "session.timeout.ms": settings.session_timeout_ms,
        "heartbeat.interval.ms": max(100, settings.session_timeout_ms // 3),  # must beat well within the session
        "topic.metadata.refresh.interval.ms": settings.metadata_refresh_ms,
        **settings.consumer,
    }


class LakeSinkApp:
    def __init__(self, platform: PlatformSettings, settings: LakeSinkSettings, store: LakeStore | None = None) -> None:
        self.settings = settings
        self.sink = ParquetLakeSink(store or LakeStore(platform.lake), settings)
        TopicManager(platform.kafka, platform.kafka_partitions, platform.kafka_replication_factor).ensure(
            [DEAD_LETTER_TOPIC]
        )
        self.dead_letters = DeadLetters(platform.kafka, f"lake-sink:{settings.group_id}")
        self.consumer = Consumer(consumer_config(platform, settings))
        self.consumer.subscribe([settings.topic_pattern], on_assign=self._on_assign, on_revoke=self._on_revoke)
        self.heartbeat = Heartbeat(stale_after_s=max(60.0, settings.max_age_s * 3))
        self.rows_written = 0
        self.files_written = 0
        self.assigned_once = False
        self.broker = Stall()
        self._broker_checked = 0.0

    # --- rebalance callbacks (run inside poll) ------------------------------------------------------
    def _on_assign(self, consumer: Consumer, partitions: list[TopicPartition]) -> None:
        committed = consumer.committed(partitions, timeout=30)
        for tp, stored in zip(partitions, committed, strict=True):
            plan = self.sink.assign(tp.topic, tp.partition, stored.offset if stored.offset >= 0 else None)
            if plan.offset is not None:
                tp.offset = plan.offset
            log.info("assigned", topic=tp.topic, partition=tp.partition, start=plan.offset, plan=plan.reason)
        consumer.assign(partitions)
        self.assigned_once = True

    def _on_revoke(self, consumer: Consumer, partitions: list[TopicPartition]) -> None:
        for tp in partitions:
            self.sink.drop(tp.topic, tp.partition)
        log.info("revoked", partitions=len(partitions))

    # --- the loop -----------------------------------------------------------------------------------
    def poll_once(self) -> int:
        """Consume what is there, write every batch that is due; the number of messages consumed.

        One ``poll`` per message, each handled before the next: the rebalance callbacks run inside a poll,
        so every message is seen under the assignment it was fetched for. A batch ``consume`` that spans a
        rebalance can return messages of the revoked assignment after the new one began
        (confluent-kafka-python#1013); they would enter a fresh buffer out of order, and a batch written
        from them could commit past offsets not yet in the lake.
        """
        consumed, timeout = 0, self.settings.poll_timeout_s
        while consumed < MAX_MESSAGES_PER_POLL:
            message = self.consumer.poll(timeout)
            if message is None:
                break
            self._handle(message)
            consumed, timeout = consumed + 1, 0.0
        for topic, partition in self.sink.due():
            self._flush(topic, partition)
        obs.LAKE_BUFFERED_ROWS.set(self.sink.buffered_rows)
        self._check_broker()
        self.heartbeat.beat()
        return consumed

    def _check_broker(self) -> None:
        now = time.monotonic()
        if now - self._broker_checked < BROKER_CHECK_S:
            return
        self._broker_checked = now
        try:
            self.consumer.list_topics(timeout=2)
            self.broker.cleared()
        except KafkaException as exc:
            self.broker.blocked(check_result(exc))

    def ready(self) -> tuple[bool, dict[str, str]]:
        """The broker answers and no batch is stuck open."""
        overdue = self.sink.overdue(time.monotonic(), OVERDUE_GRACE_S)
        checks = {"broker": self.broker.check(), "batches": "stalled: " + "; ".join(overdue)[:250] if overdue else OK}
        return all(v == OK for v in checks.values()), checks

    def _handle(self, message: Message) -> None:
        if message.error() is not None:
            log.warning("consumer error", error=str(message.error()))
            return
        topic, partition, offset = message.topic() or "", message.partition() or 0, message.offset() or 0
        if not self.sink.owns(topic, partition):
            return  # fetched before a revoke: its new owner reads it
        value = message.value()
        try:
            row = to_lake_row(topic, partition, offset, value)
        except MalformedMessage as exc:
            self.dead_letters.send(message, str(exc))
            obs.LAKE_DEAD_LETTERS.labels(topic).inc()
            row = None
        if self.sink.add(topic, partition, offset, row, len(value or b"")):
            self._flush(topic, partition)

    def _flush(self, topic: str, partition: int) -> None:
        started = time.perf_counter()
        result = self.sink.flush(topic, partition)
        self.dead_letters.flush()  # dead letters of these offsets are on Kafka before we commit past them
        try:
            self.consumer.commit(offsets=[TopicPartition(topic, partition, result.next_offset)], asynchronous=False)
        except KafkaException as exc:  # e.g. a rebalance took the partition: its new owner rewrites the batch
            log.warning("offset commit failed after write", topic=topic, partition=partition, error=str(exc))
        obs.LAKE_FLUSH_SECONDS.observe(time.perf_counter() - started)
        table = topic.split(".", 1)[-1]
        obs.LAKE_ROWS.labels(table).inc(result.rows)
        obs.LAKE_FILES.labels(table).inc(len(result.paths))
        if result.newest_commit is not None:
            obs.LAKE_LAG_SECONDS.set(max(0.0, time.time() - result.newest_commit.timestamp()))
        self.rows_written += result.rows
        self.files_written += len(result.paths)

    def flush_all(self) -> None:
        """Write every open batch now (not those being rewritten: their end is fixed by the lake)."""
        for topic, partition in self.sink.pending():
            self._flush(topic, partition)

    def run(self, stop: threading.Event | None = None, *, idle_exit_s: float | None = None) -> None:
        """Consume until ``stop`` is set, or until nothing arrived for ``idle_exit_s`` seconds."""
        stop = stop or threading.Event()
        last_message = last_report = time.monotonic()
        reported = 0
        while not stop.is_set():
            if self.poll_once() or not self.assigned_once:  # idle time counts from the first assignment
                last_message = time.monotonic()
            now = time.monotonic()
            if idle_exit_s is not None and now - last_message >= idle_exit_s:
                break
            if now - last_report >= 10:
                rate = (self.rows_written - reported) / (now - last_report)
                log.info("progress", rows=self.rows_written, files=self.files_written, rows_per_second=round(rate))
                last_report, reported = now, self.rows_written
        self.flush_all()

    def close(self) -> None:
        self.consumer.close()
