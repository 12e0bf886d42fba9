"""A stack of the benchmark's own: a private state folder and ports, started and stopped by the benchmark.

Benchmarks write thousands of synthetic orders, events and files. Run on the stack a developer works
with, they reached its shards, topics, slots and lake, and `pizza dbt build` then failed its
relationship tests. So every benchmark runs on servers of its own under ``.pizza-bench/<name>/``
(git-ignored) on ports of its own (``--port-base``, default ``PIZZA_BENCH_PORT_BASE`` or 23000, one
block of 100 ports per benchmark), started with the `pizza` CLI as a subprocess, the way the test
suite uses ``.pizza-test/``, and stopped at the end whatever happens. Every ``PIZZA_*`` store location
(DSNs, URLs, lake, archive, warehouse, marts) is set explicitly for that stack, so neither the
caller's environment nor a ``.env`` file can point a benchmark back at the platform in use.

Only ``--target-existing-stack`` (for staging) runs a benchmark on the stack the ``PIZZA_*``
environment names instead. It first prints what the benchmark will write and where, and goes on only
after ``--yes`` or a typed ``yes``.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from pydantic_settings import BaseSettings, PydanticBaseSettingsSource

from pizza.config import PlatformSettings, get_platform_settings

REPO = Path(__file__).resolve().parent.parent
BENCH_ROOT = REPO / ".pizza-bench"
DEFAULT_PORT_BASE = 23000
SERVERS = ("pg", "redis", "kafka", "mongo")

# Each benchmark owns one block of 100 ports above the base, so two may run at once.
BLOCKS = {
    "orders": 0,
    "cdc": 1,
    "saga": 2,
    "pipelines": 3,
    "delivery_assignment": 4,
    "payments_notifications": 5,
    "dashboard_pages": 6,
    "isolation": 7,
    "password_hashing": 8,
}
# Offsets inside a block: the four servers, then the apps a `pizza stack up --apps` would start.
PORT_OFFSETS = {
    "PIZZA_MONGO_PORT": 17,
    "PIZZA_PG_PORT": 32,
    "PIZZA_REDIS_PORT": 79,
    "PIZZA_KAFKA_PORT": 92,
    "PIZZA_API_PORT": 80,
    "PIZZA_DASHBOARDS_PORT": 51,
    "PIZZA_CDC_METRICS_PORT": 1,
    "PIZZA_LAKE_SINK_METRICS_PORT": 2,
    "PIZZA_SAGA_METRICS_PORT": 3,
}


class BenchStackError(RuntimeError):
    pass


@dataclass(frozen=True, slots=True)
class IsolatedStack:
    """Where one benchmark's private stack lives: its state folder and its ports."""

    name: str
    state_dir: Path
    port_base: int

    @classmethod
    def for_benchmark(cls, name: str, port_base: int, root: Path = BENCH_ROOT) -> IsolatedStack:
        return cls(name, root / name, port_base + 100 * BLOCKS[name])

    @property
    def ports(self) -> dict[str, int]:
        return {var: self.port_base + offset for var, offset in PORT_OFFSETS.items()}

    def settings(self) -> PlatformSettings:
        """The stack's settings, built explicitly: no inherited variable or ``.env`` entry can redirect them."""
        ports = self.ports
        return ExplicitSettings(
            environment="bench",
            shard_count=PlatformSettings().shard_count,
            state_dir=self.state_dir,
            pg_host="127.0.0.1",
            pg_user="postgres",
            pg_password="",
            pg_port=ports["PIZZA_PG_PORT"],
            redis_port=ports["PIZZA_REDIS_PORT"],
            kafka_port=ports["PIZZA_KAFKA_PORT"],
            mongo_port=ports["PIZZA_MONGO_PORT"],
            catalog_dsn=None,
            shard_dsns={},
            redis_url=None,
            kafka_bootstrap=None,
            mongo_url=None,
            lake_url=None,
            archive_url=None,
            warehouse_path=None,
            marts_snapshot_path=None,
        )

    def env(self) -> dict[str, str]:
        """Every store location spelled out, for this process and the subprocesses it starts."""
        settings = self.settings()
        return {
            "PIZZA_ENVIRONMENT": "bench",
            "PIZZA_STATE_DIR": str(self.state_dir),
            "PIZZA_PG_HOST": settings.pg_host,
            "PIZZA_PG_USER": settings.pg_user,
            "PIZZA_PG_PASSWORD": settings.pg_password,
            **{var: str(port) for var, port in self.ports.items()},
            "PIZZA_SHARD_COUNT": str(settings.shard_count),
            "PIZZA_CATALOG_DSN": settings.catalog,
            "PIZZA_SHARD_DSNS": json.dumps(settings.shards),
            "PIZZA_REDIS_URL": settings.redis,
            "PIZZA_KAFKA_BOOTSTRAP": settings.kafka,
            "PIZZA_MONGO_URL": settings.mongo,
            "PIZZA_LAKE_URL": settings.lake,
            "PIZZA_ARCHIVE_URL": settings.archive,
            "PIZZA_WAREHOUSE_PATH": str(settings.warehouse),
            "PIZZA_MARTS_SNAPSHOT_PATH": str(settings.marts_snapshot),
            "PIZZA_DASHBOARDS_MARTS_PATH": str(settings.marts_snapshot),
        }


