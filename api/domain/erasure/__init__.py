"""Erasure of a user's personal data (GDPR Art. 17): crypto-shredding their data key, overwriting the rest.

Mounted by the accounts domain (``DELETE /users/me``, ``DELETE /users/{user_id}``), which owns the
``/users`` paths; this package holds the rules and the SQL.
"""

from api.domain.erasure.schemas import ErasureConfirmation
from api.domain.erasure.services import ErasureService

__all__ = ["ErasureConfirmation", "ErasureService"]
