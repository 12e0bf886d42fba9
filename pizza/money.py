"""Money facts shared by every layer: indicative exchange rates for thresholds, never for charging.

Amounts are integers in hundredths of the currency's unit everywhere in the platform (``*_cents``).
A rule written once for every market (a fraud cap, a "large order" alert) is set in US dollars and
converted with :data:`REFERENCE_RATES`: units of the currency per US dollar, rounded, reviewed when a
market is added. They only size a threshold, so a few per cent of drift is harmless; a charge always
uses the restaurant's own currency and prices, untouched. An amount that is charged although it is
configured once for every market (the delivery fee) goes through :class:`Threshold`, which also rounds
it to a price the currency can be paid in.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

from babel.numbers import get_currency_precision

REFERENCE_CURRENCY = "USD"
REFERENCE_RATES: dict[str, float] = {
    "USD": 1.0,
    "EUR": 0.92,
    "GBP": 0.79,
    "CHF": 0.88,
    "JPY": 150.0,
    "INR": 84.0,
    "BRL": 5.5,
    "MXN": 18.0,
    "CAD": 1.37,
    "AUD": 1.52,
    "CNY": 7.2,
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
}


# ISO 4217 minor-unit exponents where they are not 2 (yen have no subunit, the Bahraini dinar has 1000 fils).
class UnknownCurrencyError(ValueError):
    pass


def _rate(currency: str) -> float:
    try:
        return REFERENCE_RATES[currency.upper()]
    except KeyError:
        raise UnknownCurrencyError(f"no reference rate for {currency!r}; add it to pizza.money") from None


def from_reference(amount_cents: int, currency: str) -> int:
    """``amount_cents`` US-dollar hundredths as hundredths of ``currency``, at the reference rate."""
    return round(amount_cents * _rate(currency))


def minor_unit_exponent(currency: str) -> int:
    """The ISO 4217 exponent: how many decimal places the currency's smallest coin has (Babel's CLDR data)."""
    return int(get_currency_precision(currency.upper()))


class NotWholeMinorUnits(ValueError):
    """An amount in hundredths that the currency cannot be paid in (half a yen)."""


def provider_amount(amount_cents: int, currency: str) -> int:
    """Hundredths, as the platform counts every currency, in the currency's ISO 4217 minor units, which is
    how payment providers count (Stripe's "smallest currency unit"): $15.00 (1500) is 1500, ¥1,500
    (150000) is 1500, BHD 1.250 (125) is 1250 fils. A fraction of a yen cannot be charged: refused."""
    exponent = minor_unit_exponent(currency)
    if exponent >= 2:
        return amount_cents * int(10 ** (exponent - 2))
    step = int(10 ** (2 - exponent))
    if amount_cents % step:
        raise NotWholeMinorUnits(f"{amount_cents} hundredths of {currency} is not a whole number of its minor units")
    return amount_cents // step


def sensible_step(currency: str) -> int:
    """Hundredths of ``currency`` an amount derived from dollars is rounded to: a price, not an artefact.

    The largest power of ten not above one US cent at the reference rate, and never less than one
    whole minor unit (a yen, not a hundredth of one; 10 won; 100 rupiah), so what reaches the
    payment provider is a whole number of the currency's minor units and within half a US cent of
    the reference amount (half a hundredth where that is worth more, as for the dinar: the platform
    counts hundredths, which are whole multiples of 10 fils).
    """
    rate = _rate(currency)
    minor_unit: int = 10 ** max(0, 2 - minor_unit_exponent(currency))
    dollar_cent: int = 10 ** max(0, math.floor(math.log10(rate)))
    return max(minor_unit, dollar_cent)


@dataclass(frozen=True, slots=True)
class Threshold:
    """An amount set once in US-dollar cents for every market; :meth:`in_currency` says what it is locally.

    The one way a configured amount (a fee, a cap, a minimum) becomes an amount in a restaurant's
    currency: converted at the reference rate and rounded half up to :func:`sensible_step`.
    """

    reference_cents: int

    def in_currency(self, currency: str) -> int:
        step = sensible_step(currency)
        exact = Fraction(self.reference_cents) * Fraction(str(_rate(currency))) / step
        return int((exact + Fraction(1, 2)) // 1) * step
