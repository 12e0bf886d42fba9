"""The same project, unchanged, on another adapter: `dbt build --target postgres` against the stack's Postgres.

It proves the cross-database macros' default (ANSI/Postgres) branches, the profile's env vars and the
incremental merges outside DuckDB, and that both warehouses agree on the figures.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb
import psycopg
import pytest
from warehouse_fixture import BuiltWarehouse, copy_lake_to_postgres

from pizza.config import PlatformSettings
from pizzactl.cli.analytics import DbtSettings, run_dbt

pytestmark = [pytest.mark.integration, pytest.mark.slow]

DATABASE = "pizza_analytics_test"


@pytest.fixture(scope="module")
def postgres_warehouse(stack: PlatformSettings, built: BuiltWarehouse) -> Iterator[str]:
    with psycopg.connect(stack.local_dsn("postgres"), autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
        admin.execute(f"CREATE DATABASE {DATABASE}")
    dsn = stack.local_dsn(DATABASE)
    copy_lake_to_postgres(built.lake_only, dsn)
    yield dsn
    with psycopg.connect(stack.local_dsn("postgres"), autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")


def test_build_on_postgres_passes_and_agrees_with_duckdb(
    stack: PlatformSettings,
    built: BuiltWarehouse,
    postgres_warehouse: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name, value in {
        "PIZZA_DBT_POSTGRES_HOST": stack.pg_host,
        "PIZZA_DBT_POSTGRES_PORT": str(stack.pg_port),
        "PIZZA_DBT_POSTGRES_USER": stack.pg_user,
        "PIZZA_DBT_POSTGRES_PASSWORD": stack.pg_password,
        "PIZZA_DBT_POSTGRES_DBNAME": DATABASE,
    }.items():
        monkeypatch.setenv(name, value)

    run = run_dbt(["build"], settings=DbtSettings(target="postgres", artifacts_dir=tmp_path / "dbt"), quiet=True)

    assert run.success, [(p.name, p.message) for p in run.problems]
    assert not run.with_status("warn"), [(w.name, w.message) for w in run.with_status("warn")]
    queries = (
        "SELECT city, count(*), sum(orders_placed), sum(revenue_minor), sum(revenue_usd) "
        "FROM marts.revenue_daily GROUP BY city ORDER BY city",
        "SELECT rfm_segment, count(*) FROM marts.dim_customers GROUP BY 1 ORDER BY 1",
        "SELECT count(*) FILTER (WHERE is_on_time), count(*) FROM marts.fct_deliveries",
        "SELECT count(*), sum(lift) FROM marts.menu_item_affinity",
        "SELECT sum(active_customers) FROM marts.customer_cohorts",
    )
    with psycopg.connect(postgres_warehouse) as conn:
        on_postgres = [v for sql in queries for row in conn.execute(sql).fetchall() for v in row]
    with duckdb.connect(str(built.warehouse), read_only=True) as con:
        on_duckdb = [v for sql in queries for row in con.execute(sql).fetchall() for v in row]
    assert [v for v in on_postgres if isinstance(v, str)] == [v for v in on_duckdb if isinstance(v, str)]
    # numbers as floats: Postgres answers Decimal where DuckDB answers int or float
    numbers_pg = [float(v) for v in on_postgres if not isinstance(v, str)]
    assert numbers_pg == pytest.approx([float(v) for v in on_duckdb if not isinstance(v, str)])
