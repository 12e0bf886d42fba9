"""BigQuery tables are date-partitioned and clustered; loads truncate exactly one partition."""

from __future__ import annotations

from datetime import date

import pytest
from google.cloud import bigquery

from pipelines.loaders.base import datasets
from pipelines.loaders.bigquery import BigQueryLoader, bigquery_schema, partition_id
from pizza.contracts.curated import CURATED_TABLES, FACT_TABLES

pytestmark = pytest.mark.unit

LOADER = BigQueryLoader(client=None, project="pizza-prod", dataset="lake", location="EU")


@pytest.mark.parametrize("name", [*CURATED_TABLES, *FACT_TABLES])
def test_every_table_is_day_partitioned_on_date_and_clustered(name: str) -> None:
    dataset = datasets([name])[0]
    table = LOADER.table_definition(dataset)
    assert table.reference.path == f"/projects/pizza-prod/datasets/lake/tables/{name}"
    assert table.time_partitioning.type_ == bigquery.TimePartitioningType.DAY
    assert table.time_partitioning.field == "date"
    assert table.clustering_fields
    assert len(table.clustering_fields) <= 4
    assert [f.name for f in table.schema] == list(dataset.spec.columns)


def test_types_follow_the_contract() -> None:
    fields = {f.name: f.field_type for f in bigquery_schema(datasets(["orders"])[0])}
    assert fields["order_id"] == "STRING"
    assert fields["total_cents"] == "INT64"
    assert fields["created_at"] == "TIMESTAMP"
    assert fields["delivery_lat"] == "FLOAT64"
    assert fields["date"] == "DATE"


def test_a_load_replaces_one_partition_from_parquet() -> None:
    config = LOADER.load_job_config(datasets(["fact_orders"])[0])
    assert config.source_format == bigquery.SourceFormat.PARQUET
    assert config.write_disposition == bigquery.WriteDisposition.WRITE_TRUNCATE
    assert config.create_disposition == bigquery.CreateDisposition.CREATE_NEVER
    assert config.clustering_fields == ["city", "order_id"]
    assert partition_id("p.lake.fact_orders", date(2026, 3, 1)) == "p.lake.fact_orders$20260301"
