"""Reference-rate conversion: every market's thresholds and fees come from here, so its rules are properties."""

from __future__ import annotations

import csv
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipelines.synthetic.world import CURRENCY_PRICE_LEVEL
from pizza.money import (
    REFERENCE_RATES,
    NotWholeMinorUnits,
    Threshold,
    UnknownCurrencyError,
    minor_unit_exponent,
    provider_amount,
    sensible_step,
)

pytestmark = pytest.mark.unit

CURRENCIES = st.sampled_from(sorted(REFERENCE_RATES))
CENTS = st.integers(min_value=0, max_value=10_000_000)


def test_every_demo_currency_has_a_reference_rate() -> None:
    assert set(CURRENCY_PRICE_LEVEL) <= set(REFERENCE_RATES)


def test_the_platforms_rates_agree_with_the_warehouses_seed_for_every_demo_currency() -> None:
    # Two tables today (the warehouse's seeds/fx_rates.csv sizes USD KPIs); a mistyped or inverted rate is
    # off by far more than the few per cent a threshold tolerates.
    seed = Path(__file__).resolve().parents[3] / "dbt" / "seeds" / "fx_rates.csv"
    with seed.open() as f:
        per_usd = {row["currency"]: 1 / float(row["usd_per_unit"]) for row in csv.DictReader(f)}
    for currency in CURRENCY_PRICE_LEVEL:
        assert REFERENCE_RATES[currency] / per_usd[currency] == pytest.approx(1, abs=0.15), currency


def test_steps_are_whole_minor_units_of_a_sensible_size() -> None:
    steps = {c: sensible_step(c) for c in ("USD", "EUR", "INR", "JPY", "KRW", "IDR", "BHD")}
    assert steps == {"USD": 1, "EUR": 1, "INR": 10, "JPY": 100, "KRW": 1000, "IDR": 10000, "BHD": 1}
    assert [minor_unit_exponent(c) for c in ("USD", "JPY", "BHD")] == [2, 0, 3]
    with pytest.raises(UnknownCurrencyError):
        sensible_step("XXX")


@given(CENTS, CURRENCIES)
def test_a_threshold_is_a_whole_number_of_minor_units_and_of_steps(cents: int, currency: str) -> None:
    local = Threshold(cents).in_currency(currency)
    assert local >= 0
    assert local % sensible_step(currency) == 0
    assert local % 10 ** max(0, 2 - minor_unit_exponent(currency)) == 0  # whole yen, whole won


@given(CENTS, CURRENCIES)
def test_a_threshold_is_the_reference_amount_within_half_a_step(cents: int, currency: str) -> None:
    rate = Fraction(str(REFERENCE_RATES[currency]))
    step = sensible_step(currency)
    error = abs(Fraction(Threshold(cents).in_currency(currency)) - cents * rate)
    assert error <= Fraction(step, 2)
    assert step == 1 or step <= rate  # a step is never worth more than a US cent, beyond the platform's hundredth


@given(CENTS, CENTS, CURRENCIES)
def test_a_larger_threshold_is_never_smaller_locally(a: int, b: int, currency: str) -> None:
    low, high = sorted((a, b))
    assert Threshold(low).in_currency(currency) <= Threshold(high).in_currency(currency)


@pytest.mark.parametrize(
    ("cents", "currency", "sent"),
    [(1500, "USD", 1500), (150000, "JPY", 1500), (125, "BHD", 1250), (2599, "EUR", 2599), (1_000_000, "KRW", 10_000)],
)
def test_providers_get_the_currencys_own_minor_units(cents: int, currency: str, sent: int) -> None:
    assert provider_amount(cents, currency) == sent


def test_a_fraction_of_a_yen_is_never_charged() -> None:
    with pytest.raises(NotWholeMinorUnits):
        provider_amount(150050, "JPY")


@given(CURRENCIES, CENTS)
def test_every_amount_set_in_dollars_can_be_paid_exactly(currency: str, dollars: int) -> None:
    local = Threshold(dollars).in_currency(currency)  # hundredths
    minor = provider_amount(local, currency)  # never a fraction of the smallest coin
    assert minor * 100 == local * 10 ** minor_unit_exponent(currency)  # the same amount of money
