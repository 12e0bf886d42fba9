"""Money facts shared by every layer: indicative exchange rates for thresholds, never for charging.

Amounts are integers in hundredths of the currency's unit everywhere in the platform (``*_cents``).
A rule written once for every market (a fraud cap, a "large order" alert) is set in US dollars and
converted with :data:`REFERENCE_RATES`: units of the currency per US dollar, rounded, reviewed when a
market is added. They only size a threshold, so a few per cent of drift is harmless; a charge always
uses the restaurant's own currency and prices, untouched.
"""

from __future__ import annotations

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
}


class UnknownCurrencyError(ValueError):
    pass


def from_reference(amount_cents: int, currency: str) -> int:
    """``amount_cents`` US-dollar hundredths as hundredths of ``currency``, at the reference rate."""
    try:
        rate = REFERENCE_RATES[currency.upper()]
    except KeyError:
        raise UnknownCurrencyError(f"no reference rate for {currency!r}; add it to pizza.money") from None
    return round(amount_cents * rate)
