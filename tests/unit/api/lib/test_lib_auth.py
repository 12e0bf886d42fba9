from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from litestar.security.jwt import Token

from api.lib.auth import (
    PUBLIC_PATTERNS,
    CurrentUser,
    current_user_from_token,
    encode_access_token,
    require_roles,
)
from api.lib.errors import ForbiddenError

pytestmark = pytest.mark.unit
SECRET = "unit-test-secret-unit-test-secret-0123456789"


def decode(token: str) -> Token:
    return Token.decode(token, SECRET, "HS256")


def test_an_access_token_carries_everything_a_request_needs() -> None:
    user_id, restaurant_id, family_id = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    issued = encode_access_token(
        user_id=user_id,
        role="restaurant_staff",
        restaurant_id=restaurant_id,
        family_id=family_id,
        version=3,
        secret=SECRET,
        algorithm="HS256",
        minutes=15,
    )
    token = decode(issued.token)
    assert token.jti == issued.jti
    assert token.extras == {
        "typ": "access",
        "role": "restaurant_staff",
        "fam": str(family_id),
        "ver": 3,
        "restaurant_id": str(restaurant_id),
    }
    assert timedelta(minutes=14) < issued.expires_at - datetime.now(UTC) <= timedelta(minutes=15)
    user = asyncio.run(current_user_from_token(token, None))  # type: ignore[arg-type]
    assert user == CurrentUser(user_id, "restaurant_staff", restaurant_id, issued.jti)


@pytest.mark.parametrize("extras", [{"typ": "refresh", "role": "customer"}, {"typ": "access", "role": "root"}, {}])
def test_tokens_of_another_type_or_an_unknown_role_name_no_user(extras: dict[str, Any]) -> None:
    token = Token(exp=datetime.now(UTC) + timedelta(minutes=1), sub=str(uuid.uuid4()), extras=extras)
    assert asyncio.run(current_user_from_token(token, None)) is None  # type: ignore[arg-type]


def test_role_guard_lets_admins_and_named_roles_pass_only() -> None:
    guard = require_roles("rider")
    for role in ("rider", "admin"):
        guard(SimpleNamespace(user=CurrentUser(uuid.uuid4(), role)), None)
    for role in ("customer", "restaurant_staff"):
        with pytest.raises(ForbiddenError):
            guard(SimpleNamespace(user=CurrentUser(uuid.uuid4(), role)), None)
    with pytest.raises(ForbiddenError):
        guard(SimpleNamespace(user=None), None)


def test_public_patterns_open_exact_paths_and_the_schema_tree_only() -> None:
    import re

    pattern = re.compile("|".join(PUBLIC_PATTERNS))
    for path in ("/schema", "/schema/swagger", "/schema/openapi.json", "/health", "/auth/token", "/auth/signup"):
        assert pattern.search(path), path
    for path in ("/restaurants", "/auth/logout", "/users/me", "/healthz", "/auth/token/x", "/schemas"):
        assert not pattern.search(path), path
