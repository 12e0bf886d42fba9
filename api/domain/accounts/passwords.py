"""Argon2id password hashing (argon2-cffi; cost from settings, RFC 9106 low-memory profile by default).

Hashing is deliberately slow and memory-hard, so it runs in worker threads and never blocks the event
loop. Unknown emails are checked against a dummy hash so a login's timing does not reveal who has an
account. Hashes carry their own parameters: raising the cost upgrades each user at their next login.

Anyone can make the API hash (sign-up, login, a reset's new password), and each hash holds
``memory_kib`` (64 MiB by default) for its duration, so an anonymous flood could exhaust the server's
memory or queue hashes for minutes. Hashes therefore run on a pool of their own of ``slots`` threads
(memory is bounded by ``slots x memory_kib`` per process, and other thread work is not starved), and at
most ``queue`` more wait for a slot: past that a request is refused at once with 503 and
``Retry-After`` (``HashingBusy``), so no caller waits longer than about ``queue / slots`` hash times.
The bound is per process, whichever event loop asks.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
from typing import TypeVar

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from prometheus_client import Counter

from api.lib.errors import ServiceUnavailableError

T = TypeVar("T")
BUSY_RETRY_AFTER_S = 1
REFUSED = Counter("pizza_api_password_hashing_refused", "Password hashes refused: every slot and queue place taken")


class HashingBusy(ServiceUnavailableError):
    """Every hashing slot and queue place is taken: come back in a second rather than wait in line."""

    def __init__(self) -> None:
        super().__init__(
            f"password hashing is at capacity; retry in {BUSY_RETRY_AFTER_S} s",
            headers={"Retry-After": str(BUSY_RETRY_AFTER_S)},
        )


class Passwords:
    def __init__(self, time_cost: int, memory_kib: int, parallelism: int, slots: int = 4, queue: int = 16) -> None:
        self.hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_kib, parallelism=parallelism)
        self.dummy_hash = self.hasher.hash("a password nobody has")
        self._pool = ThreadPoolExecutor(max_workers=slots, thread_name_prefix="argon2")
        self._admitted = 0
        self._admit_limit = slots + queue
        self._lock = threading.Lock()

    async def _run(self, work: Callable[..., T], *args: str) -> T:
        """Run ``work`` on the hashing pool, or raise ``HashingBusy`` when slots and queue are all taken."""
        with self._lock:
            if self._admitted >= self._admit_limit:
                REFUSED.inc()
                raise HashingBusy
            self._admitted += 1
        try:
            return await asyncio.get_running_loop().run_in_executor(self._pool, work, *args)
        finally:
            with self._lock:
                self._admitted -= 1

    async def hash(self, password: str) -> str:
        return await self._run(self.hasher.hash, password)

    def _verify(self, password_hash: str, password: str) -> bool:
        try:
            return self.hasher.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False

    async def verify(self, password_hash: str | None, password: str) -> bool:
        """True if ``password`` matches; a missing hash spends the same time and answers False."""
        if password_hash is None:
            await self._run(self._verify, self.dummy_hash, password)
            return False
        return await self._run(self._verify, password_hash, password)

    def needs_rehash(self, password_hash: str) -> bool:
        """True when the stored hash used other parameters than the current ones."""
        return self.hasher.check_needs_rehash(password_hash)


@lru_cache
def hasher_for(time_cost: int, memory_kib: int, parallelism: int, slots: int = 4, queue: int = 16) -> Passwords:
    """One hasher (and hashing pool) per cost profile and process (building one hashes the dummy password)."""
    return Passwords(time_cost, memory_kib, parallelism, slots, queue)
