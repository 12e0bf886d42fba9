"""Load curated tables and facts from the lake into the warehouse, one date partition at a time.

Incremental: a partition is (re)loaded when its files changed since the last load (a fingerprint of
file names, sizes and modification times, kept in ``<lake>/_state/load_warehouse/``), when the warehouse
lacks the table, or with ``--full``. Partitions gone from the lake are dropped from the warehouse.
Every loaded partition is reconciled: the warehouse must report as many rows as the lake holds.

    python -m pipelines.jobs.load_warehouse [--datasets orders,fact_orders] [--full]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import date

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as pads

from pipelines import quality
from pipelines.io.lakefs import Location, location
from pipelines.io.state import read_state, write_state
from pipelines.loaders import Dataset, WarehouseLoader, datasets, loader_for
from pipelines.settings import PipelineSettings, get_pipeline_settings
from pizza.config import PlatformSettings, get_platform_settings
from pizza.contracts.curated import PARTITION_DATE, FactTable
from pizza.logs import configure_logging, get_logger

log = get_logger(__name__)
STATE = "load_warehouse"


@dataclass
class LoadResult:
    target: str
    loaded: dict[str, dict[str, int]] = field(default_factory=dict)  # dataset -> {date: rows}
    dropped: dict[str, list[str]] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def loaded_rows(self) -> int:
        return sum(sum(d.values()) for d in self.loaded.values())


def partition_dates(lake: Location, dataset: Dataset) -> list[date]:
    names = lake.list_dirs(dataset.prefix, dataset.name)
    return sorted(date.fromisoformat(n.split("=", 1)[1]) for n in names if n.startswith(f"{PARTITION_DATE}="))


def fingerprint(lake: Location, dataset: Dataset, day: date) -> str:
    files = lake.list_files(dataset.prefix, dataset.name, f"{PARTITION_DATE}={day.isoformat()}")
    digest = hashlib.sha256()
    for info in files:
        mtime = info.mtime_ns if info.mtime_ns is not None else 0
        digest.update(f"{info.path}|{info.size}|{mtime}\n".encode())
    return digest.hexdigest()


def read_partition(lake: Location, dataset: Dataset, day: date) -> pa.Table:
    """The partition's rows, shaped exactly like the contract (partition columns included)."""
    folder = lake.path(dataset.prefix, dataset.name, f"{PARTITION_DATE}={day.isoformat()}")
    spec = dataset.spec
    inner = [c for c in spec.partition_by if c != PARTITION_DATE] if isinstance(spec, FactTable) else []
    partitioning = pads.partitioning(pa.schema([(c, pa.string()) for c in inner]), flavor="hive") if inner else None
    table = pads.dataset(folder, filesystem=lake.fs, format="parquet", partitioning=partitioning).to_table()
    table = table.append_column(PARTITION_DATE, pa.array([day] * table.num_rows, pa.date32()))
    schema = dataset.schema
    return pa.table({f.name: pc.cast(table[f.name], f.type) for f in schema}, schema=schema)


def load_dataset(
    lake: Location, loader: WarehouseLoader, dataset: Dataset, loaded: dict[str, str], full: bool, result: LoadResult
) -> list[quality.Check]:
    checks: list[quality.Check] = []
    if not loader.table_exists(dataset):
        loaded.clear()  # a new or recreated warehouse table: load every partition
    loader.ensure_table(dataset)
    in_lake = partition_dates(lake, dataset)
    for day in in_lake:
        key = day.isoformat()
        mark = fingerprint(lake, dataset, day)
        if not full and loaded.get(key) == mark:
            continue
        rows = read_partition(lake, dataset, day)
        count = loader.replace_partition(dataset, day, rows)
        checks.append(quality.equal(dataset.name, f"warehouse rows == lake rows on {key}", count, rows.num_rows))
        loaded[key] = mark
        result.loaded.setdefault(dataset.name, {})[key] = count
    for key in sorted(set(loaded) - {d.isoformat() for d in in_lake}):
        loader.drop_partition(dataset, date.fromisoformat(key))
        del loaded[key]
        result.dropped.setdefault(dataset.name, []).append(key)
    return checks


def run(
    platform: PlatformSettings,
    settings: PipelineSettings,
    loader: WarehouseLoader | None = None,
    names: list[str] | None = None,
    full: bool = False,
) -> LoadResult:
    started = time.monotonic()
    lake = location(platform.lake, settings)
    loader = loader or loader_for(platform, settings)
    state_file = f"{loader.kind}.json"
    state = read_state(lake, STATE, state_file)
    per_target: dict[str, dict[str, str]] = state.setdefault(loader.target, {})
    result = LoadResult(target=loader.target)
    checks: list[quality.Check] = []
    with loader:
        for dataset in datasets(names):
            loaded = per_target.setdefault(dataset.name, {})
            checks += load_dataset(lake, loader, dataset, loaded, full, result)
            write_state(lake, state, STATE, state_file)  # progress survives a failure in a later dataset
            log.info("load.dataset_done", dataset=dataset.name, partitions=len(result.loaded.get(dataset.name, {})))
    quality.enforce(checks)
    result.seconds = round(time.monotonic() - started, 2)
    log.info("load.done", warehouse=result.target, rows=result.loaded_rows, seconds=result.seconds)
    return result


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="load_warehouse", description=__doc__.split("\n")[0])
    parser.add_argument("--datasets", help="comma-separated curated tables / facts (default: all)")
    parser.add_argument("--full", action="store_true", help="reload every partition")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    configure_logging()
    args = parse_args(argv)
    names = args.datasets.split(",") if args.datasets else None
    result = run(get_platform_settings(), get_pipeline_settings(), names=names, full=args.full)
    print(json.dumps(asdict(result), indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
