"""How numbers are shown: one place for currency, minutes, percentages and deltas. Pure functions."""

from __future__ import annotations

import math

from dashboards.filters import relative_change


def number(value: object) -> float | None:
    """A query cell as a float, or None for SQL NULL (NaN or NA in pandas)."""
    try:
        result = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return None if math.isnan(result) else result


def delta(current: float | None, previous: float | None) -> str | None:
    """Streamlit metric delta: relative change in percent, or None (no arrow) without a baseline."""
    change = relative_change(current, previous)
    return None if change is None else f"{change:+.1%}"


def money(value: float | None) -> str:
    if value is None:
        return "-"
    return f"${value:,.0f}" if abs(value) >= 100 else f"${value:,.2f}"


def minutes(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f} min"


def percent(value: float | None) -> str:
    return "-" if value is None else f"{value:.1%}"
