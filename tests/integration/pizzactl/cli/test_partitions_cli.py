"""`pizza partitions ensure` against the real shards."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from pizza.config import PlatformSettings
from pizzactl.cli.main import app

pytestmark = pytest.mark.integration


def test_ensure_prints_every_shard_and_table(stack: PlatformSettings) -> None:
    result = CliRunner().invoke(app, ["partitions", "ensure"])
    assert result.exit_code == 0, result.output
    for shard in stack.shards:
        assert shard in result.output
    assert "orders_p" in result.output
    assert "order_items_p" in result.output


def test_ensure_refuses_a_silly_horizon(stack: PlatformSettings) -> None:
    result = CliRunner().invoke(app, ["partitions", "ensure", "--months-ahead", "0"])
    assert result.exit_code == 2
    assert "months-ahead" in result.output
