"""The restart drill's actors: an API client as a partner would write one, and order walks through the API.

``DrillClient`` waits out 503 and 429 for ``Retry-After`` (as docs/api.md asks of every integration) and
records every answer with its time, so a test can say what was answered while a store was down and after.
``walk_order`` carries one order the way people do: the customer places it, the kitchen finds it in its
queue and cooks it, the rider the saga assigned picks it up and delivers it. It returns where the order
ended, or where it got stuck.
"""

from __future__ import annotations

import contextlib
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from pizzactl.stack.apps import ApiApp, AppProcess, CdcRelayApp, SagaApp

PASSWORD = "correct-horse-battery-staple"
ALWAYS_OPEN = {day: [["00:00", "24:00"]] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
RESTAURANT_AT = {"lat": 52.5219, "lon": 13.4132}
DELIVER_TO = {"line1": "Karl-Marx-Allee 1", "city": "Berlin", "lat": 52.5200, "lon": 13.4200}
ONE_PIZZA = [{"menu_item_id": "margherita", "size": "large", "toppings": [], "quantity": 1}]
MENU = {
    "items": [
        {"id": "margherita", "name": "Margherita", "description": "Tomato, mozzarella, basil", "category": "pizza",
         "sizes": [{"name": "large", "price_cents": 1200}], "toppings": [], "available": True, "tags": []}
    ]
}  # fmt: skip
ORDER_FLOW = ("PENDING", "PAID", "ACCEPTED", "PREPARING", "READY", "PICKED_UP", "DELIVERED")


@dataclass
class RunningPlatform:
    """The apps under the drill, as ``pizza stack up --apps`` runs them."""

    api: ApiApp
    relay: CdcRelayApp
    saga: SagaApp
    notifications_file: Path

    @property
    def apps(self) -> tuple[AppProcess, ...]:
        return (self.api, self.relay, self.saga)


@dataclass(frozen=True, slots=True)
class Answer:
    at: float  # time.monotonic()
    method: str
    path: str
    status: int  # 0: no HTTP answer at all
    retry_after: str | None
    content_type: str


@dataclass
class User:
    user_id: uuid.UUID
    role: str
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


class DrillClient:
    """HTTP to the API, waiting out 503/429 for Retry-After within ``patience_s``; every answer recorded."""

    def __init__(self, base_url: str, patience_s: float = 90.0) -> None:
        self.http = httpx.Client(base_url=base_url, timeout=30)
        self.patience_s = patience_s
        self.answers: list[Answer] = []
        self._lock = threading.Lock()

    def close(self) -> None:
        self.http.close()

    def once(self, method: str, path: str, user: User | None = None, **kwargs: Any) -> httpx.Response | None:
        headers = {**(user.headers if user else {}), **kwargs.pop("headers", {})}
        try:
            response = self.http.request(method, path, headers=headers, **kwargs)
        except httpx.HTTPError:
            self._record(method, path, 0, None, "")
            return None
        self._record(method, path, response.status_code, response.headers.get("retry-after"),
                     response.headers.get("content-type", ""))  # fmt: skip
        return response

    def call(self, method: str, path: str, user: User | None = None, **kwargs: Any) -> httpx.Response:
        deadline = time.monotonic() + self.patience_s
        while True:
            response = self.once(method, path, user, **dict(kwargs))
            if response is not None and response.status_code not in (429, 503):
                return response
            if time.monotonic() > deadline:
                raise AssertionError(f"{method} {path}: still no answer after {self.patience_s:.0f} s")
            wait = 0.5
            if response is not None:
                with contextlib.suppress(TypeError, ValueError):
                    wait = min(2.0, float(response.headers.get("retry-after")))
            time.sleep(wait)

    def _record(self, method: str, path: str, status: int, retry_after: str | None, content_type: str) -> None:
        with self._lock:
            self.answers.append(Answer(time.monotonic(), method, path, status, retry_after, content_type))

    def between(self, start: float, end: float) -> list[Answer]:
        with self._lock:
            return [a for a in self.answers if start <= a.at < end]

    # --- people ----------------------------------------------------------------------------------------
    def login(self, email: str, role: str, user_id: uuid.UUID) -> User:
        response = self.call("POST", "/auth/token", data={"username": email, "password": PASSWORD})
        assert response.status_code == 200, response.text
        return User(user_id, role, response.json()["access_token"])

    def customer(self, city: str) -> User:
        email = f"drill-{uuid.uuid4().hex[:12]}@example.com"
        body = {"email": email, "password": PASSWORD, "name": "Drill Customer", "city": city}
        response = self.call("POST", "/auth/signup", json=body)
        assert response.status_code == 201, response.text
        return self.login(email, "customer", uuid.UUID(response.json()["user_id"]))

    def member(self, admin: User, role: str, city: str, restaurant_id: uuid.UUID | None = None) -> User:
        email = f"drill-{role}-{uuid.uuid4().hex[:12]}@example.com"
        body = {"email": email, "password": PASSWORD, "name": f"Drill {role}", "city": city, "role": role,
                "restaurant_id": str(restaurant_id) if restaurant_id else None}  # fmt: skip
        response = self.call("POST", "/users", admin, json=body)
        assert response.status_code == 201, response.text
        return self.login(email, role, uuid.UUID(response.json()["user_id"]))

    def restaurant(self, admin: User, city: str) -> uuid.UUID:
        body = {"name": f"Drill Pizzeria {uuid.uuid4().hex[:8]}", "city": city, "country": "DE",
                "timezone": "Europe/Berlin", "currency": "EUR", "cuisine": "pizza", "address": "Alexanderplatz 1",
                **RESTAURANT_AT, "opening_hours": ALWAYS_OPEN}  # fmt: skip
        response = self.call("POST", "/restaurants", admin, json=body)
        assert response.status_code == 201, response.text
        restaurant_id = uuid.UUID(response.json()["restaurant_id"])
        response = self.call("PUT", f"/restaurants/{restaurant_id}/menu", admin, json=MENU)
        assert response.status_code == 200, response.text
        return restaurant_id

    def online(self, rider: User, city: str) -> None:
        response = self.call("POST", "/riders/me/online", rider, json={**RESTAURANT_AT, "city": city})
        assert response.status_code == 200, response.text


@dataclass
class Shop:
    """One restaurant in a city of its own, its staff, and enough riders for every order of a drill."""

    city: str
    restaurant_id: uuid.UUID
    staff: User
    riders: dict[uuid.UUID, User] = field(default_factory=dict)


@dataclass
class Walk:
    """One order's journey: where it got to, and why it stopped if it did not arrive."""

    label: str
    order_id: str | None = None
    reached: str = "not placed"
    problem: str = ""
    done: threading.Event = field(default_factory=threading.Event)


def wait_for(check: Callable[[], Any], what: str, timeout_s: float) -> Any:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.3)
    raise TimeoutError(f"timed out after {timeout_s:.0f} s waiting for {what}")


