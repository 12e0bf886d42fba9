"""Fault drill: kill -9 the relay and the lake sink at random moments during a burst of orders,
restart them, drain, and reconcile the lake against what Postgres committed.

Postgres's own account comes from independent audit slots using the built-in ``test_decoding``
plugin (not wal2json, not our decoder): the set of ``(shard, table, lsn)`` of every committed row
change of a captured table. The lake must hold exactly that set; no Kafka offset may be written
twice (no overlapping files); every committed domain event must be on its topic.
"""

from __future__ import annotations

import fnmatch
import itertools
import os
import random
import re
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import psycopg
import pyarrow.parquet as pq
import pytest
from cdc_drill import read_topics
from support.serving import free_port
from support.shards import ShardOrderWriter

from pizza.config import PlatformSettings
from pizza.contracts.lake import RAW_CDC_SCHEMA
from pizza.contracts.privacy import is_withheld
from streaming.relay.app import build_relay, capture_targets
from streaming.settings import CdcSettings
from streaming.sinks.lake_store import parse_raw_file_name

pytestmark = [pytest.mark.integration, pytest.mark.slow]

ORDERS = int(os.environ.get("PIZZA_TEST_CDC_DRILL_ORDERS", "3000"))
KILLS_EACH = 6
REPO = Path(__file__).resolve().parents[3]
CHANGE = re.compile(r"^table (\w+)\.(\w+): (INSERT|UPDATE|DELETE):")


class AuditSlots:
    """test_decoding slots on every database, created before the burst: what Postgres committed."""

    def __init__(self, settings: PlatformSettings, name: str) -> None:
        self.targets = capture_targets(settings)
        self.name = name
        self.start_lsn: dict[str, int] = {}

    def slot(self, shard: str) -> str:
        return f"{self.name}_{shard}"  # slot names are unique in a whole Postgres cluster

    def create(self) -> None:
        for shard, dsn in self.targets.items():
            with psycopg.connect(dsn, autocommit=True) as conn:
                conn.execute("SELECT pg_create_logical_replication_slot(%s, 'test_decoding')", (self.slot(shard),))
                row = conn.execute(
                    "SELECT (confirmed_flush_lsn - '0/0')::bigint FROM pg_replication_slots WHERE slot_name = %s",
                    (self.slot(shard),),
                ).fetchone()
                assert row is not None
                self.start_lsn[shard] = int(row[0])

    def committed(self, settings: CdcSettings) -> set[tuple[str, str, int]]:
        found = set()
        for shard, dsn in self.targets.items():
            with psycopg.connect(dsn, autocommit=True) as conn:
                roots = dict(
                    conn.execute(
                        "SELECT c.relname, r.relname FROM pg_class c"
                        " JOIN pg_class r ON r.oid = pg_partition_root(c.oid) WHERE c.relispartition"
                    ).fetchall()
                )
                rows = conn.execute(
                    "SELECT (lsn - '0/0')::bigint, data FROM pg_logical_slot_peek_changes(%s, NULL, NULL)",
                    (self.slot(shard),),
                ).fetchall()
            for lsn, data in rows:
                match = CHANGE.match(data)
                if match is None or match.group(1) not in settings.capture_schemas:
                    continue
                table = roots.get(match.group(2), match.group(2))
                if table == settings.outbox_table or is_withheld(table):  # withheld: never published, by policy
                    continue
                if not any(fnmatch.fnmatch(table, p) for p in settings.excluded_tables):
                    found.add((shard, table, int(lsn)))
        return found

    def drop(self) -> None:
        for shard, dsn in self.targets.items():
            with psycopg.connect(dsn, autocommit=True) as conn:
                conn.execute(
                    "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = %s",
                    (self.slot(shard),),
                )


class Supervised:
    """A `pizza ...` process that can be killed hard and started again; ``/health`` says when it works."""

    def __init__(self, args: list[str], env: dict[str, str], log: Path, port: int) -> None:
        self.args, self.env, self.log, self.port = args, env, log, port
        self.process: subprocess.Popen[bytes] | None = None
        self.kills = 0

    def wait_working(self, timeout_s: float = 60) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{self.port}/health", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            assert self.process is not None
            assert self.process.poll() is None, f"{self.args} exited; see {self.log}"
            time.sleep(0.1)
        raise TimeoutError(f"{self.args} did not become healthy")

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "pizzactl.cli.main", *self.args], cwd=REPO, env=self.env, stdout=out, stderr=out
            )

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()
            self.kills += 1

    def run_to_end(self, extra: list[str], timeout_s: float) -> None:
        with self.log.open("ab") as out:
            subprocess.run(
                [sys.executable, "-m", "pizzactl.cli.main", *self.args, *extra],
                cwd=REPO,
                env=self.env,
                stdout=out,
                stderr=out,
                timeout=timeout_s,
                check=True,
            )


@pytest.fixture
def audit(stack: PlatformSettings) -> Iterator[AuditSlots]:
    slots = AuditSlots(stack, f"audit_{uuid.uuid4().hex[:10]}")
    yield slots
    slots.drop()


@pytest.fixture
def fast_writer(stack: PlatformSettings) -> Iterator[ShardOrderWriter]:
    writer = ShardOrderWriter(stack, synchronous_commit=False)
    yield writer
    writer.close()


