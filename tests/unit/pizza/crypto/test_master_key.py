"""The master key wrapping every data key: the public default only in development mode, and only the
base64 of exactly 32 bytes; the relay refuses to start otherwise."""

from __future__ import annotations

import base64

import pytest
from pydantic import SecretStr

from pizza.config import PlatformSettings
from pizza.crypto.pseudonyms import InvalidMasterKey, PrivacySettings
from pizza.secrets import InsecureSettings
from streaming.relay.app import build_relay
from streaming.settings import CdcSettings

pytestmark = pytest.mark.unit

STRONG = PrivacySettings(master_key=SecretStr(base64.b64encode(b"m" * 32).decode()), pseudonym_key=SecretStr("p" * 40))


def test_the_relay_refuses_the_public_default_master_key_outside_development_mode() -> None:
    with pytest.raises(InsecureSettings, match="PIZZA_PRIVACY_MASTER_KEY"):
        build_relay(PlatformSettings(environment="production"), CdcSettings(), privacy=PrivacySettings())


def test_set_keys_pass_the_check() -> None:
    assert STRONG.weak_secrets() == []
    assert STRONG.master_key_bytes() == b"m" * 32


@pytest.mark.parametrize("text", ["not base64!", base64.b64encode(b"short").decode()])
def test_a_master_key_that_is_not_32_bytes_of_base64_is_refused(text: str) -> None:
    with pytest.raises(InvalidMasterKey):
        PrivacySettings(master_key=SecretStr(text)).master_key_bytes()


def test_the_public_default_decodes_so_development_mode_works_with_no_set_up() -> None:
    assert len(PrivacySettings().master_key_bytes()) == 32
