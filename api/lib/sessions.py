"""Whether an access token still speaks for its user: the server's account state, not the token alone.

Every user row has a ``token_version`` and every access token carries the version it was issued under
(claim ``ver``). A role change, disabling the account, a password change and "log out everywhere" raise
the version (accounts domain), so every token issued before stops working on its next request instead
of living out its 15 minutes. Redis caches each user's current version for ``CACHE_S``; the service
that raises a version writes the new one through, and a miss (expired, or Redis restarted empty) reads
the user's shard, so a lost cache never revives an old token.
"""

from __future__ import annotations

import uuid

from redis.asyncio import Redis

from api.db import Databases
from api.lib.sql import fetch_one

CACHE_S = 300
DISABLED = -1
"""The cached version of a disabled or deleted account: no token carries it, so none passes."""


def version_key(user_id: uuid.UUID) -> str:
    return f"pizza:auth:token-version:{user_id}"


async def load_version(db: Databases, user_id: uuid.UUID) -> int:
    """The version from the user's shard (``DISABLED`` for a disabled or unknown account)."""
    async with db.pool_for_user(user_id).connection() as conn:
        row = await fetch_one(conn, "SELECT token_version, disabled_at FROM users WHERE user_id = %s", (user_id,))
    if row is None or row["disabled_at"] is not None:
        return DISABLED
    return int(row["token_version"])


async def current_version(redis: Redis, db: Databases, user_id: uuid.UUID, cached: bytes | None) -> int:
    """``cached`` is the value already read from ``version_key`` (one round trip with the revocation check)."""
    if cached is not None:
        return int(cached)
    version = await load_version(db, user_id)
    # Only if still absent: a version raised meanwhile was written through and must not be overwritten
    # by this older read.
    await redis.set(version_key(user_id), version, ex=CACHE_S, nx=True)
    return version


async def publish_version(redis: Redis, user_id: uuid.UUID, version: int) -> None:
    """Write a raised version through to the cache, after its transaction committed."""
    await redis.set(version_key(user_id), version, ex=CACHE_S)
