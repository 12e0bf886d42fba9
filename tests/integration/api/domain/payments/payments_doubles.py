"""Test doubles of the payments tests: a Stripe-speaking local server's logic, a recording orders port."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from psycopg import AsyncConnection
from support.http_doubles import Reply, Request, serve_http

from api.lib.errors import ConflictError

AUTHENTICATION_REQUIRED = "pm_card_authenticationRequired"  # Stripe's test card 4000 0027 6000 3184


@dataclass
class StripeRequest:
    method: str
    path: str
    headers: dict[str, str]
    form: dict[str, str]


@dataclass
class FakeStripe:
    """Answers like api.stripe.com for the calls the gateway makes; replays responses per idempotency key."""

    url: str = ""
    requests: list[StripeRequest] = field(default_factory=list)
    replies: dict[str, tuple[int, dict[str, Any]]] = field(default_factory=dict)
    failures_left: int = 0  # answer 503 to this many requests first (a flaky network)
    intents: set[str] = field(default_factory=set)

    def handle(self, req: StripeRequest) -> tuple[int, dict[str, Any]]:
        key = req.headers.get("idempotency-key")
        if key is None:
            return 400, {"error": {"type": "invalid_request_error", "message": "tests demand an Idempotency-Key"}}
        if self.failures_left > 0:
            self.failures_left -= 1
            return 503, {"error": {"type": "api_error", "message": "try again"}}
        if key in self.replies:
            return self.replies[key]
        reply = self.route(req)
        self.replies[key] = reply
        return reply

    def route(self, req: StripeRequest) -> tuple[int, dict[str, Any]]:
        parts = req.path.strip("/").split("/")
        if parts == ["v1", "payment_intents"]:
            return self.create_intent(req.form)
        if len(parts) == 4 and parts[:2] == ["v1", "payment_intents"] and parts[3] in ("capture", "cancel"):
            if parts[2] not in self.intents:
                error = {"type": "invalid_request_error", "code": "resource_missing", "message": "No such intent"}
                return 404, {"error": error}
            status = "succeeded" if parts[3] == "capture" else "canceled"
            return 200, {"id": parts[2], "object": "payment_intent", "status": status}
        if parts == ["v1", "refunds"]:
            return 200, {
                "id": f"re_{uuid.uuid4().hex[:14]}",
                "object": "refund",
                "status": "succeeded",
                "payment_intent": req.form["payment_intent"],
            }
        return 404, {"error": {"type": "invalid_request_error", "message": f"no route {req.path}"}}

    def create_intent(self, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        amount = int(form["amount"])
        intent_id = f"pi_{uuid.uuid4().hex[:14]}"
        self.intents.add(intent_id)
        charge = {
            "id": f"ch_{uuid.uuid4().hex[:14]}",
            "object": "charge",
            "payment_method_details": {"type": "card", "card": {"fingerprint": "Fp" + form["payment_method"][-6:]}},
            "outcome": {"risk_level": "elevated" if amount % 100 == 42 else "normal", "type": "authorized"},
        }
        intent = {
            "id": intent_id,
            "object": "payment_intent",
            "amount": amount,
            "currency": form["currency"],
            "capture_method": form.get("capture_method"),
            "metadata": {k[9:-1]: v for k, v in form.items() if k.startswith("metadata[")},
            "latest_charge": charge,
            "status": "requires_capture",
            "client_secret": f"{intent_id}_secret_{uuid.uuid4().hex[:16]}",
            "next_action": None,
        }
        if form["payment_method"] == AUTHENTICATION_REQUIRED and form.get("off_session") != "true":
            # As Stripe answers its test card 4000 0027 6000 3184 confirmed on-session: nothing held yet.
            redirect = form.get("return_url")
            next_action = (
                {"type": "redirect_to_url", "redirect_to_url": {"url": f"https://hooks.stripe.test/3ds/{intent_id}",
                                                               "return_url": redirect}}
                if redirect
                else {"type": "use_stripe_sdk", "use_stripe_sdk": {"type": "three_d_secure_redirect"}}
            )  # fmt: skip
            return 200, intent | {"status": "requires_action", "latest_charge": None, "next_action": next_action}
        if amount % 100 == 13:
            failed = intent | {"status": "requires_payment_method"}
            error = {
                "type": "card_error",
                "code": "card_declined",
                "decline_code": "insufficient_funds",
                "message": "Your card has insufficient funds.",
                "payment_intent": failed,
            }
            return 402, {"error": error}
        return 200, intent


@contextlib.contextmanager
def serving_fake_stripe() -> Iterator[FakeStripe]:
    """A local server answering as Stripe for as long as the block runs (``fake.url`` is its address)."""
    fake = FakeStripe()

    def answer(request: Request) -> Reply:
        req = StripeRequest(request.method, request.path, request.headers, dict(parse_qsl(request.body.decode())))
        fake.requests.append(req)
        status, payload = fake.handle(req)
        return Reply(status, payload, {"Request-Id": f"req_{uuid.uuid4().hex[:10]}"})

    with serve_http(answer) as url:
        fake.url = url
        yield fake


@dataclass
class RecordedOrders:
    """Stands in for the orders domain's port: writes the move in the payment's own transaction (so a
    rollback of the payment would roll it back too) and records what reached ``after_commit``."""

    moved: list[tuple[uuid.UUID, str, str]] = field(default_factory=list)
    committed: list[object] = field(default_factory=list)
    cancelled: bool = False  # the customer cancelled the order meanwhile: every move is refused

    async def change_in_tx(
        self,
        conn: AsyncConnection[Any],
        *,
        order_id: uuid.UUID,
        user_id: uuid.UUID,
        to_status: str,
        reason: str,
    ) -> object:
        if self.cancelled:
            raise ConflictError(f"an order in CANCELLED cannot become {to_status}")
        return await self._record(conn, order_id, to_status, reason)

    async def _record(self, conn: AsyncConnection[Any], order_id: uuid.UUID, to_status: str, reason: str) -> object:
        await conn.execute(
            """INSERT INTO order_status_history (order_id, seq, from_status, to_status, reason, changed_by)
               VALUES (%s, 1, 'PENDING', %s, %s, 'system:payments')""",
            (order_id, to_status, reason),
        )
        self.moved.append((order_id, to_status, reason))
        return (order_id, to_status)

    async def after_commit(self, change: object) -> None:
        self.committed.append(change)
