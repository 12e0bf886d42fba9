"""Where data lives in the lake, and the raw CDC file schema. Shared by the lake sink and Spark.

Layout under ``PIZZA_LAKE_URL`` (a local folder or ``s3://bucket/prefix``)::

    raw/cdc/<table>/date=YYYY-MM-DD/hour=HH/<topic>+<partition>+<first offset>+<last offset>.parquet
    curated/<table>/date=YYYY-MM-DD/part-*.parquet          current state per primary key (Spark)
    facts/<fact>/date=YYYY-MM-DD/city=<city>/part-*.parquet  daily facts (Spark)

Raw files keep ``before``/``after``/``pk`` as JSON text so the raw layer never breaks on a schema
change; curated tables are typed. ``date``/``hour`` are the commit time in UTC.
"""

from __future__ import annotations

import pyarrow as pa

RAW_CDC = "raw/cdc"
CURATED = "curated"
FACTS = "facts"

RAW_CDC_SCHEMA = pa.schema(
    [
        pa.field("op", pa.string(), nullable=False),
        pa.field("table", pa.string(), nullable=False),
        pa.field("shard", pa.string(), nullable=False),
        pa.field("lsn", pa.int64(), nullable=False),
        pa.field("txid", pa.int64()),
        pa.field("commit_ts", pa.timestamp("us", tz="UTC"), nullable=False),
        pa.field("pk", pa.string(), nullable=False),
        pa.field("before", pa.string()),
        pa.field("after", pa.string()),
        pa.field("schema_version", pa.int32(), nullable=False),
        pa.field("kafka_topic", pa.string(), nullable=False),
        pa.field("kafka_partition", pa.int32(), nullable=False),
        pa.field("kafka_offset", pa.int64(), nullable=False),
    ]
)


def raw_file_name(topic: str, partition: int, first_offset: int, last_offset: int) -> str:
    """Deterministic: a replay of the same offsets rewrites the same file, never adds a second one."""
    return f"{topic}+{partition}+{first_offset:020d}+{last_offset:020d}.parquet"


def raw_table_dir(lake_root: str, table: str) -> str:
    return f"{lake_root.rstrip('/')}/{RAW_CDC}/{table}"


def curated_dir(lake_root: str, table: str) -> str:
    return f"{lake_root.rstrip('/')}/{CURATED}/{table}"


def facts_dir(lake_root: str, fact: str) -> str:
    return f"{lake_root.rstrip('/')}/{FACTS}/{fact}"
