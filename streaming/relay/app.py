"""The CDC relay loop: for each database, read the slot, publish, wait for every ack, then advance.

One process can serve several databases (the local default: the catalog and every shard) or exactly
one (production: ``pizza cdc run --shard shard_7`` per shard, on as many hosts as there are shards).
Several processes may serve the same shard: a session advisory lock keeps one active and the others
on standby, taking over within ``standby_retry_s`` when the active one dies.

A database or the broker going away fails a cycle; the relay retries from the confirmed positions (at most
``RETRY_MAX_S`` apart, so it resumes within seconds of the server's return) and keeps its loop turning
meanwhile: liveness holds, readiness (``ready()``) fails with the error until a cycle succeeds again.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import psycopg
from confluent_kafka import KafkaException
from tenacity import Retrying, retry_if_exception_type, wait_exponential

from pizza.config import PlatformSettings
from pizza.contracts.cdc import cdc_topic
from pizza.contracts.events import EVENT_TYPES, events_topic
from pizza.crypto.datakeys import DataKeyStore
from pizza.crypto.pseudonyms import PrivacySettings, checked_key
from pizza.logs import get_logger
from pizza.messaging.health import OK, Heartbeat, Stall
from pizza.messaging.topics import TopicManager
from pizza.secrets import require_secrets
from streaming import observability as obs
from streaming.relay.publisher import AckHook, Publisher, PublishError, producer_config
from streaming.relay.routing import ChangeRouter, OutgoingMessage
from streaming.relay.slot import PartitionRoots, RelayLock, ReplicationSlot, captured_tables
from streaming.relay.wal2json import Transaction, decode_rows, format_lsn
from streaming.settings import CdcSettings

log = get_logger(__name__)

CATALOG = "catalog"
# Transient: Postgres or Kafka unreachable, or the backend of a killed relay still holding the slot for a moment.
RETRYABLE = (psycopg.OperationalError, psycopg.errors.ObjectInUse, PublishError, KafkaException)
RETRY_MAX_S = 5.0


def capture_targets(platform: PlatformSettings, only: Sequence[str] | None = None) -> dict[str, str]:
    """Database name -> DSN: the catalog and every shard, or just the ones asked for."""
    targets = {CATALOG: platform.catalog, **platform.shards}
    if only:
        unknown = sorted(set(only) - set(targets))
        if unknown:
            raise KeyError(f"unknown shard(s) {unknown}; configured: {sorted(targets)}")
        targets = {name: targets[name] for name in only}
    return targets


def slot_name(settings: CdcSettings, shard: str) -> str:
    return f"{settings.slot_prefix}_{shard}"


@dataclass(slots=True)
class ShardBatch:
    source: ShardSource
    transactions: list[Transaction]
    messages: list[OutgoingMessage]
    advance_to: int | None
    upto_lsn: int
    complete: bool  # the slot had nothing more committed before upto_lsn


@dataclass(slots=True)
class ShardSource:
    """One database: its connection, slot, partition map, lock and routing."""

    shard: str
    dsn: str
    settings: CdcSettings
    keys: DataKeyStore | None = None  # None: contact values are published null (no key to seal them with)
    pseudonym_key: bytes | None = None
    conn: psycopg.Connection | None = None
    slot: ReplicationSlot | None = None
    router: ChangeRouter | None = None
    lock: RelayLock | None = None
    next_lock_try: float = 0.0
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def active(self) -> bool:
        return self.lock is not None and self.lock.held and self.slot is not None

    def connect(self) -> None:
        self.close()
        self.conn = psycopg.connect(self.dsn, autocommit=True, application_name=f"pizza-cdc-{self.shard}")
        self.conn.execute("SET TimeZone = 'UTC'")
        self.lock = RelayLock(self.conn, slot_name(self.settings, self.shard))
        self.slot = None

    def try_activate(self) -> bool:
        """Take the shard's lock if free; then make sure the slot exists. False while on standby."""
        if self.active:
            return True
        now = time.monotonic()
        if now < self.next_lock_try:
            return False
        if self.conn is None or self.conn.broken or self.conn.closed:
            self.connect()
        assert self.conn is not None
        assert self.lock is not None
        if not self.lock.try_acquire():
            self.next_lock_try = now + self.settings.standby_retry_s
            obs.CDC_STANDBY.labels(self.shard).set(1)
            log.info("standby: another relay holds this shard", shard=self.shard)
            return False
        obs.CDC_STANDBY.labels(self.shard).set(0)
        self.slot = ReplicationSlot(self.conn, slot_name(self.settings, self.shard), self.settings.capture_schemas)
        if self.slot.ensure():
            log.info("replication slot created", shard=self.shard, slot=self.slot.name)
        self.router = ChangeRouter(
            shard=self.shard,
            database=str(self.conn.info.dbname),
            resolve_table=PartitionRoots(self.conn),
            excluded_tables=self.settings.excluded_tables,
            outbox_table=self.settings.outbox_table,
            pseudonym_key=self.pseudonym_key,
        )
        log.info("active", shard=self.shard, slot=self.slot.name, confirmed=format_lsn(self.slot.confirmed_lsn()))
        return True

    def topics(self) -> list[str]:
        """Every topic this database will publish to, created up front so consumers subscribe at once."""
        assert self.conn is not None
        assert self.router is not None
        tables = captured_tables(self.conn, self.settings.capture_schemas)
        cdc = [cdc_topic(t) for t in tables if t != self.router.outbox_table and not self.router.is_excluded(t)]
        events = sorted({events_topic(cls.aggregate_type) for cls in EVENT_TYPES.values()})
        return cdc + events

    def read(self) -> ShardBatch:
        assert self.slot is not None
        assert self.router is not None
        read = self.slot.peek(self.settings.max_changes)
        transactions = decode_rows(read.rows)
        owners = self.router.key_owners(transactions)
        keys = self.keys.keys_for(owners) if self.keys is not None and owners else None
        messages = [m for txn in transactions for m in self.router.route(txn, keys)]
        last_end = transactions[-1].end_lsn if transactions else None
        if read.complete:
            advance_to: int | None = max(read.upto_lsn, last_end or 0)
        else:
            advance_to = last_end
        return ShardBatch(self, transactions, messages, advance_to, read.upto_lsn, read.complete)

    def confirm(self, batch: ShardBatch) -> None:
        assert self.slot is not None
        if batch.advance_to is not None:
            self.slot.advance(batch.advance_to)
            obs.CDC_CONFIRMED_LSN.labels(self.shard).set(batch.advance_to)
            obs.CDC_LAG_BYTES.labels(self.shard).set(max(0, batch.upto_lsn - batch.advance_to))
        obs.CDC_TRANSACTIONS.labels(self.shard).inc(len(batch.transactions))
        for message in batch.messages:
            obs.CDC_MESSAGES.labels(self.shard, message.kind).inc()
            self.counts[message.kind] = self.counts.get(message.kind, 0) + 1

    def close(self) -> None:
        if self.conn is not None and not self.conn.closed:
            self.conn.close()  # also releases the advisory lock
        self.conn, self.slot, self.lock = None, None, None