class ExplicitSettings(PlatformSettings):
    """Platform settings from the arguments alone. The usual sources merge a dict field such as
    ``shard_dsns`` from the environment into the one given, which would add the caller's shards."""

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings,)


def check_seen_by_subprocesses(stack: IsolatedStack) -> None:
    """What a `pizza` subprocess will read (environment + ``.env``) must be this stack and nothing more."""
    ours, theirs = stack.settings(), PlatformSettings(_env_file=REPO / ".env")  # type: ignore[call-arg]
    differs = [
        name
        for name in ("state_dir", "catalog", "shards", "redis", "kafka", "mongo", "lake", "archive", "warehouse")
        if getattr(ours, name) != getattr(theirs, name)
    ]
    if differs:
        raise BenchStackError(
            f"the private stack's {', '.join(differs)} would not hold in a subprocess: a .env entry adds to them "
            f"(e.g. PIZZA_SHARD_DSNS); remove it or run from a checkout without one"
        )


def add_stack_arguments(parser: argparse.ArgumentParser) -> None:
    """The flags every benchmark takes to choose its stack."""
    group = parser.add_argument_group("stack (default: a private stack under .pizza-bench/, started and stopped)")
    group.add_argument(
        "--port-base",
        type=int,
        default=int(os.environ.get("PIZZA_BENCH_PORT_BASE", DEFAULT_PORT_BASE)),
        help="first port of the private stacks (env PIZZA_BENCH_PORT_BASE; default %(default)s)",
    )
    group.add_argument("--keep-stack", action="store_true", help="leave the private stack running at the end")
    group.add_argument(
        "--target-existing-stack",
        action="store_true",
        help="run on the stack the PIZZA_* environment names (staging) instead; says what it writes first",
    )
    group.add_argument("--yes", action="store_true", help="with --target-existing-stack: do not ask")


@contextlib.contextmanager
def bench_stack(
    name: str, args: argparse.Namespace, *, services: Sequence[str] = SERVERS, writes: str = ""
) -> Iterator[PlatformSettings]:
    """The settings of the stack ``name`` runs on: a fresh private one by default, stopped on exit.

    ``services`` are the servers the benchmark needs (none for one that only reads and writes files);
    ``writes`` says, for ``--target-existing-stack``, what the benchmark leaves behind.
    """
    if args.target_existing_stack:
        settings = get_platform_settings()
        confirm_existing(name, settings, services, writes, assume_yes=args.yes)
        yield settings
        return
    stack = IsolatedStack.for_benchmark(name, args.port_base)
    saved = dict(os.environ)
    os.environ.update(stack.env())
    get_platform_settings.cache_clear()
    try:
        check_seen_by_subprocesses(stack)
        start(stack, services)
        yield get_platform_settings()
    finally:
        gc.collect()  # clients in reference cycles (Kafka producers) close before their servers stop
        if args.keep_stack:
            progress(f"left running; stop it with: PIZZA_STATE_DIR={stack.state_dir} uv run pizza stack down")
        else:
            stop(stack)
        os.environ.clear()
        os.environ.update(saved)
        get_platform_settings.cache_clear()


