"""The real local stack, up once for the test session on the ports ``tests/conftest.py`` chose."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from pizza.config import PlatformSettings, get_platform_settings


@pytest.fixture(scope="session")
def platform_settings() -> PlatformSettings:
    return get_platform_settings()


@pytest.fixture(scope="session")
def stack(platform_settings: PlatformSettings) -> Iterator[PlatformSettings]:
    """The real stack (Postgres shards migrated, Redis, Kafka, MongoDB), up for the whole session.

    ``PIZZA_TEST_KEEP_STACK=1`` leaves it running afterwards, so the next session starts at once.
    """
    from pizza.db.migrate import migrate_all
    from pizzactl.stack import Stack

    local = Stack(platform_settings)
    local.up()
    migrate_all(platform_settings)
    yield platform_settings
    if os.environ.get("PIZZA_TEST_KEEP_STACK") != "1":
        local.down()
