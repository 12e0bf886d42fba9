"""The recommendation feed (v1): what the ALS job publishes, the warehouse models and the API serves.

* warehouse ``lake.customer_recommendations``: one row per customer, item type and rank (replaced per run);
* warehouse ``lake.recommendation_runs``: one row per run and item type with the hold-out metrics of ALS
  and of each baseline, and whether the run was published;
* catalog table ``customer_recommendations`` (migration ``0030``): the serving copy of the feed, read by
  ``GET /users/{id}/recommendations``.
"""

from __future__ import annotations

from typing import Literal

from pizza.contracts.curated import Columns

RECOMMENDATIONS_SCHEMA_VERSION = 1

ItemType = Literal["dish", "restaurant"]
ITEM_TYPES: tuple[ItemType, ...] = ("dish", "restaurant")
BASELINES: tuple[str, ...] = ("popularity", "cooccurrence")
METRICS: tuple[str, ...] = ("precision_at_10", "recall_at_10", "ndcg_at_10", "coverage")

FEED_TABLE = "customer_recommendations"  # warehouse (schema lake) and serving store (catalog) alike
RUNS_TABLE = "recommendation_runs"

FEED_COLUMNS: Columns = {
    "customer_id": "string",
    "rank": "int",
    "item_type": "string",
    "item_id": "string",
    "item_name": "string",
    "score": "double",
    "model_version": "string",
    "generated_at": "timestamp",
}

RUN_COLUMNS: Columns = {
    "run_id": "string",
    "item_type": "string",
    "model_version": "string",
    "trained_at": "timestamp",
    "holdout_from": "timestamp",
    "n_users": "bigint",
    "n_items": "bigint",
    "n_eval_users": "bigint",
    **dict.fromkeys(METRICS, "double"),
    **{f"baseline_{b}_{m}": "double" for b in BASELINES for m in METRICS},
    "gate_passed": "boolean",
    "published": "boolean",
    "evaluated_at": "timestamp",
}
