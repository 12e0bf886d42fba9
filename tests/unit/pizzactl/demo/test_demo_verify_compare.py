"""The reconciliation's comparison rules, on figures built by hand (no I/O)."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest
from rich.console import Console

from pizzactl.demo.verify import Difference, Figures, Freshness, Layer, Reconciliation, differences, render

pytestmark = pytest.mark.unit

TRUTH = {"EUR": Figures(10, 25_000), "GBP": Figures(3, 4_500)}


def rec(
    lake: dict[str, Figures] | None, warehouse: dict[str, Figures] | None, marts: dict[str, Figures]
) -> Reconciliation:
    return Reconciliation(
        [
            Layer("shards", "s", dict(TRUTH)),
            Layer("lake", "l", lake, None if lake is not None else "no curated orders"),
            Layer("warehouse", "w", warehouse, None if warehouse is not None else "no file"),
            Layer("marts", "m", marts),
        ]
    )


def test_equal_layers_agree() -> None:
    result = rec(dict(TRUTH), dict(TRUTH), dict(TRUTH))
    assert result.ok
    assert result.diverging_layer is None


def test_differences_are_per_currency_and_signed_against_the_truth() -> None:
    other = {"EUR": Figures(9, 23_700), "GBP": Figures(3, 4_500), "USD": Figures(1, 999)}
    assert differences(TRUTH, other) == [Difference("EUR", -1, -1_300), Difference("USD", 1, 999)]
    assert differences(TRUTH, {}) == [Difference("EUR", -10, -25_000), Difference("GBP", -3, -4_500)]


def test_the_first_diverging_layer_is_named_even_when_later_layers_differ_too() -> None:
    short = {"EUR": Figures(9, 23_700), "GBP": Figures(3, 4_500)}
    result = rec(dict(TRUTH), short, short)
    assert not result.ok
    assert result.diverging_layer == "warehouse"
    assert result.differences(result.layers[2]) == [Difference("EUR", -1, -1_300)]


def test_a_same_count_with_another_sum_is_a_mismatch() -> None:
    result = rec(dict(TRUTH), dict(TRUTH), {"EUR": Figures(10, 25_001), "GBP": Figures(3, 4_500)})
    assert result.diverging_layer == "marts"


def test_a_missing_layer_is_a_mismatch_not_an_agreement() -> None:
    result = rec(dict(TRUTH), None, dict(TRUTH))
    assert result.diverging_layer == "warehouse"
    assert rec(None, dict(TRUTH), dict(TRUTH)).diverging_layer == "lake"


def test_freshness_lag_and_behind() -> None:
    built = datetime(2026, 1, 1, 12, tzinfo=UTC)
    assert Freshness(built + timedelta(minutes=5), built, "meta.snapshot.published_at").behind
    assert not Freshness(built - timedelta(minutes=5), built, "meta.snapshot.published_at").behind
    assert Freshness(None, built, None).lag is None


@pytest.mark.parametrize("terminal", [False, True])
def test_render_names_the_layer_and_the_currency(terminal: bool) -> None:
    out = io.StringIO()
    console = Console(file=out, force_terminal=terminal, width=160, color_system=None)
    render(rec(dict(TRUTH), {"EUR": Figures(9, 23_700), "GBP": Figures(3, 4_500)}, dict(TRUTH)), console)
    text = out.getvalue()
    assert "MISMATCH: first diverging layer: warehouse" in text
    assert "EUR: orders -1, total_cents -1,300" in text
    if not terminal:
        assert "warehouse EUR orders=9 total_cents=23700" in text
