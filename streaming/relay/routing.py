"""Turn one committed transaction into Kafka messages: row changes and domain events (pure, no I/O).

Row changes of every captured business table go to ``cdc.<parent table>`` keyed by primary key.
Inserts into the outbox become ``EventEnvelope`` messages on ``events.<aggregate_type>`` keyed by the
aggregate id, so one aggregate's events stay in one partition in commit order. An outbox row that
does not make a valid envelope goes to the dead-letter topic with the reason: CDC never stalls on it.
The column policy (``pizza.contracts.privacy``) is applied here, before anything is published: secret
columns leave no image of a change, withheld tables are never published, and contact columns leave
sealed under their owner's data key (``streaming.relay.sealing``; the keys are looked up by the caller).
"""

from __future__ import annotations

import fnmatch
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

from pydantic import ValidationError

from pizza.contracts.cdc import CDC_SCHEMA_VERSION, DEAD_LETTER_TOPIC, Op, RowChange, SourceInfo, cdc_topic
from pizza.contracts.events import EventEnvelope, events_topic
from pizza.contracts.privacy import is_withheld, without_secrets
from pizza.crypto.datakeys import Keys
from streaming import serialization
from streaming.relay.sealing import owners_of, seal_change
from streaming.relay.wal2json import RowEvent, Transaction, parse_timestamp

OPS: dict[str, Op] = {"I": "c", "U": "u", "D": "d"}

NO_KEYS: Mapping[str, None] = {}

TableResolver = Callable[[str, str], str]
"""(schema, table as in the WAL) -> the name published (a partition's root table)."""


@dataclass(frozen=True, slots=True)
class OutgoingMessage:
    topic: str
    key: bytes | None
    value: bytes
    headers: serialization.Headers
    commit_ts_ms: int  # for the commit -> Kafka latency metric
    kind: str  # "cdc", "event" or "dead_letter"


class ChangeRouter:
    def __init__(
        self,
        *,
        shard: str,
        database: str,
        resolve_table: TableResolver,
        excluded_tables: Sequence[str],
        outbox_table: str = "outbox",
        pseudonym_key: bytes | None = None,
    ) -> None:
        self.shard = shard
        self.pseudonym_key = pseudonym_key  # None: pseudonym columns are published null
        self.database = database
        self.resolve_table = resolve_table
        self.excluded_tables = tuple(excluded_tables)
        self.outbox_table = outbox_table
        self._excluded_cache: dict[str, bool] = {}

    def is_excluded(self, table: str) -> bool:
        """Excluded by settings, or withheld by the privacy policy (which no setting can override)."""
        if table not in self._excluded_cache:
            self._excluded_cache[table] = is_withheld(table) or any(
                fnmatch.fnmatchcase(table, p) for p in self.excluded_tables
            )
        return self._excluded_cache[table]

    def published(self, txn: Transaction) -> list[tuple[str, RowEvent]]:
        """(published table, change) of every row change of ``txn`` that becomes a ``cdc.*`` message."""
        found = []
        for change in txn.changes:
            table = self.resolve_table(change.schema, change.table)
            if table != self.outbox_table and not self.is_excluded(table):
                found.append((table, change))
        return found

    def key_owners(self, transactions: Sequence[Transaction]) -> set[str]:
        """The users whose data keys sealing these transactions needs (looked up by the caller, in one go)."""
        return owners_of(pair for txn in transactions for pair in self.published(txn))

    def route(self, txn: Transaction, keys: Keys | None = None) -> list[OutgoingMessage]:
        """Messages of ``txn``; contact values of an owner missing from ``keys`` are published null."""
        keys = keys if keys is not None else NO_KEYS
        messages: list[OutgoingMessage] = []
        for change in txn.changes:
            table = self.resolve_table(change.schema, change.table)
            if table == self.outbox_table:
                if change.action == "I":  # updates and deletes (trimming) of the outbox are not events
                    messages.append(self._event(change, txn))
            elif not self.is_excluded(table):
                messages.append(self._row_change(change, table, txn, keys))
        return messages

    def source(self, change: RowEvent, table: str, txn: Transaction) -> SourceInfo:
        # model_construct: every field is set here from decoded WAL; validating each of thousands of rows per
        # second would double the relay's CPU. Consumers validate what they read (serialization.decode_*).
        return SourceInfo.model_construct(
            db=self.database,
            shard=self.shard,
            schema_name=change.schema,
            table=table,
            lsn=change.lsn,
            txid=txn.xid,
            commit_lsn=txn.end_lsn,
            ts_ms=txn.commit_ts_ms,
        )

    def _row_change(self, change: RowEvent, table: str, txn: Transaction, keys: Keys) -> OutgoingMessage:
        before, after, pk = seal_change(
            table,
            change,
            (
                without_secrets(table, change.identity) if change.action in ("U", "D") else None,
                without_secrets(table, change.columns) if change.action in ("I", "U") else None,
                without_secrets(table, change.pk()) or {},
            ),
            keys,
            self.pseudonym_key,
        )
        row = RowChange.model_construct(
            op=OPS[change.action],
            before=before,
            after=after,
            pk=pk,
            source=self.source(change, table, txn),
            schema_version=CDC_SCHEMA_VERSION,
        )
        return OutgoingMessage(
            topic=cdc_topic(table),
            key=serialization.encode_key(row.pk or None),
            value=serialization.encode_row_change(row),
            headers=serialization.row_change_headers(row),
            commit_ts_ms=txn.commit_ts_ms,
            kind="cdc",
        )

    def _event(self, change: RowEvent, txn: Transaction) -> OutgoingMessage:
        row = change.columns or {}
        source = self.source(change, self.outbox_table, txn).model_dump(
            include={"shard", "db", "lsn", "commit_lsn", "txid", "ts_ms"}
        )
        try:
            envelope = EventEnvelope(
                event_id=uuid.UUID(str(row.get("event_id"))),
                event_type=row["event_type"],
                schema_version=row["schema_version"],
                aggregate_type=row["aggregate_type"],
                aggregate_id=row["aggregate_id"],
                occurred_at=parse_timestamp(row["created_at"]),
                payload=row["payload"],
                headers={str(k): str(v) for k, v in cast(dict[str, Any], row.get("headers") or {}).items()},
                source=source,
            )
        except (KeyError, TypeError, ValueError, ValidationError) as exc:
            return self._dead_letter(row, f"outbox row is not a valid event: {type(exc).__name__}: {exc}", txn)
        return OutgoingMessage(
            topic=events_topic(envelope.aggregate_type),
            key=serialization.encode_key(envelope.aggregate_id),
            value=serialization.encode_event(envelope),
            headers=serialization.event_headers(envelope),
            commit_ts_ms=txn.commit_ts_ms,
            kind="event",
        )

    def _dead_letter(self, row: dict[str, Any], reason: str, txn: Transaction) -> OutgoingMessage:
        return OutgoingMessage(
            topic=DEAD_LETTER_TOPIC,
            key=serialization.encode_key(str(row.get("aggregate_id", ""))),
            value=serialization.canonical_json(row).encode(),
            headers=[
                ("dlq.reason", reason[:1000].encode()),
                ("dlq.source", f"outbox@{self.shard}".encode()),
            ],
            commit_ts_ms=txn.commit_ts_ms,
            kind="dead_letter",
        )
