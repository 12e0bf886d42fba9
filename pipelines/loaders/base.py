"""The loader interface: replace one date partition of one dataset, idempotently.

A load is always "this partition now holds exactly these rows": running it twice leaves the same rows,
and a partition that disappeared from the lake is dropped from the warehouse. Every implementation
reports the rows the warehouse says it holds after the load, so the job can reconcile them.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import date
from types import TracebackType
from typing import Self

import pyarrow as pa

from pizza.contracts.curated import CURATED_TABLES, FACT_TABLES, CuratedTable, FactTable
from pizza.contracts.lake import CURATED, FACTS


@dataclass(frozen=True)
class Dataset:
    """A curated table or a fact, with where it lives in the lake."""

    spec: CuratedTable | FactTable
    prefix: str  # CURATED or FACTS

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def schema(self) -> pa.Schema:
        return self.spec.arrow_schema()

    @property
    def cluster_by(self) -> tuple[str, ...]:
        """Columns to cluster on inside a date partition: the key for tables, the city for facts."""
        if isinstance(self.spec, FactTable):
            return tuple(c for c in self.spec.partition_by if c != "date") + self.spec.key[:1]
        return self.spec.primary_key[:4]


def datasets(names: list[str] | None = None) -> list[Dataset]:
    everything = [Dataset(t, CURATED) for t in CURATED_TABLES.values()] + [
        Dataset(f, FACTS) for f in FACT_TABLES.values()
    ]
    return [d for d in everything if names is None or d.name in names]


class WarehouseLoader(ABC):
    """Lifecycle: ``with loader:`` opens the connection, ``replace_partition``/``drop_partition`` per
    partition, leaving the block closes it (DuckDB holds a file lock; never keep it open)."""

    kind: str

    def __enter__(self) -> Self:
        self.open()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def open(self) -> None:  # noqa: B027 - optional hook
        """Connect (optional)."""

    def close(self) -> None:  # noqa: B027 - optional hook
        """Disconnect (optional)."""

    @property
    @abstractmethod
    def target(self) -> str:
        """Where the data goes (file, project.dataset, account.database.schema), for state and logs."""

    @abstractmethod
    def table_exists(self, dataset: Dataset) -> bool: ...

    @abstractmethod
    def ensure_table(self, dataset: Dataset) -> None:
        """Create the table (partitioned by date where the warehouse supports it) if missing."""

    @abstractmethod
    def replace_partition(self, dataset: Dataset, day: date, rows: pa.Table) -> int:
        """Make partition ``day`` hold exactly ``rows``; return the row count the warehouse reports."""

    @abstractmethod
    def drop_partition(self, dataset: Dataset, day: date) -> None: ...
