"""Files for marketing tools: the feed per segment, as Parquet and as CSV, one folder per segment.

``<lake>/exports/recommendations/run=<run_id>/segment=<segment>/part-*.parquet`` and ``part-*.csv``
(long format: one row per customer, item type and rank; CSV with a header). Spark writes them, so the
export scales with the feed; a marketing tool picks the files by extension.
"""

from __future__ import annotations

from pyspark.sql import DataFrame

from pizza.contracts.recommendations import FEED_COLUMNS

EXPORT_COLUMNS = [*FEED_COLUMNS, "segment"]


def write_exports(feed: DataFrame, target: str) -> None:
    """``feed``: the run's recommendations with a ``segment`` column; ``target``: the run's export folder."""
    by_segment = (
        feed.select(*EXPORT_COLUMNS).repartition("segment").sortWithinPartitions("customer_id", "item_type", "rank")
    )
    by_segment.write.mode("overwrite").partitionBy("segment").parquet(target)
    # the CSV files join the Parquet ones in the same segment folders
    by_segment.write.mode("append").partitionBy("segment").option("header", True).csv(target)
