"""Users, restaurants and orders made through the served API, as fixtures returning factories.

- ``make_user(role="customer", restaurant_id=None, city="Berlin")`` -> ``ApiUser`` signed up (customers
  through ``POST /auth/signup``, other roles created by the admin through ``POST /users``) and logged in.
- ``admin`` -> the session's ``ApiUser`` with role ``admin`` (written by ``create_user_direct``, the same
  code ``pizza api create-admin`` runs).
- ``make_restaurant(**fields, menu=...)`` -> ``ApiRestaurant`` created by the admin with its menu and staff.
- ``place_order(user, restaurant_id, **cart)`` / ``move_order(user, order_id, status)`` -> the order JSON.
- ``menu_body()`` / ``make_cart(restaurant_id)`` -> a valid menu document / cart body.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from pizza.config import PlatformSettings

PASSWORD = "correct-horse-battery-staple"
ALWAYS_OPEN = {day: [["00:00", "24:00"]] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}


@dataclass
class ApiUser:
    user_id: uuid.UUID
    email: str
    password: str
    role: str
    access_token: str
    refresh_token: str
    restaurant_id: uuid.UUID | None = None

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.access_token}"}


@dataclass
class ApiRestaurant:
    restaurant_id: uuid.UUID
    body: dict[str, Any]
    menu: dict[str, Any] = field(default_factory=dict)
    staff: ApiUser | None = None


def unique_email(prefix: str = "user") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}@example.com"


def login(http: httpx.Client, email: str, password: str) -> dict[str, Any]:
    """The OAuth2 password flow: form fields ``username`` (the email) and ``password``."""
    response = http.post("/auth/token", data={"username": email, "password": password})
    assert response.status_code == 200, response.text
    tokens: dict[str, Any] = response.json()
    return tokens


def menu_body() -> dict[str, Any]:
    """A valid menu document: two pizzas with sizes and toppings, one unavailable item, a drink."""
    return {
        "items": [
            {
                "id": "margherita",
                "name": "Margherita",
                "description": "Tomato, mozzarella, basil",
                "category": "pizza",
                "sizes": [{"name": "small", "price_cents": 800}, {"name": "large", "price_cents": 1200}],
                "toppings": [{"name": "extra cheese", "price_cents": 150}, {"name": "olives", "price_cents": 100}],
                "available": True,
                "tags": ["vegetarian"],
            },
            {
                "id": "cheese-pizza",
                "name": "Cheese Pizza",
                "description": "Four cheeses on a crisp base",
                "category": "pizza",
                "sizes": [{"name": "small", "price_cents": 900}, {"name": "large", "price_cents": 1350}],
                "toppings": [{"name": "jalapenos", "price_cents": 120}],
                "available": True,
                "tags": ["vegetarian"],
            },
            {
                "id": "truffle-special",
                "name": "Truffle Special",
                "description": "Seasonal, often sold out",
                "category": "pizza",
                "sizes": [{"name": "large", "price_cents": 2200}],
                "toppings": [],
                "available": False,
                "tags": [],
            },
            {
                "id": "cola",
                "name": "Cola",
                "description": "330 ml can",
                "category": "drink",
                "sizes": [{"name": "can", "price_cents": 250}],
                "toppings": [],
                "available": True,
                "tags": ["drink"],
            },
        ]
    }


@pytest.fixture(scope="session")
def admin(http: httpx.Client, stack: PlatformSettings) -> ApiUser:
    """An administrator, created directly in the stores (there is no public way to become admin)."""
    from api.domain.accounts.bootstrap import create_user_direct
    from api.settings import ApiSettings

    email = unique_email("admin")
    settings = ApiSettings(password_hash_time_cost=1, password_hash_memory_kib=8192, password_hash_parallelism=1)
    user_id = asyncio.run(
        create_user_direct(stack, email=email, password=PASSWORD, name="Test Admin", role="admin", settings=settings)
    )
    tokens = login(http, email, PASSWORD)
    return ApiUser(user_id, email, PASSWORD, "admin", tokens["access_token"], tokens["refresh_token"])


@pytest.fixture(scope="session")
def make_user(http: httpx.Client, admin: ApiUser) -> Callable[..., ApiUser]:
    def make(role: str = "customer", restaurant_id: uuid.UUID | None = None, city: str = "Berlin") -> ApiUser:
        email = unique_email(role)
        body: dict[str, Any] = {"email": email, "password": PASSWORD, "name": f"Test {role}", "city": city}
        if role == "customer":
            response = http.post("/auth/signup", json=body)
        else:
            body |= {"role": role, "restaurant_id": str(restaurant_id) if restaurant_id else None}
            response = http.post("/users", json=body, headers=admin.headers)
        assert response.status_code == 201, response.text
        user_id = uuid.UUID(response.json()["user_id"])
        tokens = login(http, email, PASSWORD)
        return ApiUser(user_id, email, PASSWORD, role, tokens["access_token"], tokens["refresh_token"], restaurant_id)

    return make


@pytest.fixture(scope="session")
def make_restaurant(
    http: httpx.Client, admin: ApiUser, make_user: Callable[..., ApiUser]
) -> Callable[..., ApiRestaurant]:
    """Create a restaurant (always open unless ``opening_hours`` is given), its menu and one staff member."""

    def make(menu: dict[str, Any] | None = None, with_staff: bool = True, **fields: Any) -> ApiRestaurant:
        body: dict[str, Any] = {
            "name": f"Pizzeria {uuid.uuid4().hex[:8]}",
            "city": "Berlin",
            "country": "DE",
            "timezone": "Europe/Berlin",
            "currency": "EUR",
            "cuisine": "pizza",
            "address": "Alexanderplatz 1",
            "lat": 52.5219,
            "lon": 13.4132,
            "opening_hours": ALWAYS_OPEN,
            **fields,
        }
        response = http.post("/restaurants", json=body, headers=admin.headers)
        assert response.status_code == 201, response.text
        restaurant_id = uuid.UUID(response.json()["restaurant_id"])
        menu = menu_body() if menu is None else menu
        response = http.put(f"/restaurants/{restaurant_id}/menu", json=menu, headers=admin.headers)
        assert response.status_code == 200, response.text
        staff = make_user("restaurant_staff", restaurant_id=restaurant_id) if with_staff else None
        return ApiRestaurant(restaurant_id, body, response.json(), staff)

    return make


@pytest.fixture
def customer(make_user: Callable[..., ApiUser]) -> ApiUser:
    """A fresh customer for one test."""
    return make_user()


DELIVERY_ADDRESS = {"line1": "Karl-Marx-Allee 1", "city": "Berlin", "lat": 52.5200, "lon": 13.4200}


def make_cart(restaurant_id: uuid.UUID, items: list[dict[str, Any]] | None = None, **extra: Any) -> dict[str, Any]:
    """A cart of two large Margheritas with olives, delivered about 0.5 km from the default restaurant."""
    return {
        "restaurant_id": str(restaurant_id),
        "items": items or [{"menu_item_id": "margherita", "size": "large", "toppings": ["olives"], "quantity": 2}],
        "address": DELIVERY_ADDRESS,
        **extra,
    }


@pytest.fixture(scope="session")
def cart_body() -> Callable[..., dict[str, Any]]:
    """``cart_body(restaurant_id, items=None, **fields)`` -> a valid cart / order body."""
    return make_cart


@pytest.fixture(scope="session")
def place_order(http: httpx.Client) -> Callable[..., dict[str, Any]]:
    """Place an order through ``POST /orders`` (a fresh Idempotency-Key unless given) and return its JSON."""

    def place(user: ApiUser, restaurant_id: uuid.UUID, key: str | None = None, **cart: Any) -> dict[str, Any]:
        headers = {**user.headers, "Idempotency-Key": key or uuid.uuid4().hex}
        response = http.post("/orders", json=make_cart(restaurant_id, **cart), headers=headers)
        assert response.status_code == 201, response.text
        order: dict[str, Any] = response.json()
        return order

    return place


@pytest.fixture(scope="session")
def move_order(http: httpx.Client) -> Callable[..., dict[str, Any]]:
    """``POST /orders/{id}/status`` as ``user``; asserts success and returns the order."""

    def move(user: ApiUser, order_id: str, status: str, **fields: Any) -> dict[str, Any]:
        response = http.post(f"/orders/{order_id}/status", json={"status": status, **fields}, headers=user.headers)
        assert response.status_code == 200, response.text
        order: dict[str, Any] = response.json()
        return order

    return move


@pytest.fixture(scope="session")
def password() -> str:
    """The password every helper-made user has."""
    return PASSWORD


@pytest.fixture(scope="session")
def new_email() -> Callable[..., str]:
    """``new_email(prefix="user")`` -> a fresh address."""
    return unique_email


@pytest.fixture(scope="session")
def api_login(http: httpx.Client) -> Callable[[str, str], dict[str, Any]]:
    """``api_login(email, password)`` -> the token response of ``POST /auth/token``."""
    return lambda email, password: login(http, email, password)
