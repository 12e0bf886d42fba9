"""Which columns may leave Postgres: the one declared column policy of the data platform.

Everything downstream of the relay (Kafka, the raw lake, archives, the warehouse, dbt) keeps data for a
long time and is read by many people, so data minimisation happens at the source:

* **Secrets** (password hashes, token hashes) never leave Postgres. ``SECRET_COLUMNS`` are removed from
  every image of a row change (``after``, ``before``, ``pk``) by the relay before publishing.
* **Withheld tables** are never published at all, whatever ``PIZZA_CDC_EXCLUDED_TABLES`` says: their
  primary key itself is a secret or contact data, and nothing downstream needs them.
* **Contact data** (``CONTACT_COLUMNS``) identifies a person. It is what an erasure must reach; the
  curated layer replaces it by keyed pseudonyms (``pizza.contracts.curated``).

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
    }
)
"""table -> columns dropped by the relay from every image of every change."""

WITHHELD_TABLES: Mapping[str, str] = MappingProxyType(
    {
        "refresh_tokens": "its primary key is the token hash; sessions have no analytic use",
        "user_directory": "its primary key is the plaintext e-mail; it only serves logins",
    }
)
"""table -> why it is never published as row changes (the relay cannot drop a key and keep the row)."""

CONTACT_COLUMNS: Mapping[str, frozenset[str]] = MappingProxyType(
    {
        "users": frozenset({"email", "phone"}),
        "user_directory": frozenset({"email"}),
        "user_addresses": frozenset({"line1", "postcode"}),
        "orders": frozenset({"delivery_address"}),
    }
)
"""table -> columns that identify a person: pseudonymised in the curated layer, subject to erasure."""


def is_withheld(table: str) -> bool:
    return table in WITHHELD_TABLES


def secret_columns(table: str) -> frozenset[str]:
    return SECRET_COLUMNS.get(table, frozenset())


def without_secrets(table: str, image: dict[str, Any] | None) -> dict[str, Any] | None:
    """``image`` without the table's secret columns (the same object when it holds none)."""
    secrets = secret_columns(table)
    if image is None or not secrets or secrets.isdisjoint(image):
        return image
    return {column: value for column, value in image.items() if column not in secrets}
