import pytest

from pipelines.recommendations.gate import decide

pytestmark = pytest.mark.unit

TYPES = ("dish", "restaurant")


def figures(als: float, popularity: float, cooccurrence: float) -> dict[str, float]:
    return {"als": als, "popularity": popularity, "cooccurrence": cooccurrence}


def test_passes_when_als_beats_the_best_baseline_for_every_item_type() -> None:
    decision = decide({"dish": figures(0.4, 0.1, 0.3), "restaurant": figures(0.9, 0.3, 0.8)}, TYPES, 0.0)
    assert decision.passed
    assert decision.reasons[0].startswith("dish: ALS recall@10 0.4000 beats cooccurrence 0.3000")


def test_fails_when_one_item_type_loses_to_any_baseline() -> None:
    decision = decide({"dish": figures(0.4, 0.1, 0.3), "restaurant": figures(0.5, 0.6, 0.2)}, TYPES, 0.0)
    assert not decision.passed
    assert "restaurant: ALS recall@10 0.5000 does not beat popularity 0.6000" in decision.reasons[1]


def test_a_tie_is_not_good_enough() -> None:
    assert not decide({"dish": figures(0.3, 0.1, 0.3)}, ("dish",), 0.0).passed


def test_the_margin_raises_the_bar() -> None:
    recall = {"dish": figures(0.35, 0.1, 0.3)}
    assert decide(recall, ("dish",), 0.04).passed
    assert not decide(recall, ("dish",), 0.05).passed


def test_missing_figures_fail_because_nothing_was_proven() -> None:
    decision = decide({"dish": {"als": 0.9, "popularity": 0.1}}, ("dish",), 0.0)
    assert not decision.passed
    assert "no hold-out figures for cooccurrence" in decision.reasons[0]
    assert not decide({}, (), 0.0).passed
