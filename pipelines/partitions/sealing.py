"""Contact fields go to the archive sealed, like everything downstream of Postgres.

An archived month of ``orders`` leaves Postgres for good, so its delivery addresses would otherwise stay
in plain text in cold storage forever, out of reach of an erasure. Each contact value
(``pizza.contracts.privacy.CONTACT_COLUMNS``) is sealed with its owner's data key, exactly as the CDC
relay seals it (``pizza.crypto.envelope``, context (table, column, owner)); erasing the owner destroys
the key and so every archived copy. The verification still compares the plaintext: the archive's
values are opened again and checksummed against Postgres. An owner already erased has no key: their
values are archived as null, and Postgres's side of the checksum counts them as null too.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import psycopg
import pyarrow as pa
from psycopg import sql

from pizza.contracts.privacy import CONTACT_OWNERS, contact_columns
from pizza.crypto.datakeys import DataKeyStore
from pizza.crypto.envelope import DataKey, field_context, open_field, seal_field


@dataclass(frozen=True)
class PartitionSealing:
    """The sealed columns of one partition's export and the keys of its owners (None: erased)."""

    table: str
    owner: str
    columns: tuple[str, ...]
    keys: dict[str, DataKey | None]

    @property
    def erased(self) -> list[str]:
        return sorted(owner for owner, key in self.keys.items() if key is None)

    def _key(self, owner: Any) -> DataKey | None:
        return self.keys.get(str(owner)) if owner is not None else None

    def seal_rows(self, names: Sequence[str], rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
        """Rows as exported (uuid and jsonb as text) with every contact value sealed, or null without a key."""
        owner_at = names.index(self.owner)
        at = [names.index(c) for c in self.columns]
        sealed = []
        for row in rows:
            values = list(row)
            key, owner = self._key(row[owner_at]), str(row[owner_at])
            for i in at:
                if values[i] is not None:
                    context = field_context(self.table, names[i], owner)
                    values[i] = seal_field(key, str(values[i]), context) if key is not None else None
            sealed.append(tuple(values))
        return sealed

    def opened(self, table: pa.Table) -> pa.Table:
        """An archived file read back with its contact values opened again (for the checksum)."""
        owners = table.column(self.owner).to_pylist()
        for column in self.columns:
            values = table.column(column).to_pylist()
            plain: list[str | None] = []
            for owner, value in zip(owners, values, strict=True):
                key = self._key(owner)
                if value is None or key is None:
                    plain.append(None)
                else:
                    plain.append(open_field(key, value, field_context(self.table, column, str(owner))))
            table = table.set_column(table.schema.get_field_index(column), column, pa.array(plain, pa.string()))
        return table


def partition_sealing(
    conn: psycopg.Connection, table: str, partition: str, column_names: Sequence[str], keys: DataKeyStore | None
) -> PartitionSealing | None:
    """What to seal in this partition, with every owner's key looked up (and created) at once."""
    owner = CONTACT_OWNERS.get(table)
    columns = tuple(c for c in column_names if c in contact_columns(table))
    if keys is None or owner is None or not columns:
        return None
    query = sql.SQL("SELECT DISTINCT {}::text FROM {} WHERE {} IS NOT NULL").format(
        sql.Identifier(owner), sql.Identifier(partition), sql.Identifier(owner)
    )
    owners = [str(row[0]) for row in conn.execute(query).fetchall()]
    return PartitionSealing(table, owner, columns, keys.keys_for(owners) if owners else {})
