from datetime import UTC, datetime

import pytest

from pipelines.recommendations.refresh import run_rows
from pizza.contracts.recommendations import RUN_COLUMNS

pytestmark = pytest.mark.unit


def test_one_warehouse_row_per_item_type_with_every_contract_column() -> None:
    m = {"precision_at_10": 0.1, "recall_at_10": 0.4, "ndcg_at_10": 0.3, "coverage": 0.9}
    payload = {
        "run_id": "r1",
        "model_version": "als-r1",
        "trained_at": "2025-06-30T02:00:00+00:00",
        "holdout_from": "2025-06-16T02:00:00+00:00",
        "item_types": {
            "dish": {"n_users": 10, "n_items": 5, "catalog_size": 5, "n_eval_users": 4},
            "restaurant": {"n_users": 10, "n_items": 3, "catalog_size": 3, "n_eval_users": 0},
        },
        "metrics": {"dish": {"als": m, "popularity": {**m, "recall_at_10": 0.2}, "cooccurrence": m}},
        "gate": {"passed": False},
        "published": False,
    }
    evaluated = datetime(2025, 6, 30, 3, tzinfo=UTC)
    dish, restaurant = run_rows(payload, evaluated)
    assert set(dish) == set(RUN_COLUMNS)
    assert dish["recall_at_10"] == 0.4
    assert dish["baseline_popularity_recall_at_10"] == 0.2
    assert dish["trained_at"] == datetime(2025, 6, 30, 2, tzinfo=UTC)
    assert dish["gate_passed"] is False
    assert restaurant["n_eval_users"] == 0
    assert restaurant["recall_at_10"] is None  # no figures: stored as NULL, not as zero
