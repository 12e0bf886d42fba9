"""Where notifications read and write: the user's contact and preferences on their shard, the log in MongoDB.

The log (collection ``notification_log``) has a unique index on ``(event_id, channel)``: claiming a
send is inserting its document, so two workers handling the same event can never both send.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, time
from typing import Any

from psycopg import AsyncConnection
from pymongo import ASCENDING, DESCENDING, ReturnDocument
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from api.domain.notifications.providers import Channel

Doc = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Preferences:
    channels: tuple[Channel, ...] = ("email",)
    quiet_hours_start: time | None = None
    quiet_hours_end: time | None = None
    timezone: str = "UTC"
    muted_event_types: tuple[str, ...] = ()
    stored: bool = False  # False: nothing saved yet, these are the defaults


@dataclass(frozen=True, slots=True)
class Recipient:
    user_id: uuid.UUID
    name: str
    email: str | None
    phone: str | None
    preferences: Preferences = field(default_factory=Preferences)

    def address(self, channel: Channel) -> str | None:
        return self.email if channel == "email" else self.phone


_PREFS = "channels, quiet_hours_start, quiet_hours_end, timezone, muted_event_types"


def _preferences(row: dict[str, Any], default_channels: tuple[Channel, ...]) -> Preferences:
    if row.get("channels") is None:
        return Preferences(channels=default_channels)
    return Preferences(
        channels=tuple(row["channels"]),
        quiet_hours_start=row["quiet_hours_start"],
        quiet_hours_end=row["quiet_hours_end"],
        timezone=row["timezone"],
        muted_event_types=tuple(row["muted_event_types"]),
        stored=True,
    )


async def load_recipient(
    conn: AsyncConnection[Any], user_id: uuid.UUID, default_channels: tuple[Channel, ...]
) -> Recipient | None:
    cur = await conn.execute(
        f"""SELECT u.user_id, u.name, u.email, u.phone, {", ".join("p." + c for c in _PREFS.split(", "))}
              FROM users u LEFT JOIN notification_preferences p ON p.user_id = u.user_id
             WHERE u.user_id = %s""",
        (user_id,),
    )
    row: dict[str, Any] | None = await cur.fetchone()  # type: ignore[assignment]
    if row is None:
        return None
    return Recipient(row["user_id"], row["name"], row["email"], row["phone"], _preferences(row, default_channels))


async def save_preferences(conn: AsyncConnection[Any], user_id: uuid.UUID, prefs: Preferences) -> Preferences:
    cur = await conn.execute(
        f"""INSERT INTO notification_preferences (user_id, {_PREFS}, updated_at)
            VALUES (%s, %s, %s, %s, %s, %s, now())
            ON CONFLICT (user_id) DO UPDATE SET
                channels = EXCLUDED.channels, quiet_hours_start = EXCLUDED.quiet_hours_start,
                quiet_hours_end = EXCLUDED.quiet_hours_end, timezone = EXCLUDED.timezone,
                muted_event_types = EXCLUDED.muted_event_types, updated_at = now()
            RETURNING {_PREFS}""",
        (
            user_id,
            list(prefs.channels),
            prefs.quiet_hours_start,
            prefs.quiet_hours_end,
            prefs.timezone,
            list(prefs.muted_event_types),
        ),
    )
    row: dict[str, Any] = await cur.fetchone()  # type: ignore[assignment]
    return _preferences(row, prefs.channels)


def log_entry(now: datetime, **message: Any) -> Doc:
    """A log document ready to be claimed: what the message is (``message``), and no send attempted yet."""
    return {
        **message,
        "attempts": 0,
        "provider_message_id": None,
        "error": None,
        "created_at": now,
        "updated_at": now,
        "sent_at": None,
    }


class NotificationLog:
    """The notification log in MongoDB: one document per (event, channel), claimed before the send."""

    _indexed: set[tuple[str, str]] = set()

    def __init__(self, mongo: AsyncDatabase[Doc], collection: str = "notification_log") -> None:
        self.collection: AsyncCollection[Doc] = mongo[collection]
        self._key = (mongo.name, collection)

    async def ensure_indexes(self) -> None:
        """Create the indexes once per process (``create_index`` is idempotent, but a round trip)."""
        if self._key in self._indexed:
            return
        await self.collection.create_index(
            [("event_id", ASCENDING), ("channel", ASCENDING)], unique=True, name="event_channel_unique"
        )
        await self.collection.create_index([("user_id", ASCENDING), ("created_at", DESCENDING)], name="user_recent")
        self._indexed.add(self._key)

    async def claim(self, doc: Doc) -> Doc | None:
        """Insert the document, or take over a send that failed before; None if another holds or finished it."""
        await self.ensure_indexes()
        try:
            await self.collection.insert_one(doc)
            return doc
        except DuplicateKeyError:
            pass
        now = datetime.now(UTC)
        return await self.collection.find_one_and_update(
            {"event_id": doc["event_id"], "channel": doc["channel"], "status": "failed"},
            {"$set": {"status": "sending", "updated_at": now, "error": None}},
            return_document=ReturnDocument.AFTER,
        )

    async def get(self, event_id: str, channel: Channel) -> Doc | None:
        return await self.collection.find_one({"event_id": event_id, "channel": channel})

    async def finish(self, notification_id: str, status: str, attempts: int, **fields: Any) -> None:
        now = datetime.now(UTC)
        update: Doc = {"status": status, "updated_at": now, **fields}
        if status == "sent":
            update["sent_at"] = now
        await self.collection.update_one({"_id": notification_id}, {"$set": update, "$inc": {"attempts": attempts}})

    async def for_user(self, user_id: uuid.UUID, limit: int) -> list[Doc]:
        cursor = self.collection.find({"user_id": str(user_id)}).sort("created_at", DESCENDING).limit(limit)
        return [doc async for doc in cursor]
