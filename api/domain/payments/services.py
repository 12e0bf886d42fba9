"""The payment service: charge an order once, hold suspicious payments for review, refund on cancellation.

Entry points are idempotent functions of an event, safe to call twice (the saga's consumers may
redeliver): the order's payment row is created once (unique ``order_id``), every state change is a
guarded update (``WHERE status = ...``) written with its outbox event in one transaction on the user's
shard, and every gateway call carries a key derived from the payment id.

    PENDING --authorize+capture--> SUCCEEDED --refund--> REFUNDED
       |  \\--fraud rule--> REVIEW --approve--> SUCCEEDED
       |                        \\--reject--> FAILED
       \\--decline / timeout--> FAILED
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal, Protocol, TypeVar

from prometheus_client import Counter
from psycopg import AsyncConnection
from redis.asyncio import Redis
from tenacity import AsyncRetrying, retry_if_exception_type, stop_after_attempt, wait_exponential

from api.db import Databases
from api.domain.payments import repositories as repo
from api.domain.payments.fraud import CardVelocity, FraudAssessment, FraudFacts, assess
from api.domain.payments.providers import (
    Authorization,
    ChargeRequest,
    GatewayError,
    GatewayUnavailable,
    PaymentGateway,
)
from api.domain.payments.settings import PaymentSettings
from api.lib.errors import ConflictError, NotFoundError
from api.lib.outbox import write_outbox
from pizza.contracts.events import (
    EventEnvelope,
    OrderCreated,
    OrderStatus,
    OrderStatusChanged,
    PaymentFailed,
    PaymentRefunded,
    PaymentSucceeded,
)
from pizza.ids import new_id
from pizza.logs import get_logger

log = get_logger(__name__)
T = TypeVar("T")

PAYMENTS = Counter("pizza_payments_total", "Payments reaching a state", ["provider", "status"])
WEBHOOK_CONSUMER = "payments.stripe_webhook"
_STRIPE_EVENT_NS = uuid.UUID("3f1c9a52-7d0b-4f4e-8c61-2a9e5b7d4c30")


class OrderStatusPort(Protocol):
    """How payments move the order (the orders domain's state machine), injected so each side stays testable."""

    async def change_in_tx(
        self,
        conn: AsyncConnection[Any],
        *,
        order_id: uuid.UUID,
        user_id: uuid.UUID,
        to_status: OrderStatus,
        reason: str,
    ) -> object:
        """Move the order inside the payment's shard transaction; returns what ``after_commit`` needs.

        Raises ``ConflictError`` (or ``NotFoundError``) before writing anything when the order cannot
        make the move, e.g. the customer cancelled it while the payment was in flight.
        """
        ...

    async def after_commit(self, change: object) -> None:
        """Work that must follow the commit (e.g. read projections); must not raise."""
        ...


Decision = Literal["approve", "reject"]


class OrderNotPayable(Exception):
    """The order moved on (cancelled) while its payment was in flight: the money goes back."""


@dataclass(frozen=True, slots=True)
class PaymentResult:
    payment: repo.Row
    changed: bool  # False: a repeated call found the work already done

    @property
    def status(self) -> str:
        return str(self.payment["status"])


class PaymentService:
    def __init__(
        self,
        db: Databases,
        redis: Redis,
        gateway: PaymentGateway,
        settings: PaymentSettings,
        orders: OrderStatusPort,
    ) -> None:
        self.db, self.gateway, self.settings, self.orders = db, gateway, settings, orders
        self.card_velocity = CardVelocity(redis, settings.fraud_window_minutes * 60)

    # --- saga entry points -------------------------------------------------------------------
    async def handle_order_created(self, envelope: EventEnvelope) -> PaymentResult:
        event = envelope.parse()
        if not isinstance(event, OrderCreated):
            raise TypeError(f"handle_order_created got {envelope.event_type}")
        async with self.db.user_tx(event.user_id) as conn:
            row = await repo.insert_pending(
                conn,
                payment_id=new_id(),
                order_id=event.order_id,
                user_id=event.user_id,
                amount_cents=event.total_cents,
                currency=event.currency,
                provider=self.gateway.name,
                source_event_id=envelope.event_id,
            ) or await repo.get_by_order(conn, event.order_id)
        assert row is not None
        if row["status"] != "PENDING":
            return PaymentResult(row, changed=False)
        return await self._charge(row)

    async def handle_order_status_changed(self, envelope: EventEnvelope) -> PaymentResult | None:
        """Refund (or release) the payment of an order that became CANCELLED or REFUNDED; ignore other moves."""
        event = envelope.parse()
        if not isinstance(event, OrderStatusChanged):
            raise TypeError(f"handle_order_status_changed got {envelope.event_type}")
        if event.to_status not in ("CANCELLED", "REFUNDED"):
            return None
        return await self.refund_order(event.order_id, event.user_id, event.reason or f"order {event.to_status}")

    async def refund_order(self, order_id: uuid.UUID, user_id: uuid.UUID, reason: str) -> PaymentResult | None:
        """Give the money back for a cancelled order: refund a capture, release a held authorization."""
        async with self.db.user_tx(user_id) as conn:
            row = await repo.get_by_order(conn, order_id)
        if row is None:
            return None
        charge = self._charge_request(row)
        if row["status"] == "SUCCEEDED":
            refund = await self._retry(lambda: self.gateway.refund(charge, row["provider_ref"]))
            async with self.db.user_tx(user_id) as conn:
                done = await repo.transition(
                    conn,
                    row["payment_id"],
                    ("SUCCEEDED",),
                    status="REFUNDED",
                    refund_ref=refund.provider_ref,
                    refunded_at=datetime.now(UTC),
                    failure_reason=reason,
                )
                if done:
                    await write_outbox(conn, self._refunded_event(done))
            return self._result(done, row)
        if row["status"] in ("PENDING", "REVIEW"):
            if row["provider_ref"]:
                await self._retry(lambda: self.gateway.cancel(charge, row["provider_ref"], "abandoned"))
            async with self.db.user_tx(user_id) as conn:
                done = await repo.transition(
                    conn, row["payment_id"], ("PENDING", "REVIEW"), status="FAILED", failure_reason=f"voided: {reason}"
                )
            return self._result(done, row)
        return PaymentResult(row, changed=False)

    # --- admin review --------------------------------------------------------------------------
    async def review(self, payment: repo.Row, decision: Decision, admin_id: uuid.UUID) -> PaymentResult:
        if payment["status"] != "REVIEW":
            raise ConflictError(f"payment {payment['payment_id']} is {payment['status']}, not in review")
        charge = self._charge_request(payment)
        fields: dict[str, Any] = {
            "review_decision": "approved" if decision == "approve" else "rejected",
            "reviewed_by": admin_id,
            "reviewed_at": datetime.now(UTC),
        }
        if decision == "approve":
            await self._retry(lambda: self.gateway.capture(charge, payment["provider_ref"]))
            return await self._succeed(payment, ("REVIEW",), fields)
        await self._retry(lambda: self.gateway.cancel(charge, payment["provider_ref"], "fraudulent"))
        return await self._fail(payment, ("REVIEW",), "rejected in fraud review", fields)

    async def find(self, payment_id: uuid.UUID) -> repo.Row:
        """A payment by id on whichever shard holds it (admin paths; fans out to every shard)."""
        for pool in self.db.shards.values():
            async with pool.connection() as conn:
                row = await repo.get(conn, payment_id)
            if row is not None:
                return row
        raise NotFoundError(f"payment {payment_id} not found")

    async def for_order(self, order_id: uuid.UUID, user_id: uuid.UUID | None) -> list[repo.Row]:
        """The order's payments: on the customer's shard, or (admin, ``user_id`` None) on every shard."""
        if user_id is not None:
            async with self.db.pool_for_user(user_id).connection() as conn:
                return await repo.list_for_order(conn, order_id, user_id)
        rows: list[repo.Row] = []
        for pool in self.db.shards.values():
            async with pool.connection() as conn:
                rows += await repo.list_for_order(conn, order_id, None)
        return rows

    async def in_review(self, limit: int = 100) -> list[repo.Row]:
        rows: list[repo.Row] = []
        for pool in self.db.shards.values():
            async with pool.connection() as conn:
                rows += await repo.list_in_review(conn, limit)
        return sorted(rows, key=lambda r: r["created_at"])[:limit]

    # --- Stripe webhooks: reconcile what happened outside our calls ------------------------------
    async def apply_stripe_event(self, event: dict[str, Any]) -> str:
        """Apply a verified Stripe event once; returns what was done (for the log and the response)."""
        kind = str(event.get("type"))
        obj = (event.get("data") or {}).get("object") or {}
        meta = obj.get("metadata") or {}
        if kind not in (
            "payment_intent.succeeded",
            "payment_intent.payment_failed",
            "payment_intent.canceled",
            "charge.refunded",
        ):
            return "ignored"
        try:
            user_id, payment_id = uuid.UUID(meta["user_id"]), uuid.UUID(meta["payment_id"])
        except (KeyError, ValueError):
            return "ignored: no payment metadata"
        message_id = uuid.uuid5(_STRIPE_EVENT_NS, str(event.get("id")))
        row: repo.Row | None = None
        try:
            async with self._tx(user_id) as (conn, changes):
                if not await repo.mark_processed(conn, WEBHOOK_CONSUMER, message_id):
                    return "duplicate"
                row = await repo.get(conn, payment_id, lock=True)
                if row is None:
                    return "ignored: unknown payment"
                if kind == "payment_intent.succeeded":
                    done = await self._succeed_in(
                        conn, changes, row, ("PENDING", "REVIEW"), {"provider_ref": obj.get("id")}
                    )
                elif kind == "charge.refunded":
                    done = await repo.transition(
                        conn,
                        payment_id,
                        ("SUCCEEDED",),
                        status="REFUNDED",
                        refunded_at=datetime.now(UTC),
                        failure_reason="refunded at the provider",
                    )
                    if done:
                        await write_outbox(conn, self._refunded_event(done))
                else:
                    error = obj.get("last_payment_error") or {}
                    reason = error.get("decline_code") or error.get("code") or obj.get("cancellation_reason") or kind
                    done = await self._fail_in(conn, changes, row, ("PENDING", "REVIEW"), str(reason), {})
        except OrderNotPayable:
            assert row is not None
            refunded = await self._refund_unpayable(row, ("PENDING", "REVIEW"), {"provider_ref": obj.get("id")})
            return f"{kind}: order not payable, {refunded.status}"
        if done:
            PAYMENTS.labels(row["provider"], done["status"]).inc()
        return f"{kind}: {done['status']}" if done else f"{kind}: no change"

    # --- the charge ------------------------------------------------------------------------------
    async def _charge(self, row: repo.Row) -> PaymentResult:
        charge = self._charge_request(row)
        try:
            auth = await self._retry(lambda: self.gateway.authorize(charge))
        except GatewayUnavailable:
            # An authorization we never heard of is never captured: the provider releases it.
            log.warning("payment gateway unavailable", payment_id=str(charge.payment_id))
            return await self._fail(row, ("PENDING",), "gateway_timeout", {})
        except GatewayError as exc:
            log.error("payment gateway error", payment_id=str(charge.payment_id), error=str(exc))
            return await self._fail(row, ("PENDING",), "gateway_error", {})
        found: dict[str, Any] = {
            "provider_ref": auth.provider_ref,
            "card_fingerprint": auth.card_fingerprint,
            "method": auth.method,
        }
        if auth.status == "declined":
            return await self._fail(row, ("PENDING",), auth.decline_reason or "declined", found)
        assessment = await self._assess(row, auth)
        found |= {"fraud_score": assessment.score, "fraud_reasons": list(assessment.reasons)}
        if assessment.flagged:
            async with self.db.user_tx(row["user_id"]) as conn:
                done = await repo.transition(conn, row["payment_id"], ("PENDING",), status="REVIEW", **found)
            log.info("payment held for review", payment_id=str(row["payment_id"]), reasons=assessment.reasons)
            if done:
                PAYMENTS.labels(row["provider"], "REVIEW").inc()
            return self._result(done, row)
        # Capture failing after retries raises: the payment stays PENDING and the redelivered event resumes it.
        await self._retry(lambda: self.gateway.capture(charge, str(auth.provider_ref)))
        return await self._succeed(row, ("PENDING",), found)

    async def _assess(self, row: repo.Row, auth: Authorization) -> FraudAssessment:
        window = timedelta(minutes=self.settings.fraud_window_minutes)
        async with self.db.pool_for_user(row["user_id"]).connection() as conn:
            user_count = await repo.count_recent_for_user(conn, row["user_id"], window)
            history = await repo.successful_amounts(conn, row["user_id"], row["payment_id"])
        card_count = (
            await self.card_velocity.record(auth.card_fingerprint, row["payment_id"]) if auth.card_fingerprint else 0
        )
        facts = FraudFacts(
            row["amount_cents"], user_count, card_count, history, auth.elevated_risk, currency=row["currency"]
        )
        return assess(facts, self.settings)

    async def _succeed(self, row: repo.Row, from_statuses: tuple[str, ...], fields: dict[str, Any]) -> PaymentResult:
        try:
            async with self._tx(row["user_id"]) as (conn, changes):
                done = await self._succeed_in(conn, changes, row, from_statuses, fields)
        except OrderNotPayable:
            return await self._refund_unpayable(row, from_statuses, fields)
        if done:
            PAYMENTS.labels(row["provider"], "SUCCEEDED").inc()
        return self._result(done, row)

    async def _succeed_in(
        self,
        conn: AsyncConnection[Any],
        changes: list[object],
        row: repo.Row,
        from_statuses: tuple[str, ...],
        fields: dict[str, Any],
    ) -> repo.Row | None:
        done = await repo.transition(conn, row["payment_id"], from_statuses, status="SUCCEEDED", **fields)
        if done:
            event = PaymentSucceeded(
                order_id=done["order_id"],
                payment_id=done["payment_id"],
                user_id=done["user_id"],
                amount_cents=done["amount_cents"],
                currency=done["currency"],
                provider=done["provider"],
                provider_ref=done["provider_ref"],
            )
            await write_outbox(conn, event)
            try:
                changes.append(await self._move_order(conn, done, "PAID", "payment succeeded"))
            except (ConflictError, NotFoundError) as exc:
                raise OrderNotPayable(str(exc)) from exc
        return done

    async def _refund_unpayable(
        self, row: repo.Row, from_statuses: tuple[str, ...], fields: dict[str, Any]
    ) -> PaymentResult:
        """Captured, but the order was cancelled meanwhile: refund at once (same key on every retry)."""
        log.warning("order cancelled while paying; refunding", payment_id=str(row["payment_id"]))
        provider_ref = fields.get("provider_ref") or row["provider_ref"]
        refund = await self._retry(lambda: self.gateway.refund(self._charge_request(row), provider_ref))
        async with self.db.user_tx(row["user_id"]) as conn:
            done = await repo.transition(
                conn, row["payment_id"], from_statuses, status="REFUNDED", refund_ref=refund.provider_ref,
                refunded_at=datetime.now(UTC), failure_reason="order cancelled while paying", **fields,
            )  # fmt: skip
            if done:
                await write_outbox(conn, self._refunded_event(done))
        if done:
            PAYMENTS.labels(row["provider"], "REFUNDED").inc()
        return self._result(done, row)

    async def _fail(
        self, row: repo.Row, from_statuses: tuple[str, ...], reason: str, fields: dict[str, Any]
    ) -> PaymentResult:
        async with self._tx(row["user_id"]) as (conn, changes):
            done = await self._fail_in(conn, changes, row, from_statuses, reason, fields)
        if done:
            PAYMENTS.labels(row["provider"], "FAILED").inc()
        return self._result(done, row)

    async def _fail_in(
        self,
        conn: AsyncConnection[Any],
        changes: list[object],
        row: repo.Row,
        from_statuses: tuple[str, ...],
        reason: str,
        fields: dict[str, Any],
    ) -> repo.Row | None:
        done = await repo.transition(
            conn, row["payment_id"], from_statuses, status="FAILED", failure_reason=reason, **fields
        )
        if done:
            event = PaymentFailed(
                order_id=done["order_id"],
                payment_id=done["payment_id"],
                user_id=done["user_id"],
                amount_cents=done["amount_cents"],
                currency=done["currency"],
                provider=done["provider"],
                reason=reason,
            )
            await write_outbox(conn, event)
            try:
                changes.append(await self._move_order(conn, done, "CANCELLED", f"payment failed: {reason}"))
            except (ConflictError, NotFoundError) as exc:  # already cancelled: nothing left to move
                log.info("order not cancelled by the failed payment", order_id=str(done["order_id"]), why=str(exc))
        return done

    # --- helpers ---------------------------------------------------------------------------------
    async def _move_order(self, conn: AsyncConnection[Any], payment: repo.Row, to: OrderStatus, reason: str) -> object:
        return await self.orders.change_in_tx(
            conn, order_id=payment["order_id"], user_id=payment["user_id"], to_status=to, reason=reason
        )

    @asynccontextmanager
    async def _tx(self, user_id: uuid.UUID) -> AsyncIterator[tuple[AsyncConnection[Any], list[object]]]:
        """A transaction on the user's shard; order changes collected in it are finished after the commit."""
        changes: list[object] = []
        async with self.db.user_tx(user_id) as conn:
            yield conn, changes
        for change in changes:
            await self.orders.after_commit(change)

    def _charge_request(self, row: repo.Row) -> ChargeRequest:
        return ChargeRequest(row["payment_id"], row["order_id"], row["user_id"], row["amount_cents"], row["currency"])

    @staticmethod
    def _refunded_event(row: repo.Row) -> PaymentRefunded:
        return PaymentRefunded(
            order_id=row["order_id"],
            payment_id=row["payment_id"],
            user_id=row["user_id"],
            amount_cents=row["amount_cents"],
            currency=row["currency"],
            provider=row["provider"],
        )

    @staticmethod
    def _result(done: repo.Row | None, before: repo.Row) -> PaymentResult:
        return PaymentResult(done, changed=True) if done else PaymentResult(before, changed=False)

    async def _retry(self, call: Callable[[], Awaitable[T]]) -> T:
        """Retry a gateway call on ``GatewayUnavailable`` with exponential backoff (same idempotency key)."""
        async for attempt in AsyncRetrying(
            stop=stop_after_attempt(self.settings.gateway_attempts),
            wait=wait_exponential(multiplier=self.settings.gateway_backoff_seconds, max=10),
            retry=retry_if_exception_type(GatewayUnavailable),
            reraise=True,
        ):
            with attempt:
                return await call()
        raise AssertionError("unreachable")  # pragma: no cover
