"""The authorization matrix: every route of the app x every persona, against the answers in ``authz_table``.

The routes come from the app's own route table (``create_app().routes``, the factory the server runs),
so a route added without a row in the table fails here, and so does a row whose route is gone. The
personas and the resources their requests name are real: two restaurants with their staff, two
customers, an order of customer 1 at restaurant 1 paid through the payment service and assigned to
rider 1 by the delivery domain's own assignment, over real HTTP to the session's server (WebSocket
routes to the server with sockets on). Every mismatch of the whole matrix is reported at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
import websockets.sync.client
from authz_table import ADDRESS, NOT_API, NOT_API_PREFIXES, PERSONAS, PROBES, Probe
from litestar.routes import HTTPRoute, WebSocketRoute
from pymongo import AsyncMongoClient
from redis.asyncio import Redis
from support.api_actors import ApiRestaurant, ApiUser, login, menu_body
from support.events import order_created_envelope
from support.mailbox import reset_token_in, wait_for_mail
from support.shards import outbox_rows
from websockets.exceptions import ConnectionClosed, InvalidStatus

from api.app import create_app
from api.db import Databases
from api.domain.delivery import DeliveryService, RedisFeed
from api.domain.delivery.tracking import ensure_indexes
from api.domain.payments import OrdersDomainPort, PaymentService
from api.domain.payments.providers import SimulatedGateway
from api.domain.payments.settings import PaymentSettings
from pizza.config import PlatformSettings
from pizza.contracts.events import OrderStatusChanged

pytestmark = [pytest.mark.integration]
NEAR = (52.5260, 13.4180)  # about 0.5 km from the kit's restaurant
PLACEHOLDER = re.compile(r"\{(\w+)\}")
TYPED_PARAM = re.compile(r"\{(\w+):\w+\}")


def route_key(method: str, path: str) -> str:
    """``"GET /orders/{order_id}"``: the table's spelling of a route (path parameter types dropped)."""
    return method + " " + TYPED_PARAM.sub(r"{\1}", path)


def app_routes() -> set[str]:
    """Every (method, path) the app serves, HTTP and WebSocket, from its route table."""
    keys: set[str] = set()
    for route in create_app().routes:
        if isinstance(route, HTTPRoute):
            keys |= {route_key(method, route.path) for method in route.methods}
        elif isinstance(route, WebSocketRoute):
            keys.add(route_key("WS", route.path))
    return keys


def not_api(key: str) -> bool:
    return key in NOT_API or any(key.startswith(prefix) for prefix in NOT_API_PREFIXES)


def test_every_route_has_a_row_and_every_row_a_route() -> None:
    """The matrix is complete: a new route without expectations, or a stale row, fails with what to do."""
    served = {key for key in app_routes() if not not_api(key)}
    listed = {probe.route for probe in PROBES}
    missing, stale = sorted(served - listed), sorted(listed - served)
    assert not missing, (
        "routes with no row in tests/integration/api/security/authz_table.py; add a Probe(route, expect, ...) "
        "for each, saying what each persona must get:\n  " + "\n  ".join(missing)
    )
    assert not stale, "rows in authz_table.py for routes the app no longer serves; remove them:\n  " + "\n  ".join(
        stale
    )
    for probe in PROBES:
        probe.answers()  # one answer per persona
    variants = [(probe.route, probe.why) for probe in PROBES]
    twice = sorted({variant for variant in variants if variants.count(variant) > 1})
    assert not twice, f"rows listed twice in authz_table.py (a second probe of a route needs its own why): {twice}"


# --- the world ------------------------------------------------------------------------------------------


async def _pay(stack: PlatformSettings, user_id: uuid.UUID, order_id: str, **settings: Any) -> Any:
    """The saga's payment step on the simulated gateway, with the real orders port (PAID, or held for review)."""
    db = Databases(stack, min_size=1, max_size=2)
    await db.open()
    redis = Redis.from_url(stack.redis)
    mongo: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(stack.mongo)
    try:
        payment_settings = PaymentSettings(gateway_attempts=1, **settings)
        port = OrdersDomainPort(db, mongo[stack.mongo_database])
        service = PaymentService(db, redis, SimulatedGateway(payment_settings), payment_settings, port)
        return await service.handle_order_created(await order_created_envelope(db, user_id, order_id))
    finally:
        await db.close()
        await redis.aclose()
        await mongo.close()


