"""Fixtures of the recommendation tests: a synthetic curated lake and a context pointing at the stack.

The Spark session is the batch layer's session fixture (``spark`` in the parent conftest); the steps
build theirs with ``get_spark`` and so share it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pyarrow as pa
import pytest
from pyspark.sql import DataFrame, SparkSession

from pipelines.io.lakefs import Location, location
from pipelines.recommendations.refresh import Context
from pipelines.recommendations.settings import RecommendationSettings
from pipelines.settings import PipelineSettings
from pipelines.synthetic.curated import CuratedSpec, generate, write_curated
from pizza.config import PlatformSettings

# a few hundred customers, 36 restaurants, ~2,700 orders: enough signal, trains in seconds
SMALL_WORLD = CuratedSpec(customers=300, cities=3, restaurants_per_city=12, days=90, seed=11)
EVENT_COLUMNS = (
    "user_id string, item_type string, item_id string, item_name string, order_id string, city string,"
    " ordered_at timestamp"
)


@pytest.fixture(scope="session")
def synthetic_tables() -> dict[str, pa.Table]:
    return generate(SMALL_WORLD)


@pytest.fixture(scope="session")
def synthetic_lake(tmp_path_factory: pytest.TempPathFactory, synthetic_tables: dict[str, pa.Table]) -> Location:
    lake = location(str(tmp_path_factory.mktemp("recs-curated")), PipelineSettings())
    write_curated(synthetic_tables, lake)
    return lake


@pytest.fixture(scope="session")
def synthetic_customers(synthetic_tables: dict[str, pa.Table]) -> int:
    """Customers of the synthetic world with an order that is not cancelled: the ones the feed covers."""
    orders = synthetic_tables["orders"].to_pylist()
    return len({o["user_id"] for o in orders if o["status"] != "CANCELLED"})


@pytest.fixture(scope="session")
def recs_context(stack: PlatformSettings, synthetic_lake: Location) -> Context:
    """Reads the synthetic lake; writes runs, exports, warehouse and serving store of the test stack."""
    return Context(stack, PipelineSettings(), RecommendationSettings(input_lake_url=synthetic_lake.url))


def at(day: int, hour: int = 12) -> datetime:
    return datetime(2025, 6, day, hour, tzinfo=UTC)


@pytest.fixture(scope="session")
def events_frame(spark: SparkSession) -> Any:
    """``events_frame(rows)`` -> an interactions DataFrame from (user, type, item, order, day) tuples."""

    def make(rows: list[tuple[str, str, str, str, int]]) -> DataFrame:
        data = [(u, t, i, i.upper(), o, "Naples", at(d)) for u, t, i, o, d in rows]
        return spark.createDataFrame(data, EVENT_COLUMNS)

    return make
