"""Provider events (Stripe webhooks): reconcile what happened at the provider outside our own calls.

Each event is applied once: its id is recorded in ``processed_events`` in the same transaction as the
change it causes, so a redelivered webhook finds it there and does nothing. A signature proves only that
the sender holds the signing secret, so before any state change the event must also describe the stored
payment: the same PaymentIntent id (``provider_ref``), amount and currency. The metadata that names the
payment is the sender's claim; the stored row is the truth. A payment whose charge call never came back
has no ``provider_ref`` yet; its event is accepted on amount and currency and then records the intent id.

3-D Secure: ``payment_intent.amount_capturable_updated`` for a payment waiting on its customer means the
customer passed and the funds are held; the charging job resumes it (fraud rules, capture). That step
calls the provider, so it is not recorded as processed: a redelivery repeats it harmlessly (the payment
has left PENDING, the capture's idempotency key is the same). A failed authentication arrives as
``payment_intent.payment_failed`` and fails the payment like a decline.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from api.domain.payments import repositories as repo
from api.domain.payments.services._ledger import OrderNotPayable, PaymentLedger, PaymentResult, count
from pizza.logs import get_logger
from pizza.money import NotWholeMinorUnits, provider_amount

log = get_logger(__name__)

WEBHOOK_CONSUMER = "payments.stripe_webhook"
_STRIPE_EVENT_NS = uuid.UUID("3f1c9a52-7d0b-4f4e-8c61-2a9e5b7d4c30")
_AUTHENTICATED = "payment_intent.amount_capturable_updated"
_INTENT_EVENTS = (
    "payment_intent.succeeded",
    "payment_intent.payment_failed",
    "payment_intent.canceled",
    _AUTHENTICATED,
)
_APPLIED = (*_INTENT_EVENTS, "charge.refunded")
Resume = Callable[[repo.Row], Awaitable[PaymentResult]]


def event_mismatch(kind: str, obj: dict[str, Any], row: repo.Row) -> str | None:
    """Why the event's object is not the stored payment, or None when intent, amount and currency all match."""
    intent = obj.get("id") if kind in _INTENT_EVENTS else obj.get("payment_intent")
    if not intent or (row["provider_ref"] and intent != row["provider_ref"]):
        return "payment intent"
    try:
        stored = provider_amount(row["amount_cents"], str(row["currency"]))  # events count as Stripe does
    except NotWholeMinorUnits:
        return "amount"
    if obj.get("amount") != stored:
        return "amount"
    if str(obj.get("currency", "")).upper() != str(row["currency"]).upper():
        return "currency"
    return None


def recorded_intent(row: repo.Row, obj: dict[str, Any]) -> dict[str, Any]:
    """The intent id to store on a payment whose charge call never came back (it has none yet)."""
    return {} if row["provider_ref"] else {"provider_ref": obj.get("id")}


class ProviderEvents:
    def __init__(self, ledger: PaymentLedger, resume_authenticated: Resume) -> None:
        self.ledger, self.resume_authenticated = ledger, resume_authenticated

    async def apply_stripe_event(self, event: dict[str, Any]) -> str:
        """Apply a verified Stripe event once; returns what was done (for the log and the response)."""
        kind = str(event.get("type"))
        obj = (event.get("data") or {}).get("object") or {}
        meta = obj.get("metadata") or {}
        if kind not in _APPLIED:
            return "ignored"
        try:
            user_id, payment_id = uuid.UUID(meta["user_id"]), uuid.UUID(meta["payment_id"])
        except (KeyError, ValueError):
            return "ignored: no payment metadata"
        if kind == _AUTHENTICATED:
            return await self._authenticated(obj, user_id, payment_id)
        message_id = uuid.uuid5(_STRIPE_EVENT_NS, str(event.get("id")))
        row: repo.Row | None = None
        try:
            async with self.ledger.tx(user_id) as work:
                row = await repo.get(work.conn, payment_id, lock=True)
                if row is None:
                    return "ignored: unknown payment"
                if (mismatch := event_mismatch(kind, obj, row)) is not None:
                    log.warning("stripe event does not match the payment", payment_id=str(payment_id), field=mismatch)
                    return f"rejected: {mismatch} does not match the payment"
                if not await repo.mark_processed(work.conn, WEBHOOK_CONSUMER, message_id):
                    return "duplicate"
                if kind == "payment_intent.succeeded":
                    done = await self.ledger.succeed_in(work, row, ("PENDING", "REVIEW"), recorded_intent(row, obj))
                elif kind == "charge.refunded":
                    done = await self.ledger.refund_in(
                        work.conn, payment_id, ("SUCCEEDED",), failure_reason="refunded at the provider"
                    )
                else:
                    error = obj.get("last_payment_error") or {}
                    reason = error.get("decline_code") or error.get("code") or obj.get("cancellation_reason") or kind
                    done = await self.ledger.fail_in(
                        work, row, ("PENDING", "REVIEW"), str(reason), recorded_intent(row, obj)
                    )
        except OrderNotPayable:
            assert row is not None
            refunded = await self.ledger.refund_unpayable(row, ("PENDING", "REVIEW"), recorded_intent(row, obj))
            return f"{kind}: order not payable, {refunded.status}"
        count(done, row)
        return f"{kind}: {done['status']}" if done else f"{kind}: no change"

    async def _authenticated(self, obj: dict[str, Any], user_id: uuid.UUID, payment_id: uuid.UUID) -> str:
        """The customer passed 3-D Secure: resume a payment that waits on them; any other is left alone."""
        async with self.ledger.tx(user_id) as work:
            row = await repo.get(work.conn, payment_id)
            if row is None:
                return "ignored: unknown payment"
            if (mismatch := event_mismatch(_AUTHENTICATED, obj, row)) is not None:
                log.warning("stripe event does not match the payment", payment_id=str(payment_id), field=mismatch)
                return f"rejected: {mismatch} does not match the payment"
            waiting = payment_id in await repo.actions_for(work.conn, [payment_id])
        if not waiting:
            return f"{_AUTHENTICATED}: no change"
        result = await self.resume_authenticated(row)
        return f"{_AUTHENTICATED}: {result.status}"
