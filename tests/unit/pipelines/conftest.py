"""One local Spark session for the transform tests (small frames in, exact rows out)."""

from __future__ import annotations

import pytest
from pyspark.sql import SparkSession

from pipelines.settings import PipelineSettings
from pipelines.spark import get_spark


@pytest.fixture(scope="session")
def spark() -> SparkSession:
    return get_spark(PipelineSettings(spark_shuffle_partitions=2), "pizza-unit-tests")
