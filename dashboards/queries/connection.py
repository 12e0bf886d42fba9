"""Read-only access to the published marts snapshot, with Streamlit's cache in front.

Each query opens a short read-only DuckDB connection to the snapshot file and closes it: nothing keeps a
file open between reruns, and a new snapshot published by ``pizza dbt build`` (an atomic rename) is
picked up by the next query. The snapshot's modification time is part of the cache key, so a new
publication invalidates cached results at once; otherwise results live for ``cache_ttl_seconds``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import duckdb
import pandas as pd
import streamlit as st

from dashboards.settings import get_dashboard_settings


class MartsUnavailableError(RuntimeError):
    """The marts snapshot has not been published yet."""


def snapshot_path() -> Path:
    return get_dashboard_settings().marts


def snapshot_version() -> int:
    path = snapshot_path()
    if not path.exists():
        raise MartsUnavailableError(f"no marts snapshot at {path}: run `pizza dbt build`")
    return path.stat().st_mtime_ns


@st.cache_data(ttl=get_dashboard_settings().cache_ttl_seconds, show_spinner=False, max_entries=512)
def _cached(sql: str, params: tuple[object, ...], path: str, version: int) -> pd.DataFrame:
    with duckdb.connect(path, read_only=True) as con:
        return con.execute(sql, list(params)).df()


def query(sql: str, params: Sequence[object] = ()) -> pd.DataFrame:
    """Run a SELECT on the marts snapshot; cached per (sql, params, snapshot version)."""
    version = snapshot_version()
    return _cached(sql, tuple(params), str(snapshot_path()), version)


def table_exists(schema: str, table: str) -> bool:
    found = query(
        "SELECT count(*) AS n FROM information_schema.tables WHERE table_schema = ? AND table_name = ?",
        [schema, table],
    )
    return bool(found["n"].iloc[0])
