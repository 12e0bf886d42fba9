"""The shard router: user_id -> bucket -> shard.

A user's bucket is a stable hash of the user id into a fixed space of ``BUCKET_COUNT`` buckets.
The catalog's ``shard_map`` table maps contiguous bucket *ranges* to shard names, and settings map
shard names to DSNs. Hashing spreads users evenly (no hot shard for new sign-ups, unlike raw id
ranges); ranges of buckets keep resharding a data move of whole ranges, never a rehash of every user.
See docs/sharding.md.
"""

from __future__ import annotations

import bisect
import hashlib
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import psycopg

BUCKET_COUNT = 4096


def bucket_of(user_id: uuid.UUID | str) -> int:
    """Stable bucket of a user id, identical in every process and language (blake2b, 8 bytes, big endian)."""
    raw = user_id.bytes if isinstance(user_id, uuid.UUID) else uuid.UUID(str(user_id)).bytes
    return int.from_bytes(hashlib.blake2b(raw, digest_size=8).digest(), "big") % BUCKET_COUNT


@dataclass(frozen=True, slots=True)
class ShardRange:
    bucket_from: int
    bucket_to: int  # inclusive
    shard: str


class ShardMap:
    """An immutable, validated view of the catalog's shard map."""

    def __init__(self, ranges: Iterable[ShardRange]) -> None:
        self.ranges: tuple[ShardRange, ...] = tuple(sorted(ranges, key=lambda r: r.bucket_from))
        self._validate()
        self._starts = [r.bucket_from for r in self.ranges]

    def _validate(self) -> None:
        expected = 0
        for r in self.ranges:
            if r.bucket_from != expected or r.bucket_to < r.bucket_from:
                raise ValueError(f"shard map has a gap or overlap at bucket {expected}: {r}")
            expected = r.bucket_to + 1
        if expected != BUCKET_COUNT:
            raise ValueError(f"shard map covers buckets 0..{expected - 1}, expected 0..{BUCKET_COUNT - 1}")

    @classmethod
    def even(cls, shards: Sequence[str]) -> ShardMap:
        """Split the bucket space into equal contiguous ranges, one per shard, in the given order."""
        if not shards:
            raise ValueError("at least one shard is required")
        size, extra = divmod(BUCKET_COUNT, len(shards))
        ranges, start = [], 0
        for i, name in enumerate(shards):
            end = start + size + (1 if i < extra else 0) - 1
            ranges.append(ShardRange(start, end, name))
            start = end + 1
        return cls(ranges)

    @classmethod
    def load(cls, conn: psycopg.Connection) -> ShardMap:
        rows = conn.execute("SELECT bucket_from, bucket_to, shard FROM shard_map ORDER BY bucket_from").fetchall()
        if not rows:
            raise LookupError("the catalog's shard_map is empty: run `pizza db migrate`")
        return cls(ShardRange(*row) for row in rows)

    def save(self, conn: psycopg.Connection) -> None:
        """Replace the stored map in one transaction (the caller commits)."""
        conn.execute("DELETE FROM shard_map")
        with conn.cursor() as cur:
            cur.executemany(
                "INSERT INTO shard_map (bucket_from, bucket_to, shard) VALUES (%s, %s, %s)",
                [(r.bucket_from, r.bucket_to, r.shard) for r in self.ranges],
            )

    @property
    def shard_names(self) -> list[str]:
        return sorted({r.shard for r in self.ranges})

    def shard_for_bucket(self, bucket: int) -> str:
        if not 0 <= bucket < BUCKET_COUNT:
            raise ValueError(f"bucket {bucket} outside 0..{BUCKET_COUNT - 1}")
        return self.ranges[bisect.bisect_right(self._starts, bucket) - 1].shard

    def shard_for_user(self, user_id: uuid.UUID | str) -> str:
        return self.shard_for_bucket(bucket_of(user_id))
