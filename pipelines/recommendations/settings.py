"""Knobs of the recommendation job (``PIZZA_RECS_*``). Spark and lake locations come from elsewhere.

Spark master/memory are the batch layer's (``pipelines.settings``); the lake, warehouse and catalog are the
platform's (``pizza.config``). Only what is specific to training, gating and publishing lives here.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Literal

from pydantic import BaseModel, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

SegmentBy = Literal["activity", "city"]


class AlsParams(BaseModel):
    """Hyper-parameters of one ALS model (``PIZZA_RECS_DISH__RANK=16`` sets one of them).

    Defaults were chosen on the synthetic worlds' hold-out; the dish model's are the base.
    """

    rank: int = Field(12, ge=1, description="latent factors")
    reg_param: float = Field(0.05, ge=0)
    alpha: float = Field(20.0, gt=0, description="confidence = 1 + alpha * purchases")
    max_iter: int = Field(12, ge=1)


class RestaurantAlsParams(AlsParams):
    """The restaurant matrix is small (a few dozen items per city): fewer factors, more regularisation."""

    rank: int = Field(10, ge=1)
    reg_param: float = Field(1.0, ge=0)
    alpha: float = Field(40.0, gt=0)


class RecommendationSettings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="PIZZA_RECS_", env_nested_delimiter="__", env_file=".env", extra="ignore"
    )

    # --- ALS (implicit feedback), one model per item type ------------------------------------------
    dish: AlsParams = Field(default_factory=AlsParams)
    restaurant: RestaurantAlsParams = Field(default_factory=RestaurantAlsParams)
    seed: int = Field(42, description="ALS is seeded so a rerun on the same data trains the same model")
    num_blocks: int = Field(4, ge=1, description="ALS user/item blocks; about the cluster's cores (Spark: 10)")

    # --- what is recommended ------------------------------------------------------------------------
    top_n: int = Field(20, ge=1, le=100, description="recommendations kept per customer and item type")
    exclude_purchased: bool = Field(
        False,
        description="recommend (and evaluate on) only items the customer has not bought yet: discovery, no reorders",
    )
    excluded_statuses: list[str] = Field(default_factory=lambda: ["CANCELLED"], description="orders ignored")
    cooccurrence_neighbours: int = Field(50, ge=1, description="neighbours kept per item by the co-occurrence baseline")

    # --- evaluation and the publish gate ------------------------------------------------------------
    holdout_days: int = Field(14, ge=1, description="the last N days of orders are the test set")
    gate_margin: float = Field(
        0.0, ge=0, description="ALS recall@10 must exceed the best baseline's recall@10 by more than this"
    )

    # --- feeds ---------------------------------------------------------------------------------------
    segment_by: SegmentBy = Field("activity", description="export segments: activity tier or city")
    active_days: int = Field(90, ge=1, description="window for the activity tier (orders in the last N days)")
    input_lake_url: str | None = Field(None, description="where the curated tables are read; default: the lake")

    def als(self, item_type: str) -> AlsParams:
        params: AlsParams = getattr(self, item_type)
        return params


@lru_cache
def get_recommendation_settings() -> RecommendationSettings:
    return RecommendationSettings()
