from __future__ import annotations

import asyncio
import uuid

import pytest

from api.domain.accounts.passwords import Passwords
from api.domain.accounts.services import new_refresh_token, normalise_email, refresh_token_owner, token_digest
from api.lib.errors import UnauthorizedError

pytestmark = pytest.mark.unit


def test_a_refresh_token_names_its_owner_for_shard_routing_and_is_random() -> None:
    user_id = uuid.uuid4()
    first, second = new_refresh_token(user_id), new_refresh_token(user_id)
    assert first != second
    assert refresh_token_owner(first) == user_id
    assert first.startswith(user_id.hex + ".")
    assert len(first.split(".", 1)[1]) >= 43  # 256 random bits


@pytest.mark.parametrize("token", ["", "abc", "not-hex.xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", uuid.uuid4().hex + ".short"])
def test_malformed_refresh_tokens_are_401(token: str) -> None:
    with pytest.raises(UnauthorizedError):
        refresh_token_owner(token)


def test_only_digests_of_tokens_are_stored() -> None:
    token = new_refresh_token(uuid.uuid4())
    assert token_digest(token) == token_digest(token)
    assert token not in token_digest(token)
    assert len(token_digest(token)) == 64


def test_emails_are_compared_case_and_space_insensitively() -> None:
    assert normalise_email("  Ada.Lovelace@Example.COM ") == "ada.lovelace@example.com"


def test_argon2id_hashes_verify_and_report_weaker_parameters() -> None:
    cheap, strong = Passwords(1, 8192, 1), Passwords(2, 16384, 1)
    stored = asyncio.run(cheap.hash("pizza-lover-42"))
    assert stored.startswith("$argon2id$")
    assert asyncio.run(cheap.verify(stored, "pizza-lover-42"))
    assert not asyncio.run(cheap.verify(stored, "pizza-lover-43"))
    assert not asyncio.run(cheap.verify("not a hash", "pizza-lover-42"))
    assert not asyncio.run(cheap.verify(None, "pizza-lover-42"))
    assert strong.needs_rehash(stored)
    assert not cheap.needs_rehash(stored)
