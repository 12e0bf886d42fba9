"""The order saga's orchestrator: one step per event or passed deadline, each in one shard transaction.

``handle`` (the ``saga`` consumer of ``events.order``)::

    BEGIN on the order's shard (its customer's)
      INSERT processed_events (saga, event_id)     -- there already: a duplicate, nothing happens
      SELECT … FROM order_sagas … FOR UPDATE       -- one step at a time per order
      plan = states.on_event(saga, event)          -- pure: next state, deadline, actions
      run the plan's actions                       -- idempotent calls into the domains
      UPDATE order_sagas                           -- state, deadline, the step log
      upsert the order's catalog projection        -- from the shard: repairs a write lost earlier
    COMMIT

An action that raises rolls the whole step back, message-log entry included: the message is handled
again and the actions, idempotent, converge. ``wake_due`` does the same for passed deadlines; it takes
sagas with ``FOR UPDATE SKIP LOCKED``, so any number of timers (processes) share the work and a crashed
one leaves nothing half done: the deadline is still in the row for the next scan.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
from prometheus_client import Counter

from api.db import Databases
from api.domain.orders import reproject_order
from api.domain.orders.lookup import order_facts
from api.domain.saga import repositories as repo
from api.domain.saga.participants import Participants
from api.domain.saga.states import (
    MOVES,
    STATE_OF_STATUS,
    Action,
    Deadlines,
    Plan,
    RetryAssignment,
    Saga,
    after_assignment_retry,
    follow,
    on_event,
    on_timeout,
)
from pizza.contracts.events import Event, EventEnvelope, OrderEvent
from pizza.logs import get_logger
from pizza.messaging.messagelog import mark_processed

log = get_logger(__name__)

TRANSITIONS = Counter("pizza_saga_transitions", "Saga state changes", ["from_state", "to_state"])
TIMEOUTS = Counter("pizza_saga_timeouts", "Deadlines that passed, by kind and the state they led to", ["kind", "to"])
ACTIONS = Counter("pizza_saga_actions", "Actions the saga ran", ["action"])


class OrderNotFound(LookupError):
    """An order event names an order its customer's shard does not hold: it can never be processed."""


