"""`pizza demo verify`: do the shards, the curated lake, the warehouse and the dashboards' marts agree?

Per currency, every layer reports its order count and ``sum(total_cents)``; each layer is compared
with the shards (the source of truth), and the first layer that differs is named, in pipeline order
shards -> lake -> warehouse -> marts (a layer can only be wrong if the one before it was right or
it has its own bug; naming the first one points at the step to look at).

Which orders each layer is expected to hold, so that equal numbers mean "every layer agrees":

* **shards**: every row of each shard's ``orders`` table, any status, plus the months archival moved
  to the cold archive (the rows recorded in ``archived_partitions``, read back from the archive's
  Parquet). Archival detaches and drops whole partitions, which produces no row changes in the WAL,
  so the lake, and everything built from it, keeps those orders: they are part of the truth.
* **lake**: ``curated/orders`` (Parquet written by ``pipelines/jobs/compact_curated.py``), the current
  state per primary key with deletes applied and no status filter: one row per order.
* **warehouse**: ``marts.fct_orders`` in the DuckDB warehouse file, one row per order of every status
  (``total_minor`` is the order's ``total_cents``; revenue, which counts delivered orders only, is a
  separate column and not compared). It inner-joins restaurants and the ``fx_rates`` seed, so an order
  whose restaurant never reached the lake or whose currency has no rate is missing here: a real defect.
  It merges incrementally and never deletes, so an order deleted at the source stays until a
  ``--full-refresh``; the platform never deletes orders (archival aside), so that is a mismatch too.
* **marts**: ``marts.fct_orders`` inside the snapshot the dashboards read (copied after each build).

Freshness compares the newest order change in the shards (``max(greatest(created_at, updated_at))``)
with the snapshot's recorded build time (``meta.snapshot.published_at``; the file's modification time
when the snapshot predates that table). It is reported, not failed on: orders keep arriving while the
platform runs, and the counts above already catch any order the marts lack.

A layer that cannot be read (no file yet, locked, unreachable) is reported as missing, a mismatch.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import psycopg
import pyarrow as pa
import pyarrow.dataset as pads
from rich.console import Console
from rich.table import Table

from pizza.config import PlatformSettings, get_platform_settings
from pizza.contracts.curated import ORDERS
from pizza.contracts.lake import CURATED
from pizza.logs import get_logger

log = get_logger(__name__)

LAYERS = ("shards", "lake", "warehouse", "marts")
FCT_ORDERS = "marts.fct_orders"


@dataclass(frozen=True, slots=True)
class Figures:
    """What one layer holds for one currency."""

    orders: int
    total_cents: int


@dataclass(frozen=True, slots=True)
class Difference:
    """A layer's figures minus the shards' figures, for one currency (missing figures count as zero)."""

    currency: str
    orders: int
    total_cents: int


@dataclass
class Layer:
    """One layer's figures per currency, or why it could not be read (``figures`` is then None)."""

    name: str
    source: str
    figures: dict[str, Figures] | None = None
    error: str | None = None

    @property
    def missing(self) -> bool:
        return self.figures is None


@dataclass(frozen=True, slots=True)
class Freshness:
    """Newest order change at the source versus the time the marts were built."""

    newest_order_change: datetime | None
    marts_built_at: datetime | None
    built_at_source: str | None  # "meta.snapshot.published_at" | "file mtime" | None

    @property
    def lag(self) -> timedelta | None:
        """How much later than the build the newest change is (negative: built after it)."""
        if self.newest_order_change is None or self.marts_built_at is None:
            return None
        return self.newest_order_change - self.marts_built_at

    @property
    def behind(self) -> bool:
        """True when the shards changed after the marts were built."""
        lag = self.lag
        return lag is not None and lag > timedelta(0)


def differences(truth: dict[str, Figures], other: dict[str, Figures]) -> list[Difference]:
    """Per currency, ``other - truth``, only where they differ; sorted by currency."""
    out = []
    for currency in sorted(truth.keys() | other.keys()):
        a, b = truth.get(currency, Figures(0, 0)), other.get(currency, Figures(0, 0))
        if a != b:
            out.append(Difference(currency, b.orders - a.orders, b.total_cents - a.total_cents))
    return out


