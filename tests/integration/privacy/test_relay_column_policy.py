"""No secret and no plaintext contact field leaves Postgres: after real sign-ups, logins, refreshes, profile
edits, saved addresses and orders, every Kafka topic is read back with an independent client and no
password hash, token hash, e-mail, phone, name, street line or postcode of those users is found."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable
from typing import Any

import httpx
import psycopg
import pytest
from support.api_actors import DELIVERY_ADDRESS, PASSWORD, ApiRestaurant, ApiUser
from support.kafka_readback import message_bytes, read_every_topic
from support.mailbox import reset_token_in, wait_for_mail

from pizza.config import PlatformSettings
from pizza.contracts.privacy import SECRET_COLUMNS, WITHHELD_TABLES
from pizza.crypto.envelope import SEALED_PREFIX, field_context, open_field, unwrap
from pizza.crypto.pseudonyms import PrivacySettings, checked_key, normalised_email, pseudonym
from pizza.db.shards import ShardMap
from streaming.relay.app import CdcRelay

pytestmark = pytest.mark.integration
NEW_PASSWORD = "a-reset-passw0rd-nobody-guesses"


def secrets_of(stack: PlatformSettings, users: list[ApiUser]) -> dict[str, str]:
    """Every stored secret of ``users``, read from the shards: value -> what it is."""
    ids = [u.user_id for u in users]
    found: dict[str, str] = {}
    for dsn in stack.shards.values():
        with psycopg.connect(dsn) as conn:
            for (password_hash,) in conn.execute("SELECT password_hash FROM users WHERE user_id = ANY(%s)", (ids,)):
                found[password_hash] = "users.password_hash"
            for (token_hash,) in conn.execute("SELECT token_hash FROM refresh_tokens WHERE user_id = ANY(%s)", (ids,)):
                found[token_hash] = "refresh_tokens.token_hash"
    return found


def test_no_topic_carries_a_password_hash_or_a_token_hash(
    stack: PlatformSettings,
    privacy_relay: CdcRelay,
    http: httpx.Client,
    make_user: Callable[..., ApiUser],
    make_restaurant: Callable[..., ApiRestaurant],
    place_order: Callable[..., dict[str, Any]],
) -> None:
    restaurant = make_restaurant()
    customers = [make_user() for _ in range(3)]
    for customer in customers:
        refreshed = http.post("/auth/refresh", json={"refresh_token": customer.refresh_token})
        assert refreshed.status_code == 200, refreshed.text
        changed = http.patch("/users/me", json={"phone": "+4915112345678"}, headers=customer.headers)
        assert changed.status_code == 200, changed.text
        place_order(customer, restaurant.restaurant_id)
    privacy_relay.run(until_idle=True)

    secrets = secrets_of(stack, customers)
    assert {"users.password_hash", "refresh_tokens.token_hash"} <= set(secrets.values())
    tokens = {c.refresh_token: "refresh token" for c in customers} | {PASSWORD: "password"}

    messages = read_every_topic(stack.kafka)
    user_ids = {str(c.user_id) for c in customers}
    user_changes = [m for m in messages if m.topic() == "cdc.users" and any(u.encode() in m.value() for u in user_ids)]
    assert len(user_changes) >= 2 * len(customers)  # sign-up and profile edit reached Kafka: the test saw them
    for message in messages:
        blob = message_bytes(message)
        for value, what in (secrets | tokens).items():
            assert value.encode() not in blob, f"{what} found on {message.topic()} at offset {message.offset()}"
    for message in user_changes:
        change = json.loads(message.value())
        for image in (change.get("after"), change.get("before"), change.get("pk")):
            assert not SECRET_COLUMNS["users"] & set(image or {})
    mine = [
        m
        for m in messages
        if m.topic() in {f"cdc.{t}" for t in WITHHELD_TABLES}
        and any(u.encode() in m.value() for u in user_ids | {c.email.lower() for c in customers})
    ]
    assert mine == []  # withheld tables: nothing of these users was published


def contact_values(customer: ApiUser, suffix: str) -> dict[str, str]:
    """Contact data unique to this test run, so a find anywhere is this customer's."""
    return {
        "email": customer.email,
        "phone": f"+4917{int(suffix, 16) % 10**8:08d}",
        "name": f"Privacy Tester {suffix}",
        "line1": f"Geheimweg {suffix}",
        "postcode": f"P{suffix[:6]}",
    }


