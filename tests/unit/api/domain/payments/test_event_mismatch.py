"""A provider event is compared with the stored payment in the provider's own units."""

from __future__ import annotations

from typing import Any

import pytest

from api.domain.payments.services._provider_events import event_mismatch

pytestmark = pytest.mark.unit

INTENT = "payment_intent.succeeded"


def stored(cents: int, currency: str) -> dict[str, Any]:
    return {"provider_ref": "pi_1", "amount_cents": cents, "currency": currency}


@pytest.mark.parametrize(
    ("cents", "currency", "amount"), [(150000, "JPY", 1500), (2599, "EUR", 2599), (125, "BHD", 1250)]
)
def test_an_event_in_the_currencys_smallest_unit_matches(cents: int, currency: str, amount: int) -> None:
    event = {"id": "pi_1", "amount": amount, "currency": currency.lower()}
    assert event_mismatch(INTENT, event, stored(cents, currency)) is None


def test_a_yen_event_counted_in_hundredths_is_a_hundred_times_too_much() -> None:
    assert (
        event_mismatch(INTENT, {"id": "pi_1", "amount": 150000, "currency": "jpy"}, stored(150000, "JPY")) == "amount"
    )