@dataclass
class Reconciliation:
    """Every layer's figures in pipeline order (shards first) and the freshness of the marts."""

    layers: list[Layer]
    freshness: Freshness = field(default_factory=lambda: Freshness(None, None, None))

    @property
    def truth(self) -> Layer:
        return self.layers[0]

    def differences(self, layer: Layer) -> list[Difference]:
        """How ``layer`` differs from the shards (empty when either is missing: see ``diverging_layer``)."""
        if layer.figures is None or self.truth.figures is None:
            return []
        return differences(self.truth.figures, layer.figures)

    @property
    def diverging_layer(self) -> str | None:
        """The first layer that is missing or differs from the shards; None when all agree."""
        for layer in self.layers:
            if layer.missing or self.differences(layer):
                return layer.name
        return None

    @property
    def ok(self) -> bool:
        return self.diverging_layer is None


# --- reading each layer ---------------------------------------------------------------------------------


def _add(into: dict[str, Figures], currency: str, orders: int, total: int) -> None:
    seen = into.get(currency, Figures(0, 0))
    into[currency] = Figures(seen.orders + int(orders), seen.total_cents + int(total))


def _archived_figures(platform: PlatformSettings, shard: str, months: list[str], into: dict[str, Figures]) -> None:
    """Orders of a shard's archived months, read back from the archive (``orders/shard=/month=``)."""
    from pipelines.io.lakefs import location
    from pipelines.settings import get_pipeline_settings

    archive = location(platform.archive, get_pipeline_settings())
    hive = pads.partitioning(pa.schema([("shard", pa.string()), ("month", pa.string())]), flavor="hive")
    folder = archive.path("orders", f"shard={shard}")
    if not archive.exists("orders", f"shard={shard}"):
        raise FileNotFoundError(f"{shard}: months {months} are recorded as archived but {folder} does not exist")
    dataset = pads.dataset(archive.path("orders"), filesystem=archive.fs, format="parquet", partitioning=hive)
    with duckdb.connect() as con:
        con.register("archived", dataset)
        rows = con.execute(
            "SELECT currency, count(*), coalesce(sum(total_cents), 0) FROM archived"
            " WHERE shard = ? AND month = ANY(?) GROUP BY currency",
            [shard, months],
        ).fetchall()
    for currency, orders, total in rows:
        _add(into, str(currency).strip(), orders, total)


def read_shards(platform: PlatformSettings) -> tuple[Layer, datetime | None]:
    """Hot orders of every shard plus their archived months; and the newest order change."""
    layer = Layer("shards", f"orders on {len(platform.shards)} shards (+ archived months)")
    figures: dict[str, Figures] = {}
    newest: datetime | None = None
    try:
        for shard, dsn in sorted(platform.shards.items()):
            with psycopg.connect(dsn, connect_timeout=10) as conn:
                rows = conn.execute(
                    "SELECT currency, count(*), coalesce(sum(total_cents), 0),"
                    " max(greatest(created_at, updated_at)) FROM orders GROUP BY currency"
                ).fetchall()
                archived = conn.execute(
                    "SELECT to_char(month, 'YYYY-MM') FROM archived_partitions"
                    " WHERE parent_table IN ('orders', 'public.orders') ORDER BY month"
                ).fetchall()
            for currency, orders, total, changed in rows:
                _add(figures, str(currency).strip(), orders, total)
                if changed is not None and (newest is None or changed > newest):
                    newest = changed
            if archived:
                _archived_figures(platform, shard, [m for (m,) in archived], figures)
    except (psycopg.Error, OSError, duckdb.Error) as exc:
        layer.error = f"{type(exc).__name__}: {exc}"
        return layer, newest
    layer.figures = figures
    return layer, newest


