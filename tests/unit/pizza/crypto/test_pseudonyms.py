"""Keyed pseudonyms: stable per key, unrecomputable without it, and the public key refused in production."""

from __future__ import annotations

import hashlib

import pytest
from pydantic import SecretStr

from pizza.config import PlatformSettings
from pizza.crypto.pseudonyms import (
    InsecurePseudonymKey,
    PrivacySettings,
    checked_key,
    normalised_email,
    pseudonym,
)

pytestmark = pytest.mark.unit


def test_a_pseudonym_is_stable_per_key_and_differs_from_an_unsalted_hash() -> None:
    phone = "+4915112345678"
    assert pseudonym(b"a" * 32, phone) == pseudonym(b"a" * 32, phone)
    assert pseudonym(b"a" * 32, phone) != pseudonym(b"b" * 32, phone)
    assert pseudonym(b"a" * 32, phone) != hashlib.sha256(phone.encode()).hexdigest()
    assert pseudonym(b"a" * 32, None) is None


def test_one_address_whatever_its_case_gets_one_pseudonym() -> None:
    assert normalised_email(" Ann@Example.COM ") == "ann@example.com"


@pytest.mark.parametrize("environment", ["local", "ci", "bench"])
def test_the_public_default_key_is_accepted_in_development_mode(environment: str) -> None:
    assert checked_key(PrivacySettings(), PlatformSettings(environment=environment))


@pytest.mark.parametrize("key", [None, "short"])
def test_outside_development_mode_the_default_or_a_short_key_is_refused(key: str | None) -> None:
    settings = PrivacySettings() if key is None else PrivacySettings(pseudonym_key=SecretStr(key))
    with pytest.raises(InsecurePseudonymKey, match="PIZZA_PRIVACY_PSEUDONYM_KEY"):
        checked_key(settings, PlatformSettings(environment="production"))


def test_outside_development_mode_a_key_of_your_own_is_used() -> None:
    key = "x" * 40
    assert (
        checked_key(PrivacySettings(pseudonym_key=SecretStr(key)), PlatformSettings(environment="prod")) == key.encode()
    )
