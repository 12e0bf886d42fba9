"""`pizza doctor`: check the machine and the stack, and say exactly what is wrong and how to fix it."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass

import psycopg

from pizza.config import PlatformSettings
from pizzactl.stack import process
from pizzactl.stack.services import ALL_SERVICES, PG_BIN, Kafka, ServiceError


@dataclass(frozen=True, slots=True)
class Finding:
    check: str
    ok: bool
    detail: str
    fix: str = ""


Check = Callable[[PlatformSettings], list[Finding]]


def check_python(_: PlatformSettings) -> list[Finding]:
    ok = sys.version_info[:2] == (3, 11)
    return [
        Finding(
            "python",
            ok,
            f"Python {sys.version.split()[0]}",
            "" if ok else "use Python 3.11: `uv sync` creates the right environment (make setup)",
        )
    ]


def java_version(java: str = "java") -> int | None:
    """Major version of the Java runtime on PATH, or None when there is none."""
    path = shutil.which(java)
    if path is None:
        return None
    out = subprocess.run([path, "-version"], capture_output=True, text=True).stderr
    match = re.search(r'version "(\d+)(?:\.(\d+))?', out)
    if not match:
        return None
    major = int(match.group(1))
    return int(match.group(2) or 0) if major == 1 else major


def check_java(_: PlatformSettings) -> list[Finding]:
    major = java_version()
    if major is None:
        return [
            Finding(
                "java",
                False,
                "no `java` on PATH (Spark needs Java 17)",
                "apt-get install -y openjdk-17-jre-headless   (or: make setup)",
            )
        ]
    ok = major >= 17
    return [
        Finding(
            "java",
            ok,
            f"Java {major}",
            "" if ok else "Spark 4 needs Java 17+: apt-get install -y openjdk-17-jre-headless",
        )
    ]


def check_binaries(_: PlatformSettings) -> list[Finding]:
    findings = [
        Finding(
            "postgresql",
            (PG_BIN / "pg_ctl").exists(),
            f"pg_ctl in {PG_BIN}",
            "apt-get install -y postgresql-15 postgresql-contrib   (or: make setup)",
        ),
        Finding(
            "wal2json",
            (PG_BIN.parent / "lib" / "wal2json.so").exists(),
            "wal2json output plugin",
            "apt-get install -y postgresql-15-wal2json   (or: make setup)",
        ),
        Finding(
            "redis-server",
            shutil.which("redis-server") is not None,
            "redis-server on PATH",
            "apt-get install -y redis-server   (or: make setup)",
        ),
    ]
    try:
        findings.append(Finding("kafka broker", True, f"tansu at {Kafka.binary()}"))
    except (ServiceError, ImportError) as exc:
        findings.append(Finding("kafka broker", False, str(exc), "uv sync   (or: make setup)"))
    return findings


def check_services(settings: PlatformSettings) -> list[Finding]:
    findings = []
    for cls in ALL_SERVICES:
        service = cls(settings)
        name = f"{service.name} :{service.port}"
        if service.running():
            healthy = service.healthy()
            findings.append(
                Finding(
                    name,
                    healthy,
                    f"running, pid {service.pid()}, {'healthy' if healthy else 'NOT healthy'}",
                    "" if healthy else f"see {service.log_file}; `pizza stack down && pizza stack up`",
                )
            )
        elif process.port_open(service.port):
            findings.append(
                Finding(
                    name,
                    False,
                    f"port {service.port} is taken by {process.port_owner(service.port)}, not by this stack",
                    f"stop that process, or move the stack: PIZZA_{service.name.upper()}_PORT=<free port>",
                )
            )
        else:
            findings.append(Finding(name, True, "not running (port free)", "start it: pizza stack up"))
    return findings


SLOT_WAL_WARN_BYTES = 1 << 30
"""Retained WAL above which a replication slot is reported: its relay is stopped or far behind."""


def check_replication_slots(settings: PlatformSettings, warn_bytes: int = SLOT_WAL_WARN_BYTES) -> list[Finding]:
    """Logical slots pin WAL until confirmed: a stopped relay must not let the disk fill unnoticed.

    Postgres caps what a slot may retain with ``max_slot_wal_keep_size`` (the slot is then
    invalidated, ``wal_status = lost``, and CDC must be re-snapshotted): warn well before that.
    """
    findings = []
    for name, dsn in {"catalog": settings.catalog, **settings.shards}.items():
        try:
            with psycopg.connect(dsn, connect_timeout=2) as conn:
                rows = conn.execute(
                    "SELECT slot_name, COALESCE((pg_current_wal_lsn() - restart_lsn)::bigint, 0), wal_status"
                    " FROM pg_replication_slots WHERE database = current_database() ORDER BY slot_name"
                ).fetchall()
        except psycopg.Error:
            continue  # an unreachable Postgres is reported by check_services
        for slot, retained, wal_status in rows:
            lost = wal_status in ("lost", "unreserved")
            ok = not lost and retained < warn_bytes
            fix = ""
            if lost:
                fix = f"slot {slot} lost WAL it needed: `pizza cdc drop-slots --shard {name} --yes`, then re-snapshot"
            elif not ok:
                fix = (
                    f"is its relay running? `pizza cdc status`; start it: `pizza cdc run --shard {name}`; "
                    f"an abandoned slot: `pizza cdc drop-slots --shard {name} --yes`"
                )
            findings.append(
                Finding(f"slot {slot}", ok, f"{name}: retains {retained / 2**20:,.1f} MiB of WAL ({wal_status})", fix)
            )
    return findings


CHECKS: list[Check] = [check_python, check_java, check_binaries, check_services, check_replication_slots]


def run_checks(settings: PlatformSettings, checks: list[Check] | None = None) -> list[Finding]:
    return [finding for check in (checks or CHECKS) for finding in check(settings)]
