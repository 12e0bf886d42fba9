"""Which months are cold, and how a row is made canonical on both sides of the checksum."""

from __future__ import annotations

from datetime import date

import pytest

from pipelines.partitions.archive import Column, cutoff_month

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("today", "months", "cutoff"),
    [
        (date(2026, 11, 25), 6, date(2026, 5, 1)),
        (date(2026, 3, 1), 6, date(2025, 9, 1)),
        (date(2026, 1, 31), 1, date(2025, 12, 1)),
    ],
)
def test_months_before_the_cutoff_are_archived(today: date, months: int, cutoff: date) -> None:
    assert cutoff_month(today, months) == cutoff


def test_timestamps_are_compared_as_epoch_microseconds_and_the_rest_as_text() -> None:
    ts = Column("created_at", "timestamp with time zone")
    assert "extract(epoch" in ts.canonical_pg()
    assert ts.canonical_duckdb() == 'epoch_us("created_at")::VARCHAR'
    assert Column("order_id", "uuid").canonical_pg() == '"order_id"::text'
    assert str(Column("order_id", "uuid").arrow_type) == "string"
