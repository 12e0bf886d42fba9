"""Move old ``orders``/``order_items`` month partitions from a shard to the archive, losing nothing.

For every month older than ``PIZZA_PIPELINES_ARCHIVE_AFTER_MONTHS``, in ONE Postgres transaction per month:

1. lock both partitions against writes (``SHARE``: readers go on);
2. export each to Parquet under ``<archive>/<table>/shard=<shard>/month=YYYY-MM/`` (local folder or S3);
3. read the files back and compare row count and checksum with the same figures computed by Postgres;
4. only then detach and drop the partitions and record them in ``archived_partitions``; commit.

Given the catalog's data keys, contact fields (``orders.delivery_address``) are archived sealed with their
owner's key (``pipelines.partitions.sealing``), so an erasure reaches the archive too; step 3 opens them
again to compare the plaintext.

Any failure (store unreachable, mismatch, lost connection) rolls the transaction back: the partitions
stay attached with every row. Re-running rewrites the month's files from scratch.

The checksum is the sum of the first 60 bits of ``md5`` of each row's canonical text (columns joined by
the unit separator, NULL as ``\\N``, timestamps as epoch microseconds), computed in SQL by Postgres and
by DuckDB over the Parquet files: an independent reading of what was written.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime

import duckdb
import psycopg
import pyarrow as pa
import pyarrow.dataset as pads
import pyarrow.fs as pafs
import pyarrow.parquet as pq
from psycopg import sql

from pipelines.io.lakefs import Location
from pipelines.partitions.maintenance import PARTITIONED, MonthPartition, month_partitions
from pipelines.partitions.sealing import PartitionSealing, partition_sealing
from pizza.crypto.datakeys import DataKeyStore
from pizza.logs import get_logger

log = get_logger(__name__)

SEP = "chr(31)"
NULL_TEXT = "'\\N'"
TIMESTAMPS = {"timestamp with time zone", "timestamp without time zone"}
NATIVE: dict[str, pa.DataType] = {
    "timestamp with time zone": pa.timestamp("us", tz="UTC"),
    "timestamp without time zone": pa.timestamp("us"),
    "date": pa.date32(),
    "bigint": pa.int64(),
    "integer": pa.int32(),
    "smallint": pa.int16(),
    "double precision": pa.float64(),
    "boolean": pa.bool_(),
    "text": pa.string(),
}  # every other type (uuid, jsonb, char, numeric, ...) is exported as its exact text


class ArchiveVerificationError(RuntimeError):
    """The archive does not hold exactly the partition's rows; nothing was dropped."""


@dataclass(frozen=True)
class Column:
    name: str
    pg_type: str

    @property
    def arrow_type(self) -> pa.DataType:
        return NATIVE.get(self.pg_type, pa.string())

    def export_sql(self) -> sql.Composable:
        ident = sql.Identifier(self.name)
        return ident if self.pg_type in NATIVE else sql.SQL("{}::text").format(ident)

    def canonical_pg(self, sealing: PartitionSealing | None = None) -> str:
        ident = f'"{self.name}"'
        if self.pg_type in TIMESTAMPS:
            return f"(extract(epoch from {ident}) * 1000000)::bigint::text"
        if sealing is not None and self.name in sealing.columns:  # an erased owner's value is archived as null
            return f'CASE WHEN "{sealing.owner}"::text = ANY(%(erased)s) THEN NULL ELSE {ident}::text END'
        return f"{ident}::text"

    def canonical_duckdb(self) -> str:
        ident = f'"{self.name}"'
        if self.pg_type in TIMESTAMPS:
            return f"epoch_us({ident})::VARCHAR"
        return f"{ident}::VARCHAR"


@dataclass(frozen=True)
class Stats:
    rows: int
    checksum: int


@dataclass
class ArchivedPartition:
    table: str
    partition: str
    month: str
    rows: int
    checksum: int
    uri: str
    files: list[str] = field(default_factory=list)


def table_columns(conn: psycopg.Connection, table: str) -> list[Column]:
    rows = conn.execute(
        """
        SELECT column_name, data_type FROM information_schema.columns
         WHERE table_schema = 'public' AND table_name = %s ORDER BY ordinal_position
        """,
        (table,),
    ).fetchall()
    return [Column(name, kind) for name, kind in rows]


