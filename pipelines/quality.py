"""Data-quality gates run at the end of every job: a failing check fails the job, loudly.

Checks compare what was written (read back from the lake) with what the job expected to write, so a
silent loss anywhere between the transform and the storage shows up as a failed run, not a bad chart.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from pizza.logs import get_logger

log = get_logger(__name__)


class DataQualityError(RuntimeError):
    """Raised when any check fails; the message lists every failed check."""


@dataclass(frozen=True)
class Check:
    dataset: str
    name: str
    passed: bool
    detail: str


def equal(dataset: str, name: str, actual: object, expected: object) -> Check:
    return Check(dataset, name, actual == expected, f"actual={actual} expected={expected}")


@dataclass(frozen=True)
class Profile:
    """Row count, distinct keys and null keys of a dataset, measured in one pass."""

    rows: int
    distinct_keys: int
    null_keys: int
    keys: tuple[str, ...]

    def checks(self, dataset: str) -> list[Check]:
        names = ",".join(self.keys)
        return [
            Check(dataset, f"unique {names}", self.distinct_keys == self.rows, f"{self.rows - self.distinct_keys} dup"),
            Check(dataset, f"no null {names}", self.null_keys == 0, f"{self.null_keys} row(s) with a null key"),
        ]


def profile(df: DataFrame, keys: Sequence[str], also_not_null: Sequence[str] = ()) -> Profile:
    any_null = F.lit(False)
    for column in (*keys, *also_not_null):
        any_null = any_null | F.col(column).isNull()
    row = df.agg(
        F.count(F.lit(1)).alias("rows"),
        F.count_distinct(F.struct(*keys)).alias("distinct_keys"),
        F.sum(any_null.cast("int")).alias("null_keys"),
    ).collect()[0]
    return Profile(int(row["rows"]), int(row["distinct_keys"]), int(row["null_keys"] or 0), (*keys, *also_not_null))


def enforce(checks: Iterable[Check]) -> list[Check]:
    """Log every check; raise if any failed."""
    done = list(checks)
    for check in done:
        log.info("dq.check", dataset=check.dataset, check=check.name, passed=check.passed, detail=check.detail)
    failed = [c for c in done if not c.passed]
    if failed:
        raise DataQualityError("; ".join(f"{c.dataset}: {c.name} failed ({c.detail})" for c in failed))
    return done
