"""A small typed client of the public API, used by the demo: it is what a partner integration would write.

It behaves as a well-written integration should: a ``429`` is waited out for the ``Retry-After`` the API
sent (with jitter, so parallel callers do not return in lockstep), and transport errors and ``502``/``503``
are retried with exponential backoff, all within a bounded time.
"""

from __future__ import annotations

import random
import uuid
from typing import Any

import httpx
from tenacity import RetryCallState, retry, retry_if_exception, stop_after_delay, wait_exponential

RETRY_FOR_S = 180.0
_backoff = wait_exponential(multiplier=0.2, max=5)


class ApiError(RuntimeError):
    def __init__(self, response: httpx.Response) -> None:
        self.status = response.status_code
        self.retry_after = _seconds(response.headers.get("Retry-After"))
        try:
            self.problem: dict[str, Any] = response.json()
        except ValueError:
            self.problem = {"detail": response.text[:200]}
        super().__init__(
            f"{response.request.method} {response.request.url.path} -> {self.status}: "
            f"{self.problem.get('detail') or self.problem.get('title')}"
        )


def _seconds(header: str | None) -> float | None:
    try:
        return max(float(header), 0.0) if header is not None else None
    except ValueError:  # an HTTP date: rare enough to fall back to backoff
        return None


def _transient(exc: BaseException) -> bool:
    return isinstance(exc, httpx.TransportError) or (isinstance(exc, ApiError) and exc.status in (429, 502, 503))


def wait_as_told(state: RetryCallState) -> float:
    """``Retry-After`` plus up to 20 % jitter when the API said how long; exponential backoff otherwise."""
    exc = state.outcome.exception() if state.outcome else None
    if isinstance(exc, ApiError) and exc.retry_after is not None:
        return exc.retry_after * (1 + random.random() * 0.2)
    return float(_backoff(state))


class PizzaApi:
    def __init__(self, base_url: str, token: str | None = None, timeout: float = 30.0) -> None:
        self.http = httpx.Client(base_url=base_url, timeout=timeout)
        self.token = token

    def close(self) -> None:
        self.http.close()

    def as_user(self, token: str) -> PizzaApi:
        other = PizzaApi.__new__(PizzaApi)
        other.http, other.token = self.http, token
        return other

    @retry(retry=retry_if_exception(_transient), stop=stop_after_delay(RETRY_FOR_S), wait=wait_as_told, reraise=True)
    def call(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        data: Any = None,
        params: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> Any:
        all_headers = dict(headers or {})
        if self.token:
            all_headers["Authorization"] = f"Bearer {self.token}"
        response = self.http.request(method, path, json=json, data=data, params=params, headers=all_headers)
        if response.status_code >= 400:
            raise ApiError(response)
        return response.json() if response.content else None

    # --- accounts -------------------------------------------------------------------------------
    def login(self, email: str, password: str) -> str:
        tokens = self.call(
            "POST", "/auth/token", data={"username": email, "password": password, "grant_type": "password"}
        )
        return str(tokens["access_token"])

    def sign_up(self, email: str, password: str, name: str, city: str | None) -> str | None:
        """The new customer's user id; None if the email is already signed up."""
        body = {"email": email, "password": password, "name": name, "city": city}
        try:
            return str(self.call("POST", "/auth/signup", json=body)["user_id"])
        except ApiError as exc:
            if exc.status != 409:
                raise
        return None

    def create_user(self, **fields: Any) -> dict[str, Any] | None:
        """Admin: create a staff or rider account; None if the email is already taken."""
        try:
            return dict(self.call("POST", "/users", json=fields))
        except ApiError as exc:
            if exc.status == 409:
                return None
            raise

    # --- restaurants --------------------------------------------------------------------------
    def create_restaurant(self, **fields: Any) -> dict[str, Any]:
        return dict(self.call("POST", "/restaurants", json=fields))

    def replace_menu(self, restaurant_id: str, items: list[dict[str, Any]]) -> dict[str, Any]:
        return dict(self.call("PUT", f"/restaurants/{restaurant_id}/menu", json={"items": items}))

    def menu(self, restaurant_id: str) -> dict[str, Any]:
        return dict(self.call("GET", f"/restaurants/{restaurant_id}/menu"))

    # --- orders ----------------------------------------------------------------------------------
    def place_order(self, cart: dict[str, Any], key: uuid.UUID | None = None) -> dict[str, Any]:
        return dict(self.call("POST", "/orders", json=cart, headers={"Idempotency-Key": str(key or uuid.uuid4())}))

    def order(self, order_id: str) -> dict[str, Any]:
        return dict(self.call("GET", f"/orders/{order_id}"))

    def set_status(self, order_id: str, status: str, **extra: Any) -> dict[str, Any]:
        return dict(self.call("POST", f"/orders/{order_id}/status", json={"status": status, **extra}))

    def review(self, order_id: str, rating: int, comment: str) -> None:
        self.call("POST", f"/orders/{order_id}/review", json={"rating": rating, "comment": comment})

    # --- riders ------------------------------------------------------------------------------------
    def rider_online(self, lat: float, lon: float, city: str) -> dict[str, Any]:
        return dict(self.call("POST", "/riders/me/online", json={"lat": lat, "lon": lon, "city": city}))

    def rider_location(self, lat: float, lon: float) -> dict[str, Any]:
        return dict(self.call("POST", "/riders/me/location", json={"lat": lat, "lon": lon}))

    def rider_state(self) -> dict[str, Any]:
        return dict(self.call("GET", "/riders/me"))
