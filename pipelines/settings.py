"""Settings of the batch layer (``PIZZA_PIPELINES_*``): Spark, incremental windows, archival, the warehouse target.

Where the lake, the archive, the shards and the DuckDB warehouse live comes from the platform settings
(``pizza.config``); this object only holds the batch layer's own knobs. Defaults = the local stack.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any, Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

WarehouseKind = Literal["duckdb", "bigquery", "snowflake"]


class PipelineSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PIZZA_PIPELINES_", env_file=".env", extra="ignore")

    # --- Spark: local by default, a cluster by configuration ----------------------------------------
    spark_master: str = Field("local[2]", description="local[N], spark://host:7077, k8s://..., yarn")
    spark_driver_memory: str = "1g"
    spark_shuffle_partitions: int = 8
    spark_driver_java_options: str = Field(
        "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xss16m",
        description="JVM flags of a driver started from Python (local/client mode): C1 JIT only and serial GC "
        "start short batch jobs faster on a small machine; C1's larger frames need the 16 MiB thread stacks, "
        "or ALS's deep lineage overflows them; empty = JVM defaults",
    )
    spark_job_threads: int = Field(
        2, ge=1, description="tables a job processes at once on its session (overlaps per-job driver overhead)"
    )
    spark_conf: dict[str, str] = Field(
        default_factory=dict, description='extra Spark configs as JSON, e.g. {"spark.hadoop.fs.s3a.endpoint": "..."}'
    )

    # --- incremental windows -------------------------------------------------------------------------
    compaction_lookback_days: int = Field(
        3, ge=0, description="raw date partitions re-listed for new files behind the newest one"
    )
    facts_lookahead_days: int = Field(
        3, ge=0, description="status changes and payments of an order are looked for this many days after it"
    )

    # --- Postgres hot/cold ---------------------------------------------------------------------------
    archive_after_months: int = Field(6, ge=1, description="orders partitions older than this move to the archive")
    archive_rows_per_file: int = Field(250_000, ge=1)

    # --- retention of bookkeeping tables (pipelines/jobs/retention.py, DAG data_retention) ---------------
    retention_idempotency_key_hours: int = Field(24, ge=1, description="order idempotency keys live this long")
    retention_outbox_days: int = Field(7, ge=0, description="published outbox rows are kept this long for people")
    retention_processed_event_days: int = Field(
        14, ge=1, description="message-log entries are kept this long: more than the events topics' retention"
    )
    retention_batch_rows: int = Field(5000, ge=1, description="rows deleted per transaction")

    # --- object storage (lake or archive on s3://) ---------------------------------------------------
    s3_endpoint_url: str | None = Field(None, description="S3-compatible endpoint (MinIO, moto); None = AWS")
    s3_region: str = "us-east-1"

    # --- the warehouse the loader writes to ----------------------------------------------------------
    warehouse_kind: WarehouseKind = "duckdb"
    bigquery_project: str | None = None
    bigquery_dataset: str = "lake"
    bigquery_location: str = "US"
    snowflake_account: str | None = None
    snowflake_user: str | None = None
    snowflake_password: SecretStr | None = None
    snowflake_role: str | None = None
    snowflake_warehouse: str | None = None
    snowflake_database: str = "PIZZA"
    snowflake_schema: str = "LAKE"

    @field_validator("spark_conf", mode="before")
    @classmethod
    def _parse_json(cls, value: Any) -> Any:
        if isinstance(value, str):
            return json.loads(value) if value.strip() else {}
        return value


class AirflowSettings(BaseSettings):
    """How ``pizza airflow up`` runs Airflow locally (``PIZZA_AIRFLOW_*``)."""

    model_config = SettingsConfigDict(env_prefix="PIZZA_AIRFLOW_", env_file=".env", extra="ignore")

    host: str = "127.0.0.1"
    port: int = 8080
    database_url: str | None = Field(
        None,
        description="metadata DB (SQLAlchemy URL, e.g. postgresql+psycopg://... or sqlite:////abs/path.db); "
        "default: database pizza_airflow on the local stack's Postgres (PIZZA_PG_HOST/PIZZA_PG_PORT), "
        "created on first start",
    )
    executor: str = "LocalExecutor"
    parallelism: int = 4
    dags_paused_at_creation: bool = Field(
        False, description="True: new DAGs wait to be unpaused (scheduled DAGs then do not start on first parse)"
    )
    admin_user: str = "admin"
    admin_password: SecretStr | None = Field(None, description="default: generated once, kept in passwords.json")


@lru_cache
def get_pipeline_settings() -> PipelineSettings:
    return PipelineSettings()


@lru_cache
def get_airflow_settings() -> AirflowSettings:
    return AirflowSettings()
