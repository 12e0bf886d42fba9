"""Snowflake: ``write_pandas`` (PUT to a temporary stage + ``COPY INTO``), one transaction per partition.

The partition's rows are deleted and re-inserted in one transaction, so a re-run is idempotent and a
failure leaves the previous rows. Tables are clustered by ``DATE``. Identifiers are upper-case and
quoted, so contract column ``_commit_ts`` is ``"_COMMIT_TS"``.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd
import pyarrow as pa
import snowflake.connector

from pipelines.loaders.base import Dataset, WarehouseLoader
from pipelines.settings import PipelineSettings
from pizza.contracts.curated import PARTITION_DATE, ColumnType

SNOWFLAKE_TYPES: dict[ColumnType, str] = {
    "string": "VARCHAR",
    "json": "VARCHAR",
    "bigint": "BIGINT",
    "int": "INTEGER",
    "double": "FLOAT",
    "boolean": "BOOLEAN",
    "timestamp": "TIMESTAMP_TZ",
    "date": "DATE",
}


def ident(name: str) -> str:
    return '"' + name.upper().replace('"', '""') + '"'


def create_table_sql(dataset: Dataset) -> str:
    columns = ", ".join(f"{ident(c)} {SNOWFLAKE_TYPES[t]}" for c, t in dataset.spec.columns.items())
    return f"CREATE TABLE IF NOT EXISTS {ident(dataset.name)} ({columns})"


class SnowflakeLoader(WarehouseLoader):
    kind = "snowflake"

    def __init__(self, connect_args: dict[str, Any], database: str, schema: str) -> None:
        self.connect_args = connect_args
        self.database = database.upper()
        self.schema = schema.upper()
        self._con: Any = None

    @classmethod
    def from_settings(cls, settings: PipelineSettings) -> SnowflakeLoader:
        if not (settings.snowflake_account and settings.snowflake_user):
            raise ValueError(
                "set PIZZA_PIPELINES_SNOWFLAKE_ACCOUNT and PIZZA_PIPELINES_SNOWFLAKE_USER to load into Snowflake"
            )
        args: dict[str, Any] = {
            "account": settings.snowflake_account,
            "user": settings.snowflake_user,
            "password": settings.snowflake_password.get_secret_value() if settings.snowflake_password else None,
            "role": settings.snowflake_role,
            "warehouse": settings.snowflake_warehouse,
        }
        present = {k: v for k, v in args.items() if v is not None}
        return cls(present, settings.snowflake_database, settings.snowflake_schema)

    @property
    def target(self) -> str:
        return f"{self.connect_args.get('account', 'snowflake')}.{self.database}.{self.schema}"

    def open(self) -> None:
        self._con = snowflake.connector.connect(**self.connect_args)
        cur = self._con.cursor()
        cur.execute(f"CREATE DATABASE IF NOT EXISTS {ident(self.database)}")
        cur.execute(f"USE DATABASE {ident(self.database)}")
        cur.execute(f"CREATE SCHEMA IF NOT EXISTS {ident(self.schema)}")
        cur.execute(f"USE SCHEMA {ident(self.schema)}")

    def close(self) -> None:
        if self._con is not None:
            self._con.close()
            self._con = None

    def _cursor(self) -> Any:
        if self._con is None:
            raise RuntimeError("use the loader inside `with loader:`")
        return self._con.cursor()

    def table_exists(self, dataset: Dataset) -> bool:
        cur = self._cursor()
        cur.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = %s AND table_name = %s",
            (self.schema, dataset.name.upper()),
        )
        return bool(cur.fetchone()[0])

    def ensure_table(self, dataset: Dataset) -> None:
        self._cursor().execute(create_table_sql(dataset))

    def replace_partition(self, dataset: Dataset, day: date, rows: pa.Table) -> int:
        from snowflake.connector import pandas_tools

        frame: pd.DataFrame = rows.to_pandas(types_mapper=pd.ArrowDtype)
        frame.columns = [c.upper() for c in frame.columns]
        cur = self._cursor()
        table = ident(dataset.name)
        cur.execute("BEGIN")
        try:
            cur.execute(f"DELETE FROM {table} WHERE {ident(PARTITION_DATE)} = %s", (day,))
            if len(frame):
                pandas_tools.write_pandas(
                    self._con,
                    frame,
                    dataset.name.upper(),
                    database=self.database,
                    schema=self.schema,
                    quote_identifiers=True,
                    use_logical_type=True,
                )
            cur.execute(f"SELECT count(*) FROM {table} WHERE {ident(PARTITION_DATE)} = %s", (day,))
            count = int(cur.fetchone()[0])
            cur.execute("COMMIT")
        except BaseException:
            cur.execute("ROLLBACK")
            raise
        return count

    def drop_partition(self, dataset: Dataset, day: date) -> None:
        self._cursor().execute(f"DELETE FROM {ident(dataset.name)} WHERE {ident(PARTITION_DATE)} = %s", (day,))
