"""Contract column types as Spark types (the contract itself is engine-neutral)."""

from __future__ import annotations

from pyspark.sql import types as T

from pizza.contracts.curated import Columns, ColumnType

SPARK_TYPES: dict[ColumnType, T.DataType] = {
    "string": T.StringType(),
    "json": T.StringType(),
    "bigint": T.LongType(),
    "int": T.IntegerType(),
    "double": T.DoubleType(),
    "boolean": T.BooleanType(),
    "timestamp": T.TimestampType(),
    "date": T.DateType(),
}

RAW_CDC_SPARK_SCHEMA = T.StructType(
    [
        T.StructField("op", T.StringType(), False),
        T.StructField("table", T.StringType(), False),
        T.StructField("shard", T.StringType(), False),
        T.StructField("lsn", T.LongType(), False),
        T.StructField("txid", T.LongType()),
        T.StructField("commit_ts", T.TimestampType(), False),
        T.StructField("pk", T.StringType(), False),
        T.StructField("before", T.StringType()),
        T.StructField("after", T.StringType()),
        T.StructField("schema_version", T.IntegerType(), False),
        T.StructField("kafka_topic", T.StringType(), False),
        T.StructField("kafka_partition", T.IntegerType(), False),
        T.StructField("kafka_offset", T.LongType(), False),
    ]
)


def spark_schema(columns: Columns) -> T.StructType:
    return T.StructType([T.StructField(name, SPARK_TYPES[kind]) for name, kind in columns.items()])
