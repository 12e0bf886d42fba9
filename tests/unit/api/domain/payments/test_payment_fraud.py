from __future__ import annotations

import pytest

from api.domain.payments.fraud import FraudFacts, assess, is_amount_outlier
from api.domain.payments.settings import PaymentSettings

pytestmark = pytest.mark.unit

SETTINGS = PaymentSettings(
    fraud_max_payments_per_user=3,
    fraud_max_payments_per_card=4,
    fraud_new_user_cap_cents=10_000,
    fraud_outlier_factor=4.0,
    fraud_outlier_min_history=3,
)


def facts(**overrides: object) -> FraudFacts:
    base: dict[str, object] = {
        "amount_cents": 2500,
        "user_payments_in_window": 1,
        "card_payments_in_window": 1,
        "user_history_cents": (2000, 2500, 3000),
        "provider_elevated_risk": False,
    }
    return FraudFacts(**(base | overrides))  # type: ignore[arg-type]


def test_an_ordinary_payment_is_not_flagged() -> None:
    result = assess(facts(), SETTINGS)
    assert not result.flagged
    assert result.score == 0


def test_user_velocity_flags_the_payment_over_the_limit_only() -> None:
    assert not assess(facts(user_payments_in_window=3), SETTINGS).flagged
    assert assess(facts(user_payments_in_window=4), SETTINGS).reasons == ("user_velocity",)


def test_card_velocity_flags_many_payments_on_one_card() -> None:
    assert not assess(facts(card_payments_in_window=4), SETTINGS).flagged
    assert assess(facts(card_payments_in_window=5), SETTINGS).reasons == ("card_velocity",)


def test_the_gateways_risk_flag_is_a_reason_of_its_own() -> None:
    result = assess(facts(provider_elevated_risk=True), SETTINGS)
    assert result.reasons == ("provider_risk",)
    assert result.score == 60


def test_amount_outlier_against_the_users_median() -> None:
    assert not is_amount_outlier(10_000, (2000, 2500, 3000), SETTINGS)  # 4 x median 2500
    assert is_amount_outlier(10_001, (2000, 2500, 3000), SETTINGS)


def test_new_customers_are_held_to_a_fixed_cap() -> None:
    assert not is_amount_outlier(10_000, (), SETTINGS)
    assert is_amount_outlier(10_001, (500, 600), SETTINGS)  # too little history for the median rule


def test_several_reasons_add_up_and_the_score_is_capped() -> None:
    result = assess(
        facts(provider_elevated_risk=True, user_payments_in_window=9, card_payments_in_window=9, amount_cents=99_999),
        SETTINGS,
    )
    assert result.reasons == ("provider_risk", "user_velocity", "card_velocity", "amount_outlier")
    assert result.score == 100


@pytest.mark.parametrize(("currency", "cap"), [("USD", 10_000), ("EUR", 9_200), ("INR", 840_000), ("JPY", 1_500_000)])
def test_the_new_customer_cap_is_set_in_dollars_and_compared_in_the_payments_currency(currency: str, cap: int) -> None:
    assert not is_amount_outlier(cap, (), SETTINGS, currency)
    assert is_amount_outlier(cap + 1, (), SETTINGS, currency)


def test_an_ordinary_order_in_rupees_is_not_an_outlier_for_a_new_customer() -> None:
    """Two large pizzas in Mumbai cost about 1,800 rupees: far above 100 in any unit, far below the cap."""
    assert not assess(facts(amount_cents=180_000, user_history_cents=(), currency="INR"), SETTINGS).flagged


def test_a_currency_without_a_reference_rate_is_held_for_review() -> None:
    assert is_amount_outlier(1, (), SETTINGS, "XTS")