def test_no_topic_carries_a_plaintext_contact_field_only_sealed_values_and_keyed_pseudonyms(
    stack: PlatformSettings,
    privacy_relay: CdcRelay,
    http: httpx.Client,
    make_user: Callable[..., ApiUser],
    make_restaurant: Callable[..., ApiRestaurant],
    place_order: Callable[..., dict[str, Any]],
) -> None:
    restaurant = make_restaurant()
    customer = make_user()
    mine = contact_values(customer, uuid.uuid4().hex[:10])
    profile = http.patch("/users/me", json={"phone": mine["phone"], "name": mine["name"]}, headers=customer.headers)
    assert profile.status_code == 200, profile.text
    address = {"label": "home", "line1": mine["line1"], "city": "Berlin", "postcode": mine["postcode"],
               "country": "DE", "lat": 52.52, "lon": 13.42}  # fmt: skip
    saved = http.post("/users/me/addresses", json=address, headers=customer.headers)
    assert saved.status_code == 201, saved.text
    place_order(customer, restaurant.restaurant_id, address={**DELIVERY_ADDRESS, "line1": mine["line1"]})
    privacy_relay.run(until_idle=True)

    messages = read_every_topic(stack.kafka)
    for message in messages:
        blob = message_bytes(message).lower()
        for what, value in mine.items():
            assert value.lower().encode() not in blob, f"{what} in plain text on {message.topic()}"
    me = str(customer.user_id).encode()
    ours = [json.loads(m.value()) for m in messages if m.topic() == "cdc.users" and me in m.value()]
    latest = ours[-1]["after"]
    assert latest["phone"].startswith(SEALED_PREFIX)
    assert latest["email"].startswith(SEALED_PREFIX)
    assert latest["email_hmac"] == pseudonym(checked_key(PrivacySettings(), stack), normalised_email(customer.email))
    with psycopg.connect(stack.catalog) as conn:
        row = conn.execute("SELECT wrapped_key FROM user_data_keys WHERE user_id = %s", (customer.user_id,)).fetchone()
    assert row is not None
    key = unwrap(PrivacySettings().master_key_bytes(), bytes(row[0]), str(customer.user_id))
    context = field_context("users", "phone", str(customer.user_id))
    assert open_field(key, latest["phone"], context) == mine["phone"]  # ciphertext only its key opens


def test_no_topic_carries_a_password_reset_token_or_its_digest(
    stack: PlatformSettings, privacy_relay: CdcRelay, http: httpx.Client, make_user: Callable[..., ApiUser]
) -> None:
    """The reset link is mailed straight through the e-mail provider, never as an event: neither a token
    nor its stored digest is published (the table is withheld), nor the new password's hash."""
    customer = make_user()
    assert http.post("/auth/password-reset", json={"email": customer.email}).status_code == 202
    spent = reset_token_in(wait_for_mail(stack, customer.email, "password-reset"))
    confirmed = http.post("/auth/password-reset/confirm", json={"token": spent, "new_password": NEW_PASSWORD})
    assert confirmed.status_code == 204, confirmed.text
    assert http.post("/auth/password-reset", json={"email": customer.email}).status_code == 202
    live = reset_token_in(wait_for_mail(stack, customer.email, "password-reset", count=2))
    with psycopg.connect(stack.catalog) as conn:
        shard = ShardMap.load(conn).shard_for_user(customer.user_id)
    with psycopg.connect(stack.shards[shard]) as conn:
        row = conn.execute("SELECT token_hash FROM password_reset_tokens WHERE user_id = %s", (customer.user_id,))
        (live_digest,) = row.fetchone() or ("",)
        (password_hash,) = conn.execute(
            "SELECT password_hash FROM users WHERE user_id = %s", (customer.user_id,)
        ).fetchone() or ("",)
    assert live_digest == hashlib.sha256(live.encode()).hexdigest()  # the table held a live token meanwhile
    privacy_relay.run(until_idle=True)

    secrets = {
        spent: "a spent reset token",
        live: "a live reset token",
        hashlib.sha256(spent.encode()).hexdigest(): "a spent token's digest",
        live_digest: "a live token's digest",
        password_hash: "the new password's hash",
        NEW_PASSWORD: "the new password",
    }
    messages = read_every_topic(stack.kafka)
    me = str(customer.user_id).encode()
    assert len([m for m in messages if m.topic() == "cdc.users" and me in m.value()]) >= 2  # sign-up and reset seen
    for message in messages:
        blob = message_bytes(message)
        for value, what in secrets.items():
            assert value.encode() not in blob, f"{what} found on {message.topic()} at offset {message.offset()}"
    assert [m.topic() for m in messages if m.topic() == "cdc.password_reset_tokens"] == []
