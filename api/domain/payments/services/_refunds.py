"""Giving money back: a refund by amount (staff, support), and the whole order when it is cancelled.

A refund by amount is three steps, so that the provider is never asked while a shard transaction is
open and never asked to give back more than was captured:

1. **Reserve**, under the payment's row lock: the request's idempotency key finds an earlier refund
   (returned as it is, or resumed if its provider call never came back); otherwise the amount must fit
   in what was captured minus what is refunded or in flight, and it is counted into
   ``payments.refunded_cents`` with a ``pending`` refund row. Two concurrent refunds queue on the lock.
2. **Ask the provider**, keyed ``pizza-<payment_id>-refund-<refund_id>``: a retry, or the same request
   again, repeats this refund and no other.
3. **Settle**: ``succeeded`` with its event (``PaymentPartiallyRefunded``, or ``PaymentRefunded`` once
   settled refunds cover the payment, which becomes REFUNDED); a refusal marks it ``failed`` and gives
   its amount back. If the provider stays unreachable the row stays ``pending`` and the call raises:
   asking again with the same key finishes it.
"""

from __future__ import annotations

import uuid

from api.db import Databases
from api.domain.payments import repositories as repo
from api.domain.payments.providers import GatewayError, GatewayUnavailable
from api.domain.payments.services._gateway import RetryingGateway
from api.domain.payments.services._ledger import PaymentLedger, PaymentResult
from api.lib.errors import ConflictError, NotFoundError, UnprocessableError
from pizza.contracts.events import EventEnvelope, OrderStatusChanged
from pizza.ids import new_id
from pizza.logs import get_logger

log = get_logger(__name__)

WHOLE_ORDER_KEY = "order-refund"  # the idempotency key of the refund of what is left when an order is cancelled


class Refunds:
    def __init__(self, db: Databases, gateway: RetryingGateway, ledger: PaymentLedger) -> None:
        self.db, self.gateway, self.ledger = db, gateway, ledger

    async def handle_order_status_changed(self, envelope: EventEnvelope) -> PaymentResult | None:
        """Refund (or release) the payment of an order that became CANCELLED or REFUNDED; ignore other moves."""
        event = envelope.parse()
        if not isinstance(event, OrderStatusChanged):
            raise TypeError(f"handle_order_status_changed got {envelope.event_type}")
        if event.to_status not in ("CANCELLED", "REFUNDED"):
            return None
        return await self.refund_order(event.order_id, event.user_id, event.reason or f"order {event.to_status}")

    async def refund_order(self, order_id: uuid.UUID, user_id: uuid.UUID, reason: str) -> PaymentResult | None:
        """Give the money back for a cancelled order: refund what is left of a capture, release a held one."""
        async with self.db.user_tx(user_id) as conn:
            row = await repo.get_by_order(conn, order_id)
        if row is None:
            return None
        if row["status"] == "SUCCEEDED":
            rest = int(row["amount_cents"]) - int(row["refunded_cents"])
            if rest <= 0:  # covered by refunds still in flight: they settle it
                return PaymentResult(row, changed=False)
            refund, changed = await self._refund(row, rest, reason, None, WHOLE_ORDER_KEY)
            async with self.db.user_tx(user_id) as conn:
                after = await repo.get(conn, row["payment_id"])
            assert after is not None
            return PaymentResult(after, changed=changed and refund["status"] == "succeeded")
        if row["status"] in ("PENDING", "REVIEW"):
            if row["provider_ref"]:
                await self.gateway.cancel(row, row["provider_ref"], "abandoned")
            async with self.db.user_tx(user_id) as conn:
                done = await repo.transition(
                    conn, row["payment_id"], ("PENDING", "REVIEW"), status="FAILED", failure_reason=f"voided: {reason}"
                )
            return PaymentResult.of(done, row)
        return PaymentResult(row, changed=False)

    async def refund_amount(
        self,
        order_id: uuid.UUID,
        user_id: uuid.UUID,
        amount_cents: int,
        reason: str,
        requested_by: uuid.UUID | None,
        idempotency_key: str,
    ) -> repo.Row:
        """Refund ``amount_cents`` of the order's captured payment once per ``idempotency_key``; the refund row.

        Raises ``NotFoundError`` (no payment), ``ConflictError`` (not captured, or the key was used for
        another amount) and ``UnprocessableError`` (more than is left to refund)."""
        if amount_cents <= 0:
            raise UnprocessableError("a refund is a positive amount")
        async with self.db.user_tx(user_id) as conn:
            payment = await repo.get_by_order(conn, order_id)
        if payment is None or payment["user_id"] != user_id:
            raise NotFoundError(f"order {order_id} has no payment")
        refund, _ = await self._refund(payment, amount_cents, reason, requested_by, idempotency_key)
        return refund

    async def _refund(
        self, payment: repo.Row, amount_cents: int, reason: str, requested_by: uuid.UUID | None, key: str
    ) -> tuple[repo.Row, bool]:
        """Reserve, ask the provider, settle (module docstring); (the refund row, whether this call settled it)."""
        refund = await self._reserve(payment, amount_cents, reason, requested_by, key)
        if refund["status"] != "pending":
            return refund, False
        step = f"refund-{refund['refund_id']}"
        try:
            answer = await self.gateway.refund(payment, payment["provider_ref"], amount_cents, step)
        except GatewayUnavailable:
            log.warning(
                "refund not confirmed; asking again with the same key finishes it", refund_id=str(refund["refund_id"])
            )
            raise
        except GatewayError as exc:
            async with self.db.user_tx(payment["user_id"]) as conn:
                failed = await repo.settle_refund(conn, refund["refund_id"], provider_ref=None, failure_reason=str(exc))
            return failed or refund, failed is not None
        async with self.ledger.tx(payment["user_id"]) as work:
            done = await repo.settle_refund(work.conn, refund["refund_id"], provider_ref=answer.provider_ref)
            if done is not None:
                await self.ledger.refund_settled_in(work.conn, done)
        if done is None:  # a concurrent call with the same key settled it first
            async with self.db.user_tx(payment["user_id"]) as conn:
                again = await repo.find_refund(conn, payment["payment_id"], key)
            return again or refund, False
        return done, True

    async def _reserve(
        self, payment: repo.Row, amount_cents: int, reason: str, requested_by: uuid.UUID | None, key: str
    ) -> repo.Row:
        async with self.db.user_tx(payment["user_id"]) as conn:
            current = await repo.get(conn, payment["payment_id"], lock=True)
            assert current is not None
            earlier = await repo.find_refund(conn, current["payment_id"], key)
            if earlier is not None:
                if int(earlier["amount_cents"]) != amount_cents:
                    raise ConflictError(
                        f"refund key {key!r} was used for {earlier['amount_cents']}, not {amount_cents}"
                    )
                return earlier
            if current["status"] != "SUCCEEDED":
                raise ConflictError(f"payment {current['payment_id']} is {current['status']}: nothing to refund")
            left = int(current["amount_cents"]) - int(current["refunded_cents"])
            refund = await repo.reserve_refund(
                conn,
                current,
                refund_id=new_id(),
                amount_cents=amount_cents,
                reason=reason,
                requested_by=requested_by,
                idempotency_key=key,
            )
            if refund is None:
                raise UnprocessableError(f"only {left} of {current['amount_cents']} is left to refund")
            return refund
