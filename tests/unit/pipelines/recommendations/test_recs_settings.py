import pytest

from pipelines.recommendations.settings import RecommendationSettings

pytestmark = pytest.mark.unit


def test_one_hyper_parameter_of_one_item_type_can_be_set_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PIZZA_RECS_DISH__RANK", "16")
    monkeypatch.setenv("PIZZA_RECS_RESTAURANT__MAX_ITER", "5")
    settings = RecommendationSettings(_env_file=None)  # type: ignore[call-arg]
    assert settings.als("dish").model_dump() == {"rank": 16, "reg_param": 0.05, "alpha": 20.0, "max_iter": 12}
    # the restaurant model keeps its own defaults around the one value set
    assert settings.als("restaurant").model_dump() == {"rank": 10, "reg_param": 1.0, "alpha": 40.0, "max_iter": 5}


def test_statuses_come_as_a_json_list(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PIZZA_RECS_EXCLUDED_STATUSES", '["CANCELLED", "REFUNDED"]')
    assert RecommendationSettings(_env_file=None).excluded_statuses == ["CANCELLED", "REFUNDED"]  # type: ignore[call-arg]
