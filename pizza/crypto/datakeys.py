"""Per-user data keys in the catalog (``user_data_keys``): get-or-create, and the erasure tombstone.

A user's key is created the first time one of their contact values leaves Postgres, and only its wrapped
form is stored. Erasure replaces it by a tombstone (``wrapped_key`` NULL, ``erased_at`` set): the key is
gone, and because the row stays, no later get-or-create brings a new one. Every read and write is one
statement keyed by user id, so concurrent relays and an erasure cannot leave two keys for one user.
"""

from __future__ import annotations

import time
from collections.abc import Collection, Mapping

import psycopg

from pizza.crypto.envelope import DataKey, unwrap, wrap

CREATE_MISSING = """
INSERT INTO user_data_keys (user_id, wrapped_key)
SELECT owner, wrapped FROM unnest(%s::uuid[], %s::bytea[]) AS fresh (owner, wrapped)
ON CONFLICT (user_id) DO NOTHING
"""
READ = "SELECT user_id::text, wrapped_key FROM user_data_keys WHERE user_id = ANY(%s::uuid[])"
TOMBSTONE = """
INSERT INTO user_data_keys (user_id, wrapped_key, erased_at) VALUES (%s, NULL, now())
ON CONFLICT (user_id) DO UPDATE SET wrapped_key = NULL, erased_at = coalesce(user_data_keys.erased_at, now())
"""
"""Destroy a user's key (or forbid one ever being made): what an erasure runs in the catalog."""

Keys = Mapping[str, DataKey | None]
"""owner (user id text) -> their data key, or None once erased."""


class DataKeyStore:
    """The relay's view of the catalog's data keys, with a short in-memory cache.

    A cached key is used for at most ``cache_s`` after it was read, so an erased user's key lingers in
    this process's memory no longer than that; tombstones are cached too (they never change back).
    """

    def __init__(self, dsn: str, master_key: bytes, *, cache_s: float = 60.0, max_cached: int = 100_000) -> None:
        self.dsn = dsn
        self.master_key = master_key
        self.cache_s = cache_s
        self.max_cached = max_cached
        self._conn: psycopg.Connection | None = None
        self._cache: dict[str, tuple[float, DataKey | None]] = {}

    def _connection(self) -> psycopg.Connection:
        if self._conn is None or self._conn.closed or self._conn.broken:
            self._conn = psycopg.connect(self.dsn, autocommit=True, application_name="pizza-cdc-keys")
        return self._conn

    def keys_for(self, owners: Collection[str]) -> dict[str, DataKey | None]:
        """Every owner's key, created where missing; None for an erased owner."""
        now = time.monotonic()
        found: dict[str, DataKey | None] = {}
        wanted: list[str] = []
        for owner in owners:
            cached = self._cache.get(owner)
            if cached is not None and cached[0] > now:
                found[owner] = cached[1]
            else:
                wanted.append(owner)
        if wanted:
            fetched = self._fetch(wanted)
            if len(self._cache) + len(fetched) > self.max_cached:
                self._cache.clear()
            for owner, key in fetched.items():
                self._cache[owner] = (now + self.cache_s, key)
            found.update(fetched)
        return found

    def _fetch(self, owners: list[str]) -> dict[str, DataKey | None]:
        conn = self._connection()
        stored = self._read(conn, owners)
        missing = [owner for owner in owners if owner not in stored]
        if missing:
            wrapped = [wrap(self.master_key, DataKey.generate(), owner) for owner in missing]
            conn.execute(CREATE_MISSING, (missing, wrapped))
            stored.update(self._read(conn, missing))  # ours, or the one a concurrent relay stored first
        return {
            owner: unwrap(self.master_key, blob, owner) if blob is not None else None for owner, blob in stored.items()
        }

    @staticmethod
    def _read(conn: psycopg.Connection, owners: list[str]) -> dict[str, bytes | None]:
        rows = conn.execute(READ, (owners,)).fetchall()
        return {owner: bytes(blob) if blob is not None else None for owner, blob in rows}

    def forget(self) -> None:
        """Drop the cache and the connection (after a failure, or at shutdown)."""
        self._cache.clear()
        if self._conn is not None and not self._conn.closed:
            self._conn.close()
        self._conn = None
