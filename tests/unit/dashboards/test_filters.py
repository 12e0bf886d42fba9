from __future__ import annotations

from datetime import date

import pytest

from dashboards.filters import Filters, default_range, relative_change

pytestmark = pytest.mark.unit


def test_previous_period_has_the_same_length_and_ends_the_day_before() -> None:
    current = Filters(start=date(2025, 3, 1), end=date(2025, 3, 28), cities=("Paris",))
    previous = current.previous()
    assert (previous.start, previous.end) == (date(2025, 2, 1), date(2025, 2, 28))
    assert previous.days == current.days == 28
    assert previous.cities == ("Paris",)


def test_where_binds_dates_cities_and_restaurants_as_parameters() -> None:
    filters = Filters(date(2025, 3, 1), date(2025, 3, 7), cities=("Paris", "Rome"), restaurant_ids=("r1",))
    where, params = filters.where()
    assert where == "order_date BETWEEN ? AND ? AND city IN (?, ?) AND restaurant_id IN (?)"
    assert params == [date(2025, 3, 1), date(2025, 3, 7), "Paris", "Rome", "r1"]


def test_where_skips_empty_selections_and_dimensions_a_table_lacks() -> None:
    filters = Filters(date(2025, 3, 1), date(2025, 3, 7), restaurant_ids=("r1",))
    assert filters.where(date_column=None, restaurant_column=None) == ("TRUE", [])
    assert filters.where(date_column="d.day") == (
        "d.day BETWEEN ? AND ? AND restaurant_id IN (?)",
        [
            date(2025, 3, 1),
            date(2025, 3, 7),
            "r1",
        ],
    )


def test_a_range_ending_before_it_starts_is_refused() -> None:
    with pytest.raises(ValueError, match="ends before it starts"):
        Filters(start=date(2025, 3, 2), end=date(2025, 3, 1))


def test_default_range_ends_on_the_latest_day_with_data() -> None:
    assert default_range(date(2025, 3, 28), 28) == (date(2025, 3, 1), date(2025, 3, 28))


@pytest.mark.parametrize(
    ("current", "previous", "expected"),
    [(150, 100, 0.5), (50, 100, -0.5), (10, 0, None), (None, 3, None), (3, None, None), (-5, -10, 0.5)],
)
def test_relative_change(current: float | None, previous: float | None, expected: float | None) -> None:
    assert relative_change(current, previous) == expected