def _row_text(parts: list[str]) -> str:
    return f"concat_ws({SEP}, " + ", ".join(f"coalesce({p}, {NULL_TEXT})" for p in parts) + ")"


def source_stats(
    conn: psycopg.Connection, partition: str, columns: list[Column], sealing: PartitionSealing | None = None
) -> Stats:
    text = _row_text([c.canonical_pg(sealing) for c in columns])
    query = f"SELECT count(*), coalesce(sum(('x' || substr(md5({text}), 1, 15))::bit(60)::bigint), 0) FROM {{}}"
    params = {"erased": sealing.erased} if sealing is not None else None
    row = conn.execute(sql.SQL(query).format(sql.Identifier(partition)), params).fetchone()  # type: ignore[arg-type]
    assert row is not None
    return Stats(int(row[0]), int(row[1]))


def archive_stats(dataset: pads.Dataset | pa.Table, columns: list[Column]) -> Stats:
    text = _row_text([c.canonical_duckdb() for c in columns])
    with duckdb.connect() as con:
        con.register("archived", dataset)
        row = con.execute(
            f"SELECT count(*), coalesce(sum(('0x' || substr(md5({text}), 1, 15))::BIGINT), 0) FROM archived"
        ).fetchone()
    assert row is not None
    return Stats(int(row[0]), int(row[1]))


def opened_archive_stats(
    files: list[str], archive: Location, columns: list[Column], sealing: PartitionSealing
) -> Stats:
    """``archive_stats`` of the written files with their sealed values opened, file by file (the sums add)."""
    rows = checksum = 0
    for path in files:
        stats = archive_stats(sealing.opened(pq.read_table(path, filesystem=archive.fs)), columns)
        rows, checksum = rows + stats.rows, checksum + stats.checksum
    return Stats(rows, checksum)


def month_folder(archive: Location, table: str, shard: str, month: date) -> str:
    return archive.path(table, f"shard={shard}", f"month={month:%Y-%m}")


def export_partition(
    conn: psycopg.Connection,
    partition: str,
    columns: list[Column],
    archive: Location,
    folder: str,
    rows_per_file: int,
    sealing: PartitionSealing | None = None,
) -> list[str]:
    """Stream the partition into Parquet files (fresh folder, deterministic names), contact fields sealed."""
    if archive.fs.get_file_info(folder).type != pafs.FileType.NotFound:  # left by an earlier, unfinished run
        archive.fs.delete_dir(folder)
    archive.fs.create_dir(folder, recursive=True)
    schema = pa.schema([pa.field(c.name, c.arrow_type) for c in columns])
    query = sql.SQL("SELECT {} FROM {}").format(
        sql.SQL(", ").join(c.export_sql() for c in columns), sql.Identifier(partition)
    )
    files: list[str] = []
    with conn.cursor(name=f"archive_{partition}") as cursor:
        cursor.itersize = min(rows_per_file, 50_000)
        cursor.execute(query)
        while True:
            rows = cursor.fetchmany(rows_per_file)
            if not rows and files:
                break
            if sealing is not None:
                rows = sealing.seal_rows([c.name for c in columns], rows)
            columns_data = list(zip(*rows, strict=True)) if rows else [() for _ in columns]
            table = pa.table([pa.array(col, type=f.type) for col, f in zip(columns_data, schema, strict=True)], schema)
            path = f"{folder}/part-{len(files):05d}.parquet"
            pq.write_table(table, path, filesystem=archive.fs)
            files.append(path)
            if len(rows) < rows_per_file:
                break
    return files


def _write_manifest(
    archive: Location, folder: str, item: ArchivedPartition, columns: list[Column], sealed: tuple[str, ...]
) -> None:
    manifest = {
        **asdict(item),
        "columns": [asdict(c) for c in columns],
        "sealed_columns": list(sealed),  # enc:v1 under the owner's data key (pizza.crypto.envelope)
        "archived_at": datetime.now(UTC).isoformat(),
    }
    with archive.fs.open_output_stream(f"{folder}/_manifest.json") as stream:
        stream.write(json.dumps(manifest, indent=1).encode())


