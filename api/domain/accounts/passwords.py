"""Argon2id password hashing (argon2-cffi; cost from settings, RFC 9106 low-memory profile by default).

Hashing is deliberately slow and memory-hard, so it runs in a worker thread and never blocks the event
loop. Unknown emails are checked against a dummy hash so a login's timing does not reveal who has an
account. Hashes carry their own parameters: raising the cost upgrades each user at their next login.
"""

from __future__ import annotations

import asyncio
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError


class Passwords:
    def __init__(self, time_cost: int, memory_kib: int, parallelism: int) -> None:
        self.hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_kib, parallelism=parallelism)
        self.dummy_hash = self.hasher.hash("a password nobody has")

    async def hash(self, password: str) -> str:
        return await asyncio.to_thread(self.hasher.hash, password)

    def _verify(self, password_hash: str, password: str) -> bool:
        try:
            return self.hasher.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False

    async def verify(self, password_hash: str | None, password: str) -> bool:
        """True if ``password`` matches; a missing hash spends the same time and answers False."""
        if password_hash is None:
            await asyncio.to_thread(self._verify, self.dummy_hash, password)
            return False
        return await asyncio.to_thread(self._verify, password_hash, password)

    def needs_rehash(self, password_hash: str) -> bool:
        """True when the stored hash used other parameters than the current ones."""
        return self.hasher.check_needs_rehash(password_hash)


@lru_cache
def hasher_for(time_cost: int, memory_kib: int, parallelism: int) -> Passwords:
    """One hasher per cost profile and process (building one hashes the dummy password)."""
    return Passwords(time_cost, memory_kib, parallelism)