class CdcRelay:
    def __init__(
        self, sources: list[ShardSource], publisher: Publisher, settings: CdcSettings, keys: DataKeyStore | None = None
    ) -> None:
        self.sources = sources
        self.keys = keys
        self.publisher = publisher
        self.settings = settings
        self.heartbeat = Heartbeat(stale_after_s=max(60.0, settings.ack_timeout_s * 2))
        self.stall = Stall()  # cycles failing: committed changes wait unpublished
        self.extra_ack_hook: AckHook | None = None  # benchmarks measure per-message latency through it

    def _on_ack(self, message: OutgoingMessage, acked_at: float) -> None:
        obs.CDC_COMMIT_TO_ACK.observe(max(0.0, acked_at - message.commit_ts_ms / 1000))
        if self.extra_ack_hook is not None:
            self.extra_ack_hook(message, acked_at)

    def cycle(self) -> tuple[int, bool]:
        """One pass over the databases. Returns (messages published, every active slot fully read)."""
        batches = []
        for source in self.sources:
            if not source.active and source.try_activate():
                self.publisher.topics.ensure(source.topics())
            if source.active:
                batches.append(source.read())
        messages = [m for batch in batches for m in batch.messages]
        self.publisher.publish(messages, on_ack=self._on_ack)  # raises unless every message was acked
        for batch in batches:
            batch.source.confirm(batch)
        self.heartbeat.beat()
        self.stall.cleared()
        return len(messages), len(batches) == len(self.sources) and all(b.complete for b in batches)

    def cycle_with_retry(self) -> tuple[int, bool]:
        """A cycle; transient Postgres or Kafka failures are retried from the confirmed positions."""
        for attempt in Retrying(
            retry=retry_if_exception_type(RETRYABLE),
            wait=wait_exponential(multiplier=0.2, max=RETRY_MAX_S),
            before_sleep=lambda state: self._recover(state.outcome.exception() if state.outcome else None),
            reraise=True,
        ):
            with attempt:
                return self.cycle()
        raise AssertionError("unreachable")

    def _recover(self, exc: BaseException | None) -> None:
        obs.CDC_CYCLE_FAILURES.inc()
        log.warning("cycle failed; retrying from the confirmed positions", error=str(exc))
        self.stall.blocked(f"{type(exc).__name__}: {exc}")
        self.heartbeat.beat()  # the loop turns: waiting out an outage is not being stuck
        if self.keys is not None:
            self.keys.forget()  # the catalog may have restarted too
        for source in self.sources:  # a restarted server killed every session, not only the one that failed
            if source.conn is None or source.conn.broken or source.conn.closed or not _answers(source.conn):
                source.close()

    def ready(self) -> tuple[bool, dict[str, str]]:
        """Ready while cycles succeed: every database and the broker answered the last one."""
        cycle = self.stall.check()
        return cycle == OK, {"cycle": cycle}

    def run(self, stop: threading.Event | None = None, *, until_idle: bool = False) -> dict[str, dict[str, int]]:
        """Relay until ``stop`` is set (or, with ``until_idle``, until every slot is drained)."""
        stop = stop or threading.Event()
        last_report, reported = time.monotonic(), 0
        total = 0
        while not stop.is_set():
            published, drained = self.cycle_with_retry()
            total += published
            now = time.monotonic()
            if now - last_report >= 10:
                log.info("progress", messages=total, per_second=round((total - reported) / (now - last_report)))
                last_report, reported = now, total
            if until_idle and drained and published == 0:
                break
            if published == 0:
                stop.wait(self.settings.poll_interval_s)
        return {source.shard: dict(source.counts) for source in self.sources}

    def close(self) -> None:
        self.publisher.close()
        if self.keys is not None:
            self.keys.forget()
        for source in self.sources:
            source.close()


def _answers(conn: psycopg.Connection) -> bool:
    try:
        conn.execute("SELECT 1")
        return True
    except psycopg.Error:
        return False


def build_relay(
    platform: PlatformSettings,
    settings: CdcSettings,
    shards: Sequence[str] | None = None,
    privacy: PrivacySettings | None = None,
) -> CdcRelay:
    """The relay; outside development mode it refuses the public default master or pseudonym key."""
    privacy = privacy or PrivacySettings()
    require_secrets("cdc relay", platform, privacy.weak_secrets())
    keys = DataKeyStore(platform.catalog, privacy.master_key_bytes(), cache_s=settings.data_key_cache_s)
    hmac_key = checked_key(privacy, platform)
    sources = [
        ShardSource(name, dsn, settings, keys=keys, pseudonym_key=hmac_key)
        for name, dsn in capture_targets(platform, shards).items()
    ]
    topics = TopicManager(platform.kafka, platform.kafka_partitions, platform.kafka_replication_factor)
    publisher = Publisher(producer_config(platform.kafka, settings.producer), topics, settings.ack_timeout_s)
    return CdcRelay(sources, publisher, settings, keys)
