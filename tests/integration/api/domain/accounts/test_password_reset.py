"""Password reset by an e-mailed one-time token, over real HTTP: the mail goes through the platform's
e-mail provider (the log-file provider of the test stack, the local mailbox), the token is spent once,
a newer request or a password change ends an older link, and a reset ends every session."""

from __future__ import annotations

import contextlib
import time
import uuid
from collections.abc import Callable, Iterator

import httpx
import psycopg
import pytest
import redis
from support.api_actors import PASSWORD, ApiUser, login, unique_email
from support.mailbox import mails_to, reset_token_in, wait_for_mail

from pizza.config import PlatformSettings
from pizza.db.shards import ShardMap

pytestmark = pytest.mark.integration
Server = Callable[..., contextlib.AbstractContextManager[str]]
NEW_PASSWORD = "a-brand-new-passw0rd"


def ask_reset(http: httpx.Client, email: str) -> httpx.Response:
    return http.post("/auth/password-reset", json={"email": email})


def confirm(http: httpx.Client, token: str, password: str = NEW_PASSWORD) -> httpx.Response:
    return http.post("/auth/password-reset/confirm", json={"token": token, "new_password": password})


def me(http: httpx.Client, token: str) -> int:
    return http.get("/users/me", headers={"Authorization": f"Bearer {token}"}).status_code


def shard_dsn(stack: PlatformSettings, user_id: uuid.UUID) -> str:
    with psycopg.connect(stack.catalog) as conn:
        return stack.shards[ShardMap.load(conn).shard_for_user(user_id)]


def test_an_emailed_token_sets_the_password_once_and_ends_every_session(
    http: httpx.Client, stack: PlatformSettings, make_user: Callable[..., ApiUser]
) -> None:
    user = make_user()
    phone = login(http, user.email, PASSWORD)
    asked = ask_reset(http, user.email.upper())  # any case: e-mails are normalised
    assert asked.status_code == 202, asked.text
    token = reset_token_in(wait_for_mail(stack, user.email, "password-reset"))
    with psycopg.connect(shard_dsn(stack, user.user_id)) as conn:
        (stored,) = conn.execute("SELECT token_hash FROM password_reset_tokens WHERE user_id = %s", (user.user_id,))
    assert stored[0] != token
    assert token not in stored[0]

    assert confirm(http, token).status_code == 204
    for access in (user.access_token, phone["access_token"]):
        assert me(http, access) == 401
    for refresh_token in (user.refresh_token, phone["refresh_token"]):
        assert http.post("/auth/refresh", json={"refresh_token": refresh_token}).status_code == 401
    assert http.post("/auth/token", data={"username": user.email, "password": PASSWORD}).status_code == 401
    assert me(http, login(http, user.email, NEW_PASSWORD)["access_token"]) == 200

    again = confirm(http, token, "yet-another-passw0rd")
    assert again.status_code == 422
    assert again.headers["content-type"].startswith("application/problem+json")
    notice = wait_for_mail(stack, user.email, "password-changed")
    assert token not in notice["body"]


def test_the_answer_is_the_same_whether_or_not_the_account_exists(
    http: httpx.Client, stack: PlatformSettings, make_user: Callable[..., ApiUser]
) -> None:
    user = make_user()
    nobody = unique_email("nobody")
    known, unknown = ask_reset(http, user.email), ask_reset(http, nobody)
    assert (known.status_code, known.content) == (unknown.status_code, unknown.content)
    assert known.status_code == 202
    assert known.json()["status"] == "accepted"
    varying = {"date", "x-request-id", "ratelimit-remaining", "ratelimit-reset", "content-length"}
    assert {k for k in known.headers if k not in varying} == {k for k in unknown.headers if k not in varying}
    wait_for_mail(stack, user.email, "password-reset")
    assert mails_to(stack, nobody, "password-reset") == []


