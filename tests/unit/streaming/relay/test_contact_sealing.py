"""The relay seals contact fields under their owner's data key, adds the keyed pseudonyms, and publishes
an erased (or unknown) owner's contact fields as null: never a plaintext contact value in a message."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from pizza.contracts.privacy import CONTACT_COLUMNS, CONTACT_OWNERS, WITHHELD_TABLES
from pizza.crypto.envelope import DataKey, field_context, open_field
from pizza.crypto.pseudonyms import pseudonym
from streaming.relay.routing import ChangeRouter
from streaming.relay.wal2json import RowEvent, Transaction
from streaming.serialization import decode_row_change

pytestmark = pytest.mark.unit

OWNER = "018f0000-0000-7000-8000-0000000000aa"
HMAC_KEY = b"h" * 32
USER = {"user_id": OWNER, "email": " Ann@Example.com", "phone": "+4915112345678", "name": "Ann Lee", "role": "c"}
ORDER = {"order_id": "o1", "created_at": "2026-12-01", "user_id": OWNER, "delivery_address": {"line1": "Main 1"}}


def router() -> ChangeRouter:
    return ChangeRouter(
        shard="shard_0", database="db", resolve_table=lambda _s, t: t, excluded_tables=[], pseudonym_key=HMAC_KEY
    )


def txn(*changes: RowEvent) -> Transaction:
    commit = datetime(2026, 12, 1, tzinfo=UTC)
    return Transaction(xid=1, begin_lsn=1, changes=list(changes), commit_lsn=9, end_lsn=10, commit_time=commit)


def insert(table: str, row: dict[str, object], pk: tuple[str, ...]) -> RowEvent:
    return RowEvent("I", "public", table, 5, dict(row), None, pk)


def test_contact_fields_are_sealed_to_their_owner_row_and_column_and_pseudonyms_added() -> None:
    key = DataKey.generate()
    change = insert("users", USER, ("user_id",))
    assert router().key_owners([txn(change)]) == {OWNER}
    [message] = router().route(txn(change), {OWNER: key})
    for plain in ("Ann@Example.com", "ann@example.com", "+4915112345678", "Ann Lee"):
        assert plain.encode() not in message.value
    after = decode_row_change(message.value).after or {}
    for column in ("email", "phone", "name"):
        assert open_field(key, after[column], field_context("users", column, OWNER)) == USER[column]
    assert after["email_hmac"] == pseudonym(HMAC_KEY, "ann@example.com")  # trimmed, lower-cased first
    assert after["phone_hmac"] == pseudonym(HMAC_KEY, "+4915112345678")
    assert (after["user_id"], after["role"]) == (OWNER, "c")  # the rest is untouched


def test_a_json_contact_column_is_sealed_as_its_json_text() -> None:
    key = DataKey.generate()
    [message] = router().route(txn(insert("orders", ORDER, ("order_id", "created_at"))), {OWNER: key})
    sealed = (decode_row_change(message.value).after or {})["delivery_address"]
    assert b"Main 1" not in message.value
    assert json.loads(open_field(key, sealed, field_context("orders", "delivery_address", OWNER))) == {
        "line1": "Main 1"
    }


@pytest.mark.parametrize("keys", [{OWNER: None}, {}], ids=["erased", "no key looked up"])
def test_without_a_key_contact_fields_and_their_pseudonyms_are_null(keys: dict[str, DataKey | None]) -> None:
    before = {"user_id": OWNER, "email": "ann@example.com"}  # a FULL replica identity would carry it
    change = RowEvent("U", "public", "users", 5, dict(USER), before, ("user_id",))
    [message] = router().route(txn(change), keys)
    row = decode_row_change(message.value)
    assert b"example.com" not in message.value.lower()
    assert row.after is not None
    assert row.before is not None
    assert {c: row.after[c] for c in ("email", "phone", "name", "email_hmac", "phone_hmac")} == dict.fromkeys(
        ("email", "phone", "name", "email_hmac", "phone_hmac")
    )
    assert row.before["email"] is None
    assert row.after["user_id"] == OWNER


def test_an_owner_that_is_not_a_user_id_gets_no_key_and_null_contact_fields() -> None:
    change = insert("users", {**USER, "user_id": "not-a-uuid"}, ("user_id",))
    assert router().key_owners([txn(change)]) == set()
    [message] = router().route(txn(change), {"not-a-uuid": DataKey.generate()})
    assert (decode_row_change(message.value).after or {})["email"] is None


def test_every_published_contact_table_names_its_owner_and_keeps_contact_data_out_of_its_key() -> None:
    published = {table for table in CONTACT_COLUMNS if table not in WITHHELD_TABLES}
    assert published == set(CONTACT_OWNERS)
    assert "user_data_keys" in WITHHELD_TABLES  # wrapped keys never reach Kafka
