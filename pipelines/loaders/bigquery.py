"""BigQuery: load jobs from Parquet into date-partitioned, clustered tables.

Each partition is loaded into ``table$YYYYMMDD`` with ``WRITE_TRUNCATE``: BigQuery atomically replaces
exactly that partition, so a re-run is idempotent and other days are untouched. When the lake is on GCS
the job reads the files directly (``gs://``); otherwise the rows are uploaded as one Parquet file.

Credentials come from Application Default Credentials (``GOOGLE_APPLICATION_CREDENTIALS`` or the
workload identity); ``PIZZA_PIPELINES_BIGQUERY_PROJECT``/``_DATASET``/``_LOCATION`` choose the target.
"""

from __future__ import annotations

import io
from datetime import date
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from google.cloud import bigquery

from pipelines.loaders.base import Dataset, WarehouseLoader
from pipelines.settings import PipelineSettings
from pizza.contracts.curated import CURATED_SCHEMA_VERSION, PARTITION_DATE, ColumnType

BIGQUERY_TYPES: dict[ColumnType, str] = {
    "string": "STRING",
    "json": "STRING",  # JSON text, like the lake and the other warehouses
    "bigint": "INT64",
    "int": "INT64",
    "double": "FLOAT64",
    "boolean": "BOOL",
    "timestamp": "TIMESTAMP",
    "date": "DATE",
}


def bigquery_schema(dataset: Dataset) -> list[bigquery.SchemaField]:
    return [bigquery.SchemaField(name, BIGQUERY_TYPES[kind]) for name, kind in dataset.spec.columns.items()]


def partitioning() -> bigquery.TimePartitioning:
    return bigquery.TimePartitioning(type_=bigquery.TimePartitioningType.DAY, field=PARTITION_DATE)


def partition_id(table_id: str, day: date) -> str:
    """The partition decorator: ``project.dataset.table$YYYYMMDD``."""
    return f"{table_id}${day:%Y%m%d}"


class BigQueryLoader(WarehouseLoader):
    kind = "bigquery"

    def __init__(self, client: Any, project: str, dataset: str, location: str = "US") -> None:
        self.client = client
        self.project = project
        self.dataset = dataset
        self.location = location

    @classmethod
    def from_settings(cls, settings: PipelineSettings) -> BigQueryLoader:
        if not settings.bigquery_project:
            raise ValueError("set PIZZA_PIPELINES_BIGQUERY_PROJECT to load into BigQuery")
        client = bigquery.Client(project=settings.bigquery_project, location=settings.bigquery_location)
        return cls(client, settings.bigquery_project, settings.bigquery_dataset, settings.bigquery_location)

    @property
    def target(self) -> str:
        return f"{self.project}.{self.dataset}"

    def table_id(self, dataset: Dataset) -> str:
        return f"{self.project}.{self.dataset}.{dataset.name}"

    def table_definition(self, dataset: Dataset) -> bigquery.Table:
        table = bigquery.Table(self.table_id(dataset), schema=bigquery_schema(dataset))
        table.time_partitioning = partitioning()
        table.clustering_fields = list(dataset.cluster_by)
        table.description = f"Pizza Platform {dataset.prefix}/{dataset.name}, contract v{CURATED_SCHEMA_VERSION}"
        return table

    def load_job_config(self, dataset: Dataset) -> bigquery.LoadJobConfig:
        return bigquery.LoadJobConfig(
            source_format=bigquery.SourceFormat.PARQUET,
            write_disposition=bigquery.WriteDisposition.WRITE_TRUNCATE,
            create_disposition=bigquery.CreateDisposition.CREATE_NEVER,
            schema=bigquery_schema(dataset),
            time_partitioning=partitioning(),
            clustering_fields=list(dataset.cluster_by),
        )

    def table_exists(self, dataset: Dataset) -> bool:
        from google.api_core.exceptions import NotFound

        try:
            self.client.get_table(self.table_id(dataset))
        except NotFound:
            return False
        return True

    def ensure_table(self, dataset: Dataset) -> None:
        self.client.create_dataset(bigquery.Dataset(self.target), exists_ok=True)
        self.client.create_table(self.table_definition(dataset), exists_ok=True)

    def replace_partition(self, dataset: Dataset, day: date, rows: pa.Table) -> int:
        buffer = io.BytesIO()
        pq.write_table(rows, buffer)
        buffer.seek(0)
        job = self.client.load_table_from_file(
            buffer,
            partition_id(self.table_id(dataset), day),
            job_config=self.load_job_config(dataset),
            location=self.location,
            size=buffer.getbuffer().nbytes,  # small files in one request, large ones resumable
        )
        job.result()
        return int(job.output_rows or 0)

    def load_partition_from_uri(self, dataset: Dataset, day: date, uri_glob: str) -> int:
        """Lake on GCS: BigQuery reads ``gs://.../date=YYYY-MM-DD/*.parquet`` itself; nothing passes through us."""
        job = self.client.load_table_from_uri(
            uri_glob, partition_id(self.table_id(dataset), day), job_config=self.load_job_config(dataset)
        )
        job.result()
        return int(job.output_rows or 0)

    def drop_partition(self, dataset: Dataset, day: date) -> None:
        self.client.delete_table(partition_id(self.table_id(dataset), day), not_found_ok=True)