def lake_rows(lake: Path) -> list[dict]:
    files = [p for p in lake.rglob("*.parquet") if not p.name.startswith(".")]
    return [r | {"_file": p.name} for p in files for r in pq.read_table(p, schema=RAW_CDC_SCHEMA).to_pylist()]


def test_killing_the_relay_and_the_sink_at_random_loses_nothing_and_writes_no_offset_twice(
    stack: PlatformSettings, cdc_settings: CdcSettings, audit: AuditSlots, fast_writer: ShardOrderWriter, tmp_path: Path
) -> None:
    relay = build_relay(stack, cdc_settings)
    relay.run(until_idle=True)  # the relay's slots exist from here on
    relay.close()
    audit.create()

    lake = tmp_path / "lake"
    env = os.environ | {
        "PIZZA_LAKE_URL": str(lake),
        "PIZZA_CDC_SLOT_PREFIX": cdc_settings.slot_prefix,
        "PIZZA_CDC_POLL_INTERVAL_S": "0.05",
        "PIZZA_CDC_MAX_CHANGES": "2000",
        "PIZZA_CDC_STANDBY_RETRY_S": "0.2",
        "PIZZA_LAKE_SINK_GROUP_ID": f"drill-{uuid.uuid4().hex[:8]}",
        "PIZZA_LAKE_SINK_MAX_ROWS": "700",
        "PIZZA_LAKE_SINK_MAX_AGE_S": "0.5",
        "PIZZA_LAKE_SINK_SESSION_TIMEOUT_MS": "3000",
        "PIZZA_LAKE_SINK_METADATA_REFRESH_MS": "1000",
        "PIZZA_LOG_LEVEL": "WARNING",
    }
    relay_port, sink_port = free_port(), free_port()
    relay_env = env | {"PIZZA_CDC_METRICS_PORT": str(relay_port)}
    sink_env = env | {"PIZZA_LAKE_SINK_METRICS_PORT": str(sink_port)}
    relay_proc = Supervised(["cdc", "run"], relay_env, tmp_path / "relay.log", relay_port)
    sink_proc = Supervised(["lake", "sink"], sink_env, tmp_path / "sink.log", sink_port)
    relay_proc.start()
    sink_proc.start()

    drill_over = threading.Event()

    def burst() -> None:
        """At least ORDERS orders, and on until every kill has happened during real writes (slow machines)."""
        n = 0
        while n < ORDERS or not drill_over.is_set():
            order = fast_writer.place(lines=2)
            if n % 5 == 0:
                fast_writer.change_status(order, "PAID")
            n += 1

    writing = threading.Thread(target=burst)
    started = time.monotonic()
    writing.start()
    chaos = random.Random(7)
    while relay_proc.kills < KILLS_EACH or sink_proc.kills < KILLS_EACH:
        victim = chaos.choice([p for p in (relay_proc, sink_proc) if p.kills < KILLS_EACH])
        victim.wait_working()
        writing.join(chaos.uniform(0.3, 2.5))  # at a random moment of real work
        victim.kill()
        victim.start()
    drill_over.set()
    writing.join()
    write_seconds = time.monotonic() - started
    relay_proc.kill()
    sink_proc.kill()

    relay_proc.run_to_end(["--until-idle"], timeout_s=180)
    sink_proc.run_to_end(["--idle-exit", "4"], timeout_s=180)

    committed = audit.committed(cdc_settings)
    everything = lake_rows(lake)  # the sink's new group also read what earlier tests put on the topics
    in_lake = {(r["shard"], r["table"], r["lsn"]) for r in everything}
    # Rows written after the audit slots began. A transaction running while they were created is decoded
    # whole by them, with changes from just before their start: those count as committed, not as invented.
    rows = [r for r in everything if r["lsn"] > audit.start_lsn[r["shard"]]]
    duplicates = len(rows) - len({(r["shard"], r["table"], r["lsn"]) for r in rows})
    print(
        f"\n{ORDERS} orders in {write_seconds:.0f}s; {len(committed)} row changes committed; "
        f"relay killed {relay_proc.kills}x, sink killed {sink_proc.kills}x; "
        f"{duplicates} re-published duplicates in the lake (same identity, other offset)"
    )
    assert relay_proc.kills >= 2
    assert sink_proc.kills >= 2
    assert len(committed) >= ORDERS * 4
    assert {(r["shard"], r["table"], r["lsn"]) for r in rows} - committed == set()  # nothing invented
    assert committed - in_lake == set()  # nothing lost

    offsets = Counter((r["kafka_topic"], r["kafka_partition"], r["kafka_offset"]) for r in lake_rows(lake))
    assert max(offsets.values()) == 1  # no offset in two files
    ranges: dict[tuple[str, int], list[tuple[int, int]]] = {}
    for path in lake.rglob("*.parquet"):
        raw = parse_raw_file_name(path.name)
        if raw is not None:
            ranges.setdefault((raw.topic, raw.partition), []).append((raw.first_offset, raw.last_offset))
    for spans in ranges.values():
        distinct = sorted(set(spans))  # one batch may have a file in several hour folders
        assert all(a[1] < b[0] for a, b in itertools.pairwise(distinct)), "overlapping batches"

    wanted = {str(e).encode() for e in fast_writer.event_ids}
    events = read_topics(
        stack.kafka,
        ["events.order"],
        lambda m: dict(m.headers() or []).get("event_id") in wanted,
        len(wanted),
        timeout_s=60,
        settle_s=0.5,
    )
    assert {dict(m.headers() or [])["event_id"] for m in events} == wanted
