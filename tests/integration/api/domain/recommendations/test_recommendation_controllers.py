"""GET /users/{id}/recommendations over HTTP: the published feed, yourself or as admin only."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import pyarrow as pa
import pytest

from pipelines.recommendations.serving import replace_feed
from pizza.config import PlatformSettings
from pizza.contracts.curated import arrow_schema
from pizza.contracts.recommendations import FEED_COLUMNS

pytestmark = pytest.mark.integration

GENERATED = datetime(2025, 6, 30, 2, 0, tzinfo=UTC)


def publish(stack: PlatformSettings, version: str, users: list[uuid.UUID], per_type: int = 12) -> None:
    """Publish a feed the way the refresh does (the serving swap), for the given customers."""
    rows = [
        {
            "customer_id": str(user),
            "rank": rank,
            "item_type": item_type,
            "item_id": f"{item_type}-{rank}",
            "item_name": f"{item_type.title()} {rank}",
            "score": round(1.0 / rank, 6),
            "model_version": version,
            "generated_at": GENERATED,
        }
        for user in users
        for item_type in ("dish", "restaurant")
        for rank in range(1, per_type + 1)
    ]
    table = pa.Table.from_pylist(rows, schema=arrow_schema(FEED_COLUMNS))
    replace_feed(stack.catalog, table.to_batches(max_chunksize=7), f"run-{version}", version)


@pytest.fixture
def fed_customer(stack: PlatformSettings, make_user: Callable[..., Any]) -> Any:
    user = make_user()
    publish(stack, "als-api-test", [user.user_id])
    return user


def test_customer_reads_own_recommendations_best_first(http: httpx.Client, fed_customer: Any) -> None:
    response = http.get(f"/users/{fed_customer.user_id}/recommendations", headers=fed_customer.headers)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["user_id"] == str(fed_customer.user_id)
    assert body["model_version"] == "als-api-test"
    assert datetime.fromisoformat(body["generated_at"]) == GENERATED
    items = body["items"]
    assert [(i["item_type"], i["rank"]) for i in items] == [("dish", r) for r in range(1, 11)] + [
        ("restaurant", r) for r in range(1, 11)
    ]  # the default limit is 10 of each type
    assert items[0] == {"item_type": "dish", "rank": 1, "item_id": "dish-1", "item_name": "Dish 1", "score": 1.0}


def test_type_and_limit_narrow_the_list(http: httpx.Client, fed_customer: Any) -> None:
    response = http.get(
        f"/users/{fed_customer.user_id}/recommendations",
        params={"type": "restaurant", "limit": 3},
        headers=fed_customer.headers,
    )
    assert response.status_code == 200, response.text
    assert [(i["item_type"], i["item_id"]) for i in response.json()["items"]] == [
        ("restaurant", "restaurant-1"),
        ("restaurant", "restaurant-2"),
        ("restaurant", "restaurant-3"),
    ]


@pytest.mark.parametrize("params", [{"limit": 0}, {"limit": 51}, {"type": "pizza"}])
def test_bad_parameters_are_a_validation_problem(http: httpx.Client, fed_customer: Any, params: dict[str, Any]) -> None:
    response = http.get(f"/users/{fed_customer.user_id}/recommendations", params=params, headers=fed_customer.headers)
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/problem+json")


def test_another_customer_is_forbidden_but_an_admin_may_read(
    http: httpx.Client, fed_customer: Any, make_user: Callable[..., Any], admin: Any
) -> None:
    stranger = make_user()
    response = http.get(f"/users/{fed_customer.user_id}/recommendations", headers=stranger.headers)
    assert response.status_code == 403
    assert response.json()["type"].endswith("/forbidden")
    response = http.get(f"/users/{fed_customer.user_id}/recommendations", headers=admin.headers)
    assert response.status_code == 200
    assert len(response.json()["items"]) == 20


def test_a_customer_outside_the_feed_gets_an_empty_list(
    http: httpx.Client, fed_customer: Any, make_user: Callable[..., Any]
) -> None:
    newcomer = make_user()
    response = http.get(f"/users/{newcomer.user_id}/recommendations", headers=newcomer.headers)
    assert response.status_code == 200
    assert response.json() == {
        "user_id": str(newcomer.user_id),
        "items": [],
        "model_version": None,
        "generated_at": None,
    }


def test_unknown_user_is_not_found_and_anonymous_is_unauthorised(http: httpx.Client, admin: Any) -> None:
    response = http.get(f"/users/{uuid.uuid4()}/recommendations", headers=admin.headers)
    assert response.status_code == 404
    assert response.json()["type"].endswith("/not-found")
    assert http.get(f"/users/{uuid.uuid4()}/recommendations").status_code == 401


def test_a_new_publication_is_served_at_once(http: httpx.Client, stack: PlatformSettings, fed_customer: Any) -> None:
    publish(stack, "als-next", [fed_customer.user_id], per_type=2)
    response = http.get(f"/users/{fed_customer.user_id}/recommendations", headers=fed_customer.headers)
    body = response.json()
    assert body["model_version"] == "als-next"
    assert len(body["items"]) == 4
