"""DuckDB: the embedded default warehouse, one file under the state folder, schema ``lake``.

Each partition is replaced in one transaction (delete the date, insert the rows), so a reader never
sees half a day. The connection is opened for one load and closed right after: DuckDB locks the file.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pyarrow as pa

from pipelines.loaders.base import Dataset, WarehouseLoader
from pizza.contracts.curated import DUCKDB_TYPES, PARTITION_DATE, WAREHOUSE_SCHEMA


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


class DuckDBLoader(WarehouseLoader):
    kind = "duckdb"

    def __init__(self, path: Path, schema: str = WAREHOUSE_SCHEMA) -> None:
        self.path = path
        self.schema = schema
        self._con: duckdb.DuckDBPyConnection | None = None

    @property
    def target(self) -> str:
        return str(self.path)

    @property
    def con(self) -> duckdb.DuckDBPyConnection:
        if self._con is None:
            raise RuntimeError("use the loader inside `with loader:`")
        return self._con

    def open(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._con = duckdb.connect(str(self.path))
        self._con.execute(f"CREATE SCHEMA IF NOT EXISTS {_quote(self.schema)}")

    def close(self) -> None:
        if self._con is not None:
            self._con.close()
            self._con = None

    def _table(self, dataset: Dataset) -> str:
        return f"{_quote(self.schema)}.{_quote(dataset.name)}"

    def table_exists(self, dataset: Dataset) -> bool:
        row = self.con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = ? AND table_name = ?",
            [self.schema, dataset.name],
        ).fetchone()
        return bool(row and row[0])

    def ensure_table(self, dataset: Dataset) -> None:
        """Create the table, or add columns a newer contract version introduced (never drops any)."""
        columns = dataset.spec.columns
        if not self.table_exists(dataset):
            ddl = ", ".join(f"{_quote(c)} {DUCKDB_TYPES[t]}" for c, t in columns.items())
            self.con.execute(f"CREATE TABLE {self._table(dataset)} ({ddl})")
            return
        have = {
            r[0]
            for r in self.con.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_schema = ? AND table_name = ?",
                [self.schema, dataset.name],
            ).fetchall()
        }
        for column, kind in columns.items():
            if column not in have:
                self.con.execute(f"ALTER TABLE {self._table(dataset)} ADD COLUMN {_quote(column)} {DUCKDB_TYPES[kind]}")

    def replace_partition(self, dataset: Dataset, day: date, rows: pa.Table) -> int:
        table = self._table(dataset)
        self.con.register("partition_rows", rows)
        try:
            self.con.execute("BEGIN TRANSACTION")
            self.con.execute(f"DELETE FROM {table} WHERE {_quote(PARTITION_DATE)} = ?", [day])
            self.con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM partition_rows")
            loaded = self.con.execute(f"SELECT count(*) FROM {table} WHERE {_quote(PARTITION_DATE)} = ?", [day])
            count = int(loaded.fetchone()[0])  # type: ignore[index]
            self.con.execute("COMMIT")
        except BaseException:
            self.con.execute("ROLLBACK")
            raise
        finally:
            self.con.unregister("partition_rows")
        return count

    def drop_partition(self, dataset: Dataset, day: date) -> None:
        self.con.execute(f"DELETE FROM {self._table(dataset)} WHERE {_quote(PARTITION_DATE)} = ?", [day])