def read_lake(platform: PlatformSettings) -> Layer:
    """The curated ``orders`` table: every Parquet file under ``curated/orders/date=*/``."""
    from pipelines.io.lakefs import location
    from pipelines.settings import get_pipeline_settings

    lake = location(platform.lake, get_pipeline_settings())
    layer = Layer("lake", lake.path(CURATED, ORDERS.name))
    try:
        if not lake.exists(CURATED, ORDERS.name):
            layer.error = f"{layer.source} does not exist (compaction has not run)"
            return layer
        hive = pads.partitioning(pa.schema([("date", pa.date32())]), flavor="hive")
        # the contract's schema: files typed otherwise fail here, and a folder emptied of files reads as no orders
        dataset = pads.dataset(
            layer.source, schema=ORDERS.arrow_schema(), filesystem=lake.fs, format="parquet", partitioning=hive
        )
        with duckdb.connect() as con:
            con.register("curated_orders", dataset)
            rows = con.execute(
                "SELECT currency, count(*), coalesce(sum(total_cents), 0) FROM curated_orders GROUP BY currency"
            ).fetchall()
    except (OSError, duckdb.Error, pa.ArrowException) as exc:
        layer.error = f"{type(exc).__name__}: {exc}"
        return layer
    layer.figures = {}
    for currency, orders, total in rows:
        _add(layer.figures, str(currency).strip(), orders, total)
    return layer


def _read_duckdb(layer: Layer, path: Path, *, with_build_time: bool = False) -> datetime | None:
    """``marts.fct_orders`` of a DuckDB file into ``layer``; the snapshot's recorded build time if asked."""
    if not path.exists():
        layer.error = f"{path} does not exist"
        return None
    built: datetime | None = None
    try:
        with duckdb.connect(str(path), read_only=True) as con:
            rows = con.execute(
                f"SELECT currency, count(*), coalesce(sum(total_minor), 0) FROM {FCT_ORDERS} GROUP BY currency"
            ).fetchall()
            if with_build_time:
                try:
                    row = con.execute("SELECT max(published_at) FROM meta.snapshot").fetchone()
                    built = row[0] if row else None
                except duckdb.CatalogException:
                    built = None
    except duckdb.Error as exc:
        layer.error = f"{type(exc).__name__}: {exc}"
        return None
    layer.figures = {}
    for currency, orders, total in rows:
        _add(layer.figures, str(currency).strip(), orders, total)
    return built


def read_warehouse(platform: PlatformSettings) -> Layer:
    layer = Layer("warehouse", f"{FCT_ORDERS} in {platform.warehouse}")
    _read_duckdb(layer, platform.warehouse)
    return layer


def read_marts(snapshot: Path) -> tuple[Layer, datetime | None, str | None]:
    """The dashboards' snapshot, with its build time (recorded, else the file's modification time)."""
    layer = Layer("marts", f"{FCT_ORDERS} in {snapshot}")
    built = _read_duckdb(layer, snapshot, with_build_time=True)
    if built is not None:
        return layer, built.astimezone(UTC), "meta.snapshot.published_at"
    if snapshot.exists():
        return layer, datetime.fromtimestamp(snapshot.stat().st_mtime, UTC), "file mtime"
    return layer, None, None


def reconcile(platform: PlatformSettings, *, snapshot: Path | None = None) -> Reconciliation:
    """Read every layer (never raises for a missing or unreadable one) and compare them with the shards."""
    if snapshot is None:
        from dashboards.settings import get_dashboard_settings

        snapshot = get_dashboard_settings().marts
    shards, newest = read_shards(platform)
    marts, built, built_source = read_marts(snapshot)
    rec = Reconciliation(
        layers=[shards, read_lake(platform), read_warehouse(platform), marts],
        freshness=Freshness(newest.astimezone(UTC) if newest else None, built, built_source),
    )
    log.info(
        "verify.reconciled",
        ok=rec.ok,
        diverging_layer=rec.diverging_layer,
        missing=[layer.name for layer in rec.layers if layer.missing],
        lag_seconds=rec.freshness.lag.total_seconds() if rec.freshness.lag is not None else None,
    )
    return rec


