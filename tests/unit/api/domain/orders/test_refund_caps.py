"""The refund caps: compared in the refund's currency at the reference rates, per refund and per 24 hours."""

from __future__ import annotations

import pytest

from api.domain.orders.refund_caps import RefundCaps, hold_reason

CAPS = RefundCaps(per_refund_cents=10_000, per_day_cents=30_000)  # US-dollar cents


@pytest.mark.parametrize(
    ("amount", "currency", "today", "expected"),
    [
        (10_000, "USD", 0, None),  # exactly the cap
        (10_001, "USD", 0, "over_refund_cap"),
        (9_200, "EUR", 0, None),  # 100 US dollars at 0.92
        (9_201, "EUR", 0, "over_refund_cap"),
        (1_500_000, "JPY", 0, None),  # 150 yen per dollar, in hundredths like every amount
        (5_000, "USD", 25_000, None),  # the day's total reaches the daily cap exactly
        (5_001, "USD", 25_000, "over_daily_cap"),
        (100, "XXX", 0, "no_reference_rate"),  # no rate, no cap to compare with: an admin decides
    ],
)
def test_hold_reason(amount: int, currency: str, today: int, expected: str | None) -> None:
    assert hold_reason(amount, currency, today, CAPS) == expected


def test_without_configured_caps_every_staff_refund_waits() -> None:
    assert hold_reason(1, "USD", 0, RefundCaps()) == "over_refund_cap"
