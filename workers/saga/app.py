"""What ``pizza saga run`` runs: the consumer groups and the saga's deadline timer, on stores opened once.

One process runs every purpose by default; production may run them as separate deployments
(``PIZZA_SAGA_CONSUMERS=["saga"]``, ``PIZZA_SAGA_RUN_TIMER=false`` …) and scale each up to the number
of partitions of ``events.order``: Kafka spreads partitions over the group's members, timers share the
due sagas through ``SKIP LOCKED``.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import time
from collections.abc import Callable
from typing import Any

import psycopg
import redis.exceptions
from pymongo import AsyncMongoClient
from pymongo.errors import ConnectionFailure

from api.db import Databases
from api.db.probes import probe_stores
from api.domain.coupons import CouponService
from api.domain.delivery import DeliveryService, RedisFeed
from api.domain.delivery.settings import DeliverySettings, get_delivery_settings
from api.domain.delivery.tracking import ensure_indexes
from api.domain.loyalty import LoyaltyService
from api.domain.notifications import build_notification_service
from api.domain.notifications.ops import OpsAlerts
from api.domain.notifications.settings import NotifySettings, get_notify_settings
from api.domain.payments import build_payment_service
from api.domain.payments.providers import GatewayUnavailable
from api.domain.payments.settings import PaymentSettings, get_payment_settings
from api.domain.saga import Deadlines, Participants, SagaOrchestrator, SagaSettings, SagaTimer
from api.domain.saga.repositories import SagaRace
from pizza.config import PlatformSettings
from pizza.contracts.cdc import DEAD_LETTER_TOPIC
from pizza.db.connections import mongo_client, redis_client
from pizza.logs import get_logger
from pizza.messaging.consumer import ConsumerOptions, EventConsumer
from pizza.messaging.health import Heartbeat, Readiness, serve
from pizza.messaging.topics import ensure_topics
from pizza.secrets import require_secrets
from workers.saga.purposes import TOPICS, coupons_handler, live_handler, notifications_handler, saga_handler

log = get_logger(__name__)

# Worth another try: the store or the network will be back, or a concurrent twin finished first.
TRANSIENT: tuple[type[BaseException], ...] = (
    psycopg.OperationalError,  # includes pool timeouts, serialization failures, deadlocks
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
    ConnectionFailure,  # MongoDB: AutoReconnect, network timeouts, no server
    GatewayUnavailable,  # a capture that keeps timing out: the payment stays PENDING, the event resumes it
    SagaRace,
    ConnectionError,
    TimeoutError,
)


def deadlines(settings: SagaSettings) -> Deadlines:
    return Deadlines(settings.payment_timeout_s, settings.kitchen_timeout_s, settings.rider_timeout_s)


class SagaProcess:
    def __init__(
        self,
        platform: PlatformSettings,
        settings: SagaSettings,
        *,
        payments: PaymentSettings | None = None,
        notify: NotifySettings | None = None,
        delivery: DeliverySettings | None = None,
        clock: Callable[[], Any] | None = None,
    ) -> None:
        self.platform, self.settings = platform, settings
        self._payment_settings, self._notify_settings = payments, notify
        self._delivery_settings = delivery or get_delivery_settings()
        self._clock = clock
        self.db = Databases(platform, min_size=1, max_size=settings.pg_pool_max)
        self.redis = redis_client(platform.redis)
        self.mongo_client: AsyncMongoClient[dict[str, Any]] = mongo_client(platform.mongo)
        self.mongo = self.mongo_client[platform.mongo_database]
        self.consumers: list[EventConsumer] = []
        self.timer: SagaTimer | None = None
        self.timer_heartbeat = Heartbeat(settings.stale_after_s, name="timer")
        self.orchestrator: SagaOrchestrator | None = None
        self.readiness = Readiness()
        self._closers: list[Callable[[], Any]] = []

    async def open(self) -> None:
        """Open the stores, build the services once, make sure the topics exist, create the consumers."""
        settings, platform = self.settings, self.platform
        payment_settings = self._payment_settings or get_payment_settings()
        notify_settings = self._notify_settings or get_notify_settings()
        require_secrets("saga", platform, payment_settings.weak_secrets() + notify_settings.weak_secrets())
        await self.db.open()
        await ensure_indexes(self.mongo, ttl_hours=self._delivery_settings.tracking_ttl_hours)
        self.payments = payments = build_payment_service(
            self.db, self.redis, self.mongo, settings=self._payment_settings
        )
        self.notifier = notifier = build_notification_service(
            self.db, self.mongo, platform.state_dir, settings=self._notify_settings
        )
        self._closers += [payments.gateway.close, *(p.close for p in set(notifier.providers.values()))]
        self.delivery = delivery = DeliveryService(
            self.db, self.redis, self.mongo, RedisFeed(self.redis), self._delivery_settings
        )
        participants = Participants(
            self.db, self.mongo, payments, delivery, LoyaltyService(self.db), OpsAlerts(notifier, settings.ops_email)
        )
        extra = {"clock": self._clock} if self._clock else {}
        self.orchestrator = SagaOrchestrator(
            self.db, participants, deadlines(settings), retry_s=settings.timer_retry_s, **extra
        )
        handlers = {
            "saga": saga_handler(self.orchestrator),
            "notifications": notifications_handler(self.db, notifier),
            "live": live_handler(self.db, delivery),
            "coupons": coupons_handler(self.db, CouponService(self.db)),
        }
        topics = {t for purpose in settings.consumers for t in TOPICS[purpose]} | {DEAD_LETTER_TOPIC}
        await asyncio.to_thread(
            ensure_topics, platform.kafka, topics, platform.kafka_partitions, platform.kafka_replication_factor
        )
        for purpose in settings.consumers:
            options = ConsumerOptions(
                group_id=f"{settings.group_prefix}{purpose}",
                session_timeout_ms=settings.session_timeout_ms,
                poll_timeout_s=settings.poll_timeout_s,
                batch_size=settings.batch_size,
                attempts=settings.handler_attempts,
                backoff_s=settings.handler_backoff_s,
                extra=settings.kafka_consumer,
            )
            self.consumers.append(
                EventConsumer(
                    purpose, TOPICS[purpose], handlers[purpose], bootstrap=platform.kafka, options=options,
                    transient=TRANSIENT, stale_after_s=settings.stale_after_s,
                )
            )  # fmt: skip
        if settings.run_timer:
            self.timer = SagaTimer(
                self.orchestrator, sorted(self.db.shards), interval_s=settings.timer_interval_s,
                batch=settings.timer_batch, beat=self.timer_heartbeat.beat,
            )  # fmt: skip

    def alive(self) -> bool:
        """Every loop beat recently (what ``/health`` reports)."""
        beats = [c.heartbeat for c in self.consumers] + ([self.timer_heartbeat] if self.timer else [])
        return all(b.alive() for b in beats)

    def ready(self) -> tuple[bool, dict[str, str]]:
        """Every store answers and no loop is stuck with work waiting (what ``/ready`` reports)."""
        return self.readiness.report()

    async def check_readiness(self) -> None:
        """Probe the stores and look at the loops once; ``/ready`` reads the results."""
        fresh_for_s = max(10.0, self.settings.readiness_interval_s * 5)
        for name, result in (await probe_stores(self.db, self.redis, self.mongo)).items():
            self.readiness.set(name, result, fresh_for_s)
        for consumer in self.consumers:
            self.readiness.set(f"consumer:{consumer.name}", consumer.readiness(), fresh_for_s)
        if self.timer is not None:
            self.readiness.set("timer", self.timer.stall.check(), fresh_for_s)

    async def _watch_readiness(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            await self.check_readiness()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), self.settings.readiness_interval_s)

    async def run(self, stop: asyncio.Event) -> None:
        """Run every consumer and the timer until ``stop`` is set; if one of them crashes, stop them all."""
        tasks = [asyncio.create_task(c.run(stop), name=c.name) for c in self.consumers]
        if self.timer is not None:
            tasks.append(asyncio.create_task(self.timer.run(stop), name="timer"))
        progress = asyncio.create_task(self._report(stop), name="progress")
        readiness = asyncio.create_task(self._watch_readiness(stop), name="readiness")
        try:
            done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
            failed = [t for t in done if not t.cancelled() and t.exception() is not None]
            if failed:
                stop.set()
                await asyncio.gather(*tasks, return_exceptions=True)
                raise failed[0].exception()  # type: ignore[misc]
        finally:
            stop.set()
            for helper in (progress, readiness):
                helper.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await helper

    async def _report(self, stop: asyncio.Event, every_s: float = 10.0) -> None:
        last, started = {c.name: 0 for c in self.consumers}, time.monotonic()
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), every_s)
            now = {c.name: c.handled for c in self.consumers}
            per_second = {name: round((now[name] - last[name]) / every_s, 1) for name in now}
            log.info("progress", handled=now, per_second=per_second, uptime_s=round(time.monotonic() - started))
            last = now

    async def close(self) -> None:
        for close in self._closers:
            with contextlib.suppress(Exception):
                await close()
        await self.db.close()
        await self.redis.aclose()
        await self.mongo_client.close()


async def run_saga_process(
    platform: PlatformSettings, settings: SagaSettings, stop: asyncio.Event | None = None
) -> None:
    """Open, serve ``/health`` and ``/metrics`` (if a port is set), run until SIGTERM/SIGINT or ``stop``."""
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError, RuntimeError):  # not in the main thread (tests)
            loop.add_signal_handler(sig, stop.set)
    process = SagaProcess(platform, settings)
    await process.open()
    server = serve(settings.metrics_port, process.alive, process.ready) if settings.metrics_port else None
    log.info("saga process started", consumers=settings.consumers, timer=settings.run_timer,
             metrics_port=settings.metrics_port or None)  # fmt: skip
    try:
        await process.run(stop)
    finally:
        if server is not None:
            server.shutdown()
        await process.close()
        log.info("saga process stopped")