async def _assign(stack: PlatformSettings, event: OrderStatusChanged) -> None:
    """The delivery domain's handling of a READY order: the nearest online rider is claimed and assigned."""
    db = Databases(stack, min_size=1, max_size=2)
    await db.open()
    redis = Redis.from_url(stack.redis)
    mongo: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(stack.mongo)
    try:
        await ensure_indexes(mongo[stack.mongo_database], ttl_hours=24)
        service = DeliveryService(db, redis, mongo[stack.mongo_database], RedisFeed(redis))
        await service.handle(event)
    finally:
        await db.close()
        await redis.aclose()
        await mongo.close()


@dataclass
class World:
    """The personas, the resources their requests name, and factories of fresh ones for mutating cells."""

    http: httpx.Client
    stack: PlatformSettings
    admin: ApiUser
    make_user: Callable[..., ApiUser]
    place_order: Callable[..., dict[str, Any]]
    walk_order: Callable[..., dict[str, Any]]
    city: str
    r1: ApiRestaurant
    r2: ApiRestaurant
    personas: dict[str, ApiUser | None] = field(default_factory=dict)
    values: dict[str, Any] = field(default_factory=dict)

    @property
    def cust(self) -> ApiUser:
        user = self.personas["cust"]
        assert user is not None
        return user

    def ok(self, response: httpx.Response) -> Any:
        assert response.is_success, f"{response.request.method} {response.request.url}: {response.text}"
        return response.json() if response.content else None

    def order(self, status: str = "PENDING") -> dict[str, Any]:
        order = self.place_order(self.cust, self.r1.restaurant_id)
        return self.walk_order(order, status, staff=self.r1.staff) if status != "PENDING" else order

    def ticket(self, order_id: str | None = None) -> str:
        body = {"category": "other", "subject": "A question", "message": "Hello", "order_id": order_id}
        created = self.ok(self.http.post("/support/tickets", json=body, headers=self.cust.headers))
        return str(created["ticket"]["ticket_id"])

    def refund_request(self) -> str:
        """Restaurant 1's staff refunding a large paid order: above the per-refund cap it waits for an admin."""
        items = [{"menu_item_id": "margherita", "size": "large", "quantity": 20}]
        order = self.walk_order(self.place_order(self.cust, self.r1.restaurant_id, items=items), "PAID", staff=None)
        body = {"status": "REFUNDED", "reason": "the whole order was cold"}
        assert self.r1.staff is not None
        held = self.http.post(f"/orders/{order['order_id']}/status", json=body, headers=self.r1.staff.headers)
        assert held.status_code == 202, held.text
        return str(held.json()["request_id"])

    def fresh(self, target: str) -> dict[str, Any]:
        """A new resource for one cell, as placeholder values."""
        if target == "pending_order":
            return {"order_id": self.order()["order_id"]}
        if target == "paid_order":
            return {"order_id": self.order("PAID")["order_id"]}
        if target == "delivered_order":
            return {"order_id": self.order("DELIVERED")["order_id"]}
        if target == "address":
            created = self.ok(self.http.post("/users/me/addresses", json=ADDRESS, headers=self.cust.headers))
            return {"address_id": created["address_id"]}
        if target == "refund_request":
            return {"request_id": self.refund_request()}
        if target == "ticket":
            return {"ticket_id": self.ticket()}
        if target == "held_payment":
            order = self.order()
            held = asyncio.run(_pay(self.stack, self.cust.user_id, order["order_id"], fraud_new_user_cap_cents=1))
            assert held.status == "REVIEW", held
            return {"payment_id": str(held.payment["payment_id"])}
        if target == "victim":
            return {"user_id": str(self.make_user().user_id)}
        if target == "refresh_token":
            return {"refresh_token": login(self.http, self.cust.email, self.cust.password)["refresh_token"]}
        if target == "reset_token":  # a fresh account's e-mailed one-time token
            email = self.make_user().email
            self.ok(self.http.post("/auth/password-reset", json={"email": email}))
            return {"reset_token": reset_token_in(wait_for_mail(self.stack, email, "password-reset"))}
        raise AssertionError(f"authz_table names an unknown target {target!r}; add it to World.fresh")

    def caller(self, persona: str, how: str) -> ApiUser | None:
        user = self.personas[persona]
        if user is None or how == "session":
            return user
        if how == "fresh_login":
            tokens = login(self.http, user.email, user.password)
            return ApiUser(user.user_id, user.email, user.password, user.role, tokens["access_token"], "")
        return self.make_user(user.role, restaurant_id=user.restaurant_id)  # clone: the same role and restaurant

    def import_body(self) -> dict[str, Any]:
        placed_at = datetime.now(UTC) - timedelta(days=3)
        steps = [("PAID", 1), ("ACCEPTED", 3), ("PREPARING", 5), ("READY", 20), ("PICKED_UP", 25), ("DELIVERED", 45)]
        return {
            "external_id": f"legacy-{uuid.uuid4().hex[:10]}",
            "user_id": str(self.cust.user_id),
            "cart": {
                "restaurant_id": str(self.r1.restaurant_id),
                "items": [{"menu_item_id": "margherita", "size": "large", "quantity": 1}],
                "address": {"line1": "Karl-Marx-Allee 1", "city": "Berlin", "lat": 52.52, "lon": 13.42},
            },
            "placed_at": placed_at.isoformat(),
            "timeline": [{"status": s, "at": (placed_at + timedelta(minutes=m)).isoformat()} for s, m in steps],
            "payment": "succeeded",
        }

    def placeholders(self) -> dict[str, Callable[[], Any]]:
        """Values computed at each use (a fresh e-mail per sign-up, a fresh key per order)."""
        return {
            "new_email": lambda: f"probe-{uuid.uuid4().hex[:12]}@example.com",
            "uuid": lambda: uuid.uuid4().hex,
            "coupon_code": lambda: f"PROBE{uuid.uuid4().hex[:8].upper()}",
            "import_body": self.import_body,
            "menu_body": menu_body,
            "restaurant_body": lambda: {**self.r1.body, "name": f"Probe {uuid.uuid4().hex[:8]}"},
        }


