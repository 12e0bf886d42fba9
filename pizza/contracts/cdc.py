"""Row-change envelope (v1) on ``cdc.<table>``: one message per committed row change.

Debezium-like: ``op`` is c (insert), u (update), d (delete) or r (snapshot read); ``before`` holds
the replica-identity columns of the old row (the primary key by default), ``after`` the full new row.
``source`` identifies the change uniquely: (shard, lsn, table, pk) is the identity consumers dedupe on.
Partitioned tables are reported under their parent's name (``orders``, not ``orders_p2026_11``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

CDC_SCHEMA_VERSION = 1
Op = Literal["c", "u", "d", "r"]


class SourceInfo(BaseModel):
    db: str
    shard: str  # "catalog" for the catalog database
    schema_name: str = Field("public", alias="schema")
    table: str
    lsn: int  # commit-ordered position of the change in the shard's WAL, as an integer
    txid: int | None = None
    commit_lsn: int | None = None  # end of the transaction's commit record: groups changes per transaction
    ts_ms: int  # commit time, Unix milliseconds

    model_config = {"populate_by_name": True}


class RowChange(BaseModel):
    op: Op
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None
    pk: dict[str, Any]
    source: SourceInfo
    schema_version: int = CDC_SCHEMA_VERSION

    @property
    def commit_time(self) -> datetime:
        from datetime import UTC

        return datetime.fromtimestamp(self.source.ts_ms / 1000, tz=UTC)

    def identity(self) -> tuple[str, int, str, str]:
        import json

        return (self.source.shard, self.source.lsn, self.source.table, json.dumps(self.pk, sort_keys=True, default=str))


def cdc_topic(table: str) -> str:
    return f"cdc.{table}"


DEAD_LETTER_TOPIC = "dlq.pizza"
