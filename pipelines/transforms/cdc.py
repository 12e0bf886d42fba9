"""Raw CDC changes -> current state per primary key (the curated layer).

A change row carries the full new row as JSON text (``after``) and the key (``pk``). Compaction types
the columns by the curated contract, keeps the latest change per key ordered by WAL position (``lsn``),
and drops keys whose latest change is a delete. Merging a batch into existing curated rows is the same
operation: existing rows are changes of kind ``s`` (state) that lose every tie against a real change.
"""

from __future__ import annotations

from collections.abc import Callable

from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F
from pyspark.sql import types as T

from pipelines.transforms.types import SPARK_TYPES
from pizza.contracts.curated import LINEAGE, PARTITION_DATE, ColumnType, CuratedTable
from pizza.crypto.envelope import SEALED_PREFIX
from pizza.crypto.pseudonyms import normalised_email, pseudonym, pseudonym_key

# Among changes with the same lsn (one statement touching a row twice is not possible, but replays and
# the state itself are), the later kind wins: state < snapshot < insert < update < delete.
OP_RANK = {"s": 0, "r": 1, "c": 2, "u": 3, "d": 4}
CHANGE_COLUMNS = ("_op", "_offset")


def _typed(value: Column, kind: ColumnType) -> Column:
    if kind in ("string", "json"):
        return value
    return value.cast(SPARK_TYPES[kind])


def _legacy_pseudonyms(key: bytes | None, *, email: bool) -> Callable[[Column], Column]:
    """A plaintext contact column of a raw change older than the relay's sealing -> its keyed pseudonym.

    Sealed values and nulls give null without touching the key, so raw files written by a sealing relay
    never need the pseudonym key (Spark has no HMAC of its own, hence the UDF).
    """

    return F.udf(lambda value: _legacy_pseudonym(key, value, email=email), T.StringType())


def _legacy_pseudonym(key: bytes | None, value: str | None, *, email: bool) -> str | None:
    if value is None or value.startswith(SEALED_PREFIX):
        return None
    return pseudonym(key or pseudonym_key(), normalised_email(value) if email else value)


def _source_name(table: CuratedTable, column: str) -> str | None:
    for source, target in table.pseudonymised.items():
        if target == column:
            return source
    return None


def parse_changes(raw: DataFrame, table: CuratedTable, hmac_key: bytes | None = None) -> DataFrame:
    """Raw rows of ``table`` -> typed business columns + lineage + ``_op``/``_offset``.

    Keys come from ``pk`` (present for every op, deletes included); other columns from ``after``.
    Pseudonyms (``email_hmac``...) are the ones the relay put in the change; a raw change older than the
    relay's sealing carries the plaintext instead, and gets its keyed HMAC here (under ``hmac_key``, by
    default the environment's ``PIZZA_PRIVACY_PSEUDONYM_KEY``). Columns the contract leaves out (secrets,
    sealed contact values) are never parsed.
    """
    sources = {c: _source_name(table, c) for c in table.business_columns}
    wanted = [*table.business_columns, *(s for s in sources.values() if s is not None)]
    after = F.from_json("after", T.StructType([T.StructField(c, T.StringType()) for c in wanted]))
    key = F.from_json("pk", T.StructType([T.StructField(c, T.StringType()) for c in table.primary_key]))
    rows = raw.where(F.col("table") == table.name).select(after.alias("a"), key.alias("k"), "*")
    columns: list[Column] = []
    for name, kind in table.business_columns.items():
        source = sources[name]
        if name in table.primary_key:
            value = F.coalesce(F.col("k")[name], F.col("a")[name])
        elif source is not None:
            legacy = _legacy_pseudonyms(hmac_key, email=source == "email")
            value = F.coalesce(F.col("a")[name], legacy(F.col("a")[source]))
        else:
            value = F.col("a")[name]
        columns.append(_typed(value, kind).alias(name))
    return rows.select(
        *columns,
        F.col("shard").alias("_shard"),
        F.col("lsn").alias("_lsn"),
        F.col("commit_ts").alias("_commit_ts"),
        F.col("op").alias("_op"),
        F.col("kafka_offset").alias("_offset"),
    )


def add_partition_date(changes: DataFrame, table: CuratedTable) -> DataFrame:
    """``date`` = UTC date of the row's business-date column; deletes without it borrow it from the key's
    other changes in the same frame (still null when the frame holds no other change of that key)."""
    own = F.to_date(F.col(table.date_column))
    by_key = Window.partitionBy(*table.primary_key)
    return changes.withColumn(PARTITION_DATE, F.coalesce(own, F.max(own).over(by_key)))


def as_state(curated: DataFrame) -> DataFrame:
    """Existing curated rows as changes of kind ``s``, to be merged with new changes."""
    return curated.withColumn("_op", F.lit("s")).withColumn("_offset", F.lit(-1).cast("bigint"))


def latest_per_key(changes: DataFrame, table: CuratedTable) -> DataFrame:
    """The last change of every key (by lsn, then kind, then Kafka offset), deletes included."""
    rank = F.lit(0)
    for op, value in OP_RANK.items():
        rank = F.when(F.col("_op") == op, F.lit(value)).otherwise(rank)
    order = Window.partitionBy(*table.primary_key).orderBy(F.col("_lsn").desc(), rank.desc(), F.col("_offset").desc())
    return changes.withColumn("_n", F.row_number().over(order)).where(F.col("_n") == 1).drop("_n")


def current_state(latest: DataFrame, table: CuratedTable) -> DataFrame:
    """Apply deletes and shape the rows exactly as the curated contract says."""
    return latest.where(F.col("_op") != "d").select(*table.columns)


def lineage_columns() -> list[str]:
    return list(LINEAGE)