def start(stack: IsolatedStack, services: Sequence[str]) -> None:
    """Stop what an interrupted run left there, start afresh from an empty folder, migrate."""
    stop(stack, quiet=True)
    if stack.state_dir.exists():
        shutil.rmtree(stack.state_dir)
    stack.state_dir.mkdir(parents=True)
    if not services:
        progress(f"{stack.name}: no servers needed; files under {stack.state_dir}")
        return
    taken = {var: port for var, port in stack.ports.items() if port_open(port)}
    if taken:
        raise BenchStackError(
            f"ports {sorted(taken.values())} are in use; choose another block with --port-base "
            f"(or PIZZA_BENCH_PORT_BASE), e.g. --port-base {stack.port_base - 100 * BLOCKS[stack.name] + 1000}"
        )
    progress(f"{stack.name}: starting {', '.join(services)} under {stack.state_dir} (ports from {stack.port_base})")
    started = time.perf_counter()
    pizza(stack, "stack", "up", *[arg for s in services for arg in ("--service", s)])
    progress(f"{stack.name}: stack up in {time.perf_counter() - started:.1f} s")


def stop(stack: IsolatedStack, *, quiet: bool = False) -> None:
    """`pizza stack down` for this state folder only (it stops the processes whose pid files are there),
    then drop the data, which the next run starts without anyway; the logs stay to be read."""
    if not stack.state_dir.exists():
        return
    pizza(stack, "stack", "down", quiet=True)
    if quiet:
        return
    for entry in stack.state_dir.iterdir():
        if entry.is_dir() and entry.name != "logs":
            shutil.rmtree(entry, ignore_errors=True)
        elif entry.is_file():
            entry.unlink(missing_ok=True)
    progress(f"{stack.name}: stack stopped; its logs are in {stack.state_dir / 'logs'}")


def pizza(stack: IsolatedStack, *argv: str, quiet: bool = False) -> None:
    """Run a `pizza` command on the private stack; its output is shown only when it fails."""
    env = {**os.environ, **stack.env()}
    result = subprocess.run(
        [sys.executable, "-m", "pizzactl.cli.main", *argv],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0 and not quiet:
        raise BenchStackError(f"`pizza {' '.join(argv)}` failed:\n{(result.stdout + result.stderr)[-3000:]}")


def confirm_existing(
    name: str, settings: PlatformSettings, services: Sequence[str], writes: str, *, assume_yes: bool
) -> None:
    """Say what will be written where; go on only when the operator agrees."""
    targets = {
        "pg": f"catalog {redact(settings.catalog)}; shards {', '.join(redact(d) for d in settings.shards.values())}",
        "redis": redact(settings.redis),
        "kafka": settings.kafka,
        "mongo": redact(settings.mongo),
    }
    print(f"bench/{name}.py will WRITE to an existing stack (environment {settings.environment!r}):")
    print(f"  what: {writes or 'synthetic data'}")
    for service in services:
        print(f"  {service:<6} {targets[service]}")
    print("  Never point it at production data.")
    if assume_yes:
        return
    if not sys.stdin.isatty():
        raise SystemExit("refusing without --yes (no terminal to ask on)")
    if input("type yes to go on: ").strip().lower() != "yes":
        raise SystemExit("stopped: nothing written")


def redact(url: str) -> str:
    """A DSN or URL without its password."""
    scheme, sep, rest = url.partition("://")
    if not sep or "@" not in rest:
        return url
    auth, _, host = rest.rpartition("@")
    return f"{scheme}://{auth.split(':', 1)[0]}@{host}"


def port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.3)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def progress(message: str) -> None:
    print(f"[bench stack] {message}", file=sys.stderr, flush=True)
