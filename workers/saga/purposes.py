"""Which events each consumer group handles, and the domain entry point it calls.

- ``saga`` (events.order): every order event -> ``SagaOrchestrator.handle``, which calls payments,
  delivery (rider assignment and lifecycle), loyalty and the ops alerts as the saga's steps.
- ``notifications`` (events.order, events.user): every event -> ``NotificationService.notify``
  (its templates decide what is announced).
- ``live`` (events.order): ``OrderStatusChanged`` -> ``DeliveryService.on_status_changed`` (the
  customers' WebSocket feed).

Each purpose is its own consumer group, so a slow email provider never delays a payment. The purpose
name is also the message-log consumer name: each purpose handles each event once.
"""

from __future__ import annotations

from api.db import Databases
from api.domain.delivery import DeliveryService
from api.domain.notifications import NotificationService
from api.domain.saga import SagaOrchestrator
from api.domain.saga.settings import Purpose
from pizza.contracts.events import Event, EventEnvelope, OrderStatusChanged, events_topic
from pizza.messaging.consumer import Handler
from workers.saga.messagelog import once

TOPICS: dict[Purpose, tuple[str, ...]] = {
    "saga": (events_topic("order"),),
    "notifications": (events_topic("order"), events_topic("user")),
    "live": (events_topic("order"),),
}


def saga_handler(orchestrator: SagaOrchestrator) -> Handler:
    return orchestrator.handle


def notifications_handler(db: Databases, notifier: NotificationService, consumer: str = "notifications") -> Handler:
    async def handle(envelope: EventEnvelope, event: Event) -> str:
        async with once(db, getattr(event, "user_id", None), consumer, envelope.event_id) as new:
            if not new:
                return "duplicate"
            outcomes = await notifier.notify(envelope)  # claims each (event, channel) in the MongoDB log first
        statuses = {o.status for o in outcomes}
        return "sent" if "sent" in statuses else "failed" if "failed" in statuses else "silent"

    return handle


def live_handler(db: Databases, delivery: DeliveryService, consumer: str = "live") -> Handler:
    async def handle(envelope: EventEnvelope, event: Event) -> str:
        if not isinstance(event, OrderStatusChanged):
            return "ignored"
        async with once(db, event.user_id, consumer, envelope.event_id) as new:
            if not new:
                return "duplicate"
            shown = await delivery.on_status_changed(event)  # never shows an older status after a newer one
        return "published" if shown else "stale"

    return handle
