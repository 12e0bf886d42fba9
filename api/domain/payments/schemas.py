"""What the payments endpoints speak. Provider ids and statuses only; never card data."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any, Literal


@dataclass
class Payment:
    payment_id: uuid.UUID
    order_id: uuid.UUID
    user_id: uuid.UUID
    amount_cents: int
    currency: str
    status: str
    provider: str
    provider_ref: str | None
    method: str | None
    failure_reason: str | None
    fraud_score: int
    created_at: datetime
    updated_at: datetime
    fraud_reasons: list[str] = field(default_factory=list)
    review_decision: str | None = None
    reviewed_at: datetime | None = None
    refunded_at: datetime | None = None

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Payment:
        return cls(
            payment_id=row["payment_id"],
            order_id=row["order_id"],
            user_id=row["user_id"],
            amount_cents=row["amount_cents"],
            currency=row["currency"],
            status=row["status"],
            provider=row["provider"],
            provider_ref=row["provider_ref"],
            method=row["method"],
            failure_reason=row["failure_reason"],
            fraud_score=row["fraud_score"],
            created_at=row["created_at"],
            updated_at=row["updated_at"],
            fraud_reasons=list(row["fraud_reasons"] or []),
            review_decision=row["review_decision"],
            reviewed_at=row["reviewed_at"],
            refunded_at=row["refunded_at"],
        )


@dataclass
class PaymentAction:
    """What the customer must do before the card is charged (3-D Secure), as Stripe's ``next_action`` says.

    ``use_stripe_sdk``: pass ``client_secret`` to Stripe.js ``handleNextAction``; ``redirect_to_url``: open
    ``redirect_url``. Shown to the order's customer only, and only while the payment is PENDING.
    """

    type: Literal["use_stripe_sdk", "redirect_to_url"]
    client_secret: str
    redirect_url: str | None = None

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> PaymentAction:
        return cls(type=row["kind"], client_secret=row["client_secret"], redirect_url=row["redirect_url"])


@dataclass
class OrderPayment:
    """A payment as its customer sees it: what was charged and how it ended, never the fraud rules'
    score, reasons or review (they would teach a fraudster which signals to avoid). ``next_action`` is
    set while the payment waits on the customer's 3-D Secure authentication."""

    payment_id: uuid.UUID
    order_id: uuid.UUID
    amount_cents: int
    currency: str
    status: str
    provider: str
    method: str | None
    failure_reason: str | None
    created_at: datetime
    updated_at: datetime
    refunded_at: datetime | None = None
    next_action: PaymentAction | None = None

    @classmethod
    def from_row(cls, row: dict[str, Any], action: dict[str, Any] | None = None) -> OrderPayment:
        payment = cls(**{f.name: row[f.name] for f in fields(cls) if f.name != "next_action"})
        payment.next_action = PaymentAction.from_row(action) if action else None
        return payment


@dataclass
class PaymentReview:
    decision: Literal["approve", "reject"]


@dataclass
class WebhookReceipt:
    received: bool
    outcome: str
