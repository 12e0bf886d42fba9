"""Platform-wide settings: where the shared infrastructure lives.

Every layer reads the stores it shares with the others (Postgres shards, Redis, Kafka, MongoDB,
the lake) from this one object, so a deployment changes a DSN in one environment variable and
every process follows. Each layer keeps its own knobs in its own ``settings.py``.

Defaults point at the embedded local stack started by ``pizza stack up``.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parent.parent
# Environments where the public default secrets are accepted (development mode, see pizza/secrets.py).
DEV_ENVIRONMENTS = frozenset({"local", "ci", "bench"})


class PlatformSettings(BaseSettings):
    """Connection facts shared by every layer (``PIZZA_*``)."""

    model_config = SettingsConfigDict(env_prefix="PIZZA_", env_file=".env", extra="ignore")

    environment: str = Field(
        "production",
        description="local | ci | bench: development mode (public default secrets accepted, said at start-up); "
        "anything else refuses to start with a default or short secret. `pizza` sets local when unset",
    )
    state_dir: Path = Field(REPO_ROOT / ".pizza", description="local stack state: data, logs, pid files")

    # --- local stack ports (ignored when DSNs below point elsewhere) -----------------------------
    pg_host: str = "127.0.0.1"
    pg_port: int = 15432
    pg_user: str = "postgres"
    pg_password: str = ""
    redis_port: int = 16379
    kafka_port: int = 19092
    mongo_port: int = 17017

    # --- Postgres: one catalog, N order shards ------------------------------------------------
    shard_count: int = Field(4, ge=1, description="number of local shard databases created by the stack")
    catalog_dsn: str | None = Field(None, description="catalog database DSN; default: local stack")
    shard_dsns: dict[str, str] = Field(
        default_factory=dict,
        description='JSON object {"shard_0": "postgresql://...", ...}; default: local stack databases',
    )

    # --- other stores ----------------------------------------------------------------------------
    redis_url: str | None = None
    kafka_bootstrap: str | None = None
    kafka_replication_factor: int = 1
    kafka_partitions: int = 4
    mongo_url: str | None = None
    mongo_database: str = "pizza"

    # --- data platform locations -----------------------------------------------------------------
    lake_url: str | None = Field(None, description="raw + curated lake root; local folder or s3://bucket/prefix")
    archive_url: str | None = Field(None, description="cold archive root; local folder or s3://bucket/prefix")
    warehouse_path: Path | None = Field(None, description="DuckDB warehouse file (embedded default warehouse)")
    marts_snapshot_path: Path | None = Field(
        None, description="copy of the marts published after each dbt build; default: beside the warehouse file"
    )

    @field_validator("shard_dsns", mode="before")
    @classmethod
    def _parse_json(cls, value: Any) -> Any:
        if isinstance(value, str):
            return json.loads(value) if value.strip() else {}
        return value

    # --- resolved values -------------------------------------------------------------------------
    @property
    def dev_mode(self) -> bool:
        """True on a development machine, CI or a bench stack: the public default secrets are accepted."""
        return self.environment in DEV_ENVIRONMENTS

    def local_dsn(self, database: str) -> str:
        auth = self.pg_user + (f":{self.pg_password}" if self.pg_password else "")
        return f"postgresql://{auth}@{self.pg_host}:{self.pg_port}/{database}"

    @property
    def catalog(self) -> str:
        return self.catalog_dsn or self.local_dsn("pizza_catalog")

    @property
    def shards(self) -> dict[str, str]:
        """Shard name -> DSN. Names are what the catalog's shard map refers to."""
        if self.shard_dsns:
            return dict(self.shard_dsns)
        return {f"shard_{i}": self.local_dsn(f"pizza_shard_{i}") for i in range(self.shard_count)}

    @property
    def redis(self) -> str:
        return self.redis_url or f"redis://127.0.0.1:{self.redis_port}/0"

    @property
    def kafka(self) -> str:
        return self.kafka_bootstrap or f"127.0.0.1:{self.kafka_port}"

    @property
    def mongo(self) -> str:
        return self.mongo_url or f"mongodb://127.0.0.1:{self.mongo_port}/?directConnection=true"

    @property
    def lake(self) -> str:
        return self.lake_url or str(self.state_dir / "lake")

    @property
    def archive(self) -> str:
        return self.archive_url or str(self.state_dir / "archive")

    @property
    def warehouse(self) -> Path:
        return self.warehouse_path or self.state_dir / "warehouse" / "pizza.duckdb"

    @property
    def marts_snapshot(self) -> Path:
        """Where the marts are published for readers that must not hold the warehouse's lock (dashboards)."""
        return self.marts_snapshot_path or self.warehouse.parent / "marts_snapshot.duckdb"


@lru_cache
def get_platform_settings() -> PlatformSettings:
    return PlatformSettings()
