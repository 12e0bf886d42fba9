"""HTTP hygiene over real HTTP: security headers, OPTIONS and CORS preflight, ops-only detail."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

pytestmark = [pytest.mark.integration]
PROXIED = {"X-Forwarded-For": "203.0.113.7"}  # what a reverse proxy adds: the caller is not on this host
OPS_TOKEN = "ops-" + "t" * 32


def test_api_responses_carry_the_security_headers(http: httpx.Client) -> None:
    response = http.get("/health", headers={"X-Forwarded-Proto": "https"})  # from no trusted proxy
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert response.headers["content-security-policy"].startswith("default-src 'none'")
    assert "strict-transport-security" not in response.headers  # plain HTTP, whatever a client claims


def test_the_docs_pages_still_load_their_scripts(http: httpx.Client) -> None:
    page = http.get("/schema/swagger")
    assert page.status_code == 200
    csp = page.headers["content-security-policy"]
    assert "script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net" in csp
    assert "frame-ancestors 'none'" in csp


@pytest.mark.parametrize(
    ("path", "allow"),
    [
        ("/admin/payments/reviews", "GET, OPTIONS"),
        ("/riders/me/online", "OPTIONS, POST"),
        ("/orders", "GET, OPTIONS, POST"),
        ("/users/me/addresses/00000000-0000-0000-0000-000000000000", "DELETE, GET, OPTIONS, PATCH"),
    ],
)
def test_options_lists_every_method_of_the_path_and_runs_no_guard(http: httpx.Client, path: str, allow: str) -> None:
    response = http.options(path)
    assert response.status_code == 204, response.text
    assert response.headers["allow"] == allow


def test_a_cors_preflight_from_an_allowed_origin_is_answered(http: httpx.Client) -> None:
    headers = {"Origin": "http://localhost:3000", "Access-Control-Request-Method": "POST"}
    response = http.options("/admin/payments/reviews", headers=headers)
    assert response.status_code == 204, response.text
    assert response.headers["access-control-allow-origin"] == "http://localhost:3000"
    refused = http.options("/orders", headers={**headers, "Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in refused.headers


def test_readiness_detail_and_metrics_are_for_ops_callers_only(http: httpx.Client) -> None:
    assert http.get("/ready", headers=PROXIED).json() == {"status": "ok"}
    assert http.get("/metrics", headers=PROXIED).status_code == 404
    assert set(http.get("/ready").json()["checks"]) >= {"redis", "mongo"}  # a loopback caller: the local stack
    assert http.get("/metrics").status_code == 200


def test_with_an_ops_token_only_its_bearer_sees_metrics(api_server: Callable[..., Any]) -> None:
    with api_server("ops-token", PIZZA_API_OPS_TOKEN=OPS_TOKEN) as url, httpx.Client(base_url=url) as client:
        assert client.get("/metrics").status_code == 404
        assert "checks" not in client.get("/ready").json()
        token = {"Authorization": f"Bearer {OPS_TOKEN}"}
        assert client.get("/metrics", headers=token).status_code == 200
        assert "checks" in client.get("/ready", headers=token).json()


def test_the_schema_closes_bodies_that_refuse_unknown_fields(http: httpx.Client) -> None:
    schemas = http.get("/schema/openapi.json").json()["components"]["schemas"]
    assert schemas["Cart"]["additionalProperties"] is False
    body = {"restaurant_id": "00000000-0000-0000-0000-000000000000", "items": [], "surprise": 1}
    assert http.post("/cart/quote", json=body).status_code in (400, 401)