class SagaOrchestrator:
    consumer = "saga"

    def __init__(
        self,
        db: Databases,
        participants: Participants,
        deadlines: Deadlines,
        *,
        retry_s: float = 30.0,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.db, self.participants, self.deadlines = db, participants, deadlines
        self.retry_s, self.clock = retry_s, clock

    # --- events --------------------------------------------------------------------------------------
    async def handle(self, envelope: EventEnvelope, event: Event) -> str:
        """Apply one order event; returns "advanced", "noted", "stale", "duplicate" or "ignored"."""
        user_id = getattr(event, "user_id", None)  # every order event names the order's customer
        if not isinstance(event, OrderEvent) or not isinstance(user_id, uuid.UUID):
            return "ignored"
        now = self.clock()
        async with self.db.user_tx(user_id) as conn:
            if not await mark_processed(conn, self.consumer, envelope.event_id):
                return "duplicate"
            saga = await repo.lock(conn, event.order_id)
            start = saga or await self._facts(conn, event.order_id, user_id)
            plan = on_event(saga, event, start, now, self.deadlines)
            if plan.changed:
                plan = await self._carry_out(plan, event, envelope, now)
                await repo.save(conn, plan, now)
            # The staff's and riders' queues read the catalog projection: redo from the shard any write of it
            # lost since the last event (catalog unreachable). Unreachable now: the step fails, the event returns.
            await reproject_order(self.db, conn, event.order_id)
        if not plan.changed:
            return "stale"
        self._count(plan)
        log.info("saga step", order_id=str(event.order_id), trigger=plan.trigger, state=plan.saga.state,
                 actions=plan.results)  # fmt: skip
        return "advanced" if plan.moved else "noted"

    async def _facts(self, conn: psycopg.AsyncConnection[Any], order_id: uuid.UUID, user_id: uuid.UUID) -> Saga:
        order = await order_facts(conn, order_id, user_id)
        if order is None:
            raise OrderNotFound(f"order {order_id} of user {user_id} is not on the user's shard")
        return Saga(order.order_id, order.user_id, order.restaurant_id, STATE_OF_STATUS[order.status], order.status)

    # --- deadlines -----------------------------------------------------------------------------------
    async def wake_due(self, shard: str, limit: int = 100) -> int:
        """Handle up to ``limit`` sagas of ``shard`` whose deadline passed; returns how many."""
        woken = 0
        async with self.db.shards[shard].connection() as conn:
            while woken < limit:
                now = self.clock()
                saga: Saga | None = None
                try:
                    async with conn.transaction():
                        saga = await repo.lock_next_due(conn, now)
                        if saga is None:
                            break
                        await self._time_out(conn, saga, now)
                except Exception:  # logged; the saga is looked at again later
                    if saga is None:
                        raise
                    log.exception("timeout step failed; postponed", order_id=str(saga.order_id))
                    TIMEOUTS.labels(saga.deadline_kind, "failed").inc()
                    async with conn.transaction():
                        await repo.postpone(conn, saga.order_id, now + timedelta(seconds=self.retry_s))
                woken += 1
        return woken

    async def _time_out(self, conn: psycopg.AsyncConnection[Any], saga: Saga, now: datetime) -> None:
        kind = saga.deadline_kind
        order = await order_facts(conn, saga.order_id, saga.user_id)
        if order is None:  # deleted or archived under the saga: nothing left to wait for
            gone = replace(saga, deadline_at=None, deadline_kind=None, reason="order not found")
            plan = Plan(saga, gone, (), "timer")
        else:
            decision = on_timeout(saga, order.status, now, self.deadlines)
            if isinstance(decision, RetryAssignment):
                retry = await self.participants.run(Action.ASSIGN_RIDER, saga, None, None)
                decision = replace(
                    after_assignment_retry(saga, retry.assigned, now, self.deadlines),
                    results={Action.ASSIGN_RIDER.value: retry.detail},
                )
            plan = await self._carry_out(decision, None, None, now)
        if plan.saga.deadline_at is not None and plan.saga.deadline_at <= now:  # nothing moved: look again later
            plan = replace(plan, saga=replace(plan.saga, deadline_at=now + timedelta(seconds=self.retry_s)))
        await repo.save(conn, plan, now)
        TIMEOUTS.labels(kind, plan.saga.state).inc()
        self._count(plan)
        log.info("saga deadline", order_id=str(saga.order_id), kind=kind, state=plan.saga.state, actions=plan.results)

    # --- running a plan ------------------------------------------------------------------------------
    async def _carry_out(self, plan: Plan, event: Event | None, envelope: EventEnvelope | None, now: datetime) -> Plan:
        """Run the plan's actions in order. If an order move is refused because the order moved on (the
        customer cancelled, the kitchen accepted just in time), follow the order instead of compensating."""
        results = dict(plan.results)
        saga = plan.saga
        for action in plan.actions:
            outcome = await self.participants.run(action, saga, event, envelope)
            results[action.value] = outcome.detail
            ACTIONS.labels(action.value).inc()
            if action in MOVES and outcome.order_status is not None:
                if outcome.order_status != MOVES[action]:
                    base = plan.before or replace(saga, state="PAYMENT_PENDING")
                    trigger = f"{plan.trigger}:order {outcome.order_status}"
                    followed = follow(base, outcome.order_status, now, self.deadlines, trigger)
                    followed = replace(followed, before=plan.before, results=results)
                    return await self._carry_out(followed, event, envelope, now)
                saga = replace(saga, order_status=outcome.order_status)
        return replace(plan, saga=saga, results=results)

    @staticmethod
    def _count(plan: Plan) -> None:
        if plan.moved:
            TRANSITIONS.labels(plan.before.state if plan.before else "NEW", plan.saga.state).inc()