def archive_month(
    conn: psycopg.Connection,
    shard: str,
    month: date,
    archive: Location,
    rows_per_file: int = 250_000,
    keys: DataKeyStore | None = None,
) -> list[ArchivedPartition]:
    """Archive both tables' partitions of ``month`` in one transaction (``conn`` must be autocommit)."""
    parts = [p for parent in PARTITIONED for p in month_partitions(conn, parent) if p.month == month]
    done: list[ArchivedPartition] = []
    with conn.transaction():
        for part in parts:
            conn.execute(sql.SQL("LOCK TABLE {} IN SHARE MODE").format(sql.Identifier(part.name)))
        for part in parts:
            done.append(_export_and_verify(conn, shard, part, archive, rows_per_file, keys))
        for part, item in zip(parts, done, strict=True):
            conn.execute(
                sql.SQL("ALTER TABLE {} DETACH PARTITION {}").format(
                    sql.Identifier(part.parent), sql.Identifier(part.name)
                )
            )
            conn.execute(sql.SQL("DROP TABLE {}").format(sql.Identifier(part.name)))
            conn.execute(
                """
                INSERT INTO archived_partitions (parent_table, month, partition_name, row_count, checksum, archive_uri)
                VALUES (%s, %s, %s, %s, %s, %s)
                ON CONFLICT (parent_table, month) DO UPDATE
                   SET partition_name = EXCLUDED.partition_name, row_count = EXCLUDED.row_count,
                       checksum = EXCLUDED.checksum, archive_uri = EXCLUDED.archive_uri, archived_at = now()
                """,
                (part.parent, month, part.name, item.rows, item.checksum, item.uri),
            )
    for item in done:
        log.info("archive.partition_moved", shard=shard, **{k: v for k, v in asdict(item).items() if k != "files"})
    return done


def _export_and_verify(
    conn: psycopg.Connection,
    shard: str,
    part: MonthPartition,
    archive: Location,
    rows_per_file: int,
    keys: DataKeyStore | None = None,
) -> ArchivedPartition:
    columns = table_columns(conn, part.parent)
    sealing = partition_sealing(conn, part.parent, part.name, [c.name for c in columns], keys)
    expected = source_stats(conn, part.name, columns, sealing)
    folder = month_folder(archive, part.parent, shard, part.month)
    files = export_partition(conn, part.name, columns, archive, folder, rows_per_file, sealing)
    if sealing is not None:
        written = opened_archive_stats(files, archive, columns, sealing)
    else:
        written = archive_stats(pads.dataset(files, filesystem=archive.fs, format="parquet"), columns)
    if written != expected:
        raise ArchiveVerificationError(
            f"{shard}/{part.name}: archive holds {written} but Postgres {expected}; partition kept"
        )
    item = ArchivedPartition(
        table=part.parent,
        partition=part.name,
        month=f"{part.month:%Y-%m}",
        rows=expected.rows,
        checksum=expected.checksum,
        uri=archive.uri(part.parent, f"shard={shard}", f"month={part.month:%Y-%m}"),
        files=files,
    )
    _write_manifest(archive, folder, item, columns, sealing.columns if sealing is not None else ())
    return item


def cutoff_month(today: date, after_months: int) -> date:
    """First month that stays hot: months strictly before it are archived."""
    index = today.year * 12 + (today.month - 1) - after_months
    return date(index // 12, index % 12 + 1, 1)


def months_to_archive(conn: psycopg.Connection, cutoff: date) -> list[date]:
    return sorted({p.month for parent in PARTITIONED for p in month_partitions(conn, parent) if p.month < cutoff})


def archive_shard(
    dsn: str,
    shard: str,
    archive: Location,
    after_months: int,
    today: date,
    rows_per_file: int = 250_000,
    keys: DataKeyStore | None = None,
) -> list[ArchivedPartition]:
    """Archive every month of one shard older than the cutoff, oldest first; stop at the first failure."""
    moved: list[ArchivedPartition] = []
    with psycopg.connect(dsn, autocommit=True) as conn:
        cutoff = cutoff_month(today, after_months)
        for month in months_to_archive(conn, cutoff):
            moved += archive_month(conn, shard, month, archive, rows_per_file, keys)
    log.info("archive.shard_done", shard=shard, partitions=len(moved))
    return moved
