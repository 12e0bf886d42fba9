"""Authorization from the server's state: a role change, disabling, a password change and "log out
everywhere" end the tokens issued before on their very next request, not 15 minutes later."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import httpx
import psycopg
import pytest
from support.api_actors import PASSWORD, ApiRestaurant, ApiUser, login

from pizza.config import PlatformSettings
from pizza.db.shards import ShardMap

pytestmark = pytest.mark.integration


def me(http: httpx.Client, token: str) -> httpx.Response:
    return http.get("/users/me", headers={"Authorization": f"Bearer {token}"})


def refresh(http: httpx.Client, refresh_token: str) -> httpx.Response:
    return http.post("/auth/refresh", json={"refresh_token": refresh_token})


def test_a_disabled_account_is_refused_at_once_and_cannot_log_in_until_enabled(
    http: httpx.Client, admin: ApiUser, make_user: Callable[..., ApiUser]
) -> None:
    user = make_user("rider")
    assert me(http, user.access_token).status_code == 200

    disabled = http.patch(f"/users/{user.user_id}", json={"disabled": True}, headers=admin.headers)
    assert disabled.status_code == 200, disabled.text
    assert disabled.json()["disabled_at"] is not None
    assert me(http, user.access_token).status_code == 401  # the token has minutes left, and is refused
    assert refresh(http, user.refresh_token).status_code == 401
    refused = http.post("/auth/token", data={"username": user.email, "password": PASSWORD})
    assert (refused.status_code, refused.json()["detail"]) == (401, "this account is disabled")

    enabled = http.patch(f"/users/{user.user_id}", json={"disabled": False}, headers=admin.headers)
    assert (enabled.status_code, enabled.json()["disabled_at"]) == (200, None)
    assert me(http, user.access_token).status_code == 401  # old tokens stay ended
    assert me(http, login(http, user.email, PASSWORD)["access_token"]).status_code == 200


def test_a_role_change_ends_the_old_token_and_the_next_refresh_carries_the_new_role(
    http: httpx.Client, admin: ApiUser, make_user: Callable[..., ApiUser], make_restaurant: Callable[..., ApiRestaurant]
) -> None:
    restaurant = make_restaurant(with_staff=False)
    staff = make_user("restaurant_staff", restaurant.restaurant_id)
    assert http.get(f"/restaurants/{restaurant.restaurant_id}/orders", headers=staff.headers).status_code == 200

    changed = http.patch(f"/users/{staff.user_id}", json={"role": "customer"}, headers=admin.headers)
    assert changed.status_code == 200, changed.text
    assert (changed.json()["role"], changed.json()["restaurant_id"]) == ("customer", None)
    assert http.get(f"/restaurants/{restaurant.restaurant_id}/orders", headers=staff.headers).status_code == 401

    renewed = refresh(http, staff.refresh_token)  # the login itself survives a role change
    assert renewed.status_code == 200, renewed.text
    headers = {"Authorization": f"Bearer {renewed.json()['access_token']}"}
    assert http.get(f"/restaurants/{restaurant.restaurant_id}/orders", headers=headers).status_code == 403
    assert http.get("/users/me", headers=headers).json()["role"] == "customer"


def test_changing_the_password_needs_the_current_one_and_ends_every_login(
    http: httpx.Client, make_user: Callable[..., ApiUser]
) -> None:
    user = make_user()
    other_device = login(http, user.email, PASSWORD)
    wrong = http.post(
        "/users/me/password", json={"current_password": "not-it", "new_password": "n3w-passw0rd"}, headers=user.headers
    )
    assert wrong.status_code == 403
    assert me(http, user.access_token).status_code == 200  # a wrong guess ends nothing

    changed = http.post(
        "/users/me/password", json={"current_password": PASSWORD, "new_password": "n3w-passw0rd"}, headers=user.headers
    )
    assert changed.status_code == 204, changed.text
    for token in (user.access_token, other_device["access_token"]):
        assert me(http, token).status_code == 401
    for token in (user.refresh_token, other_device["refresh_token"]):
        assert refresh(http, token).status_code == 401
    assert http.post("/auth/token", data={"username": user.email, "password": PASSWORD}).status_code == 401
    assert me(http, login(http, user.email, "n3w-passw0rd")["access_token"]).status_code == 200


def test_logging_out_everywhere_ends_every_device_but_not_the_next_login(
    http: httpx.Client, make_user: Callable[..., ApiUser]
) -> None:
    user = make_user()
    phone = login(http, user.email, PASSWORD)
    assert http.post("/auth/logout-everywhere", headers=user.headers).status_code == 204
    for token in (user.access_token, phone["access_token"]):
        assert me(http, token).status_code == 401
    assert refresh(http, phone["refresh_token"]).status_code == 401
    assert me(http, login(http, user.email, PASSWORD)["access_token"]).status_code == 200


def test_only_admins_control_accounts_and_not_their_own_disabling(
    http: httpx.Client, admin: ApiUser, customer: ApiUser, make_user: Callable[..., ApiUser]
) -> None:
    other = make_user()
    assert http.patch(f"/users/{other.user_id}", json={"role": "admin"}, headers=customer.headers).status_code == 403
    assert http.patch(f"/users/{admin.user_id}", json={"disabled": True}, headers=admin.headers).status_code == 409
    assert http.patch(f"/users/{uuid.uuid4()}", json={"disabled": True}, headers=admin.headers).status_code == 404
    staff_without_kitchen = http.patch(
        f"/users/{other.user_id}", json={"role": "restaurant_staff"}, headers=admin.headers
    )
    assert staff_without_kitchen.status_code == 422
    assert http.patch(f"/users/{other.user_id}", json={"sudo": True}, headers=admin.headers).status_code in (400, 422)


def test_failed_logins_throttle_that_account_whoever_asks_and_a_correct_password_clears_them(
    http: httpx.Client, make_user: Callable[..., ApiUser]
) -> None:
    from api.settings import get_api_settings

    budget = get_api_settings().login_failures_per_15_minutes
    user = make_user()
    bystander = make_user()
    for _ in range(budget - 1):
        assert http.post("/auth/token", data={"username": user.email, "password": "guess"}).status_code == 401
    assert login(http, user.email, PASSWORD)["access_token"]  # within the budget: the owner gets in, and it clears
    for _ in range(budget):
        assert http.post("/auth/token", data={"username": user.email, "password": "guess"}).status_code == 401
    throttled = http.post("/auth/token", data={"username": user.email, "password": PASSWORD})
    assert throttled.status_code == 429, throttled.text  # even the right password waits: the guesser cannot tell
    assert int(throttled.headers["Retry-After"]) > 0
    assert throttled.headers["content-type"].startswith("application/problem+json")
    assert login(http, bystander.email, PASSWORD)["access_token"]  # other accounts are not touched
    unknown = f"nobody-{uuid.uuid4().hex[:8]}@example.com"
    answers = [
        http.post("/auth/token", data={"username": unknown, "password": "x"}).status_code for _ in range(budget + 1)
    ]
    assert answers == [401] * budget + [429]  # an unknown email is throttled alike: no account enumeration


def test_a_login_ends_after_its_absolute_lifetime_however_often_it_was_refreshed(
    http: httpx.Client, stack: PlatformSettings, make_user: Callable[..., ApiUser]
) -> None:
    from api.settings import get_api_settings

    max_days = get_api_settings().session_max_days
    user = make_user()
    renewed = refresh(http, user.refresh_token)
    assert renewed.status_code == 200, renewed.text
    assert renewed.json()["refresh_expires_in"] <= max_days * 86400
    with psycopg.connect(stack.catalog) as conn:
        shard = ShardMap.load(conn).shard_for_user(user.user_id)
    with psycopg.connect(stack.shards[shard]) as conn:  # the login was long ago
        conn.execute(
            "UPDATE refresh_tokens SET login_at = now() - make_interval(days => %s) WHERE user_id = %s",
            (max_days + 1, user.user_id),
        )
    assert refresh(http, renewed.json()["refresh_token"]).status_code == 401
    assert me(http, login(http, user.email, PASSWORD)["access_token"]).status_code == 200  # a new login starts afresh