# --- output ---------------------------------------------------------------------------------------------


def _signed(n: int) -> str:
    return f"{n:+,}" if n else "0"


def _lines(rec: Reconciliation) -> list[str]:
    """The verdict as plain sentences (also the whole output without a terminal)."""
    lines = []
    fresh = rec.freshness
    if fresh.lag is None:
        lines.append(
            f"freshness: newest order change {fresh.newest_order_change or 'unknown'}, "
            f"marts built {fresh.marts_built_at or 'unknown'}"
        )
    else:
        seconds = abs(fresh.lag.total_seconds())
        state = (
            f"the marts are {seconds:.0f} s behind the shards"
            if fresh.behind
            else f"the marts were built {seconds:.0f} s after it"
        )
        lines.append(
            f"freshness: newest order change {fresh.newest_order_change:%Y-%m-%d %H:%M:%S}Z, marts built "
            f"{fresh.marts_built_at:%Y-%m-%d %H:%M:%S}Z ({fresh.built_at_source}): {state}"
        )
    diverging = rec.diverging_layer
    if diverging is None:
        currencies = len(rec.truth.figures or {})
        lines.append(f"OK: all {len(rec.layers)} layers agree on {currencies} currencies")
        return lines
    layer = next(item for item in rec.layers if item.name == diverging)
    if layer.missing:
        lines.append(f"MISMATCH: first diverging layer: {diverging} is missing ({layer.error})")
    else:
        lines.append(f"MISMATCH: first diverging layer: {diverging} (compared with the shards)")
        for diff in rec.differences(layer):
            lines.append(f"  {diff.currency}: orders {_signed(diff.orders)}, total_cents {_signed(diff.total_cents)}")
    return lines


def render(rec: Reconciliation, console: Console) -> None:
    """A table per layer and currency on a terminal, one plain line per figure otherwise."""
    currencies = sorted(set().union(*(layer.figures or {} for layer in rec.layers)))
    if console.is_terminal:
        table = Table("layer", "currency", "orders", "total (minor units)", "Δ orders", "Δ total", "source")
        for layer in rec.layers:
            if layer.figures is None:
                table.add_row(layer.name, "-", "-", "-", "-", "-", f"[red]missing: {layer.error}[/red]")
                continue
            diffs = {d.currency: d for d in rec.differences(layer)}
            for i, currency in enumerate(currencies):
                fig = layer.figures.get(currency, Figures(0, 0))
                diff = diffs.get(currency)
                style = "red" if diff else ""
                table.add_row(
                    layer.name if i == 0 else "",
                    currency,
                    f"{fig.orders:,}",
                    f"{fig.total_cents:,}",
                    _signed(diff.orders) if diff else "",
                    _signed(diff.total_cents) if diff else "",
                    layer.source if i == 0 else "",
                    style=style,
                )
            table.add_section()
        console.print(table)
    else:
        for layer in rec.layers:
            if layer.figures is None:
                console.print(f"{layer.name}: missing: {layer.error}", markup=False, highlight=False)
                continue
            for currency in currencies:
                fig = layer.figures.get(currency, Figures(0, 0))
                console.print(
                    f"{layer.name} {currency} orders={fig.orders} total_cents={fig.total_cents}",
                    markup=False,
                    highlight=False,
                )
    for line in _lines(rec):
        tone: str | None = "green" if line.startswith("OK") else None
        if line.startswith(("MISMATCH", "  ")):
            tone = "red"
        console.print(line, style=tone, markup=False, highlight=False, soft_wrap=True)


def main(console: Console, platform: PlatformSettings | None = None, snapshot: Path | None = None) -> int:
    """Reconcile, print, and return the exit code: 0 when every layer agrees, 1 otherwise."""
    rec = reconcile(platform or get_platform_settings(), snapshot=snapshot)
    render(rec, console)
    return 0 if rec.ok else 1
