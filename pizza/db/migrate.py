"""Apply the versioned SQL migrations (yoyo-migrations) to the catalog and to every shard.

Idempotent: yoyo records applied migrations in each database and skips them on the next run, and
takes a lock so that two concurrent ``pizza db migrate`` runs cannot interleave.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import psycopg
from yoyo import get_backend, read_migrations

from pizza.config import PlatformSettings
from pizza.db.shards import ShardMap

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


@dataclass(frozen=True, slots=True)
class MigrationResult:
    target: str
    applied: list[str]


def _yoyo_url(dsn: str) -> str:
    return "postgresql+psycopg://" + dsn.split("://", 1)[1]


def apply(dsn: str, folder: Path) -> list[str]:
    """Apply pending migrations from ``folder`` to one database; return the ids applied."""
    backend = get_backend(_yoyo_url(dsn))
    try:
        migrations = read_migrations(str(folder))
        with backend.lock():
            pending = backend.to_apply(migrations)
            backend.apply_migrations(pending)
        return [m.id for m in pending]
    finally:
        backend.connection.close()


def ensure_database(dsn: str) -> bool:
    """Create the database named in ``dsn`` if the server lacks it (local stack; prod databases exist)."""
    info = psycopg.conninfo.conninfo_to_dict(dsn)
    name = str(info["dbname"])
    admin = psycopg.conninfo.make_conninfo(dsn, dbname="postgres")
    with psycopg.connect(admin, autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            return False
        conn.execute(psycopg.sql.SQL("CREATE DATABASE {}").format(psycopg.sql.Identifier(name)))
        return True


def seed_shard_map(settings: PlatformSettings) -> ShardMap:
    """Write an even shard map on first migration; afterwards the stored map is the truth."""
    with psycopg.connect(settings.catalog) as conn:
        rows = conn.execute("SELECT count(*) FROM shard_map").fetchone()
        if rows and rows[0] == 0:
            ShardMap.even(sorted(settings.shards, key=_natural)).save(conn)
        shard_map = ShardMap.load(conn)
    unknown = set(shard_map.shard_names) - set(settings.shards)
    if unknown:
        raise LookupError(f"shard map names shards with no DSN configured: {sorted(unknown)} (set PIZZA_SHARD_DSNS)")
    return shard_map


def _natural(name: str) -> tuple[str, int]:
    head, _, tail = name.rpartition("_")
    return (head, int(tail)) if tail.isdigit() else (name, -1)


def migrate_all(
    settings: PlatformSettings,
    *,
    create_databases: bool = True,
    progress: Callable[[str], None] = lambda _msg: None,
) -> list[MigrationResult]:
    results: list[MigrationResult] = []
    targets = [("catalog", settings.catalog, MIGRATIONS / "catalog")]
    targets += [(name, dsn, MIGRATIONS / "shard") for name, dsn in sorted(settings.shards.items())]
    for name, dsn, folder in targets:
        if create_databases and ensure_database(dsn):
            progress(f"created database for {name}")
        applied = apply(dsn, folder)
        progress(f"{name}: {len(applied)} migration(s) applied" if applied else f"{name}: up to date")
        results.append(MigrationResult(name, applied))
    for name, dsn in settings.shards.items():
        with psycopg.connect(dsn) as conn:
            conn.execute("INSERT INTO shard_identity (shard) VALUES (%s) ON CONFLICT (singleton) DO NOTHING", (name,))
            stored = conn.execute("SELECT shard FROM shard_identity").fetchone()
            if stored is None or stored[0] != name:
                raise RuntimeError(f"database configured as {name} identifies itself as {stored and stored[0]}")
    seed_shard_map(settings)
    return results
