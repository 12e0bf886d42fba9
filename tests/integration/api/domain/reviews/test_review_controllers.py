"""Reviews over HTTP: only the customer, only after delivery, once per order; exact restaurant ratings."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

pytestmark = pytest.mark.integration


def review(
    http: httpx.Client, user: Any, order: dict[str, Any], rating: int, comment: str | None = None
) -> httpx.Response:
    return http.post(
        f"/orders/{order['order_id']}/review", json={"rating": rating, "comment": comment}, headers=user.headers
    )


def test_a_customer_reviews_a_delivered_order_once(
    http: httpx.Client,
    make_user: Callable[..., Any],
    make_restaurant: Callable[..., Any],
    order_at: Callable[..., dict[str, Any]],
    customer: Any,
) -> None:
    restaurant = make_restaurant()
    ready = order_at(customer, restaurant, "READY")
    early = review(http, customer, ready, 5)
    assert early.status_code == 409
    assert early.json()["current_status"] == "READY"

    delivered = order_at(customer, restaurant, "DELIVERED")
    assert review(http, make_user(), delivered, 1).status_code == 404  # someone else's order does not exist for you
    assert review(http, make_user("rider"), delivered, 1).status_code == 403
    assert review(http, customer, delivered, 6).status_code == 400

    created = review(http, customer, delivered, 4, "  Crisp base, arrived hot.  ")
    assert created.status_code == 201, created.text
    body = created.json()
    assert (body["rating"], body["comment"], body["restaurant_id"]) == (
        4,
        "Crisp base, arrived hot.",
        str(restaurant.restaurant_id),
    )
    assert body["author_name"] == "Test c."
    again = review(http, customer, delivered, 1)
    assert again.status_code == 409
    assert again.json()["title"] == "Already reviewed"


def test_ratings_stay_exact_under_concurrent_reviews(
    http: httpx.Client,
    api_url: str,
    make_user: Callable[..., Any],
    make_restaurant: Callable[..., Any],
    order_at: Callable[..., dict[str, Any]],
) -> None:
    restaurant = make_restaurant()
    orders = [(c, order_at(c, restaurant, "DELIVERED")) for c in (make_user() for _ in range(4))]
    ratings = [5, 4, 2, 4]

    def post(job: tuple[Any, dict[str, Any], int]) -> int:
        user, order, rating = job
        with httpx.Client(base_url=api_url, timeout=30) as client:
            return review(client, user, order, rating).status_code

    jobs = [(c, o, r) for (c, o), r in zip(orders, ratings, strict=True)]
    duplicate = [(orders[0][0], orders[0][1], ratings[0])] * 5  # the same review, five more times, at once
    with ThreadPoolExecutor(max_workers=9) as pool:
        codes = list(pool.map(post, jobs + duplicate))
    assert sorted(codes) == [201] * 4 + [409] * 5  # one review per order, even when posted at once

    page = http.get(f"/restaurants/{restaurant.restaurant_id}/reviews").json()  # public: no token
    assert page["summary"]["rating_count"] == 4
    assert page["summary"]["rating_avg"] == 3.75
    assert sorted(r["rating"] for r in page["items"]) == [2, 4, 4, 5]
    listed = http.get(f"/restaurants/{restaurant.restaurant_id}").json()
    assert float(listed["rating_avg"]) == 3.75
    assert listed["rating_count"] == 4


def test_reviews_page_newest_first_with_a_cursor(
    http: httpx.Client,
    make_user: Callable[..., Any],
    make_restaurant: Callable[..., Any],
    order_at: Callable[..., dict[str, Any]],
) -> None:
    restaurant = make_restaurant()
    written = []
    for rating in (3, 4, 5):
        user = make_user()
        response = review(http, user, order_at(user, restaurant, "DELIVERED"), rating)
        written.append(response.json()["review_id"])
    url = f"/restaurants/{restaurant.restaurant_id}/reviews"
    first = http.get(url, params={"limit": 2}).json()
    assert [r["review_id"] for r in first["items"]] == written[::-1][:2]
    second = http.get(url, params={"limit": 2, "cursor": first["next_cursor"]}).json()
    assert [r["review_id"] for r in second["items"]] == [written[0]]
    assert second["next_cursor"] is None
    assert http.get(url, params={"cursor": "forged"}).status_code == 422
    assert http.get("/restaurants/01a21414-e58f-7c35-abc1-000000000000/reviews").status_code == 404
