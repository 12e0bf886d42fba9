"""The analyst's filters (date range, cities, restaurants) and how every query applies them.

Pure logic, no Streamlit: the sidebar (``dashboards.sidebar``) fills a :class:`Filters`, the queries turn it
into a parameterised WHERE clause, and period-over-period deltas compare with :meth:`Filters.previous`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta


@dataclass(frozen=True)
class Filters:
    """Inclusive local-date range plus optional city and restaurant selections (empty = all)."""

    start: date
    end: date
    cities: tuple[str, ...] = ()
    restaurant_ids: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError(f"date range ends before it starts: {self.start} > {self.end}")

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> Filters:
        """The period of the same length just before this one, same cities and restaurants."""
        return replace(self, start=self.start - timedelta(days=self.days), end=self.start - timedelta(days=1))

    def where(
        self,
        *,
        date_column: str | None = "order_date",
        city_column: str | None = "city",
        restaurant_column: str | None = "restaurant_id",
    ) -> tuple[str, list[object]]:
        """A SQL condition (with ``?`` placeholders) and its parameters; pass None to skip a dimension."""
        clauses: list[str] = []
        params: list[object] = []
        if date_column:
            clauses.append(f"{date_column} BETWEEN ? AND ?")
            params += [self.start, self.end]
        if city_column and self.cities:
            clauses.append(f"{city_column} IN ({', '.join('?' for _ in self.cities)})")
            params += list(self.cities)
        if restaurant_column and self.restaurant_ids:
            clauses.append(f"{restaurant_column} IN ({', '.join('?' for _ in self.restaurant_ids)})")
            params += list(self.restaurant_ids)
        return (" AND ".join(clauses) or "TRUE"), params


def default_range(latest: date, days: int) -> tuple[date, date]:
    """The last ``days`` days of data, ending on the latest day with data (not today: data may lag)."""
    return latest - timedelta(days=days - 1), latest


def relative_change(current: float | None, previous: float | None) -> float | None:
    """Relative change current vs previous, or None when there is nothing to compare with."""
    if current is None or previous is None or previous == 0:
        return None
    return (current - previous) / abs(previous)
