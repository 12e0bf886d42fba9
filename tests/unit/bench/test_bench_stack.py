"""The private stack of a benchmark points at nothing of the developer's, whatever the environment says."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from bench.stack import BENCH_ROOT, BLOCKS, DEFAULT_PORT_BASE, IsolatedStack, add_stack_arguments, redact
from bench.suite import SUITE

pytestmark = pytest.mark.unit

REPO = Path(__file__).resolve().parents[3]
DEVELOPER_PORTS = {15432, 16379, 19092, 17017, 8000, 8501, 9101, 9102, 9103}
NOT_BENCHMARKS = {"__init__", "stack", "results", "suite"}
SCRIPTS = sorted(p.stem for p in (REPO / "bench").glob("*.py") if p.stem not in NOT_BENCHMARKS)


def test_the_stack_ignores_store_locations_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for var, value in {
        "PIZZA_STATE_DIR": "/srv/pizza",
        "PIZZA_PG_PORT": "15432",
        "PIZZA_PG_HOST": "db.staging.example",
        "PIZZA_CATALOG_DSN": "postgresql://app@db.staging.example/pizza_catalog",
        "PIZZA_SHARD_DSNS": '{"shard_0": "postgresql://app@db.staging.example/s0"}',
        "PIZZA_KAFKA_BOOTSTRAP": "kafka.staging.example:9092",
        "PIZZA_LAKE_URL": "s3://lake/prod",
        "PIZZA_WAREHOUSE_PATH": "/srv/pizza/warehouse.duckdb",
    }.items():
        monkeypatch.setenv(var, value)
    stack = IsolatedStack.for_benchmark("cdc", DEFAULT_PORT_BASE)
    settings = stack.settings()
    env = stack.env()

    assert stack.state_dir == BENCH_ROOT / "cdc"
    assert settings.state_dir == stack.state_dir
    local = f"postgresql://postgres@127.0.0.1:{settings.pg_port}/"
    assert all(dsn.startswith(local) for dsn in settings.shards.values())
    assert settings.catalog.startswith(local)
    assert settings.kafka == f"127.0.0.1:{settings.kafka_port}"
    for location in (settings.lake, settings.archive, str(settings.warehouse), str(settings.marts_snapshot)):
        assert Path(location).is_relative_to(stack.state_dir)
    assert env["PIZZA_LAKE_URL"] == settings.lake
    assert "staging" not in "".join(env.values())
    assert "/srv/pizza" not in "".join(env.values())


def test_each_benchmark_has_a_block_of_ports_of_its_own_away_from_the_developers_and_the_tests() -> None:
    seen: set[int] = set()
    for name in BLOCKS:
        ports = set(IsolatedStack.for_benchmark(name, DEFAULT_PORT_BASE).ports.values())
        assert not ports & seen, f"{name} shares ports with another benchmark"
        assert not ports & DEVELOPER_PORTS
        assert all(20000 <= p < 25000 for p in ports), "test stacks use 25000-29999"
        seen |= ports


def test_every_benchmark_script_runs_on_a_bench_stack_and_is_in_the_suite() -> None:
    assert {r.name for r in SUITE} == set(SCRIPTS)
    for name in SCRIPTS:
        source = (REPO / "bench" / f"{name}.py").read_text()
        assert f'bench_stack("{name}"' in source, f"bench/{name}.py does not start its own stack"
        assert "get_platform_settings" not in source, f"bench/{name}.py reads the caller's stack settings"
        assert name in BLOCKS


def test_a_private_stack_is_the_default_and_an_existing_one_is_opt_in() -> None:
    parser = argparse.ArgumentParser()
    add_stack_arguments(parser)
    assert parser.parse_args([]).target_existing_stack is False
    assert parser.parse_args([]).yes is False
    assert parser.parse_args(["--target-existing-stack", "--yes"]).target_existing_stack is True


def test_passwords_are_not_printed() -> None:
    assert redact("postgresql://app:s3cret@db:5432/pizza") == "postgresql://app@db:5432/pizza"
    assert redact("127.0.0.1:9092") == "127.0.0.1:9092"
