"""Money in ISO minor units and reference-rate conversion: every market's thresholds and fees come from here."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipelines.synthetic.world import CURRENCY_PRICE_LEVEL
from pizza.config import REPO_ROOT
from pizza.money import (
    REFERENCE_RATES,
    NotWholeMinorUnits,
    Threshold,
    UnknownCurrencyError,
    fx_rates_seed,
    minor_unit_exponent,
    provider_amount,
    sensible_step,
    to_major,
)

pytestmark = pytest.mark.unit

CURRENCIES = st.sampled_from(sorted(REFERENCE_RATES))
CENTS = st.integers(min_value=0, max_value=10_000_000)


def test_every_demo_currency_has_a_reference_rate() -> None:
    assert set(CURRENCY_PRICE_LEVEL) <= set(REFERENCE_RATES)


def test_the_warehouse_fx_seed_is_rendered_from_the_reference_rates() -> None:
    committed = (REPO_ROOT / "dbt" / "seeds" / "fx_rates.csv").read_text()
    assert committed == fx_rates_seed(), "run `uv run pizza fx-seed --write` and commit dbt/seeds/fx_rates.csv"


def test_the_fx_seed_carries_iso_exponents_and_dollars_per_unit() -> None:
    rows = {line.split(",")[0]: line.split(",") for line in fx_rates_seed().splitlines()[1:]}
    assert [rows[c][1] for c in ("USD", "JPY", "KRW", "BHD")] == ["2", "0", "0", "3"]
    assert rows["JPY"][2] == "0.00666667"  # 1 / 150
    assert "e" not in rows["IDR"][2]  # a plain decimal the warehouse reads as such


def test_exponents_are_iso_4217() -> None:
    assert [minor_unit_exponent(c) for c in ("USD", "EUR", "JPY", "KRW", "BHD", "KWD", "TND")] == [2, 2, 0, 0, 3, 3, 3]
    assert to_major(1500, "JPY") == 1500
    assert str(to_major(1250, "BHD")) == "1.250"
    assert str(to_major(1500, "USD")) == "15.00"


def test_steps_are_whole_minor_units_of_a_sensible_size() -> None:
    steps = {c: sensible_step(c) for c in ("USD", "EUR", "INR", "JPY", "KRW", "IDR", "BHD")}
    # a cent, a cent, 10 paise, a yen, 10 won, 100 rupiah, a fil: each never worth more than a US cent
    assert steps == {"USD": 1, "EUR": 1, "INR": 10, "JPY": 1, "KRW": 10, "IDR": 10000, "BHD": 1}
    with pytest.raises(UnknownCurrencyError):
        sensible_step("XXX")


def _us_cent(currency: str) -> Fraction:
    """One US cent in minor units of ``currency`` at the reference rate."""
    return Fraction(str(REFERENCE_RATES[currency])) * 10 ** minor_unit_exponent(currency) / 100


@given(CENTS, CURRENCIES)
def test_a_threshold_is_a_whole_number_of_steps(cents: int, currency: str) -> None:
    local = Threshold(cents).in_currency(currency)
    assert local >= 0
    assert local % sensible_step(currency) == 0


@given(CENTS, CURRENCIES)
def test_a_threshold_is_the_reference_amount_within_half_a_step(cents: int, currency: str) -> None:
    step = sensible_step(currency)
    error = abs(Fraction(Threshold(cents).in_currency(currency)) - cents * _us_cent(currency))
    assert error <= Fraction(step, 2)
    assert step == 1 or step <= _us_cent(currency)  # a step is never worth more than a US cent


@given(CENTS, CENTS, CURRENCIES)
def test_a_larger_threshold_is_never_smaller_locally(a: int, b: int, currency: str) -> None:
    low, high = sorted((a, b))
    assert Threshold(low).in_currency(currency) <= Threshold(high).in_currency(currency)


@pytest.mark.parametrize(
    ("cents", "currency", "local"),
    [(30_000, "USD", 30_000), (30_000, "EUR", 27_600), (30_000, "JPY", 45_000), (30_000, "BHD", 112_800)],
)
def test_three_hundred_dollars_in_each_currencys_minor_units(cents: int, currency: str, local: int) -> None:
    assert Threshold(cents).in_currency(currency) == local  # ¥45,000; BHD 112.800


@pytest.mark.parametrize(
    ("stored", "currency", "sent"),
    [(1500, "USD", 1500), (1500, "JPY", 1500), (1250, "BHD", 1250), (2599, "EUR", 2599), (10_000, "KRW", 10_000)],
)
def test_providers_get_the_stored_minor_units(stored: int, currency: str, sent: int) -> None:
    assert provider_amount(stored, currency) == sent  # $15.00, ¥1,500, BHD 1.250, €25.99, ₩10,000


@pytest.mark.parametrize("amount", [1500.5, -1, 15.0])
def test_what_is_not_a_whole_non_negative_number_of_minor_units_is_never_charged(amount: float) -> None:
    with pytest.raises(NotWholeMinorUnits):
        provider_amount(amount, "JPY")  # type: ignore[arg-type]
