"""A logical replication slot read through SQL (psycopg 3 has no streaming-replication protocol).

Reading is ``pg_logical_slot_peek_changes`` (does not move the slot); only after Kafka acknowledged
every message of a batch does ``pg_replication_slot_advance`` confirm it. A relay killed at any
moment re-reads from the confirmed position: at least once, nothing lost.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime

import psycopg

from streaming.relay.wal2json import WAL2JSON_OPTIONS, format_lsn, parse_lsn, parse_timestamp


@dataclass(frozen=True, slots=True)
class SlotRead:
    rows: list[tuple[str, int, str]]  # (lsn, xid, wal2json data)
    upto_lsn: int  # WAL flushed when the read started
    complete: bool  # every transaction committed before upto_lsn is in rows


@dataclass(frozen=True, slots=True)
class SlotLag:
    slot: str
    database: str
    exists: bool
    active: bool = False
    confirmed_lsn: int | None = None
    lag_bytes: int | None = None
    lag_seconds: float | None = None  # age of the oldest unpublished commit; 0 when none is waiting
    wal_status: str | None = None


def slot_options(capture_schemas: list[str]) -> list[str]:
    """Plugin options as the flat text array ``pg_logical_slot_*_changes`` takes."""
    options = dict(WAL2JSON_OPTIONS, **{"add-tables": ",".join(f"{schema}.*" for schema in capture_schemas)})
    return [item for pair in options.items() for item in pair]


class ReplicationSlot:
    def __init__(self, conn: psycopg.Connection, name: str, capture_schemas: list[str]) -> None:
        self.conn = conn  # autocommit
        self.name = name
        self.options = slot_options(capture_schemas)

    def ensure(self) -> bool:
        """Create the slot if missing (changes before its creation are not captured). True if created."""
        if self.conn.execute("SELECT 1 FROM pg_replication_slots WHERE slot_name = %s", (self.name,)).fetchone():
            return False
        self.conn.execute("SELECT pg_create_logical_replication_slot(%s, 'wal2json')", (self.name,))
        return True

    def drop(self) -> bool:
        row = self.conn.execute(
            "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = %s", (self.name,)
        ).fetchone()
        return row is not None

    def peek(self, max_changes: int) -> SlotRead:
        """Up to ``max_changes`` rows (whole transactions) after the confirmed position.

        The flush position is read first and passed as ``upto_lsn``: when fewer rows than asked come
        back, every transaction committed before it has been read, so the slot may move there even if
        nothing of ours changed (keeps idle slots from pinning WAL that other databases write).
        """
        row = self.conn.execute("SELECT pg_current_wal_flush_lsn()::text").fetchone()
        assert row is not None
        upto = row[0]
        rows = self.conn.execute(
            "SELECT lsn::text, xid::text::bigint, data"
            " FROM pg_logical_slot_peek_changes(%s, %s::pg_lsn, %s, VARIADIC %s::text[])",
            (self.name, upto, max_changes, self.options),
        ).fetchall()
        return SlotRead(rows=rows, upto_lsn=parse_lsn(upto), complete=len(rows) < max_changes)

    def confirmed_lsn(self) -> int:
        row = self.conn.execute(
            "SELECT confirmed_flush_lsn::text FROM pg_replication_slots WHERE slot_name = %s", (self.name,)
        ).fetchone()
        if row is None or row[0] is None:
            raise LookupError(f"replication slot {self.name} does not exist")
        return parse_lsn(row[0])

    def advance(self, lsn: int) -> bool:
        """Confirm everything before ``lsn``; never moves backwards. True if the slot moved."""
        if lsn <= self.confirmed_lsn():
            return False
        self.conn.execute("SELECT pg_replication_slot_advance(%s, %s::pg_lsn)", (self.name, format_lsn(lsn)))
        return True

    def lag(self) -> SlotLag:
        row = self.conn.execute(
            "SELECT active, confirmed_flush_lsn::text,"
            " (pg_current_wal_lsn() - confirmed_flush_lsn)::bigint, wal_status"
            " FROM pg_replication_slots WHERE slot_name = %s",
            (self.name,),
        ).fetchone()
        database = str(self.conn.info.dbname)
        if row is None:
            return SlotLag(self.name, database, exists=False)
        active, confirmed, lag_bytes, wal_status = row
        return SlotLag(
            slot=self.name,
            database=database,
            exists=True,
            active=bool(active),
            confirmed_lsn=parse_lsn(confirmed) if confirmed else None,
            lag_bytes=int(lag_bytes) if lag_bytes is not None else None,
            lag_seconds=self.oldest_pending_age(),
            wal_status=wal_status,
        )

    def oldest_pending_age(self) -> float | None:
        """Seconds since the oldest commit the slot has not confirmed; None while a relay holds the slot."""
        try:
            row = self.conn.execute(
                "SELECT data FROM pg_logical_slot_peek_changes(%s, NULL, 1, 'format-version', '2',"
                " 'include-timestamp', '1', 'include-transaction', '1', 'add-tables', 'pizza_none.pizza_none')"
                " LIMIT 1",
                (self.name,),
            ).fetchone()
        except psycopg.errors.ObjectInUse:
            return None
        if row is None:
            return 0.0
        begun = parse_timestamp(json.loads(row[0])["timestamp"])
        return max(0.0, (datetime.now(UTC) - begun).total_seconds())


def captured_tables(conn: psycopg.Connection, schemas: list[str]) -> list[str]:
    """Tables (and partitioned parents, never their partitions) in the captured schemas."""
    rows = conn.execute(
        "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
        " WHERE n.nspname = ANY(%s) AND c.relkind IN ('r', 'p') AND NOT c.relispartition ORDER BY 1",
        (schemas,),
    ).fetchall()
    return [name for (name,) in rows]


class PartitionRoots:
    """Partition -> root table names (``orders_p2026_11`` -> ``orders``), cached, refreshed on an unknown name."""

    def __init__(self, conn: psycopg.Connection) -> None:
        self.conn = conn
        self._roots: dict[tuple[str, str], str] = {}
        self._checked: set[tuple[str, str]] = set()
        self.refresh()

    def refresh(self) -> None:
        rows = self.conn.execute(
            "SELECT n.nspname, c.relname, r.relname"
            " FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
            " JOIN pg_class r ON r.oid = pg_partition_root(c.oid)"
            " WHERE c.relispartition"
        ).fetchall()
        self._roots = {(schema, child): root for schema, child, root in rows}
        self._checked |= set(self._roots)  # plain tables learned before stay known: no refresh per batch

    def __call__(self, schema: str, table: str) -> str:
        key = (schema, table)
        if key not in self._checked:  # a partition created after the last refresh, or a plain table
            self.refresh()
            self._checked.add(key)
        return self._roots.get(key, table)


class RelayLock:
    """Session advisory lock: one active relay per slot, any number on standby (HA without a coordinator)."""

    def __init__(self, conn: psycopg.Connection, slot_name: str) -> None:
        self.conn = conn
        self.key = f"pizza_cdc:{slot_name}"
        self.held = False

    def try_acquire(self) -> bool:
        if not self.held:
            row = self.conn.execute("SELECT pg_try_advisory_lock(hashtext(%s))", (self.key,)).fetchone()
            self.held = bool(row and row[0])
        return self.held

    def holder(self) -> int | None:
        """Backend pid of the session holding the lock (the active relay), if any."""
        row = self.conn.execute(
            "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND objsubid = 1 AND granted"
            " AND ((classid::bigint << 32) | objid::bigint) = hashtext(%s)::bigint",
            (self.key,),
        ).fetchone()
        return int(row[0]) if row else None
