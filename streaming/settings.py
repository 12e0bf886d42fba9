"""Knobs of the streaming layer: the CDC relay (``PIZZA_CDC_*``) and the lake sink (``PIZZA_LAKE_SINK_*``).

Where Postgres, Kafka and the lake live comes from ``pizza.config`` (shared by every layer); these
objects only say how the streaming processes behave. Defaults suit the local stack; production
changes them by environment variable, never by code.
"""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class CdcSettings(BaseSettings):
    """The Postgres -> Kafka relay (``pizza cdc run``)."""

    model_config = SettingsConfigDict(env_prefix="PIZZA_CDC_", env_file=".env", extra="ignore")

    slot_prefix: str = Field("pizza_cdc", description="logical slot per database: <prefix>_<shard>")
    capture_schemas: list[str] = Field(["public"], description="Postgres schemas whose tables are captured")
    excluded_tables: list[str] = Field(
        ["outbox", "processed_events", "idempotency_keys", "shard_identity", "_yoyo_*", "yoyo_*"],
        description="tables (fnmatch patterns, parent names) never published as row changes",
    )
    outbox_table: str = Field("outbox", description="inserts into this table become domain events")
    max_changes: int = Field(5000, ge=1, description="rows read from a slot per cycle (whole transactions)")
    poll_interval_s: float = Field(0.5, gt=0, description="sleep when every slot was empty")
    ack_timeout_s: float = Field(30.0, gt=0, description="wait this long for Kafka to acknowledge a batch")
    standby_retry_s: float = Field(5.0, gt=0, description="retry period of a relay waiting for another's lock")
    producer: dict[str, str] = Field(
        default_factory=lambda: {"linger.ms": "5", "compression.type": "lz4"},
        description="extra librdkafka producer settings (JSON); idempotence and acks=all are always on",
    )
    metrics_port: int = Field(9101, ge=0, description="/metrics, /health and /ready port; 0 = off")
    data_key_cache_s: float = Field(
        60.0, ge=0, description="how long an unwrapped data key (or an erasure) is cached in memory before re-reading"
    )


class LakeSinkSettings(BaseSettings):
    """The Kafka -> Parquet lake sink (``pizza lake sink``)."""

    model_config = SettingsConfigDict(env_prefix="PIZZA_LAKE_SINK_", env_file=".env", extra="ignore")

    group_id: str = "pizza-lake-sink"
    topic_pattern: str = Field(r"^cdc\..*", description="regex of the topics written to the lake")
    max_rows: int = Field(50_000, ge=1, description="roll a file after this many rows per topic partition")
    max_bytes: int = Field(64 * 1024 * 1024, ge=1, description="... or after this many message bytes")
    max_age_s: float = Field(60.0, gt=0, description="... or when its first row waited this long")
    poll_timeout_s: float = Field(0.5, gt=0)
    session_timeout_ms: int = Field(6000, ge=1000, description="Kafka group session; short locally")
    metadata_refresh_ms: int = Field(5000, ge=100, description="how soon a new cdc.* topic is picked up")
    consumer: dict[str, str] = Field(default_factory=dict, description="extra librdkafka consumer settings (JSON)")
    parquet_compression: str = "zstd"
    metrics_port: int = Field(9102, ge=0, description="/metrics, /health and /ready port; 0 = off")


@lru_cache
def get_cdc_settings() -> CdcSettings:
    return CdcSettings()


@lru_cache
def get_lake_sink_settings() -> LakeSinkSettings:
    return LakeSinkSettings()
