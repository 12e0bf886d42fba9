"""What the erasure endpoints speak."""

from __future__ import annotations

from typing import Annotated

from msgspec import Meta, Struct


class ErasureConfirmation(Struct, forbid_unknown_fields=True):
    """Erasing one's own account cannot be undone, so it asks for the password again: an access token
    alone (copied, or left on an unlocked device) is not enough to destroy the account."""

    current_password: Annotated[str, Meta(min_length=1, max_length=128)]
