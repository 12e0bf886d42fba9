"""Decode wal2json (format version 2) rows, as returned by ``pg_logical_slot_peek_changes``, into transactions.

Pure functions, no I/O. Postgres hands out whole transactions only (``B``, the row changes, ``C``),
so a batch never ends inside one; ``end_lsn`` of the commit is where the slot may be advanced to.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

# wal2json options used for every read: one JSON object per row change, with its LSN, xid,
# commit timestamp and the primary key's column names.
WAL2JSON_OPTIONS: dict[str, str] = {
    "format-version": "2",
    "include-lsn": "1",
    "include-timestamp": "1",
    "include-xids": "1",
    "include-transaction": "1",
    "include-pk": "1",
    "include-types": "1",
}
JSON_TYPES = frozenset({"json", "jsonb"})


class DecodeError(ValueError):
    """wal2json output this decoder does not understand (a bug or a plugin upgrade: stop, do not skip)."""


def parse_lsn(text: str) -> int:
    """``'16/B374D848'`` -> integer position in the WAL."""
    high, _, low = text.partition("/")
    if not low:
        raise DecodeError(f"not an LSN: {text!r}")
    return (int(high, 16) << 32) + int(low, 16)


def format_lsn(value: int) -> str:
    return f"{value >> 32:X}/{value & 0xFFFFFFFF:X}"


def parse_timestamp(text: str) -> datetime:
    """Postgres ``timestamptz`` text (ISO DateStyle, e.g. ``2026-11-25 18:32:31.1221+00``) -> aware UTC."""
    value = datetime.fromisoformat(text)
    return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class RowEvent:
    """One row change as wal2json reports it (table name as in the WAL, maybe a partition)."""

    action: str  # I, U, D
    schema: str
    table: str
    lsn: int
    columns: dict[str, Any] | None  # the new row (I, U)
    identity: dict[str, Any] | None  # the old replica identity (U, D)
    pk_names: tuple[str, ...]

    def pk(self) -> dict[str, Any]:
        row = self.columns if self.columns is not None else (self.identity or {})
        return {name: row.get(name) for name in self.pk_names}


@dataclass(slots=True)
class Transaction:
    xid: int
    begin_lsn: int
    changes: list[RowEvent] = field(default_factory=list)
    commit_lsn: int = 0  # start of the commit record
    end_lsn: int = 0  # end of the commit record: the slot's next position
    commit_time: datetime | None = None
    skipped: list[str] = field(default_factory=list)  # actions ignored (truncate, logical messages)

    @property
    def commit_ts_ms(self) -> int:
        assert self.commit_time is not None
        return int(self.commit_time.timestamp() * 1000)


def _values(items: list[dict[str, Any]] | None) -> dict[str, Any] | None:
    if items is None:
        return None
    out: dict[str, Any] = {}
    for item in items:
        value = item.get("value")
        if item.get("type") in JSON_TYPES and isinstance(value, str):
            value = json.loads(value)
        out[item["name"]] = value
    return out


def decode_rows(rows: Iterable[tuple[str, Any, str]]) -> list[Transaction]:
    """``(lsn, xid, data)`` rows of one peek -> complete transactions in commit order."""
    done: list[Transaction] = []
    current: Transaction | None = None
    for lsn_text, _xid, data in rows:
        record = json.loads(data)
        action = record.get("action")
        if action == "B":
            if current is not None:
                raise DecodeError(f"BEGIN inside transaction {current.xid}")
            current = Transaction(xid=int(record.get("xid", 0)), begin_lsn=parse_lsn(lsn_text))
        elif action == "C":
            if current is None:
                raise DecodeError("COMMIT without BEGIN")
            current.commit_lsn = parse_lsn(record.get("lsn", lsn_text))
            current.end_lsn = parse_lsn(record.get("nextlsn", lsn_text))
            current.commit_time = parse_timestamp(record["timestamp"])
            done.append(current)
            current = None
        elif action in ("I", "U", "D"):
            if current is None:
                raise DecodeError(f"row change outside a transaction: {data[:200]}")
            current.changes.append(
                RowEvent(
                    action=action,
                    schema=record["schema"],
                    table=record["table"],
                    lsn=parse_lsn(record["lsn"]),
                    columns=_values(record.get("columns")),
                    identity=_values(record.get("identity")),
                    pk_names=tuple(item["name"] for item in record.get("pk", [])),
                )
            )
        elif action in ("T", "M"):  # truncate, logical decoding message: not part of the row-change contract
            if current is not None:
                current.skipped.append(f"{action}:{record.get('schema', '')}.{record.get('table', '')}")
        else:
            raise DecodeError(f"unknown wal2json action {action!r}")
    if current is not None:
        raise DecodeError(f"transaction {current.xid} has no COMMIT in this read")
    return done
