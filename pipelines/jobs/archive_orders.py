"""Partition maintenance and archival on every shard: make months ahead, move old months to the archive.

python -m pipelines.jobs.archive_orders [--shards shard_0,shard_1] [--skip-archive] [--today 2026-11-25]
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from dataclasses import asdict
from datetime import UTC, date, datetime

from pipelines.io.lakefs import location
from pipelines.partitions.archive import ArchivedPartition, archive_shard
from pipelines.partitions.maintenance import create_partitions_ahead
from pipelines.settings import PipelineSettings, get_pipeline_settings
from pizza.config import PlatformSettings, get_platform_settings
from pizza.crypto.datakeys import DataKeyStore
from pizza.crypto.pseudonyms import PrivacySettings
from pizza.logs import configure_logging, get_logger
from pizza.secrets import require_secrets

log = get_logger(__name__)


def maintain(platform: PlatformSettings, shard: str) -> dict[str, list[str]]:
    partitions = create_partitions_ahead(platform.shards[shard])
    log.info("partitions.ahead", shard=shard, **{k: v[-1] if v else None for k, v in partitions.items()})
    return partitions


def archive(
    platform: PlatformSettings, settings: PipelineSettings, shard: str, today: date | None = None
) -> list[ArchivedPartition]:
    """Archive one shard's old months, contact fields sealed with the owners' data keys (from the catalog)."""
    privacy = PrivacySettings()
    require_secrets("archive", platform, privacy.weak_secrets())
    keys = DataKeyStore(platform.catalog, privacy.master_key_bytes())
    try:
        return archive_shard(
            platform.shards[shard],
            shard,
            location(platform.archive, settings),
            settings.archive_after_months,
            today or datetime.now(UTC).date(),
            settings.archive_rows_per_file,
            keys,
        )
    finally:
        keys.forget()


def main(argv: Sequence[str] | None = None) -> int:
    configure_logging()
    parser = argparse.ArgumentParser(prog="archive_orders", description=__doc__.split("\n")[0])
    parser.add_argument("--shards", help="comma-separated shard names (default: all configured)")
    parser.add_argument("--skip-archive", action="store_true", help="only create partitions ahead")
    parser.add_argument("--today", type=date.fromisoformat, help="pretend today is this date (UTC)")
    args = parser.parse_args(argv)
    platform, settings = get_platform_settings(), get_pipeline_settings()
    shards = args.shards.split(",") if args.shards else sorted(platform.shards)
    report: dict[str, object] = {}
    for shard in shards:
        maintain(platform, shard)
        moved = [] if args.skip_archive else archive(platform, settings, shard, args.today)
        report[shard] = [asdict(m) for m in moved]
    print(json.dumps(report, indent=1, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
