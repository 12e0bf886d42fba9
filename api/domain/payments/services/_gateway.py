"""Gateway calls as the payment service makes them: from a payment row, retried while the gateway is down."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from tenacity import AsyncRetrying, retry_if_exception_type, stop_after_attempt, wait_exponential

from api.domain.payments import repositories as repo
from api.domain.payments.providers import Authorization, ChargeRequest, GatewayUnavailable, PaymentGateway, Refund
from api.domain.payments.settings import PaymentSettings

T = TypeVar("T")


def charge_request(row: repo.Row) -> ChargeRequest:
    return ChargeRequest(row["payment_id"], row["order_id"], row["user_id"], row["amount_cents"], row["currency"])


class RetryingGateway:
    """Each call is retried on ``GatewayUnavailable`` with exponential backoff. The gateway derives its
    idempotency key from the payment id, so a retry, like a redelivered event, never charges twice."""

    def __init__(self, gateway: PaymentGateway, settings: PaymentSettings) -> None:
        self.gateway, self.settings = gateway, settings

    @property
    def name(self) -> str:
        return self.gateway.name

    async def authorize(self, row: repo.Row) -> Authorization:
        charge = charge_request(row)
        return await self._retry(lambda: self.gateway.authorize(charge))

    async def capture(self, row: repo.Row, provider_ref: str) -> str:
        charge = charge_request(row)
        return await self._retry(lambda: self.gateway.capture(charge, provider_ref))

    async def cancel(self, row: repo.Row, provider_ref: str, reason: str) -> None:
        charge = charge_request(row)
        await self._retry(lambda: self.gateway.cancel(charge, provider_ref, reason))

    async def refund(self, row: repo.Row, provider_ref: str) -> Refund:
        charge = charge_request(row)
        return await self._retry(lambda: self.gateway.refund(charge, provider_ref))

    async def _retry(self, call: Callable[[], Awaitable[T]]) -> T:
        async for attempt in AsyncRetrying(
            stop=stop_after_attempt(self.settings.gateway_attempts),
            wait=wait_exponential(multiplier=self.settings.gateway_backoff_seconds, max=10),
            retry=retry_if_exception_type(GatewayUnavailable),
            reraise=True,
        ):
            with attempt:
                return await call()
        raise AssertionError("unreachable")  # pragma: no cover
