"""The marts: ``dbt build`` on the warehouse, then the snapshot of the marts that the dashboards read.

dbt runs as a subprocess of the environment's own ``dbt`` (``--project-dir dbt --profiles-dir dbt``): it
keeps dbt's global state and the DuckDB file lock out of the caller's process, which matters for the
Airflow ``marts_build`` task that calls :func:`build_and_publish` in its own worker. After a successful
build on a DuckDB target the marts are copied into the snapshot file (``PlatformSettings.marts_snapshot``):
DuckDB locks the warehouse while dbt writes, and an analyst's open page must never block the next build.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict
from tenacity import retry, retry_if_exception_type, stop_after_attempt, wait_exponential

from pizza.config import REPO_ROOT, PlatformSettings, get_platform_settings
from pizza.logs import get_logger

log = get_logger(__name__)

DUCKDB_TARGETS = frozenset({"local", "ci"})
MARTS_SCHEMA = "marts"


class DbtSettings(BaseSettings):
    """How `pizza dbt` runs dbt (``PIZZA_DBT_*``). Warehouse credentials live in dbt/profiles.yml's env vars."""

    model_config = SettingsConfigDict(env_prefix="PIZZA_DBT_", env_file=".env", extra="ignore")

    target: str = Field("local", description="profiles.yml target: local | ci | bigquery | snowflake | postgres")
    project_dir: Path = Field(REPO_ROOT / "dbt", description="the dbt project")
    profiles_dir: Path | None = Field(None, description="folder of profiles.yml; default: the project folder")
    artifacts_dir: Path | None = Field(None, description="dbt target/ and logs/; default: <state dir>/dbt")
    publish_snapshot: bool = Field(True, description="copy the marts to the dashboards' snapshot after a build")


@dataclass(frozen=True)
class NodeResult:
    unique_id: str
    status: str
    message: str | None
    failures: int | None

    @property
    def name(self) -> str:
        """The node's name: ``test.pizza.<name>.<hash>`` -> name; unit tests as ``<model>.<test>``."""
        parts = self.unique_id.split(".")
        if parts[0] == "unit_test" and len(parts) >= 4:
            return f"{parts[2]}.{parts[3]}"
        return parts[2] if len(parts) >= 3 else self.unique_id


@dataclass
class DbtRun:
    """Outcome of one dbt invocation, read from its run_results.json."""

    command: list[str]
    returncode: int
    results: list[NodeResult] = field(default_factory=list)

    @property
    def success(self) -> bool:
        return self.returncode == 0

    def with_status(self, *statuses: str) -> list[NodeResult]:
        return [r for r in self.results if r.status in statuses]

    @property
    def problems(self) -> list[NodeResult]:
        return self.with_status("error", "fail", "runtime error")


def get_dbt_settings() -> DbtSettings:
    return DbtSettings()


def _artifacts(platform: PlatformSettings, settings: DbtSettings) -> Path:
    return settings.artifacts_dir or platform.state_dir / "dbt"


def dbt_environment(platform: PlatformSettings, settings: DbtSettings) -> dict[str, str]:
    """The child's environment: the warehouse path made absolute, artifacts outside the source tree."""
    artifacts = _artifacts(platform, settings)
    return {
        **os.environ,
        "PIZZA_WAREHOUSE_PATH": str(platform.warehouse.resolve()),
        "DBT_TARGET_PATH": str(artifacts / "target"),
        "DBT_LOG_PATH": str(artifacts / "logs"),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }


def run_dbt(
    args: list[str],
    *,
    platform: PlatformSettings | None = None,
    settings: DbtSettings | None = None,
    dbt_vars: dict[str, Any] | None = None,
    quiet: bool = False,
) -> DbtRun:
    """Run ``dbt <args>`` on the project and target from settings; output streams to the terminal."""
    platform = platform or get_platform_settings()
    settings = settings or get_dbt_settings()
    dbt = Path(sys.executable).with_name("dbt")
    command = [
        str(dbt) if dbt.exists() else "dbt",
        *args,
        "--project-dir",
        str(settings.project_dir),
        "--profiles-dir",
        str(settings.profiles_dir or settings.project_dir),
        "--target",
        settings.target,
    ]
    if dbt_vars:
        command += ["--vars", json.dumps(dbt_vars)]
    env = dbt_environment(platform, settings)
    # `dbt source freshness` reports in sources.json, every other command in run_results.json
    results_file = Path(env["DBT_TARGET_PATH"]) / (
        "sources.json" if args[:2] == ["source", "freshness"] else "run_results.json"
    )
    results_file.unlink(missing_ok=True)
    log.info("dbt.start", command=" ".join(command[1:]), dbt_target=settings.target)
    completed = subprocess.run(
        command,
        env=env,
        cwd=settings.project_dir,
        check=False,
        stdout=subprocess.DEVNULL if quiet else None,
    )
    run = DbtRun(command=command, returncode=completed.returncode, results=_read_results(results_file))
    log.info("dbt.done", returncode=run.returncode, nodes=len(run.results), problems=len(run.problems))
    return run


