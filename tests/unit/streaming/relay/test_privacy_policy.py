"""The relay applies the declared column policy: secrets leave no image of a change, withheld tables
are never published, whatever the settings say."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from pizza.contracts.privacy import SECRET_COLUMNS, WITHHELD_TABLES
from streaming.relay.routing import ChangeRouter
from streaming.relay.wal2json import RowEvent, Transaction
from streaming.serialization import decode_row_change

pytestmark = pytest.mark.unit

USER = {"user_id": "u1", "email": "a@example.com", "password_hash": "$argon2id$secret", "role": "customer"}


def router(excluded: list[str] | None = None) -> ChangeRouter:
    return ChangeRouter(
        shard="shard_0", database="pizza_shard_0", resolve_table=lambda _s, t: t, excluded_tables=excluded or []
    )


def txn(*changes: RowEvent) -> Transaction:
    commit = datetime(2026, 12, 1, tzinfo=UTC)
    return Transaction(xid=1, begin_lsn=1, changes=list(changes), commit_lsn=9, end_lsn=10, commit_time=commit)


@pytest.mark.parametrize("action", ["I", "U", "D"])
def test_secret_columns_leave_no_image(action: str) -> None:
    change = RowEvent(
        action,
        "public",
        "users",
        5,
        dict(USER) if action != "D" else None,
        dict(USER) if action != "I" else None,  # a FULL replica identity carries every column
        ("user_id",),
    )
    [message] = router().route(txn(change))
    row = decode_row_change(message.value)
    assert b"password_hash" not in message.value
    assert b"argon2" not in message.value
    for image in (row.after, row.before):
        if image is not None:
            assert image["user_id"] == "u1"
            assert "password_hash" not in image
    assert row.pk == {"user_id": "u1"}


@pytest.mark.parametrize("table", sorted(WITHHELD_TABLES))
def test_withheld_tables_are_never_published_even_when_no_setting_excludes_them(table: str) -> None:
    change = RowEvent("I", "public", table, 5, {"token_hash": "abc", "email": "a@example.com"}, None, ("token_hash",))
    assert router(excluded=[]).is_excluded(table)
    assert router(excluded=[]).route(txn(change)) == []


def test_a_secret_that_is_a_primary_key_belongs_to_a_withheld_table() -> None:
    """The relay cannot drop a key and keep the row: such a table must be withheld as a whole."""
    assert "token_hash" in SECRET_COLUMNS["refresh_tokens"]
    assert "refresh_tokens" in WITHHELD_TABLES