@pytest.fixture(scope="module")
def world(
    http: httpx.Client,
    stack: PlatformSettings,
    admin: ApiUser,
    make_user: Callable[..., ApiUser],
    make_restaurant: Callable[..., ApiRestaurant],
    place_order: Callable[..., dict[str, Any]],
    walk_order: Callable[..., dict[str, Any]],
    password: str,
) -> World:
    """Two restaurants with staff, two customers, two riders, an agent, and customer 1's order at restaurant 1,
    paid by the payment service, walked to READY by restaurant 1's staff and assigned to rider 1."""
    city = f"Authzburg {uuid.uuid4().hex[:8]}"
    r1, r2 = make_restaurant(city=city), make_restaurant(city=city)
    cust, cust2 = make_user(city=city), make_user(city=city)
    rider, rider2 = make_user("rider", city=city), make_user("rider", city=city)
    w = World(http, stack, admin, make_user, place_order, walk_order, city, r1, r2)
    w.personas = {
        "anon": None, "cust": cust, "cust2": cust2, "staff": r1.staff, "staff2": r2.staff,
        "rider": rider, "rider2": rider2, "agent": make_user("agent"), "admin": admin,
    }  # fmt: skip
    online = {"lat": NEAR[0], "lon": NEAR[1], "city": city}
    w.ok(http.post("/riders/me/online", json=online, headers=rider.headers))

    order = place_order(cust, r1.restaurant_id)
    paid = asyncio.run(_pay(stack, cust.user_id, order["order_id"]))
    assert paid.status == "SUCCEEDED", paid
    order = walk_order(w.ok(http.get(f"/orders/{order['order_id']}", headers=cust.headers)), "READY", staff=r1.staff)
    ready = [
        OrderStatusChanged.model_validate(row["payload"])
        for row in outbox_rows(stack, cust.user_id, order["order_id"])
        if row["event_type"] == "OrderStatusChanged" and row["payload"]["to_status"] == "READY"
    ]
    asyncio.run(_assign(stack, ready[-1]))
    assigned = w.ok(http.get("/riders/me", headers=rider.headers))
    assert str(order["order_id"]) in str(assigned), f"rider 1 was not assigned the order: {assigned}"

    address = w.ok(http.post("/users/me/addresses", json=ADDRESS, headers=cust.headers))
    coupon = {"code": f"AUTHZ{uuid.uuid4().hex[:8].upper()}", "kind": "fixed", "value": 100, "currency": "EUR"}
    w.ok(http.post("/coupons", json=coupon, headers=admin.headers))
    w.values = {
        "city": city,
        "password": password,
        "cust_email": cust.email,
        "order_id": order["order_id"],
        "restaurant_id": str(r1.restaurant_id),
        "item_id": "margherita",
        "user_id": str(cust.user_id),
        "address_id": address["address_id"],
        "payment_id": str(paid.payment["payment_id"]),
        "ticket_id": w.ticket(),
        "code": coupon["code"],
        "request_id": w.refund_request(),
    }
    return w


