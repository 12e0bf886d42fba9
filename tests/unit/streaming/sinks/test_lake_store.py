"""Lake files are found by name and written whole or not at all."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pizza.contracts.lake import raw_file_name
from streaming.sinks.lake_store import LakeStore, RawFile, parse_raw_file_name

pytestmark = pytest.mark.unit


def test_raw_file_names_parse_back_to_their_offsets() -> None:
    name = raw_file_name("cdc.order_items", 3, 17, 42)
    assert parse_raw_file_name(f"lake/raw/cdc/order_items/date=2026-11-25/hour=08/{name}") == RawFile(
        42, 17, "cdc.order_items", 3, f"lake/raw/cdc/order_items/date=2026-11-25/hour=08/{name}"
    )


@pytest.mark.parametrize(
    "name", [".cdc.orders+0+1+2.parquet.9.tmp", "_SUCCESS", "part-0000.parquet", "cdc.orders+0+x+2.parquet"]
)
def test_other_files_are_not_raw_files(name: str) -> None:
    assert parse_raw_file_name(name) is None


def test_a_local_write_is_atomic_and_listed_per_topic_partition(tmp_path: Path) -> None:
    store = LakeStore(str(tmp_path))
    table = pa.table({"x": [1, 2]})
    for partition, first, last in [(0, 0, 9), (0, 10, 19), (1, 0, 4)]:
        name = raw_file_name("cdc.orders", partition, first, last)
        store.write(f"{store.table_dir('orders')}/date=2026-11-25/hour=10/{name}", table)
    assert list(tmp_path.rglob(".*")) == []  # no temporary file left behind
    files = store.raw_files("orders", "cdc.orders", 0)
    assert [(f.first_offset, f.last_offset) for f in files] == [(0, 9), (10, 19)]
    assert pq.read_table(files[0].path).to_pydict() == {"x": [1, 2]}
    assert store.raw_files("coupons", "cdc.coupons", 0) == []  # no folder yet


def test_stale_temporary_files_of_a_partition_are_removed_and_others_kept(tmp_path: Path) -> None:
    store = LakeStore(str(tmp_path))
    folder = Path(store.table_dir("orders")) / "date=2026-11-25" / "hour=10"
    folder.mkdir(parents=True)
    mine = folder / f".{raw_file_name('cdc.orders', 0, 0, 9)}.123.tmp"
    other = folder / f".{raw_file_name('cdc.orders', 1, 0, 9)}.456.tmp"
    mine.write_bytes(b"half")
    other.write_bytes(b"half")
    assert store.remove_stale_temp_files("orders", "cdc.orders", 0) == 1
    assert not mine.exists()
    assert other.exists()
