"""Keyed pseudonyms: HMAC-SHA256 of a contact value under a secret key from the environment.

The curated layer, the warehouse and the marts need a join key for a person (one customer across
tables, the same e-mail across sign-ups) but never the value. An unsalted hash is not enough: the space
of phone numbers is small enough to hash completely. An HMAC under ``PIZZA_PRIVACY_PSEUDONYM_KEY``
cannot be reversed or recomputed without the key, which lives only in the pipelines' environment.
Rotating the key changes every pseudonym (the curated tables are then rebuilt by a backfill).
"""

from __future__ import annotations

import base64
import binascii
from functools import lru_cache

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.hmac import HMAC
from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from pizza.config import PlatformSettings
from pizza.secrets import WeakSecret, check_secret

DEFAULT_PSEUDONYM_KEY = "dev-only-pseudonym-key-public-in-the-repository"
DEFAULT_MASTER_KEY = "ZGV2LW9ubHktbWFzdGVyLWtleS1pbi10aGUtcmVwbyE="  # base64 of a public 32-byte string
MASTER_KEY_BYTES = 32
MIN_KEY_LENGTH = 32
# Environments where the public default key is accepted: a development machine, CI, a bench stack.
DEVELOPMENT_ENVIRONMENTS = frozenset({"local", "ci", "bench"})


class InsecurePseudonymKey(RuntimeError):
    """Pseudonyms were asked for outside development mode with the public default or a short key."""


class InvalidMasterKey(ValueError):
    """``PIZZA_PRIVACY_MASTER_KEY`` is not the base64 text of exactly 32 bytes."""


class PrivacySettings(BaseSettings):
    """Keys protecting personal data downstream of Postgres (``PIZZA_PRIVACY_*``)."""

    model_config = SettingsConfigDict(env_prefix="PIZZA_PRIVACY_", env_file=".env", extra="ignore")

    pseudonym_key: SecretStr = Field(
        SecretStr(DEFAULT_PSEUDONYM_KEY),
        description="HMAC key of the curated pseudonyms (email_hmac, phone_hmac): 32+ random characters; "
        "the public default is accepted in development mode only",
    )
    master_key: SecretStr = Field(
        SecretStr(DEFAULT_MASTER_KEY),
        description="base64 of 32 random bytes wrapping every user's data key (envelope encryption of contact "
        "fields); the public default is accepted in development mode only",
    )

    def weak_secrets(self) -> list[WeakSecret]:
        """What a component that seals, unwraps or pseudonymises (the CDC relay) must not start with."""
        checks = [
            check_secret(self, "master_key", min_length=44),  # base64 of 32 bytes
            check_secret(self, "pseudonym_key", min_length=MIN_KEY_LENGTH),
        ]
        return [weak for weak in checks if weak is not None]

    def master_key_bytes(self) -> bytes:
        """The AES-256 master key; anything but base64 of exactly 32 bytes is refused."""
        try:
            key = base64.b64decode(self.master_key.get_secret_value(), validate=True)
        except (binascii.Error, ValueError):
            raise InvalidMasterKey("PIZZA_PRIVACY_MASTER_KEY is not base64") from None
        if len(key) != MASTER_KEY_BYTES:
            raise InvalidMasterKey(f"PIZZA_PRIVACY_MASTER_KEY must decode to {MASTER_KEY_BYTES} bytes, not {len(key)}")
        return key


def checked_key(settings: PrivacySettings, platform: PlatformSettings) -> bytes:
    """The pseudonym key; outside development mode, the public default or a short key is refused."""
    key = settings.pseudonym_key.get_secret_value()
    if platform.environment not in DEVELOPMENT_ENVIRONMENTS:
        if key == DEFAULT_PSEUDONYM_KEY:
            raise InsecurePseudonymKey(
                f"PIZZA_PRIVACY_PSEUDONYM_KEY is the public default; set a secret of your own "
                f"(environment {platform.environment!r} is not development mode)"
            )
        if len(key) < MIN_KEY_LENGTH:
            raise InsecurePseudonymKey(f"PIZZA_PRIVACY_PSEUDONYM_KEY is shorter than {MIN_KEY_LENGTH} characters")
    return key.encode()


@lru_cache
def pseudonym_key() -> bytes:
    """The key of this process, from the environment."""
    return checked_key(PrivacySettings(), PlatformSettings())


def pseudonym(key: bytes, value: str | None) -> str | None:
    """Hex HMAC-SHA256 of ``value`` under ``key`` (None stays None)."""
    if value is None:
        return None
    mac = HMAC(key, hashes.SHA256())
    mac.update(value.encode())
    return mac.finalize().hex()


def normalised_email(email: str) -> str:
    """The form an e-mail is compared in: trimmed, lower-cased (the same address gets one pseudonym)."""
    return email.strip().lower()