# --- the cells ------------------------------------------------------------------------------------------


def fill(template: Any, values: dict[str, Any], computed: dict[str, Callable[[], Any]]) -> Any:
    """The template with each ``{name}`` replaced: a whole-string placeholder may stand for any value."""
    if isinstance(template, dict):
        return {k: fill(v, values, computed) for k, v in template.items()}
    if isinstance(template, list):
        return [fill(v, values, computed) for v in template]
    if not isinstance(template, str):
        return template

    def value(name: str) -> Any:
        if name in values:
            return values[name]
        if name in computed:
            return computed[name]()
        raise AssertionError(f"authz_table uses an unknown placeholder {{{name}}}; add it to the world")

    whole = PLACEHOLDER.fullmatch(template)
    if whole:
        return value(whole.group(1))
    return PLACEHOLDER.sub(lambda m: str(value(m.group(1))), template)


def http_answer(http: httpx.Client, probe: Probe, path: str, user: ApiUser | None, computed: Any, values: Any) -> str:
    method = probe.route.split(" ", 1)[0]
    headers = {**fill(probe.headers, values, computed), **(user.headers if user else {})}
    kwargs: dict[str, Any] = {"headers": headers, "params": fill(probe.params, values, computed)}
    if probe.json is not None:
        kwargs["json"] = fill(probe.json, values, computed)
    if probe.form is not None:
        kwargs["data"] = fill(probe.form, values, computed)
    response = http.request(method, path, **kwargs)
    if response.is_success:
        return "ok"
    assert response.status_code < 500, f"{probe.route}: {response.status_code} {response.text}"
    return f"{response.status_code}: {response.text[:160]}"


def ws_answer(ws_url: str, path: str, user: ApiUser | None) -> str:
    """``ok`` when the handshake is accepted and the first frame arrives (or the socket stays open); a refusal
    closes with 4000 + the HTTP status, or answers the handshake with that status."""
    url = ws_url.replace("http://", "ws://") + path
    try:
        with websockets.sync.client.connect(url, additional_headers=user.headers if user else {}) as socket:
            with contextlib.suppress(TimeoutError):  # a rider's socket says nothing until a frame is sent
                socket.recv(timeout=2)
            return "ok"
    except ConnectionClosed as closed:
        code = closed.rcvd.code if closed.rcvd else 1006
        reason = closed.rcvd.reason if closed.rcvd else ""
        return f"{code - 4000 if code >= 4000 else code}: {reason}"
    except InvalidStatus as refused:
        return f"{refused.response.status_code}: handshake refused"


def test_every_persona_gets_the_expected_answer_on_every_route(world: World, ws_api_url: str) -> None:
    """All cells in table order (a cell that changes shared state is placed after those that read it)."""
    computed = world.placeholders()
    observed: list[tuple[str, str, str, str]] = []
    for probe in PROBES:
        for persona, expected in probe.answers().items():
            values = {**world.values, **(world.fresh(probe.target) if probe.target else {})}
            user = world.caller(persona, probe.caller)
            method, template = probe.route.split(" ", 1)
            path = fill(template, values, computed)
            if method == "WS":
                answer = ws_answer(ws_api_url, path, user)
            else:
                answer = http_answer(world.http, probe, path, user, computed, values)
            observed.append((probe.route + (f" [{probe.why[:40]}]" if probe.why else ""), persona, expected, answer))
    wrong = [cell for cell in observed if cell[3].split(":", 1)[0] != cell[2]]
    report = "\n".join(f"{route}  {persona}: expected {exp}, got {got}" for route, persona, exp, got in wrong)
    assert not wrong, f"{len(wrong)} of {len(observed)} cells differ from authz_table.py:\n{report}"
    assert len(observed) == len(PROBES) * len(PERSONAS)
