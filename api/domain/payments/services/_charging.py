"""Charging an order: authorize, run the fraud rules on what the gateway said, then capture or hold.

A card that needs 3-D Secure is not authorized yet: the payment stays PENDING with the customer's
action beside it and no event, so the saga keeps waiting under its payment deadline. The provider's
webhook resumes it (:meth:`Charging.resume_authenticated`) at the fraud rules, as if authorization
had just answered.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from redis.asyncio import Redis

from api.db import Databases
from api.domain.payments import repositories as repo
from api.domain.payments.fraud import CardVelocity, FraudAssessment, FraudFacts, assess
from api.domain.payments.providers import Authorization, GatewayError, GatewayUnavailable
from api.domain.payments.services._gateway import RetryingGateway
from api.domain.payments.services._ledger import PaymentLedger, PaymentResult, counted
from api.domain.payments.settings import PaymentSettings
from pizza.contracts.events import EventEnvelope, OrderCreated
from pizza.ids import new_id
from pizza.logs import get_logger

log = get_logger(__name__)


class Charging:
    def __init__(
        self, db: Databases, redis: Redis, gateway: RetryingGateway, ledger: PaymentLedger, settings: PaymentSettings
    ) -> None:
        self.db, self.gateway, self.ledger, self.settings = db, gateway, ledger, settings
        self.card_velocity = CardVelocity(redis, settings.fraud_window_minutes * 60)

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

    async def _charge(self, row: repo.Row) -> PaymentResult:
        try:
            auth = await self.gateway.authorize(row)
        except GatewayUnavailable:
            # An authorization we never heard of is never captured: the provider releases it.
            log.warning("payment gateway unavailable", payment_id=str(row["payment_id"]))
            return await self.ledger.fail(row, ("PENDING",), "gateway_timeout", {})
        except GatewayError as exc:
            log.error("payment gateway error", payment_id=str(row["payment_id"]), error=str(exc))
            return await self.ledger.fail(row, ("PENDING",), "gateway_error", {})
        found: dict[str, Any] = {
            "provider_ref": auth.provider_ref,
            "card_fingerprint": auth.card_fingerprint,
            "method": auth.method,
        }
        if auth.status == "declined":
            return await self.ledger.fail(row, ("PENDING",), auth.decline_reason or "declined", found)
        if auth.status == "requires_action":
            return await self._await_customer(row, auth, found)
        return await self._assess_and_capture(row, auth, found)

    async def _await_customer(self, row: repo.Row, auth: Authorization, found: dict[str, Any]) -> PaymentResult:
        assert auth.action is not None
        async with self.db.user_tx(row["user_id"]) as conn:
            done = await repo.transition(conn, row["payment_id"], ("PENDING",), **found)
            if done is not None:
                action = auth.action
                await repo.save_action(
                    conn, row["payment_id"], row["user_id"], action.kind, action.client_secret, action.redirect_url
                )
        log.info("payment awaits customer authentication", payment_id=str(row["payment_id"]))
        return PaymentResult(done or row, changed=False)

    async def resume_authenticated(self, row: repo.Row) -> PaymentResult:
        """The customer passed 3-D Secure and the provider holds the funds: fraud rules, then capture or hold.

        Safe to repeat: a payment no longer PENDING is left alone, and the capture's idempotency key is
        the one every attempt uses.
        """
        if row["status"] != "PENDING" or not row["provider_ref"]:
            return PaymentResult(row, changed=False)
        auth = Authorization("authorized", row["provider_ref"], row["card_fingerprint"], row["method"])
        found = {name: row[name] for name in ("provider_ref", "card_fingerprint", "method")}
        return await self._assess_and_capture(row, auth, found)

    async def _assess_and_capture(self, row: repo.Row, auth: Authorization, found: dict[str, Any]) -> PaymentResult:
        assessment = await self._assess(row, auth)
        found |= {"fraud_score": assessment.score, "fraud_reasons": list(assessment.reasons)}
        if assessment.flagged:
            async with self.db.user_tx(row["user_id"]) as conn:
                done = await repo.transition(conn, row["payment_id"], ("PENDING",), status="REVIEW", **found)
            log.info("payment held for review", payment_id=str(row["payment_id"]), reasons=assessment.reasons)
            return counted(done, row)
        # Capture failing after retries raises: the payment stays PENDING and the redelivered event resumes it.
        await self.gateway.capture(row, str(auth.provider_ref))
        return await self.ledger.succeed(row, ("PENDING",), found)

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
