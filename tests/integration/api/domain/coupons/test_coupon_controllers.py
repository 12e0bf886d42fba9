"""Coupon administration over HTTP: create, read, list; admins only; every rule validated."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from support.api_actors import ApiUser

pytestmark = pytest.mark.integration


def new_code() -> str:
    return f"c-{uuid.uuid4().hex[:12]}"


def test_an_admin_creates_reads_and_lists_coupons(http: httpx.Client, admin: ApiUser) -> None:
    code = new_code()
    body = {"code": code, "kind": "fixed", "value": 500, "currency": "EUR", "city": " Berlin ", "max_uses": 100,
            "min_subtotal_cents": 2000, "valid_until": "2999-01-01T00:00:00Z"}  # fmt: skip
    created = http.post("/coupons", json=body, headers=admin.headers)
    assert created.status_code == 201, created.text
    coupon = created.json()
    assert (coupon["code"], coupon["city"], coupon["uses"], coupon["max_uses"]) == (code.upper(), "Berlin", 0, 100)
    assert http.get(f"/coupons/{code}", headers=admin.headers).json() == coupon

    duplicate = http.post("/coupons", json=body | {"code": code.upper()}, headers=admin.headers)
    assert duplicate.status_code == 409

    seen: list[str] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        page = http.get("/coupons", params=params, headers=admin.headers).json()
        seen += [c["code"] for c in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert code.upper() in seen
    assert seen == sorted(seen)
    assert len(seen) == len(set(seen))


def test_only_admins_manage_coupons(http: httpx.Client, customer: ApiUser) -> None:
    body = {"code": new_code(), "kind": "percentage", "value": 10}
    assert http.post("/coupons", json=body, headers=customer.headers).status_code == 403
    assert http.get("/coupons", headers=customer.headers).status_code == 403
    assert http.post("/coupons", json=body).status_code == 401
    assert http.get("/coupons/NOPE", headers=customer.headers).status_code == 403


def test_an_unknown_coupon_is_404(http: httpx.Client, admin: ApiUser) -> None:
    response = http.get(f"/coupons/{new_code()}", headers=admin.headers)
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")


@pytest.mark.parametrize(
    "body",
    [
        {"kind": "percentage", "value": 150},
        {"kind": "fixed", "value": 500},
        {
            "kind": "percentage",
            "value": 10,
            "valid_from": "2026-02-01T00:00:00Z",
            "valid_until": "2026-01-01T00:00:00Z",
        },
    ],
)
def test_coupons_breaking_a_rule_across_fields_are_422_problems(
    http: httpx.Client, admin: ApiUser, body: dict[str, Any]
) -> None:
    """Each field is valid on its own, so the schema accepts the body; the rule between them refuses it."""
    response = http.post("/coupons", json={"code": new_code()} | body, headers=admin.headers)
    assert response.status_code == 422, response.text
    assert response.json()["title"] == "Invalid coupon"


@pytest.mark.parametrize(
    "body",
    [
        {"kind": "percentage", "value": 0},
        {"kind": "fixed", "value": 500, "currency": "euro"},
        {"kind": "bogo", "value": 1},
        {"kind": "percentage", "value": 10, "code": "has space"},
        {"kind": "percentage", "value": 10, "code": "x"},
        {"kind": "percentage", "value": 10, "valid_until": "2026-01-01T00:00:00"},
        {"kind": "percentage", "value": 10, "max_uses": 0},
        {"kind": "percentage", "value": 10, "uses": 5},
    ],
)
def test_bad_coupons_are_400_problems(http: httpx.Client, admin: ApiUser, body: dict[str, Any]) -> None:
    response = http.post("/coupons", json={"code": new_code()} | body, headers=admin.headers)
    assert response.status_code == 400, response.text
    assert response.json()["title"] == "Invalid request"
