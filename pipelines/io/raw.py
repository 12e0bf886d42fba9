"""Listing the raw CDC files written by the lake sink (``raw/cdc/<table>/date=/hour=/<file>.parquet``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from pipelines.io.lakefs import Location
from pizza.contracts.lake import RAW_CDC


@dataclass(frozen=True)
class RawFile:
    path: str  # inside the lake filesystem
    size: int
    date: date

    @property
    def key(self) -> str:
        """Stable identity inside the table folder, independent of where the lake is mounted."""
        return self.path.split(f"/{RAW_CDC}/", 1)[-1]


def raw_dates(lake: Location, table: str) -> list[date]:
    return sorted(date.fromisoformat(d.removeprefix("date=")) for d in lake.list_dirs(RAW_CDC, table) if "=" in d)


def list_raw_files(lake: Location, table: str, since: date | None = None) -> list[RawFile]:
    """Raw files of ``table`` in date partitions on or after ``since`` (all when None)."""
    files: list[RawFile] = []
    for day in raw_dates(lake, table):
        if since is not None and day < since:
            continue
        for info in lake.list_files(RAW_CDC, table, f"date={day.isoformat()}"):
            files.append(RawFile(path=info.path, size=int(info.size or 0), date=day))
    return files


def days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]
