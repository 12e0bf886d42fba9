"""Fraud rules: velocity per user and per card fingerprint, amount outliers, the gateway's own risk flag.

A flagged payment is not declined: its authorization is held and an admin approves (capture) or
rejects (release) it. The rules are pure (``assess``); the facts they need come from the user's
shard (history, authoritative) and from Redis (card velocity across users, who live on different
shards).
"""

from __future__ import annotations

import statistics
import time
import uuid
from dataclasses import dataclass, field

from redis.asyncio import Redis

from api.domain.payments.settings import PaymentSettings
from pizza.money import UnknownCurrencyError, from_reference

RULE_WEIGHTS: dict[str, int] = {
    "provider_risk": 60,
    "user_velocity": 40,
    "card_velocity": 40,
    "amount_outlier": 30,
}


@dataclass(frozen=True, slots=True)
class FraudFacts:
    amount_cents: int
    user_payments_in_window: int  # including this one
    card_payments_in_window: int  # including this one; 0 when the gateway gave no fingerprint
    user_history_cents: tuple[int, ...] = ()  # the user's earlier successful payments, newest first
    provider_elevated_risk: bool = False
    currency: str = "USD"


@dataclass(frozen=True, slots=True)
class FraudAssessment:
    reasons: tuple[str, ...] = field(default_factory=tuple)

    @property
    def flagged(self) -> bool:
        return bool(self.reasons)

    @property
    def score(self) -> int:
        return min(100, sum(RULE_WEIGHTS[r] for r in self.reasons))


def assess(facts: FraudFacts, settings: PaymentSettings) -> FraudAssessment:
    reasons: list[str] = []
    if facts.provider_elevated_risk:
        reasons.append("provider_risk")
    if facts.user_payments_in_window > settings.fraud_max_payments_per_user:
        reasons.append("user_velocity")
    if facts.card_payments_in_window > settings.fraud_max_payments_per_card:
        reasons.append("card_velocity")
    if is_amount_outlier(facts.amount_cents, facts.user_history_cents, settings, facts.currency):
        reasons.append("amount_outlier")
    return FraudAssessment(tuple(reasons))


def is_amount_outlier(
    amount_cents: int, history: tuple[int, ...], settings: PaymentSettings, currency: str = "USD"
) -> bool:
    """Above the new-customer cap (set in US dollars, compared in the payment's currency); above
    ``factor x median`` once the customer has a history (same currency: a customer orders in one city).

    A currency without a reference rate has no cap to compare with, so its new-customer payments are
    held for review rather than waved through.
    """
    if len(history) < settings.fraud_outlier_min_history:
        try:
            return amount_cents > from_reference(settings.fraud_new_user_cap_cents, currency)
        except UnknownCurrencyError:
            return True
    return amount_cents > settings.fraud_outlier_factor * statistics.median(history)


class CardVelocity:
    """Payments per card fingerprint in a sliding window: a Redis sorted set per card, member = payment id.

    Re-recording the same payment (a retried saga step) does not count twice.
    """

    def __init__(self, redis: Redis, window_seconds: int, prefix: str = "pizza:payments:card:") -> None:
        self.redis, self.window, self.prefix = redis, window_seconds, prefix

    async def record(self, fingerprint: str, payment_id: uuid.UUID, now: float | None = None) -> int:
        now = time.time() if now is None else now
        key = self.prefix + fingerprint
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.zremrangebyscore(key, 0, now - self.window)
            pipe.zadd(key, {str(payment_id): now})
            pipe.zcard(key)
            pipe.expire(key, self.window)
            results = await pipe.execute()
        return int(results[2])
