"""Which columns may leave Postgres: the one declared column policy of the data platform.

Everything downstream of the relay (Kafka, the raw lake, archives, the warehouse, dbt) keeps data for a
long time and is read by many people, so data minimisation happens at the source:

* **Secrets** (password hashes, token hashes) never leave Postgres. ``SECRET_COLUMNS`` are removed from
  every image of a row change (``after``, ``before``, ``pk``) by the relay before publishing.
* **Withheld tables** are never published at all, whatever ``PIZZA_CDC_EXCLUDED_TABLES`` says: their
  primary key itself is a secret or contact data, and nothing downstream needs them.
* **Contact data** (``CONTACT_COLUMNS``) identifies a person. The relay seals every such value with its
  owner's data key (``pizza.crypto.envelope``; the owner is the row's ``CONTACT_OWNERS`` column) and
  adds the keyed pseudonyms analytics joins on (``PSEUDONYM_COLUMNS``), computed before sealing. An
  erased owner's values, and their pseudonyms, are published as null.

The relay applies this policy in ``streaming.relay.routing``; tests read every topic to prove it.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

SECRET_COLUMNS: Mapping[str, frozenset[str]] = MappingProxyType(
    {
        "users": frozenset({"password_hash"}),
        "refresh_tokens": frozenset({"token_hash"}),
        "password_reset_tokens": frozenset({"token_hash"}),
    }
)
"""table -> columns dropped by the relay from every image of every change."""

WITHHELD_TABLES: Mapping[str, str] = MappingProxyType(
    {
        "refresh_tokens": "its primary key is the token hash; sessions have no analytic use",
        "password_reset_tokens": "each row is a live one-time reset secret; resets have no analytic use",
        "user_directory": "its primary key is the plaintext e-mail; it only serves logins",
        "user_data_keys": "wrapped data keys: a copy in Kafka would outlive their destruction (crypto-shredding)",
        "payment_actions": "a PaymentIntent's client_secret completes its payment; waiting on 3-D Secure is no fact",
    }
)
"""table -> why it is never published as row changes (the relay cannot drop a key and keep the row)."""

CONTACT_COLUMNS: Mapping[str, frozenset[str]] = MappingProxyType(
    {
        "users": frozenset({"email", "phone", "name"}),
        "user_directory": frozenset({"email"}),
        "user_addresses": frozenset({"line1", "postcode"}),
        "orders": frozenset({"delivery_address"}),
        "reviews": frozenset({"author_name"}),
    }
)
"""table -> columns that identify a person: sealed by the relay, never curated in clear, erased."""

CONTACT_OWNERS: Mapping[str, str] = MappingProxyType(
    {"users": "user_id", "user_addresses": "user_id", "orders": "user_id", "reviews": "user_id"}
)
"""table -> the column naming whose data key seals its contact columns (every published contact table)."""

PSEUDONYM_COLUMNS: Mapping[str, Mapping[str, str]] = MappingProxyType(
    {"users": MappingProxyType({"email": "email_hmac", "phone": "phone_hmac"})}
)
"""table -> contact column -> the keyed-HMAC column the relay adds beside it (``pizza.crypto.pseudonyms``)."""


def is_withheld(table: str) -> bool:
    return table in WITHHELD_TABLES


def secret_columns(table: str) -> frozenset[str]:
    return SECRET_COLUMNS.get(table, frozenset())


def contact_columns(table: str) -> frozenset[str]:
    return CONTACT_COLUMNS.get(table, frozenset())


def without_secrets(table: str, image: dict[str, Any] | None) -> dict[str, Any] | None:
    """``image`` without the table's secret columns (the same object when it holds none)."""
    secrets = secret_columns(table)
    if image is None or not secrets or secrets.isdisjoint(image):
        return image
    return {column: value for column, value in image.items() if column not in secrets}
