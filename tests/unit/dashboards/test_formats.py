from __future__ import annotations

import math

import pandas as pd
import pytest

from dashboards.formats import delta, minutes, money, number, percent

pytestmark = pytest.mark.unit


def test_number_turns_sql_null_into_none() -> None:
    assert number(math.nan) is None
    assert number(pd.NA) is None
    assert number(None) is None
    assert number("x") is None
    assert number(3) == 3.0


def test_delta_is_a_signed_percentage_or_nothing_without_a_baseline() -> None:
    assert delta(120, 100) == "+20.0%"
    assert delta(80, 100) == "-20.0%"
    assert delta(5, 0) is None


def test_money_drops_cents_on_large_amounts() -> None:
    assert money(12345.6) == "$12,346"
    assert money(20.5) == "$20.50"
    assert money(None) == "-"


def test_minutes_and_percent() -> None:
    assert minutes(34.56) == "34.6 min"
    assert percent(0.1234) == "12.3%"
    assert minutes(None) == percent(None) == "-"
