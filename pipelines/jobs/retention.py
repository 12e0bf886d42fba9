"""Retention: the bookkeeping tables that every order writes to are trimmed, so none grows forever.

Each rule names a table, the time column that ages a row and the horizon past which the row has no
reader left (the reasons are in ``RULES``). Rows go in small batches, each its own transaction, so a
purge never holds long locks on a table the API writes to, and a crash loses only the batch in flight.

python -m pipelines.jobs.retention [--databases catalog,shard_0] [--dry-run]
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import timedelta
from typing import Literal

import psycopg

from pipelines.settings import PipelineSettings, get_pipeline_settings
from pizza.config import PlatformSettings, get_platform_settings
from pizza.logs import configure_logging, get_logger

log = get_logger(__name__)

Where = Literal["catalog", "shard", "both"]
CATALOG = "catalog"


@dataclass(frozen=True)
class RetentionRule:
    table: str
    aged_by: str  # the timestamp column compared with the horizon
    where: Where
    horizon: Callable[[PipelineSettings], timedelta]
    why: str

    def applies_to(self, database: str) -> bool:
        return self.where == "both" or (self.where == "catalog") == (database == CATALOG)


RULES: tuple[RetentionRule, ...] = (
    RetentionRule(
        "idempotency_keys",
        "created_at",
        "shard",
        lambda s: timedelta(hours=s.retention_idempotency_key_hours),
        "a key guards a retried order for 24 h, Stripe's rule; a later request with the key is a new order",
    ),
    RetentionRule(
        "outbox",
        "created_at",
        "both",
        lambda s: timedelta(days=s.retention_outbox_days),
        "the relay decodes each event from the WAL record of its insert, never from the table, so a published "
        "row is only kept for people reading it; deleting it emits no event",
    ),
    RetentionRule(
        "processed_events",
        "processed_at",
        "both",
        lambda s: timedelta(days=s.retention_processed_event_days),
        "the message log only has to outlive any redelivery: keep it longer than the events topics' retention",
    ),
    RetentionRule(
        "refresh_tokens",
        "expires_at",
        "shard",
        lambda s: timedelta(0),
        "an expired token is refused by its expiry alone; reuse detection needs used tokens only until then",
    ),
)


@dataclass(frozen=True)
class Purged:
    database: str
    table: str
    rows: int
    older_than_s: float
    dry_run: bool


def purge_database(dsn: str, database: str, settings: PipelineSettings, *, dry_run: bool = False) -> list[Purged]:
    results = []
    with psycopg.connect(dsn, autocommit=True) as conn:
        for rule in RULES:
            if rule.applies_to(database):
                results.append(_purge(conn, database, rule, rule.horizon(settings), settings, dry_run))
    return results


def _purge(
    conn: psycopg.Connection, database: str, rule: RetentionRule, horizon: timedelta, settings: PipelineSettings,
    dry_run: bool,
) -> Purged:  # fmt: skip
    aged = f"{rule.aged_by} < now() - %(horizon)s"
    params = {"horizon": horizon, "batch": settings.retention_batch_rows}
    if dry_run:
        row = conn.execute(f"SELECT count(*) FROM {rule.table} WHERE {aged}", params).fetchone()
        total = int(row[0]) if row else 0
    else:
        total = 0
        while True:
            deleted = conn.execute(
                f"""DELETE FROM {rule.table} WHERE ctid = ANY(ARRAY(
                        SELECT ctid FROM {rule.table} WHERE {aged} LIMIT %(batch)s))""",
                params,
            ).rowcount
            total += deleted
            if deleted:
                log.info("retention.batch", database=database, table=rule.table, rows=deleted, total=total)
            if deleted < settings.retention_batch_rows:
                break
    log.info("retention.purged", database=database, table=rule.table, rows=total, dry_run=dry_run)
    return Purged(database, rule.table, total, horizon.total_seconds(), dry_run)


def databases(platform: PlatformSettings) -> dict[str, str]:
    """Every database holding a table some rule trims: the catalog and each shard."""
    return {CATALOG: platform.catalog, **platform.shards}


def main(argv: Sequence[str] | None = None) -> int:
    configure_logging()
    parser = argparse.ArgumentParser(prog="retention", description=__doc__.split("\n")[0])
    parser.add_argument("--databases", help="comma-separated: catalog, shard names (default: all)")
    parser.add_argument("--dry-run", action="store_true", help="count what would go, delete nothing")
    args = parser.parse_args(argv)
    platform, settings = get_platform_settings(), get_pipeline_settings()
    targets = databases(platform)
    chosen = args.databases.split(",") if args.databases else list(targets)
    unknown = sorted(set(chosen) - set(targets))
    if unknown:
        parser.error(f"unknown databases {unknown}; known: {sorted(targets)}")
    purged = [p for name in chosen for p in purge_database(targets[name], name, settings, dry_run=args.dry_run)]
    json.dump([asdict(p) for p in purged], sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
