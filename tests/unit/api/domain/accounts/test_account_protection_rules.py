"""The pure rules behind account protection: the reset token's shape, the sign-up budget's default by
mode, and the trusted-proxy list's validation."""

from __future__ import annotations

import re
import uuid

import msgspec
import pytest
from pydantic import ValidationError

from api.domain.accounts.password_reset import new_reset_token, reset_token_owner
from api.domain.accounts.schemas import PasswordResetConfirm
from api.lib.client_address import proxy_headers_middleware
from api.lib.errors import UnprocessableError
from api.settings import SIGNUPS_PER_HOUR_IP, SIGNUPS_PER_HOUR_IP_DEV, ApiSettings

pytestmark = pytest.mark.unit


def test_a_reset_token_has_the_shape_the_schema_documents_and_names_its_owner() -> None:
    user_id = uuid.uuid4()
    token = new_reset_token(user_id)
    body = msgspec.json.encode({"token": token, "new_password": "correct-horse-battery"})
    assert msgspec.json.decode(body, type=PasswordResetConfirm).token == token
    assert re.fullmatch(r"[0-9a-f]{32}\.[A-Za-z0-9_-]{43}", token)
    assert reset_token_owner(token) == user_id
    assert new_reset_token(user_id) != token  # 256 random bits each time


@pytest.mark.parametrize("token", ["", "no-dot", f"{uuid.uuid4().hex}.short", f"zz{'0' * 30}.{'A' * 43}"])
def test_a_token_not_in_the_links_shape_names_nobody(token: str) -> None:
    with pytest.raises(UnprocessableError):
        reset_token_owner(token)


def test_the_sign_up_budget_is_tight_in_production_and_sized_for_the_demo_in_development_mode() -> None:
    assert ApiSettings().signup_budget(dev_mode=False) == SIGNUPS_PER_HOUR_IP
    assert ApiSettings().signup_budget(dev_mode=True) == SIGNUPS_PER_HOUR_IP_DEV
    assert ApiSettings(signups_per_hour_ip=7).signup_budget(dev_mode=True) == 7


def test_trusted_proxies_are_ip_networks_and_none_means_no_middleware() -> None:
    settings = ApiSettings(trusted_proxies=["10.0.0.0/8", "192.0.2.7", "2001:db8::/32"])
    assert [str(n) for n in settings.trusted_proxies] == ["10.0.0.0/8", "192.0.2.7/32", "2001:db8::/32"]
    assert len(proxy_headers_middleware(settings.trusted_proxies)) == 1
    assert proxy_headers_middleware(ApiSettings().trusted_proxies) == []
    for wrong in ("proxy.internal", "10.0.0.1/8"):  # a name, host bits set: refused at start, not ignored
        with pytest.raises(ValidationError):
            ApiSettings(trusted_proxies=[wrong])
