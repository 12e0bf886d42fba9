"""Envelope encryption: a field opens only with its owner's data key and its own context, and a
destroyed data key leaves nothing readable."""

from __future__ import annotations

import pytest

from pizza.crypto.envelope import (
    DataKey,
    UnreadableField,
    field_context,
    open_field,
    seal_field,
    unwrap,
    wrap,
)

pytestmark = pytest.mark.unit

MASTER = b"m" * 32
EMAIL = "ann@example.com"


def test_a_sealed_field_opens_with_the_unwrapped_data_key_and_shows_no_plaintext() -> None:
    key = DataKey.generate()
    context = field_context("users", "email", "u1")
    sealed = seal_field(key, EMAIL, context)
    assert EMAIL not in sealed
    assert sealed != seal_field(key, EMAIL, context)  # a fresh nonce per seal
    assert open_field(unwrap(MASTER, wrap(MASTER, key, "u1"), "u1"), sealed, context) == EMAIL


def test_a_ciphertext_moved_to_another_user_or_column_does_not_open() -> None:
    key = DataKey.generate()
    sealed = seal_field(key, EMAIL, field_context("users", "email", "u1"))
    for context in (field_context("users", "email", "u2"), field_context("users", "phone", "u1")):
        with pytest.raises(UnreadableField):
            open_field(key, sealed, context)


def test_a_wrapped_key_opens_only_for_its_owner_under_the_master_key() -> None:
    wrapped = wrap(MASTER, DataKey.generate(), "u1")
    with pytest.raises(UnreadableField):
        unwrap(MASTER, wrapped, "u2")
    with pytest.raises(UnreadableField):
        unwrap(b"x" * 32, wrapped, "u1")


def test_without_its_data_key_a_sealed_field_is_unreadable() -> None:
    """Crypto-shredding: once the wrapped key is destroyed, no other key opens the copies."""
    sealed = seal_field(DataKey.generate(), EMAIL, field_context("users", "email", "u1"))
    with pytest.raises(UnreadableField):
        open_field(DataKey.generate(), sealed, field_context("users", "email", "u1"))
