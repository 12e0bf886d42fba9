"""Contact fields leave Postgres sealed: the relay's half of the envelope encryption (pure, no I/O).

Every value of a contact column (``pizza.contracts.privacy.CONTACT_COLUMNS``) in every image of a change
is replaced by its ciphertext under the owner's data key, bound to (table, column, owner). Before
sealing, the keyed pseudonyms analytics joins on (``PSEUDONYM_COLUMNS``: ``email_hmac``, ``phone_hmac``)
are added from the plaintext, so nothing downstream needs the plaintext or the pseudonym key. When the
owner is erased (no key), unknown (no owner column in the change) or not a user id, the contact values
and their pseudonyms are published as null: never in plain text.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from pizza.contracts.privacy import CONTACT_OWNERS, PSEUDONYM_COLUMNS, contact_columns
from pizza.crypto.datakeys import Keys
from pizza.crypto.envelope import DataKey, field_context, seal_field
from pizza.crypto.pseudonyms import normalised_email, pseudonym
from streaming.relay.wal2json import RowEvent
from streaming.serialization import canonical_json

Image = dict[str, Any]


def owner_of(table: str, change: RowEvent) -> str | None:
    """The user whose key seals this change's contact values (a canonical UUID text), if any."""
    column = CONTACT_OWNERS.get(table)
    if column is None:
        return None
    for image in (change.columns, change.identity):
        value = (image or {}).get(column)
        if value is not None:
            try:
                return str(uuid.UUID(str(value)))
            except ValueError:
                return None
    return None


def owners_of(changes: Iterable[tuple[str, RowEvent]]) -> set[str]:
    """Every owner of contact values among (published table, change): the keys one batch needs."""
    found = {owner_of(table, change) for table, change in changes if contact_columns(table)}
    return {owner for owner in found if owner is not None}


def _text(value: Any) -> str:
    return value if isinstance(value, str) else canonical_json(value)


def _pseudonym(hmac_key: bytes, column: str, value: Any) -> str | None:
    if value is None:
        return None
    text = _text(value)
    return pseudonym(hmac_key, normalised_email(text) if column == "email" else text)


def seal_image(
    table: str,
    image: Image | None,
    owner: str | None,
    key: DataKey | None,
    hmac_key: bytes | None,
    *,
    with_pseudonyms: bool = True,
) -> Image | None:
    """``image`` with its contact values sealed (null without a key) and, if asked, their pseudonyms added."""
    sealed_columns = contact_columns(table)
    if image is None or not sealed_columns:
        return image
    out = dict(image)
    if with_pseudonyms:
        for column, target in PSEUDONYM_COLUMNS.get(table, {}).items():
            if column in image:
                erased = key is None or owner is None or hmac_key is None
                out[target] = None if erased or hmac_key is None else _pseudonym(hmac_key, column, image[column])
    for column in sealed_columns & image.keys():
        value = image[column]
        if value is None:
            continue
        if key is None or owner is None:
            out[column] = None
        else:
            out[column] = seal_field(key, _text(value), field_context(table, column, owner))
    return out


def seal_change(
    table: str, change: RowEvent, images: tuple[Image | None, Image | None, Image], keys: Keys, hmac_key: bytes | None
) -> tuple[Image | None, Image | None, Image]:
    """(before, after, pk) of ``change`` with the table's contact values sealed."""
    before, after, pk = images
    if not contact_columns(table):
        return before, after, pk
    owner = owner_of(table, change)
    key = keys.get(owner) if owner is not None else None
    return (
        seal_image(table, before, owner, key, hmac_key),
        seal_image(table, after, owner, key, hmac_key),
        seal_image(table, pk, owner, key, hmac_key, with_pseudonyms=False) or {},
    )
