"""Which order dates a compaction run may have changed."""

from __future__ import annotations

from datetime import date

import pytest

from pipelines.jobs.build_facts import fact_dates_for

pytestmark = pytest.mark.unit


def test_orders_map_to_their_own_date_and_later_changes_look_back() -> None:
    touched = {"orders": ["2026-03-05"], "order_status_history": ["2026-03-10"], "users": ["2026-01-01"]}
    assert fact_dates_for(touched, lookahead_days=2) == [
        date(2026, 3, 5),
        date(2026, 3, 8),
        date(2026, 3, 9),
        date(2026, 3, 10),
    ]


def test_nothing_touched_means_nothing_to_rebuild() -> None:
    assert fact_dates_for({}, 3) == []