def _read_results(path: Path) -> list[NodeResult]:
    if not path.exists():
        return []
    payload = json.loads(path.read_text())
    return [
        NodeResult(r["unique_id"], str(r["status"]).lower(), r.get("message"), r.get("failures"))
        for r in payload.get("results", [])
    ]


@retry(
    retry=retry_if_exception_type(duckdb.IOException),
    stop=stop_after_attempt(5),
    wait=wait_exponential(multiplier=0.5, max=8),
    reraise=True,
)
def publish_marts_snapshot(warehouse: Path, snapshot: Path, *, schema: str = MARTS_SCHEMA) -> list[str]:
    """Copy every table of ``schema`` into a fresh DuckDB file and atomically replace ``snapshot`` with it.

    Readers holding the old snapshot open keep reading it (the rename swaps the directory entry, not
    the file); the next connection sees the new one. Retried while a loader briefly holds the warehouse.
    """
    snapshot.parent.mkdir(parents=True, exist_ok=True)
    staging = snapshot.with_name(f".{snapshot.name}.{os.getpid()}.tmp")
    staging.unlink(missing_ok=True)
    try:
        with duckdb.connect(str(staging)) as con:
            here = con.execute("SELECT current_database()").fetchall()[0][0]
            con.execute("ATTACH ? AS warehouse (READ_ONLY)", [str(warehouse)])
            tables = [
                row[0]
                for row in con.execute(
                    "SELECT table_name FROM information_schema.tables "
                    "WHERE table_catalog = 'warehouse' AND table_schema = ? AND table_type = 'BASE TABLE' "
                    "ORDER BY table_name",
                    [schema],
                ).fetchall()
            ]
            con.execute(f'CREATE SCHEMA "{here}"."{schema}"')
            for table in tables:
                con.execute(
                    f'CREATE TABLE "{here}"."{schema}"."{table}" AS SELECT * FROM warehouse."{schema}"."{table}"'
                )
            con.execute(f'CREATE SCHEMA "{here}".meta')
            con.execute(
                f'CREATE TABLE "{here}".meta.snapshot AS SELECT ?::TIMESTAMPTZ AS published_at, ? AS tables',
                [datetime.now(UTC), tables],
            )
            con.execute("DETACH warehouse")
        os.replace(staging, snapshot)
    finally:
        staging.unlink(missing_ok=True)
    log.info("marts.published", snapshot=str(snapshot), tables=len(tables))
    return tables


def build_and_publish(
    *,
    select: str | None = None,
    full_refresh: bool = False,
    platform: PlatformSettings | None = None,
    settings: DbtSettings | None = None,
    snapshot: Path | None = None,
    quiet: bool = False,
) -> DbtRun:
    """``dbt build`` (seeds, models, tests), then publish the marts snapshot when the build passed (DuckDB targets)."""
    platform = platform or get_platform_settings()
    settings = settings or get_dbt_settings()
    args = ["build"]
    if select:
        # A partial build runs a test only when every model it reads is built here or upstream of it:
        # dbt's default also picks tests that read an unselected mart, which then fail on a stale or
        # missing table rather than on the data being built.
        args += ["--select", select, "--indirect-selection", "buildable"]
    if full_refresh:
        args.append("--full-refresh")
    run = run_dbt(args, platform=platform, settings=settings, quiet=quiet)
    if run.success and settings.publish_snapshot and settings.target in DUCKDB_TARGETS:
        publish_marts_snapshot(platform.warehouse, snapshot or platform.marts_snapshot)
    return run
