"""Accounts over real HTTP: sign-up, OAuth2 login, refresh rotation and reuse, logout, profile, addresses."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import httpx
import psycopg
import pytest
from support.api_actors import PASSWORD, ApiUser, login, unique_email

from pizza.config import PlatformSettings
from pizza.db.shards import ShardMap

pytestmark = pytest.mark.integration


def assert_problem(response: httpx.Response, status: int) -> dict[str, object]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, object] = response.json()
    assert body["status"] == status
    assert body["title"]
    return body


def test_sign_up_stores_the_user_on_the_routed_shard_and_the_email_in_the_catalog(
    http: httpx.Client, stack: PlatformSettings
) -> None:
    email = unique_email("Shard").replace("shard", "Shard")
    response = http.post("/auth/signup", json={"email": email, "password": PASSWORD, "name": "Ada", "city": "Rome"})
    assert response.status_code == 201, response.text
    user = response.json()
    user_id = uuid.UUID(user["user_id"])
    assert user["role"] == "customer"
    assert user["email"] == email.lower()
    assert "password" not in response.text
    assert "argon2" not in response.text

    with psycopg.connect(stack.catalog) as conn:
        directory = conn.execute("SELECT user_id FROM user_directory WHERE email = %s", (email.lower(),)).fetchone()
        expected_shard = ShardMap.load(conn).shard_for_user(user_id)
    assert directory == (user_id,)
    for name, dsn in stack.shards.items():
        with psycopg.connect(dsn) as conn:
            row = conn.execute("SELECT password_hash FROM users WHERE user_id = %s", (user_id,)).fetchone()
            event = conn.execute(
                "SELECT event_type FROM outbox WHERE aggregate_type = 'user' AND aggregate_id = %s", (str(user_id),)
            ).fetchone()
        if name == expected_shard:
            assert row is not None
            assert row[0].startswith("$argon2id$")
            assert event == ("UserRegistered",)
        else:
            assert row is None
            assert event is None


def test_an_email_signs_up_once_whatever_its_case(http: httpx.Client) -> None:
    email = unique_email()
    assert http.post("/auth/signup", json={"email": email, "password": PASSWORD, "name": "A"}).status_code == 201
    again = http.post("/auth/signup", json={"email": email.upper(), "password": PASSWORD, "name": "B"})
    assert_problem(again, 409)


@pytest.mark.parametrize(
    "body",
    [
        {"email": "not-an-email", "password": PASSWORD, "name": "A"},
        {"email": "a@example.com", "password": "short", "name": "A"},
        {"email": "a@example.com", "password": PASSWORD, "name": "   "},
        {"email": "a@example.com", "password": PASSWORD},
        {"email": "a@example.com", "password": PASSWORD, "name": "A", "role": "admin"},
        {"email": "a@example.com", "password": PASSWORD, "name": "A", "phone": "call me"},
    ],
    ids=["email", "password", "blank-name", "missing-name", "self-made-admin", "phone"],
)
def test_bad_sign_up_bodies_are_400_problems_naming_the_field(http: httpx.Client, body: dict[str, str]) -> None:
    problem = assert_problem(http.post("/auth/signup", json=body), 400)
    assert problem["invalid_params"] or problem["detail"]


def test_login_issues_tokens_that_open_the_profile(http: httpx.Client, customer: ApiUser) -> None:
    me = http.get("/users/me", headers=customer.headers)
    assert me.status_code == 200, me.text
    assert me.json()["user_id"] == str(customer.user_id)


@pytest.mark.parametrize("password", ["wrong-password-123", ""])
def test_wrong_password_and_unknown_email_get_the_same_401(
    http: httpx.Client, customer: ApiUser, password: str
) -> None:
    wrong = http.post("/auth/token", data={"username": customer.email, "password": password})
    unknown = http.post("/auth/token", data={"username": unique_email(), "password": PASSWORD})
    assert wrong.status_code in (400, 401)
    body = assert_problem(unknown, 401)
    if password:
        assert assert_problem(wrong, 401)["detail"] == body["detail"]


def test_requests_without_a_valid_token_are_401_problems(http: httpx.Client) -> None:
    assert_problem(http.get("/users/me"), 401)
    assert_problem(http.get("/users/me", headers={"Authorization": "Bearer not.a.jwt"}), 401)


def test_refresh_rotates_and_a_reused_refresh_token_revokes_the_whole_login(http: httpx.Client) -> None:
    email = unique_email()
    assert http.post("/auth/signup", json={"email": email, "password": PASSWORD, "name": "R"}).status_code == 201
    first = login(http, email, PASSWORD)

    rotated = http.post("/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert rotated.status_code == 200, rotated.text
    second = rotated.json()
    assert second["refresh_token"] != first["refresh_token"]
    second_headers = {"Authorization": f"Bearer {second['access_token']}"}
    assert http.get("/users/me", headers=second_headers).status_code == 200

    # The first refresh token was spent; presenting it again is theft or a bug: the login is revoked.
    reuse = http.post("/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert_problem(reuse, 401)
    assert_problem(http.post("/auth/refresh", json={"refresh_token": second["refresh_token"]}), 401)
    assert_problem(http.get("/users/me", headers=second_headers), 401)

    # Another login of the same user is unaffected.
    other = login(http, email, PASSWORD)
    assert http.get("/users/me", headers={"Authorization": f"Bearer {other['access_token']}"}).status_code == 200


@pytest.mark.parametrize("token", ["garbage", "0" * 32 + ".too-short", uuid.uuid4().hex + "." + "x" * 43])
def test_unknown_refresh_tokens_are_401(http: httpx.Client, token: str) -> None:
    assert_problem(http.post("/auth/refresh", json={"refresh_token": token}), 401)


def test_logout_revokes_the_access_token_and_the_refresh_family(http: httpx.Client, customer: ApiUser) -> None:
    assert http.post("/auth/logout", headers=customer.headers).status_code == 204
    assert_problem(http.get("/users/me", headers=customer.headers), 401)
    assert_problem(http.post("/auth/refresh", json={"refresh_token": customer.refresh_token}), 401)


def test_profile_update_changes_only_the_given_fields(http: httpx.Client, customer: ApiUser) -> None:
    response = http.patch("/users/me", json={"phone": "+39 06 1234567", "city": "Rome"}, headers=customer.headers)
    assert response.status_code == 200, response.text
    assert (response.json()["phone"], response.json()["city"], response.json()["name"]) == (
        "+39 06 1234567",
        "Rome",
        "Test customer",
    )
    cleared = http.patch("/users/me", json={"phone": None}, headers=customer.headers).json()
    assert (cleared["phone"], cleared["city"]) == (None, "Rome")
    assert_problem(http.patch("/users/me", json={"role": "admin"}, headers=customer.headers), 400)
    assert_problem(http.patch("/users/me", json={"name": ""}, headers=customer.headers), 400)


def test_addresses_crud_keeps_one_default(http: httpx.Client, customer: ApiUser) -> None:
    base = {"label": "home", "line1": "Via Roma 1", "city": "Rome", "country": "IT", "lat": 41.9, "lon": 12.5}
    home = http.post("/users/me/addresses", json={**base, "is_default": True}, headers=customer.headers)
    assert home.status_code == 201, home.text
    work = http.post(
        "/users/me/addresses", json={**base, "label": "work", "is_default": True}, headers=customer.headers
    ).json()
    listed = http.get("/users/me/addresses", headers=customer.headers).json()
    assert [(a["label"], a["is_default"]) for a in listed] == [("work", True), ("home", False)]

    moved = http.patch(
        f"/users/me/addresses/{work['address_id']}", json={"lat": 45.46, "lon": 9.19}, headers=customer.headers
    )
    assert moved.status_code == 200
    assert (moved.json()["lat"], moved.json()["lon"]) == (45.46, 9.19)
    assert http.delete(f"/users/me/addresses/{work['address_id']}", headers=customer.headers).status_code == 204
    assert_problem(http.get(f"/users/me/addresses/{work['address_id']}", headers=customer.headers), 404)
    assert [a["label"] for a in http.get("/users/me/addresses", headers=customer.headers).json()] == ["home"]


@pytest.mark.parametrize(
    "change", [{"lat": 91}, {"lon": -180.5}, {"lat": "north"}, {"country": "Italy"}, {"label": ""}]
)
def test_address_coordinates_and_fields_are_validated(
    http: httpx.Client, customer: ApiUser, change: dict[str, object]
) -> None:
    base = {"label": "home", "line1": "Via Roma 1", "city": "Rome", "country": "IT", "lat": 41.9, "lon": 12.5}
    assert_problem(http.post("/users/me/addresses", json={**base, **change}, headers=customer.headers), 400)


def test_a_customer_never_sees_another_customers_address(http: httpx.Client, make_user: Callable[..., ApiUser]) -> None:
    owner, other = make_user(), make_user()
    base = {"label": "home", "line1": "Via Roma 1", "city": "Rome", "country": "IT", "lat": 41.9, "lon": 12.5}
    address = http.post("/users/me/addresses", json=base, headers=owner.headers).json()
    path = f"/users/me/addresses/{address['address_id']}"
    assert_problem(http.get(path, headers=other.headers), 404)
    assert_problem(http.patch(path, json={"label": "mine"}, headers=other.headers), 404)
    assert_problem(http.delete(path, headers=other.headers), 404)
    assert http.get(path, headers=owner.headers).json()["label"] == "home"


def test_only_admins_create_staff_and_staff_must_name_an_existing_restaurant(
    http: httpx.Client, admin: ApiUser, customer: ApiUser
) -> None:
    body = {"email": unique_email("staff"), "password": PASSWORD, "name": "S", "role": "restaurant_staff"}
    unknown_restaurant = {**body, "restaurant_id": str(uuid.uuid4())}
    assert_problem(http.post("/users", json=unknown_restaurant, headers=customer.headers), 403)
    assert_problem(http.post("/users", json=body, headers=admin.headers), 422)
    assert_problem(http.post("/users", json=unknown_restaurant, headers=admin.headers), 422)
    rider = {**body, "role": "rider", "restaurant_id": str(uuid.uuid4())}
    assert_problem(http.post("/users", json=rider, headers=admin.headers), 422)


def test_staff_tokens_carry_their_restaurant(http: httpx.Client, make_restaurant: Callable[..., object]) -> None:
    restaurant = make_restaurant()
    staff = restaurant.staff  # type: ignore[attr-defined]
    me = http.get("/users/me", headers=staff.headers).json()
    assert (me["role"], me["restaurant_id"]) == ("restaurant_staff", str(restaurant.restaurant_id))  # type: ignore[attr-defined]


def test_admins_create_support_agents_who_belong_to_no_restaurant(
    http: httpx.Client, admin: ApiUser, customer: ApiUser
) -> None:
    body = {"email": unique_email("agent"), "password": PASSWORD, "name": "Agent A", "role": "agent"}
    assert_problem(http.post("/users", json=body, headers=customer.headers), 403)
    assert_problem(http.post("/users", json={**body, "restaurant_id": str(uuid.uuid4())}, headers=admin.headers), 422)
    created = http.post("/users", json=body, headers=admin.headers)
    assert created.status_code == 201, created.text
    assert (created.json()["role"], created.json()["restaurant_id"]) == ("agent", None)
    tokens = login(http, body["email"], PASSWORD)
    me = http.get("/users/me", headers={"Authorization": f"Bearer {tokens['access_token']}"})
    assert me.json()["role"] == "agent"
