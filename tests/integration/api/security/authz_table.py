"""The authorization matrix: every route of the app, who may call it, and what everyone else is answered.

Read a row as "this request, sent by each persona in turn, gets this answer". The personas:

========  ==============================================================================
anon      no token at all
cust      customer 1, who placed the world's order (and owns its address, ticket, payment)
cust2     customer 2, another customer: probes ownership
staff     staff of restaurant 1, where the order was placed
staff2    staff of restaurant 2: probes the restaurant boundary
rider     rider 1, assigned to the order (a real assignment by the delivery domain)
rider2    rider 2, not assigned to it
agent     a customer-support agent
admin     an administrator
========  ==============================================================================

Answers:

- ``ok``: any 2xx. The persona is allowed and the request was done.
- ``401``: no or bad credentials; ``403``: authenticated but the role (or restaurant) may not do this;
  ``404``: the resource is hidden from this persona (answered as if it did not exist).
- WebSocket routes (``WS``): ``ok`` when the handshake is accepted, ``403`` when it is refused. The app
  closes a refused handshake before accepting it, which a real server (Granian, per ASGI) answers with
  an HTTP 403 whatever the reason, so 401, 403 and 404 are all 403 there.
- ``409`` / ``422``: authorization passed and a state or domain rule refused the request (a rider
  going offline during a delivery, an order that is not yours named in a ticket). Written as the
  exact code, each with its reason in the row's ``why``, so a state answer is never mistaken for a
  denial, nor a denial for a state answer.

Each probe sends a request that is valid for an allowed persona, so a refusal is about who asks,
never about the body. Path and body placeholders (``{order_id}``, ``{restaurant_id}``...) are filled
from the world the test builds; ``target`` names a factory that makes a fresh resource for each cell
(a cancel or a delete must not destroy what later cells need), ``caller`` says whose token is sent
(``session``: the persona's; ``fresh_login``: a new login of that persona; ``clone``: a new account
with the persona's role and restaurant, for calls that end every session of their caller).

To add a route: add a ``Probe`` whose ``route`` is ``"METHOD /path/{param}"`` exactly as the failing
test prints it, with the request an allowed caller would send and one answer per persona.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

PERSONAS: tuple[str, ...] = ("anon", "cust", "cust2", "staff", "staff2", "rider", "rider2", "agent", "admin")
Caller = Literal["session", "fresh_login", "clone"]

# Routes that are not the API's resources, each with why the matrix leaves it out.
NOT_API: dict[str, str] = {
    "GET /health": "liveness, public by design for load balancers (test_http_hygiene.py)",
    "GET /ready": "readiness, public status with ops-only detail (test_http_hygiene.py)",
    "GET /metrics": "operators only, by its own rule (ops token or loopback; test_http_hygiene.py)",
}
NOT_API_PREFIXES: dict[str, str] = {
    "OPTIONS ": "answered by the preflight middleware on every path without guards (test_http_hygiene.py)",
    "GET /schema": "the OpenAPI document and its documentation pages, public by design",
}


@dataclass(frozen=True)
class Probe:
    """One request sent by every persona, and the answer each must get."""

    route: str
    expect: str  # one answer per persona, in PERSONAS order, separated by spaces
    why: str = ""
    json: Any = None
    params: dict[str, Any] | None = None
    form: dict[str, str] | None = None
    headers: dict[str, str] = field(default_factory=dict)
    target: str | None = None
    caller: Caller = "session"

    def answers(self) -> dict[str, str]:
        cells = self.expect.split()
        assert len(cells) == len(PERSONAS), f"{self.route}: {len(cells)} answers for {len(PERSONAS)} personas"
        return dict(zip(PERSONAS, cells, strict=True))


EVERYONE = "ok  ok  ok  ok  ok  ok  ok  ok  ok"
SIGNED_IN = "401 ok  ok  ok  ok  ok  ok  ok  ok"
ADMIN_ONLY = "401 403 403 403 403 403 403 403 ok"
MANAGERS_OF_R1 = "401 403 403 ok  403 403 403 403 ok"  # restaurant 1's staff and admins
RIDERS = "401 403 403 403 403 ok  ok  403 ok"  # the rider role's own endpoints (admins pass every role guard)
OWNER_ONLY = "401 ok  404 404 404 404 404 404 404"  # looked up by (caller, id): nobody else sees it

ADDRESS = {"label": "home", "line1": "Karl-Marx-Allee 1", "city": "Berlin", "country": "DE", "lat": 52.52, "lon": 13.42}
CART = {
    "restaurant_id": "{restaurant_id}",
    "items": [{"menu_item_id": "margherita", "size": "large", "quantity": 1}],
    "address": {"line1": "Karl-Marx-Allee 1", "city": "Berlin", "lat": 52.52, "lon": 13.42},
}
#                                                        anon cust cust2 staff staff2 rider rider2 agent admin
PROBES: tuple[Probe, ...] = (
    # accounts: public entry points
    Probe("POST /auth/signup", EVERYONE, json={"email": "{new_email}", "password": "{password}", "name": "Probe"}),
    Probe("POST /auth/token", EVERYONE, form={"username": "{cust_email}", "password": "{password}"}),
    Probe("POST /auth/refresh", EVERYONE, json={"refresh_token": "{refresh_token}"}, target="refresh_token"),
    Probe("POST /auth/password-reset", EVERYONE, json={"email": "{new_email}"}, why="the same 202 for any e-mail"),
    Probe(
        "POST /auth/password-reset/confirm",
        EVERYONE,
        json={"token": "{reset_token}", "new_password": "another-correct-horse-battery"},
        target="reset_token",
        why="the e-mailed token is the credential",
    ),
    # accounts: the caller's own account
    Probe("GET /users/me", SIGNED_IN),
    Probe("PATCH /users/me", SIGNED_IN, json={"name": "Probe Person"}),
    Probe("GET /users/me/addresses", SIGNED_IN),
    Probe("POST /users/me/addresses", SIGNED_IN, json=ADDRESS),
    Probe("GET /users/me/addresses/{address_id}", OWNER_ONLY, why="customer 1's address"),
    Probe("PATCH /users/me/addresses/{address_id}", OWNER_ONLY, json={"label": "work"}),
    Probe("DELETE /users/me/addresses/{address_id}", OWNER_ONLY, target="address"),
    Probe("GET /users/me/loyalty", SIGNED_IN),
    Probe("GET /users/me/notification-preferences", SIGNED_IN),
    Probe(
        "PUT /users/me/notification-preferences",
        SIGNED_IN,
        json={"channels": ["email"], "quiet_hours_start": "22:00:00", "quiet_hours_end": "07:00:00"},
    ),
    Probe("GET /users/me/notifications", SIGNED_IN),
    Probe("GET /users/{user_id}/recommendations", "401 ok  403 403 403 403 403 403 ok", why="customer 1's feed"),
    # accounts: administration
    Probe(
        "POST /users",
        ADMIN_ONLY,
        json={"email": "{new_email}", "password": "{password}", "name": "P", "role": "rider"},
    ),
    Probe("PATCH /users/{user_id}", ADMIN_ONLY, json={"disabled": False}, target="victim"),
    Probe("DELETE /users/{user_id}", ADMIN_ONLY, why="erasure of a fresh account", target="victim"),
    # restaurants and menus
    Probe("GET /restaurants", EVERYONE),
    Probe("GET /restaurants/{restaurant_id}", EVERYONE),
    Probe("GET /restaurants/{restaurant_id}/menu", EVERYONE),
    Probe("GET /restaurants/{restaurant_id}/reviews", EVERYONE),
    Probe("GET /search", EVERYONE, params={"q": "margherita"}),
    Probe("POST /restaurants", ADMIN_ONLY, json="{restaurant_body}"),
    Probe("PATCH /restaurants/{restaurant_id}", MANAGERS_OF_R1, json={"cuisine": "pizza"}),
    Probe("PUT /restaurants/{restaurant_id}/menu", MANAGERS_OF_R1, json="{menu_body}"),
    Probe("PATCH /restaurants/{restaurant_id}/menu/items/{item_id}", MANAGERS_OF_R1, json={"available": True}),
    # carts and orders
    Probe("POST /cart/quote", SIGNED_IN, json=CART),
    Probe(
        "POST /orders",
        "401 ok  ok  403 403 403 403 403 ok",
        why="customers; admins pass every role guard and may order for themselves",
        json=CART,
        headers={"Idempotency-Key": "{uuid}"},
    ),
    Probe("GET /orders", SIGNED_IN),
    Probe(
        "GET /orders/{order_id}",
        "401 ok  404 ok  404 ok  404 ok  ok",
        why="the customer, restaurant 1's staff, the assigned rider, support and admins; others 404",
    ),
    Probe(
        "POST /orders/{order_id}/cancel",
        "401 ok  404 ok  404 404 404 403 ok",
        why="a fresh PENDING order of customer 1 at restaurant 1 for each cell",
        target="pending_order",
    ),
    Probe(
        "POST /orders/{order_id}/status",
        "401 403 403 ok  404 404 404 403 ok",
        why="the kitchen's move: ACCEPTED on a fresh PAID order; riders do not see an order before READY",
        json={"status": "ACCEPTED", "estimated_ready_minutes": 15},
        target="paid_order",
    ),
    Probe(
        "POST /orders/{order_id}/status",
        "401 403 403 ok  404 404 404 403 ok",
        why="a refund (REFUNDED) of a fresh PAID order, within the staff caps",
        json={"status": "REFUNDED", "reason": "customer called"},
        target="paid_order",
    ),
    Probe("GET /restaurants/{restaurant_id}/orders", MANAGERS_OF_R1),
    Probe("POST /admin/orders/import", ADMIN_ONLY, json="{import_body}"),
    Probe(
        "POST /orders/{order_id}/review",
        "401 ok  404 403 403 403 403 403 404",
        why="a fresh DELIVERED order of customer 1 for each cell; only its customer reviews it",
        json={"rating": 5, "comment": "great"},
        target="delivered_order",
    ),
    # coupons
    Probe("POST /coupons", ADMIN_ONLY, json={"code": "{coupon_code}", "kind": "percentage", "value": 10}),
    Probe("GET /coupons", ADMIN_ONLY),
    Probe("GET /coupons/{code}", ADMIN_ONLY),
    # payments
    Probe("GET /orders/{order_id}/payments", "401 ok  404 403 403 403 403 403 ok"),
    Probe("GET /admin/payments/reviews", ADMIN_ONLY),
    Probe("GET /admin/payments/{payment_id}", ADMIN_ONLY),
    Probe(
        "POST /admin/payments/{payment_id}/review",
        ADMIN_ONLY,
        why="a fresh payment held for review for each cell",
        json={"decision": "approve"},
        target="held_payment",
    ),
    # staff refunds held above the caps
    Probe("GET /admin/refund-requests", ADMIN_ONLY),
    Probe("GET /admin/refund-requests/{request_id}", ADMIN_ONLY),
    Probe(
        "POST /admin/refund-requests/{request_id}/approve",
        ADMIN_ONLY,
        why="a fresh request for each cell (restaurant 1's staff refunding a large order)",
        json={"reason": "checked with the kitchen"},
        target="refund_request",
    ),
    Probe(
        "POST /admin/refund-requests/{request_id}/reject",
        ADMIN_ONLY,
        json={"reason": "the order was delivered"},
        target="refund_request",
    ),
    # support
    Probe("GET /support/tickets", "401 ok  ok  403 403 403 403 ok  ok"),
    Probe(
        "POST /support/tickets",
        "401 ok  422 403 403 403 403 403 422",
        why="about a fresh order of customer 1: anyone else naming it is refused (422, not theirs)",
        json={"category": "late", "subject": "Where is it?", "message": "Still waiting", "order_id": "{order_id}"},
        target="pending_order",
    ),
    Probe("GET /support/tickets/{ticket_id}", "401 ok  404 403 403 403 403 ok  ok"),
    Probe("POST /support/tickets/{ticket_id}/messages", "401 ok  404 403 403 403 403 ok  ok", json={"body": "News?"}),
    Probe("POST /support/tickets/{ticket_id}/assign", "401 403 403 403 403 403 403 ok  ok"),
    Probe(
        "POST /support/tickets/{ticket_id}/status",
        "401 403 403 403 403 403 403 ok  ok",
        why="a fresh open ticket of customer 1 for each cell",
        json={"status": "pending_customer"},
        target="ticket",
    ),
    # delivery: riders and tracking
    Probe(
        "GET /orders/{order_id}/tracking",
        "401 ok  404 ok  404 ok  404 404 ok",
        why="its customer, its restaurant's staff, its rider, admins; unlike GET /orders/{id}, not agents",
    ),
    Probe("GET /riders/me", RIDERS, why="riders; admins pass every role guard (their own, empty, rider state)"),
    Probe(
        "POST /riders/me/online",
        RIDERS,
        why="rider 1 stays busy with the order (same city); rider 2 becomes available",
        json={"lat": 52.5260, "lon": 13.4180, "city": "{city}"},
    ),
    Probe("POST /riders/me/location", RIDERS, json={"lat": 52.5261, "lon": 13.4181}),
    Probe(
        "POST /riders/me/offline",
        "401 403 403 403 403 409 ok  403 ok",
        why="rider 1 may not go offline during a delivery (409)",
    ),
    Probe(
        "WS /orders/{order_id}/live",
        "403 ok  403 ok  403 ok  403 403 ok",
        why="as its tracking; over a real server any refused handshake is an HTTP 403",
    ),
    Probe("WS /riders/me/ws", "403 403 403 403 403 ok  ok  403 ok", why="riders (and admins); any refusal is a 403"),
    # calls that end their caller's sessions: each cell has its own login or its own account
    Probe("POST /auth/logout", SIGNED_IN, caller="fresh_login"),
    Probe("POST /auth/logout-everywhere", SIGNED_IN, caller="clone"),
    Probe(
        "POST /users/me/password",
        SIGNED_IN,
        json={"current_password": "{password}", "new_password": "another-correct-horse-battery"},
        caller="clone",
    ),
    Probe("DELETE /users/me", SIGNED_IN, json={"current_password": "{password}"}, caller="clone"),
    # last: the road's move on the world's order (it changes the order's state for good)
    Probe(
        "POST /orders/{order_id}/status",
        "401 403 403 403 404 ok  404 403 409",
        why="PICKED_UP by the assigned rider; admin's cell comes after it, so the order is already PICKED_UP (409)",
        json={"status": "PICKED_UP"},
    ),
)
