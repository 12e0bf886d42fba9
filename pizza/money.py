"""Money facts shared by every layer: ISO 4217 minor units, and indicative exchange rates for thresholds.

Every stored or transported integer amount is in the currency's ISO 4217 minor units: cents for USD and
EUR, whole yen and won (exponent 0), fils for the Bahraini dinar (exponent 3). The columns keep their
historical ``*_cents`` suffix, but ``total_cents`` of a JPY order is yen and of a BHD order is fils.
The exponent comes from Babel's CLDR data (:func:`minor_unit_exponent`), so ¥1,500 is 1500, $15.00 is
1500 and BHD 1.250 is 1250: the same numbers payment providers use (Stripe's "smallest currency unit").

A rule written once for every market (a fraud cap, a refund cap, the delivery fee, a coupon minimum) is
set in US-dollar cents and becomes an amount in a currency through :class:`Threshold` only: converted
at :data:`REFERENCE_RATES` (units of the currency per US dollar, rounded, reviewed when a market is
added) and rounded to a price the currency is paid in. The rates only size a threshold, so a few per
cent of drift is harmless; a charge always uses the restaurant's own prices, untouched.

:data:`REFERENCE_RATES` is the platform's one FX table: the warehouse's ``dbt/seeds/fx_rates.csv`` is
rendered from it (:func:`fx_rates_seed`, ``pizza fx-seed --write``) and a test fails when they differ.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from babel.numbers import get_currency_precision

REFERENCE_CURRENCY = "USD"
REFERENCE_RATE_DATE = "2025-01-01"
REFERENCE_RATES: dict[str, float] = {
    "USD": 1.0,
    "EUR": 0.92,
    "GBP": 0.79,
    "CHF": 0.88,
    "SEK": 10.9,
    "NOK": 11.2,
    "DKK": 6.9,
    "PLN": 4.0,
    "JPY": 150.0,
    "INR": 84.0,
    "BRL": 5.5,
    "MXN": 18.0,
    "CAD": 1.37,
    "AUD": 1.52,
    "NZD": 1.7,
    "CNY": 7.2,
    "HKD": 7.8,
    "SGD": 1.35,
    "AED": 3.67,
    "KRW": 1380.0,
    "TRY": 34.0,
    "ZAR": 18.5,
    "EGP": 49.0,
    "IDR": 16000.0,
    "NGN": 1600.0,
    "ARS": 1000.0,
    "COP": 4100.0,
    "PHP": 57.0,
    "THB": 35.0,
    "BHD": 0.376,
    "KWD": 0.307,
    "TND": 3.1,
}


class UnknownCurrencyError(ValueError):
    pass


class NotWholeMinorUnits(ValueError):
    """An amount that is not a whole number of the currency's minor units (half a yen, a float)."""


def _rate(currency: str) -> Fraction:
    try:
        return Fraction(str(REFERENCE_RATES[currency.upper()]))
    except KeyError:
        raise UnknownCurrencyError(f"no reference rate for {currency!r}; add it to pizza.money") from None


def minor_unit_exponent(currency: str) -> int:
    """The ISO 4217 exponent: how many decimal places the currency's smallest coin has (Babel's CLDR data)."""
    return int(get_currency_precision(currency.upper()))


def to_major(amount: int, currency: str) -> Decimal:
    """Minor units as an exact decimal number of whole units of ``currency`` (1250 fils: 1.250 dinar)."""
    return Decimal(amount).scaleb(-minor_unit_exponent(currency))


def provider_amount(amount: int, currency: str) -> int:
    """The amount a payment provider is sent: the stored minor units themselves, once checked.

    Stored amounts already count as Stripe does, so this is the identity; it refuses what cannot be
    charged (a float such as half a yen, a negative amount) before any call.
    """
    if type(amount) is not int or amount < 0:
        raise NotWholeMinorUnits(f"{amount!r} is not a whole, non-negative number of {currency} minor units")
    return amount


def sensible_step(currency: str) -> int:
    """Minor units an amount derived from dollars is rounded to, so it reads as a price, not an artefact.

    The largest power of ten of minor units not worth more than one US cent at the reference rate, and
    never less than one minor unit: a cent, a yen, 10 won, 100 rupiah, a fil.
    """
    us_cent = _rate(currency) * 10 ** minor_unit_exponent(currency) / 100
    step = 1
    while step * 10 <= us_cent:
        step *= 10
    return step


@dataclass(frozen=True, slots=True)
class Threshold:
    """An amount set once in US-dollar cents for every market; :meth:`in_currency` says what it is locally.

    The one way a configured amount (a fee, a cap, a minimum) becomes minor units of a restaurant's
    currency: converted at the reference rate and rounded half up to :func:`sensible_step`.
    """

    reference_cents: int

    def in_currency(self, currency: str) -> int:
        step = sensible_step(currency)
        exact = Fraction(self.reference_cents) * _rate(currency) * 10 ** minor_unit_exponent(currency) / 100 / step
        return int((exact + Fraction(1, 2)) // 1) * step


def fx_rates_seed() -> str:
    """``dbt/seeds/fx_rates.csv`` as rendered from :data:`REFERENCE_RATES`: US dollars per unit, ISO exponent."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["currency", "minor_unit_exponent", "usd_per_unit", "rate_date"])
    for currency, rate in REFERENCE_RATES.items():
        usd_per_unit = f"{Decimal(f'{1 / rate:.6g}'):f}"  # six significant digits, never an exponent
        writer.writerow([currency, minor_unit_exponent(currency), usd_per_unit, REFERENCE_RATE_DATE])
    return out.getvalue()