def test_a_newer_request_and_a_password_change_end_an_older_link(
    http: httpx.Client, stack: PlatformSettings, make_user: Callable[..., ApiUser]
) -> None:
    user = make_user()
    assert ask_reset(http, user.email).status_code == 202
    first = reset_token_in(wait_for_mail(stack, user.email, "password-reset"))
    assert ask_reset(http, user.email).status_code == 202
    second = reset_token_in(wait_for_mail(stack, user.email, "password-reset", count=2))
    assert confirm(http, first).status_code == 422  # replaced
    assert confirm(http, second, "short").status_code == 400  # the sign-up rules: 12 to 128 characters
    changed = http.post(
        "/users/me/password", json={"current_password": PASSWORD, "new_password": NEW_PASSWORD}, headers=user.headers
    )
    assert changed.status_code == 204, changed.text
    assert confirm(http, second).status_code == 422  # the link ended with the old password


def test_an_expired_or_forged_token_is_refused(
    http: httpx.Client, stack: PlatformSettings, make_user: Callable[..., ApiUser]
) -> None:
    user = make_user()
    assert ask_reset(http, user.email).status_code == 202
    token = reset_token_in(wait_for_mail(stack, user.email, "password-reset"))
    with psycopg.connect(shard_dsn(stack, user.user_id)) as conn:
        conn.execute(
            "UPDATE password_reset_tokens SET expires_at = now() - interval '1 second' WHERE user_id = %s",
            (user.user_id,),
        )
    assert confirm(http, token).status_code == 422  # expired
    head, _, tail = token.partition(".")
    for forged in (f"{head}.{'A' * len(tail)}", f"{uuid.uuid4().hex}.{tail}"):  # well-formed, never issued
        refused = confirm(http, forged)
        assert refused.status_code == 422, (forged, refused.text)
        assert refused.json()["type"].endswith("/unprocessable")
    for malformed in ("not-a-token", tail, f"{head}.{tail}=", f"{head.upper()}.{tail}"):  # not the link's shape
        assert confirm(http, malformed).status_code == 400
    assert me(http, login(http, user.email, PASSWORD)["access_token"]) == 200  # nothing changed


def test_a_disabled_account_gets_the_same_answer_and_no_mail(
    http: httpx.Client, stack: PlatformSettings, admin: ApiUser, make_user: Callable[..., ApiUser]
) -> None:
    user = make_user()
    assert http.patch(f"/users/{user.user_id}", json={"disabled": True}, headers=admin.headers).status_code == 200
    assert ask_reset(http, user.email).status_code == 202
    time.sleep(1)
    assert mails_to(stack, user.email, "password-reset") == []


@pytest.fixture(scope="module")
def budgeted_url(api_server: Server, stack: PlatformSettings) -> Iterator[str]:
    client = redis.Redis.from_url(stack.redis)
    for key in client.scan_iter("pizza:ratelimit*password-resets*"):  # a re-run within the hour starts from zero
        client.delete(key)
    client.close()
    env = {"PIZZA_API_PASSWORD_RESETS_PER_HOUR_ACCOUNT": "2", "PIZZA_API_PASSWORD_RESETS_PER_HOUR_IP": "6"}
    with api_server("reset-budgets", **env) as url:
        yield url


def test_reset_requests_are_budgeted_per_account_known_or_not_and_per_address(
    budgeted_url: str, make_user: Callable[..., ApiUser]
) -> None:
    user = make_user()
    transport = httpx.HTTPTransport(local_address="127.0.0.9")
    with httpx.Client(base_url=budgeted_url, transport=transport) as http:
        for email in (user.email, unique_email("nobody")):
            answers = [ask_reset(http, email) for _ in range(3)]
            assert [a.status_code for a in answers] == [202, 202, 429]  # an unknown e-mail is counted alike
            assert int(answers[-1].headers["Retry-After"]) > 0
            assert answers[-1].headers["content-type"].startswith("application/problem+json")
        # 6 requests counted from this address (refused ones too): its budget is spent, whatever the e-mail
        refused = ask_reset(http, unique_email("fresh"))
        assert refused.status_code == 429
        assert "address" in refused.json()["detail"]
    with httpx.Client(base_url=budgeted_url, transport=httpx.HTTPTransport(local_address="127.0.0.10")) as other:
        assert ask_reset(other, unique_email("fresh")).status_code == 202
