"""Envelope encryption of contact fields: one data key per user, wrapped by a master key.

A contact value (e-mail, phone, address) is sealed with AES-256-GCM under its owner's data key; the
data key is stored only wrapped (AES-256-GCM under the master key from the environment). Destroying a
user's wrapped key makes every copy of their ciphertext unreadable at once, wherever it was copied
(Kafka, the lake, archives, backups): crypto-shredding. Each seal binds its context (table, column,
user) as associated data, so a ciphertext moved to another row or column fails to open.

The pieces are here, independent of storage; where the wrapped keys live and who calls this is the
caller's business.
"""

from __future__ import annotations

import base64
import os
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

KEY_BYTES = 32  # AES-256
NONCE_BYTES = 12  # the GCM standard nonce; random per seal
SEALED_PREFIX = "enc:v1:"


class UnreadableField(ValueError):
    """A sealed value that cannot be opened: wrong key, wrong context, tampered, or its key destroyed."""


@dataclass(frozen=True, slots=True)
class DataKey:
    """A user's plaintext data key, held in memory only while a request needs it."""

    material: bytes

    @classmethod
    def generate(cls) -> DataKey:
        return cls(AESGCM.generate_key(bit_length=KEY_BYTES * 8))


def _seal(key: bytes, plaintext: bytes, context: bytes) -> bytes:
    nonce = os.urandom(NONCE_BYTES)
    return nonce + AESGCM(key).encrypt(nonce, plaintext, context)


def _open(key: bytes, sealed: bytes, context: bytes) -> bytes:
    try:
        return AESGCM(key).decrypt(sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], context)
    except (InvalidTag, ValueError) as exc:
        raise UnreadableField("the value cannot be opened with this key and context") from exc


def wrap(master_key: bytes, data_key: DataKey, owner: str) -> bytes:
    """The data key sealed under the master key, bound to its owner (what the catalog stores)."""
    return _seal(master_key, data_key.material, b"data-key:" + owner.encode())


def unwrap(master_key: bytes, wrapped: bytes, owner: str) -> DataKey:
    return DataKey(_open(master_key, wrapped, b"data-key:" + owner.encode()))


def field_context(table: str, column: str, owner: str) -> bytes:
    return f"{table}.{column}:{owner}".encode()


def seal_field(data_key: DataKey, value: str, context: bytes) -> str:
    """``value`` as text safe for any column or message: ``enc:v1:`` + base64(nonce + ciphertext + tag)."""
    return SEALED_PREFIX + base64.b64encode(_seal(data_key.material, value.encode(), context)).decode()


def open_field(data_key: DataKey, sealed: str, context: bytes) -> str:
    if not sealed.startswith(SEALED_PREFIX):
        raise UnreadableField("not a sealed value")
    return _open(data_key.material, base64.b64decode(sealed[len(SEALED_PREFIX) :]), context).decode()