def walk_order(client: DrillClient, shop: Shop, customer: User, walk: Walk, step_timeout_s: float = 90.0) -> None:
    """Carry one order from placement to DELIVERED through the API, recording how far it got."""
    try:
        _walk(client, shop, customer, walk, step_timeout_s)
    except (AssertionError, TimeoutError) as exc:
        walk.problem = str(exc)[:500]
    finally:
        walk.done.set()


def _walk(client: DrillClient, shop: Shop, customer: User, walk: Walk, step_timeout_s: float) -> None:
    cart = {"restaurant_id": str(shop.restaurant_id), "items": ONE_PIZZA, "address": DELIVER_TO}
    response = client.call("POST", "/orders", customer, json=cart, headers={"Idempotency-Key": uuid.uuid4().hex})
    assert response.status_code in (200, 201), f"placing: {response.status_code} {response.text[:200]}"
    order_id = walk.order_id = str(response.json()["order_id"])

    def status() -> str:
        response = client.call("GET", f"/orders/{order_id}", customer)
        assert response.status_code == 200, f"reading: {response.status_code} {response.text[:200]}"
        walk.reached = str(response.json()["status"])
        return walk.reached

    def in_kitchen_queue() -> bool:
        response = client.call("GET", f"/restaurants/{shop.restaurant_id}/orders", shop.staff,
                               params={"status": ["PAID"], "limit": 100})  # fmt: skip
        assert response.status_code == 200, f"kitchen queue: {response.status_code} {response.text[:200]}"
        return any(o["order_id"] == order_id for o in response.json()["items"])

    def move(user: User, target: str, **extra: Any) -> None:
        response = client.call("POST", f"/orders/{order_id}/status", user, json={"status": target, **extra})
        if response.status_code == 409 and ORDER_FLOW.index(status()) >= ORDER_FLOW.index(target):
            return  # an earlier try committed before its answer was lost
        assert response.status_code == 200, f"{target}: {response.status_code} {response.text[:200]}"
        walk.reached = target

    wait_for(lambda: status() == "PAID", f"order {order_id} to be PAID (at {walk.reached})", step_timeout_s)
    wait_for(in_kitchen_queue, f"order {order_id} in the kitchen's queue", step_timeout_s)
    move(shop.staff, "ACCEPTED", estimated_ready_minutes=15)
    move(shop.staff, "PREPARING")
    move(shop.staff, "READY")

    def assigned_rider() -> str | None:
        response = client.call("GET", f"/orders/{order_id}/tracking", customer)
        assert response.status_code == 200, f"tracking: {response.status_code} {response.text[:200]}"
        delivery = response.json().get("delivery") or {}
        return delivery.get("rider_id")

    rider_id = wait_for(assigned_rider, f"a rider for order {order_id}", step_timeout_s)
    rider = shop.riders[uuid.UUID(rider_id)]
    move(rider, "PICKED_UP")
    move(rider, "DELIVERED")
    status()
